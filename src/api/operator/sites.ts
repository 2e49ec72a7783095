// Vaquero's hierarchy: sites > clusters > hosts (seed 000 "Using the API").
import { Router } from 'express';
import { ApplianceError } from '../../model/index.js';
import { servedSot, type ApiDeps } from '../deps.js';
import { clusterView, hostView, siteView } from '../views.js';

export function sitesRouter(deps: ApiDeps): Router {
  const r = Router();
  const siteOf = (id: string) => {
    const site = servedSot(deps).sites.find((s) => s.id === id);
    if (!site) throw new ApplianceError('SITE_NOT_FOUND', `site "${id}" not found`);
    return site;
  };
  const clusterOf = (siteId: string, id: string) => {
    const c = servedSot(deps).clusters.find((x) => x.siteId === siteId && x.id === id);
    if (!c) throw new ApplianceError('CLUSTER_NOT_FOUND', `cluster "${id}" not found in site "${siteId}"`);
    return c;
  };
  const hostCount = (siteId: string) => servedSot(deps).hosts.filter((h) => h.siteId === siteId).length;

  r.get('/sites', (_req, res) => {
    res.json(servedSot(deps).sites.map((s) => siteView(s, hostCount(s.id))));
  });
  r.get('/sites/:site', (req, res) => {
    const s = siteOf(req.params.site);
    res.json(siteView(s, hostCount(s.id)));
  });
  r.get('/sites/:site/clusters', (req, res) => {
    const s = siteOf(req.params.site);
    res.json(servedSot(deps).clusters.filter((c) => c.siteId === s.id).map(clusterView));
  });
  r.get('/sites/:site/clusters/:cluster', (req, res) => {
    res.json(clusterView(clusterOf(siteOf(req.params.site).id, req.params.cluster)));
  });
  r.get('/sites/:site/clusters/:cluster/hosts', (req, res) => {
    const c = clusterOf(siteOf(req.params.site).id, req.params.cluster);
    const idx = deps.sot.index();
    res.json(c.hostIds.map((id) => hostView(idx.hostsById.get(id)!, deps.store.get('hosts', id))));
  });
  return r;
}
