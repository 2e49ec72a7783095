// Electron main process: one instance; settings from <userData>/settings.json (the first-run
// screen writes it); the core attached or started (core.ts); the GUI window, the tray. A failed
// start is a dialog with the reason, never a silent exit.
import { app, dialog, type BrowserWindow } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonLabel, readSettingsFile, resolveServe } from '../src/config/index.js';
import { apiBaseUrl } from './attach.js';
import { openCore, type Core } from './core.js';
import { SETTINGS_FILE, desktopStart } from './desktop-settings.js';
import { runFirstRun } from './first-run.js';
import { lockDown } from './security.js';
import { explainStartError } from './start-error.js';
import { startTray } from './tray.js';
import { openWindow, serveBridge } from './window.js';

const here = dirname(fileURLToPath(import.meta.url));
let core: Core | undefined;
let win: BrowserWindow | undefined;
let tray: { stop: () => void } | undefined;
/** What a failure dialog should name: the settings file and the API address tried. */
const context: { base?: string; settingsFile?: string } = {};
const smoke = process.env.CORRAL_DESKTOP_SMOKE === '1';

lockDown(() => core?.apiBase ?? '');
serveBridge(() => core && { apiBase: core.apiBase, token: core.token, version: core.version });

function show(): void {
  if (!core) return;
  if (!win || win.isDestroyed()) win = openWindow(core.apiBase);
  if (win.isMinimized()) win.restore();
  win.focus();
}

async function main(): Promise<void> {
  await app.whenReady();
  const userData = app.getPath('userData');
  // CORRAL_SETTINGS: another settings file (tests, several setups side by side).
  const settingsPath = process.env.CORRAL_SETTINGS ?? join(userData, SETTINGS_FILE);
  context.settingsFile = settingsPath;
  let { values, firstRun } = desktopStart(readSettingsFile(settingsPath), userData);
  if (firstRun) {
    const saved = await runFirstRun(values, settingsPath);
    if (!saved) return app.quit();
    values = saved;
  }
  const cfg = resolveServe(values, { label: jsonLabel, terminal: Boolean(process.stderr.isTTY) });
  // The packaged app has no src/ beside dist/, where the core looks for the built GUI by default.
  process.env.CORRAL_GUI_DIR ??= join(here, '..', 'gui');
  context.base = apiBaseUrl(cfg.appliance.apiHost, cfg.appliance.apiPort);
  core = await openCore(cfg);
  show();
  tray = startTray(core, { show, quit: () => app.quit() });
  if (smoke) {
    // The launch test: say where the window went, once it has loaded, then quit.
    win!.webContents.once('did-finish-load', () => {
      process.stdout.write(`corral-desktop ready ${core!.mode} ${core!.apiBase}\n`);
      app.quit();
    });
  }
}

// A core started here (boot services included) keeps serving from the tray with no window
// open; an attached one runs on its own, so closing the window just quits.
app.on('window-all-closed', () => {
  // Before the core is up, the only window was the first-run screen: main() carries on from it.
  if (!core) return;
  if (!tray || core?.mode !== 'started' || smoke) app.quit();
});
app.on('activate', show);

let stopping = false;
app.on('before-quit', (event) => {
  if (stopping || !core) return;
  event.preventDefault();
  stopping = true;
  tray?.stop();
  void core.stop().finally(() => app.exit(0));
});

async function fail(e: unknown): Promise<void> {
  const f = explainStartError(e, context);
  process.stderr.write(`corral-desktop: ${f.message}\n${f.detail}\n`);
  if (smoke) return app.exit(1);
  await app.whenReady();
  await dialog.showMessageBox({ type: 'error', title: f.title, message: f.title, detail: `${f.message}\n\n${f.detail}`, buttons: ['Quit'] });
  app.exit(1);
}

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the core: it shows its window (second-instance below) and this one ends.
  app.quit();
} else {
  app.on('second-instance', show);
  main().catch(fail);
}
