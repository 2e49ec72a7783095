// The one owner of server task state changes (seed 002 task states). Tasks are created RUNNING
// by the server service together with what they act on; from then on only this tracker changes
// them: lifecycle events of the watched host (the journal's new_state, as the runner writes it)
// move them through task-rules.ts, the power port's answer settles power tasks, and the
// injected clock times them out. A task's end and its follow-up (holds released or moved) are
// one transaction, so a server is never left half-terminated or half-moved.
import type { LifecycleState, ProvisionStage, Task, TaskState } from '../model/index.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { Store } from '../store/store.js';
import { finish, observe } from './task-rules.js';
import { followUp } from './follow-up.js';

export interface TaskTracker {
  /** Starts watching a task just stored (arms its timeout). */
  watch(task: Task): void;
  /** Ends a RUNNING task (power answered, a start failed). Undefined when it had already ended. */
  settle(taskId: string, state: Exclude<TaskState, 'RUNNING'>, message?: string): Promise<Task | undefined>;
  /** Forgets a task whose request was refused before anything happened (the caller gets the error instead). */
  discard(taskId: string): Promise<void>;
  /** Resolves once every change queued so far is applied (tests). */
  idle(): Promise<void>;
  stop(): void;
}

export interface TrackerDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Wipes a host a MOVE left (or gave back). */
  reclaim: (hostId: string) => Promise<unknown>;
}

export function createTaskTracker(deps: TrackerDeps): TaskTracker {
  /** host id -> RUNNING tasks watching it. */
  const byHost = new Map<string, Set<string>>();
  const timers = new Map<string, TimerHandle>();
  let chain: Promise<void> = Promise.resolve();
  // Every change goes through one queue: an event, a timeout and a power answer for the same
  // task are applied one after the other, each re-reading the task in its transaction.
  const enqueue = (job: () => Promise<void>) => {
    chain = chain.then(job).catch((e) => deps.log.error('server task update failed', { error: (e as Error).message }));
    return chain;
  };

  const unwatch = (t: Pick<Task, 'id' | 'hostId'>) => {
    timers.get(t.id)?.cancel();
    timers.delete(t.id);
    if (t.hostId) byHost.get(t.hostId)?.delete(t.id);
  };

  /** Applies `change` to the task if it is still RUNNING; an end brings its follow-up. */
  async function apply(taskId: string, change: (t: Task, now: number) => Task | undefined): Promise<Task | undefined> {
    const now = deps.clock.now();
    let reclaim: string[] = [];
    const next = await deps.store.transact((tx) => {
      const t = tx.get('tasks', taskId);
      if (!t || t.state !== 'RUNNING') return undefined;
      const n = change(t, now);
      if (!n) return undefined;
      tx.put('tasks', taskId, n);
      if (n.state !== 'RUNNING') {
        const f = followUp(n, deps.store.list('allocations'));
        for (const id of f.del) tx.del('allocations', id);
        for (const a of f.put) tx.put('allocations', a.id, a);
        reclaim = f.reclaim;
        tx.event({ subject: `server:${n.subject}`, type: 'server.task.ended', data: { task: n.id, action: n.action, state: n.state, host: n.hostId, ...(n.message && { message: n.message }), ...(f.del.length && { released: f.del }) } });
      }
      return n;
    });
    if (next && next.state !== 'RUNNING') unwatch(next);
    for (const h of reclaim) {
      await deps.reclaim(h).catch((e) => deps.log.warn('could not wipe a host a server left', { host: h, error: (e as Error).message }));
    }
    return next;
  }

  const unsubscribe = deps.store.subscribe((events) => {
    for (const e of events) {
      const ids = byHost.get(e.subject);
      const state = e.data?.new_state as LifecycleState | undefined;
      if (!ids?.size || !state) continue;
      const obs = { state, stage: (e.data?.new_stage ?? undefined) as ProvisionStage | undefined, error: deps.store.get('hosts', e.subject)?.lastError };
      for (const id of [...ids]) void enqueue(async () => void (await apply(id, (t, now) => observe(t, obs, now))));
    }
  });

  const tracker: TaskTracker = {
    watch(task) {
      if (task.state !== 'RUNNING') return;
      if (task.hostId) {
        let s = byHost.get(task.hostId);
        if (!s) byHost.set(task.hostId, (s = new Set()));
        s.add(task.id);
      }
      timers.get(task.id)?.cancel();
      if (task.deadline !== undefined) {
        const ms = Math.max(0, task.deadline - deps.clock.now());
        const timeout = () => void enqueue(async () => void (await apply(task.id, (t, now) => finish(t, 'TIMED_OUT', now, `no outcome within ${Math.round((t.deadline! - t.createdAt) / 60_000)} min`))));
        timers.set(task.id, deps.clock.setTimeout(timeout, ms));
      }
    },
    async settle(taskId, state, message) {
      let out: Task | undefined;
      await enqueue(async () => {
        out = await apply(taskId, (t, now) => finish(t, state, now, message));
      });
      return out;
    },
    async discard(taskId) {
      await enqueue(async () => {
        const t = deps.store.get('tasks', taskId);
        if (t) unwatch(t);
        await deps.store.transact((tx) => tx.del('tasks', taskId));
      });
    },
    idle: () => chain,
    stop() {
      unsubscribe();
      for (const t of timers.values()) t.cancel();
      timers.clear();
    },
  };
  // After a restart: RUNNING tasks are watched again; a deadline that passed fires at once.
  for (const t of deps.store.list('tasks')) if (t.state === 'RUNNING' && t.hostId && t.items) tracker.watch(t);
  return tracker;
}
