// A small appliance for the resmgr surface tests: a SoT with roles, the in-memory store, a real
// lifecycle and orchestrator on a fake clock, an effect handler that only records, and the API.
// `reopen()` builds every service again over the same store and SoT folder, as a restart would.
import { createApi, type CorralApi } from '../../src/api/app.js';
import { createLiveSot, type LiveSot } from '../../src/sot/live.js';
import { syncHostRecords } from '../../src/lifecycle/sync.js';
import { createLifecycle, type EffectHandler, type Lifecycle } from '../../src/lifecycle/runner.js';
import { createOrchestrator, type Orchestrator } from '../../src/lifecycle/orchestrator.js';
import type { LifecyclePolicy } from '../../src/lifecycle/machine.js';
import { desiredFingerprint } from '../../src/lifecycle/fingerprint.js';
import { nullLogger } from '../../src/lib/log.js';
import type { HostEvent } from '../../src/model/index.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { createMemoryStore, type MemoryStore } from '../fakes/memory-store.js';
import { BASE, writeSot } from '../sot/helpers.js';

/** Every stage times out after 1 s; a boot is tried twice before the host fails. */
export const POLICY: LifecyclePolicy = {
  stageTimeoutMs: { power: 1000, dhcp: 1000, firmware: 1000, ipxe: 1000, kernel: 1000, installing: 1000, checkpoint: 1000 },
  maxAttempts: 2,
};

/** A site on the lab network (both test sites share it). */
const siteEnv = (id: string, name: string, mode: 'auto' | 'on-demand') =>
  `id: ${id}\nname: ${name}\nmode: ${mode}\nsubnets:\n  - id: net\n    cidr: 10.2.0.0/24\nagents:\n  - name: a1\n    asset_server: {addr: 10.2.0.2, port: 8080, scheme: http}\n    dhcp_mode: server\n`;

const host = (name: string, n: number, extra = '') => `---
name: ${name}
interfaces:
  - type: physical
    mac: 52:54:00:00:10:0${n}
    subnet: net
    ipv4: 10.2.0.1${n}
${extra}`;

/**
 * Site "lab" (on-demand): n1, n2 bare (no workflow), n3 declaring role web in the SoT, n4 with
 * workflow wf. Site "auto": a1 with workflow wf. Roles web (1.0 -> wf, 2.0 -> wf2, two boots)
 * and db (5 -> wf, customizable settings); a wipe workflow.
 */
export const ROLES_SOT: Record<string, string> = {
  'os/os1.yml': BASE['os/os1.yml']!.replace('name: Test OS\n', "name: Test OS\nos_family: Linux\nmajor_version: '1'\nminor_version: '2'\nrelease_name: Final\n"),
  'boot/b1.yml': BASE['boot/b1.yml']!,
  'boot/b2.yml': 'id: b2\noperating_system: os1\ncheckpoints: 2\n',
  'boot/bw.yml': 'id: bw\noperating_system: os1\n',
  'workflows/wf.yml': BASE['workflows/wf.yml']!,
  'workflows/wf2.yml': 'id: wf2\nworkflow:\n  - boot: b1\n  - boot: b2\n',
  'workflows/wipe.yml': 'id: wipe\nworkflow:\n  - boot: bw\n',
  'assets/kickstart/ks.cfg': BASE['assets/kickstart/ks.cfg']!,
  'roles/web.yml': `name: web
display_name: Web server
description: nginx on Test OS
active_version: '1.0'
versions:
  - version: '1.0'
    workflow: wf
    description: first
  - version: '2.0'
    workflow: wf2
default_settings: {workers: 2}
customizable_settings:
  workers: {type: integer, min: 1, max: 64}
`,
  'roles/db.yml': `name: db
description: a database
active_version: '5'
versions:
  - version: '5'
    workflow: wf
customizable_settings:
  max_conn: {type: integer, min: 1, max: 100}
  tags: {type: list}
`,
  'sites/lab/env.yml': siteEnv('lab', 'Lab', 'on-demand'),
  'sites/lab/rack.yml':
    'id: rack\n' +
    host('n1', 1).replace('    ipv4: 10.2.0.11\n', '    ipv4: 10.2.0.11\n    hostname: n1.lab.example\n') +
    host('n2', 2) +
    host('n3', 3, 'role: web\n') +
    host('n4', 4, 'workflow: wf\n'),
  'sites/auto/env.yml': siteEnv('auto', 'Auto', 'auto'),
  'sites/auto/rack.yml': 'id: arack\n' + host('a1', 5, 'workflow: wf\n'),
};

export interface World {
  clock: FakeClock;
  store: MemoryStore;
  live: LiveSot;
  lifecycle: Lifecycle;
  orchestrator: Orchestrator;
  app: CorralApi;
  admin: string;
  user: string;
  /** Effects the lifecycle asked for, as "host:kind[:action]". */
  effects: string[];
  cleanup: () => void;
}

export interface WorldOptions {
  stormLimit?: number;
  /** Runs on the store before the services start (e.g. a record from an earlier life). */
  seed?: (w: { store: MemoryStore; live: LiveSot; clock: FakeClock }) => Promise<void>;
}

async function build(dir: string, store: MemoryStore, clock: FakeClock, opts: WorldOptions, cleanup: () => void): Promise<World> {
  const live = createLiveSot({ root: dir, clock, log: nullLogger, pollMs: 0 });
  if (!(await live.reload())) throw new Error(`test SoT did not load: ${JSON.stringify(live.status().lastAttempt?.problems)}`);
  await syncHostRecords(store, live.current()!, clock.now());
  await opts.seed?.({ store, live, clock });
  const effects: string[] = [];
  const handler: EffectHandler = { run: (id, e) => void effects.push(`${id}:${e.kind}${'action' in e ? `:${e.action}` : ''}${'what' in e ? `:${e.what}` : ''}`) };
  const lifecycle = createLifecycle({ store, clock, log: nullLogger, policy: POLICY, effects: handler });
  lifecycle.resume();
  const orchestrator = createOrchestrator({ sot: live, store, lifecycle, clock, log: nullLogger }, { ...(opts.stormLimit !== undefined && { stormLimit: opts.stormLimit }) });
  const app = createApi({ sot: live, store, clock, log: nullLogger, version: 'test', lifecycle, orchestrator });
  const admin = (await app.auth.tokens.create('ops', 'admin')).token;
  const user = (await app.auth.tokens.create('dev', 'user')).token;
  return {
    clock,
    store,
    live,
    lifecycle,
    orchestrator,
    app,
    admin,
    user,
    effects,
    cleanup: () => {
      lifecycle.stop();
      orchestrator.stop();
      live.stop();
      cleanup();
    },
  };
}

export interface ReopenableWorld extends World {
  /** The services of a restarted appliance over the same store and SoT folder; this world's stop first. */
  reopen(o?: WorldOptions): Promise<ReopenableWorld>;
}

function reopenable(world: World, dir: string, cleanupDir: () => void): ReopenableWorld {
  return {
    ...world,
    reopen: async (o = {}) => {
      world.lifecycle.stop();
      world.orchestrator.stop();
      world.live.stop();
      return reopenable(await build(dir, world.store, world.clock, o, cleanupDir), dir, cleanupDir);
    },
  };
}

export async function rolesWorld(opts: WorldOptions = {}): Promise<ReopenableWorld> {
  const w = writeSot(ROLES_SOT);
  const clock = new FakeClock();
  const store = createMemoryStore(clock);
  const world = await build(w.dir, store, clock, opts, w.cleanup);
  // a1 (auto site) is already installed with what the SoT says, so no plan starts it by itself.
  const sot = world.live.current()!;
  const fp = desiredFingerprint(sot, sot.hosts.find((h) => h.id === 'a1')!);
  await store.transact((tx) => tx.put('hosts', 'a1', { ...tx.get('hosts', 'a1')!, state: 'active', workflow: 'wf', desiredFingerprint: fp, appliedFingerprint: fp }));
  return reopenable(world, w.dir, w.cleanup);
}

/** Resolves with the first committed event `pred` accepts (the store tells of every commit). */
export function nextEvent(store: MemoryStore, pred: (e: HostEvent) => boolean): Promise<HostEvent> {
  return new Promise((resolve) => {
    const off = store.subscribe((events) => {
      const hit = events.find(pred);
      if (hit) {
        off();
        resolve(hit);
      }
    });
  });
}
