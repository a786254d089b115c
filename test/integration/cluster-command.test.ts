/** `corpus-proximity cluster` through the CLI binary. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/corpus.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

describe('cluster command', () => {
  it('re-clusters an embeddings .npy (float16 too) into tree.json, chunk_to_cluster.json and stats.json', async () => {
    const { encodeNpy, npyHeader } = await import('../../pipeline/npy.js');
    const rows = 600;
    const dims = 8;
    const data = new Float32Array(rows * dims);
    for (let i = 0; i < rows; i++) for (let j = 0; j < dims; j++) data[i * dims + j] = (j === i % 3 ? 5 : 0) + Math.sin(i * 7 + j) * 0.2;
    const f32 = path.join(dir, 'vectors.npy');
    await writeFile(f32, encodeNpy(data, rows, dims));
    const out = path.join(dir, 'recluster');
    const r = await runCli(['cluster', '--vectors', f32, '--output', out, '--engine', 'hdbscan', '--max-depth', '1']);
    expect(r.code, r.stderr).toBe(0);
    const stats = JSON.parse(await readFile(path.join(out, 'stats.json'), 'utf8'));
    expect(stats).toMatchObject({ total_chunks: rows, engine: 'hdbscan' });
    expect(stats.timings.cluster_seconds).toBeGreaterThan(0);
    expect(Object.keys(JSON.parse(await readFile(path.join(out, 'chunk_to_cluster.json'), 'utf8')))).toHaveLength(rows);
    expect(JSON.parse(await readFile(path.join(out, 'tree.json'), 'utf8')).children).toHaveLength(3);

    // float16: same header with <f2 and half-precision payload
    const half = Buffer.alloc(rows * dims * 2);
    for (let i = 0; i < rows * dims; i++) half.writeUInt16LE(toHalf(data[i]), 2 * i);
    const f16 = path.join(dir, 'vectors16.npy');
    await writeFile(f16, Buffer.concat([npyHeader(rows, dims, '<f2'), half]));
    const r16 = await runCli(['cluster', '--vectors', f16, '--output', path.join(dir, 'recluster16'), '--engine', 'hdbscan', '--max-depth', '1']);
    expect(r16.code, r16.stderr).toBe(0);

    // A vectors file has no chunk texts or documents: LSA and the document weight are refused, not ignored.
    for (const flags of [
      ['--document-weight', '1'],
      ['--cluster-space', 'lsa'],
    ]) {
      const refused = await runCli(['cluster', '--vectors', f32, '--output', path.join(dir, 'refused'), ...flags]);
      expect(refused.code, flags.join(' ')).toBe(2);
      expect(refused.stderr).toMatch(/need the chunk records/);
    }
    const auto = await runCli(['cluster', '--vectors', f32, '--output', path.join(dir, 'auto'), '--max-depth', '1']);
    expect(auto.code, auto.stderr).toBe(0);
    const autoStats = JSON.parse(await readFile(path.join(dir, 'auto', 'stats.json'), 'utf8'));
    expect(autoStats.config).toMatchObject({ engine: 'auto', space: 'vectors', documentWeight: 0 });
    expect(autoStats.splits.hdbscan + autoStats.splits.kmeans).toBe(1);

    await writeFile(path.join(dir, 'not-npy.txt'), 'hello');
    const bad = await runCli(['cluster', '--vectors', path.join(dir, 'not-npy.txt'), '--output', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/is not a \.npy file/);
  });
});

/** float32 → IEEE half (round to nearest), for the fixture above. */
function toHalf(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  const mant = u & 0x7fffff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | Math.round(mant / 8192);
}
