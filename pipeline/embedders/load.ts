/** Re-creates the query embedder from the files of an index's embedder/ folder. */
import { CproxError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { LEXICAL_FILES, lexicalEmbedder, parseLexicalModel } from './lexical.js';

export type ReadEmbedderFile = (name: string) => Promise<Buffer | null>;

export async function loadEmbedder(id: string, read: ReadEmbedderFile): Promise<Embedder> {
  if (id === 'lexical') {
    const model = await read(LEXICAL_FILES.model);
    const projection = await read(LEXICAL_FILES.projection);
    if (!model) {
      throw new CproxError('BAD_INDEX', 'the index lacks its lexical embedder (embedder/lexical.json)', {
        hint: 'rebuild the index with `corpus-proximity index`',
      });
    }
    return lexicalEmbedder(parseLexicalModel(model, projection));
  }
  throw new CproxError('EMBEDDER_MISMATCH', `this build cannot run embedder "${id}"`, {
    hint: 'upgrade corpus-proximity or rebuild the index with --embedder lexical',
  });
}
