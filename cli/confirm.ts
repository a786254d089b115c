/** The original Python plan's corpus-mismatch warning: asked on a TTY, required as --yes otherwise. */
import { createInterface } from 'node:readline/promises';
import { CproxError } from '../pipeline/errors.js';

export const CORPUS_WARNING = `================================================================================
⚠️  CORPUS REQUIREMENT WARNING
================================================================================

This tool requires the EXACT training corpus used for your model.

If you provide an approximate or different corpus, results are MEANINGLESS.

Examples of what NOT to do:
  ❌ "I used FineWeb-Edu but I'm not sure which version"
  ❌ "I used FineWeb-Edu + some custom data I forgot about"
  ❌ "I'm using GPT-4's assumed training data"

What you MUST do:
  ✅ Provide the exact JSONL files used during training
  ✅ Include ALL stages (pretrain, midtrain, SFT)
  ✅ Use the same chunking strategy as training (if known)

If you can't provide the exact corpus, this tool cannot help you.
`;

export async function confirmExactCorpus(opts: { yes: boolean; interactive: boolean; quiet?: boolean }): Promise<void> {
  if (opts.yes && opts.quiet) return; // confirmed, and asked not to be told again
  process.stderr.write(CORPUS_WARNING + '\n');
  if (opts.yes) {
    process.stderr.write('Confirmed with --yes.\n\n');
    return;
  }
  if (!opts.interactive) {
    throw new CproxError('NEEDS_CONFIRMATION', 'cannot ask for confirmation: stdin is not a terminal', {
      hint: 'pass --yes to confirm that this is the exact training corpus',
    });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (
      await rl.question('Do you have the EXACT training corpus? (y/n): ').catch((e: unknown) => {
        // readline rejects the question with an AbortError on Ctrl-C (it handles the terminal's SIGINT itself).
        if ((e as Error).name === 'AbortError')
          throw new CproxError('INTERRUPTED', 'interrupted at the confirmation prompt; nothing was built', { context: { signal: 'SIGINT' } });
        throw e;
      })
    )
      .trim()
      .toLowerCase();
    if (answer !== 'y' && answer !== 'yes') {
      throw new CproxError('ABORTED', 'aborted: please obtain the exact training corpus first');
    }
  } finally {
    rl.close();
  }
}
