import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsStore } from '../../pipeline/store/fs.js';
import { joinKey, runKeys, stageRelativeName } from '../../pipeline/store/keys.js';
import { tempDir } from '../helpers/corpus.js';
import { testStoreDriver } from '../helpers/store-suite.js';

testStoreDriver('local directory', async () => {
  const { dir, cleanup } = await tempDir();
  return { store: fsStore(path.join(dir, 'store')), cleanup };
});

describe('keys', () => {
  it('builds every run key from one place', () => {
    const k = runKeys('abc123');
    expect(k.marker('embed', 'complete')).toBe('runs/abc123/embed/_COMPLETE.json');
    expect(k.pipelineMarker('failed')).toBe('runs/abc123/_PIPELINE_FAILED.json');
    expect(k.indexFile('embedder', 'lexical.json')).toBe('runs/abc123/assemble/index/embedder/lexical.json');
    expect(stageRelativeName(k.artifact('embed', 'embedder', 'x.json'))).toBe('embedder/x.json');
  });

  it('rejects traversal and odd characters', () => {
    expect(() => joinKey('runs', '..', 'x')).toThrow();
    expect(() => joinKey('runs/a b')).toThrow();
    expect(joinKey('runs/', '/a', 'b/')).toBe('runs/a/b');
  });
});

it('fs driver leaves no temp files behind after normal writes', async () => {
  const { dir, cleanup } = await tempDir();
  const store = fsStore(dir);
  await store.write('a/b.txt', 'x');
  expect(await readdir(path.join(dir, 'a'))).toEqual(['b.txt']);
  await cleanup();
});
