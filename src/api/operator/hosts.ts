// Hosts as the operator sees them (Vaquero's inventory and resmgr's hosts, seed 001): the SoT
// declaration + lifecycle state, filtered and paged, and each host's history.
//
// Sized for 10,000 hosts (bench/api.ts): one host or one page costs what it shows, not the
// inventory. Views are kept serialised (views.ts hostViewJson) under the text of the runtime
// record they show, so a cached view costs no parsing; a page reads the records of the hosts it
// shows and no others; the store is searched for discovered machines only when a list reaches
// past the SoT hosts. The unpaged list is gathered a few hundred hosts at a time and written
// 64 KB at a time, giving the event loop back in between, so other requests are not held up
// behind 10 MB of JSON.
import { z } from 'zod';
import { ApplianceError, type Host, type HostRuntime, type Sot } from '../../model/index.js';
import type { Store } from '../../store/store.js';
import { servedSot, type ApiDeps } from '../deps.js';
import { discoveredView, hostViewJson } from '../views.js';
import { route, type AnyRoute } from '../http/route.js';
import { JsonText } from '../http/registry.js';
import { Id, OneOrMany } from '../http/schemas.js';
import { PagingQuery, pageLinks, scanPage, type Listing } from '../http/paging.js';
import { selectorMatches } from '../../sot/selector.js';
import { resmgrState } from '../../roles/resmgr.js';

const HostsQuery = z.strictObject({
  site: OneOrMany.optional().describe('only hosts of these sites'),
  cluster: OneOrMany.optional().describe('only hosts of these clusters'),
  state: OneOrMany.optional().describe("resmgr's state (inactive, activating, active) or a lifecycle state (provisioning, failed, reclaiming, maintenance, discovered, …): a host matches either"),
  lifecycle_state: OneOrMany.optional().describe('lifecycle state only (inactive, provisioning, active, failed, reclaiming, maintenance, discovered)'),
  role: OneOrMany.optional().describe('hosts holding this role'),
  label: OneOrMany.optional().describe('key=value label match (repeat for several)'),
  pool: OneOrMany.optional().describe("hosts a pool's selector takes"),
  ...PagingQuery,
});
type HostsFilter = z.output<typeof HostsQuery>;

/**
 * Hosts of the unpaged list gathered per turn of the event loop: a few hundred µs when their
 * views are cached, a few ms when none is.
 */
const LIST_CHUNK = 500;

/** One inventory entry: a SoT host, or a discovered machine (whose record comes with it). */
interface Entry {
  id: string;
  host: Host | undefined;
  /** The runtime record as the store's text, once read; parsed when a filter needs it. */
  text: string | undefined;
  rt: HostRuntime | undefined;
  read: boolean;
}

/** A host's runtime record as JSON text: the store's own, or (a store without text) serialised here. */
function recordText(store: Store, id: string): string | undefined {
  if (store.getText) return store.getText('hosts', id);
  const rt = store.get('hosts', id);
  return rt === undefined ? undefined : JSON.stringify(rt);
}

/** SoT hosts in SoT order, then discovered machines; each runtime record read once, when needed. */
class Inventory implements Listing<Entry> {
  private found: Entry[] | undefined;

  constructor(
    private readonly deps: ApiDeps,
    readonly sot: Sot,
  ) {}

  at(i: number): Entry | undefined {
    const h = this.sot.hosts[i];
    if (h) return { id: h.id, host: h, text: undefined, rt: undefined, read: false };
    return this.discovered()[i - this.sot.hosts.length];
  }

  positionOf(id: string): number | undefined {
    const p = positions(this.sot).get(id);
    if (p !== undefined) return p;
    const d = this.discovered().findIndex((e) => e.id === id);
    return d < 0 ? undefined : this.sot.hosts.length + d;
  }

  text(e: Entry): string | undefined {
    if (e.read) return e.text;
    e.text = recordText(this.deps.store, e.id);
    e.read = true;
    return e.text;
  }

  rt(e: Entry): HostRuntime | undefined {
    if (e.rt === undefined && this.text(e) !== undefined) e.rt = JSON.parse(e.text!) as HostRuntime;
    return e.rt;
  }

  /**
   * Machines the SoT does not list, in store order. Finding them parses every host record (10,000
   * take ~20 ms), so first the records are counted: host records are never deleted, so when the
   * store holds no more than the SoT hosts that have one, there is nothing else to find. Counting
   * needs the store's text (no parsing); without it, the search is all there is.
   */
  private discovered(): Entry[] {
    if (this.found) return this.found;
    const store = this.deps.store;
    if (store.getText) {
      let sotRecords = 0;
      for (const h of this.sot.hosts) if (store.getText('hosts', h.id) !== undefined) sotRecords++;
      if (store.count('hosts') === sotRecords) return (this.found = []);
    }
    // This SoT's hosts, not the served one's: the unpaged list spans turns, and a reload may come.
    const inSot = positions(this.sot);
    this.found = [];
    for (const rt of store.list('hosts')) {
      if (rt.state === 'discovered' && !inSot.has(rt.id)) this.found.push({ id: rt.id, host: undefined, text: undefined, rt, read: true });
    }
    return this.found;
  }
}

const positionCache = new WeakMap<Sot, Map<string, number>>();
function positions(sot: Sot): Map<string, number> {
  let m = positionCache.get(sot);
  if (!m) positionCache.set(sot, (m = new Map(sot.hosts.map((h, i) => [h.id, i]))));
  return m;
}

function viewJson(inv: Inventory, e: Entry): string {
  return e.host ? hostViewJson(e.host, inv.text(e)) : JSON.stringify(discoveredView(e.rt!));
}

function filterFn(inv: Inventory, sot: Sot, q: HostsFilter): ((e: Entry) => boolean) | undefined {
  const tests: ((e: Entry) => boolean)[] = [];
  if (q.site) tests.push((e) => q.site!.includes(e.host?.siteId ?? inv.rt(e)?.discoveredSite ?? ''));
  if (q.cluster) tests.push((e) => !!e.host && q.cluster!.includes(e.host.clusterId));
  if (q.state) {
    tests.push((e) => {
      const st = inv.rt(e)?.state ?? 'inactive';
      return q.state!.includes(st) || q.state!.includes(resmgrState(st));
    });
  }
  if (q.lifecycle_state) tests.push((e) => q.lifecycle_state!.includes(inv.rt(e)?.state ?? 'inactive'));
  if (q.role) tests.push((e) => q.role!.includes(inv.rt(e)?.role?.name ?? e.host?.role?.name ?? ''));
  if (q.label) {
    const pairs = q.label.map((l) => {
      const i = l.indexOf('=');
      if (i <= 0) throw new ApplianceError('BAD_REQUEST', `label filter "${l.slice(0, 64)}" must be key=value`, { field: 'label' });
      return [l.slice(0, i), l.slice(i + 1)] as const;
    });
    tests.push((e) => !!e.host && pairs.every(([k, v]) => e.host!.labels[k] === v));
  }
  if (q.pool) {
    const pools = q.pool.map((name) => {
      const p = sot.pools.find((x) => x.name === name || x.aliases.includes(name));
      if (!p) throw new ApplianceError('NOT_FOUND', `pool "${name.slice(0, 64)}" not found`);
      return p;
    });
    tests.push((e) => !!e.host && pools.some((p) => selectorMatches(e.host!, p.selector)));
  }
  return tests.length ? (e) => tests.every((t) => t(e)) : undefined;
}

/**
 * Every entry `keep` accepts, as the pieces of a JSON array: the views themselves (kept by
 * views.ts, so nothing is copied here) with the brackets and commas between them.
 */
async function listAll(inv: Inventory, keep: ((e: Entry) => boolean) | undefined): Promise<JsonText> {
  const parts = ['['];
  for (let i = 0, e = inv.at(0); e !== undefined; e = inv.at(++i)) {
    if (!keep || keep(e)) {
      if (parts.length > 1) parts.push(',');
      parts.push(viewJson(inv, e));
    }
    if (i % LIST_CHUNK === LIST_CHUNK - 1) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  parts.push(']');
  return new JsonText(parts);
}

export function hostsRoutes(deps: ApiDeps): AnyRoute[] {
  /** The SoT host or discovered machine `id`, as its view's JSON; 404 otherwise. */
  const viewOf = (id: string): string => {
    servedSot(deps);
    const host = deps.sot.index().hostsById.get(id);
    const text = recordText(deps.store, id);
    if (host) return hostViewJson(host, text);
    const rt = text === undefined ? undefined : (JSON.parse(text) as HostRuntime);
    if (rt?.state === 'discovered') return JSON.stringify(discoveredView(rt));
    throw new ApplianceError('HOST_NOT_FOUND', `host "${id}" not found`);
  };
  return [
    route({
      method: 'get',
      path: '/v1/hosts',
      family: 'operator',
      access: 'read',
      tags: ['hosts'],
      summary: 'Hosts: SoT declaration, lifecycle, resmgr state and roles',
      description: 'Without limit/marker: every matching host as an array (resmgr\'s shape). With limit or marker: {"hosts": [...], "_links": {"self", "next"}}.',
      query: HostsQuery,
      responses: { 200: { description: 'hosts (array, or a page object when paged)' } },
      handler: ({ query }) => {
        const sot = servedSot(deps);
        const inv = new Inventory(deps, sot);
        const keep = filterFn(inv, sot, query);
        const paged = query.limit !== undefined || query.marker !== undefined;
        if (!paged) return listAll(inv, keep);
        const page = scanPage(inv, (e) => e.id, { limit: query.limit ?? 100, marker: query.marker, keep });
        const parts = ['{"hosts":['];
        for (const e of page.items) parts.push(parts.length > 1 ? ',' : '', viewJson(inv, e));
        parts.push(`],"_links":${JSON.stringify(pageLinks('/v1/hosts', query, page.next))}}`);
        return new JsonText(parts);
      },
    }),
    route({
      method: 'get',
      path: '/v1/hosts/{id}',
      family: 'operator',
      access: 'read',
      tags: ['hosts'],
      summary: 'One host',
      params: z.strictObject({ id: Id }),
      responses: { 200: { description: 'the host' }, 404: { description: 'HOST_NOT_FOUND' } },
      handler: ({ params }) => new JsonText(viewOf(params.id)),
    }),
    route({
      method: 'get',
      path: '/v1/hosts/{id}/events',
      family: 'operator',
      access: 'read',
      tags: ['hosts'],
      summary: "A host's history, oldest first",
      params: z.strictObject({ id: Id }),
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(100_000).optional().describe('newest N events') }),
      responses: { 200: { description: '[{seq, at, type, data?}]' }, 404: { description: 'HOST_NOT_FOUND' } },
      handler: async ({ params, query }) => {
        viewOf(params.id);
        // `limit`: the newest N (a host's recent boots), still oldest first.
        const events = await deps.store.events({ subject: params.id, ...(query.limit !== undefined && { limit: query.limit, newest: true }) });
        return events.map((e) => ({ seq: e.seq, at: new Date(e.at).toISOString(), type: e.type, ...(e.data && { data: e.data }) }));
      },
    }),
  ];
}
