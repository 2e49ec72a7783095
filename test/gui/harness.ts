// What the GUI tests share: the built bundle (built once if missing), a real `corral serve`
// child process on a temp copy of a SoT with an admin user, and Debian's Chromium through
// playwright-core. Every wait is a bounded condition wait.
import { existsSync, mkdtempSync, cpSync, writeFileSync, rmSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServe, stop, type Served } from '../integration/serve-process.js';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const CHROMIUM = process.env.CORRAL_CHROMIUM ?? '/usr/bin/chromium';
export const USER = 'operator';
export const PASSWORD = 'gui-test-password-1';
export const SHOTS = join(ROOT, 'docs/screenshots');

/** Why the browser tests cannot run here, or undefined. The reason names Chromium (the skip reporter's rule). */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `Chromium not installed at ${CHROMIUM} (apt-get install -y chromium)`;
}

/** Builds dist/gui when it is missing or older than a file of src/gui (npm ci builds it too; ~1 s). */
export async function ensureGuiBuilt(): Promise<void> {
  const index = join(ROOT, 'dist/gui/index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  const src = join(ROOT, 'src/gui');
  const newer = readdirSync(src, { recursive: true, encoding: 'utf8' }).some((f) => statSync(join(src, f)).mtimeMs > built);
  if (!newer) return;
  const { buildGui } = await import('../../src/api/gui/build.js');
  await buildGui();
}

export interface Lab {
  served: Served;
  base: string;
  sot: string;
  data: string;
  dir: string;
  /** Stops the server and starts it again on the same address and data (the API down and back). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A SoT folder copied (or generated) into a temp dir, an admin user, and `corral serve` on it. */
export async function startLab(prepareSot: (dir: string) => void): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'corral-gui-'));
  const sot = join(dir, 'sot');
  const data = join(dir, 'data');
  mkdirSync(data);
  prepareSot(sot);
  const pw = join(dir, 'pw');
  writeFileSync(pw, `${PASSWORD}\n`, { mode: 0o600 });
  const add = spawnSync(process.execPath, ['--import', 'tsx', 'src/bin.ts', 'user', 'add', USER, '--role', 'admin', '--password-file', pw, '--data', data], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (add.status !== 0) throw new Error(`corral user add failed: ${add.stderr}`);
  const served = await startServe(sot, data);
  const lab: Lab = {
    served,
    base: served.base,
    sot,
    data,
    dir,
    async restart() {
      await stop(lab.served);
      lab.served = await startServe(sot, data, ['--listen', new URL(lab.base).host]);
    },
    async close() {
      await stop(lab.served);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return lab;
}

export const copyExample = (to: string) => cpSync(join(ROOT, 'examples/lab'), to, { recursive: true });

export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 60_000,
  });
}

/** Logs in through the form; resolves once the shell shows the user. */
export async function login(page: Page, base: string, user = USER, password = PASSWORD): Promise<void> {
  await page.goto(`${base}/#/login`);
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('.who', { hasText: user }).waitFor({ timeout: 15_000 });
}

/** Errors the page logs (CSP violations included), but not HTTP errors the GUI handles or network errors while the server is stopped. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: (the server responded with a status of (401|403|404|422|50\d)|net::ERR_[A-Z_]+)/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

export async function apiJson(base: string, path: string, token?: string): Promise<any> {
  const r = await fetch(`${base}${path}`, { headers: token ? { 'X-AUTH-TOKEN': token } : {} });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

export async function apiToken(base: string): Promise<string> {
  const r = await fetch(`${base}/api/v1/token`, { method: 'POST', headers: { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` } });
  return ((await r.json()) as { token: string }).token;
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}
