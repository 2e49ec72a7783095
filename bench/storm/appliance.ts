// The appliance under test, composed exactly as src/appliance.ts startAppliance() composes it
// (same modules, same order: store, live SoT, BMC registry, power effects, lifecycle,
// orchestrator, host records, boot services), with three differences a benchmark needs and
// startAppliance() cannot take: the IPMI driver is injected (createBmcRegistry's `drivers`),
// the store's transact() and the lifecycle's report()/note() are timed (call -> durable
// resolve), and the operator API is not started (nothing here calls it).
import { join } from 'node:path';
import { createBmcRegistry, type PowerController } from '../../src/bmc/index.js';
import { startBootServices, type BootConfig, type BootServices } from '../../src/boot/services.js';
import { systemClock } from '../../src/lib/clock.js';
import type { Logger } from '../../src/lib/log.js';
import { createBmcPower } from '../../src/lifecycle/bmc-power.js';
import { DEFAULT_POLICY, type LifecyclePolicy } from '../../src/lifecycle/machine.js';
import { createOrchestrator, type Orchestrator } from '../../src/lifecycle/orchestrator.js';
import { createPowerEffects } from '../../src/lifecycle/power-effects.js';
import { createLifecycle, type Lifecycle } from '../../src/lifecycle/runner.js';
import { syncHostRecords } from '../../src/lifecycle/sync.js';
import { createLiveSot, type LiveSot } from '../../src/sot/live.js';
import { openStore, type CorralStore } from '../../src/store/lowdb-store.js';
import type { Store } from '../../src/store/store.js';
import { SampleSet } from './util.js';

export interface StormApplianceConfig {
  sotDir: string;
  dataDir: string;
  boot: BootConfig;
  stormLimit: number;
  bmcConcurrency?: number;
  ipmi: PowerController;
  log: Logger;
}

export interface StormAppliance {
  sot: LiveSot;
  /** The real store (stats()); the services were given its timed wrapper. */
  store: CorralStore;
  lifecycle: Lifecycle;
  orchestrator: Orchestrator;
  boot: BootServices;
  registryStats(): { active: number; waiting: number; busyBmcs: number };
  /** transact: every store transaction; report:<event>, note:<type>: lifecycle calls. */
  timings: SampleSet;
  /** Epoch ms when the orchestrator was started (the storm can begin). */
  startedAt: number;
  stop(): Promise<void>;
}

/** Store and Lifecycle wrappers that time each call from its start to its (durable) resolve. */
function timedStore(raw: CorralStore, timings: SampleSet): Store {
  return {
    get: raw.get.bind(raw),
    list: raw.list.bind(raw),
    count: raw.count.bind(raw),
    events: raw.events.bind(raw),
    lastSeq: raw.lastSeq.bind(raw),
    close: raw.close.bind(raw),
    transact<T>(fn: Parameters<Store['transact']>[0]): Promise<T> {
      const t0 = performance.now();
      const p = raw.transact(fn) as Promise<T>;
      const done = () => timings.add('transact', performance.now() - t0);
      p.then(done, done);
      return p;
    },
  };
}

function timedLifecycle(lc: Lifecycle, timings: SampleSet): Lifecycle {
  const time = <T>(name: string, p: Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const done = () => timings.add(name, performance.now() - t0);
    p.then(done, done);
    return p;
  };
  return {
    report: (hostId, event, data) => time(`report:${event.type}`, lc.report(hostId, event, data)),
    note: (subject, type, data) => time(`note:${type}`, lc.note(subject, type, data)),
    recordPower: lc.recordPower.bind(lc),
    discover: lc.discover.bind(lc),
    resume: lc.resume.bind(lc),
    stop: lc.stop.bind(lc),
  };
}

export async function startStormAppliance(cfg: StormApplianceConfig): Promise<StormAppliance> {
  const clock = systemClock;
  const log = cfg.log;
  const timings = new SampleSet();
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
    const raw = await openStore({ dir: cfg.dataDir, clock, log });
    closers.push(() => raw.close());
    const store = timedStore(raw, timings);
    const sot = createLiveSot({ root: cfg.sotDir, clock, log: log.child({ component: 'sot' }), lastGoodDir: join(cfg.dataDir, 'sot-last-good') });
    closers.push(() => sot.stop());
    const registry = createBmcRegistry({ clock, log: log.child({ component: 'bmc' }), drivers: { ipmi: cfg.ipmi }, ...(cfg.bmcConcurrency && { maxConcurrent: cfg.bmcConcurrency }) });
    closers.push(() => registry.close());
    const power = createBmcPower({ sot, registry, sotDir: cfg.sotDir });
    let orchestrator: Orchestrator | undefined;
    let lifecycle: Lifecycle | undefined;
    const effects = createPowerEffects({ power, lifecycle: () => lifecycle!, log: log.child({ component: 'power' }), onNotify: () => void orchestrator?.reconcile() });
    const policy: LifecyclePolicy = { maxAttempts: DEFAULT_POLICY.maxAttempts, stageTimeoutMs: { ...DEFAULT_POLICY.stageTimeoutMs } };
    const rawLifecycle = createLifecycle({ store, clock, log: log.child({ component: 'lifecycle' }), policy, effects });
    lifecycle = timedLifecycle(rawLifecycle, timings);
    closers.push(() => rawLifecycle.stop());
    orchestrator = createOrchestrator({ sot, store, lifecycle, clock, log: log.child({ component: 'orchestrator' }) }, { stormLimit: cfg.stormLimit });
    closers.push(() => orchestrator!.stop());
    sot.on('loaded', (s) => {
      syncHostRecords(store, s, clock.now())
        .then(() => orchestrator!.reconcile())
        .catch((e) => log.error('cannot record new hosts', { error: (e as Error).message }));
    });
    await sot.reload();
    if (sot.current()) await syncHostRecords(store, sot.current()!, clock.now());
    rawLifecycle.resume();
    const startedAt = Date.now();
    orchestrator.start();
    const boot = await startBootServices(cfg.boot, { sot, store, lifecycle, clock, log });
    closers.push(() => boot.stop());
    return { sot, store: raw, lifecycle, orchestrator, boot, registryStats: () => registry.stats(), timings, startedAt, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
