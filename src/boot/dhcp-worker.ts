// The DHCP service in its own thread. DHCP shares nothing with the main thread's event loop: a
// long API request, a SoT reload or garbage collection of the main heap cannot delay a reply.
// This thread holds what DHCP needs to answer alone: the SoT's DHCP view (sent at each load,
// without metadata or BMC credentials), and its own lease store, so REQUEST -> ACK waits only for
// this thread's fsync (RFC 2131 §3.1: the binding is durable before the DHCPACK). Lifecycle
// events, journal notes, discoveries, logs and statistics are posted to the main thread and never
// waited for.
import { parentPort, workerData } from 'node:worker_threads';
import { indexByMac, type DhcpBackend, type DhcpSot, type HostMatch } from '../dhcp/backend.js';
import { createDhcpServer, type DhcpServer } from '../dhcp/server.js';
import { systemClock } from '../lib/clock.js';
import { setThreadNice } from '../lib/thread-priority.js';
import type { Mac } from '../model/index.js';
import { openStore } from '../store/lowdb-store.js';
import { ipxeScriptUrl } from './dhcp-backend.js';
import { changedStatsPoster, failedMessage, postingLogger } from './service-worker.js';
import type { DhcpWorkerInit, FromDhcpWorker, ToDhcpWorker } from './dhcp-messages.js';

const port = parentPort!;
// Ahead of the API and background work when allowed (root or CAP_SYS_NICE); a no-op otherwise.
setThreadNice(-5);
const init = workerData as DhcpWorkerInit;
const post = (m: FromDhcpWorker) => port.postMessage(m);

let sot: DhcpSot | undefined;
let byMac = new Map<Mac, HostMatch>();
const serve = (next: DhcpSot | undefined) => {
  sot = next;
  byMac = next ? indexByMac(next) : new Map();
};
serve(init.sot);

const log = postingLogger(post, {}, init.logLevel);
let server: DhcpServer | undefined;
let statsTimer: ReturnType<typeof setInterval> | undefined;
const sendStats = changedStatsPoster(() => server?.stats(), (stats) => post({ kind: 'stats', stats }));

async function start(): Promise<void> {
  const store = await openStore({ dir: init.leasesDir, clock: systemClock, log });
  // An older data folder kept leases in the main store: take over those this store lacks.
  const imported = init.importLeases.filter((l) => store.get('leases', l.mac) === undefined);
  if (imported.length > 0) await store.transact((tx) => imported.forEach((l) => tx.put('leases', l.mac, l)));
  const backend: DhcpBackend = {
    sot: () => sot,
    hostByMac: (mac) => byMac.get(mac),
    leases: store,
    report: async (hostId, event, data) => post({ kind: 'report', hostId, event, data }),
    note: async (subject, type, data) => post({ kind: 'note', subject, type, data }),
    discovered: (mac, ip, siteId) => post({ kind: 'discovered', mac, ip, siteId }),
  };
  const s = createDhcpServer({ backend, clock: systemClock, log, config: { ...init.config, scriptUrl: (mac) => ipxeScriptUrl(init.bootUrl, mac) } });
  try {
    await s.start();
  } catch (e) {
    await store.close();
    throw e;
  }
  server = s;
  statsTimer = setInterval(sendStats, init.statsMs);
  port.on('message', (m: ToDhcpWorker) => {
    if (m.kind === 'sot') serve(m.sot);
    else void stop(store.close.bind(store));
  });
  post({ kind: 'started', ports: s.ports(), imported: init.importLeases.map((l) => l.mac) });
}

async function stop(closeStore: () => Promise<void>): Promise<void> {
  if (statsTimer) clearInterval(statsTimer);
  await server?.stop();
  sendStats();
  await closeStore().catch(() => undefined);
  post({ kind: 'stopped' });
  port.close();
}

start().catch((e: unknown) => {
  post(failedMessage(e));
  port.close();
});
