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
  /** sha256 of the token the check-out is made with (Allocation.tokenHash). */
  tokenHash?: string | undefined;
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
      const ready = readyHosts(store, pools.filter((p) => names.has(p.pool.name)), taken);
      if (ready.length < w.count) throw new ApplianceError('UNAVAILABLE', `pool "${w.name}" has ${ready.length} ready host(s), ${w.count} asked`);
      for (const a of ready.slice(0, w.count)) {
        taken.add(a.hostId);
        const pool = pools.find((p) => p.pool.name === a.pool)!.pool;
        tx.del('allocations', a.id);
        tx.put('allocations', holdId('checkout', a.hostId), { id: holdId('checkout', a.hostId), hostId: a.hostId, kind: 'checkout', pool: pool.name, ...(ask.owner && { owner: ask.owner }), ...(ask.tokenHash && { tokenHash: ask.tokenHash }), tags: {}, createdAt: ask.now, lifetime: pool.defaultLifetime });
        tx.event({ subject: a.hostId, type: 'pool.checkout', at: ask.now, data: { pool: pool.name, requested: w.name, ...(ask.owner && { owner: ask.owner }) } });
        (out[w.name] ??= []).push(a.hostId);
      }
    }
    return out;
  });
}

/**
 * Ready holds of `pools`, oldest ready first. Runs inside the check-out's transaction, which holds
 * up every other store write, and every store read parses a record: each hold and each host is
 * read once (the sort used to read two host records per comparison, ~20,000 parses per check-out
 * from a pool of 1,000). The listing is the committed state and the transaction runs synchronously,
 * so only this transaction's own writes differ from it: those are the hosts in `taken`.
 */
function readyHosts(store: Pick<Store, 'list' | 'get'>, pools: EffectivePool[], taken: Set<string>): Allocation[] {
  const byName = new Map(pools.map((p) => [p.pool.name, p]));
  const out: { a: Allocation; since: number }[] = [];
  for (const a of store.list('allocations')) {
    const p = a.pool === undefined ? undefined : byName.get(a.pool);
    if (!p || phaseOf(a) !== 'pool' || taken.has(a.hostId)) continue;
    const rt = store.get('hosts', a.hostId);
    if (vmState(a, rt, p) === 'ready') out.push({ a, since: rt?.since ?? 0 });
  }
  return out.sort((x, y) => x.since - y.since).map((x) => x.a);
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
