// Which hosts may start provisioning now (pure): the one decision every start goes through (API
// request, auto-site reconcile, a machine's own network boot; docs/lifecycle.md). Candidates: API
// requests first, in order (a request may name another workflow than the SoT's), then hosts
// with an API-assigned role no run was started for (any site mode: the assignment is kept in the
// store, so it outlives a restart), then, on auto sites, hosts that are new or whose fingerprint
// (what they should run) changed. Every candidate passes the per-host gate (admission.ts), then
// the limits: max_fail (halts that workflow's rollout; explicit requests and role assignments
// still go), block_deps + min_standing, workflow max_concurrent, and the boot-storm cap (hosts
// in early boot stages at once). A host network-booting now goes first within its group: it is
// already on and asking, so starting it costs no power cycle.
import type { Host, HostRuntime, ProvisionStage, Sot, Workflow } from '../model/index.js';
import { workflowOf } from '../render/render.js';
import { roleRunPending } from '../roles/assignment.js';
import { gate } from './admission.js';
import { isBusy } from './states.js';

export interface RolloutInput {
  sot: Sot;
  runtime: (hostId: string) => HostRuntime | undefined;
  /** What the host should run as one string (fingerprint.ts), given its runtime record. */
  fingerprint: (host: Host, rt: HostRuntime | undefined) => string | undefined;
  /** The workflow the host should run, given its runtime record; default the SoT's (workflowOf). */
  workflow?: (host: Host, rt: HostRuntime | undefined) => Workflow | undefined;
  /** Hosts asked for by the API, oldest first (any site mode). */
  requested: string[];
  /** Requested hosts to provision with another workflow than their own (requestProvision's override), with its fingerprint. */
  overrides?: ReadonlyMap<string, { workflow: string; fingerprint?: string | undefined }>;
  /** Hosts network-booting now: started, they need no PXE-once or power cycle. */
  booting?: ReadonlySet<string>;
  /** Most hosts allowed in the early boot stages (power, dhcp, firmware) at once. */
  stormLimit: number;
}

/** Why a candidate waits: `halted` needs an operator (or a SoT change); the others clear by themselves. */
export type WaitKind = 'halted' | 'blocked' | 'max_concurrent' | 'storm';

export interface RolloutPlan {
  /** `role`: the API-assigned role the run is for (the fingerprint names it too). */
  start: { hostId: string; workflow: string; fingerprint?: string; reason: string; role?: { name: string; version: string }; alreadyBooting?: boolean }[];
  waiting: { hostId: string; reason: string; kind: WaitKind }[];
  /** Candidates the gate refuses now (in maintenance, never_provision, no workflow, …); a request among them is dropped. */
  refused: { hostId: string; reason: string }[];
  halted: string[];
}

const EARLY: ProvisionStage[] = ['power', 'dhcp', 'firmware'];

/** Why an auto-site host needs provisioning, or undefined when it does not. */
export function autoReason(host: Host, rt: HostRuntime | undefined, fp: string | undefined): string | undefined {
  if (!fp || host.neverProvision) return undefined;
  const state = rt?.state ?? 'inactive';
  if (state === 'inactive' && !rt?.desiredFingerprint) return 'new in the SoT';
  if (state === 'active' && rt?.appliedFingerprint !== fp) return 'what it should run changed in the SoT';
  if ((state === 'failed' || state === 'inactive') && rt?.desiredFingerprint !== fp) return 'SoT changed since the last attempt';
  return undefined;
}

interface Candidate {
  host: Host;
  reason: string;
  /** Asked for through the API (a request or a role assignment), so max_fail does not hold it. */
  explicit: boolean;
  /** The workflow to run: the request's override, else the host's own. */
  workflow: Workflow;
  /** A request's override: the run is named by the override's fingerprint and is for no role. */
  override?: { fingerprint?: string | undefined };
}

export function planRollout(input: RolloutInput): RolloutPlan {
  const { sot } = input;
  const plan: RolloutPlan = { start: [], waiting: [], refused: [], halted: [] };
  const hosts = new Map(sot.hosts.map((h) => [h.id, h]));
  const workflows = new Map(sot.workflows.map((w) => [w.id, w]));
  // Each record read once: a store read parses it.
  const records = new Map<string, HostRuntime | undefined>();
  const runtime = (id: string) => {
    if (!records.has(id)) records.set(id, input.runtime(id));
    return records.get(id);
  };
  const fingerprints = new Map<string, string | undefined>();
  const fingerprint = (h: Host) => {
    if (!fingerprints.has(h.id)) fingerprints.set(h.id, input.fingerprint(h, runtime(h.id)));
    return fingerprints.get(h.id);
  };
  const workflowFor = input.workflow ?? ((h: Host) => workflowOf(sot, h));
  const wfOf = new Map<string, Workflow>();
  for (const h of sot.hosts) {
    const wf = workflowFor(h, runtime(h.id));
    if (wf) wfOf.set(h.id, wf);
  }
  let early = 0;
  const inFlight = new Map<string, number>();
  const active = new Map<string, number>();
  const failed = new Map<string, number>();
  const members = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const h of sot.hosts) {
    const rt = runtime(h.id);
    const wf = wfOf.get(h.id)?.id;
    if (isBusy(rt)) {
      // A run counts against the workflow it runs (a request's override, a wipe), not the SoT's.
      const running = rt!.workflow ?? wf;
      if (running) bump(inFlight, running);
      if (rt!.stage && EARLY.includes(rt!.stage)) early++;
    }
    if (!wf) continue;
    bump(members, wf);
    const fp = fingerprint(h);
    if (rt?.state === 'active' && rt.appliedFingerprint === fp) bump(active, wf);
    if (rt?.state === 'failed' && rt.desiredFingerprint === fp) bump(failed, wf);
  }
  for (const w of sot.workflows) {
    if (w.deps.maxFail !== undefined && (failed.get(w.id) ?? 0) >= w.deps.maxFail && w.deps.maxFail > 0) plan.halted.push(w.id);
  }

  const booting = input.booting ?? new Set<string>();
  const bootingFirst = (xs: Candidate[]) => [...xs.filter((c) => booting.has(c.host.id)), ...xs.filter((c) => !booting.has(c.host.id))];
  const requested: Candidate[] = [];
  const roles: Candidate[] = [];
  const auto: Candidate[] = [];
  const seen = new Set<string>();
  const noWorkflow = (hostId: string) => plan.refused.push({ hostId, reason: 'no workflow or role' });
  for (const id of input.requested) {
    const h = hosts.get(id);
    if (!h || seen.has(id)) continue;
    seen.add(id);
    const override = input.overrides?.get(id);
    const wf = override ? workflows.get(override.workflow) : wfOf.get(id);
    const held = gate(h, runtime(id), wf);
    if (held) plan.refused.push({ hostId: id, reason: held.reason });
    else requested.push({ host: h, reason: 'requested', explicit: true, workflow: wf!, ...(override && { override: { fingerprint: override.fingerprint } }) });
  }
  const autoSites = new Set(sot.sites.filter((s) => s.mode === 'auto').map((s) => s.id));
  for (const h of sot.hosts) {
    if (seen.has(h.id)) continue;
    const rt = runtime(h.id);
    const wf = wfOf.get(h.id);
    if (rt?.role && !h.neverProvision && roleRunPending(rt)) {
      if (wf) roles.push({ host: h, reason: `role ${rt.role.name} ${rt.role.version} assigned`, explicit: true, workflow: wf });
      else noWorkflow(h.id);
      continue;
    }
    if (!autoSites.has(h.siteId)) continue;
    const reason = autoReason(h, rt, fingerprint(h));
    if (reason && wf && !gate(h, rt, wf)) auto.push({ host: h, reason, explicit: false, workflow: wf });
  }

  for (const { host, reason, explicit, workflow: wf, override } of [...bootingFirst(requested), ...bootingFirst(roles), ...bootingFirst(auto)]) {
    const blocker = wf.deps.blockDeps.find((d) => (active.get(d) ?? 0) < (workflows.get(d)?.deps.minStanding ?? members.get(d) ?? 0));
    const wait = (kind: WaitKind, why: string) => plan.waiting.push({ hostId: host.id, reason: why, kind });
    if (!explicit && plan.halted.includes(wf.id)) wait('halted', `rollout of ${wf.id} halted: max_fail ${wf.deps.maxFail} reached`);
    else if (blocker) wait('blocked', `waiting for ${blocker} to have ${workflows.get(blocker)?.deps.minStanding ?? members.get(blocker)} active host(s)`);
    else if (wf.deps.maxConcurrent !== undefined && (inFlight.get(wf.id) ?? 0) >= wf.deps.maxConcurrent) wait('max_concurrent', `max_concurrent ${wf.deps.maxConcurrent} of ${wf.id} reached`);
    else if (early >= input.stormLimit) wait('storm', `boot storm limit ${input.stormLimit} reached`);
    else {
      early++;
      bump(inFlight, wf.id);
      const fp = override ? override.fingerprint : fingerprint(host);
      const role = override ? undefined : runtime(host.id)?.role;
      plan.start.push({
        hostId: host.id,
        workflow: wf.id,
        ...(fp && { fingerprint: fp }),
        reason,
        ...(role && { role: { name: role.name, version: role.version } }),
        ...(booting.has(host.id) && { alreadyBooting: true }),
      });
    }
  }
  return plan;
}
