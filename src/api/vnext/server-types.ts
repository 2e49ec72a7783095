// `GET /v1/server_types[/{id}]` (seed 002 flavors): the inventory's hardware classes with how
// many machines of each could be allocated now (src/servers/server-types.ts).
import { z } from 'zod';
import { ApplianceError } from '../../model/index.js';
import { servedSot, type ApiDeps } from '../deps.js';
import { route, type AnyRoute } from '../http/route.js';
import { PagingQuery } from '../http/paging.js';
import { serverTypes } from '../../servers/server-types.js';
import { placeablePredicate } from '../../plans/placeable.js';
import { serverTypeView } from '../../servers/views.js';
import { vnextPage } from './common.js';

export function serverTypeRoutes(deps: ApiDeps): AnyRoute[] {
  const types = () => {
    const sot = servedSot(deps);
    return serverTypes(sot, placeablePredicate(sot, deps.store));
  };
  const common = { family: 'operator', access: 'user', tags: ['vNext servers'] } as const;
  return [
    route({
      ...common,
      method: 'get',
      path: '/v1/server_types',
      summary: 'Server types: the hardware classes of the inventory, with free counts',
      description: 'One type per set of hardware facts (cpu cores, memory, all disks together, arch, GPUs): id c8-m64g-d500g. `free` counts machines that could be allocated now (not held, in an on-demand site, not in a run or maintenance). Smallest first; paged with limit/marker.',
      query: z.strictObject({ ...PagingQuery }),
      responses: { 200: { description: '{server_types: [{id, name, spec: {cpu_units, memory_mb, root_disk_gb}, arch, gpus, hosts, free, sites, pools, _links}], _links}' }, 400: { description: 'bad limit or marker' } },
      handler: ({ query }) => vnextPage('server_types', '/v1/server_types', query, types(), (t) => t.id, serverTypeView),
    }),
    route({
      ...common,
      method: 'get',
      path: '/v1/server_types/{id}',
      params: z.strictObject({ id: z.string().min(1).max(128) }),
      summary: 'One server type',
      responses: { 200: { description: 'the server type' }, 404: { description: 'no such hardware class' } },
      handler: ({ params }) => {
        const t = types().find((x) => x.id === params.id);
        if (!t) throw new ApplianceError('NOT_FOUND', `server type ${params.id} not found`);
        return serverTypeView(t);
      },
    }),
  ];
}
