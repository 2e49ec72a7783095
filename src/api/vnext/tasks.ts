// vNext server tasks (seed 002): `POST /servers/{id}/tasks {action}` -> 202 with the RUNNING
// task (Location: /v1/server_tasks/{id}); a server's task history; one task and its items.
import { z } from 'zod';
import { route, type AnyRoute } from '../http/route.js';
import { PagingQuery } from '../http/paging.js';
import type { ServerService } from '../../servers/service.js';
import type { ServerActions } from '../../servers/actions.js';
import { POSTABLE } from '../../servers/task-rules.js';
import { taskView } from '../../servers/views.js';
import { ServerId, TaskId, callerOf, vnextPage } from './common.js';

const TaskBody = z.strictObject({
  action: z.string().min(1).max(64).regex(/^[A-Z_]+$/, 'an upper-case vNext action').describe(`${POSTABLE.join(', ')}; other vNext actions answer 400 with why they do not apply to bare metal`),
  image: z.string().min(1).max(253).optional().describe('REBUILD: the SoT workflow to install instead of the current one'),
});

export function taskRoutes(servers: ServerService, actions: ServerActions): AnyRoute[] {
  const common = { family: 'operator', access: 'user', tags: ['vNext servers'] } as const;
  return [
    route({
      ...common,
      method: 'post',
      path: '/v1/servers/{id}/tasks',
      params: ServerId,
      body: TaskBody,
      summary: 'Act on a server: REBOOT, HARD_REBOOT, POWER_ON, POWER_OFF, REBUILD, MOVE, TERMINATE',
      description:
        'Power actions go through the BMC; REBUILD re-provisions the machine (same image or `image`); MOVE provisions another free machine of the same server type and wipes the old one once the new one is active; TERMINATE wipes the machine and then releases it (the server is gone; its tasks stay readable). ' +
        'One task runs per server at a time (409), except TERMINATE, which aborts the running one.',
      responses: {
        202: { description: 'the task, RUNNING' },
        400: { description: 'unknown action, or one with no bare-metal meaning (RESTORE, RESIZE, SNAPSHOT, ...) with why; unknown image' },
        404: { description: 'no such server, or not the caller\'s' },
        409: { description: 'another task is running, the machine is in a run, or no machine is free for a MOVE' },
        503: { description: 'no orchestrator or BMC control in this appliance' },
      },
      handler: async ({ params, body, auth, res }) => {
        const task = await actions.act(params.id, callerOf(auth), body.action, { workflow: body.image });
        res.location(`/v1/server_tasks/${task.id}`);
        return taskView(task);
      },
    }),
    route({
      ...common,
      method: 'get',
      path: '/v1/servers/{id}/tasks',
      params: ServerId,
      query: z.strictObject({ state: z.enum(['RUNNING', 'COMPLETED', 'ABORTED', 'TIMED_OUT']).optional(), ...PagingQuery }),
      summary: "The server's tasks, oldest first",
      responses: { 200: { description: '{tasks: [...], _links}' }, 404: { description: 'no such server' } },
      handler: ({ params, query, auth }) => {
        const all = servers.tasks(params.id, callerOf(auth)).filter((t) => query.state === undefined || t.state === query.state);
        return vnextPage('tasks', `/v1/servers/${params.id}/tasks`, query, all, (t) => t.id, taskView);
      },
    }),
    route({
      ...common,
      method: 'get',
      path: '/v1/server_tasks/{id}',
      params: TaskId,
      summary: 'One server task: state RUNNING, COMPLETED, ABORTED or TIMED_OUT, and its progress items',
      responses: { 200: { description: 'the task' }, 404: { description: 'no such task, or not the caller\'s' } },
      handler: ({ params, auth }) => taskView(servers.task(params.id, callerOf(auth))),
    }),
    route({
      ...common,
      method: 'get',
      path: '/v1/server_tasks/{id}/items',
      params: TaskId,
      summary: "A task's progress items (WAITING, RUNNING, COMPLETED, ABORTED, TIMED_OUT)",
      responses: { 200: { description: '{items: [...]}' }, 404: { description: 'no such task' } },
      handler: ({ params, auth }) => ({ items: taskView(servers.task(params.id, callerOf(auth))).items }),
    }),
  ];
}
