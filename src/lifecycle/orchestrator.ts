// The one owner of starting provisioning. Every start — an API request (requestProvision), an
// auto site's reconcile (SoT load, each host outcome, a periodic tick), a machine's own network
// boot (networkBooted) — is decided by the same plan (rollout.ts: the per-host gate, then
// max_fail, block_deps/min_standing, max_concurrent and the boot-storm limit) and started here.
// What a host runs is its API-assigned role's version if it has one (src/roles), else the SoT's
// workflow or role, at the role versions the operator made active (src/roles/versions.ts), or
// the workflow an API request named instead.
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
import { planRollout, type RolloutPlan, type WaitKind } from './rollout.js';
import { gate, idleReason, type GateCode } from './admission.js';
import { isBusy } from './states.js';
import { startRuns } from './start-runs.js';
import { coalesce } from '../lib/coalesce.js';

export interface OrchestratorOptions {
  /** Hosts in early boot stages at once (boot storm control). */
  stormLimit?: number;
  tickMs?: number;
  /**
   * How long a host that network-booted and was told to wait counts as still booting (its iPXE
   * script asks again meanwhile): started within it, it needs no power cycle. Default 90 s, three
   * of boot HTTP's 30 s waits.
   */
  bootingMs?: number;
}

export interface ProvisionOptions {
  /** Run this workflow instead of the host's own (SoT or role); it must be defined in the SoT. */
  workflow?: string;
  /** Why, for the journal (`provision.requested` reason). */
  reason?: string;
}

/** What a host that network-boots is given: its run's script, a wait-and-ask-again, or its next boot device. */
export type BootAnswer = { kind: 'boot'; started: boolean } | { kind: 'wait'; reason: string } | { kind: 'exit'; reason: string };

export interface Orchestrator {
  /** Queues a host for provisioning (API); starts it as soon as the limits allow. */
  requestProvision(hostId: string, opts?: ProvisionOptions): Promise<HostRuntime | undefined>;
  /** Wipes a host by booting `workflow` (default "wipe"); it ends `inactive`, ready for a pool. */
  requestReclaim(hostId: string, workflow?: string): Promise<HostRuntime | undefined>;
  /**
   * A host network-booted by itself and asks what to boot: the same plan decides (docs/lifecycle.md).
   * `lastAsk`: told to wait, it will not ask again (its wait rounds are spent: it boots its next
   * device), so it no longer counts as booting: a later start must power-cycle it.
   */
  networkBooted(hostId: string, opts?: { lastAsk?: boolean }): Promise<BootAnswer>;
  reconcile(): Promise<RolloutPlan | undefined>;
  /** Why queued hosts are waiting. */
  waiting(): Map<string, string>;
  start(): void;
  stop(): void;
}

const CONFLICT_TEXT: Record<GateCode, (id: string, rt: HostRuntime | undefined) => string> = {
  never_provision: (id) => `host "${id}" has never_provision set in the SoT`,
  no_workflow: (id) => `host "${id}" has no workflow or role to provision`,
  busy: (id, rt) => `host "${id}" is already ${rt?.state}`,
  maintenance: (id) => `host "${id}" is in maintenance`,
};

export function createOrchestrator(
  deps: { sot: LiveSot; store: Store; lifecycle: Lifecycle; clock: Clock; log: Logger },
  opts: OrchestratorOptions = {},
): Orchestrator {
  const requested: string[] = [];
  /** A queued request's workflow override (and its fingerprint) and reason. */
  const asks = new Map<string, { override?: { workflow: string; fingerprint?: string | undefined }; reason?: string }>();
  /** Hosts that network-booted and were told to wait, with when they last asked. */
  const booting = new Map<string, number>();
  let waitingNow = new Map<string, { reason: string; kind: WaitKind }>();
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

  const dropRequest = (hostId: string) => {
    const idx = requested.indexOf(hostId);
    if (idx >= 0) requested.splice(idx, 1);
    asks.delete(hostId);
  };

  // The plan is a pure function of (SoT, runtime records, requests, active versions, hosts
  // booting). Every change to a runtime record comes with a journal event, so while the SoT
  // object, the journal position, the requests, the versions and the booting hosts are what the
  // last plan saw, and that plan started nothing, planning again would give the same answer: the
  // periodic tick then costs nothing (at 10,000 hosts a plan holds the event loop for tens of ms).
  let last: { sot: Sot; key: string; plan: RolloutPlan } | undefined;

  async function once(): Promise<RolloutPlan | undefined> {
    const sot = deps.sot.current();
    if (!sot) return undefined;
    const now = deps.clock.now();
    for (const [id, at] of booting) if (now - at > (opts.bootingMs ?? 90_000)) booting.delete(id);
    const versions = activeVersions();
    const bootingNow = new Set(booting.keys());
    const overrides = new Map([...asks].flatMap(([id, a]) => (a.override ? [[id, a.override] as const] : [])));
    const key = `${deps.store.lastSeq()}|${requested.join(',')}|${JSON.stringify([...overrides])}|${versions.key}|${[...bootingNow].join(',')}`;
    if (last && last.sot === sot && last.key === key && last.plan.start.length === 0) return last.plan;
    const plan = planRollout({
      sot,
      runtime: (id) => deps.store.get('hosts', id),
      fingerprint: fingerprintFor(sot, versions),
      workflow: (h, rt) => desiredWorkflow(sot, h, rt?.role, versions.fn),
      requested,
      overrides,
      booting: bootingNow,
      stormLimit: opts.stormLimit ?? 50,
    });
    last = { sot, key, plan };
    waitingNow = new Map(plan.waiting.map((w) => [w.hostId, { reason: w.reason, kind: w.kind }]));
    for (const r of plan.refused) {
      if (!requested.includes(r.hostId)) continue;
      dropRequest(r.hostId);
      deps.log.warn('provisioning request dropped', { host: r.hostId, reason: r.reason });
    }
    const reasons = new Map(plan.start.map((s) => [s.hostId, s.reason === 'requested' && asks.get(s.hostId)?.reason ? `requested: ${asks.get(s.hostId)!.reason}` : s.reason]));
    for (const s of plan.start) {
      dropRequest(s.hostId);
      booting.delete(s.hostId);
    }
    await startRuns(deps, sot, plan.start.map((s) => ({ ...s, reason: reasons.get(s.hostId)! })));
    return plan;
  }

  const orch: Orchestrator = {
    reconcile: coalesce(once),
    async requestProvision(hostId, ask = {}) {
      const sot = deps.sot.current();
      const host = deps.sot.index().hostsById.get(hostId);
      if (!sot || !host) throw new ApplianceError('HOST_NOT_FOUND', `host "${hostId}" not found`);
      const rt = deps.store.get('hosts', hostId);
      const own = desiredWorkflow(sot, host, rt?.role, activeVersions().fn);
      let wf = own;
      let override: { workflow: string; fingerprint?: string | undefined } | undefined;
      if (ask.workflow !== undefined) {
        wf = sot.workflows.find((w) => w.id === ask.workflow);
        if (!wf) throw new ApplianceError('BAD_REQUEST', `workflow "${ask.workflow}" is not defined in the SoT`);
        if (wf.id !== own?.id) {
          // What decides a host's workflow must not undo the run at its next plan: an API role
          // (its run would start again) or an auto site's SoT (it would re-provision the host).
          if (rt?.role) throw new ApplianceError('CONFLICT', `host "${hostId}" has role ${rt.role.name} assigned through the API: it runs that role's workflow (remove the role first)`);
          const mode = sot.sites.find((s) => s.id === host.siteId)?.mode;
          if (mode === 'auto' && own) throw new ApplianceError('CONFLICT', `host "${hostId}" is in auto site ${host.siteId}, whose SoT gives it workflow ${own.id}: change it there`);
          const { role: _role, ...bare } = host;
          override = { workflow: wf.id, fingerprint: desiredFingerprint(sot, { ...bare, workflow: wf.id }) };
        }
      }
      const held = gate(host, rt, wf);
      if (held) throw new ApplianceError('CONFLICT', CONFLICT_TEXT[held.code](hostId, rt));
      if (!requested.includes(hostId)) requested.push(hostId);
      asks.set(hostId, { ...(override && { override }), ...(ask.reason && { reason: ask.reason }) });
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
      // An operator acted: a queued request for the host is superseded by the wipe.
      dropRequest(hostId);
      const checkpoints = wf.boots.map((b) => sot.boots.find((x) => x.id === b)?.checkpoints ?? 1);
      return deps.lifecycle.report(hostId, { type: 'reclaim.requested', workflow: wf.id, boots: wf.boots.length, checkpoints }, { reason: 'requested' });
    },
    async networkBooted(hostId, ask = {}) {
      const sot = deps.sot.current();
      const host = deps.sot.index().hostsById.get(hostId);
      if (!sot || !host) return { kind: 'exit', reason: 'not a host of this appliance' };
      if (isBusy(deps.store.get('hosts', hostId))) return { kind: 'boot', started: false };
      booting.set(hostId, deps.clock.now());
      await orch.reconcile();
      const rt = deps.store.get('hosts', hostId);
      if (isBusy(rt)) return { kind: 'boot', started: true };
      const held = waitingNow.get(hostId);
      // A halted rollout needs an operator or a SoT change, not another ask: the host boots on.
      if (held && held.kind !== 'halted') {
        if (ask.lastAsk) booting.delete(hostId);
        return { kind: 'wait', reason: held.reason };
      }
      booting.delete(hostId);
      if (held) return { kind: 'exit', reason: held.reason };
      const closed = gate(host, rt, desiredWorkflow(sot, host, rt?.role, activeVersions().fn));
      if (closed) return { kind: 'exit', reason: closed.reason };
      return { kind: 'exit', reason: idleReason(rt, sot.sites.find((s) => s.id === host.siteId)?.mode ?? 'on-demand') };
    },
    waiting: () => new Map([...waitingNow].map(([id, w]) => [id, w.reason])),
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
