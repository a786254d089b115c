/** Shared option parsing: commander collects strings, zod turns them into typed values with readable errors. */
import { z } from 'zod';
import { CproxError } from '../pipeline/errors.js';

export function parseOptions<T extends z.ZodTypeAny>(schema: T, raw: unknown, command: string): z.infer<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const flag = `--${String(issue.path[0] ?? '').replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)}`;
  throw new CproxError('BAD_INPUT', `${command}: invalid ${flag}: ${issue.message}`, { hint: `see \`corpus-proximity ${command} --help\`` });
}

/** A numeric CLI value (commander gives strings). */
export const num = (schema: z.ZodNumber = z.number()) => z.coerce.number().pipe(schema);
export const int = (schema: z.ZodNumber = z.number()) => z.coerce.number().pipe(schema.int());
