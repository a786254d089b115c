import { describe, expect, it } from 'vitest';
import { chatEndpoint } from '../../pipeline/llm/chat-client.js';
import { cleanLabel, labelProblem } from '../../stages/name/llm/namer.js';
import { loadTemplates } from '../../stages/name/llm/prompts.js';

describe('LLM label hygiene', () => {
  it('cleans what models wrap labels in', () => {
    expect(cleanLabel('"Civil War Finance."')).toBe('Civil War Finance');
    expect(cleanLabel('Label: **Naval Expansion**\n\nBecause the passages...')).toBe('Naval Expansion');
    expect(cleanLabel('  “Tariff   Reform” ')).toBe('Tariff Reform');
  });

  it('accepts 2–5 words unique among siblings, and says why not otherwise', () => {
    expect(labelProblem('Tariff Reform', ['Naval Expansion'])).toBeNull();
    expect(labelProblem('Tariffs', [])).toMatch(/1 word/);
    expect(labelProblem('A B C D E F', [])).toMatch(/6 words/);
    expect(labelProblem('tariff reform', ['Tariff Reform'])).toMatch(/already called/);
  });
});

describe('chat endpoint', () => {
  it('accepts base URLs with or without /v1', () => {
    expect(chatEndpoint('https://api.openai.com/v1')).toBe('https://api.openai.com/v1/chat/completions');
    expect(chatEndpoint('http://localhost:11434/')).toBe('http://localhost:11434/v1/chat/completions');
    expect(chatEndpoint('http://h:8000/v1/chat/completions')).toBe('http://h:8000/v1/chat/completions');
    expect(() => chatEndpoint('not a url')).toThrow(/not a URL/);
  });
});

describe('bundled prompts', () => {
  it('render the parent name, siblings, keywords and passages', () => {
    const t = loadTemplates(undefined);
    const { system, user } = t.render({
      corpus: { chunks: 1000 },
      parent: { name: 'Navy, Ships', path: ['Defense', 'Navy, Ships'], is_root: false },
      cluster: { id: '0.1.2', size: 42, depth: 2, keywords: ['ironclads', 'monitors'], representatives: ['The ironclad Monitor...', 'Our navy...'] },
      siblings: ['Naval Officers'],
    });
    expect(system).toMatch(/2 to 5 words/);
    expect(user).toContain('Parent cluster: "Navy, Ships" (path: Defense › Navy, Ships).');
    expect(user).toContain('Distinctive keywords: ironclads, monitors');
    expect(user).toContain('"Naval Officers"');
    expect(user).toContain('1. The ironclad Monitor...');
    expect(t.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
