import { Command } from 'commander';
import { readManifest } from '../../pipeline/corpus-index/load.js';
import { verifyIndex } from '../../pipeline/corpus-index/verify.js';
import { CproxError } from '../../pipeline/errors.js';
import { consoleReporter } from '../../pipeline/reporter.js';
import { openStore } from '../../pipeline/store/open.js';
import { addOptions, parseOptions } from '../options/register.js';
import { VERIFY_OPTIONS } from '../options/table.js';

export function verifyCommand(): Command {
  return addOptions(
    new Command('verify')
      .summary('check every file of a local index against its manifest (sha256)')
      .description(
        'Hash every file of a CorpusIndex folder and compare it with the sha256 and size its manifest.json records. ' +
          'With --store, also check manifest.json against the one the assemble stage of its run recorded in that store, ' +
          'so an edited manifest (e.g. changed calibration) is caught too.\n\n' +
          '`annotate` runs a cheaper check on every start: files unchanged since their last full check (same inode, ' +
          'size, mtime and ctime) are trusted, any other file is hashed first. `sync` ends with this full check.\n\n' +
          'Exit code 0 when everything matches, 2 when a file is missing, changed or the manifest differs.',
      ),
    VERIFY_OPTIONS,
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ corpus-proximity verify --corpus-index nanochat_index/\n  $ corpus-proximity verify --corpus-index nanochat_index/ --store s3://my-bucket/corpus-proximity --json\n',
    )
    .action(async (raw) => {
      const o = parseOptions('verify', VERIFY_OPTIONS, raw);
      const reporter = consoleReporter({ quiet: o.quiet || o.json });
      const manifest = await readManifest(o.corpusIndex);
      const store = o.store ? await openStore(o.store) : undefined;
      const started = Date.now();
      const progress = reporter.progress('verify', Object.keys(manifest.files).length, 'files');
      const report = await verifyIndex(o.corpusIndex, manifest, { store, onFile: () => progress.tick() });
      progress.done();
      const seconds = (Date.now() - started) / 1000;
      const problems = [...report.problems, ...(report.store?.problem ? [report.store.problem] : [])];
      if (o.json) process.stdout.write(JSON.stringify({ ok: problems.length === 0, ...report, seconds }, null, 2) + '\n');
      if (problems.length > 0) {
        for (const p of problems) process.stderr.write(`  ✗ ${p}\n`);
        throw new CproxError('BAD_INDEX', `${o.corpusIndex}: ${problems.length} problem(s) found`, {
          hint: 'rebuild the index, or re-sync it with `corpus-proximity sync`',
        });
      }
      reporter.info(
        `verified ${report.files} file(s), ${(report.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s: every sha256 matches the manifest` +
          (store ? `; the manifest matches run ${manifest.run_id}'s assemble marker in ${store.url}` : ''),
      );
    });
}
