// Active role versions set through the API (PUT /v1/roles/{name}, seed 001: "Sets a particular
// version of a role as the active version"). The SoT's roles/*.yml declares each role's
// active_version; an operator's choice is kept in the store's `meta` collection with the SoT's
// active_version it was made against, and wins until the SoT changes its own active_version (the
// newer decision wins): then the override is void, and dropped at the next change.
import type { Role, Sot } from '../model/index.js';
import type { Store } from '../store/store.js';
import type { ActiveVersionOf } from './assignment.js';

/** The `meta` record holding the overrides, by role name. */
export const ROLE_VERSIONS_KEY = 'role-versions';

export interface ActiveVersionOverride {
  version: string;
  /** The SoT's active_version when the override was set. */
  sotVersion: string;
  /** Epoch ms. */
  at: number;
  by?: string;
}

export type ActiveVersionOverrides = Record<string, ActiveVersionOverride>;

/** The overrides as stored; anything malformed is ignored rather than trusted. */
export function readOverrides(store: Pick<Store, 'get'>): ActiveVersionOverrides {
  const raw = store.get('meta', ROLE_VERSIONS_KEY);
  const out: ActiveVersionOverrides = {};
  if (!raw || typeof raw !== 'object') return out;
  for (const [name, o] of Object.entries(raw as Record<string, unknown>)) {
    const v = o as Partial<ActiveVersionOverride> | null;
    if (v && typeof v.version === 'string' && typeof v.sotVersion === 'string' && typeof v.at === 'number') out[name] = v as ActiveVersionOverride;
  }
  return out;
}

export interface EffectiveVersion {
  version: string;
  /** Where it comes from: the SoT's active_version, or an operator's PUT /v1/roles/{name}. */
  source: 'sot' | 'api';
}

/** The role's active version: the override while the SoT still says what it said then, else the SoT's. */
export function effectiveActiveVersion(role: Role, o: ActiveVersionOverride | undefined): EffectiveVersion {
  if (o && o.sotVersion === role.activeVersion && role.versions.some((v) => v.version === o.version)) return { version: o.version, source: 'api' };
  return { version: role.activeVersion, source: 'sot' };
}

export function activeVersionFn(overrides: ActiveVersionOverrides): ActiveVersionOf {
  return (role) => effectiveActiveVersion(role, overrides[role.name]).version;
}

/**
 * The overrides after setting `role`'s active version to `version`: choosing the SoT's own
 * active_version removes the override; overrides the SoT has since voided are dropped.
 */
export function withOverride(sot: Sot, overrides: ActiveVersionOverrides, role: Role, version: string, at: number, by?: string): ActiveVersionOverrides {
  const out: ActiveVersionOverrides = {};
  for (const [name, o] of Object.entries(overrides)) {
    const r = sot.roles.find((x) => x.name === name);
    if (name !== role.name && r && effectiveActiveVersion(r, o).source === 'api') out[name] = o;
  }
  if (version !== role.activeVersion) out[role.name] = { version, sotVersion: role.activeVersion, at, ...(by && { by }) };
  return out;
}
