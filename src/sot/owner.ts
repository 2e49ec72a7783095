// Which loaded SoT a Host object belongs to. Hosts are immutable and every load builds new ones,
// so a host's SoT is fixed for the object's life: a view given only (host, runtime record), as
// api/views.ts hostView is (and its serialised form is cached per host object), can still find
// the workflows and operating systems the host's record names.
import type { Host, Sot } from '../model/index.js';

const owners = new WeakMap<Host, Sot>();

/** Records `sot` as the owner of its hosts (loadSot does this for every SoT it builds). */
export function adoptHosts(sot: Sot): void {
  for (const h of sot.hosts) owners.set(h, sot);
}

/** The SoT `host` was loaded with; undefined for a host built by hand and never adopted. */
export function sotOfHost(host: Host): Sot | undefined {
  return owners.get(host);
}
