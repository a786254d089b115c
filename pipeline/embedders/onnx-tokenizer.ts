/**
 * The model's own tokenizer (a Hugging Face tokenizer.json, run by @huggingface/tokenizers) with what the embedder
 * and prepare need on top: truncation that keeps the special tokens ([CLS] … [SEP]), the pad id, and token spans
 * in the source text so prepare can cut chunks of N model tokens.
 */
import { readFile } from 'node:fs/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { CproxError } from '../errors.js';
import type { TokenSpans } from '../text/tokenize.js';

export interface Encoded {
  ids: number[];
  typeIds: number[];
  /** Content was cut to fit. */
  truncated: boolean;
}

export interface ModelTokenizer {
  /** Special tokens included; content truncated so the whole fits `maxTokens`. */
  encode(text: string, maxTokens: number): Encoded;
  /** Content tokens of a text (no special tokens). */
  count(text: string): number;
  /** One span per model token, cut at whitespace-separated words (pieces of a word split its characters). */
  spans(text: string): TokenSpans;
  readonly padId: number;
}

/**
 * The part of @huggingface/tokenizers used here. Its shipped .d.ts files import each other without file extensions,
 * which NodeNext resolution cannot follow, so the class arrives untyped: this is its type, stated once.
 */
interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
  token_to_id(token: string): number | null | undefined;
}
const HfTokenizerClass = Tokenizer as unknown as new (json: object, config: object) => HfTokenizer;

const WORD_CACHE = 200_000;
const WORD = /\S+/g;

export async function loadModelTokenizer(file: string): Promise<ModelTokenizer> {
  let tokenizer: HfTokenizer;
  let json: { padding?: { pad_id?: number } | null };
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as typeof json;
    tokenizer = new HfTokenizerClass(json, {});
  } catch (e) {
    throw new CproxError('BAD_INPUT', `${file} is not a Hugging Face tokenizer.json this version can read (${(e as Error).message})`, {
      cause: e,
      hint: 'use the tokenizer.json that ships with the model (the "fast" tokenizer format)',
    });
  }
  const content = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false }).ids;
  // Where the special tokens go around a single sequence: find the content inside a probe's full encoding.
  const probe = content('a');
  const full = tokenizer.encode('a').ids;
  const at = full.findIndex((_, i) => probe.every((id, j) => full[i + j] === id));
  const prefix = at < 0 ? [] : full.slice(0, at);
  const suffix = at < 0 ? [] : full.slice(at + probe.length);
  const padId = json.padding?.pad_id ?? tokenizer.token_to_id('[PAD]') ?? tokenizer.token_to_id('<pad>') ?? 0;
  const wordCounts = new Map<string, number>();
  const countWord = (w: string) => {
    let n = wordCounts.get(w);
    if (n === undefined) {
      if (wordCounts.size >= WORD_CACHE) wordCounts.clear();
      wordCounts.set(w, (n = Math.max(1, content(w).length)));
    }
    return n;
  };
  return {
    padId,
    encode(text, maxTokens) {
      const room = Math.max(1, maxTokens - prefix.length - suffix.length);
      const body = content(text);
      const ids = [...prefix, ...(body.length > room ? body.slice(0, room) : body), ...suffix];
      return { ids, typeIds: new Array<number>(ids.length).fill(0), truncated: body.length > room };
    },
    count: (text) => content(text).length,
    spans(text) {
      const starts: number[] = [];
      const ends: number[] = [];
      for (const m of text.matchAll(WORD)) {
        const n = countWord(m[0]);
        const len = m[0].length;
        for (let i = 0; i < n; i++) {
          starts.push(m.index + Math.floor((i * len) / n));
          ends.push(m.index + Math.floor(((i + 1) * len) / n));
        }
      }
      return { starts, ends };
    },
  };
}
