// The appliance under test: the real startAppliance() with the IPMI driver injected and the
// store's transact() and the lifecycle's report()/note() timed (call -> durable resolve).
import type { PowerController } from '../../src/bmc/index.js';
import type { BootConfig, BootServices } from '../../src/boot/services.js';
import { startAppliance } from '../../src/appliance.js';
import type { Logger } from '../../src/lib/log.js';
import type { Orchestrator } from '../../src/lifecycle/orchestrator.js';
import type { Lifecycle } from '../../src/lifecycle/runner.js';
import type { LiveSot } from '../../src/sot/live.js';
import type { CorralStore } from '../../src/store/lowdb-store.js';
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
  /** The operator API (ephemeral loopback port). */
  apiAddress: { host: string; port: number };
  stop(): Promise<void>;
}

/** Store and Lifecycle wrappers that time each call from its start to its (durable) resolve. */
function timedStore(raw: Store, timings: SampleSet): Store {
  return {
    get: raw.get.bind(raw),
    list: raw.list.bind(raw),
    count: raw.count.bind(raw),
    events: raw.events.bind(raw),
    lastSeq: raw.lastSeq.bind(raw),
    subscribe: raw.subscribe.bind(raw),
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
    powerStarted: lc.powerStarted.bind(lc),
    recordPower: lc.recordPower.bind(lc),
    discover: lc.discover.bind(lc),
    resume: lc.resume.bind(lc),
    stop: lc.stop.bind(lc),
  };
}

export async function startStormAppliance(cfg: StormApplianceConfig): Promise<StormAppliance> {
  const timings = new SampleSet();
  const app = await startAppliance(
    // The operator API listens on an ephemeral loopback port (bench/events.ts streams from it).
    { sotDir: cfg.sotDir, dataDir: cfg.dataDir, apiHost: '127.0.0.1', apiPort: 0, watch: false, boot: cfg.boot, stormLimit: cfg.stormLimit, ...(cfg.bmcConcurrency && { bmcConcurrency: cfg.bmcConcurrency }) },
    {
      log: cfg.log,
      bmcDrivers: { ipmi: cfg.ipmi },
      instrument: { store: (s) => timedStore(s, timings), lifecycle: (l) => timedLifecycle(l, timings) },
    },
  );
  return {
    sot: app.sot,
    store: app.store,
    lifecycle: app.lifecycle,
    orchestrator: app.orchestrator,
    boot: app.boot!,
    registryStats: () => app.registry.stats(),
    timings,
    startedAt: app.startedAt,
    apiAddress: app.apiAddress,
    stop: app.stop,
  };
}
