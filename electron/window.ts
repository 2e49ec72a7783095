// The operator window: the GUI pages the appliance serves, with the renderer sandboxed.
import { BrowserWindow } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function openWindow(apiBaseUrl: string, version: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 840,
    title: 'Corral',
    webPreferences: {
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      // The preload is CommonJS (.cjs): sandboxed preloads cannot be ES modules.
      preload: join(dirname(fileURLToPath(import.meta.url)), 'preload.cjs'),
      additionalArguments: [`--corral-api=${apiBaseUrl}`, `--corral-version=${version}`],
    },
  });
  void win.loadURL(`${apiBaseUrl}/`);
  return win;
}
