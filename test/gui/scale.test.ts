// The GUI with a 10,000-host SoT (bench/sot-gen.ts, on-demand, no BMCs): the dashboard counts
// them all, the host table scrolls to the last host and filters; the figures are printed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { generateSot } from '../../bench/sot-gen.js';
import { chromiumMissing, collectPageErrors, ensureGuiBuilt, launch, login, shot, startLab, type Lab } from './harness.js';
import { formatFigures, measureGui } from './measure.js';

const HOSTS = 10_000;
const T = 120_000;

describe('operator GUI with 10,000 hosts (Chromium)', { skip: chromiumMissing(), timeout: 600_000 }, () => {
  let lab: Lab;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  before(async () => {
    await ensureGuiBuilt();
    lab = await startLab((dir) => generateSot(dir, HOSTS, { mode: 'on-demand', bmc: false }));
    browser = await launch();
    page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    errors = collectPageErrors(page);
    await login(page, lab.base);
  });

  after(async () => {
    await browser?.close();
    await lab?.close();
  });

  test('dashboard counts every host; the host table scrolls to the last one and filters', async () => {
    const figures = await measureGui(page, lab.base, HOSTS);
    process.stdout.write(`${formatFigures(figures)}\n`);
    // Virtualised: a few dozen rows in the DOM, not 10,000.
    assert.ok(figures.table.domRows < 200, `${figures.table.domRows} rows in the DOM`);
    await page.getByTestId('filter-label').fill('rack=r3');
    await page.waitForFunction(() => document.querySelector('[data-testid="shown-count"]')?.getAttribute('data-count') === '1000', undefined, { timeout: T });
    await page.getByTestId('filter-label').fill('');
    await page.getByTestId('filter-q').fill('10.1.20.');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="shown-count"]')?.getAttribute('data-count')) > 0, undefined, { timeout: T });
    await page.getByTestId('host-scroll').evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    await page.getByTestId('filter-q').fill('');
    await page.getByTestId('host-scroll').evaluate((el) => {
      el.scrollTop = 120 * 34;
    });
    await page.locator('[data-host="s0-h120"]').waitFor({ timeout: T });
    await shot(page, 'inventory-10k');
    await page.goto(`${lab.base}/#/`);
    await page.waitForFunction((n) => document.querySelector('[data-testid="count-inactive"]')?.getAttribute('data-count') === String(n), HOSTS, { timeout: T });
    await shot(page, 'dashboard-10k');
    assert.deepEqual(errors, []);
  });
});
