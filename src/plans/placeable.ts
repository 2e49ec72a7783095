// Which hosts the API may place something new on (a cluster request, a vNext server, a pool):
// free (nothing holds them, no role given through the API) and provisionable on request — in an
// on-demand site (an auto site's hosts run what the SoT says), not never_provision, not in
// maintenance, not in a run.
import type { HostRuntime, Sot } from '../model/index.js';
import type { Store } from '../store/store.js';
import { isBusy } from '../lifecycle/states.js';
import { freePredicate } from './holds.js';

export function provisionable(sot: Sot): (hostId: string, rt: HostRuntime | undefined) => boolean {
  const onDemand = new Set(sot.sites.filter((s) => s.mode === 'on-demand').map((s) => s.id));
  const hosts = new Map(sot.hosts.map((h) => [h.id, h]));
  return (id, rt) => {
    const h = hosts.get(id);
    return !!h && onDemand.has(h.siteId) && !h.neverProvision && rt?.state !== 'maintenance' && !isBusy(rt);
  };
}

/** Free and provisionable, as one predicate over host ids. */
export function placeablePredicate(sot: Sot, store: Pick<Store, 'list' | 'get'>): (hostId: string) => boolean {
  const free = freePredicate(store);
  const ok = provisionable(sot);
  return (h) => free(h) && ok(h, store.get('hosts', h));
}
