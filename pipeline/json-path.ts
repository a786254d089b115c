/**
 * Dotted paths into JSON rows, as `--key` and `--text-field` take them: `id`, `metadata.prompt_id`,
 * `response.body.choices.0.message.content`, `messages.-1.content` (a negative index counts from the end).
 * A key that exists verbatim (a field whose name contains dots) wins over the path.
 */
export function getPath(row: unknown, path: string): unknown {
  if (row !== null && typeof row === 'object' && !Array.isArray(row) && path in row) return (row as Record<string, unknown>)[path];
  let cur: unknown = row;
  for (const part of path.split('.')) {
    if (Array.isArray(cur)) {
      if (!/^-?\d+$/.test(part)) return undefined;
      const i = Number(part);
      cur = cur[i < 0 ? cur.length + i : i];
    } else if (cur !== null && typeof cur === 'object') {
      cur = (cur as Record<string, unknown>)[part];
    } else {
      return undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}
