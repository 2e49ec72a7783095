// The operator window: the GUI the core serves at `/`, with the renderer sandboxed. What the page
// gets from the app comes through the preload (preload.cts) and IPC, checked by bridge.ts.
import { BrowserWindow, ipcMain } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BRIDGE_CHANNEL, bridgeFor, type CorralBridge } from './bridge.js';

const here = dirname(fileURLToPath(import.meta.url));

export const SECURE_PREFS = { contextIsolation: true, nodeIntegration: false, sandbox: true, webviewTag: false } as const;

/** Answers the preload's one question; set once, the app has a single core. */
export function serveBridge(core: () => CorralBridge | undefined): void {
  ipcMain.on(BRIDGE_CHANNEL, (event) => {
    event.returnValue = bridgeFor(event.senderFrame?.url ?? '', core());
  });
}

export function openWindow(apiBase: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 840,
    title: 'Corral',
    show: false,
    webPreferences: {
      ...SECURE_PREFS,
      // CommonJS (.cjs): sandboxed preloads cannot be ES modules.
      preload: join(here, 'preload.cjs'),
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${apiBase}/`);
  return win;
}
