/**
 * The option table: flags, validation and help are generated from it; config-backed options show the config's
 * own defaults and bounds; every setting a build computes with survives the trip through a run request unchanged.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { clusterConfigFrom, indexSettingsFrom } from '../../cli/index-config.js';
import { addOptions, helpLine, parseOptions } from '../../cli/options/register.js';
import { attributeOf, longFlag, type OptionDef } from '../../cli/options/spec.js';
import * as TABLE from '../../cli/options/table.js';
import { resolveConfig, resolveCorpusSpec } from '../../pipeline/config.js';
import { silentReporter } from '../../pipeline/reporter.js';
import { runRequest, writeRunRequest } from '../../pipeline/runners/request.js';
import { fsStore } from '../../pipeline/store/fs.js';
import { tempDir } from '../helpers/corpus.js';

const { INDEX_OPTIONS, REQUEST_OPTIONS } = TABLE;
const SETS = Object.entries(TABLE).filter(([name]) => name.endsWith('_OPTIONS') && name !== 'REQUEST_OPTIONS') as Array<[string, Record<string, OptionDef>]>;

function parseIndexRaw(argv: string[]) {
  let values: Record<string, unknown> = {};
  let given: unknown = {};
  const cmd = addOptions(new Command('index').exitOverride(), INDEX_OPTIONS).action((raw) => {
    given = raw;
    values = parseOptions('index', INDEX_OPTIONS, raw);
  });
  cmd.parse(argv, { from: 'user' });
  return { o: values as ReturnType<typeof parseOptions<typeof INDEX_OPTIONS>>, raw: given };
}
const parseIndex = (argv: string[]) => parseIndexRaw(argv).o;

describe('option table', () => {
  it('every entry is keyed by its own attribute name, in every command', () => {
    expect(SETS.length).toBeGreaterThanOrEqual(10);
    for (const [name, set] of SETS) for (const [key, d] of Object.entries(set)) expect(attributeOf(d.flags), `${name}.${key}`).toBe(key);
  });

  it('config-backed options show the config defaults and bounds', () => {
    const config = resolveConfig({});
    expect(helpLine(INDEX_OPTIONS.chunkTokens)).toContain(`8 to 8192; default ${config.chunk.maxTokens}`);
    expect(helpLine(INDEX_OPTIONS.efSearch)).toContain(`default ${config.search.expansionSearch}`);
    expect(helpLine(INDEX_OPTIONS.engine)).toContain(`hdbscan | kmeans; default ${config.cluster.engine}`);
    expect(helpLine(INDEX_OPTIONS.basePct)).toContain('> 0 and ≤ 1');
    expect(helpLine(INDEX_OPTIONS.llmTimeout)).toContain('≥ 1; default 60'); // seconds; the config holds 60,000 ms
  });

  it('values are checked against the table and explained by flag', () => {
    expect(() => parseIndex(['--corpus', 'c', '--output', 'o', '--chunk-tokens', '9000'])).toThrow(
      'index: invalid --chunk-tokens "9000": expected an integer from 8 to 8192',
    );
    expect(() => parseIndex(['--corpus', 'c', '--output', 'o', '--dims', '12.5'])).toThrow('expected an integer from 8 to 2048');
    expect(() => parseIndex(['--corpus', 'c', '--output', 'o', '--engine', 'dbscan'])).toThrow('expected one of auto, hdbscan, kmeans');
    expect(() => parseIndex(['--corpus', 'c', '--output', 'o', '--shard', '1-4'])).toThrow('expected I/N (I counted from 0) or batch/N');
    const o = parseIndex(['--corpus', 'c', '--output', 'o', '--decay', '0.5']);
    expect(o.decay).toBe(0.5);
    expect(o.maxDepth).toBeUndefined(); // not given: the config's default applies
    expect(o.runner).toBe('in-process'); // a CLI default
    expect(o.yes).toBe(false);
    expect(resolveConfig({ cluster: clusterConfigFrom(parseIndex(['--corpus', 'c', '--output', 'o', '--max-k', '3'])) }).cluster.maxK).toBe(3);
  });

  it('every setting given as an option comes back unchanged from a run request, which refuses the options beside it', async () => {
    const given: string[] = ['--corpus', 'c', '--output', 'o'];
    for (const [key, d] of REQUEST_OPTIONS) {
      if (key === 'embedder') continue; // an ONNX model needs a folder: the lexical default stands in
      const value =
        d.kind === 'enum'
          ? d.choices.at(-1)!
          : d.kind === 'int'
            ? String(d.max ?? (d.min ?? 0) + 3)
            : d.kind === 'number'
              ? String(d.max ?? (d.min ?? 0) + 0.5)
              : `${key}-value`;
      given.push(longFlag(d.flags), value);
    }
    const direct = parseIndexRaw(given);
    const settings = await indexSettingsFrom(direct.o, direct.raw, silentReporter);
    const { dir, cleanup } = await tempDir();
    try {
      const key = await writeRunRequest(fsStore(dir), runRequest(resolveCorpusSpec({ path: '/c', ...settings.reading }), settings.embedder, settings.config));
      const viaRequest = parseIndexRaw(['--corpus', 'c', '--output', 'o', '--request', `${dir}/${key}`]);
      const fromRequest = await indexSettingsFrom(viaRequest.o, viaRequest.raw, silentReporter);
      expect(fromRequest).toEqual(settings);
      expect(fromRequest.config.chunk.maxTokens).toBe(8192);
      const clash = parseIndexRaw(['--corpus', 'c', '--output', 'o', '--request', `${dir}/${key}`, '--max-depth', '2']);
      await expect(indexSettingsFrom(clash.o, clash.raw, silentReporter)).rejects.toThrow('--max-depth cannot be combined with --request');
    } finally {
      await cleanup();
    }
  });

  it('every option that changes what a stage computes is carried by a run request', () => {
    const local = Object.keys(INDEX_OPTIONS).filter((k) => !REQUEST_OPTIONS.some(([r]) => r === k));
    // Not in a request, each for a reason: where things are, how and which steps this process runs, and the cloud
    // settings themselves.
    expect(local.sort()).toEqual(
      [
        'corpus',
        'output',
        'store',
        'runner',
        'image',
        'gpus',
        'until',
        'shard',
        'request',
        'writeRequest',
        'deployGpu',
        'keepRunning',
        'stack',
        'region',
        'timeout',
        'minVram',
        'minCpuRam',
        'maxPrice',
        'gpuFilter',
        'containerDisk',
        'base',
        'maxRunHours',
        'yes',
        'quiet',
      ].sort(),
    );
  });
});
