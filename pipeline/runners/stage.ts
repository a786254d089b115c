/** The contract between the stage table and the runners. */
import type { z } from 'zod';
import type { CorpusSpec, IndexConfig } from '../config.js';
import type { CompleteMarker } from '../markers.js';
import type { Reporter } from '../reporter.js';
import type { RunKeys } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';

export interface RunInputs {
  readonly corpus: Readonly<CorpusSpec>;
  /** Cheap identity of the corpus files (paths, sizes, mtimes): `corpusFingerprint` in pipeline/corpus/files.ts. */
  readonly corpusFingerprint: string;
  readonly config: Readonly<IndexConfig>;
}

export interface StageContext extends RunInputs {
  readonly store: ArtifactStore;
  readonly keys: RunKeys;
  /** Complete markers of the stages this one declared as inputs. */
  readonly upstream: Readonly<Record<string, CompleteMarker>>;
  readonly reporter: Reporter;
  /** Where the corpus is read from: `corpus.path`, or where it is mounted when a stage runs in a container. */
  readonly corpusRoot: string;
  /** This stage's fingerprint (its config and its inputs' contents): shard files are keyed by it. */
  readonly fingerprint: string;
  /** Key of one of this stage's own artifacts. */
  out(...name: string[]): string;
  /**
   * Key of an upstream stage's artifact, resolved through that stage's marker (it may live in another run that
   * computed the same stage).
   */
  input(stage: string, ...name: string[]): string;
  /** Keys of an upstream stage's artifacts under a folder, e.g. input keys of embed's `embedder/`. */
  inputsUnder(stage: string, folder: string): string[];
}

/** Shard `index` of `count`: a slice of a stage's work that a Batch array child computes on its own. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

export interface StageResult {
  facts?: Record<string, unknown>;
}

export interface StageDefinition {
  readonly name: string;
  readonly description: string;
  readonly inputs: readonly string[];
  /** The artifacts it writes: name → path under its folder (a file, or a folder of parts). */
  readonly artifacts: Readonly<Record<string, string>>;
  /** The facts its marker records: checked before the marker is written. */
  readonly facts: z.ZodType;
  /** The slice of the run inputs this stage depends on; its hash is part of the stage fingerprint. */
  configOf(inputs: RunInputs): unknown;
  run(ctx: StageContext): Promise<StageResult>;
  /**
   * Optional: compute one shard of the stage's work into `keys.shardSet(...)`, without completing the stage. A later
   * full `run` uses every finished shard of its fingerprint and computes only the missing ones.
   */
  runShard?(ctx: StageContext, shard: Shard): Promise<void>;
}
