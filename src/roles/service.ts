// resmgr's operations on roles and hosts (seed 001) over Corral's inventory: set a role's active
// version, assign a role to a host (provision it with the role version's workflow), remove it
// (wipe the host back to inactive), delete a host's state. Decisions are made inside one store
// transaction each, so two requests for one host cannot both pass the same check; provisioning
// and wiping go through the orchestrator, the lifecycle's only door.
//
// Where the seed is silent (docs/lifecycle.md, "resmgr surface"):
// - a bare-metal host runs one OS, so it holds one role: a second, different one is a 409;
// - a role the SoT declares on a host (`role:`) is the SoT's: it can be re-applied through the
//   API, not removed, pinned elsewhere or given settings;
// - in an auto site the SoT decides what a host with a `workflow:` runs: a role is refused there;
// - removing a role from a host that is installed or failed wipes it (the "wipe" workflow);
//   from a host never installed it is only forgotten.
import { ApplianceError, type Host, type HostRuntime, type Role, type Sot } from '../model/index.js';
import type { Clock } from '../lib/clock.js';
import type { LiveSot } from '../sot/live.js';
import type { Store, Tx } from '../store/store.js';
import type { Orchestrator } from '../lifecycle/orchestrator.js';
import { desiredFingerprint } from '../lifecycle/fingerprint.js';
import { canonicalJson, roleApplied, roleNamed, roleWorkflow, type RoleAssignment } from './assignment.js';
import { activeVersionFn, effectiveActiveVersion, readOverrides, ROLE_VERSIONS_KEY, withOverride, type EffectiveVersion } from './versions.js';
import { mergeSettings } from './settings.js';
import { describeHold, holdsByHost } from '../plans/holds.js';
import { isBusy } from '../lifecycle/states.js';

export interface RoleServiceDeps {
  sot: LiveSot;
  /** The SoT being served; throws SOT_NOT_LOADED before a first good load. */
  served: () => Sot;
  store: Store;
  clock: Clock;
  orchestrator?: Orchestrator | undefined;
}

/** A SoT host after an operation, or a discovered machine the operation left as it was. */
export type HostOutcome = { host: Host; rt: HostRuntime | undefined; changed: boolean } | { host: undefined; rt: HostRuntime; changed: false };

export interface RoleWithVersion {
  role: Role;
  active: EffectiveVersion;
}

export interface RoleService {
  list(): RoleWithVersion[];
  get(name: string): RoleWithVersion;
  setActiveVersion(name: string, version: string, by?: string): Promise<RoleWithVersion>;
  assign(hostId: string, roleName: string, settings: Record<string, unknown>, by?: string): Promise<HostOutcome>;
  remove(hostId: string, roleName: string, by?: string): Promise<HostOutcome>;
  deleteHost(hostId: string, by?: string): Promise<HostOutcome>;
}

/** The wipe workflow a removed role's host boots (orchestrator.requestReclaim's default). */
const WIPE = 'wipe';


/** resmgr's 409 wording (research/seed-apis.md §3.1), then why, in Corral's words. */
function conflict(verb: 'add' | 'remove', role: string | undefined, hostId: string, reason: string, why: string, rt?: HostRuntime): ApplianceError {
  const what = role === undefined ? `Cannot remove roles from host ${hostId}` : `Cannot ${verb} role ${role} ${verb === 'add' ? 'to' : 'from'} host ${hostId}`;
  return new ApplianceError('CONFLICT', `RoleUpdateConflict: ${what} in the current state. ${why}`, { reason, ...(rt && { state: rt.state }) });
}

/** Why a host in a run or in maintenance cannot change roles now, or undefined. */
function stateConflict(verb: 'add' | 'remove', role: string | undefined, hostId: string, rt: HostRuntime): ApplianceError | undefined {
  if (isBusy(rt)) return conflict(verb, role, hostId, 'busy', `It is ${rt.state}; try again when it is done.`, rt);
  if (rt.state === 'maintenance') return conflict(verb, role, hostId, 'maintenance', 'It is in maintenance.', rt);
  return undefined;
}

const at = (h: Host) => `${h.source.file}:${h.source.line}`;

function freshRecord(id: string, now: number): HostRuntime {
  return { id, state: 'inactive', bootIndex: 0, checkpoint: 0, power: 'unknown', attempts: 0, since: now, updatedAt: now };
}

function withoutRole(rt: HostRuntime, now: number): HostRuntime {
  const out: HostRuntime = { ...rt, updatedAt: now };
  delete out.role;
  return out;
}

export function createRoleService(deps: RoleServiceDeps): RoleService {
  const orchestrator = (): Orchestrator => {
    if (!deps.orchestrator) throw new ApplianceError('UNAVAILABLE', 'the orchestrator is not running in this appliance');
    return deps.orchestrator;
  };

  const withVersion = (role: Role): RoleWithVersion => ({ role, active: effectiveActiveVersion(role, readOverrides(deps.store)[role.name]) });

  const roleOf = (sot: Sot, name: string): Role => {
    const role = roleNamed(sot, name);
    if (!role) throw new ApplianceError('ROLE_NOT_FOUND', `role "${name}" not found`);
    return role;
  };

  /** The SoT host `id`; a discovered machine is returned as its record; else HOST_NOT_FOUND. */
  const hostOf = (id: string): { host: Host; rt: HostRuntime | undefined } | { host: undefined; rt: HostRuntime } => {
    deps.served();
    const host = deps.sot.index().hostsById.get(id);
    const rt = deps.store.get('hosts', id);
    if (host) return { host, rt };
    if (rt?.state === 'discovered') return { host: undefined, rt };
    throw new ApplianceError('HOST_NOT_FOUND', `host "${id}" not found`);
  };

  /** Wipes an installed or failed host (it ends inactive); WIPE must exist in the SoT. */
  const wipe = async (sot: Sot, host: Host, role: string | undefined): Promise<void> => {
    if (!sot.workflows.some((w) => w.id === WIPE)) {
      throw conflict('remove', role, host.id, 'no_wipe_workflow', `Taking it back to inactive wipes it, and the SoT defines no "${WIPE}" workflow.`);
    }
    if (host.neverProvision) throw conflict('remove', role, host.id, 'never_provision', `It has never_provision set in the SoT (${at(host)}).`);
    await orchestrator().requestReclaim(host.id, WIPE);
  };

  /** Forgets the host's API role `name` (if it still has it), journalled. */
  const forget = (hostId: string, name: string | undefined, data: Record<string, unknown>) =>
    deps.store.transact((tx: Tx) => {
      const cur = tx.get('hosts', hostId);
      if (!cur?.role || (name !== undefined && cur.role.name !== name)) return false;
      const now = deps.clock.now();
      tx.put('hosts', hostId, withoutRole(cur, now));
      tx.event({ subject: hostId, type: 'role.removed', at: now, data: { role: cur.role.name, version: cur.role.version, ...data } });
      return true;
    });

  return {
    list() {
      return deps.served().roles.map(withVersion);
    },

    get(name) {
      return withVersion(roleOf(deps.served(), name));
    },

    async setActiveVersion(name, version, by) {
      const sot = deps.served();
      const role = roleOf(sot, name);
      if (!role.versions.some((v) => v.version === version)) {
        throw new ApplianceError('BAD_REQUEST', `role "${name}" has no version "${version.slice(0, 64)}" (it has: ${role.versions.map((v) => v.version).join(', ')})`, { in: 'body', field: 'active_version' });
      }
      await deps.store.transact((tx) => {
        const now = deps.clock.now();
        const overrides = readOverrides(tx);
        const previous = effectiveActiveVersion(role, overrides[name]).version;
        tx.put('meta', ROLE_VERSIONS_KEY, withOverride(sot, overrides, role, version, now, by));
        if (previous !== version) tx.event({ subject: 'appliance', type: 'role.activated', at: now, data: { role: name, version, previous, ...(by && { by }) } });
      });
      // Auto sites re-provision hosts whose SoT `role:` follows the active version.
      void deps.orchestrator?.reconcile();
      return withVersion(role);
    },

    async assign(hostId, roleName, given, by) {
      const sot = deps.served();
      const found = hostOf(hostId);
      const role = roleOf(sot, roleName);
      if (!found.host) throw conflict('add', roleName, hostId, 'discovered', 'It is a discovered machine: declare it in the SoT first.', found.rt);
      const host = found.host;
      if (host.neverProvision) throw conflict('add', roleName, hostId, 'never_provision', `It has never_provision set in the SoT (${at(host)}).`);
      const hold = describeHold(holdsByHost(deps.store).get(hostId));
      if (hold) throw conflict('add', roleName, hostId, 'held', `It is ${hold}.`);
      const orch = orchestrator();
      const versions = readOverrides(deps.store);
      const version = effectiveActiveVersion(role, versions[role.name]).version;
      if (!roleWorkflow(sot, role.name, version)) throw conflict('add', roleName, hostId, 'no_workflow', `Version ${version} of role ${roleName} names no workflow of the SoT.`);
      const ctx: AssignContext = { sot, host, role, version, given, activeVersion: activeVersionFn(versions), now: deps.clock.now(), by };
      const decision = await deps.store.transact((tx) => decideAssignment(tx, ctx));
      if (decision === 'noop') return { host, rt: deps.store.get('hosts', hostId), changed: false };
      const rt = await orch.requestProvision(hostId);
      return { host, rt, changed: true };
    },

    async remove(hostId, roleName, by) {
      const sot = deps.served();
      const found = hostOf(hostId);
      const { host, rt } = found;
      // resmgr answers 200 for a role the host does not have (research/seed-apis.md §3.1): DELETE is idempotent.
      if (!host || !rt) return { ...found, changed: false } as HostOutcome;
      if (!rt.role || rt.role.name !== roleName) {
        if (!rt.role && host.role?.name === roleName) {
          throw conflict('remove', roleName, hostId, 'declared_in_sot', `It is declared in the SoT (${at(host)}): remove it there.`, rt);
        }
        return { host, rt, changed: false };
      }
      const refused = stateConflict('remove', roleName, hostId, rt);
      if (refused) throw refused;
      // Installed or failed part-way: wipe it before it counts as inactive (the seed: "reverts back to inactive").
      const wiping = rt.state === 'active' || rt.state === 'failed';
      if (wiping) await wipe(sot, host, roleName);
      await forget(hostId, roleName, { wiped: wiping, ...(by && { by }) });
      return { host, rt: deps.store.get('hosts', hostId), changed: true };
    },

    async deleteHost(hostId, by) {
      const sot = deps.served();
      const found = hostOf(hostId);
      const { host, rt } = found;
      if (!host || !rt) return { ...found, changed: false } as HostOutcome;
      const refused = stateConflict('remove', undefined, hostId, rt);
      if (refused) throw refused;
      // The seed: valid for a host with a role or an active one; an inactive host is a no-op.
      const wiping = rt.state === 'active' || (!!rt.role && rt.state === 'failed');
      if (!wiping && !rt.role) return { host, rt, changed: false };
      if (wiping) await wipe(sot, host, undefined);
      await forget(hostId, undefined, { wiped: wiping, host_deleted: true, ...(by && { by }) });
      return { host, rt: deps.store.get('hosts', hostId), changed: true };
    },
  };
}

interface AssignContext {
  sot: Sot;
  host: Host;
  role: Role;
  /** The role's active version: what the host is to run. */
  version: string;
  given: Record<string, unknown>;
  activeVersion: (r: Role) => string;
  now: number;
  by: string | undefined;
}

/**
 * Inside the assignment's transaction: refuses (throws) what may not change now, records the new
 * assignment if it differs, and says whether a run is needed. Seed 001's three outcomes: absent ->
 * install; same version installed -> nothing; another version -> update to the active one.
 */
function decideAssignment(tx: Tx, c: AssignContext): 'noop' | 'provision' {
  const { host, role } = c;
  const rt = tx.get('hosts', host.id) ?? freshRecord(host.id, c.now);
  const refused = stateConflict('add', role.name, host.id, rt);
  if (refused) throw refused;
  const current = rt.role?.name ?? host.role?.name;
  if (current !== undefined && current !== role.name) {
    const where = rt.role ? '' : ` (declared in the SoT, ${at(host)})`;
    throw conflict('add', role.name, host.id, 'one_role', `It has role ${current}${where}: a bare-metal host runs one operating system, so it holds one role; remove ${current} first.`, rt);
  }
  if (!rt.role && host.role?.name === role.name) return sotRoleDecision(c.sot, host, rt, role, c.version, c.given, c.activeVersion);
  const site = c.sot.sites.find((s) => s.id === host.siteId);
  if (site?.mode === 'auto' && host.workflow) {
    throw conflict('add', role.name, host.id, 'sot_decides', `Site ${site.id} provisions from the SoT (mode: auto), which gives it workflow ${host.workflow} (${at(host)}): declare the role there instead.`, rt);
  }
  const settings = mergeSettings(role, c.given, rt.role?.name === role.name ? rt.role.settings : undefined);
  const target: RoleAssignment = { name: role.name, version: c.version, ...(Object.keys(settings).length > 0 && { settings }) };
  const same = !!rt.role && canonicalJson(rt.role) === canonicalJson(target);
  if (same && roleApplied(rt)) return 'noop';
  if (!same) {
    tx.put('hosts', host.id, { ...rt, role: target, updatedAt: c.now });
    const data = { role: role.name, version: c.version, ...(rt.role && { previous_version: rt.role.version }), ...(target.settings && { settings: Object.keys(target.settings) }), ...(c.by && { by: c.by }) };
    tx.event({ subject: host.id, type: 'role.assigned', at: c.now, data });
  }
  return 'provision';
}

/**
 * PUT of the role the SoT declares on the host: re-applies it at the active version (seed 001's
 * "updated to the active version"), or does nothing if that is what the host runs. The SoT owns
 * the declaration, so a version it pins and settings (it declares none) cannot be changed here.
 */
function sotRoleDecision(sot: Sot, host: Host, rt: HostRuntime, role: Role, version: string, given: Record<string, unknown>, activeVersion: (r: Role) => string): 'noop' | 'provision' {
  if (Object.keys(given).length > 0) {
    throw conflict('add', role.name, host.id, 'declared_in_sot', `It is declared on the host in the SoT (${at(host)}), which gives it no custom settings: the role's default_settings apply.`, rt);
  }
  if (host.role?.version !== undefined && host.role.version !== version) {
    throw conflict('add', role.name, host.id, 'pinned_in_sot', `The SoT pins it at version ${host.role.version} (${at(host)}), not the active ${version}: change it there.`, rt);
  }
  const applied = rt.state === 'active' && rt.appliedFingerprint !== undefined && rt.appliedFingerprint === desiredFingerprint(sot, host, { activeVersion });
  return applied ? 'noop' : 'provision';
}
