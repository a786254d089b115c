import path from 'node:path';
import { Command } from 'commander';
import { assertWritableFile, writeFileAtomic } from '../../pipeline/atomic-file.js';
import { chunkRowsJsonl } from '../../pipeline/corpus-index/chunk-rows.js';
import { readClusterTable, readManifest } from '../../pipeline/corpus-index/load.js';
import { checkIndexOnOpen } from '../../pipeline/corpus-index/verify.js';
import { consoleReporter } from '../../pipeline/reporter.js';
import { addOptions, parseOptions } from '../options/register.js';
import { writeStdout } from '../stdout.js';
import { EXPORT_OPTIONS } from '../options/table.js';

export function exportCommand(): Command {
  return addOptions(
    new Command('export')
      .summary('write the indexed corpus as JSONL, one row per chunk with its cluster')
      .description(
        'Write every chunk of an index as one JSON row, in idx order: {"idx", "text", "corpus_stage", "doc_id", ' +
          '"source", "cluster_id", "cluster_path"} (cluster_path: the cluster names from the top level down). The ' +
          "index's files are verified first. A file is written atomically; - streams to stdout.",
      ),
    EXPORT_OPTIONS,
  )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ corpus-proximity export --corpus-index idx/ --output chunks.jsonl\n' +
        '  $ cprox export --corpus-index idx/ | jq -r \'select(.corpus_stage == "sft") | .cluster_path | join(" > ")\' | sort | uniq -c\n',
    )
    .action(async (raw) => {
      const o = parseOptions('export', EXPORT_OPTIONS, raw);
      const reporter = consoleReporter({ quiet: o.quiet || o.output === '-' });
      if (o.output !== '-') await assertWritableFile(o.output);
      const dir = path.resolve(o.corpusIndex);
      const manifest = await readManifest(dir);
      await checkIndexOnOpen(dir, manifest);
      const clusters = await readClusterTable(dir, manifest);
      const progress = reporter.progress('export', manifest.counts.chunks, 'chunks');
      const rows = chunkRowsJsonl(dir, clusters, (n) => progress.tick(n));
      if (o.output === '-') {
        await writeStdout(rows);
      } else {
        const { size } = await writeFileAtomic(o.output, rows);
        progress.done();
        reporter.info(`${manifest.counts.chunks.toLocaleString('en-US')} chunks → ${o.output} (${(size / 1e6).toFixed(1)} MB)`);
      }
    });
}
