// Check-out and return (seed 003 POST /vm, DELETE /vm/<hostname>): the only writes the API makes
// to pool holds. A check-out moves ready hosts to "checkout:" all together or not at all, inside
// one store transaction that re-reads every hold (vmpooler's atomically_allocate_vms, without
// its put-back: a throw applies nothing). A return moves a check-out to "wipe:" for the manager.
import { ApplianceError, type Allocation, type Sot } from '../model/index.js';
import type { Store, Tx } from '../store/store.js';
import { roleWorkflow } from '../roles/assignment.js';
import { activeVersionFn, readOverrides as readRoleOverrides } from '../roles/versions.js';
import { effectivePools, holdId, phaseOf, poolsNamed, readOverrides, vmState, type EffectivePool } from './model.js';

/** The pools as they run now (SoT + API overrides + the roles' active versions). */
export function currentPools(sot: Sot, store: Pick<Store, 'get'>): EffectivePool[] {
  const active = activeVersionFn(readRoleOverrides(store));
  return effectivePools(sot, readOverrides(store), (name) => {
    const role = sot.roles.find((r) => r.name === name);
    return role ? roleWorkflow(sot, name, active(role))?.id : undefined;
  });
}

export interface CheckoutAsk {
  /** Requested names (pools or aliases) with counts, in request order. */
  wants: { name: string; count: number }[];
  owner?: string | undefined;
  now: number;
}

/**
 * Checks out hosts: name -> host ids. Throws NOT_FOUND for a name that is no pool or alias,
 * UNAVAILABLE when any name cannot be filled (then nothing is held).
 */
export async function checkOut(store: Store, sot: Sot, ask: CheckoutAsk): Promise<Record<string, string[]>> {
  const pools = currentPools(sot, store);
  for (const w of ask.wants) if (poolsNamed(sot, w.name).length === 0) throw new ApplianceError('NOT_FOUND', `no pool or alias "${w.name}"`);
  return store.transact((tx) => {
    const out: Record<string, string[]> = {};
    const taken = new Set<string>();
    for (const w of ask.wants) {
      const names = new Set(poolsNamed(sot, w.name).map((p) => p.name));
      const ready = readyHosts(store, tx, pools.filter((p) => names.has(p.pool.name)), taken);
      if (ready.length < w.count) throw new ApplianceError('UNAVAILABLE', `pool "${w.name}" has ${ready.length} ready host(s), ${w.count} asked`);
      for (const a of ready.slice(0, w.count)) {
        taken.add(a.hostId);
        const pool = pools.find((p) => p.pool.name === a.pool)!.pool;
        tx.del('allocations', a.id);
        tx.put('allocations', holdId('checkout', a.hostId), { id: holdId('checkout', a.hostId), hostId: a.hostId, kind: 'checkout', pool: pool.name, ...(ask.owner && { owner: ask.owner }), tags: {}, createdAt: ask.now, lifetime: pool.defaultLifetime });
        tx.event({ subject: a.hostId, type: 'pool.checkout', at: ask.now, data: { pool: pool.name, requested: w.name, ...(ask.owner && { owner: ask.owner }) } });
        (out[w.name] ??= []).push(a.hostId);
      }
    }
    return out;
  });
}

/** Ready holds of `pools`, re-read inside the transaction, oldest ready first. */
function readyHosts(store: Pick<Store, 'list' | 'get'>, tx: Tx, pools: EffectivePool[], taken: Set<string>): Allocation[] {
  const out: Allocation[] = [];
  for (const p of pools) {
    for (const a of store.list('allocations')) {
      if (a.pool !== p.pool.name || phaseOf(a) !== 'pool' || taken.has(a.hostId)) continue;
      const now = tx.get('allocations', a.id);
      if (now && vmState(now, store.get('hosts', a.hostId), p) === 'ready') out.push(now);
    }
  }
  return out.sort((x, y) => (store.get('hosts', x.hostId)?.since ?? 0) - (store.get('hosts', y.hostId)?.since ?? 0));
}

/** The check-out holding `hostId`, or undefined. */
export function checkoutOf(store: Pick<Store, 'get'>, hostId: string): Allocation | undefined {
  return store.get('allocations', holdId('checkout', hostId));
}

/** Any pool hold of `hostId` (any phase). */
export function poolHoldOf(store: Pick<Store, 'get'>, hostId: string): Allocation | undefined {
  for (const phase of ['checkout', 'pool', 'wipe'] as const) {
    const a = store.get('allocations', holdId(phase, hostId));
    if (a && phaseOf(a)) return a;
  }
  return undefined;
}

/** Inside `tx`: a check-out goes back to its pool to be wiped (DELETE /vm, expiry, on-demand failure). */
export function returnInTx(tx: Tx, a: Allocation, now: number, why: string): void {
  tx.del('allocations', a.id);
  tx.put('allocations', holdId('wipe', a.hostId), { id: holdId('wipe', a.hostId), hostId: a.hostId, kind: 'checkout', pool: a.pool!, tags: {}, createdAt: now, lifetime: 0 });
  tx.event({ subject: a.hostId, type: 'pool.returned', at: now, data: { pool: a.pool, why, ...(a.owner && { owner: a.owner }) } });
}
