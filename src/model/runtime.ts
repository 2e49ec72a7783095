// Runtime state: what Corral learns and decides while it runs. It lives in the store (src/store),
// never in the SoT files. Every record is plain JSON so the store can persist it as is.

import type { Mac } from './sot.js';

/** Lifecycle states of a host (docs/lifecycle.md). resmgr's state/role_status are views of these. */
export type LifecycleState =
  | 'discovered'
  | 'inactive'
  | 'provisioning'
  | 'active'
  | 'failed'
  | 'reclaiming'
  | 'maintenance';

/** Where a provisioning host is in its current boot. */
export type ProvisionStage = 'power' | 'dhcp' | 'firmware' | 'ipxe' | 'kernel' | 'installing' | 'checkpoint';

export type PowerState = 'on' | 'off' | 'unknown';

export interface HostRuntime {
  id: string;
  state: LifecycleState;
  stage?: ProvisionStage;
  /** Index into the workflow's boots of the boot in progress (or last completed). */
  bootIndex: number;
  /** Checkpoints reported for the current boot. */
  checkpoint: number;
  /** Boots in the workflow being run, and checkpoints each needs (default 1). */
  bootsTotal?: number;
  checkpointsPerBoot?: number[];
  /** Workflow/boot/os fingerprint the host was (or is being) provisioned with; a change triggers re-provisioning. */
  desiredFingerprint?: string;
  appliedFingerprint?: string;
  workflow?: string;
  role?: { name: string; version: string; settings?: Record<string, unknown> };
  power: PowerState;
  powerCheckedAt?: number;
  attempts: number;
  /** Epoch ms when the current (or last) provisioning or reclaim run started. */
  runStartedAt?: number;
  /**
   * Serial of the boot attempt in progress: +1 for every boot started (each boot of a workflow,
   * each retry, a machine found already booting). Never reset, so with runStartedAt it names one
   * attempt for the callback secret (bootAttemptOf in src/lifecycle/machine.ts).
   */
  bootAttempt?: number;
  lastError?: string;
  /** Epoch ms of the last state change. */
  since: number;
  /** Epoch ms when the current stage times out, if a timer is armed. */
  deadline?: number;
  /** Last address seen for the host (DHCP or callback). */
  lastIp?: string;
  discoveredMac?: Mac;
  /** Site whose discovery range gave the discovered machine its address. */
  discoveredSite?: string;
  updatedAt: number;
}

/** A DHCP lease handed out in server mode (RFC 2131 §4.3). */
export interface Lease {
  mac: Mac;
  ip: string;
  subnet: string;
  siteId: string;
  hostId?: string;
  /** Epoch ms. */
  start: number;
  expires: number;
  state: 'offered' | 'bound' | 'released' | 'declined';
}

/** One entry of a host's (or the appliance's) history; kept in the append-only journal. */
export interface HostEvent {
  /** Monotonic sequence number across the whole journal. */
  seq: number;
  /** Epoch ms. */
  at: number;
  /** The host id, or "appliance" for events about Corral itself. */
  subject: string;
  type: string;
  /** Free-form details; never a secret. */
  data?: Record<string, unknown>;
}

export type TaskState = 'RUNNING' | 'COMPLETED' | 'ABORTED' | 'TIMED_OUT';

/** An asynchronous operation (vNext server task, power action, provision request). */
export interface Task {
  id: string;
  action: string;
  subject: string;
  state: TaskState;
  createdAt: number;
  createdBy?: string;
  endedAt?: number;
  message?: string;
  /** vNext server tasks (seed 002, src/servers): the host acted on and who may see the task. */
  hostId?: string;
  owner?: string;
  project?: string;
  /** Progress items (vNext server_task_items), in order. */
  items?: TaskItem[];
  /** Epoch ms after which a RUNNING task is TIMED_OUT. */
  deadline?: number;
  /** The host was seen in the task's run (provisioning / reclaiming): reaching the goal state now counts. */
  runSeen?: boolean;
  /** MOVE: the host the server leaves. */
  fromHostId?: string;
  /** CREATE / REBUILD / MOVE: the workflow the host is provisioned with. */
  workflow?: string;
}

export type TaskItemState = TaskState | 'WAITING';

export interface TaskItem {
  action: string;
  state: TaskItemState;
  startedAt?: number;
  endedAt?: number;
}

export type UserRole = 'admin' | 'user';

export interface ApiToken {
  /** sha256 of the token (hex); the token itself is shown once and never stored. */
  hash: string;
  /** The token's first 8 characters: names it in listings without revealing it. */
  prefix: string;
  user: string;
  role: UserRole;
  createdAt: number;
  /** Epoch ms; absent = never expires (the appliance's own local admin token). */
  expiresAt?: number;
  lastUsedAt?: number;
}

/** An API user. The password is kept only as a scrypt hash with its own salt. */
export interface User {
  name: string;
  role: UserRole;
  /** scrypt(password, salt, keylen, {N, r, p}), base64. */
  passwordHash: string;
  salt: string;
  scrypt: { N: number; r: number; p: number; keylen: number };
  createdAt: number;
}

/**
 * A host held for someone: handed out from a pool (vmpooler check-out), as a vNext server, or
 * reserved by a plan (HAS) or a cluster request. One allocation per host at most: a held host
 * is taken by nothing else (src/plans/holds.ts).
 */
export interface Allocation {
  id: string;
  hostId: string;
  kind: 'checkout' | 'server' | 'plan' | 'cluster';
  pool?: string;
  /**
   * kind 'checkout': sha256 of the X-AUTH-TOKEN the check-out was made with (vmpooler's
   * `token:token` on the VM), so GET /api/v1/token/{token} lists it; never the token itself.
   */
  tokenHash?: string;
  /** The plan (or cluster request) holding the host. */
  planId?: string;
  owner?: string;
  tags: Record<string, string>;
  createdAt: number;
  /** Seconds since createdAt after which the host is reclaimed; 0 = never. */
  lifetime: number;
  /** kind 'server' (vNext, seed 002, src/servers): the server the host carries, its project namespace and name. */
  serverId?: string;
  project?: string;
  name?: string;
  /** The server type (src/servers/server-types.ts) it was placed by, and the workflow ("image") it runs. */
  serverTypeId?: string;
  workflow?: string;
  /** vNext free-form key/values (tags are kept in `tags`). */
  properties?: Record<string, string>;
  /** A MOVE's target host: held for the server, not yet the server's until the move completes. */
  pending?: 'move';
}

/** HAS's plan status machine (seed 004): template -> translated -> solving -> solved -> reserving -> done, or not found / error. */
export type PlanStatus = 'template' | 'translating' | 'translated' | 'solving' | 'solved' | 'reserving' | 'done' | 'not found' | 'error';

export interface Plan {
  id: string;
  name: string;
  status: PlanStatus;
  createdAt: number;
  updatedAt: number;
  transactionId?: string;
  /** The template as posted (a dict, or the JSON/YAML text). */
  template: unknown;
  /** Recommendations wanted (HAS `limit`/`num_solution`). */
  limit: number;
  /** The solver's budget, ms (HAS `timeout` is minutes). */
  timeoutMs: number;
  /** Hold the recommended hosts when solved (the template's `reservations`, or asked for). */
  reserve: boolean;
  recommendations: unknown[];
  message?: string;
  /** False when the budget ran out before the search proved the answer optimal. */
  proven?: boolean;
  /** Best objective minus the proven bound, when not proven. */
  gap?: number;
  /** Objective value of each recommendation, in order. */
  objectives?: number[];
  /** Hosts held by this plan (the first recommendation's inventory hosts). */
  held?: string[];
  /** Who created it (user name). */
  owner?: string;
}
