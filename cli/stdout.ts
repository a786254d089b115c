/** Writes text parts to stdout as they come, waiting for the pipe to drain: a slow reader bounds memory, not the file. */
export async function writeStdout(parts: Iterable<string> | AsyncIterable<string>): Promise<void> {
  for await (const text of parts) if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r));
}
