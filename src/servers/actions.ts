// `POST /servers/{id}/tasks` (seed 002): each action acts through the orchestrator (REBUILD,
// MOVE, TERMINATE run workflows) or the power port (REBOOT, HARD_REBOOT, POWER_ON, POWER_OFF),
// and answers with a RUNNING task the tracker then carries to its end. One task runs per server
// at a time (409 otherwise), except TERMINATE, which supersedes the running one: a user must
// always be able to give a machine back.
import { randomUUID } from 'node:crypto';
import { ApplianceError, type Allocation, type Task } from '../model/index.js';
import { isBusy } from '../lifecycle/states.js';
import { checkWorkflow, runningTask, takeMachine, visibleServer, type Caller, type ServerDeps } from './service.js';
import { NOT_HERE, POWER_OF, isPowerAction, newTask, type PowerAction, type ServerAction } from './task-rules.js';
import { serverHoldId } from './follow-up.js';

export function createServerActions(deps: ServerDeps) {
  /** BMC calls run after the 202; tests wait for them. */
  const pending = new Set<Promise<void>>();

  const start = async (a: Allocation, task: Task, extra?: (tx: Parameters<Parameters<ServerDeps['store']['transact']>[0]>[0]) => void) => {
    await deps.store.transact((tx) => {
      tx.put('tasks', task.id, task);
      extra?.(tx);
      tx.event({ subject: `server:${a.serverId}`, type: 'server.task.started', data: { task: task.id, action: task.action, host: task.hostId, by: task.createdBy } });
    });
    deps.tracker.watch(task);
  };

  /** Runs `call` (the orchestrator's request); when it is refused, the task never happened and the caller gets why. */
  const orUndo = async (task: Task, call: () => Promise<unknown>, undo?: () => Promise<void>) => {
    try {
      await call();
    } catch (e) {
      await deps.tracker.discard(task.id);
      await undo?.();
      throw e;
    }
  };

  function powerTask(a: Allocation, action: PowerAction, task: Task) {
    const power = deps.power!;
    const job = (async () => {
      try {
        const done = await power.power(a.hostId, POWER_OF[action]);
        if (done === 'manual') {
          await deps.tracker.settle(task.id, 'ABORTED', `host ${a.hostId} has no BMC Corral can drive (ipmi or redfish)`);
          return;
        }
        const state = await power.status(a.hostId).catch(() => 'unknown' as const);
        await deps.lifecycle?.recordPower(a.hostId, state, { action: POWER_OF[action], by: task.createdBy ?? 'api', task: task.id });
        await deps.tracker.settle(task.id, 'COMPLETED');
      } catch (e) {
        await deps.tracker.settle(task.id, 'ABORTED', (e as Error).message);
      }
    })();
    pending.add(job);
    void job.finally(() => pending.delete(job));
  }

  return {
    async act(serverId: string, c: Caller, action: string, opts: { workflow?: string | undefined } = {}): Promise<Task> {
      const a = visibleServer(deps.store, serverId, c);
      if (action in NOT_HERE) throw new ApplianceError('BAD_REQUEST', `${action} is not available for bare-metal servers: ${NOT_HERE[action]}`, { field: 'action' });
      if (opts.workflow !== undefined && action !== 'REBUILD') throw new ApplianceError('BAD_REQUEST', `image is only taken by REBUILD`, { field: 'image' });
      const running = runningTask(deps.store, serverId);
      if (running && action !== 'TERMINATE') throw new ApplianceError('CONFLICT', `server ${serverId} has task ${running.id} (${running.action}) running: wait for it, or TERMINATE`, { task: running.id });
      const now = deps.clock.now();
      const base = { id: randomUUID(), serverId, hostId: a.hostId, owner: a.owner ?? c.user, project: a.project ?? '', now, by: c.user };
      const rt = deps.store.get('hosts', a.hostId);

      if (isPowerAction(action)) {
        if (!deps.power) throw new ApplianceError('UNAVAILABLE', 'BMC control is not running in this appliance');
        if (isBusy(rt)) throw new ApplianceError('CONFLICT', `the server's machine is ${rt!.state}: power actions would break the run`);
        const task = newTask({ ...base, action: action as ServerAction });
        await start(a, task);
        powerTask(a, action, task);
        return task;
      }

      const orch = deps.orchestrator;
      if (!orch) throw new ApplianceError('UNAVAILABLE', 'the orchestrator is not running in this appliance');
      const sot = deps.served();

      if (action === 'TERMINATE') {
        if (running) await deps.tracker.settle(running.id, 'ABORTED', 'superseded by TERMINATE');
        const task = newTask({ ...base, action: 'TERMINATE' });
        await start(a, task);
        await orUndo(task, () => orch.requestReclaim(a.hostId, 'wipe'));
        return task;
      }

      if (action === 'REBUILD') {
        const workflow = opts.workflow ?? a.workflow;
        if (!workflow) throw new ApplianceError('BAD_REQUEST', 'the server has no image to rebuild with: give one', { field: 'image' });
        checkWorkflow(sot, workflow);
        const task = newTask({ ...base, action: 'REBUILD', workflow });
        await start(a, task, (tx) => tx.put('allocations', a.id, { ...a, workflow }));
        await orUndo(
          task,
          () => orch.requestProvision(a.hostId, { workflow, reason: `REBUILD of server ${a.name ?? serverId}` }),
          () => deps.store.transact((tx) => tx.put('allocations', a.id, a)),
        );
        return task;
      }

      if (action === 'MOVE') {
        const workflow = a.workflow;
        if (!workflow) throw new ApplianceError('BAD_REQUEST', 'the server has no image to install on another machine');
        checkWorkflow(sot, workflow);
        let task!: Task;
        let target!: Allocation;
        // Same hardware class: a MOVE is no resize (vNext RESIZE is refused above).
        await takeMachine(deps, sot, { serverType: a.serverTypeId || undefined, workflow, exclude: [a.hostId] }, (tx, hostId) => {
          target = { ...a, id: serverHoldId(serverId, hostId), hostId, pending: 'move', createdAt: now };
          task = newTask({ ...base, action: 'MOVE', hostId, fromHostId: a.hostId, workflow });
          tx.put('allocations', target.id, target);
          tx.put('tasks', task.id, task);
          tx.event({ subject: `server:${serverId}`, type: 'server.task.started', data: { task: task.id, action: 'MOVE', host: hostId, from: a.hostId, by: c.user } });
        });
        deps.tracker.watch(task);
        await orUndo(
          task,
          () => orch.requestProvision(target.hostId, { workflow, reason: `MOVE of server ${a.name ?? serverId} from ${a.hostId}` }),
          () => deps.store.transact((tx) => tx.del('allocations', target.id)),
        );
        return task;
      }
      throw new ApplianceError('BAD_REQUEST', `unknown action ${action}`, { field: 'action' });
    },

    /** Resolves once the BMC calls started so far have answered and their tasks ended (tests). */
    async idle(): Promise<void> {
      while (pending.size) await Promise.all([...pending]);
      await deps.tracker.idle();
    },
  };
}

export type ServerActions = ReturnType<typeof createServerActions>;
