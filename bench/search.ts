/**
 * Vector search at 10⁵ and 10⁶ chunks: seeded clustered 384-d vectors, 1,000 queries from the same distribution,
 * k = 10. One JSON line per size:
 *   {"n","dims","build_s","qps_exact","qps_ann","recall_at_10","qps_seed_method","speedup_vs_seed","open_ms","peak_rss_mb",…}
 * - exact: onnxruntime Gemm + TopK, tiled (the index's exact path); it is also the ground truth for recall.
 * - ann: the HNSW graph as annotate uses it: saved, then opened with `view` (memory-mapped) in a fresh child
 *   process, which reports open_ms, qps and its own peak RSS (compare with vector_file_mb).
 * - seed method: what the original Python plan's annotate does per sentence, as fast as TypeScript allows: one dot-product pass
 *   over all rows, then a full sort (native typed-array sort of packed distance|row keys). Timed on a subset of
 *   the queries (it is slow), reported as queries per second. speedup_vs_seed = qps_ann / qps_seed_method.
 *
 *   npm run bench:search [-- --n 100000] [-- --ef 64,256,512] [-- --isotropic]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHnsw, openHnsw, recallAtK, type AnnSettings } from '../pipeline/search/hnsw.js';
import { ortExactSearch } from '../pipeline/search/ort-exact.js';
import type { SearchResult } from '../pipeline/search/types.js';
import { syntheticEmbeddings } from './fixtures/synthetic.js';

const DIMS = 384;
const QUERIES = 1000;
const K = 10;
const SIZES = [100_000, 1_000_000];
const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
/** 4,000 sub-topics whose spread is mostly 24-dimensional (`--isotropic`: spread over all 384 dims, much harder). */
const SHAPE = { topics: 500, subtopics: 8, noise: 0.05, intrinsic: args.includes('--isotropic') ? 0 : 24 };
/** HNSW ef at query time, one output line each (the index default is the first). */
const EFS = (arg('--ef') ?? '64,256,512').split(',').map(Number);

/** Per query: all distances, then a full ascending sort; keys pack the float32 distance bits above the row index. */
function seedMethod(corpus: Float32Array, n: number, queries: Float32Array, count: number): number[][] {
  const keys = new BigUint64Array(n);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const out: number[][] = [];
  for (let q = 0; q < count; q++) {
    const qo = q * DIMS;
    for (let r = 0; r < n; r++) {
      const ro = r * DIMS;
      let s = 0;
      for (let j = 0; j < DIMS; j++) s += corpus[ro + j] * queries[qo + j];
      f[0] = 2 - s; // distance + 1 > 0, so its bits order like the value
      keys[r] = (BigInt(u[0]) << 32n) | BigInt(r);
    }
    keys.sort();
    out.push(Array.from(keys.subarray(0, K), (x) => Number(x & 0xffffffffn)));
  }
  return out;
}

/** Peak resident memory of this process image: VmHWM (ru_maxrss would include the parent's size at fork time). */
function peakRssMb(): number {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return Math.round((hwm ? Number(hwm) : process.resourceUsage().maxRSS) / 1024);
}

/** Child: open the saved graph memory-mapped, search all queries per ef, report open time, qps, results and peak RSS. */
function child(file: string, settingsJson: string, queriesFile: string, efs: number[]): void {
  const settings = JSON.parse(settingsJson) as AnnSettings;
  const buf = readFileSync(queriesFile);
  const queries = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const out = efs.map((ef) => {
    const t0 = performance.now();
    const view = openHnsw(file, { ...settings, expansion_search: ef });
    const openMs = performance.now() - t0;
    const t1 = performance.now();
    const r = view.search(queries, QUERIES, K);
    const seconds = (performance.now() - t1) / 1000;
    return { ef, open_ms: +openMs.toFixed(1), qps: QUERIES / seconds, indices: Array.from(r.indices), peak_rss_mb: peakRssMb() };
  });
  console.log(JSON.stringify(out));
}

async function run(n: number): Promise<void> {
  const tmp = path.join(os.tmpdir(), `cprox-bench-search-${process.pid}`);
  const graph = `${tmp}.usearch`;
  const queriesFile = `${tmp}.queries`;
  try {
    // Queries share the corpus's topics (not its 5 % outliers): one generated stream, split.
    const both = syntheticEmbeddings(n + QUERIES, DIMS, 11, { ...SHAPE, noiseFreeFrom: n });
    const data = both.subarray(0, n * DIMS);
    const q = both.slice(n * DIMS);
    writeFileSync(queriesFile, Buffer.from(q.buffer));
    const matrix = { data, rows: n, dims: DIMS };

    const t0 = performance.now();
    const settings = buildHnsw(matrix, { quantization: 'f32', connectivity: 16, expansion_add: 128, expansion_search: 64 }, graph);
    const buildS = (performance.now() - t0) / 1000;

    const t1 = performance.now();
    const exact = await ortExactSearch(matrix, { data: q, rows: QUERIES, dims: DIMS }, K);
    const qpsExact = QUERIES / ((performance.now() - t1) / 1000);

    const seedQueries = n >= 1_000_000 ? 10 : 50;
    const t2 = performance.now();
    const seed = seedMethod(data, n, q, seedQueries);
    const qpsSeed = seedQueries / ((performance.now() - t2) / 1000);
    const seedAgrees = seed.every((ids, i) => ids.every((id, j) => id === exact.indices[i * K + j]));

    const self = fileURLToPath(import.meta.url);
    // One fresh process per ef, so each open time and peak RSS is its own.
    const runs = EFS.map((ef) => {
      const c = spawnSync(process.execPath, [self, '--child', graph, JSON.stringify(settings), queriesFile, String(ef)], {
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      if (c.status !== 0) throw new Error(`child failed: ${c.stderr}`);
      return (JSON.parse(c.stdout) as Array<{ ef: number; open_ms: number; qps: number; indices: number[]; peak_rss_mb: number }>)[0];
    });
    for (const ann of runs) {
      const approx: SearchResult = { k: K, indices: Int32Array.from(ann.indices), scores: new Float32Array(0) };
      console.log(
        JSON.stringify({
          n,
          dims: DIMS,
          build_s: +buildS.toFixed(1),
          qps_exact: Math.round(qpsExact),
          qps_ann: Math.round(ann.qps),
          recall_at_10: +recallAtK(exact, approx).toFixed(4),
          qps_seed_method: +qpsSeed.toFixed(2),
          speedup_vs_seed: Math.round(ann.qps / qpsSeed),
          open_ms: ann.open_ms,
          peak_rss_mb: ann.peak_rss_mb,
          vector_file_mb: Math.round((n * DIMS * 4) / 2 ** 20),
          graph_file_mb: Math.round(statSync(graph).size / 2 ** 20),
          seed_queries_timed: seedQueries,
          seed_method_agrees_with_exact: seedAgrees,
          threads: os.availableParallelism(),
          ef_search: ann.ef,
          intrinsic_dims: SHAPE.intrinsic || DIMS,
          connectivity: settings.connectivity,
        }),
      );
    }
  } finally {
    rmSync(graph, { force: true });
    rmSync(queriesFile, { force: true });
  }
}

if (args[0] === '--child') child(args[1], args[2], args[3], args[4].split(',').map(Number));
else for (const n of arg('--n') ? [Number(arg('--n'))] : SIZES) await run(n);
