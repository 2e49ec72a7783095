// vNext servers over real machines (seed 002). A server is an allocation of one physical host
// (kind 'server', src/plans/holds.ts: one holder per host) to the user whose token launched it,
// in a project. Corral has no project model: `project` is a namespace the caller picks; servers
// are listed per project, seen and acted on by their owner, and by admins.
//
// Launching places the server with the planner (placement.ts), holds the machine and stores the
// CREATE task in one transaction that re-checks the machine is free, then asks the orchestrator
// to provision it. Anything refused before provisioning starts undoes both: all or nothing.
import { randomUUID } from 'node:crypto';
import { ApplianceError, type Allocation, type Sot, type Task } from '../model/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { Store } from '../store/store.js';
import type { Orchestrator } from '../lifecycle/orchestrator.js';
import type { PowerPort } from '../lifecycle/power-effects.js';
import type { Lifecycle } from '../lifecycle/runner.js';
import type { SolverRunner } from '../plans/run-solver.js';
import { describeHold, holdsByHost } from '../plans/holds.js';
import { placeOne, type PlaceRequest } from './placement.js';
import { serverTypeId } from './server-types.js';
import { newTask } from './task-rules.js';
import { serverHoldId } from './follow-up.js';
import type { TaskTracker } from './tracker.js';

export interface ServerDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  served: () => Sot;
  solver: SolverRunner;
  tracker: TaskTracker;
  orchestrator?: Orchestrator | undefined;
  power?: PowerPort | undefined;
  lifecycle?: Lifecycle | undefined;
}

export interface Caller {
  user: string;
  admin: boolean;
}

export interface LaunchRequest {
  name: string;
  serverType?: string | undefined;
  minMemory?: number | undefined;
  minDisk?: number | undefined;
  /** The SoT workflow (vNext "image") to provision with. */
  workflow: string;
  tags: Record<string, string>;
  properties: Record<string, string>;
}

export const canSee = (a: Pick<Allocation, 'owner'>, c: Caller) => c.admin || a.owner === c.user;

/** The server's own allocation (not a MOVE's target), if any. */
export function serverAllocation(store: Pick<Store, 'list'>, id: string): Allocation | undefined {
  return store.list('allocations').find((a) => a.kind === 'server' && a.serverId === id && a.pending === undefined);
}

/** The server, or NOT_FOUND: vNext answers 404 for what the caller may not see, too. */
export function visibleServer(store: Pick<Store, 'list'>, id: string, c: Caller): Allocation {
  const a = serverAllocation(store, id);
  if (!a || !canSee(a, c)) throw new ApplianceError('NOT_FOUND', `server ${id} not found`);
  return a;
}

export function runningTask(store: Pick<Store, 'list'>, serverId: string): Task | undefined {
  return store.list('tasks').find((t) => t.subject === serverId && t.state === 'RUNNING');
}

/** Checks that a workflow exists (vNext: a reference to a missing entity is a 400). */
export function checkWorkflow(sot: Sot, id: string): void {
  if (!sot.workflows.some((w) => w.id === id)) throw new ApplianceError('BAD_REQUEST', `image "${id}" is not a workflow of the SoT (an image names the SoT workflow that installs it)`, { field: 'image' });
}

/**
 * Places and holds one machine for `serverId` in a transaction that re-checks it is free; a
 * request that lost the machine to another one between placement and hold is placed once more.
 * `write` adds the rest of the transaction (allocation and task).
 */
export async function takeMachine(deps: ServerDeps, sot: Sot, req: PlaceRequest, write: (tx: Parameters<Parameters<Store['transact']>[0]>[0], hostId: string) => void): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const hostId = await placeOne(sot, deps.store, deps.solver, req);
    try {
      await deps.store.transact((tx) => {
        const held = holdsByHost(deps.store).get(hostId);
        if (held) throw new ApplianceError('CONFLICT', `host ${hostId} is ${describeHold(held)}`, { host: hostId, raced: true });
        write(tx, hostId);
      });
      return hostId;
    } catch (e) {
      if (attempt === 0 && e instanceof ApplianceError && e.details?.raced) continue;
      throw e;
    }
  }
}

export function createServerService(deps: ServerDeps) {
  return {
    async launch(project: string, req: LaunchRequest, c: Caller): Promise<{ server: Allocation; task: Task }> {
      const sot = deps.served();
      checkWorkflow(sot, req.workflow);
      const orch = deps.orchestrator;
      if (!orch) throw new ApplianceError('UNAVAILABLE', 'the orchestrator is not running in this appliance');
      if (req.serverType !== undefined && !sot.hosts.some((h) => serverTypeId(h) === req.serverType)) {
        throw new ApplianceError('BAD_REQUEST', `server type "${req.serverType}" is not a hardware class of the inventory (GET /v1/server_types)`, { field: 'server_type' });
      }
      const id = randomUUID();
      const now = deps.clock.now();
      let server!: Allocation;
      let task!: Task;
      const typeOf = new Map(sot.hosts.map((h) => [h.id, serverTypeId(h)]));
      await takeMachine(deps, sot, { serverType: req.serverType, minMemory: req.minMemory, minDisk: req.minDisk, workflow: req.workflow }, (tx, hostId) => {
        // vNext: a hostname is unique in its project.
        const clash = deps.store.list('allocations').find((a) => a.kind === 'server' && a.project === project && a.name === req.name && a.pending === undefined);
        if (clash) throw new ApplianceError('CONFLICT', `project ${project} already has a server named ${req.name}`, { field: 'name' });
        server = {
          id: serverHoldId(id, hostId),
          hostId,
          kind: 'server',
          serverId: id,
          owner: c.user,
          project,
          name: req.name,
          serverTypeId: typeOf.get(hostId) ?? req.serverType ?? '',
          workflow: req.workflow,
          tags: req.tags,
          properties: req.properties,
          createdAt: now,
          lifetime: 0,
        };
        task = newTask({ id: randomUUID(), action: 'CREATE', serverId: id, hostId, owner: c.user, project, now, workflow: req.workflow });
        tx.put('allocations', server.id, server);
        tx.put('tasks', task.id, task);
        tx.event({ subject: `server:${id}`, type: 'server.launched', data: { host: hostId, project, name: req.name, by: c.user, image: req.workflow, task: task.id } });
      });
      deps.tracker.watch(task);
      try {
        await orch.requestProvision(server.hostId, { workflow: req.workflow, reason: `server ${req.name} (${id}) in project ${project}` });
      } catch (e) {
        await deps.tracker.discard(task.id);
        await deps.store.transact((tx) => {
          tx.del('allocations', server.id);
          tx.event({ subject: `server:${id}`, type: 'server.launch_failed', data: { host: server.hostId, error: (e as Error).message } });
        });
        throw e;
      }
      return { server, task: deps.store.get('tasks', task.id) ?? task };
    },

    /** The project's servers the caller may see, oldest first. */
    list(project: string, c: Caller): Allocation[] {
      return deps.store
        .list('allocations')
        .filter((a) => a.kind === 'server' && a.pending === undefined && a.project === project && canSee(a, c))
        .sort((x, y) => x.createdAt - y.createdAt); // stable: same-ms launches keep store order
    },

    get: (id: string, c: Caller) => visibleServer(deps.store, id, c),

    async update(id: string, c: Caller, patch: { name?: string | undefined; tags?: Record<string, string> | undefined; properties?: Record<string, string> | undefined }): Promise<Allocation> {
      return deps.store.transact((tx) => {
        const a = visibleServer(deps.store, id, c);
        if (patch.name !== undefined && patch.name !== a.name) {
          const clash = deps.store.list('allocations').some((o) => o.kind === 'server' && o.project === a.project && o.name === patch.name && o.serverId !== id);
          if (clash) throw new ApplianceError('CONFLICT', `project ${a.project} already has a server named ${patch.name}`, { field: 'name' });
        }
        const next: Allocation = { ...a, ...(patch.name !== undefined && { name: patch.name }), ...(patch.tags && { tags: patch.tags }), ...(patch.properties && { properties: patch.properties }) };
        tx.put('allocations', a.id, next);
        tx.event({ subject: `server:${id}`, type: 'server.updated', data: { by: c.user, fields: Object.keys(patch).filter((k) => patch[k as keyof typeof patch] !== undefined) } });
        return next;
      });
    },

    /** The server's tasks (its whole history, oldest first); the server must still be visible. */
    tasks(id: string, c: Caller): Task[] {
      visibleServer(deps.store, id, c);
      return deps.store
        .list('tasks')
        .filter((t) => t.subject === id && t.items !== undefined)
        .sort((x, y) => x.createdAt - y.createdAt);
    },

    /** One task; kept after its server is terminated, visible to whoever launched it and admins. */
    task(taskId: string, c: Caller): Task {
      const t = deps.store.get('tasks', taskId);
      if (!t || t.items === undefined || !(c.admin || t.owner === c.user)) throw new ApplianceError('NOT_FOUND', `server task ${taskId} not found`);
      return t;
    },
  };
}

export type ServerService = ReturnType<typeof createServerService>;
