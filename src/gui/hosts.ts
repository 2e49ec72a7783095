// The host list, shared by the dashboard and the inventory: loaded page by page (limit/marker)
// so the first hosts show at once even with 10,000, kept slim (what the table, filters and
// counts need), and kept current from the event stream: a host an event names is fetched again
// (batched); a new SoT revision reloads the list.
import { ApiError, get, getPaged } from './api';
import { onEvents, type CorralEvent } from './events';
import { createStore } from './state';

export interface HostRow {
  id: string;
  name: string;
  site: string;
  cluster: string;
  state: string;
  stage: string | null;
  power: string;
  role: string | null;
  workflow: string | null;
  labels: Record<string, string>;
  macs: string[];
  ips: string[];
  lastError: string | null;
  since: string | null;
  /** Lowercase name, MACs and IPs, for the search box. */
  search: string;
}

export const LIFECYCLE_STATES = ['discovered', 'inactive', 'provisioning', 'active', 'failed', 'reclaiming', 'maintenance'] as const;

export function slim(h: any): HostRow {
  const ifs: any[] = h.interfaces ?? [];
  const macs = ifs.map((i) => i.mac).filter(Boolean);
  const ips = ifs.flatMap((i) => [i.ipv4, i.ipv6]).filter(Boolean);
  const role = h.role == null ? null : typeof h.role === 'string' ? h.role : `${h.role.name}${h.role.version ? ` ${h.role.version}` : ''}`;
  return {
    id: h.id,
    name: h.name ?? h.id,
    site: h.site ?? '',
    cluster: h.cluster ?? '',
    state: h.lifecycle_state ?? 'unknown',
    stage: h.stage ?? null,
    power: h.power ?? 'unknown',
    role,
    workflow: h.workflow ?? null,
    labels: h.labels ?? {},
    macs,
    ips,
    lastError: h.last_error ?? null,
    since: h.since ?? null,
    search: [h.name ?? h.id, ...macs, ...ips].join(' ').toLowerCase(),
  };
}

interface HostsState {
  /** Bumped on every change; components re-derive from rows(). */
  version: number;
  loaded: number;
  done: boolean;
  error: string | undefined;
}

export const hostsState = createStore<HostsState>({ version: 0, loaded: 0, done: false, error: undefined });

let byId = new Map<string, HostRow>();
let list: HostRow[] | undefined;
let loading: Promise<void> | undefined;

export function rows(): HostRow[] {
  return (list ??= [...byId.values()]);
}

function changed(): void {
  list = undefined;
  const s = hostsState.get();
  hostsState.set({ version: s.version + 1, loaded: byId.size });
}

/** Loads (or reloads) every host, page by page; the table fills as pages arrive. */
export function loadHosts(force = false): Promise<void> {
  if (loading && !force) return loading;
  const next = new Map<string, HostRow>();
  const first = byId.size === 0;
  hostsState.set({ done: false, error: undefined });
  const run = getPaged<any>('/v1/hosts', 'hosts', (page) => {
    for (const h of page) next.set(h.id, slim(h));
    // A first load shows pages as they come; a reload swaps the list once complete.
    if (first) {
      byId = next;
      changed();
    }
  })
    .then(() => {
      byId = next;
      changed();
      hostsState.set({ done: true });
    })
    .catch((e: unknown) => {
      hostsState.set({ error: e instanceof ApiError ? e.message : String(e), done: true });
      loading = undefined;
    });
  loading = run;
  watch();
  return run;
}

let watching = false;
const pending = new Set<string>();
let flushTimer: ReturnType<typeof setTimeout> | undefined;

function watch(): void {
  if (watching) return;
  watching = true;
  onEvents((events: CorralEvent[]) => {
    for (const e of events) {
      if (e.type === 'sot.loaded') return void loadHosts(true);
      if (e.subject && e.subject !== 'appliance' && !e.subject.includes(':') && (byId.has(e.subject) || e.type === 'host.discovered')) pending.add(e.subject);
    }
    flushTimer ??= setTimeout(flush, 400);
  });
}

/** Fetches the hosts events named; a storm of changes reloads the list instead. */
async function flush(): Promise<void> {
  flushTimer = undefined;
  const ids = [...pending];
  pending.clear();
  if (ids.length === 0) return;
  if (ids.length > 300) return void loadHosts(true);
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      try {
        byId.set(id, slim(await get(`/v1/hosts/${encodeURIComponent(id)}`)));
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) byId.delete(id);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
  changed();
}

export function countByState(all: HostRow[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(LIFECYCLE_STATES.map((s) => [s, 0]));
  for (const h of all) out[h.state] = (out[h.state] ?? 0) + 1;
  return out;
}
