// The whole renderer <-> main surface of the operator window: window.corral =
// { apiBase: string, token: string | null, version: string } — where the API is and the admin
// token to send as X-AUTH-TOKEN (null: log in instead). Nothing else, no Node access.
// The main process answers only pages on the core's origin (bridge.ts).
import { contextBridge, ipcRenderer } from 'electron';

// Synchronous on purpose: the GUI reads window.corral as it starts, before any await.
const bridge = ipcRenderer.sendSync('corral:bridge') as { apiBase: string; token: string | null; version: string } | null;
if (bridge) contextBridge.exposeInMainWorld('corral', Object.freeze({ apiBase: bridge.apiBase, token: bridge.token, version: bridge.version }));
