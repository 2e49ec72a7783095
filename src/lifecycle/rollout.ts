// Which hosts may start provisioning now (pure). Auto sites provision hosts that are new, or
// whose fingerprint (what they should run) changed; API requests come first, in order, then
// hosts with an API-assigned role no run was started for (any site mode: the assignment is kept
// in the store, so it outlives a restart). Limits: the boot-storm cap (hosts in early boot stages
// at once), workflow deps max_concurrent, block_deps + min_standing, and max_fail (halts that
// workflow's rollout; explicit requests and role assignments still go).
import type { Host, HostRuntime, ProvisionStage, Sot, Workflow } from '../model/index.js';
import { workflowOf } from '../render/render.js';
import { roleRunPending } from '../roles/assignment.js';

export interface RolloutInput {
  sot: Sot;
  runtime: (hostId: string) => HostRuntime | undefined;
  /** What the host should run as one string (fingerprint.ts), given its runtime record. */
  fingerprint: (host: Host, rt: HostRuntime | undefined) => string | undefined;
  /** The workflow the host should run, given its runtime record; default the SoT's (workflowOf). */
  workflow?: (host: Host, rt: HostRuntime | undefined) => Workflow | undefined;
  /** Hosts asked for by the API, oldest first (any site mode). */
  requested: string[];
  /** Most hosts allowed in the early boot stages (power, dhcp, firmware) at once. */
  stormLimit: number;
}

export interface RolloutPlan {
  /** `role`: the API-assigned role the run is for (the fingerprint names it too). */
  start: { hostId: string; workflow: string; fingerprint?: string; reason: string; role?: { name: string; version: string } }[];
  waiting: { hostId: string; reason: string }[];
  halted: string[];
}

const EARLY: ProvisionStage[] = ['power', 'dhcp', 'firmware'];
const busy = (rt: HostRuntime | undefined) => rt?.state === 'provisioning' || rt?.state === 'reclaiming';

/** Why an auto-site host needs provisioning, or undefined when it does not. */
export function autoReason(host: Host, rt: HostRuntime | undefined, fp: string | undefined): string | undefined {
  if (!fp || host.neverProvision) return undefined;
  const state = rt?.state ?? 'inactive';
  if (state === 'inactive' && !rt?.desiredFingerprint) return 'new in the SoT';
  if (state === 'active' && rt?.appliedFingerprint !== fp) return 'what it should run changed in the SoT';
  if ((state === 'failed' || state === 'inactive') && rt?.desiredFingerprint !== fp) return 'SoT changed since the last attempt';
  return undefined;
}

export function planRollout(input: RolloutInput): RolloutPlan {
  const { sot } = input;
  const plan: RolloutPlan = { start: [], waiting: [], halted: [] };
  const hosts = new Map(sot.hosts.map((h) => [h.id, h]));
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
  const wfOf = new Map<string, string>();
  for (const h of sot.hosts) {
    const wf = workflowFor(h, runtime(h.id));
    if (wf) wfOf.set(h.id, wf.id);
  }
  let early = 0;
  const inFlight = new Map<string, number>();
  const active = new Map<string, number>();
  const failed = new Map<string, number>();
  const members = new Map<string, number>();
  for (const h of sot.hosts) {
    const rt = runtime(h.id);
    const wf = wfOf.get(h.id);
    if (!wf) continue;
    members.set(wf, (members.get(wf) ?? 0) + 1);
    if (busy(rt)) {
      inFlight.set(wf, (inFlight.get(wf) ?? 0) + 1);
      if (rt!.stage && EARLY.includes(rt!.stage)) early++;
    }
    const fp = fingerprint(h);
    if (rt?.state === 'active' && rt.appliedFingerprint === fp) active.set(wf, (active.get(wf) ?? 0) + 1);
    if (rt?.state === 'failed' && rt.desiredFingerprint === fp) failed.set(wf, (failed.get(wf) ?? 0) + 1);
  }
  const workflows = new Map(sot.workflows.map((w) => [w.id, w]));
  for (const w of sot.workflows) {
    if (w.deps.maxFail !== undefined && (failed.get(w.id) ?? 0) >= w.deps.maxFail && w.deps.maxFail > 0) plan.halted.push(w.id);
  }
  /** `explicit`: asked for through the API (a request or a role assignment), so max_fail does not hold it. */
  const candidates: { host: Host; reason: string; explicit: boolean }[] = [];
  const seen = new Set<string>();
  for (const id of input.requested) {
    const h = hosts.get(id);
    if (h && !seen.has(id) && !busy(runtime(id))) {
      candidates.push({ host: h, reason: 'requested', explicit: true });
      seen.add(id);
    }
  }
  const autoSites = new Set(sot.sites.filter((s) => s.mode === 'auto').map((s) => s.id));
  const auto: typeof candidates = [];
  for (const h of sot.hosts) {
    if (seen.has(h.id)) continue;
    const rt = runtime(h.id);
    if (rt?.role && !h.neverProvision && roleRunPending(rt)) {
      candidates.push({ host: h, reason: `role ${rt.role.name} ${rt.role.version} assigned`, explicit: true });
      continue;
    }
    if (!autoSites.has(h.siteId)) continue;
    const reason = autoReason(h, rt, fingerprint(h));
    if (reason) auto.push({ host: h, reason, explicit: false });
  }
  candidates.push(...auto);
  for (const { host, reason, explicit } of candidates) {
    const wfId = wfOf.get(host.id);
    const wf = wfId ? workflows.get(wfId) : undefined;
    if (!wf) {
      plan.waiting.push({ hostId: host.id, reason: 'no workflow or role' });
      continue;
    }
    const blocker = wf.deps.blockDeps.find((d) => (active.get(d) ?? 0) < (workflows.get(d)?.deps.minStanding ?? members.get(d) ?? 0));
    const why =
      !explicit && plan.halted.includes(wf.id)
        ? `rollout of ${wf.id} halted: max_fail ${wf.deps.maxFail} reached`
        : blocker
          ? `waiting for ${blocker} to have ${workflows.get(blocker)?.deps.minStanding ?? members.get(blocker)} active host(s)`
          : wf.deps.maxConcurrent !== undefined && (inFlight.get(wf.id) ?? 0) >= wf.deps.maxConcurrent
            ? `max_concurrent ${wf.deps.maxConcurrent} of ${wf.id} reached`
            : early >= input.stormLimit
              ? `boot storm limit ${input.stormLimit} reached`
              : undefined;
    if (why) {
      plan.waiting.push({ hostId: host.id, reason: why });
      continue;
    }
    early++;
    inFlight.set(wf.id, (inFlight.get(wf.id) ?? 0) + 1);
    const fp = fingerprint(host);
    const role = runtime(host.id)?.role;
    plan.start.push({ hostId: host.id, workflow: wf.id, ...(fp && { fingerprint: fp }), reason, ...(role && { role: { name: role.name, version: role.version } }) });
  }
  return plan;
}
