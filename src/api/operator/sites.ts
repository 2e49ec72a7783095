// Vaquero's hierarchy: sites > clusters > hosts (seed 000 "Using the API").
import { z } from 'zod';
import { ApplianceError } from '../../model/index.js';
import { servedSot, type ApiDeps } from '../deps.js';
import { clusterView, hostView, siteView } from '../views.js';
import { route, type AnyRoute } from '../http/route.js';
import { Id } from '../http/schemas.js';

const SiteParams = z.strictObject({ site: Id });
const ClusterParams = z.strictObject({ site: Id, cluster: Id });

export function sitesRoutes(deps: ApiDeps): AnyRoute[] {
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
  const common = { family: 'operator', access: 'read', tags: ['sites'] } as const;
  return [
    route({ ...common, method: 'get', path: '/v1/sites', summary: 'Sites with subnets, mode, DHCP mode, discovery and host counts', responses: { 200: { description: 'sites' } }, handler: () => servedSot(deps).sites.map((s) => siteView(s, hostCount(s.id))) }),
    route({
      ...common,
      method: 'get',
      path: '/v1/sites/{site}',
      summary: 'One site',
      params: SiteParams,
      responses: { 200: { description: 'the site' }, 404: { description: 'SITE_NOT_FOUND' } },
      handler: ({ params }) => {
        const s = siteOf(params.site);
        return siteView(s, hostCount(s.id));
      },
    }),
    route({
      ...common,
      method: 'get',
      path: '/v1/sites/{site}/clusters',
      summary: "A site's clusters",
      params: SiteParams,
      responses: { 200: { description: 'clusters' }, 404: { description: 'SITE_NOT_FOUND' } },
      handler: ({ params }) => {
        const s = siteOf(params.site);
        return servedSot(deps).clusters.filter((c) => c.siteId === s.id).map(clusterView);
      },
    }),
    route({
      ...common,
      method: 'get',
      path: '/v1/sites/{site}/clusters/{cluster}',
      summary: 'One cluster',
      params: ClusterParams,
      responses: { 200: { description: 'the cluster' }, 404: { description: 'SITE_NOT_FOUND or CLUSTER_NOT_FOUND' } },
      handler: ({ params }) => clusterView(clusterOf(siteOf(params.site).id, params.cluster)),
    }),
    route({
      ...common,
      method: 'get',
      path: '/v1/sites/{site}/clusters/{cluster}/hosts',
      summary: "A cluster's hosts",
      params: ClusterParams,
      responses: { 200: { description: 'hosts' }, 404: { description: 'SITE_NOT_FOUND or CLUSTER_NOT_FOUND' } },
      handler: ({ params }) => {
        const c = clusterOf(siteOf(params.site).id, params.cluster);
        const idx = deps.sot.index();
        return c.hostIds.map((id) => hostView(idx.hostsById.get(id)!, deps.store.get('hosts', id)));
      },
    }),
  ];
}
