/**
 * The HTML report at 10,000 rows: file size, and load time in headless Chromium (Debian's chromium through
 * playwright-core) until the first page of rows is drawn, against a 100-row report of the same rows in the same
 * run; then the time to turn a page and to filter. Rows are the demo's annotated outputs, repeated.
 *
 *   npm run bench:report [-- --rows 10000]
 * Prints one JSON line.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const ROWS = Number(args.includes('--rows') ? args[args.indexOf('--rows') + 1] : 10000) || 10000;
const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!CHROMIUM) throw new Error('no chromium: apt-get install chromium (or set CHROMIUM_PATH)');
const root = path.resolve('.bench-cache/report');
const cli = (argv: string[]) => execFileSync(process.execPath, ['bin/corpus-proximity.js', ...argv], { stdio: ['ignore', 'ignore', 'inherit'] });

await mkdir(root, { recursive: true });
cli(['demo', '--output', path.join(root, 'demo'), '-q']);
const lines = (await readFile(path.join(root, 'demo', 'annotated.jsonl'), 'utf8')).trim().split('\n');

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
async function measure(n: number) {
  const file = path.join(root, `rows-${n}.jsonl`);
  await writeFile(file, Array.from({ length: n }, (_, i) => lines[i % lines.length]).join('\n') + '\n');
  const html = path.join(root, `report-${n}.html`);
  const t0 = performance.now();
  cli(['report', '--annotated-file', file, '--output', html, '-q']);
  const writeSeconds = (performance.now() - t0) / 1000;
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const t1 = performance.now();
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
  await page.locator('.row').first().waitFor();
  const loadMs = performance.now() - t1;
  const t2 = performance.now();
  await page.locator('#next').click();
  await page.locator('#count').filter({ hasText: 'rows 51–' }).waitFor();
  const pageMs = performance.now() - t2;
  const t3 = performance.now();
  await page.locator('#f-verdict').selectOption('novel');
  await page.locator('#count').filter({ hasText: 'filtered' }).waitFor();
  const filterMs = performance.now() - t3;
  const bytes = Buffer.byteLength(await readFile(html));
  await page.close();
  return {
    rows: n,
    bytes,
    write_s: Math.round(writeSeconds * 100) / 100,
    load_ms: Math.round(loadMs),
    next_page_ms: Math.round(pageMs),
    filter_ms: Math.round(filterMs),
  };
}
const base = await measure(100);
const big = await measure(ROWS);
await browser.close();
console.log(
  JSON.stringify({
    bench: 'report',
    baseline: base,
    large: big,
    bytes_per_row: Math.round(big.bytes / big.rows),
    load_ratio: Math.round((big.load_ms / base.load_ms) * 100) / 100,
  }),
);
