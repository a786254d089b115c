/** The in-process runner over a toy stage table: markers, skipping, failure markers, fingerprints. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, resolveCorpusSpec } from '../../pipeline/config.js';
import { readCompleteMarker } from '../../pipeline/markers.js';
import { runIdOf, runPipeline } from '../../pipeline/runners/in-process.js';
import { runKeys } from '../../pipeline/store/keys.js';
import type { RunInputs, StageDefinition } from '../../pipeline/runners/stage.js';
import { z } from 'zod';
import { fsStore } from '../../pipeline/store/fs.js';
import { readJson, type ArtifactStore } from '../../pipeline/store/store.js';
import { tempDir } from '../helpers/corpus.js';

let store: ArtifactStore;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  store = fsStore(path.join(t.dir, 'store'));
});
afterAll(() => cleanup());

function table(calls: string[], failIn?: string, badFacts = false): StageDefinition[] {
  const a: StageDefinition = {
    name: 'a',
    description: 'first',
    inputs: [],
    artifacts: { text: 'a.txt' },
    facts: z.object({ n: z.number() }),
    configOf: (i) => i.config.chunk,
    async run(ctx) {
      calls.push('a');
      await ctx.store.write(ctx.out('a.txt'), `tokens=${ctx.config.chunk.maxTokens}`);
      return { facts: { n: badFacts ? 'one' : 1 } };
    },
  };
  const b: StageDefinition = {
    name: 'b',
    description: 'second',
    inputs: ['a'],
    artifacts: { text: 'b.txt' },
    facts: z.object({}),
    configOf: (i) => i.config.cluster,
    async run(ctx) {
      calls.push('b');
      if (failIn === 'b') throw new Error('boom');
      const upstream = await ctx.store.read(ctx.input('a', 'a.txt'));
      await ctx.store.write(ctx.out('b.txt'), `${String(upstream)}|depth=${ctx.config.cluster.maxDepth}`);
      return {};
    },
  };
  return [a, b];
}

const inputs = (overrides: unknown = {}): RunInputs => ({
  corpus: resolveCorpusSpec({ path: '/corpus' }),
  corpusFingerprint: 'fp',
  config: resolveConfig(overrides),
});

describe('in-process runner', () => {
  it('runs every stage once, writes markers with output hashes, then skips on rerun', async () => {
    const calls: string[] = [];
    const first = await runPipeline({ store, inputs: inputs(), stages: table(calls) });
    expect(calls).toEqual(['a', 'b']);
    const marker = await readCompleteMarker(store, first.keys, 'b');
    expect(marker!.outputs.map((o) => o.key)).toEqual([`${first.keys.root}/b/b.txt`]);
    expect(marker!.outputs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await readJson(store, first.keys.pipelineMarker('complete'))).toMatchObject({ runId: first.runId });

    const again = await runPipeline({ store, inputs: inputs(), stages: table(calls) });
    expect(calls).toEqual(['a', 'b']);
    expect(again.skipped).toEqual(['a', 'b']);
  });

  it('re-runs a stage whose output vanished', async () => {
    const calls: string[] = [];
    const r = await runPipeline({ store, inputs: inputs(), stages: table(calls) });
    await store.remove(`${r.keys.root}/b/b.txt`);
    await runPipeline({ store, inputs: inputs(), stages: table(calls) });
    expect(calls).toEqual(['b']);
  });

  it('a config change re-runs only the affected stage and reuses the rest', async () => {
    const calls: string[] = [];
    const r = await runPipeline({ store, inputs: inputs({ cluster: { maxDepth: 2 } }), stages: table(calls) });
    expect(calls).toEqual(['b']);
    expect((await store.read(`${r.keys.root}/b/b.txt`))!.toString()).toBe('tokens=256|depth=2');
    expect((await readCompleteMarker(store, r.keys, 'a'))!.reusedFrom).toBeDefined();
  });

  it('a failing stage writes _FAILED.json and the pipeline failure marker, then the rerun recovers', async () => {
    const calls: string[] = [];
    const cfg = inputs({ cluster: { maxDepth: 3 } });
    await expect(runPipeline({ store, inputs: cfg, stages: table(calls, 'b') })).rejects.toThrow(/stage b failed: boom/);
    const ok = await runPipeline({ store, inputs: cfg, stages: table(calls) });
    expect(await store.stat(ok.keys.marker('b', 'failed'))).toBeNull();
    expect(await store.stat(ok.keys.pipelineMarker('failed'))).toBeNull();
  });

  it('a run killed between its marker and its pointer is still reusable by other runs', async () => {
    const calls: string[] = [];
    const cfg = inputs({ chunk: { maxTokens: 300 } });
    await runPipeline({ store, inputs: cfg, stages: table(calls) });
    for (const k of await store.list('stages/a')) await store.remove(k); // the pointer write never happened
    await runPipeline({ store, inputs: cfg, stages: table(calls) }); // the rerun skips 'a' and restores its pointer
    calls.length = 0;
    await runPipeline({ store, inputs: inputs({ chunk: { maxTokens: 300 }, cluster: { maxDepth: 1 } }), stages: table(calls) });
    expect(calls).toEqual(['b']);
  });

  it('a stage whose facts break its contract fails before its marker is written', async () => {
    const calls: string[] = [];
    const cfg = inputs({ chunk: { maxTokens: 77 } });
    const err = await runPipeline({ store, inputs: cfg, stages: table(calls, undefined, true) }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/stage a recorded facts outside its contract \(n: .*number/);
    expect(calls).toEqual(['a']);
    expect(await readCompleteMarker(store, runKeys(runIdOf(cfg)), 'a')).toBeNull();
  });

  it('records the failure marker content', async () => {
    const calls: string[] = [];
    const cfg = inputs({ cluster: { maxDepth: 1 } });
    const err = await runPipeline({ store, inputs: cfg, stages: table(calls, 'b') }).catch((e) => e);
    expect(err.message).toMatch(/boom/);
    const runs = await store.list('runs');
    const failed = runs.filter((k) => k.endsWith('/b/_FAILED.json'));
    expect(failed.length).toBeGreaterThan(0);
    const body = await readJson<{ error: { message: string } }>(store, failed[failed.length - 1]);
    expect(body!.error.message).toBe('boom');
  });
});
