// Holds: which hosts are taken, and by whom. A host is held by at most one allocation (a plan's
// reservation, a cluster request, a pool check-out, a server); whatever hands out hosts asks
// here first and takes them inside the same store transaction, so two requests can never both
// get one host. Allocation ids are "<holder>:<host>" so a holder's hosts are found by prefix.
import { ApplianceError, type Allocation } from '../model/index.js';
import type { Store, Tx } from '../store/store.js';

type Reader = Pick<Store, 'list'>;

/**
 * Whether a host is free to be placed: nothing holds it and no role was given to it through the
 * API (resmgr's role assignment owns the host while it has the role).
 */
export function freePredicate(store: Pick<Store, 'list' | 'get'>): (hostId: string) => boolean {
  const held = holdsByHost(store);
  return (h) => !held.has(h) && !store.get('hosts', h)?.role;
}

/** host id -> its allocation, for every held host. */
export function holdsByHost(store: Reader): Map<string, Allocation> {
  const out = new Map<string, Allocation>();
  for (const a of store.list('allocations')) out.set(a.hostId, a);
  return out;
}

/** What holds a host, in words (for 409 reasons), or undefined when it is free. */
export function describeHold(a: Allocation | undefined): string | undefined {
  if (!a) return undefined;
  switch (a.kind) {
    case 'plan':
      return `reserved by plan ${a.planId}`;
    case 'cluster':
      return `held by cluster ${a.planId}`;
    case 'checkout':
      return `checked out from pool ${a.pool ?? '?'}${a.owner ? ` by ${a.owner}` : ''}`;
    case 'server':
      return `allocated as a server${a.owner ? ` to ${a.owner}` : ''}`;
  }
}

const holdId = (holder: string, hostId: string) => `${holder}:${hostId}`;

/**
 * Holds `hostIds` for a plan or cluster inside `tx`. Throws CONFLICT (and the transaction
 * applies nothing) when any of them is already held by someone else.
 */
export function holdHosts(tx: Tx, store: Reader, holder: { kind: 'plan' | 'cluster'; planId: string; owner?: string | undefined }, hostIds: string[], now: number): void {
  const held = holdsByHost(store);
  for (const h of hostIds) {
    const a = held.get(h);
    if (a && a.planId !== holder.planId) throw new ApplianceError('CONFLICT', `host ${h} is ${describeHold(a)}`, { host: h });
  }
  for (const h of hostIds) {
    tx.put('allocations', holdId(holder.planId, h), {
      id: holdId(holder.planId, h),
      hostId: h,
      kind: holder.kind,
      planId: holder.planId,
      ...(holder.owner && { owner: holder.owner }),
      tags: {},
      createdAt: now,
      lifetime: 0,
    });
  }
}

/** Releases every host a plan or cluster holds, inside `tx`; returns their ids. */
export function releaseHolds(tx: Tx, store: Reader, planId: string): string[] {
  const released: string[] = [];
  for (const a of store.list('allocations')) {
    if (a.planId !== planId || (a.kind !== 'plan' && a.kind !== 'cluster')) continue;
    tx.del('allocations', a.id);
    released.push(a.hostId);
  }
  return released;
}
