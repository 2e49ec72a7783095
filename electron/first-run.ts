// The first-run screen: a local page (first-run.html, no remote content) where the operator picks
// the SoT folder, the data folder and the provisioning interface, and reads what boot services
// need. Resolves with the saved settings, or undefined if the window was closed without saving.
import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { existsSync, readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeSettingsFile, type ServeValues } from '../src/config/index.js';
import { isPage } from './bridge.js';
import { privilegeAdvice, privilegesFromStatus } from './capabilities.js';
import { applyFirstRun, interfaceChoices } from './desktop-settings.js';
import { SECURE_PREFS } from './window.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The page and its script stay in the source folder electron/ (tsc copies no HTML). */
export const PAGE = join(here, '../../electron/first-run.html');
const EXAMPLE_SOT = join(here, '../../examples/lab');

function readPrivileges() {
  try {
    return privilegesFromStatus(readFileSync('/proc/self/status', 'utf8'));
  } catch {
    return undefined;
  }
}

export function runFirstRun(previous: ServeValues, settingsPath: string): Promise<ServeValues | undefined> {
  const pageUrl = pathToFileURL(PAGE).href;
  const win = new BrowserWindow({ width: 760, height: 720, title: 'Corral: first run', webPreferences: { ...SECURE_PREFS, preload: join(here, 'first-run-preload.cjs') } });
  win.setMenuBarVisibility(false);
  const allowed = (e: IpcMainInvokeEvent) => e.sender === win.webContents && isPage(e.senderFrame?.url ?? '', pageUrl);
  return new Promise((resolve) => {
    let saved: ServeValues | undefined;
    ipcMain.handle('setup:load', (e) => {
      if (!allowed(e)) return null;
      return {
        sot: previous.sot ?? '',
        data: previous.data ?? '',
        interface: previous.interface ?? '',
        exampleSot: existsSync(EXAMPLE_SOT) ? EXAMPLE_SOT : '',
        interfaces: interfaceChoices(networkInterfaces()),
        privileges: privilegeAdvice(process.platform, readPrivileges()),
        settingsPath,
      };
    });
    ipcMain.handle('setup:pick', async (e, which: unknown) => {
      if (!allowed(e) || (which !== 'sot' && which !== 'data')) return null;
      const r = await dialog.showOpenDialog(win, { title: which === 'sot' ? 'SoT folder' : 'Data folder', properties: ['openDirectory', 'createDirectory'] });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    });
    ipcMain.handle('setup:save', (e, form: unknown) => {
      if (!allowed(e)) return { ok: false, error: 'refused' };
      const r = applyFirstRun(previous, form);
      if (!r.ok) return r;
      try {
        writeSettingsFile(settingsPath, r.values);
      } catch (err) {
        return { ok: false, error: `cannot save ${settingsPath}: ${(err as Error).message}` };
      }
      saved = r.values;
      win.close();
      return { ok: true };
    });
    win.on('closed', () => {
      for (const ch of ['setup:load', 'setup:pick', 'setup:save']) ipcMain.removeHandler(ch);
      resolve(saved);
    });
    void win.loadFile(PAGE);
  });
}
