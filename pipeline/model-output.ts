/**
 * The model outputs a JSONL row carries, in the shapes users actually have. With no field named, the first of:
 * - `output`, `text` or `response` as a string;
 * - an OpenAI Responses API object: `output` is an array of items; the `output_text` parts of its `message` items;
 * - an OpenAI Batch API output line: `response.body` holds a chat completion or a Responses object (a failed
 *   request, `error` set and no body, is a bad row naming the error);
 * - an OpenAI chat completion (`choices[i].message.content`, a string or content parts) or completion
 *   (`choices[i].text`); one output per choice;
 * - a vLLM offline `RequestOutput` (`outputs[i].text`); one output per completion;
 * - a chat transcript (`messages`): the last assistant message.
 * A named field (`--text-field`) is a dotted path (pipeline/json-path.ts): `response.body.choices.0.message.content`,
 * `messages.-1.content`; it must hold a string or content parts.
 *
 * Each output keeps the object its token logprobs are read from (pipeline/attribution/logprobs.ts): the choice, the
 * vLLM completion, or the Responses message's parts.
 */
import { getPath } from './json-path.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

export interface ModelOutput {
  text: string;
  /** Which choice (or vLLM completion) of the row this is, from 0. */
  choice: number;
  /** The object carrying this output's token logprobs, if any (logprobs.ts reads it). */
  logprobs: Obj | null;
}

export type Extraction = { outputs: ModelOutput[]; shape: string } | { error: string; hint?: string };

export const TEXT_FIELDS = ['output', 'text', 'response'] as const;
/** What is looked for when no field is named, for messages. */
export const SHAPES_LOOKED_FOR =
  'output, text or response (strings), an OpenAI chat completion (choices[].message.content) or completion (choices[].text), ' +
  'a Responses API object (output[].content[].text), a Batch API line (response.body), vLLM outputs[].text, or messages (last assistant message)';

/** A message content: a string, or parts ([{type: "text" | "output_text", text}]) joined; null for anything else. */
function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (content === null) return ''; // a message with only tool calls: no text to annotate
  if (Array.isArray(content)) {
    return content
      .map((p) => (isObj(p) && typeof p.text === 'string' && (p.type === undefined || (typeof p.type === 'string' && p.type.includes('text'))) ? p.text : ''))
      .join('');
  }
  return null;
}

/** An OpenAI Responses API object: the text of its assistant message items (refusals and reasoning are not output text). */
function responsesOutput(items: unknown[]): ModelOutput[] | null {
  const messages = items.filter((it): it is Obj => isObj(it) && it.type === 'message');
  if (!messages.length && items.some((it) => !isObj(it) || typeof it.type !== 'string')) return null;
  const parts = messages.flatMap((m) => (Array.isArray(m.content) ? m.content.filter((p): p is Obj => isObj(p) && p.type === 'output_text') : []));
  const text = parts.map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
  // Logprobs of output_text parts (include: ["message.output_text.logprobs"]) read like a chat choice's.
  const content: unknown[] = parts.flatMap((p) => (Array.isArray(p.logprobs) ? (p.logprobs as unknown[]) : []));
  return [{ text, choice: 0, logprobs: content.length ? { logprobs: { content } } : null }];
}

function chatOrCompletion(choices: unknown[]): ModelOutput[] | null {
  const out: ModelOutput[] = [];
  for (const [i, c] of choices.entries()) {
    if (!isObj(c)) return null;
    const message = c.message;
    const text = isObj(message) ? contentText(message.content) : typeof c.text === 'string' ? c.text : null;
    if (text === null) return null;
    out.push({ text, choice: typeof c.index === 'number' ? c.index : i, logprobs: c });
  }
  return out.length ? out : null;
}

function bodyOutputs(body: Obj): { outputs: ModelOutput[]; shape: string } | null {
  if (Array.isArray(body.choices)) {
    const o = chatOrCompletion(body.choices);
    if (o) return { outputs: o, shape: 'choices' };
  }
  if (Array.isArray(body.output)) {
    const o = responsesOutput(body.output);
    if (o) return { outputs: o, shape: 'responses' };
  }
  return null;
}

export function modelOutputs(row: Obj, field?: string): Extraction {
  if (field) {
    const v = getPath(row, field);
    const text = contentText(v);
    if (text === null || v === undefined)
      return { error: v === undefined ? `row has no "${field}"` : `"${field}" holds ${Array.isArray(v) ? 'an array' : typeof v}, not text` };
    return { outputs: [{ text, choice: 0, logprobs: null }], shape: field };
  }
  for (const f of TEXT_FIELDS) if (typeof row[f] === 'string') return { outputs: [{ text: row[f], choice: 0, logprobs: null }], shape: f };
  const direct = bodyOutputs(row);
  if (direct) return direct;
  if (isObj(row.response) || row.error) {
    // OpenAI Batch API output line.
    const body = isObj(row.response) ? row.response.body : undefined;
    if (isObj(body)) {
      const o = bodyOutputs(body);
      if (o) return { outputs: o.outputs, shape: `batch ${o.shape}` };
    }
    if (row.error) {
      const e = row.error;
      const message = isObj(e) && typeof e.message === 'string' ? e.message : JSON.stringify(e);
      return {
        error: `the batch request failed (${message}): no output to annotate`,
        hint: 'resubmit the failed requests, or pass --skip-bad-rows FILE to annotate the rest',
      };
    }
  }
  if (Array.isArray(row.outputs)) {
    const outs: ModelOutput[] = [];
    for (const [i, o] of row.outputs.entries())
      if (isObj(o) && typeof o.text === 'string') outs.push({ text: o.text, choice: typeof o.index === 'number' ? o.index : i, logprobs: o });
    if (outs.length) return { outputs: outs, shape: 'vllm outputs' };
  }
  if (Array.isArray(row.messages)) {
    const last = row.messages.filter((m): m is Obj => isObj(m) && m.role === 'assistant').at(-1);
    const text = last ? contentText(last.content) : null;
    if (text !== null) return { outputs: [{ text, choice: 0, logprobs: null }], shape: 'messages' };
    return { error: 'row has "messages" but no assistant message with text' };
  }
  return { error: `row has no text to annotate (looked for ${SHAPES_LOOKED_FOR})` };
}

/** The first output's text, or undefined: what `show` displays for a row. */
export function firstOutputText(row: Obj, field?: string): string | undefined {
  const e = modelOutputs(row, field);
  if ('error' in e) return undefined;
  const chosen = typeof row.choice_index === 'number' ? e.outputs.find((o) => o.choice === row.choice_index) : undefined;
  return (chosen ?? e.outputs[0])?.text;
}
