// The pool model (seed 003 over bare metal): which SoT hosts a pool may take, what a pool host
// is in vmpooler's words, and the overrides the API makes (kept in the store's `meta`).
//
// A pool holds its hosts as allocations of kind "checkout" (src/plans/holds.ts), so plans,
// clusters and other pools never take them. The allocation id says the phase, as
// "<holder>:<host>" does for every hold:
//   pool:<host>      taken by the pool: being installed (pending) or installed and idle (ready);
//   checkout:<host>  checked out (running), with owner, tags, createdAt = check-out time, lifetime;
//   wipe:<host>      returned or expired (completed): wiped, then installed again or let go.
// Only the pool manager and the check-out routes (src/pools/checkout.ts) write these.
import type { Allocation, Host, HostRuntime, Pool, Sot } from '../model/index.js';
import type { Store } from '../store/store.js';

export type Phase = 'pool' | 'checkout' | 'wipe';
export type VmState = 'pending' | 'ready' | 'running' | 'completed' | 'failed';

export const holdId = (phase: Phase, hostId: string) => `${phase}:${hostId}`;

/** The phase of a pool's allocation, or undefined for holds that are not a pool's. */
export function phaseOf(a: Allocation): Phase | undefined {
  if (a.kind !== 'checkout' || !a.pool) return undefined;
  const p = a.id.slice(0, a.id.indexOf(':'));
  return p === 'pool' || p === 'checkout' || p === 'wipe' ? p : undefined;
}

/** Every pool allocation, by host. */
export function poolHolds(store: Pick<Store, 'list'>): Map<string, Allocation> {
  const out = new Map<string, Allocation>();
  for (const a of store.list('allocations')) if (phaseOf(a)) out.set(a.hostId, a);
  return out;
}

/** Whether `host` (in `sot`) is one a pool's selector takes. Only on-demand sites: an auto site's SoT decides what its hosts run. */
export function inPool(sot: Sot, pool: Pool, host: Host): boolean {
  const s = pool.selector;
  const site = sot.sites.find((x) => x.id === host.siteId);
  if (!site || site.mode !== 'on-demand' || host.neverProvision) return false;
  if (s.sites.length && !s.sites.includes(host.siteId)) return false;
  if (s.clusters.length && !s.clusters.includes(host.clusterId) && !s.clusters.includes(`${host.siteId}/${host.clusterId}`)) return false;
  if (s.hosts.length && !s.hosts.includes(host.id)) return false;
  for (const [k, v] of Object.entries(s.labels)) if (host.labels[k] !== v) return false;
  const hw = host.hardware;
  if (s.minCpuCores !== undefined && (hw.cpuCores ?? 0) < s.minCpuCores) return false;
  if (s.minMemoryBytes !== undefined && (hw.memoryBytes ?? 0) < s.minMemoryBytes) return false;
  if (s.minDiskBytes !== undefined && !hw.disks.some((d) => d.sizeBytes >= s.minDiskBytes!)) return false;
  if (s.firmware !== undefined && hw.firmware !== s.firmware) return false;
  return true;
}

/** Pools a requested name stands for: the pool of that name, else every pool with it as an alias (vmpooler lets an alias fan out). */
export function poolsNamed(sot: Sot, name: string): Pool[] {
  const own = sot.pools.find((p) => p.name === name);
  return own ? [own] : sot.pools.filter((p) => p.aliases.includes(name));
}

// ---- Overrides and settings (meta records) ---------------------------------------------------

export const OVERRIDES_KEY = 'vmpooler:overrides';
export const SETTINGS_KEY = 'vmpooler:settings';

/** What the API changed at run time; it outlives restarts (vmpooler keeps these in redis). */
export interface PoolOverrides {
  size: Record<string, number>;
  /** pool -> workflow id (vmpooler's "template"). */
  template: Record<string, string>;
  /** pool -> epoch ms: hosts made ready before it are wiped and replaced (POST /poolreset). */
  resetAt: Record<string, number>;
}

export function readOverrides(store: Pick<Store, 'get'>): PoolOverrides {
  const o = (store.get('meta', OVERRIDES_KEY) ?? {}) as Partial<PoolOverrides>;
  return { size: { ...o.size }, template: { ...o.template }, resetAt: { ...o.resetAt } };
}

/** vmpooler's `:config:` knobs that apply here; kept in meta so an operator can change them without a restart. */
export interface PoolSettings {
  /** Gates POST/DELETE /config/* and /poolreset (405 when false), as vmpooler's experimental_features. */
  experimentalFeatures: boolean;
  /** Tag keys PUT /vm may set; absent = any key that passes validation. */
  allowedTags?: string[];
  /** POST /ondemandvm refuses more hosts than this in one request (403). */
  maxOndemandPerRequest: number;
  /** An on-demand request not filled by then fails and its hosts are wiped (seconds). */
  ondemandTtl: number;
  /** Installs running at once per pool. */
  maxConcurrentPerPool: number;
  /** The `domain` answered with host names, when the hosts' subnets name none. */
  domain?: string;
}

export const DEFAULT_SETTINGS: PoolSettings = {
  experimentalFeatures: true,
  maxOndemandPerRequest: 10,
  // vmpooler's 5 minutes is for clones; a bare-metal install takes longer.
  ondemandTtl: 2 * 3600,
  maxConcurrentPerPool: 2,
};

export function readSettings(store: Pick<Store, 'get'>): PoolSettings {
  return { ...DEFAULT_SETTINGS, ...(store.get('meta', SETTINGS_KEY) as Partial<PoolSettings> | undefined) };
}

/** A pool as it runs: the SoT's, with the API's overrides. */
export interface EffectivePool {
  pool: Pool;
  size: number;
  /** The workflow its hosts are installed with (the template override, the pool's workflow, or its role's active version's). */
  workflow: string | undefined;
  resetAt: number;
}

export function effectivePools(sot: Sot, o: PoolOverrides, roleWorkflowOf: (role: string) => string | undefined): EffectivePool[] {
  return sot.pools.map((pool) => ({
    pool,
    size: o.size[pool.name] ?? pool.size,
    workflow: o.template[pool.name] ?? pool.workflow ?? (pool.role ? roleWorkflowOf(pool.role) : undefined),
    resetAt: o.resetAt[pool.name] ?? 0,
  }));
}

/** A pool host's vmpooler state, from its hold and its lifecycle. */
export function vmState(a: Allocation, rt: HostRuntime | undefined, p: EffectivePool): VmState {
  const phase = phaseOf(a);
  if (phase === 'checkout') return 'running';
  if (phase === 'wipe') return rt?.state === 'failed' ? 'failed' : 'completed';
  if (!rt) return 'pending';
  if (rt.state === 'failed' || rt.state === 'maintenance') return 'failed';
  if (rt.state === 'active') return rt.workflow === p.workflow && a.createdAt >= p.resetAt ? 'ready' : 'completed';
  if (rt.state === 'reclaiming') return 'completed';
  return 'pending';
}
