// What the renderer may learn (pure): the preload asks the main process over IPC, and only a
// page on the core's own origin gets an answer. The token travels by IPC, not on the renderer's
// command line, where any local user could read it in /proc/<pid>/cmdline.
import { isInternalUrl } from './trusted-url.js';

/** `window.corral` in the GUI. token: the appliance's admin token, null when this app cannot read it. */
export interface CorralBridge {
  apiBase: string;
  token: string | null;
  version: string;
}

export const BRIDGE_CHANNEL = 'corral:bridge';

export function bridgeFor(senderUrl: string, core: CorralBridge | undefined): CorralBridge | null {
  if (!core || !isInternalUrl(senderUrl, core.apiBase)) return null;
  return { apiBase: core.apiBase, token: core.token, version: core.version };
}

/** The first-run page is one local file: IPC from anything else is refused. */
export function isPage(senderUrl: string, pageUrl: string): boolean {
  try {
    const a = new URL(senderUrl);
    const b = new URL(pageUrl);
    return a.protocol === 'file:' && b.protocol === 'file:' && a.pathname === b.pathname && a.host === b.host;
  } catch {
    return false;
  }
}
