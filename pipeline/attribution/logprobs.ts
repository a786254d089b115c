/**
 * Token logprobs carried by a model output, aligned to character offsets of its text, so that each sentence
 * gets the mean logprob of its tokens. Read from the object pipeline/model-output.ts keeps for the output:
 * - an OpenAI chat completion choice: `logprobs.content[]` ({token, logprob}), tokens in order (also the
 *   `output_text` parts' logprobs of a Responses API object);
 * - an OpenAI (and vLLM server) legacy completion choice: `logprobs` {tokens, token_logprobs, text_offset};
 * - a vLLM offline completion (`outputs[i]`): {text, token_ids, logprobs: [{token_id: {logprob, decoded_token}}]}.
 * Offsets come from `text_offset` where given; otherwise the decoded tokens are laid end to end and must spell the
 * text exactly, else the row counts as having no usable logprobs (never a guessed alignment). A token without a
 * logprob (null for the first token of an echoed prompt) keeps its place and is left out of the means.
 */
export interface TokenLogprob {
  start: number;
  end: number;
  logprob: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Tokens laid end to end; null unless they spell `text` (a leading part of it is allowed: a stop sequence). */
function laidOut(text: string, tokens: Array<{ token: string; logprob: number }>): TokenLogprob[] | null {
  const out: TokenLogprob[] = [];
  let at = 0;
  for (const t of tokens) {
    if (text.slice(at, at + t.token.length) !== t.token) return null;
    out.push({ start: at, end: at + t.token.length, logprob: t.logprob });
    at += t.token.length;
  }
  return at === text.length ? out : null;
}

export function tokenLogprobs(source: Obj | null | undefined, text: string): TokenLogprob[] | null {
  if (!source) return null;
  const lp = source.logprobs;
  if (isObj(lp) && Array.isArray(lp.content)) {
    const tokens = lp.content.filter(isObj).map((t) => ({ token: str(t.token), logprob: Number(t.logprob) }));
    return laidOut(text, tokens);
  }
  if (isObj(lp) && Array.isArray(lp.token_logprobs) && Array.isArray(lp.tokens)) {
    const tokens = lp.tokens as unknown[];
    const values = lp.token_logprobs as unknown[];
    const offsets = Array.isArray(lp.text_offset) ? (lp.text_offset as unknown[]) : null;
    if (!offsets)
      return laidOut(
        text,
        tokens.map((t, i) => ({ token: str(t), logprob: typeof values[i] === 'number' ? values[i] : NaN })),
      );
    // text_offset counts from the start of the prompt when the prompt is echoed; the first offset is where the text starts.
    const base = Number(offsets[0]);
    const out: TokenLogprob[] = [];
    tokens.forEach((t, i) => {
      const start = Number(offsets[i]) - base;
      const v = values[i];
      if (typeof v === 'number' && Number.isFinite(start)) out.push({ start, end: start + str(t).length, logprob: v });
    });
    return out.length ? out : null;
  }
  if (Array.isArray(lp) && Array.isArray(source.token_ids)) {
    const ids = source.token_ids as unknown[];
    const tokens = (lp as unknown[]).map((step, i) => {
      const chosen = isObj(step) ? step[String(ids[i])] : undefined;
      return isObj(chosen) ? { token: str(chosen.decoded_token), logprob: Number(chosen.logprob) } : { token: '', logprob: NaN };
    });
    return laidOut(text, tokens);
  }
  return null;
}

/** Mean logprob of the tokens over [start, end) (a token's leading space may sit just before); tokens without a logprob (the first of an echoed prompt) are skipped; null when none count. */
export function meanLogprob(tokens: readonly TokenLogprob[] | null, start: number, end: number): number | null {
  if (!tokens) return null;
  let sum = 0;
  let n = 0;
  for (const t of tokens) {
    if (t.start >= end) break;
    if (t.end > start && t.start < end && t.start >= start - 1 && Number.isFinite(t.logprob)) {
      sum += t.logprob;
      n++;
    }
  }
  return n ? Math.round((sum / n) * 1e4) / 1e4 : null;
}
