// Which role a host runs, and the workflow that decides (seed 001: "assigning a role = provisioning
// the host with that role's workflow"). A role assigned through the API is kept on the host's
// runtime record (HostRuntime.role: name, the version it was given, custom settings) and wins over
// the SoT's `workflow:`/`role:` for that host until it is removed; otherwise the SoT decides, as
// before. Pure functions of (SoT, host, assignment).
import { createHash } from 'node:crypto';
import type { Host, HostRuntime, Role, Sot, Workflow } from '../model/index.js';

/** A role assigned to a host through the API, as the store keeps it. */
export type RoleAssignment = NonNullable<HostRuntime['role']>;

/** The active version of a role: the SoT's, or an operator's override (versions.ts). */
export type ActiveVersionOf = (role: Role) => string;

export const sotActiveVersion: ActiveVersionOf = (r) => r.activeVersion;

export function roleNamed(sot: Sot, name: string): Role | undefined {
  return sot.roles.find((r) => r.name === name);
}

/** The workflow a version of a role runs (undefined: no such role, version or workflow). */
export function roleWorkflow(sot: Sot, name: string, version: string): Workflow | undefined {
  const id = roleNamed(sot, name)?.versions.find((v) => v.version === version)?.workflow;
  return id ? sot.workflows.find((w) => w.id === id) : undefined;
}

/**
 * What the host should run: its API-assigned role's version, else the SoT's `workflow:`, else the
 * SoT's `role:` at the version it pins or the role's active version. With no assignment and the
 * SoT's active versions this is render.ts workflowOf.
 */
export function desiredWorkflow(sot: Sot, host: Host, assignment?: RoleAssignment, activeVersion: ActiveVersionOf = sotActiveVersion): Workflow | undefined {
  if (assignment) return roleWorkflow(sot, assignment.name, assignment.version);
  if (host.workflow) return sot.workflows.find((w) => w.id === host.workflow);
  if (!host.role) return undefined;
  const role = roleNamed(sot, host.role.name);
  return role ? roleWorkflow(sot, role.name, host.role.version ?? activeVersion(role)) : undefined;
}

/** The SoT's role version for a host that declares `role:` (its pin, else the active version). */
export function sotRoleVersion(sot: Sot, host: Host, activeVersion: ActiveVersionOf = sotActiveVersion): string | undefined {
  if (!host.role) return undefined;
  const role = roleNamed(sot, host.role.name);
  return host.role.version ?? (role ? activeVersion(role) : undefined);
}

/**
 * Names one assignment (role, version, custom settings) in 12 hex characters. A host with an API
 * role gets fingerprints ending in "/<tag>" (fingerprint.ts), so the fingerprint the lifecycle
 * stores when a run starts (desiredFingerprint) and when it succeeds (appliedFingerprint) records
 * which assignment that run was for, durably and across restarts.
 */
export function roleTag(a: RoleAssignment): string {
  return createHash('sha256')
    .update(canonicalJson([a.name, a.version, a.settings ?? {}]))
    .digest('hex')
    .slice(0, 12);
}

export const TAG_SEPARATOR = '/';

/** The fingerprint was computed for this assignment. */
export function fingerprintIsFor(fp: string | undefined, a: RoleAssignment): boolean {
  return fp !== undefined && fp.endsWith(TAG_SEPARATOR + roleTag(a));
}

/** The host runs its API role, at the assigned version and settings (the last run for it succeeded). */
export function roleApplied(rt: HostRuntime | undefined): boolean {
  return !!rt?.role && rt.state === 'active' && fingerprintIsFor(rt.appliedFingerprint, rt.role);
}

/**
 * The host has an API role no run was started for yet: the orchestrator starts one (rollout.ts),
 * in any site mode, so an assignment waiting for a rollout limit survives a restart. A failed run
 * is not retried by itself (no loops), nor is a host in maintenance or in a run.
 */
export function roleRunPending(rt: HostRuntime | undefined): boolean {
  return !!rt?.role && (rt.state === 'inactive' || rt.state === 'active') && !fingerprintIsFor(rt.desiredFingerprint, rt.role);
}

/** JSON with object keys sorted, so equal settings name the same assignment whatever their order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
