/**
 * The option table: flags, validation and help are generated from it; config-backed options show the config's
 * own defaults and bounds; the options a cloud run repeats survive the trip through flags unchanged.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { indexArgsFrom } from '../../cli/deploy.js';
import { clusterConfigFrom } from '../../cli/index-config.js';
import { addOptions, helpLine, parseOptions } from '../../cli/options/register.js';
import { attributeOf, longFlag, type OptionDef } from '../../cli/options/spec.js';
import * as TABLE from '../../cli/options/table.js';
import { resolveConfig } from '../../pipeline/config.js';

const { INDEX_OPTIONS, REMOTE_INDEX_OPTIONS } = TABLE;
const SETS = Object.entries(TABLE).filter(([name]) => name.endsWith('_OPTIONS') && name !== 'REMOTE_INDEX_OPTIONS') as Array<
  [string, Record<string, OptionDef>]
>;

function parseIndex(argv: string[]) {
  let values: Record<string, unknown> = {};
  const cmd = addOptions(new Command('index').exitOverride(), INDEX_OPTIONS).action((raw) => {
    values = parseOptions('index', INDEX_OPTIONS, raw);
  });
  cmd.parse(argv, { from: 'user' });
  return values as ReturnType<typeof parseOptions<typeof INDEX_OPTIONS>>;
}

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
    expect(() => parseIndex(['--corpus', 'c', '--output', 'o', '--engine', 'dbscan'])).toThrow('expected one of hdbscan, kmeans');
    expect(() => parseIndex(['--corpus', 'c', '--output', 'o', '--shard', '1-4'])).toThrow('expected I/N (I counted from 0) or batch/N');
    const o = parseIndex(['--corpus', 'c', '--output', 'o', '--decay', '0.5']);
    expect(o.decay).toBe(0.5);
    expect(o.maxDepth).toBeUndefined(); // not given: the config's default applies
    expect(o.runner).toBe('in-process'); // a CLI default
    expect(o.yes).toBe(false);
    expect(resolveConfig({ cluster: clusterConfigFrom(parseIndex(['--corpus', 'c', '--output', 'o', '--max-k', '3'])) }).cluster.maxK).toBe(3);
  });

  it('every option a cloud run repeats comes back unchanged from its flags', () => {
    const given: string[] = ['--corpus', 'c', '--output', 'o'];
    for (const [key, d] of REMOTE_INDEX_OPTIONS) {
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
    const first = parseIndex(given);
    const args = indexArgsFrom(first);
    expect(args).toHaveLength(REMOTE_INDEX_OPTIONS.length * 2);
    const again = parseIndex(['--corpus', 'c', '--output', 'o', ...args]);
    for (const [key] of REMOTE_INDEX_OPTIONS) expect(again[key as keyof typeof again], key).toEqual(first[key as keyof typeof first]);
  });

  it('every option that changes what a stage computes reaches a cloud run', () => {
    const local = Object.keys(INDEX_OPTIONS).filter((k) => !REMOTE_INDEX_OPTIONS.some(([r]) => r === k));
    // Not repeated remotely, each for a reason: where things are, how this process runs, the cloud settings themselves,
    // the LLM namer (refused with --deploy-gpu) and the embedder (its model folder is uploaded and passed separately).
    expect(local.sort()).toEqual(
      [
        'corpus',
        'output',
        'embedder',
        'namer',
        'llmBaseUrl',
        'llmModel',
        'llmApiKeyEnv',
        'llmConcurrency',
        'llmMaxRetries',
        'llmTimeout',
        'promptTemplate',
        'fallback',
        'store',
        'runner',
        'image',
        'gpus',
        'until',
        'shard',
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
