/**
 * A local HTTP server speaking the OpenAI chat-completions API, for tests (no network). It records every request
 * and answers with a scripted function.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: { model: string; messages: Array<{ role: string; content: string }>; temperature: number; max_tokens?: number };
  raw: string;
}

export type Reply = { status?: number; content?: string; headers?: Record<string, string>; body?: string };

export async function startOpenAiServer(answer: (req: RecordedRequest, n: number) => Reply | Promise<Reply>) {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    const reply = async () => {
      const rec: RecordedRequest = { path: req.url ?? '', headers: req.headers, body: JSON.parse(raw || '{}'), raw };
      requests.push(rec);
      const r = await answer(rec, requests.length);
      const status = r.status ?? 200;
      const body =
        r.body ??
        (status === 200
          ? JSON.stringify({
              id: `chatcmpl-${requests.length}`,
              object: 'chat.completion',
              model: rec.body.model,
              choices: [{ index: 0, message: { role: 'assistant', content: r.content ?? '' }, finish_reason: 'stop' }],
            })
          : JSON.stringify({ error: { message: 'scripted failure' } }));
      res.writeHead(status, { 'content-type': 'application/json', ...r.headers });
      res.end(body);
    };
    req.on('end', () => void reply());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The user message of a request. */
export const userPrompt = (r: RecordedRequest) =>
  r.body.messages
    .filter((m) => m.role === 'user')
    .map((m) => m.content)
    .join('\n');
