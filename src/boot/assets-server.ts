// Puts boot HTTP on its port, with the assets served by Corral itself (builtin) or by nginx in
// front (`--asset-server nginx|auto`, assets-nginx.ts): the choice, the fallback, the wiring.
//   builtin  Corral's HTTP server on address:port serves everything (src/http/static-file.ts).
//   nginx    nginx on address:port serves /files/; Corral's server listens on a unix socket in a
//            private folder for the rest. nginx missing or failing to start: boot HTTP fails.
//   auto     nginx when it is installed and starts; else builtin, with the reason logged.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import { closeTcp, listenTcp } from '../lib/tcp.js';
import { startAssetLog, type AssetLogLine } from './assets-log.js';
import { findNginx, startNginx, type NginxAssets } from './assets-nginx.js';

export type AssetServerMode = 'builtin' | 'nginx' | 'auto';

export interface BootHttpServerOptions {
  mode: AssetServerMode;
  address: string;
  port: number;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  assetServed: (l: AssetLogLine) => void;
  assetsDir: () => string | undefined;
  log: Logger;
  /** nginx binary (tests); default: PATH, then the usual places. */
  nginxBin?: string;
}

export interface BootHttpServer {
  /** Which server sends /files/. */
  assets: 'builtin' | 'nginx';
  /** Why builtin serves the assets when auto was asked (nginx missing, failed to start). */
  note?: string;
  nginx?: NginxAssets;
  /** Call when the SoT may have changed the assets folder: nginx's config follows. */
  refresh(): void;
  close(): Promise<void>;
}

const KEEP_ALIVE_MS = 5000;

export async function startBootHttpServer(o: BootHttpServerOptions): Promise<BootHttpServer> {
  const server = createServer(o.handler);
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  const builtin = async (note?: string): Promise<BootHttpServer> => {
    await listenTcp(server, o.address, o.port);
    return { assets: 'builtin', ...(note && { note }), refresh: () => {}, close: () => closeTcp(server) };
  };
  if (o.mode === 'builtin') return builtin();
  const build = findNginx(o.nginxBin);
  if (!build) {
    if (o.mode === 'nginx') throw new Error('--asset-server nginx: nginx is not installed (apt-get install nginx-light)');
    o.log.info('nginx not found: Corral serves the boot assets itself', { assetServer: 'auto' });
    return builtin('nginx not installed');
  }
  // Port 0 (tests) would leave nginx's port unknown to Corral: nginx needs a fixed port.
  if (o.port === 0) {
    if (o.mode === 'nginx') throw new Error('--asset-server nginx needs a fixed --http-port');
    return builtin('port 0');
  }
  const runDir = mkdtempSync(join(tmpdir(), 'corral-nginx-'));
  const socket = join(runDir, 'boot.sock');
  const token = randomBytes(12).toString('hex');
  let logRx: Awaited<ReturnType<typeof startAssetLog>> | undefined;
  try {
    await new Promise<void>((r, j) => {
      server.once('error', j);
      server.listen(socket, () => (server.off('error', j), r()));
    });
    logRx = await startAssetLog(token, o.assetServed);
    const nginx = await startNginx({
      build, log: o.log, address: o.address, port: o.port, assetsDir: o.assetsDir(), runDir, socket, logPort: logRx.port, logToken: token,
      ...(process.getuid?.() === 0 && { user: userInfo().username }),
    });
    const rx = logRx;
    return {
      assets: 'nginx',
      nginx,
      refresh: () => nginx.setAssetsDir(o.assetsDir()),
      close: async () => {
        await nginx.stop();
        await rx.close();
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeAllConnections();
        await closed;
        rmSync(runDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await logRx?.close();
    if (server.listening) await new Promise<void>((r) => server.close(() => r()));
    rmSync(runDir, { recursive: true, force: true });
    if (o.mode === 'nginx') throw e;
    o.log.warn('nginx did not start: Corral serves the boot assets itself', { error: (e as Error).message });
    return builtin(`nginx did not start: ${(e as Error).message}`);
  }
}
