/** Every input shape users have, read by pipeline/model-output.ts. */
import { describe, expect, it } from 'vitest';
import { modelOutputs } from '../../pipeline/model-output.js';

const texts = (row: Record<string, unknown>, field?: string) => {
  const e = modelOutputs(row, field);
  return 'error' in e ? e.error : e.outputs.map((o) => [o.choice, o.text]);
};

describe('model outputs', () => {
  it('reads plain fields, chat and legacy completions (every choice), vLLM outputs and chat transcripts', () => {
    expect(texts({ output: 'a', text: 'b' })).toEqual([[0, 'a']]);
    expect(texts({ response: 'r' })).toEqual([[0, 'r']]);
    expect(
      texts({
        choices: [
          { index: 0, message: { content: 'x' } },
          { index: 1, message: { content: [{ type: 'text', text: 'y' }, { type: 'image_url' }, { type: 'text', text: 'z' }] } },
        ],
      }),
    ).toEqual([
      [0, 'x'],
      [1, 'yz'],
    ]);
    expect(texts({ choices: [{ text: 'legacy' }] })).toEqual([[0, 'legacy']]);
    expect(texts({ choices: [{ message: { content: null, tool_calls: [] } }] })).toEqual([[0, '']]);
    expect(
      texts({
        prompt: 'p',
        outputs: [
          { index: 0, text: 'v0' },
          { index: 1, text: 'v1' },
        ],
      }),
    ).toEqual([
      [0, 'v0'],
      [1, 'v1'],
    ]);
    const messages = [
      { role: 'system', content: 's' },
      { role: 'assistant', content: 'first' },
      { role: 'user', content: 'u' },
      { role: 'assistant', content: [{ type: 'text', text: 'last' }] },
    ];
    expect(texts({ messages })).toEqual([[0, 'last']]);
    expect(texts({ messages: [{ role: 'user', content: 'u' }] })).toMatch(/no assistant message/);
  });

  it('reads Responses API objects and Batch API lines, and names a failed batch request', () => {
    const responses = {
      object: 'response',
      text: { format: { type: 'text' } },
      output: [
        { type: 'reasoning', summary: [] },
        {
          type: 'message',
          role: 'assistant',
          content: [
            { type: 'output_text', text: 'Hello ' },
            { type: 'refusal', refusal: 'no' },
            { type: 'output_text', text: 'there.' },
          ],
        },
      ],
    };
    expect(texts(responses)).toEqual([[0, 'Hello there.']]);
    expect(texts({ custom_id: 'q', response: { status_code: 200, body: responses }, error: null })).toEqual([[0, 'Hello there.']]);
    expect(texts({ custom_id: 'q', response: { status_code: 200, body: { choices: [{ message: { content: 'chat' } }] } }, error: null })).toEqual([
      [0, 'chat'],
    ]);
    const failed = modelOutputs({ custom_id: 'q', response: null, error: { code: 'x', message: 'Too many requests' } });
    expect(failed).toMatchObject({
      error: expect.stringMatching(/batch request failed \(Too many requests\)/),
      hint: expect.stringMatching(/--skip-bad-rows/),
    });
    expect(texts({ something: 1 })).toMatch(/no text to annotate \(looked for output, text or response/);
  });

  it('follows a --text-field path, negative indices included; a path to a non-text value is an error', () => {
    const row = { response: { body: { choices: [{ message: { content: 'deep' } }] } }, messages: [{ content: 'a' }, { content: 'z' }], n: 3 };
    expect(texts(row, 'response.body.choices.0.message.content')).toEqual([[0, 'deep']]);
    expect(texts(row, 'messages.-1.content')).toEqual([[0, 'z']]);
    expect(texts(row, 'missing.path')).toBe('row has no "missing.path"');
    expect(texts(row, 'n')).toBe('"n" holds number, not text');
  });
});
