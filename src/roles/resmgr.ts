// resmgr's view of a host (seed 001, GET /v1/hosts): `state`, `info`, `roles`, `role_status`,
// derived from Corral's lifecycle, never stored apart (docs/lifecycle.md, "resmgr views"). Pure
// functions of (host, runtime record, the host's SoT), so a view built from them may be cached
// per (host object, record), as api/views.ts does.
import type { Host, HostRuntime, LifecycleState, Os, Sot } from '../model/index.js';
import { roleRunPending } from './assignment.js';
import { isBusy } from '../lifecycle/states.js';

/** The 2014 resmgr host state, served as `state` (seed 001); Corral's own is `lifecycle_state`. */
export type ResmgrState = 'inactive' | 'activating' | 'active';

export type RoleStatus = 'ok' | 'converging' | 'retrying' | 'failed';

/** activating = a run (install or wipe) in flight; active = installed; anything else inactive. */
export function resmgrState(state: LifecycleState | undefined): ResmgrState {
  if (isBusy(state)) return 'activating';
  return state === 'active' ? 'active' : 'inactive';
}

/**
 * The roles a host has, in resmgr's sense (associated with it, applied or being applied): its
 * API-assigned role; else the role its SoT declares, once Corral runs or ran it (a declared role
 * on a host never provisioned, or wiped since, is not "assigned": that host is unauthorized).
 */
export function hostRoles(host: Host | undefined, rt: HostRuntime | undefined): string[] {
  if (rt?.role) return [rt.role.name];
  const state = rt?.state ?? 'inactive';
  if (host?.role && state !== 'inactive' && state !== 'discovered') return [host.role.name];
  return [];
}

/**
 * role_status of a host that has a role (resmgr: failed if a role errored, converging while one
 * is in transition, else what the host agent reports):
 * - provisioning: converging on the first attempt, retrying once a boot was retried (attempts > 0);
 * - reclaiming: converging (the role is being taken off);
 * - failed: failed (the run gave up; last_error says why);
 * - active: ok, unless a run for a newly assigned role has yet to start (converging); an older
 *   version stays ok until the role is re-applied, as the seed says of active versions;
 * - inactive, maintenance: converging while a run is pending, ok if an install is held (a host in
 *   maintenance that was active), else converging (the role will be applied when it can start).
 */
export function roleStatus(rt: HostRuntime | undefined): RoleStatus {
  switch (rt?.state) {
    case 'provisioning':
      return rt.attempts > 0 ? 'retrying' : 'converging';
    case 'reclaiming':
      return 'converging';
    case 'failed':
      return 'failed';
    case 'active':
      return roleRunPending(rt) ? 'converging' : 'ok';
    default:
      return rt?.appliedFingerprint && !roleRunPending(rt) ? 'ok' : 'converging';
  }
}

/**
 * Corral has no agent on an installed machine: it hears from one only while booting it (DHCP,
 * TFTP and HTTP fetches, checkpoint callbacks) and from its BMC, and the lifecycle records when
 * it stops hearing (a stage timeout). So a host is not responding once its run gave up (failed),
 * or while a boot is being retried after a timeout and nothing of the new attempt has been heard
 * (attempts > 0, still at the power stage); otherwise it is.
 */
export function responding(rt: HostRuntime | undefined): boolean {
  if (!rt) return true;
  if (rt.state === 'failed') return false;
  return !(isBusy(rt) && rt.attempts > 0 && rt.stage === 'power');
}

/**
 * When the host was last heard of, for a host not responding (the seed: "used when the host is
 * not responding", else null): the record's last change, which for such a host is the lifecycle
 * giving up on it (the timeout or failure). Exact "last packet" times would need the lifecycle to
 * stamp machine-originated events apart.
 */
export function lastResponseTime(rt: HostRuntime | undefined): string | null {
  return rt && !responding(rt) ? new Date(rt.updatedAt).toISOString() : null;
}

/**
 * The OS of the workflow the host runs or last ran (its last boot's: earlier boots of a chain are
 * inventory or burn-in images). None for a host with nothing installed (inactive, discovered).
 */
export function hostOs(sot: Sot | undefined, rt: HostRuntime | undefined): Os | undefined {
  if (!sot || !rt?.workflow || rt.state === 'inactive' || rt.state === 'discovered') return undefined;
  const wf = sot.workflows.find((w) => w.id === rt.workflow);
  const bootId = wf?.boots[wf.boots.length - 1];
  const osId = bootId === undefined ? undefined : sot.boots.find((b) => b.id === bootId)?.os;
  return osId === undefined ? undefined : sot.oses.find((o) => o.id === osId);
}

/** resmgr's os_info ("centos 6.4 Final"): the OS name, version and release name. */
export function osInfo(os: Os): string {
  const version = [os.majorVersion, os.minorVersion].filter((v) => v !== undefined && v !== '').join('.');
  return [os.name, version, os.releaseName].filter((s) => s).join(' ');
}

/** The resmgr fields of a host view, to spread beside Corral's own (api/views.ts). */
export function resmgrHostFields(host: Host | undefined, rt: HostRuntime | undefined, sot: Sot | undefined) {
  const roles = hostRoles(host, rt);
  const os = hostOs(sot, rt);
  const primary = host?.interfaces.find((i) => i.type === 'physical');
  const info = {
    hostname: primary?.hostname ?? host?.name ?? rt?.id ?? null,
    os_family: os?.osFamily ?? null,
    arch: host?.hardware.arch ?? null,
    os_info: os ? osInfo(os) : null,
  };
  // The seed: for unauthorized hosts (no role), responding, last_response_time and role_status are not exposed.
  if (roles.length === 0) return { state: resmgrState(rt?.state), info, roles };
  return {
    state: resmgrState(rt?.state),
    info: { ...info, responding: responding(rt), last_response_time: lastResponseTime(rt) },
    roles,
    role_status: roleStatus(rt),
  };
}
