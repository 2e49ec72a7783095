// The BMC job tests' world, all on one fake clock: the runner and power effects over the real
// BMC registry and PowerPort (createBmcPower), with a fake IPMI driver whose every command takes
// `latencyMs` of fake time and keeps each machine's power state. Records every command (host, op,
// start, end) and the most commands in flight at once.
import { createBmcRegistry } from '../../src/bmc/registry.js';
import type { BmcTarget, PowerController } from '../../src/bmc/types.js';
import type { Logger, LogFields } from '../../src/lib/log.js';
import { createBmcPower } from '../../src/lifecycle/bmc-power.js';
import { DEFAULT_POLICY, type LifecyclePolicy } from '../../src/lifecycle/machine.js';
import { createPowerEffects } from '../../src/lifecycle/power-effects.js';
import { createLifecycle, type Lifecycle } from '../../src/lifecycle/runner.js';
import type { Host, HostEvent, HostRuntime } from '../../src/model/index.js';
import type { LiveSot } from '../../src/sot/live.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { createMemoryStore, type MemoryStore } from '../fakes/memory-store.js';

export interface Cmd {
  host: string;
  op: string;
  start: number;
  end?: number;
}

export interface WorldOptions {
  hosts: number;
  latencyMs: number;
  maxConcurrent: number;
  /** An error to fail this command with (after its latency), or undefined. */
  fail?: (host: string, op: string) => Error | undefined;
  retries?: number;
  policy?: Partial<LifecyclePolicy>;
}

export interface World {
  clock: FakeClock;
  store: MemoryStore;
  lc: Lifecycle;
  ids: string[];
  cmds: Cmd[];
  peakInFlight(): number;
  /** Log lines of the registry and the power effects (message and fields). */
  logs: { msg: string; fields: LogFields | undefined }[];
  t0: number;
  rt(id: string): HostRuntime;
  events(id: string, type?: string): Promise<HostEvent[]>;
  /** Moves fake time forward in small steps, letting promises and store commits settle in between. */
  advance(ms: number, step?: number): Promise<void>;
  stop(): void;
}

export const flush = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

export async function bmcJobWorld(o: WorldOptions): Promise<World> {
  const clock = new FakeClock(1_000_000);
  const t0 = clock.now();
  const store = createMemoryStore(clock);
  const ids = Array.from({ length: o.hosts }, (_, i) => `h${i + 1}`);
  await store.transact((tx) => {
    for (const id of ids) tx.put('hosts', id, { id, state: 'inactive', bootIndex: 0, checkpoint: 0, power: 'unknown', attempts: 0, since: t0, updatedAt: t0 });
  });
  const hostsById = new Map(
    ids.map((id, i) => [id, { id, interfaces: [{ type: 'bmc', ipv4: `10.9.${i >> 8}.${i & 255}`, bmc: { type: 'ipmi', username: 'admin', softReboot: false } }], hardware: { firmware: 'bios' } } as unknown as Host]),
  );
  const sot = { index: () => ({ hostsById }) } as unknown as LiveSot;

  const cmds: Cmd[] = [];
  const machines = new Map<string, 'on' | 'off'>();
  let inFlight = 0;
  let peak = 0;
  const cmd = <T>(t: BmcTarget, op: string, fn: () => T) =>
    new Promise<T>((resolve, reject) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      const c: Cmd = { host: t.hostId, op, start: clock.now() };
      cmds.push(c);
      clock.setTimeout(() => {
        inFlight--;
        c.end = clock.now();
        const e = o.fail?.(t.hostId, op);
        if (e) reject(e);
        else resolve(fn());
      }, o.latencyMs);
    });
  const driver: PowerController = {
    powerStatus: (t) => cmd(t, 'status', () => machines.get(t.hostId) ?? 'off'),
    power: (t, a) => cmd(t, `power.${a}`, () => void machines.set(t.hostId, a === 'off' || a === 'soft' ? 'off' : 'on')),
    bootPxeOnce: (t) => cmd(t, 'bootPxe', () => undefined),
  };
  const logs: World['logs'] = [];
  const log: Logger = {
    debug() {},
    info: (msg, fields) => void logs.push({ msg, fields }),
    warn: (msg, fields) => void logs.push({ msg, fields }),
    error: (msg, fields) => void logs.push({ msg, fields }),
    child: () => log,
  };
  const registry = createBmcRegistry({ clock, log, maxConcurrent: o.maxConcurrent, backoffMs: 100, ...(o.retries !== undefined && { retries: o.retries }), drivers: { ipmi: driver } });
  const power = createBmcPower({ sot, registry, sotDir: '/nonexistent', clock });
  let lc!: Lifecycle;
  const effects = createPowerEffects({ power, lifecycle: () => lc, log });
  const policy: LifecyclePolicy = { ...DEFAULT_POLICY, ...o.policy };
  lc = createLifecycle({ store, clock, log, policy, effects });
  return {
    clock,
    store,
    lc,
    ids,
    cmds,
    peakInFlight: () => peak,
    logs,
    t0,
    rt: (id) => store.get('hosts', id)!,
    events: async (id, type) => (await store.events({ subject: id })).filter((e) => type === undefined || e.type === type),
    async advance(ms, step = 100) {
      await flush();
      for (let t = 0; t < ms; t += step) {
        clock.advance(Math.min(step, ms - t));
        await flush();
      }
    },
    stop: () => lc.stop(),
  };
}

/** The commands each host's BMC received, in order. */
export function opsOf(cmds: Cmd[], host: string): string[] {
  return cmds.filter((c) => c.host === host).map((c) => c.op);
}
