/**
 * `report` through the CLI, opened in a real headless Chromium (Debian's `chromium`, driven by playwright-core with
 * executablePath; no browser download): no console errors, no network request, charts present, the row count right,
 * hover and click show the details, pagination. A 1280×800 screenshot is kept in test-artifacts/.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStagedIndex, ROOT, runCli } from '../helpers/cli.js';
import { tempDir, textOfYear } from '../helpers/corpus.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!CHROMIUM && process.env.CPROX_REQUIRE_CHROMIUM) throw new Error('CPROX_REQUIRE_CHROMIUM is set but no chromium was found (apt-get install chromium)');

let dir: string;
let cleanup: () => Promise<void>;
let annotated: string;
let browser: Browser | undefined;

const OWN = [
  'Our farmers need new markets for their crops and fair prices at home.',
  'Gradient descent follows the negative gradient of the loss function.',
  'The courts must remain independent of the other branches of government.',
];
const copied = (year: number) => {
  const w = textOfYear(year).split(/\s+/);
  return w.slice(Math.floor(w.length / 2), Math.floor(w.length / 2) + 25).join(' ');
};

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const { indexDir: index } = await buildStagedIndex(dir);
  const outputs = [
    ...OWN.map((output, i) => ({ id: `own-${i}`, output })),
    { id: 'copy-1862', output: `As the address said: ${copied(1862)}. That was long ago.` },
    { id: 'copy-2010', output: `${copied(2010)}. Quantenrechner brechen heutige Verschlüsselung.` },
    { id: 'html', output: '<script>alert(1)</script> is not executed: model output is text.' },
  ];
  await writeFile(path.join(dir, 'outputs.jsonl'), outputs.map((o) => JSON.stringify(o)).join('\n') + '\n');
  annotated = path.join(dir, 'annotated.jsonl');
  const a = await runCli(['annotate', '--corpus-index', index, '--input', path.join(dir, 'outputs.jsonl'), '--output', annotated, '-q']);
  expect(a.code, a.stderr).toBe(0);
  if (CHROMIUM) browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await cleanup();
});

async function open(file: string) {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, errors, requests: () => requests.filter((u) => u !== pathToFileURL(file).href) };
}

describe.skipIf(!CHROMIUM)('report in Chromium', () => {
  it('opens offline with charts, every row, details on hover and click; a screenshot is kept', async () => {
    const html = path.join(dir, 'report.html');
    const r = await runCli(['report', '--annotated-file', annotated, '--output', html]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/report of 6 row\(s\) → .*report\.html/);
    const source = await readFile(html, 'utf8');
    expect(source).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?https?:/i); // nothing fetched from elsewhere
    const { page, errors, requests } = await open(html);
    expect(await page.locator('#chart-stages rect').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-verdicts rect').count()).toBe(4);
    expect(await page.locator('#chart-distance rect').count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-distance line.cutoff').count()).toBe(2);
    expect(await page.locator('#chart-clusters rect').count()).toBeGreaterThan(0);
    expect(await page.locator('.row').count()).toBe(6);
    expect(await page.locator('#count').textContent()).toMatch(/rows 1–6 of 6/);
    // The model output's markup is shown as text, never run.
    expect(await page.locator('.row').nth(5).textContent()).toContain('<script>alert(1)</script>');
    // Book spans are underlined in the copied rows; a book sentence's hover text names its verdict and distance.
    expect(await page.locator('.row').nth(3).locator('.bk').count()).toBeGreaterThan(0);
    const book = page.locator('.s.book').first();
    expect(await book.getAttribute('title')).toMatch(/^book · p\d+ · d=0\.\d{3} · pretrain 100%/);
    await book.hover();
    await book.click();
    const details = page.locator('#details');
    expect(await details.getAttribute('class')).toContain('open');
    expect(await details.textContent()).toMatch(
      /distance 0\.\d+[\s\S]*Stage probabilities[\s\S]*pretrain 100%[\s\S]*Cluster: [\s\S]*Supporting passage \(chunk \d+/,
    );
    expect(await details.locator('mark').count()).toBe(1);
    // Filters: only rows with book spans.
    await page.locator('#f-spans').check();
    expect(await page.locator('.row').count()).toBe(2);
    await page.locator('#f-spans').uncheck();
    await page.locator('#f-verdict').selectOption('novel');
    expect(await page.locator('.row').count()).toBeGreaterThan(0);
    await page.locator('#f-verdict').selectOption('');
    await page.mouse.wheel(0, -10_000); // back to the top: the overview and the open details in one screenshot
    await mkdir(path.join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, 'test-artifacts', 'report.png') });
    expect(errors).toEqual([]);
    expect(requests()).toEqual([]);
    await page.close();
  });

  it('pages through many rows, 50 at a time', async () => {
    const lines = (await readFile(annotated, 'utf8')).trim().split('\n');
    const many = path.join(dir, 'many.jsonl');
    await writeFile(many, Array.from({ length: 120 }, (_, i) => lines[i % lines.length]).join('\n') + '\n');
    const html = path.join(dir, 'many.html');
    expect((await runCli(['report', '--annotated-file', '-', '--output', html, '-q'], { input: await readFile(many) })).code).toBe(0);
    const { page, errors } = await open(html);
    expect(await page.locator('.row').count()).toBe(50);
    expect(await page.locator('#count').textContent()).toMatch(/rows 1–50 of 120/);
    await page.locator('#next').click();
    await page.locator('#next').click();
    expect(await page.locator('.row').count()).toBe(20);
    expect(await page.locator('#count').textContent()).toMatch(/rows 101–120 of 120/);
    expect(await page.locator('#next').isDisabled()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
