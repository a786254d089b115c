/** Wiring only: one Command per file under commands/, one handleError at the edge. */
import { Command } from 'commander';
import { removeTempFilesSync } from '../pipeline/atomic-file.js';
import { CODE_VERSION } from '../pipeline/version.js';
import { annotateCommand } from './commands/annotate.js';
import { buildImageCommand } from './commands/build-image.js';
import { checkCommand } from './commands/check.js';
import { clusterCommand } from './commands/cluster.js';
import { compareCommand } from './commands/compare.js';
import { demoCommand } from './commands/demo.js';
import { exportCommand } from './commands/export.js';
import { indexCommand } from './commands/index-command.js';
import { reportCommand } from './commands/report.js';
import { showCommand } from './commands/show.js';
import { stageCommand } from './commands/stage.js';
import { statusCommand } from './commands/status.js';
import { syncCommand } from './commands/sync.js';
import { verifyCommand } from './commands/verify.js';
import { handleError } from './handle-error.js';
import { registerSecretsFromEnv } from '../pipeline/secrets.js';

registerSecretsFromEnv(); // API keys and AWS secrets never reach stderr or a marker

// Interrupted: drop half-written temp files; finished stages keep their markers, so a rerun resumes.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nstopping (${signal})…\n`);
    removeTempFilesSync();
    process.stderr.write(`interrupted; finished stages are kept: rerun the same command to resume\n`);
    process.exit(code);
  });
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0); // `| head` closed the pipe: not an error
  throw e;
});

const program = new Command('corpus-proximity')
  .description(
    'Which part of the training corpus did each sentence of a model output come from?\nChess-engine style: nearest named corpus cluster, distance, training stage, nearest passage.',
  )
  .version(CODE_VERSION)
  .showHelpAfterError('(add --help for usage)')
  .addCommand(indexCommand())
  .addCommand(annotateCommand())
  .addCommand(showCommand())
  .addCommand(checkCommand())
  .addCommand(reportCommand())
  .addCommand(compareCommand())
  .addCommand(exportCommand())
  .addCommand(clusterCommand())
  .addCommand(statusCommand())
  .addCommand(syncCommand())
  .addCommand(verifyCommand())
  .addCommand(stageCommand())
  .addCommand(buildImageCommand())
  .addCommand(demoCommand())
  .addHelpText('after', '\nQuick start:\n  $ corpus-proximity demo\n\nAlias: cprox');

// Usage errors (unknown option or command, a missing required option) exit 2 like every other bad input.
const exitByThrowing = (cmd: Command): void => {
  cmd.exitOverride().showHelpAfterError('(add --help for usage)');
  cmd.commands.forEach(exitByThrowing);
};
exitByThrowing(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.exitCode = handleError(e);
}
