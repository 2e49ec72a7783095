// Applies lifecycle events: runs the pure machine inside one store transaction (state + journal
// event together), then carries out its effects (timers here; power and PXE through the
// injected EffectHandler). Protocol code calls report(); nothing else changes a host's state.
// An effect handler that runs a boot's PXE-once and power as one BMC job (power-effects.ts) owns
// the power stage's clock: the runner starts it when the handler says the job began
// (powerStarted), not when the job was queued.
import type { HostRuntime, Mac } from '../model/index.js';
import { isApplianceError } from '../model/index.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import { discoveredHostId } from '../lib/mac.js';
import type { Logger } from '../lib/log.js';
import type { Store } from '../store/store.js';
import { DEFAULT_POLICY, transition, type Effect, type LifecycleEvent, type LifecyclePolicy } from './machine.js';
import { isBusy } from './states.js';
import { awaitBmcJob, bmcJobStarted, bootAttemptOf, startsBmcJob } from './machine-steps.js';

/** Carries out the effects that reach outside Corral (BMC power, one-time PXE boot). */
export interface EffectHandler {
  run(hostId: string, effect: Extract<Effect, { kind: 'bootPxe' | 'power' | 'notify' }>, ctx: EffectContext): void;
  /**
   * The handler runs a boot's PXE-once and power as one BMC job and calls
   * Lifecycle.powerStarted when that job begins: until then the host has no power-stage clock.
   */
  readonly clockAtJobStart?: boolean;
}

export interface EffectContext {
  /** The host's boot attempt (bootAttemptOf) when the effect was decided. */
  attempt: string;
}

export interface Lifecycle {
  /** Applies `event` to the host and journals it with `data`; resolves once durable. */
  report(hostId: string, event: LifecycleEvent, data?: Record<string, unknown>): Promise<HostRuntime | undefined>;
  /** Journals a fact about a host (or "appliance") that does not change its state. */
  note(subject: string, type: string, data?: Record<string, unknown>): Promise<void>;
  /**
   * The BMC job of boot attempt `attempt` is about to run its first command. Answers at once
   * whether the host still needs it (in a run, at stage power of that attempt, clock not
   * started); if so the power stage's clock starts now (journalled as `power.started`, written
   * in the background: the BMC does not wait for the disk). False: the job must run nothing.
   */
  powerStarted(hostId: string, attempt: string): boolean;
  /** Records the host's power state (tracked apart from its lifecycle state) with an event. */
  recordPower(hostId: string, power: HostRuntime['power'], data?: Record<string, unknown>): Promise<void>;
  /** Records a machine the SoT does not list, seen on a discovery site, as `discovered`. */
  discover(mac: Mac, ip: string, siteId: string): Promise<void>;
  /** Re-arms timers of hosts in flight (after a restart). */
  resume(): void;
  stop(): void;
}

export interface LifecycleDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  policy?: LifecyclePolicy;
  effects?: EffectHandler;
}

export function createLifecycle(deps: LifecycleDeps): Lifecycle {
  const policy = deps.policy ?? DEFAULT_POLICY;
  const timers = new Map<string, TimerHandle>();
  /** Hosts whose BMC job this runner queued and that has not started, with its attempt. */
  const queuedJobs = new Map<string, string>();

  const arm = (hostId: string, stage: NonNullable<HostRuntime['stage']>, ms: number) => {
    timers.get(hostId)?.cancel();
    timers.set(
      hostId,
      deps.clock.setTimeout(() => {
        timers.delete(hostId);
        void lc.report(hostId, { type: 'timeout', stage });
      }, Math.max(0, ms)),
    );
  };

  const runEffects = (hostId: string, effects: Effect[], ctx: EffectContext) => {
    for (const eff of effects) {
      if (eff.kind === 'setTimer') arm(hostId, eff.stage, eff.ms);
      else if (eff.kind === 'clearTimer') {
        timers.get(hostId)?.cancel();
        timers.delete(hostId);
      } else if (deps.effects) {
        deps.effects.run(hostId, eff, ctx);
      } else {
        deps.log.warn('no effect handler for lifecycle effect', { host: hostId, effect: eff.kind });
      }
    }
  };

  const lc: Lifecycle = {
    async report(hostId, event, data) {
      const now = deps.clock.now();
      let effects: Effect[] = [];
      try {
        const host = await deps.store.transact((tx) => {
          const rt = tx.get('hosts', hostId);
          const eventData: Record<string, unknown> = { ...eventFields(event), ...data };
          if (!rt) {
            tx.event({ subject: hostId, type: event.type, at: now, data: eventData });
            return undefined;
          }
          let t = transition(rt, event, now, policy);
          if (deps.effects?.clockAtJobStart && startsBmcJob(t.effects)) {
            // The boot's BMC job is queued: its power stage has no clock until the job starts.
            t = awaitBmcJob(t.host, t.effects);
            eventData.bmc_job = 'queued';
            // Known at once, not after the commit: a resume() meanwhile must see the job queued.
            queuedJobs.set(hostId, bootAttemptOf(t.host));
          }
          effects = t.effects;
          tx.put('hosts', hostId, t.host);
          const changed = t.host.state !== rt.state || t.host.stage !== rt.stage;
          tx.event({ subject: hostId, type: event.type, at: now, data: changed ? { ...eventData, new_state: t.host.state, new_stage: t.host.stage ?? null } : eventData });
          return t.host;
        });
        if (host) runEffects(hostId, effects, { attempt: bootAttemptOf(host) });
        return host;
      } catch (e) {
        if (isApplianceError(e) && e.code === 'ILLEGAL_TRANSITION') throw e;
        deps.log.error('cannot record lifecycle event', { host: hostId, event: event.type, error: (e as Error).message });
        throw e;
      }
    },
    async note(subject, type, data) {
      await deps.store.transact((tx) => tx.event({ subject, type, at: deps.clock.now(), ...(data && { data }) }));
    },
    powerStarted(hostId, attempt) {
      if (queuedJobs.get(hostId) === attempt) queuedJobs.delete(hostId);
      const now = deps.clock.now();
      const rt = deps.store.get('hosts', hostId);
      if (!rt || !bmcJobStarted(rt, attempt, now, policy)) return false;
      let effects: Effect[] = [];
      deps.store
        .transact((tx) => {
          // Decided again inside the transaction: an event may have landed since the read above.
          const cur = tx.get('hosts', hostId);
          const s = cur && bmcJobStarted(cur, attempt, now, policy);
          if (!s) return;
          effects = s.effects;
          tx.put('hosts', hostId, s.host);
          tx.event({ subject: hostId, type: 'power.started', at: now, data: { attempt, queued_ms: now - cur.since } });
        })
        .then(
          () => runEffects(hostId, effects, { attempt }),
          (e: Error) => deps.log.error('cannot record the BMC job start', { host: hostId, error: e.message }),
        );
      return true;
    },
    async recordPower(hostId, power, data) {
      const now = deps.clock.now();
      await deps.store.transact((tx) => {
        const rt = tx.get('hosts', hostId);
        if (rt) tx.put('hosts', hostId, { ...rt, power, powerCheckedAt: now, updatedAt: now });
        tx.event({ subject: hostId, type: 'power.state', at: now, data: { power, ...data } });
      });
    },
    async discover(mac, ip, siteId) {
      const id = discoveredHostId(mac);
      const now = deps.clock.now();
      await deps.store.transact((tx) => {
        const rt = tx.get('hosts', id);
        if (rt) {
          if (rt.lastIp !== ip) tx.put('hosts', id, { ...rt, lastIp: ip, updatedAt: now });
          return;
        }
        tx.put('hosts', id, { id, state: 'discovered', bootIndex: 0, checkpoint: 0, power: 'on', attempts: 0, since: now, updatedAt: now, discoveredMac: mac, lastIp: ip, discoveredSite: siteId });
        tx.event({ subject: id, type: 'host.discovered', at: now, data: { mac, ip, site: siteId } });
      });
    },
    resume() {
      const now = deps.clock.now();
      for (const h of deps.store.list('hosts')) {
        // A host with a timer of this process, or whose BMC job this process has queued (no clock
        // until it starts), is not a restart's leftover: resume() may come after runs began.
        if (timers.has(h.id) || queuedJobs.get(h.id) === bootAttemptOf(h)) continue;
        if (isBusy(h) && h.stage) {
          // A deadline that passed while Corral was down fires at once: nothing waits forever.
          arm(h.id, h.stage, (h.deadline ?? now) - now);
        }
      }
    },
    stop() {
      for (const t of timers.values()) t.cancel();
      timers.clear();
    },
  };
  return lc;
}

/** The event's own fields (minus its type) as journal data. */
function eventFields(e: LifecycleEvent): Record<string, unknown> {
  const { type: _type, ...rest } = e as { type: string } & Record<string, unknown>;
  return rest;
}
