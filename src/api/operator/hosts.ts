// Hosts as the operator sees them (Vaquero's inventory and resmgr's hosts, seed 001): the SoT
// declaration + lifecycle state, filtered and paged, and each host's history.
import { z } from 'zod';
import { ApplianceError, type Host, type HostRuntime, type Sot } from '../../model/index.js';
import { servedSot, type ApiDeps } from '../deps.js';
import { discoveredView, hostView } from '../views.js';
import { route, type AnyRoute } from '../http/route.js';
import { Id, OneOrMany } from '../http/schemas.js';
import { PagingQuery, pageLinks, pageOf } from '../http/paging.js';
import { selectorMatches } from '../../sot/selector.js';

const HostsQuery = z.strictObject({
  site: OneOrMany.optional().describe('only hosts of these sites'),
  cluster: OneOrMany.optional().describe('only hosts of these clusters'),
  state: OneOrMany.optional().describe('lifecycle state (inactive, provisioning, active, failed, reclaiming, maintenance, discovered)'),
  role: OneOrMany.optional().describe('hosts holding this role'),
  label: OneOrMany.optional().describe('key=value label match (repeat for several)'),
  pool: OneOrMany.optional().describe("hosts a pool's selector takes"),
  ...PagingQuery,
});
type HostsFilter = z.output<typeof HostsQuery>;

/** One inventory entry: a SoT host with its runtime record, or a discovered machine. */
export interface Entry {
  id: string;
  host: Host | undefined;
  rt: HostRuntime | undefined;
}

/** SoT hosts in SoT order, then discovered machines; positions for O(1) paging markers. */
function inventory(deps: ApiDeps, sot: Sot): { entries: Entry[]; position: (id: string) => number | undefined } {
  const index = deps.sot.index();
  const entries: Entry[] = sot.hosts.map((h) => ({ id: h.id, host: h, rt: undefined }));
  for (const rt of deps.store.list('hosts')) if (rt.state === 'discovered' && !index.hostsById.has(rt.id)) entries.push({ id: rt.id, host: undefined, rt });
  const pos = positions(sot);
  return { entries, position: (id) => pos.get(id) };
}

const positionCache = new WeakMap<Sot, Map<string, number>>();
function positions(sot: Sot): Map<string, number> {
  let m = positionCache.get(sot);
  if (!m) positionCache.set(sot, (m = new Map(sot.hosts.map((h, i) => [h.id, i]))));
  return m;
}

function roleOf(e: Entry): string | undefined {
  return e.rt?.role?.name ?? e.host?.role?.name;
}

function filterFn(deps: ApiDeps, sot: Sot, q: HostsFilter): ((e: Entry) => boolean) | undefined {
  const tests: ((e: Entry) => boolean)[] = [];
  const rt = (e: Entry) => e.rt ?? deps.store.get('hosts', e.id);
  if (q.site) tests.push((e) => q.site!.includes(e.host?.siteId ?? rt(e)?.discoveredSite ?? ''));
  if (q.cluster) tests.push((e) => !!e.host && q.cluster!.includes(e.host.clusterId));
  if (q.state) tests.push((e) => q.state!.includes(rt(e)?.state ?? 'inactive'));
  if (q.role) tests.push((e) => q.role!.includes(roleOf({ ...e, rt: rt(e) }) ?? ''));
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

export function hostsRoutes(deps: ApiDeps): AnyRoute[] {
  const view = (e: Entry) => (e.host ? hostView(e.host, e.rt ?? deps.store.get('hosts', e.id)) : discoveredView(e.rt!));
  const viewOf = (id: string) => {
    servedSot(deps);
    const h = deps.sot.index().hostsById.get(id);
    if (h) return hostView(h, deps.store.get('hosts', id));
    const rt = deps.store.get('hosts', id);
    if (rt?.state === 'discovered') return discoveredView(rt);
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
        const { entries, position } = inventory(deps, sot);
        const keep = filterFn(deps, sot, query);
        const paged = query.limit !== undefined || query.marker !== undefined;
        if (!paged) return (keep ? entries.filter(keep) : entries).map(view);
        // Unfiltered pages start at the marker's position at once; filtered ones scan.
        const list = keep ? entries.filter(keep) : entries;
        const page = pageOf(list, (e) => e.id, { limit: query.limit ?? 100, marker: query.marker, ...(!keep && { positionOf: position }) });
        return { hosts: page.items.map(view), _links: pageLinks('/v1/hosts', query, page.next) };
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
      handler: ({ params }) => viewOf(params.id),
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
        const h = viewOf(params.id);
        const events = await deps.store.events({ subject: h.id, ...(query.limit !== undefined && { limit: query.limit }) });
        return events.map((e) => ({ seq: e.seq, at: new Date(e.at).toISOString(), type: e.type, ...(e.data && { data: e.data }) }));
      },
    }),
  ];
}
