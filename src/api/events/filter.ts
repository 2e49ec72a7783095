// Which events a client of GET /v1/events wants. Compiled once per connection into a predicate
// over the few fields fan-out keeps per event, so filtering 1,000 clients costs set lookups.
//
// - host: event subjects, exact (host ids; "appliance" selects Corral's own events).
// - site: the site of the event's host (SoT, or the site a discovered machine was seen on);
//   events without a site (appliance events) never match a site filter.
// - type: exact types ("dhcp.offered"), or a prefix ending in ".*" ("dhcp.*" = every type that
//   starts with "dhcp."), or "*" alone for all.
// Values within one list are alternatives (OR); lists given together must all match (AND).
// An empty or missing list does not filter.

import type { PreparedEvent } from './frame.js';

export interface EventFilter {
  host?: string[];
  site?: string[];
  type?: string[];
}

export type EventMatcher = (e: Pick<PreparedEvent, 'subject' | 'type' | 'site'>) => boolean;

/** The predicate, or undefined when the filter lets everything through (the cheap case). */
export function compileFilter(f: EventFilter | undefined): EventMatcher | undefined {
  const hosts = nonEmpty(f?.host);
  const sites = nonEmpty(f?.site);
  const types = compileTypes(nonEmpty(f?.type));
  if (!hosts && !sites && !types) return undefined;
  return (e) => (!hosts || hosts.has(e.subject)) && (!sites || (e.site !== undefined && sites.has(e.site))) && (!types || types(e.type));
}

function nonEmpty(list: string[] | undefined): Set<string> | undefined {
  const values = list?.filter((v) => v !== '');
  return values && values.length > 0 ? new Set(values) : undefined;
}

function compileTypes(types: Set<string> | undefined): ((type: string) => boolean) | undefined {
  if (!types || types.has('*')) return undefined;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const t of types) {
    if (t.endsWith('.*')) prefixes.push(t.slice(0, -1)); // keep the dot: "dhcp.*" is not "dhcpx"
    else exact.add(t);
  }
  if (prefixes.length === 0) return (type) => exact.has(type);
  return (type) => exact.has(type) || prefixes.some((p) => type.startsWith(p));
}
