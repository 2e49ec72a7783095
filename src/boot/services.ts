// Starts the boot services a machine on the provisioning LAN talks to (DHCP, TFTP, boot HTTP)
// and says plainly which are off and why (no interface, no privilege, port taken).
import { networkInterfaces } from 'node:os';
import type { Logger } from '../lib/log.js';
import { createBootHttp } from './boot-http.js';
import { createCallbackSecrets, loadCallbackKey } from './callback-secret.js';
import { createClientMap } from './client-map.js';
import { sentReporter } from './tftp-files.js';
import { createTftpThread } from './tftp-thread.js';
import { startDhcp } from './dhcp.js';
import { startRaSender } from './ipv6-ra.js';
import { createRaControl } from './ra-control.js';
import { restartNeeded, startOnlySettings } from './restart-fields.js';
import type { Sot } from '../model/index.js';
import { servedFolders, type ServedFolder } from './served-folders.js';
import { defaultTftpRoot } from './ipxe-files.js';
import { startBootHttpServer } from './assets-server.js';

export type { BootConfig, BootDeps, BootService, BootServices, ServiceState } from './types.js';
import type { BootConfig, BootDeps, BootService, BootServices, ServiceState } from './types.js';

export function interfaceAddress(name: string): string | undefined {
  return networkInterfaces()[name]?.find((a) => a.family === 'IPv4' && !a.internal)?.address ?? networkInterfaces()[name]?.find((a) => a.family === 'IPv4')?.address;
}

function bindHint(e: unknown, what: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES') return `permission denied binding ${what}: run as root or grant CAP_NET_BIND_SERVICE (see docs/boot.md)`;
  if (code === 'EADDRINUSE') return `${what} is already in use (another DHCP/TFTP/HTTP server running?)`;
  if (code === 'EADDRNOTAVAIL') return `${what}: address not on this machine`;
  return `${what}: ${(e as Error).message}`;
}

export async function startBootServices(cfg: BootConfig, deps: BootDeps): Promise<BootServices> {
  const log = deps.log.child({ component: 'boot' });
  const off = (reason: string): ServiceState => ({ state: 'off', reason });
  const st: Record<BootService, Live> = {
    dhcp: off('disabled'),
    tftp: off('disabled'),
    http: off('disabled'),
    ipv6_ra: off('no site sets ipv6_ra'),
  };
  const closers: (() => Promise<void>)[] = [];
  const address = cfg.address ?? (cfg.interface ? interfaceAddress(cfg.interface) : undefined);
  if (!address) {
    const reason = cfg.interface ? `interface ${cfg.interface} has no IPv4 address (or does not exist)` : 'no --interface or --address given';
    for (const k of ['dhcp', 'tftp', 'http', 'ipv6_ra'] as const) st[k] = off(reason);
    log.warn('boot services are off: the operator API still runs', { reason });
    return { status: () => snapshot(st), bootUrl: undefined, stop: async () => {} };
  }
  const bootUrl = (cfg.bootUrl ?? `http://${address}:${cfg.httpPort}`).replace(/\/+$/, '');
  const clients = createClientMap();
  const folders = servedFolders({
    ...(cfg.assetsDir !== undefined && { assetsFlag: cfg.assetsDir }),
    ...(cfg.tftpRoot !== undefined && { tftpFlag: cfg.tftpRoot }),
    tftpDefault: defaultTftpRoot(),
    ...(deps.sotDir && { sotDir: deps.sotDir }),
    current: () => deps.sot.current(),
  });

  let onAssetsChange = () => {};
  if (cfg.http) {
    const key = await callbackKey(deps).catch((e: Error) => e);
    if (key instanceof Error) {
      st.http = { state: 'failed', reason: `no callback key: ${key.message}` };
    } else {
      // URLs in what is served come from bootUrl alone, never from a request's Host header.
      const boot = createBootHttp({ ...deps, log, clients, secrets: createCallbackSecrets(key), baseUrl: () => bootUrl, ipxeDir: () => folders.tftp().dir, assetsDir: () => folders.assets().dir });
      try {
        // The assets by Corral or by nginx in front (--asset-server, assets-server.ts).
        const server = await startBootHttpServer({ mode: cfg.assetServer ?? 'builtin', address, port: cfg.httpPort, handler: boot.handler, assetServed: boot.assetServed, assetsDir: () => folders.assets().dir, log });
        const assets = () => ({ server: server.assets, ...(server.note && { note: server.note }), ...(server.nginx && { nginxPid: server.nginx.pid() }) });
        st.http = { state: 'running', address: `${address}:${cfg.httpPort}`, stats: () => ({ ...boot.stats(), assets: assets() }), folder: () => folders.assets() };
        onAssetsChange = server.refresh;
        closers.push(() => server.close());
      } catch (e) {
        st.http = { state: 'failed', reason: bindHint(e, `TCP ${address}:${cfg.httpPort}`) };
      }
    }
  }
  if (cfg.tftp) {
    // TFTP in worker threads of its own (tftp-thread.ts); a file sent becomes `tftp.sent` here,
    // where the client map is.
    const tftp = createTftpThread({
      log: log.child({ service: 'tftp' }),
      options: { host: address, port: cfg.tftpPort },
      root: () => folders.tftp().dir ?? defaultTftpRoot(),
      sot: deps.sot,
      bootUrl,
      sent: sentReporter(clients, deps.lifecycle),
      ...(cfg.tftpWorkers !== undefined && { workers: cfg.tftpWorkers }),
    });
    try {
      const port = await tftp.start();
      // How it runs, beside the counters: worker threads, and whether the pump sends the files.
      const how = { workers: tftp.workers(), sender: tftp.pump() ? 'pump' : 'javascript' };
      st.tftp = { state: 'running', address: `${address}:${port}`, stats: () => ({ ...tftp.stats(), ...how }), folder: () => folders.tftp() };
      closers.push(() => tftp.stop());
    } catch (e) {
      st.tftp = { state: 'failed', reason: bindHint(e, `UDP ${address}:${cfg.tftpPort}`) };
    }
  }
  if (cfg.dhcp) {
    const res = await startDhcp(cfg, { ...deps, log, clients, address, bootUrl }).catch((e) => ({ failed: bindHint(e, `UDP port ${cfg.dhcpPort}`) }));
    if ('failed' in res) st.dhcp = { state: 'failed', reason: res.failed };
    else {
      st.dhcp = { state: 'running', address: res.address, stats: res.stats };
      closers.push(res.stop);
    }
  }
  for (const [name, s] of Object.entries(st)) {
    if (name === 'ipv6_ra') continue;
    if (s.state === 'running') log.info(`${name} service running`, { address: s.address });
    else log.warn(`${name} service ${s.state}`, { reason: s.reason });
  }
  // Per load: the RA sender follows ipv6_ra; start-only settings that changed are listed.
  const ra = createRaControl(cfg.interface ?? interfaceOf(address), deps.startRa ?? startRaSender, log);
  Object.defineProperty(st, 'ipv6_ra', { get: () => ra.state(), enumerable: true });
  await ra.apply(deps.sot.current());
  const onLoaded = followLoads(cfg, deps, log, (sot) => {
    void ra.apply(sot);
    onAssetsChange();
  });
  closers.push(async () => {
    deps.sot.off('loaded', onLoaded);
    await ra.stop();
  });
  return {
    status: () => snapshot(st),
    bootUrl,
    stop: async () => {
      for (const c of closers.reverse()) await c().catch((e) => log.warn('error stopping a boot service', { error: String(e) }));
    },
  };
}

function callbackKey(deps: BootDeps): Promise<Buffer> {
  if (deps.callbackKey) return Promise.resolve(deps.callbackKey);
  if (!deps.dataDir) return Promise.reject(new Error('no data folder given to the boot services'));
  return loadCallbackKey(deps.dataDir);
}

/**
 * From now on, on each load: apply what can change (`apply`) and list what cannot (the bound
 * interface) in the SoT status, with a warning logged once per change.
 */
function followLoads(cfg: BootConfig, deps: BootDeps, log: Logger, apply: (sot: Sot) => void): (sot: Sot) => void {
  const started = startOnlySettings(deps.sot.current());
  for (const [field, s] of started) {
    if (cfg.interface && s.value && s.value !== cfg.interface) log.warn('the SoT names another interface than the one the boot services use (--interface wins)', { field, sot: s.value, serving: cfg.interface, file: s.file });
  }
  const warned = new Set<string>();
  const onLoaded = (sot: Sot) => {
    apply(sot);
    const list = restartNeeded(started, startOnlySettings(sot));
    for (const r of list) {
      const key = `${r.field}=${r.to}`;
      if (warned.has(key)) continue;
      warned.add(key);
      log.warn('SoT setting changed that takes effect only after a restart of corral serve', { ...r });
    }
    deps.sot.setRestartNeeded(list);
  };
  deps.sot.on('loaded', onLoaded);
  return onLoaded;
}

function interfaceOf(address: string): string | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces())) if (addrs?.some((a) => a.address === address)) return name;
  return undefined;
}

type Live = ServiceState & { stats?: () => unknown; folder?: () => ServedFolder };

/** What GET /v1/services shows: state, address, statistics and (HTTP, TFTP) the folder served and where that choice came from. */
function snapshot(st: Record<BootService, Live>) {
  const out = {} as Record<BootService, ServiceState & { stats?: unknown; folder?: ServedFolder }>;
  for (const k of ['dhcp', 'tftp', 'http', 'ipv6_ra'] as const) {
    const { stats, folder, ...rest } = st[k];
    out[k] = { ...rest, ...(folder && { folder: folder() }), ...(stats && { stats: stats() }) };
  }
  return out;
}

