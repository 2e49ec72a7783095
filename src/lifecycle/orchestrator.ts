// Turns SoT changes and API requests into provisioning runs: on every SoT load, lifecycle
// outcome and periodic tick it plans the rollout (rollout.ts) and starts what may start.
import type { HostRuntime, Sot } from '../model/index.js';
import { ApplianceError } from '../model/index.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { LiveSot } from '../sot/live.js';
import type { Store } from '../store/store.js';
import { workflowOf } from '../render/render.js';
import type { Lifecycle } from './runner.js';
import { desiredFingerprint } from './fingerprint.js';
import { planRollout, type RolloutPlan } from './rollout.js';
import { coalesce } from '../lib/coalesce.js';

export interface OrchestratorOptions {
  /** Hosts in early boot stages at once (boot storm control). */
  stormLimit?: number;
  tickMs?: number;
}

export interface Orchestrator {
  /** Queues a host for provisioning (API); starts it as soon as the limits allow. */
  requestProvision(hostId: string): Promise<HostRuntime | undefined>;
  /** Wipes a host by booting `workflow` (default "wipe"); it ends `inactive`, ready for a pool. */
  requestReclaim(hostId: string, workflow?: string): Promise<HostRuntime | undefined>;
  reconcile(): Promise<RolloutPlan | undefined>;
  /** Why queued hosts are waiting. */
  waiting(): Map<string, string>;
  start(): void;
  stop(): void;
}

export function createOrchestrator(
  deps: { sot: LiveSot; store: Store; lifecycle: Lifecycle; clock: Clock; log: Logger },
  opts: OrchestratorOptions = {},
): Orchestrator {
  const requested: string[] = [];
  let waitingNow = new Map<string, string>();
  let timer: TimerHandle | undefined;
  const fpCache = new WeakMap<Sot, Map<string, string | undefined>>();

  const fingerprintFor = (sot: Sot) => {
    let m = fpCache.get(sot);
    if (!m) fpCache.set(sot, (m = new Map()));
    const cache = m;
    return (h: Sot['hosts'][number]) => {
      if (!cache.has(h.id)) cache.set(h.id, desiredFingerprint(sot, h));
      return cache.get(h.id);
    };
  };

  async function once(): Promise<RolloutPlan | undefined> {
    const sot = deps.sot.current();
    if (!sot) return undefined;
    const plan = planRollout({
      sot,
      runtime: (id) => deps.store.get('hosts', id),
      fingerprint: fingerprintFor(sot),
      requested,
      stormLimit: opts.stormLimit ?? 50,
    });
    waitingNow = new Map(plan.waiting.map((w) => [w.hostId, w.reason]));
    for (const s of plan.start) {
      const host = deps.sot.index().hostsById.get(s.hostId)!;
      const wf = workflowOf(sot, host)!;
      const idx = requested.indexOf(s.hostId);
      if (idx >= 0) requested.splice(idx, 1);
      try {
        await deps.lifecycle.report(
          s.hostId,
          {
            type: 'provision.requested',
            workflow: wf.id,
            boots: wf.boots.length,
            checkpoints: wf.boots.map((b) => sot.boots.find((x) => x.id === b)?.checkpoints ?? 1),
            reason: s.reason,
            ...(s.fingerprint && { fingerprint: s.fingerprint }),
          },
          { reason: s.reason },
        );
        deps.log.info('provisioning started', { host: s.hostId, workflow: wf.id, reason: s.reason });
      } catch (e) {
        deps.log.warn('cannot start provisioning', { host: s.hostId, error: (e as Error).message });
      }
    }
    return plan;
  }

  const orch: Orchestrator = {
    reconcile: coalesce(once),
    async requestProvision(hostId) {
      const sot = deps.sot.current();
      const host = deps.sot.index().hostsById.get(hostId);
      if (!sot || !host) throw new ApplianceError('HOST_NOT_FOUND', `host "${hostId}" not found`);
      if (host.neverProvision) throw new ApplianceError('CONFLICT', `host "${hostId}" has never_provision set in the SoT`);
      if (!workflowOf(sot, host)) throw new ApplianceError('CONFLICT', `host "${hostId}" has no workflow or role to provision`);
      const rt = deps.store.get('hosts', hostId);
      if (rt?.state === 'provisioning' || rt?.state === 'reclaiming') throw new ApplianceError('CONFLICT', `host "${hostId}" is already ${rt.state}`);
      if (rt?.state === 'maintenance') throw new ApplianceError('CONFLICT', `host "${hostId}" is in maintenance`);
      if (!requested.includes(hostId)) requested.push(hostId);
      await orch.reconcile();
      return deps.store.get('hosts', hostId);
    },
    async requestReclaim(hostId, workflowId = 'wipe') {
      const sot = deps.sot.current();
      const host = deps.sot.index().hostsById.get(hostId);
      if (!sot || !host) throw new ApplianceError('HOST_NOT_FOUND', `host "${hostId}" not found`);
      const wf = sot.workflows.find((w) => w.id === workflowId);
      if (!wf) throw new ApplianceError('BAD_REQUEST', `workflow "${workflowId}" is not defined in the SoT`);
      if (host.neverProvision) throw new ApplianceError('CONFLICT', `host "${hostId}" has never_provision set in the SoT`);
      const checkpoints = wf.boots.map((b) => sot.boots.find((x) => x.id === b)?.checkpoints ?? 1);
      return deps.lifecycle.report(hostId, { type: 'reclaim.requested', workflow: wf.id, boots: wf.boots.length, checkpoints }, { reason: 'requested' });
    },
    waiting: () => waitingNow,
    start() {
      const tick = () => {
        timer = deps.clock.setTimeout(() => {
          void orch.reconcile().finally(tick);
        }, opts.tickMs ?? 2000);
      };
      tick();
      void orch.reconcile();
    },
    stop() {
      timer?.cancel();
    },
  };
  return orch;
}
