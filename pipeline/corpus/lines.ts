/**
 * Splits a byte stream into lines without decoding first, so invalid UTF-8 can be detected per line and a
 * 10 MB line costs only its own bytes. Handles \n and \r\n.
 */
import { isUtf8 } from 'node:buffer';

export interface Line {
  /** 1-based line number. */
  number: number;
  text: string;
  /** True when the line had bytes that are not UTF-8 (they were replaced by U+FFFD). */
  replaced: boolean;
}

function decode(buf: Buffer, first: boolean): { text: string; replaced: boolean } {
  const end = buf.length > 0 && buf[buf.length - 1] === 0x0d ? buf.length - 1 : buf.length;
  // A UTF-8 byte-order mark (Windows editors write one) is not part of the first record.
  const start = first && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const body = buf.subarray(start, end);
  return { text: body.toString('utf8'), replaced: !isUtf8(body) };
}

export async function* readLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let number = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    let nl = buf.indexOf(0x0a, start);
    while (nl !== -1) {
      const piece = buf.subarray(start, nl);
      const line = pending.length ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      number += 1;
      yield { number, ...decode(line, number === 1) };
      start = nl + 1;
      nl = buf.indexOf(0x0a, start);
    }
    if (start < buf.length) pending.push(buf.subarray(start));
  }
  if (pending.length) {
    number += 1;
    yield { number, ...decode(Buffer.concat(pending), number === 1) };
  }
}
