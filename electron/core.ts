// The core behind the window (no Electron here, so it is tested without the binary): attach to
// a Corral already answering on the configured API address, or start one in this process with
// the same configuration `corral serve` would use.
import { readLocalToken } from '../src/api/auth/local-token.js';
import type { ServeConfig } from '../src/config/index.js';
import { createLogger } from '../src/lib/log.js';
import { apiBaseUrl, decideStart, probeHealth, type Probe } from './attach.js';

export interface Core {
  mode: 'started' | 'attached';
  apiBase: string;
  version: string;
  /** The admin token from the data folder's 0600 admin.token; null if unreadable (the GUI then asks to log in). */
  token: string | null;
  /** Stops a core this app started; leaves an attached one running. */
  stop(): Promise<void>;
}

export interface CoreDeps {
  probe?: (base: string) => Promise<Probe>;
}

export async function openCore(cfg: ServeConfig, deps: CoreDeps = {}): Promise<Core> {
  const { apiHost, apiPort, dataDir } = cfg.appliance;
  const probe = cfg.appliance.apiPort === 0 ? ({ kind: 'none' } as const) : await (deps.probe ?? probeHealth)(apiBaseUrl(apiHost, apiPort));
  const decision = decideStart({ host: apiHost, port: apiPort }, probe);
  if (decision.kind === 'fail') throw new Error(decision.reason);
  if (decision.kind === 'attach') {
    return { mode: 'attached', apiBase: decision.base, version: decision.version, token: readLocalToken(dataDir) ?? null, stop: async () => {} };
  }
  // Loaded only when needed: attaching must not pay for (or fail on) the core's imports.
  const core = await import('../src/appliance.js');
  const log = createLogger({ level: cfg.log.level, pretty: cfg.log.format === 'pretty' });
  const app = await core.startAppliance(cfg.appliance, { log });
  return {
    mode: 'started',
    apiBase: apiBaseUrl(app.apiAddress.host, app.apiAddress.port),
    version: core.corralVersion(),
    token: readLocalToken(dataDir) ?? null,
    stop: () => app.stop(),
  };
}
