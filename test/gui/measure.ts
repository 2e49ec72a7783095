// Measures the GUI with a large inventory in Chromium (Performance API): first paint and time
// to interactive of the dashboard and the host table, scroll and filter times, and the bundle
// size. Reported, not asserted (test/gui/scale.test.ts and bench/gui.ts print them).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { ROOT } from './harness.js';

export interface GuiFigures {
  hosts: number;
  dashboard: { firstPaintMs: number; firstContentfulPaintMs: number; interactiveMs: number; allCountedMs: number };
  table: { firstPaintMs: number; firstRowsMs: number; allLoadedMs: number; scrollToEndMs: number; filterMs: number; domRows: number };
  bundle: { jsBytes: number; cssBytes: number; jsGzipBytes: number; cssGzipBytes: number };
}

const T = 120_000;

async function paints(page: Page): Promise<{ fp: number; fcp: number }> {
  return page.evaluate(() => {
    const e = performance.getEntriesByType('paint');
    return { fp: e.find((x) => x.name === 'first-paint')?.startTime ?? NaN, fcp: e.find((x) => x.name === 'first-contentful-paint')?.startTime ?? NaN };
  });
}

/**
 * Waits for `pred(arg)`, which returns performance.now() (ms since navigation start) once its
 * condition holds, checked every animation frame. Functions, not strings: the page's CSP
 * forbids eval, as it should.
 */
async function whenTrue<A>(page: Page, pred: (arg: A) => number | false, arg: A): Promise<number> {
  const h = await page.waitForFunction(pred as (a: unknown) => number | false, arg as unknown, { timeout: T, polling: 'raf' });
  return (await h.jsonValue()) as number;
}

export function bundleFigures(): GuiFigures['bundle'] {
  const dir = join(ROOT, 'dist/gui');
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { js: string; css: string };
  const js = readFileSync(join(dir, 'assets', m.js));
  const css = readFileSync(join(dir, 'assets', m.css));
  return { jsBytes: js.length, cssBytes: css.length, jsGzipBytes: gzipSync(js).length, cssGzipBytes: gzipSync(css).length };
}

/** The page must be logged in (the token in sessionStorage survives navigation in the tab). */
export async function measureGui(page: Page, base: string, hosts: number): Promise<GuiFigures> {
  // A fresh load each time (a hash change alone would keep the old navigation's clock).
  await page.goto(`${base}/#/`);
  await page.reload();
  // Interactive: the shell is up and a tile can be used (it is a link); all counted: every host in.
  const dInteractive = await whenTrue(page, () => document.querySelector('[data-testid="count-inactive"]') !== null && performance.now(), 0);
  const dAll = await whenTrue(page, (n) => document.querySelector('[data-testid="hosts-progress"]')?.textContent === `${n} hosts` && performance.now(), hosts);
  const dp = await paints(page);

  await page.goto(`${base}/#/hosts`);
  await page.reload();
  const firstRows = await whenTrue(page, () => document.querySelectorAll('[data-testid="host-table"] .vbody .vrow').length > 0 && performance.now(), 0);
  const allLoaded = await whenTrue(page, (n) => { const el = document.querySelector('[data-testid="shown-count"]'); return el?.getAttribute('data-count') === String(n) && !/loading/.test(el.textContent ?? '') && performance.now(); }, hosts);
  const tp = await paints(page);
  const domRows = await page.locator('[data-testid="host-table"] .vbody .vrow').count();

  const t0 = await page.evaluate(() => performance.now());
  await page.getByTestId('host-scroll').evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  const lastIndex = hosts + 1;
  const scrolled = await whenTrue(page, (i) => document.querySelector(`[data-testid="host-table"] .vrow[aria-rowindex="${i}"]`) !== null && performance.now(), lastIndex);

  const f0 = await page.evaluate(() => performance.now());
  await page.getByTestId('filter-q').fill('s1-h4999');
  const filtered = await whenTrue(page, () => document.querySelector('[data-testid="shown-count"]')?.getAttribute('data-count') === '1' && performance.now(), 0);
  await page.getByTestId('filter-q').fill('');

  return {
    hosts,
    dashboard: { firstPaintMs: dp.fp, firstContentfulPaintMs: dp.fcp, interactiveMs: dInteractive, allCountedMs: dAll },
    table: { firstPaintMs: tp.fp, firstRowsMs: firstRows, allLoadedMs: allLoaded, scrollToEndMs: scrolled - t0, filterMs: filtered - f0, domRows },
    bundle: bundleFigures(),
  };
}

export function formatFigures(f: GuiFigures): string {
  const ms = (n: number) => `${Math.round(n)} ms`;
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  return [
    `GUI with ${f.hosts} hosts (Chromium, headless):`,
    `  dashboard: first paint ${ms(f.dashboard.firstPaintMs)}, first contentful paint ${ms(f.dashboard.firstContentfulPaintMs)}, interactive ${ms(f.dashboard.interactiveMs)}, all ${f.hosts} hosts counted ${ms(f.dashboard.allCountedMs)}`,
    `  host table: first paint ${ms(f.table.firstPaintMs)}, first rows ${ms(f.table.firstRowsMs)}, all loaded ${ms(f.table.allLoadedMs)}; scroll to the end ${ms(f.table.scrollToEndMs)}; search filter ${ms(f.table.filterMs)}; ${f.table.domRows} rows in the DOM`,
    `  bundle: JS ${kib(f.bundle.jsBytes)} (${kib(f.bundle.jsGzipBytes)} gzip), CSS ${kib(f.bundle.cssBytes)} (${kib(f.bundle.cssGzipBytes)} gzip)`,
  ].join('\n');
}
