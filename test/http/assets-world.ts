// Boot services with only boot HTTP on a free port, serving a temp assets folder, for the asset
// tests: the same checks run against Corral's own server and nginx in front (when installed).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request, Agent, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBootServices, type BootConfig, type BootServices } from '../../src/boot/services.js';
import type { AssetServerMode } from '../../src/boot/assets-server.js';
import { createLifecycle } from '../../src/lifecycle/runner.js';
import { nullLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import { createLiveSot } from '../../src/sot/live.js';
import { createMemoryStore } from '../fakes/memory-store.js';
import { BASE, writeSot } from '../sot/helpers.js';
import { freePort } from './raw-get.js';

export interface World {
  port: number;
  assets: string;
  sotDir: string;
  services: BootServices;
  live: ReturnType<typeof createLiveSot>;
  /** Temp folders the world made (removed by stop; a process killed before must leave them to its parent). */
  dirs: string[];
  stop(): Promise<void>;
}

export const withBaseDir = (dir: string) => ({
  ...BASE,
  'sites/s1/env.yml': BASE['sites/s1/env.yml']!.replace('asset_server: {addr: 10.1.0.2, port: 8080, scheme: http}', `asset_server: {addr: 10.1.0.2, port: 8080, scheme: http, base_dir: ${dir}}`),
});

/** `flag`: serve `assets` via --assets; otherwise the SoT's base_dir "assets" (relative to the SoT). */
export async function startWorld(mode: AssetServerMode, o: { flag?: boolean; port?: number } = {}): Promise<World> {
  const w = writeSot(withBaseDir('assets'));
  const assets = o.flag ? mkdtempSync(join(tmpdir(), 'corral-assets-')) : join(w.dir, 'assets');
  mkdirSync(assets, { recursive: true });
  const data = mkdtempSync(join(tmpdir(), 'corral-data-'));
  const live = createLiveSot({ root: w.dir, clock: systemClock, log: nullLogger, pollMs: 0 });
  const store = createMemoryStore();
  const lifecycle = createLifecycle({ store, clock: systemClock, log: nullLogger, effects: { run() {} } });
  await live.reload();
  const port = o.port ?? (await freePort());
  const cfg: BootConfig = {
    address: '127.0.0.1', httpPort: port, tftpPort: 0, dhcpPort: 0, dhcpClientPort: 0, proxyPort: 0, dhcp: false, tftp: false, http: true, assetServer: mode,
    ...(o.flag && { assetsDir: assets }),
  };
  const services = await startBootServices(cfg, { sot: live, store, lifecycle, clock: systemClock, log: nullLogger, dataDir: data, sotDir: w.dir });
  return {
    port, assets, sotDir: w.dir, services, live, dirs: [w.dir, data, ...(o.flag ? [assets] : [])],
    async stop() {
      await services.stop();
      lifecycle.stop();
      live.stop();
      w.cleanup();
      if (o.flag) rmSync(assets, { recursive: true, force: true });
      rmSync(data, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Local port of the connection: the same across requests = the connection was reused. */
  localPort: number;
}

export function get(port: number, path: string, headers: Record<string, string> = {}, o: { method?: string; agent?: Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers, ...(o.agent && { agent: o.agent }) }, (res) => {
      const parts: Buffer[] = [];
      const localPort = res.socket.localPort ?? 0;
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts), localPort }));
    });
    req.on('error', reject);
    req.end();
  });
}
