// vNext server tasks (seed 002: `POST /servers/{id}/tasks` -> 202, task states RUNNING,
// COMPLETED, ABORTED, TIMED_OUT, progress items with WAITING too) as pure rules: which actions
// exist here, what each waits for, and how a host's lifecycle moves a task. The tracker
// (tracker.ts) is the only one that applies them to stored tasks.
import type { LifecycleState, ProvisionStage, Task, TaskItem, TaskState } from '../model/index.js';

/** Actions that run a workflow on a host and end when the host reaches `goal`. */
export type RunAction = 'CREATE' | 'REBUILD' | 'MOVE' | 'TERMINATE';
/** Actions done by the BMC: they end when the power port answers. */
export type PowerAction = 'REBOOT' | 'HARD_REBOOT' | 'POWER_ON' | 'POWER_OFF';
export type ServerAction = RunAction | PowerAction;

export const POWER_OF: Record<PowerAction, 'cycle' | 'reset' | 'on' | 'off'> = { REBOOT: 'cycle', HARD_REBOOT: 'reset', POWER_ON: 'on', POWER_OFF: 'off' };

/** What a user may POST (CREATE is implicit in launching a server, as vNext says). */
export const POSTABLE = ['REBOOT', 'HARD_REBOOT', 'POWER_ON', 'POWER_OFF', 'REBUILD', 'MOVE', 'TERMINATE', 'RESTORE'] as const;

/**
 * vNext actions that have no bare-metal meaning here: 400 with why (vNext issue #3 answers
 * unimplemented with 400, not 501).
 */
export const NOT_HERE: Record<string, string> = {
  RESTORE: 'a terminated server\'s machine is wiped before its hold is released: there is nothing to restore; launch a new server',
  SNAPSHOT: 'Corral images are SoT workflows, not captured disks',
  BACKUP: 'Corral images are SoT workflows, not captured disks',
  RESIZE: 'a machine\'s hardware is what it is: MOVE to another machine, or launch one of another server type',
  PAUSE: 'bare metal cannot be paused: POWER_OFF',
  UNPAUSE: 'bare metal cannot be paused: POWER_ON',
  SUSPEND: 'Corral does not drive OS suspend: POWER_OFF',
  RESUME: 'Corral does not drive OS suspend: POWER_ON',
  RESCUE: 'no rescue image: REBUILD with another workflow',
  UNRESCUE: 'no rescue image',
  SHELVE: 'a shelved server would keep its machine: TERMINATE',
  SHELVE_OFFLOAD: 'a machine cannot be offloaded',
  UNSHELVE: 'nothing is shelved',
  UPDATE_PASSWORD: 'Corral has no guest agent: set credentials in the workflow',
  ATTACH_BLOCK_DEVICE: 'a machine\'s disks are fixed',
  DETACH_BLOCK_DEVICE: 'a machine\'s disks are fixed',
  ATTACH_NETWORK_INTERFACE: 'interfaces are declared in the SoT',
  DETACH_NETWORK_INTERFACE: 'interfaces are declared in the SoT',
  CREATE: 'CREATE is implicit: POST /v1/projects/{project}/servers',
};

interface RunRule {
  /** The lifecycle state of the run, and the one that ends it. */
  run: LifecycleState;
  goal: LifecycleState;
  items: string[];
  /** Item index a run stage belongs to. */
  itemOf: (stage: ProvisionStage | undefined) => number;
  timeoutMs: number;
}

const INSTALL: readonly (ProvisionStage | undefined)[] = ['installing', 'checkpoint'];
const HOUR = 3_600_000;

/** Item names follow vNext's (CREATE -> SCHEDULING, NETWORKING, SPAWNING; REBUILD -> REBUILDING, SPAWNING). */
export const RUN_RULES: Record<RunAction, RunRule> = {
  CREATE: { run: 'provisioning', goal: 'active', items: ['SCHEDULING', 'NETWORKING', 'SPAWNING'], itemOf: (s) => (INSTALL.includes(s) ? 2 : 1), timeoutMs: 3 * HOUR },
  REBUILD: { run: 'provisioning', goal: 'active', items: ['REBUILDING', 'SPAWNING'], itemOf: (s) => (INSTALL.includes(s) ? 1 : 0), timeoutMs: 3 * HOUR },
  MOVE: { run: 'provisioning', goal: 'active', items: ['SCHEDULING', 'MIGRATING', 'FINALIZING'], itemOf: () => 1, timeoutMs: 3 * HOUR },
  TERMINATE: { run: 'reclaiming', goal: 'inactive', items: ['TERMINATING', 'RELEASING'], itemOf: () => 0, timeoutMs: 2 * HOUR },
};

/** A BMC's answer is seconds; a hung one must not keep a task RUNNING for ever. */
export const POWER_TIMEOUT_MS = 5 * 60_000;

export const isRunAction = (a: string): a is RunAction => a in RUN_RULES;
export const isPowerAction = (a: string): a is PowerAction => a in POWER_OF;

/** A new RUNNING task. Placement already happened for CREATE and MOVE: their SCHEDULING item is done. */
export function newTask(f: { id: string; action: ServerAction; serverId: string; hostId: string; owner: string; project: string; now: number; by?: string | undefined; workflow?: string | undefined; fromHostId?: string | undefined }): Task {
  const rule = isRunAction(f.action) ? RUN_RULES[f.action] : undefined;
  const names = rule?.items ?? [f.action];
  const items: TaskItem[] = names.map((action, i) => (names[0] === 'SCHEDULING' && i === 0 ? { action, state: 'COMPLETED', startedAt: f.now, endedAt: f.now } : { action, state: 'WAITING' }));
  return {
    id: f.id,
    action: f.action,
    subject: f.serverId,
    state: 'RUNNING',
    createdAt: f.now,
    createdBy: f.by ?? f.owner,
    hostId: f.hostId,
    owner: f.owner,
    project: f.project,
    items,
    deadline: f.now + (rule?.timeoutMs ?? POWER_TIMEOUT_MS),
    ...(f.workflow && { workflow: f.workflow }),
    ...(f.fromHostId && { fromHostId: f.fromHostId }),
  };
}

/** The host the task watches moved to `state` (a journal event's new_state). Returns the changed task, or undefined. */
export function observe(task: Task, obs: { state: LifecycleState; stage?: ProvisionStage | undefined; error?: string | undefined }, now: number): Task | undefined {
  if (task.state !== 'RUNNING' || !isRunAction(task.action)) return undefined;
  const rule = RUN_RULES[task.action];
  if (obs.state === rule.run) return progress({ ...task, runSeen: true }, rule.itemOf(obs.stage), now);
  // Before its run started the host may still be in an old state (a REBUILD of an active
  // server waits its turn in the rollout): only states after the run count.
  if (!task.runSeen) return undefined;
  if (obs.state === rule.goal) return finish(task, 'COMPLETED', now);
  if (obs.state === 'failed') return finish(task, 'ABORTED', now, `host ${task.hostId} failed${obs.error ? `: ${obs.error}` : ''}`);
  return undefined;
}

/** Items before `at` completed, `at` running (started now if it was waiting), later ones waiting. */
function progress(task: Task, at: number, now: number): Task {
  const items = (task.items ?? []).map((it, i): TaskItem => {
    if (i < at && it.state !== 'COMPLETED') return { ...it, state: 'COMPLETED', startedAt: it.startedAt ?? now, endedAt: now };
    if (i === at && it.state === 'WAITING') return { ...it, state: 'RUNNING', startedAt: now };
    return it;
  });
  return { ...task, items };
}

/** The task ends: running items end the same way; on success every item is complete. */
export function finish(task: Task, state: Exclude<TaskState, 'RUNNING'>, now: number, message?: string): Task {
  const items = (task.items ?? []).map((it): TaskItem => {
    if (state === 'COMPLETED') return it.state === 'COMPLETED' ? it : { ...it, state: 'COMPLETED', startedAt: it.startedAt ?? now, endedAt: now };
    return it.state === 'RUNNING' ? { ...it, state, endedAt: now } : it;
  });
  const { deadline: _d, ...rest } = task;
  return { ...rest, state, endedAt: now, items, ...(message !== undefined && { message }) };
}
