// Hosts as the operator sees them: SoT declaration + lifecycle state, and their history.
import { Router } from 'express';
import { ApplianceError } from '../../model/index.js';
import { servedSot, type ApiDeps } from '../deps.js';
import { discoveredView, hostView } from '../views.js';

export function hostsRouter(deps: ApiDeps): Router {
  const r = Router();
  /** A SoT host's view, or a discovered machine's. */
  const viewOf = (id: string) => {
    servedSot(deps);
    const h = deps.sot.index().hostsById.get(id);
    if (h) return hostView(h, deps.store.get('hosts', id));
    const rt = deps.store.get('hosts', id);
    if (rt?.state === 'discovered') return discoveredView(rt);
    throw new ApplianceError('HOST_NOT_FOUND', `host "${id}" not found`);
  };

  r.get('/hosts', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const sot = servedSot(deps);
    const index = deps.sot.index();
    let views: ReturnType<typeof viewOf>[] = sot.hosts.map((h) => hostView(h, deps.store.get('hosts', h.id)));
    for (const rt of deps.store.list('hosts')) if (rt.state === 'discovered' && !index.hostsById.has(rt.id)) views.push(discoveredView(rt));
    if (q.site) views = views.filter((v) => v.site === q.site);
    if (q.cluster) views = views.filter((v) => v.cluster === q.cluster);
    if (q.state) views = views.filter((v) => v.state === q.state);
    res.json(views);
  });
  r.get('/hosts/:id', (req, res) => {
    res.json(viewOf(req.params.id));
  });
  r.get('/hosts/:id/events', async (req, res) => {
    const h = viewOf(req.params.id);
    const limitText = typeof req.query.limit === 'string' ? req.query.limit : undefined;
    const limit = limitText === undefined ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new ApplianceError('BAD_REQUEST', 'limit must be a positive integer');
    }
    const events = await deps.store.events({ subject: h.id, ...(limit !== undefined && { limit }) });
    res.json(events.map((e) => ({ seq: e.seq, at: new Date(e.at).toISOString(), type: e.type, ...(e.data && { data: e.data }) })));
  });
  return r;
}
