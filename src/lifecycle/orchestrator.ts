// Turns SoT changes and API requests into provisioning runs: on every SoT load, lifecycle
// outcome and periodic tick it plans the rollout (rollout.ts) and starts what may start. What a
// host runs is its API-assigned role's version if it has one (src/roles), else the SoT's
// workflow or role, at the role versions the operator made active (src/roles/versions.ts).
import type { Host, HostRuntime, Sot } from '../model/index.js';
import { ApplianceError } from '../model/index.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { LiveSot } from '../sot/live.js';
import type { Store } from '../store/store.js';
import { desiredWorkflow, roleTag, type ActiveVersionOf } from '../roles/assignment.js';
import { activeVersionFn, readOverrides } from '../roles/versions.js';
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
  // Fingerprints per SoT and set of active-version overrides, per host and API role assignment.
  const fpCache = new WeakMap<Sot, { versions: string; byHost: Map<string, { tag: string; fp: string | undefined }> }>();

  /** The active role versions now: the SoT's, with the operator's overrides kept in the store. */
  const activeVersions = (): { fn: ActiveVersionOf; key: string } => {
    const overrides = readOverrides(deps.store);
    return { fn: activeVersionFn(overrides), key: JSON.stringify(overrides) };
  };

  const fingerprintFor = (sot: Sot, versions: { fn: ActiveVersionOf; key: string }) => {
    let c = fpCache.get(sot);
    if (!c || c.versions !== versions.key) fpCache.set(sot, (c = { versions: versions.key, byHost: new Map() }));
    const cache = c.byHost;
    return (h: Host, rt: HostRuntime | undefined) => {
      const tag = rt?.role ? roleTag(rt.role) : '';
      const hit = cache.get(h.id);
      if (hit && hit.tag === tag) return hit.fp;
      const fp = desiredFingerprint(sot, h, { assignment: rt?.role, activeVersion: versions.fn });
      cache.set(h.id, { tag, fp });
      return fp;
    };
  };

  // The plan is a pure function of (SoT, runtime records, requests, active versions). Every
  // change to a runtime record comes with a journal event, so while the SoT object, the journal
  // position, the requests and the versions are what the last plan saw, and that plan started
  // nothing, planning again would give the same answer: the periodic tick then costs nothing
  // (at 10,000 hosts a plan holds the event loop for tens of ms, every tick, on an idle site).
  let last: { sot: Sot; key: string; plan: RolloutPlan } | undefined;

  async function once(): Promise<RolloutPlan | undefined> {
    const sot = deps.sot.current();
    if (!sot) return undefined;
    const versions = activeVersions();
    const key = `${deps.store.lastSeq()}|${requested.join(',')}|${versions.key}`;
    if (last && last.sot === sot && last.key === key && last.plan.start.length === 0) return last.plan;
    const plan = planRollout({
      sot,
      runtime: (id) => deps.store.get('hosts', id),
      fingerprint: fingerprintFor(sot, versions),
      workflow: (h, rt) => desiredWorkflow(sot, h, rt?.role, versions.fn),
      requested,
      stormLimit: opts.stormLimit ?? 50,
    });
    last = { sot, key, plan };
    waitingNow = new Map(plan.waiting.map((w) => [w.hostId, w.reason]));
    for (const s of plan.start) {
      const wf = sot.workflows.find((w) => w.id === s.workflow)!;
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
          { reason: s.reason, ...(s.role && { role: s.role.name, role_version: s.role.version }) },
        );
        deps.log.info('provisioning started', { host: s.hostId, workflow: wf.id, reason: s.reason, ...(s.role && { role: `${s.role.name}@${s.role.version}` }) });
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
      const rt = deps.store.get('hosts', hostId);
      if (!desiredWorkflow(sot, host, rt?.role, activeVersions().fn)) throw new ApplianceError('CONFLICT', `host "${hostId}" has no workflow or role to provision`);
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
