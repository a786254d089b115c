/**
 * A small client for any OpenAI-compatible `/v1/chat/completions` endpoint (OpenAI, vLLM, ollama, llama.cpp):
 * temperature 0, a timeout per request, retries with exponential backoff on 429, 5xx, timeouts and network
 * errors (honouring Retry-After), and errors that never carry the API key.
 * API: https://platform.openai.com/docs/api-reference/chat/create
 */
import { CproxError } from '../errors.js';
import { registerSecret } from '../secrets.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatClientOptions {
  baseUrl: string;
  model: string;
  /** Sent as a Bearer token when set; never logged or echoed in errors. */
  apiKey?: string;
  timeoutMs: number;
  maxRetries: number;
  /** First backoff step; doubles per retry (with jitter), capped at 30 s. */
  retryBaseMs?: number;
  onRetry?: (info: { attempt: number; reason: string; delayMs: number }) => void;
}

export interface ChatClient {
  readonly endpoint: string;
  complete(messages: ChatMessage[], opts?: { maxTokens?: number; what?: string }): Promise<string>;
}

/** `http://h/v1` → `http://h/v1/chat/completions`; `http://h` → `http://h/v1/chat/completions`. */
export function chatEndpoint(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new CproxError('BAD_INPUT', `--llm-base-url is not a URL: ${baseUrl}`, { hint: 'e.g. http://localhost:8000/v1 or https://api.openai.com/v1' });
  }
  const p = url.pathname.replace(/\/+$/, '');
  url.pathname = p.endsWith('/chat/completions') ? p : p.endsWith('/v1') ? `${p}/chat/completions` : `${p}/v1/chat/completions`;
  return url.toString();
}

class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const MAX_DELAY_MS = 30_000;

function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

export function chatClient(opts: ChatClientOptions): ChatClient {
  const endpoint = chatEndpoint(opts.baseUrl);
  registerSecret(opts.apiKey); // whatever the endpoint echoes, messages and markers are redacted at the edge
  const base = opts.retryBaseMs ?? 500;

  async function attempt(messages: ChatMessage[], maxTokens: number): Promise<string> {
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) },
        body: JSON.stringify({ model: opts.model, messages, temperature: 0, max_tokens: maxTokens }),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (e) {
      const name = (e as Error).name;
      throw new Retryable(
        name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${opts.timeoutMs} ms` : `cannot reach ${endpoint} (${(e as Error).message})`,
      );
    }
    const text = await res.text().catch(() => '');
    if (res.status === 429 || res.status >= 500) {
      throw new Retryable(`HTTP ${res.status} ${text.slice(0, 200)}`.trim(), retryAfter(res.headers.get('retry-after')));
    }
    if (!res.ok) {
      const hint =
        res.status === 401 || res.status === 403
          ? 'check the API key in the environment variable named by --llm-api-key-env (default OPENAI_API_KEY)'
          : res.status === 404
            ? `check --llm-base-url and that the server serves model "${opts.model}"`
            : 'check --llm-model and --llm-base-url';
      // Refused credentials and a wrong URL or model are the user's to fix (exit 2), not an internal failure.
      const code =
        res.status === 401 || res.status === 403 ? 'AUTH' : res.status === 400 || res.status === 404 || res.status === 422 ? 'BAD_INPUT' : 'STAGE_FAILED';
      throw new CproxError(code, `LLM endpoint ${endpoint} answered HTTP ${res.status}: ${text.slice(0, 200)}`, { hint });
    }
    let content: unknown;
    try {
      content = (JSON.parse(text) as { choices?: Array<{ message?: { content?: unknown } }> }).choices?.[0]?.message?.content;
    } catch {
      throw new Retryable(`the answer is not JSON: ${text.slice(0, 100)}`);
    }
    if (typeof content !== 'string') throw new Retryable('the answer has no choices[0].message.content');
    return content;
  }

  return {
    endpoint,
    async complete(messages, { maxTokens = 24, what = 'request' } = {}) {
      for (let n = 0; ; n++) {
        try {
          return await attempt(messages, maxTokens);
        } catch (e) {
          if (!(e instanceof Retryable)) throw e;
          if (n >= opts.maxRetries) {
            throw new CproxError('STAGE_FAILED', `${what} failed after ${n + 1} attempt(s): ${e.message}`, {
              hint: `is the server at ${endpoint} up and not rate-limiting? (--llm-max-retries, or --fallback keywords to fall back to keyword names)`,
            });
          }
          const backoff = Math.min(MAX_DELAY_MS, base * 2 ** n) * (0.5 + Math.random() / 2);
          const delayMs = Math.min(MAX_DELAY_MS, e.retryAfterMs ?? backoff);
          opts.onRetry?.({ attempt: n + 1, reason: e.message, delayMs });
          await new Promise((r) => setTimeout(r, delayMs));
        }
      }
    },
  };
}
