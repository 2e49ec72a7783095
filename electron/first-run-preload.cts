// The first-run page's surface: window.corralSetup = { load(), pick('sot' | 'data'), save(form) }.
// Each is one IPC call the main process checks comes from the first-run page (first-run.ts).
import { contextBridge, ipcRenderer } from 'electron';

contextBridge.exposeInMainWorld('corralSetup', {
  load: () => ipcRenderer.invoke('setup:load'),
  pick: (which: 'sot' | 'data') => ipcRenderer.invoke('setup:pick', which),
  save: (form: { sot: string; data: string; interface: string }) => ipcRenderer.invoke('setup:save', form),
});
