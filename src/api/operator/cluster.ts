// Vaquero's cluster request (seed 000): ask for N machines by size, get a cluster resource whose
// status follows its hosts to active. The planner picks the hosts (src/plans/cluster.ts).
import { z } from 'zod';
import { ApplianceError } from '../../model/index.js';
import { parseSize } from '../../sot/shape.js';
import { servedSot, type ApiDeps } from '../deps.js';
import { route, type AnyRoute } from '../http/route.js';
import { Id } from '../http/schemas.js';
import { createClusterService } from '../../plans/cluster.js';
import { workerSolver } from '../../plans/run-solver.js';

/** "64G", "500GB", "1T", or a number of GiB (as the SoT reads sizes). */
const Size = z.union([z.string().max(32), z.number().nonnegative()]).describe('"64G", "500G", "1T"; a bare number is GiB');
const Count = z.union([z.number().int().min(1).max(1000), z.string().regex(/^\d{1,4}$/).transform(Number)]);

const ClusterBody = z.strictObject({
  hosts: Count.describe('how many machines'),
  min_memory: Size.optional(),
  min_disk: Size.optional().describe('all of a host\'s disks together'),
  workflow: Id.describe('the SoT workflow to provision them with'),
  site: Id.optional(),
  labels: z.record(z.string().max(253), z.string().max(253)).optional().describe('host labels that must match'),
  anti_affinity: z.enum(['rack', 'cluster', 'site']).optional().describe('no two hosts in one rack / cluster / site'),
  name: z.string().max(128).regex(/^[A-Za-z0-9._~-]+$/).optional(),
});

const ClusterId = z.strictObject({ id: Id });

function size(v: string | number | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  const n = parseSize(v);
  if (n === undefined) throw new ApplianceError('BAD_REQUEST', `${field}: "${v}" is not a size (e.g. 64G, 500G, 1T)`);
  return n;
}

export function clusterRoutes(deps: ApiDeps): AnyRoute[] {
  const clusters = createClusterService({ store: deps.store, clock: deps.clock, log: deps.log.child({ component: 'cluster' }), served: () => servedSot(deps), solver: workerSolver, orchestrator: deps.orchestrator });
  const common = { family: 'operator', tags: ['clusters (Vaquero)'] } as const;
  return [
    route({
      ...common,
      method: 'post',
      path: '/v1/cluster',
      access: 'user',
      summary: 'Ask for N machines by size; they are reserved and provisioned with the workflow',
      description:
        'The planner picks free hosts meeting min_memory/min_disk (and site, labels, anti_affinity), preferring the smallest that fit; they are held (no plan, pool, role or check-out takes them) and provisioned. ' +
        'Not enough hosts: 409 with the reason, nothing held. Poll GET /v1/cluster/{id}: status provisioning -> active (or failed).',
      body: ClusterBody,
      responses: { 201: { description: '{id, name, status, workflow, hosts: [{id, state, stage}], created_at, plan}' }, 400: { description: 'bad body, unknown workflow' }, 409: { description: 'not enough free hosts fit; nothing held' } },
      handler: async ({ body, auth, res }) => {
        const view = await clusters.create(
          { hosts: body.hosts, minMemory: size(body.min_memory, 'min_memory'), minDisk: size(body.min_disk, 'min_disk'), workflow: body.workflow, site: body.site, labels: body.labels, antiAffinity: body.anti_affinity, name: body.name },
          auth?.user,
        );
        res.location(`/v1/cluster/${view.id}`);
        return view;
      },
    }),
    route({ ...common, method: 'get', path: '/v1/cluster', access: 'read', summary: 'Every cluster request', responses: { 200: { description: '[cluster]' } }, handler: () => clusters.list() }),
    route({
      ...common,
      method: 'get',
      path: '/v1/cluster/{id}',
      access: 'read',
      params: ClusterId,
      summary: 'One cluster: its hosts and their lifecycle',
      responses: { 200: { description: 'the cluster' }, 404: { description: 'no such cluster' } },
      handler: ({ params }) => clusters.get(params.id),
    }),
    route({
      ...common,
      method: 'delete',
      path: '/v1/cluster/{id}',
      access: 'user',
      params: ClusterId,
      summary: 'Release the cluster\'s hosts (they keep what they run; reclaim them to wipe)',
      responses: { 200: { description: '{ok: true, released: [...]}' }, 404: { description: 'no such cluster' } },
      handler: async ({ params }) => {
        const before = clusters.get(params.id);
        await clusters.remove(params.id);
        return { ok: true, released: before.hosts.map((h) => h.id) };
      },
    }),
  ];
}
