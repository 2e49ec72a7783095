// The composition root (STYLE P11): builds the real clock, store, SoT watcher and API, binds
// them, and returns stop(). If a later step fails, what was already opened is closed.
import { createServer } from 'node:http';
import { closeTcp, listenTcp } from './lib/tcp.js';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from './lib/clock.js';
import { createLogger, type Logger } from './lib/log.js';
import { packageRoot } from './lib/package-root.js';
import { createLiveSot, type LiveSot } from './sot/live.js';
import { openStore, type CorralStore } from './store/lowdb-store.js';
import type { RetentionOptions } from './store/compactor.js';
import type { Store } from './store/store.js';
import { createApi } from './api/app.js';
import { servedSot } from './api/deps.js';
import { createPlanService } from './plans/service.js';
import { workerSolver } from './plans/run-solver.js';
import { createAuthServices } from './api/auth/services.js';
import { ensureLocalToken } from './api/auth/local-token.js';
import { applianceNames } from './api/auth/guards.js';
import { isLoopback } from './lib/ip.js';
import { syncHostRecords } from './lifecycle/sync.js';
import { createLifecycle, type Lifecycle } from './lifecycle/runner.js';
import { startBootServices, type BootConfig, type BootServices } from './boot/services.js';
import { createOrchestrator, type Orchestrator } from './lifecycle/orchestrator.js';
import { createPoolManager } from './pools/manager.js';
import { startQemuProvider } from './pools/qemu/provider.js';
import { createPowerEffects } from './lifecycle/power-effects.js';
import { journalApplianceEvents } from './lifecycle/appliance-events.js';
import { createBmcPower } from './lifecycle/bmc-power.js';
import { DEFAULT_POLICY, type LifecyclePolicy } from './lifecycle/machine.js';
import { createBmcRegistry, type BmcRegistry, type PowerController } from './bmc/index.js';
import type { BmcType } from './model/index.js';

export interface ApplianceConfig {
  sotDir: string;
  dataDir: string;
  /** Operator API listen address. */
  apiHost: string;
  apiPort: number;
  /** Extra names the API is reached by (DNS names, a proxy's address): the Host header check accepts them. */
  apiNames?: string[];
  /** Captured serial consoles, <host>.log each, served at GET /v1/hosts/{id}/console. */
  consoleDir?: string;
  /** API token lifetime in ms (null: never expire). */
  tokenTtlMs?: number | null;
  /** How much event history the journal keeps (default 180 days, 2 GiB); aggregates outlive it. */
  retention?: RetentionOptions;
  /** SoT watcher tuning. */
  watch?: boolean;
  pollMs?: number;
  /** Boot services (DHCP, TFTP, boot HTTP); absent = API only. */
  boot?: BootConfig;
  /** Lifecycle time limits and retries (defaults in lifecycle/machine.ts). */
  policy?: Partial<Omit<LifecyclePolicy, 'stageTimeoutMs'>> & { stageTimeoutMs?: Partial<LifecyclePolicy['stageTimeoutMs']> };
  /** Hosts in early boot stages at once (boot storm control). */
  stormLimit?: number;
  /** BMC commands in flight at once. */
  bmcConcurrency?: number;
}

export interface ApplianceDeps {
  clock?: Clock;
  log?: Logger;
  /** BMC drivers replacing the real ones by type (benchmarks drive simulated machines). */
  bmcDrivers?: Partial<Record<BmcType, PowerController>>;
  /** Wrappers around the store and the lifecycle as the services see them (timing, tracing). */
  instrument?: { store?: (s: Store) => Store; lifecycle?: (l: Lifecycle) => Lifecycle };
}

export interface Appliance {
  sot: LiveSot;
  store: CorralStore;
  registry: BmcRegistry;
  /** Epoch ms when the orchestrator started (provisioning may begin). */
  startedAt: number;
  lifecycle: Lifecycle;
  orchestrator: Orchestrator;
  boot: BootServices | undefined;
  /** Where the API really listens (port 0 resolves to the chosen port). */
  apiAddress: { host: string; port: number };
  stop(): Promise<void>;
}

export function corralVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function startAppliance(config: ApplianceConfig, deps: ApplianceDeps = {}): Promise<Appliance> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? createLogger();
  const closers: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (e) {
        log.warn('error while stopping', { error: (e as Error).message });
      }
    }
    closers.length = 0;
  };
  try {
    const rawStore = await openStore({ dir: config.dataDir, clock, log, ...(config.retention && { retention: config.retention }) });
    closers.push(() => rawStore.close());
    const store = deps.instrument?.store?.(rawStore) ?? rawStore;
    const sot = createLiveSot({ root: config.sotDir, clock, log: log.child({ component: 'sot' }), lastGoodDir: join(config.dataDir, 'sot-last-good'), ...(config.pollMs !== undefined && { pollMs: config.pollMs }) });
    closers.push(() => sot.stop());
    const registry = createBmcRegistry({ clock, log: log.child({ component: 'bmc' }), ...(config.bmcConcurrency && { maxConcurrent: config.bmcConcurrency }), ...(deps.bmcDrivers && { drivers: deps.bmcDrivers }) });
    closers.push(() => registry.close());
    // The qemu pool provider runs the VMs of `provider: qemu` pools; their `qemu` BMC driver powers them through it.
    const qemuLog = log.child({ component: 'qemu' });
    const qemu = startQemuProvider(sot, { stateDir: join(config.dataDir, 'qemu'), ...(config.consoleDir && { consoleDir: config.consoleDir }), log: (msg, fields) => qemuLog.info(msg, fields) });
    closers.push(() => qemu.stop());
    const power = createBmcPower({ sot, registry, sotDir: config.sotDir });
    let orchestrator: Orchestrator | undefined;
    const effects = createPowerEffects({ power, lifecycle: () => lifecycle, log: log.child({ component: 'power' }), onNotify: () => void orchestrator?.reconcile() });
    const policy: LifecyclePolicy = {
      maxAttempts: config.policy?.maxAttempts ?? DEFAULT_POLICY.maxAttempts,
      stageTimeoutMs: { ...DEFAULT_POLICY.stageTimeoutMs, ...config.policy?.stageTimeoutMs },
    };
    const rawLifecycle = createLifecycle({ store, clock, log: log.child({ component: 'lifecycle' }), policy, effects });
    const lifecycle = deps.instrument?.lifecycle?.(rawLifecycle) ?? rawLifecycle;
    closers.push(() => rawLifecycle.stop());
    orchestrator = createOrchestrator({ sot, store, lifecycle, clock, log: log.child({ component: 'orchestrator' }) }, { ...(config.stormLimit && { stormLimit: config.stormLimit }) });
    closers.push(() => orchestrator!.stop());
    // New hosts get their runtime record before the orchestrator plans with them.
    sot.on('loaded', (s) => {
      syncHostRecords(store, s, clock.now())
        .then(() => orchestrator!.reconcile())
        .catch((e) => log.error('cannot record new hosts', { error: (e as Error).message }));
    });
    await sot.reload();
    if (sot.current()) await syncHostRecords(store, sot.current()!, clock.now());
    if (config.watch !== false) sot.startWatching();
    // Boot services first: nothing is powered on before machines can be answered.
    let boot: BootServices | undefined;
    if (config.boot) {
      boot = await startBootServices(config.boot, { sot, store, lifecycle, orchestrator, clock, log, dataDir: config.dataDir, sotDir: config.sotDir });
      closers.push(() => boot!.stop());
    } else {
      log.warn('boot services are off: serve was started without --interface or --address');
    }
    closers.push(journalApplianceEvents({ sot, store, clock, log: log.child({ component: 'appliance-events' }), boot }));
    lifecycle.resume();
    const startedAt = clock.now();
    orchestrator.start();
    // Pools (vmpooler, seed 003) keep their ready hosts through the orchestrator, so they start after it and stop before it.
    const pools = createPoolManager({ sot, store, orchestrator, clock, log: log.child({ component: 'pools' }) });
    pools.start();
    closers.push(() => pools.stop());
    const auth = createAuthServices(store, clock, { ...(config.tokenTtlMs !== undefined && { tokenTtlMs: config.tokenTtlMs }) });
    closers.push(() => auth.tokens.stop());
    // The local CLI and the desktop app act as admin through this 0600 file, not by address.
    await ensureLocalToken(config.dataDir, auth.tokens);
    const security = { requireReadToken: !isLoopback(config.apiHost), names: applianceNames([...(config.apiNames ?? []), config.apiHost]) };
    const plans = createPlanService({ store, clock, log: log.child({ component: 'plans' }), served: () => servedSot({ sot }), solver: workerSolver });
    const app = createApi({ sot, store, clock, log: log.child({ component: 'api' }), version: corralVersion(), services: () => boot?.status() ?? null, bootUrl: () => boot?.bootUrl, lifecycle, orchestrator, power, auth, security, plans, ...(config.consoleDir && { consoleDir: config.consoleDir }) });
    // Plans a previous run left mid-way are taken up again (HAS resets stuck plans the same way).
    plans.resume();
    closers.push(() => app.events.close());
    const server = createServer(app);
    // Clients (undici/fetch, scripts, the GUI) reuse idle connections; a server that closes them
    // first races with a request already on its way (ECONNRESET). Outlast the clients' idle timers.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    await listenTcp(server, config.apiHost, config.apiPort);
    closers.push(() => closeTcp(server));
    const addr = server.address() as AddressInfo;
    log.info('operator API listening', { url: `http://${formatHost(addr.address)}:${addr.port}/v1` });
    return { sot, store: rawStore, registry, startedAt, lifecycle, orchestrator, boot, apiAddress: { host: addr.address, port: addr.port }, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function formatHost(h: string): string {
  return h.includes(':') ? `[${h}]` : h;
}
