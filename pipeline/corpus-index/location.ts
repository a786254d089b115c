/** Where a run's CorpusIndex is in a store: found through the assemble marker, never by the run's own key. */
import { CproxError } from '../errors.js';
import { readCompleteMarker, type CompleteMarker } from '../markers.js';
import { runKeys } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { INDEX_FILES } from './format.js';

/** The stage that writes the index; its marker lists the index files and the manifest's sha256. */
export const INDEX_STAGE = 'assemble';

/** The complete assemble marker of a run, or a NOT_FOUND naming the run. */
export async function readIndexMarker(store: ArtifactStore, runId: string): Promise<CompleteMarker> {
  const marker = await readCompleteMarker(store, runKeys(runId), INDEX_STAGE);
  if (!marker) throw new CproxError('NOT_FOUND', `run ${runId} has no assembled index in ${store.url}`, { hint: 'see `corpus-proximity status --store …`' });
  return marker;
}

/** Where the index files of an assemble marker live, and the manifest as the marker recorded it. */
export function indexLocation(marker: CompleteMarker): { dir: string; manifest: CompleteMarker['outputs'][number] } {
  const manifest = marker.outputs.find((o) => o.key.endsWith(`/index/${INDEX_FILES.manifest}`));
  if (!manifest) throw new CproxError('BAD_INDEX', `the assemble marker of run ${marker.runId} lists no manifest`, { hint: 'rebuild the index' });
  return { dir: manifest.key.slice(0, -INDEX_FILES.manifest.length - 1), manifest };
}
