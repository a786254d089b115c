/** The clustering options shared by `index` and `cluster`: one definition, one parser. */
import { Option, type Command } from 'commander';
import { z } from 'zod';
import { int, num } from './options.js';

export const ClusterOptionFields = {
  engine: z.enum(['hdbscan', 'kmeans']).optional(),
  maxDepth: int(z.number().min(0).max(10)).optional(),
  basePct: num(z.number().gt(0).max(1)).optional(),
  decay: num(z.number().gt(0).max(1)).optional(),
  silhouetteThreshold: num(z.number().min(-1).max(1)).optional(),
  minSamples: int(z.number().min(1)).optional(),
  selection: z.enum(['eom', 'leaf']).optional(),
  selectionEpsilon: num(z.number().min(0)).optional(),
  sampleMax: int(z.number().min(1000)).optional(),
  seed: int().optional(),
};

type ClusterOptionValues = { [K in keyof typeof ClusterOptionFields]?: z.infer<(typeof ClusterOptionFields)[K]> };

export function addClusterOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--engine <engine>', 'flat clusterer per node: kmeans (default; best on lexical vectors) or hdbscan (the seed\'s)').choices(['kmeans', 'hdbscan']))
    .option('--max-depth <n>', 'cluster tree depth (default 4)')
    .option('--base-pct <fraction>', 'minimum cluster size as a fraction of a node (default 0.002)')
    .option('--decay <factor>', 'per-depth decay of the minimum cluster size (default 0.7)')
    .option('--silhouette-threshold <s>', 'split children further while silhouette is below this (default 0.25)')
    .option('--min-samples <n>', 'HDBSCAN min_samples (default 10)')
    .addOption(new Option('--selection <method>', 'HDBSCAN cluster selection (default eom)').choices(['eom', 'leaf']))
    .option('--selection-epsilon <d>', 'HDBSCAN cluster_selection_epsilon in the reduced space (default 0)')
    .option('--sample-max <n>', 'nodes larger than this are fitted on a sample, the rest assigned by nearest neighbour (default 100000)')
    .option('--seed <n>', 'random seed (default 42)');
}

export function clusterConfigFrom(o: ClusterOptionValues) {
  return {
    engine: o.engine,
    maxDepth: o.maxDepth,
    basePct: o.basePct,
    decay: o.decay,
    silhouetteThreshold: o.silhouetteThreshold,
    minSamples: o.minSamples,
    selection: o.selection,
    selectionEpsilon: o.selectionEpsilon,
    sampleMax: o.sampleMax,
    seed: o.seed,
  };
}
