// The tray icon: a coloured dot for the boot services (GET /v1/services every few seconds) and a
// menu to show the window or quit. Where the desktop has no tray, the app works without it.
import { Menu, Tray, nativeImage } from 'electron';
import { down, trayStatus, type TrayStatus } from './tray-status.js';
import { trayIconPng } from './tray-icon.js';
import type { Core } from './core.js';

const POLL_MS = 5000;

export function startTray(core: Core, actions: { show: () => void; quit: () => void }): { stop: () => void } {
  let tray: Tray;
  try {
    tray = new Tray(nativeImage.createFromBuffer(trayIconPng('off')));
  } catch {
    return { stop: () => {} };
  }
  let last = '';
  const apply = (s: TrayStatus) => {
    if (s.level + s.text === last) return;
    last = s.level + s.text;
    tray.setImage(nativeImage.createFromBuffer(trayIconPng(s.level)));
    tray.setToolTip(s.text);
    const lines = s.text.split('\n').map((label) => ({ label, enabled: false }));
    tray.setContextMenu(Menu.buildFromTemplate([{ label: 'Open Corral', click: actions.show }, { type: 'separator' }, ...lines, { type: 'separator' }, { label: 'Quit', click: actions.quit }]));
  };
  const poll = async () => {
    try {
      const res = await fetch(`${core.apiBase}/v1/services`, { signal: AbortSignal.timeout(3000), headers: core.token ? { 'X-AUTH-TOKEN': core.token } : {} });
      apply(res.ok ? trayStatus(await res.json(), core.mode) : down(`GET /v1/services answered ${res.status}`));
    } catch (e) {
      apply(down((e as Error).message));
    }
  };
  tray.on('click', actions.show);
  void poll();
  const timer = setInterval(() => void poll(), POLL_MS);
  return {
    stop: () => {
      clearInterval(timer);
      tray.destroy();
    },
  };
}
