// The main thread's side of the DHCP worker (dhcp-worker.ts): starts it, sends it the SoT's DHCP
// view at each load, carries its events to the lifecycle and its log lines to the logger, and
// keeps its latest statistics. A worker that dies is restarted (backoff 1 s doubling to 30 s);
// its lease store is on disk, so no acknowledged binding is lost.
import type { Worker } from 'node:worker_threads';
import { dhcpSot, type DhcpHostEvent } from '../dhcp/backend.js';
import { emptyDhcpStats, type DhcpServer, type DhcpServerConfig, type DhcpStats } from '../dhcp/server.js';
import type { Logger } from '../lib/log.js';
import { startWorker } from '../lib/start-worker.js';
import type { Mac, Sot } from '../model/index.js';
import type { Store } from '../store/store.js';
import type { DhcpWorkerInit, FromDhcpWorker } from './dhcp-messages.js';
import { errorOf, stopWorker, warnOncePerMinute } from './service-worker.js';

export interface DhcpThreadDeps {
  /** The live SoT: its current one, and its `loaded` event. */
  sot: { current(): Sot | undefined; on(event: 'loaded', fn: (sot: Sot) => void): unknown; off(event: 'loaded', fn: (sot: Sot) => void): unknown };
  /** The main store: leases an older Corral kept in it are handed to the worker once. */
  store: Store;
  report(hostId: string, event: DhcpHostEvent, data: Record<string, unknown>): Promise<unknown>;
  note(subject: string, type: string, data: Record<string, unknown>): Promise<unknown>;
  discovered(mac: Mac, ip: string, siteId: string): void;
  log: Logger;
  leasesDir: string;
  config: Omit<DhcpServerConfig, 'scriptUrl'>;
  bootUrl: string;
  /** How often the worker sends changed statistics (default 200 ms). */
  statsMs?: number;
  /** Starts the worker thread (lib/start-worker.ts); tests wrap it to reach the thread. */
  startWorker?: typeof startWorker;
}

export function createDhcpThread(d: DhcpThreadDeps): DhcpServer {
  let worker: Worker | undefined;
  let stats: DhcpStats = emptyDhcpStats();
  let ports: { server: number; proxy?: number; client?: number } = { server: 0 };
  let stopping = false;
  let backoffMs = 1_000;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  const warn = warnOncePerMinute(d.log, 'DHCP');
  const onLoaded = (sot: Sot) => worker?.postMessage({ kind: 'sot', sot: dhcpSot(sot) });

  function handle(m: FromDhcpWorker): void {
    switch (m.kind) {
      case 'report':
        d.report(m.hostId, m.event, m.data).catch((e: unknown) => warn('lifecycle report failed', e));
        return;
      case 'note':
        d.note(m.subject, m.type, m.data).catch((e: unknown) => warn('note failed', e));
        return;
      case 'discovered':
        d.discovered(m.mac, m.ip, m.siteId);
        return;
      case 'stats':
        stats = m.stats;
        return;
      case 'log':
        d.log[m.level](m.msg, m.fields);
        return;
      default:
    }
  }

  /** Starts one worker; resolves once its sockets are bound, rejects with the bind error. */
  function launch(): Promise<void> {
    const current = d.sot.current();
    const init: DhcpWorkerInit = {
      config: d.config,
      bootUrl: d.bootUrl,
      leasesDir: d.leasesDir,
      importLeases: d.store.list('leases'),
      sot: current ? dhcpSot(current) : undefined,
      statsMs: d.statsMs ?? 200,
      ...(d.log.level && { logLevel: d.log.level }),
    };
    return new Promise((resolve, reject) => {
      const w = (d.startWorker ?? startWorker)(import.meta.url, 'dhcp-worker', { workerData: init });
      let started = false;
      w.on('message', (m: FromDhcpWorker) => {
        if (m.kind === 'started') {
          started = true;
          worker = w;
          ports = m.ports;
          backoffMs = 1_000;
          // Taken over by the worker's store: the main store's copies are stale from now on.
          if (m.imported.length > 0) d.store.transact((tx) => m.imported.forEach((mac) => tx.del('leases', mac))).catch((e: unknown) => warn('cannot drop migrated leases', e));
          resolve();
        } else if (m.kind === 'failed') {
          reject(errorOf(m));
        } else handle(m);
      });
      w.on('error', (e) => {
        if (!started) reject(e);
        else d.log.error('DHCP worker failed', { error: e.message });
      });
      w.on('exit', (code) => {
        if (!started) return reject(new Error(`DHCP worker exited (${code}) before it started`));
        if (worker === w) worker = undefined;
        if (stopping) return;
        d.log.error('DHCP worker exited; restarting it', { code, inMs: backoffMs });
        restartTimer = setTimeout(() => {
          restartTimer = undefined;
          launch().catch((e: unknown) => warn('worker restart failed', e));
        }, backoffMs);
        backoffMs = Math.min(backoffMs * 2, 30_000);
      });
    });
  }

  return {
    async start() {
      stopping = false;
      await launch();
      d.sot.on('loaded', onLoaded);
    },
    async stop() {
      stopping = true;
      d.sot.off('loaded', onLoaded);
      if (restartTimer) clearTimeout(restartTimer);
      const w = worker;
      worker = undefined;
      if (w) await stopWorker(w);
    },
    stats: () => stats,
    ports: () => ({ ...ports }),
  };
}
