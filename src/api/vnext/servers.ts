// vNext servers (seed 002) over real machines: launch in a project (202 + CREATE task), list
// per project, read (HEAD carries the state headers), rename/retag, console log.
import { z } from 'zod';
import { ApplianceError } from '../../model/index.js';
import { parseSize } from '../../sot/shape.js';
import { servedSot, type ApiDeps } from '../deps.js';
import { route, type AnyRoute } from '../http/route.js';
import { PagingQuery } from '../http/paging.js';
import { runningTask, type ServerService } from '../../servers/service.js';
import { consoleLog } from '../../servers/console.js';
import { serverView, taskView, tagMap, powerState, virtState } from '../../servers/views.js';
import type { Allocation } from '../../model/index.js';
import type { Caller } from '../../servers/service.js';
import { Project, Properties, ServerId, ServerName, Size, Tags, callerOf, vnextPage } from './common.js';

const LaunchBody = z.strictObject({
  name: ServerName,
  server_type: z.string().min(1).max(128).optional().describe('a server type id (GET /v1/server_types)'),
  min_memory: Size.optional(),
  min_disk: Size.optional().describe("all of a machine's disks together"),
  image: z.string().min(1).max(253).optional().describe('the SoT workflow that installs the image'),
  workflow: z.string().min(1).max(253).optional().describe('the same as image, by Corral\'s name'),
  tags: Tags.optional(),
  properties: Properties.optional(),
});

const PatchBody = z.strictObject({ name: ServerName.optional(), tags: Tags.optional(), properties: Properties.optional() });

const size = (v: string | number | undefined, field: string) => {
  if (v === undefined) return undefined;
  const n = parseSize(v);
  if (n === undefined) throw new ApplianceError('BAD_REQUEST', `${field}: "${v}" is not a size (e.g. 64G, 500G, 1T)`, { field });
  return n;
};

export const VIRT_HEADER = 'X-OpenStack-Compute-Server-Virt-State';
export const POWER_HEADER = 'X-OpenStack-Compute-Server-Power-State';

export function serverRoutes(deps: ApiDeps, servers: ServerService): AnyRoute[] {
  const common = { family: 'operator', access: 'user', tags: ['vNext servers'] } as const;
  const view = (a: Allocation, c: Caller) => {
    const host = deps.sot.index().hostsById.get(a.hostId);
    return serverView({ alloc: a, host, rt: deps.store.get('hosts', a.hostId), running: runningTask(deps.store, a.serverId!), elevated: c.admin });
  };
  return [
    route({
      ...common,
      method: 'post',
      path: '/v1/projects/{project}/servers',
      params: z.strictObject({ project: Project }),
      body: LaunchBody,
      summary: 'Launch a server: the planner picks a free machine, which is held and provisioned with the image',
      description:
        '`server_type` (a hardware class) and/or `min_memory`/`min_disk` choose the machine; the smallest that fits is taken. `image` (or `workflow`) names the SoT workflow to install. ' +
        '202 with {server, task}; Location is the CREATE task, which completes when the machine is active. No machine fits: 409 with the reason, nothing held.',
      responses: { 202: { description: '{server, task}' }, 400: { description: 'bad body, unknown image or server type' }, 409: { description: 'no free machine fits (nothing held), or the name is taken in the project' } },
      handler: async ({ params, body, auth, res }) => {
        const c = callerOf(auth);
        if (body.image !== undefined && body.workflow !== undefined && body.image !== body.workflow) throw new ApplianceError('BAD_REQUEST', 'image and workflow name the same thing: give one', { field: 'image' });
        const workflow = body.image ?? body.workflow;
        if (workflow === undefined) throw new ApplianceError('BAD_REQUEST', 'image is required (the SoT workflow to install)', { field: 'image' });
        const { server, task } = await servers.launch(
          params.project,
          { name: body.name, serverType: body.server_type, minMemory: size(body.min_memory, 'min_memory'), minDisk: size(body.min_disk, 'min_disk'), workflow, tags: tagMap(body.tags ?? []), properties: body.properties ?? {} },
          c,
        );
        res.location(`/v1/server_tasks/${task.id}`);
        return { server: view(server, c), task: taskView(task) };
      },
    }),
    route({
      ...common,
      method: 'get',
      path: '/v1/projects/{project}/servers',
      params: z.strictObject({ project: Project }),
      query: z.strictObject({ ...PagingQuery }),
      summary: "The project's servers: the caller's own (an admin's: everyone's)",
      responses: { 200: { description: '{servers: [...], _links: {self, next?}}' }, 400: { description: 'bad limit or marker' } },
      handler: ({ params, query, auth }) => {
        const c = callerOf(auth);
        return vnextPage('servers', `/v1/projects/${params.project}/servers`, query, servers.list(params.project, c), (a) => a.serverId!, (a) => view(a, c));
      },
    }),
    route({
      ...common,
      method: 'get',
      path: '/v1/servers/{id}',
      params: ServerId,
      summary: 'One server (HEAD: only its state, in headers)',
      description: `GET and HEAD carry ${VIRT_HEADER} and ${POWER_HEADER} (vNext's cheap status check) and X-Corral-Lifecycle-State.`,
      responses: { 200: { description: 'the server' }, 404: { description: 'no such server, or not the caller\'s' } },
      handler: ({ params, auth, res }) => {
        const c = callerOf(auth);
        const a = servers.get(params.id, c);
        const rt = deps.store.get('hosts', a.hostId);
        res.set(VIRT_HEADER, virtState(rt, runningTask(deps.store, params.id))).set(POWER_HEADER, powerState(rt)).set('X-Corral-Lifecycle-State', rt?.state ?? 'inactive');
        return view(a, c);
      },
    }),
    route({
      ...common,
      method: 'patch',
      path: '/v1/servers/{id}',
      params: ServerId,
      body: PatchBody,
      summary: 'Rename a server, replace its tags or properties',
      responses: { 200: { description: 'the server' }, 400: { description: 'bad body' }, 404: { description: 'no such server' }, 409: { description: 'the name is taken in the project' } },
      handler: async ({ params, body, auth }) => {
        const c = callerOf(auth);
        const a = await servers.update(params.id, c, { name: body.name, tags: body.tags && tagMap(body.tags), properties: body.properties });
        return view(a, c);
      },
    }),
    route({
      ...common,
      method: 'get',
      path: '/v1/servers/{id}/console_log',
      params: ServerId,
      query: z.strictObject({ lines: z.coerce.number().int().min(1).max(65_536).optional().describe('last lines (default 65536)') }),
      summary: "The machine's serial console (or, without a capture, its journal since the launch)",
      responses: { 200: { description: 'text; X-Console-Source: console or journal', contentType: 'text/plain' }, 404: { description: 'no such server' } },
      handler: async ({ params, query, auth, res }) => {
        const a = servers.get(params.id, callerOf(auth));
        const out = await consoleLog({ store: deps.store, consoleDir: deps.consoleDir }, a, query.lines ?? 65_536);
        res.status(200).set('X-Console-Source', out.source).type('text/plain; charset=utf-8').send(out.text);
        return undefined;
      },
    }),
    route({
      ...common,
      method: 'get',
      path: '/v1/servers',
      query: z.strictObject({ project: Project.optional(), ...PagingQuery }),
      summary: 'Every server the caller may see (an admin: all), optionally of one project',
      responses: { 200: { description: '{servers: [...], _links}' }, 400: { description: 'bad limit or marker' } },
      handler: ({ query, auth }) => {
        const c = callerOf(auth);
        servedSot(deps);
        const all = deps.store
          .list('allocations')
          .filter((a) => a.kind === 'server' && a.pending === undefined && (query.project === undefined || a.project === query.project) && (c.admin || a.owner === c.user))
          .sort((x, y) => x.createdAt - y.createdAt);
        return vnextPage('servers', '/v1/servers', query, all, (a) => a.serverId!, (a) => view(a, c));
      },
    }),
  ];
}
