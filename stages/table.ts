/**
 * The frozen stage table: runners iterate over it in order and never branch on a stage's name.
 * Each row declares its inputs (whose markers feed its fingerprint), its config slice and its run function.
 */
import type { StageDefinition } from '../pipeline/runners/stage.js';
import { annStage } from './ann/index.js';
import { assembleStage } from './assemble/index.js';
import { clusterStage } from './cluster/index.js';
import { embedStage } from './embed/index.js';
import { nameStage } from './name/index.js';
import { prepareStage } from './prepare/index.js';

export const STAGES: readonly StageDefinition[] = Object.freeze(
  [prepareStage, embedStage, annStage, clusterStage, nameStage, assembleStage].map((s) => Object.freeze(s)),
);
