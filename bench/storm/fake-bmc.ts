// A fake IPMI PowerController for the boot storm: keeps each BMC's power and one-time-PXE flag
// in memory, answers after a simulated round-trip time, and when a machine is powered on (or
// cycled, or reset) with PXE-once armed, hands it to the machine simulator, which starts its
// network boot after a firmware delay. Never sends a packet: the SoT's BMC addresses are only keys.
import type { BmcTarget, PowerAction, PowerController, PowerStatus } from '../../src/bmc/types.js';
import { between, hostRng, type Range, type Sleeper } from './util.js';

export interface FakeBmcOptions {
  seed: number;
  /** Simulated BMC answer time per command. */
  latencyMs: Range;
  /**
   * BMCs drop a one-time boot device this long after it was set (IPMI 2.0 §28.12: the "boot flags
   * valid" bit is cleared after 60 s; src/bmc/types.ts says the same). 0 = never.
   */
  pxeExpiryMs: number;
  sleeper: Sleeper;
  /** Host index of a host id (per-host PRNG streams). */
  indexOf(hostId: string): number;
  /** The machine was powered up or rebooted; `pxe` = the one-time network boot was armed. */
  onBoot(hostId: string, pxe: boolean): void;
  /** The machine was switched off. */
  onOff(hostId: string): void;
}

interface BmcState {
  power: PowerStatus;
  pxeOnce: boolean;
  pxeSetAt: number;
  ops: number;
}

export interface FakeBmcStats {
  commands: Record<string, number>;
  /** Power-ups/reboots that booted the network (PXE-once armed) or the disk. */
  pxeBoots: number;
  diskBoots: number;
  /** Power-ups that found the PXE-once flag set but expired (they booted the disk). */
  expiredPxe: number;
  /** ms from "bootdev pxe" to the power-up that used it, per armed boot. */
  pxeToPowerMs: number[];
  /** Epoch ms of the first power on/cycle, and of each host's last one. */
  firstPowerOnAt: number | undefined;
  powerOnAt: Map<string, number>;
  /** Most commands running in the fake at once (the registry's global limit shows here). */
  peakInFlight: number;
}

export function createFakeIpmi(o: FakeBmcOptions): PowerController & { stats: FakeBmcStats } {
  const bmcs = new Map<string, BmcState>();
  const stats: FakeBmcStats = { commands: {}, pxeBoots: 0, diskBoots: 0, expiredPxe: 0, pxeToPowerMs: [], firstPowerOnAt: undefined, powerOnAt: new Map(), peakInFlight: 0 };
  let inFlight = 0;
  const state = (t: BmcTarget): BmcState => {
    let s = bmcs.get(t.hostId);
    if (!s) bmcs.set(t.hostId, (s = { power: 'off', pxeOnce: false, pxeSetAt: 0, ops: 0 }));
    return s;
  };
  /** One command: counted, delayed by a per-host deterministic round-trip time. */
  const command = async <T>(t: BmcTarget, name: string, fn: (s: BmcState) => T): Promise<T> => {
    const s = state(t);
    stats.commands[name] = (stats.commands[name] ?? 0) + 1;
    inFlight++;
    stats.peakInFlight = Math.max(stats.peakInFlight, inFlight);
    try {
      const rnd = hostRng(o.seed, o.indexOf(t.hostId), s.ops++, 1);
      // The end of the run cuts the wait short: the command then never happened.
      if (!(await o.sleeper.sleep(between(rnd, o.latencyMs)))) throw new Error('benchmark stopped');
      return fn(s);
    } finally {
      inFlight--;
    }
  };
  const boot = (t: BmcTarget, s: BmcState) => {
    const now = Date.now();
    stats.firstPowerOnAt ??= now;
    stats.powerOnAt.set(t.hostId, now);
    let pxe = s.pxeOnce;
    if (pxe) {
      const gap = now - s.pxeSetAt;
      stats.pxeToPowerMs.push(gap);
      if (o.pxeExpiryMs > 0 && gap > o.pxeExpiryMs) {
        pxe = false;
        stats.expiredPxe++;
      }
    }
    s.pxeOnce = false; // a one-time override is consumed by the boot it applies to
    if (pxe) stats.pxeBoots++;
    else stats.diskBoots++;
    o.onBoot(t.hostId, pxe);
  };
  return {
    stats,
    powerStatus: (t) => command(t, 'status', (s) => s.power),
    bootPxeOnce: (t) =>
      command(t, 'bootPxe', (s) => {
        s.pxeOnce = true;
        s.pxeSetAt = Date.now();
      }),
    power: (t, action: PowerAction) =>
      command(t, `power.${action}`, (s) => {
        switch (action) {
          case 'on':
            if (s.power === 'on') return; // "chassis power on" of a machine that is on changes nothing
            s.power = 'on';
            return boot(t, s);
          case 'cycle':
          case 'reset':
            s.power = 'on';
            return boot(t, s);
          case 'off':
          case 'soft':
            s.power = 'off'; // an armed PXE-once stays armed for the next power-up
            return o.onOff(t.hostId);
        }
      }),
  };
}
