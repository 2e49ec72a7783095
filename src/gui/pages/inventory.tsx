// Inventory: the site > cluster > host tree and the host table, filtered by state, role, pool,
// label and a search over names, MACs and IPs. Filters run in the browser over the loaded list
// (instant with 10,000 hosts), except pool, which the API resolves (GET /v1/hosts?pool=).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { get } from '../api';
import { hostsState, LIFECYCLE_STATES, rows, type HostRow } from '../hosts';
import { href, useRoute } from '../router';
import { useStore } from '../state';
import { ErrorMsg } from '../components/ui';
import { HostTable } from '../components/vtable';

interface Filters {
  q: string;
  state: string;
  role: string;
  label: string;
  pool: string;
  site: string;
  cluster: string;
}

function Tree({ all, f, set }: { all: HostRow[]; f: Filters; set: (p: Partial<Filters>) => void }) {
  const tree = useMemo(() => {
    const t = new Map<string, Map<string, HostRow[]>>();
    for (const h of all) {
      const s = t.get(h.site) ?? t.set(h.site, new Map()).get(h.site)!;
      (s.get(h.cluster) ?? s.set(h.cluster, []).get(h.cluster)!).push(h);
    }
    return [...t.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [all]);
  return (
    <nav class="tree card" aria-label="Sites and clusters">
      <button class={`link ${!f.site ? 'current' : ''}`} onClick={() => set({ site: '', cluster: '' })}>
        All sites ({all.length})
      </button>
      <ul>
        {tree.map(([site, clusters]) => (
          <li key={site}>
            <button class={`link ${f.site === site && !f.cluster ? 'current' : ''}`} aria-expanded={f.site === site} onClick={() => set({ site, cluster: '' })}>
              {site} ({[...clusters.values()].reduce((n, l) => n + l.length, 0)})
            </button>
            {f.site === site ? (
              <ul>
                {[...clusters.entries()].map(([c, hs]) => (
                  <li key={c}>
                    <button class={`link ${f.cluster === c ? 'current' : ''}`} aria-expanded={f.cluster === c} onClick={() => set({ cluster: c })}>
                      {c} ({hs.length})
                    </button>
                    {f.cluster === c ? (
                      <ul>
                        {hs.slice(0, 40).map((h) => (
                          <li key={h.id}>
                            <a href={href(`/hosts/${encodeURIComponent(h.id)}`)}>{h.name}</a>
                          </li>
                        ))}
                        {hs.length > 40 ? <li class="muted small">… {hs.length - 40} more in the table</li> : null}
                      </ul>
                    ) : null}
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function Inventory() {
  const route = useRoute();
  const hs = useStore(hostsState);
  const [f, setF] = useState<Filters>({ q: '', state: route.query.get('state') ?? '', role: '', label: '', pool: route.query.get('pool') ?? '', site: '', cluster: '' });
  const set = (p: Partial<Filters>) => setF((x) => ({ ...x, ...p }));
  const [poolIds, setPoolIds] = useState<Set<string> | undefined>();
  const [poolError, setPoolError] = useState<unknown>();
  useEffect(() => {
    setPoolError(undefined);
    if (!f.pool.trim()) return setPoolIds(undefined);
    const t = setTimeout(() => {
      get<any[]>(`/v1/hosts?pool=${encodeURIComponent(f.pool.trim())}`).then(
        (list) => setPoolIds(new Set(list.map((h) => h.id))),
        (e) => (setPoolError(e), setPoolIds(new Set())),
      );
    }, 300);
    return () => clearTimeout(t);
  }, [f.pool]);
  const all = useMemo(() => rows(), [hs.version]);
  const roles = useMemo(() => [...new Set(all.map((h) => h.role).filter(Boolean) as string[])].sort(), [all]);
  const shown = useMemo(() => {
    const q = f.q.trim().toLowerCase();
    const [lk, lv] = f.label.includes('=') ? f.label.split('=', 2).map((s) => s.trim()) : [f.label.trim(), undefined];
    return all.filter(
      (h) =>
        (!f.site || h.site === f.site) &&
        (!f.cluster || h.cluster === f.cluster) &&
        (!f.state || h.state === f.state) &&
        (!f.role || h.role === f.role) &&
        (!lk || (lv === undefined ? lk in h.labels : h.labels[lk] === lv)) &&
        (!poolIds || poolIds.has(h.id)) &&
        (!q || h.search.includes(q)),
    );
  }, [all, f, poolIds]);
  return (
    <div class="inventory">
      <h1>Inventory</h1>
      <div class="inv-layout">
        <Tree all={all} f={f} set={set} />
        <div class="inv-main">
          <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
            <label>
              Search
              <input type="search" placeholder="name, MAC or IP" value={f.q} onInput={(e) => set({ q: e.currentTarget.value })} data-testid="filter-q" />
            </label>
            <label>
              State
              <select value={f.state} onChange={(e) => set({ state: e.currentTarget.value })} data-testid="filter-state">
                <option value="">any</option>
                {LIFECYCLE_STATES.map((s) => <option key={s} value={s}>{s}</option>)}
              </select>
            </label>
            <label>
              Role
              <select value={f.role} onChange={(e) => set({ role: e.currentTarget.value })} data-testid="filter-role">
                <option value="">any</option>
                {roles.map((r) => <option key={r} value={r}>{r}</option>)}
              </select>
            </label>
            <label>
              Label
              <input placeholder="rack=r12" value={f.label} onInput={(e) => set({ label: e.currentTarget.value })} data-testid="filter-label" />
            </label>
            <label>
              Pool
              <input placeholder="pool name" value={f.pool} onInput={(e) => set({ pool: e.currentTarget.value })} data-testid="filter-pool" />
            </label>
          </form>
          <p class="small muted" role="status" data-testid="shown-count" data-count={shown.length}>
            {shown.length} of {all.length} hosts{hs.done ? '' : ` (loading… ${hs.loaded} so far)`}
          </p>
          <ErrorMsg error={hs.error ?? poolError} />
          <HostTable hosts={shown} />
        </div>
      </div>
    </div>
  );
}
