// THE host state machine (docs/lifecycle.md): a pure function (host, event, now, policy) ->
// (host', effects). Protocol code (DHCP, TFTP, HTTP, BMC) only reports events; nothing else
// writes a host's lifecycle state.
//
// Shaped like metal3 baremetal-operator's per-state handler table: TABLE says, for each state,
// which events it takes and which handler takes them; a pair missing from it is illegal. A
// handler (machine-steps.ts) answers the host's new fields, its effects and, when the state
// changes, the state to go to: `transition` below is the one place a state is written.
import type { HostRuntime, LifecycleState, ProvisionStage } from '../model/index.js';
import { ApplianceError } from '../model/index.js';
import * as step from './machine-steps.js';

export { isBusy } from './states.js';
export { bootAttemptOf } from './machine-steps.js';

/** What the machine is told. Boot-step events carry where they came from, for the journal. */
export type LifecycleEvent =
  | {
      type: 'provision.requested';
      workflow: string;
      boots: number;
      fingerprint?: string;
      reason?: string;
      checkpoints?: number[];
      /** The machine is already network-booting by itself (no power or PXE effects needed). */
      alreadyBooting?: boolean;
    }
  | { type: 'power.acked'; action: 'on' | 'cycle' | 'reset' }
  | { type: 'power.failed'; reason: string }
  | { type: 'dhcp.offered' | 'dhcp.acked'; ip?: string }
  | { type: 'tftp.sent'; file: string }
  | { type: 'ipxe.served' }
  | { type: 'kernel.fetched'; url?: string }
  | { type: 'unattended.served'; kind?: string }
  | {
      type: 'checkpoint';
      boot: string;
      /** Which checkpoint of the boot (1-based); absent = the next one. */
      n?: number;
      /** The boot attempt the caller authenticated (bootAttemptOf); a different one is refused. */
      attempt?: string;
      /** Checkpoints the boot declares, for a discovered machine (whose record has no run). */
      checkpoints?: number;
    }
  | { type: 'timeout'; stage: ProvisionStage }
  | { type: 'reclaim.requested'; workflow: string; boots: number; checkpoints?: number[] }
  | { type: 'maintenance.enter'; reason?: string }
  | { type: 'maintenance.exit' }
  | { type: 'deprovision' }
  /** Vaquero's override: restart the running workflow at another of its boots. */
  | { type: 'boot.override'; bootIndex: number; boot: string };

export type EventType = LifecycleEvent['type'];
export type EventOf<T extends EventType> = Extract<LifecycleEvent, { type: T }>;

export type Effect =
  | { kind: 'bootPxe' }
  | { kind: 'power'; action: 'on' | 'off' | 'cycle' }
  | { kind: 'setTimer'; stage: ProvisionStage; ms: number }
  | { kind: 'clearTimer' }
  | { kind: 'notify'; what: 'active' | 'failed' | 'reclaimed' };

export interface LifecyclePolicy {
  /** Per-stage time limits in ms: how long a stage may last before the `timeout` event. */
  stageTimeoutMs: Record<ProvisionStage, number>;
  /** Power-cycle retries of a boot before the host is failed. */
  maxAttempts: number;
}

export const DEFAULT_POLICY: LifecyclePolicy = {
  stageTimeoutMs: { power: 60_000, dhcp: 180_000, firmware: 120_000, ipxe: 120_000, kernel: 300_000, installing: 3_600_000, checkpoint: 3_600_000 },
  maxAttempts: 3,
};

export interface Transition {
  host: HostRuntime;
  effects: Effect[];
}

/**
 * A handler's answer. `host` carries the host's other fields (its `state` is ignored); `to`, when
 * set, is the state the host enters, which `transition` writes together with `since`.
 */
export interface Step {
  host: HostRuntime;
  effects: Effect[];
  to?: LifecycleState;
}

export interface StepContext {
  now: number;
  policy: LifecyclePolicy;
  /** Refuses the event (ILLEGAL_TRANSITION); a checkpoint refusal names why. */
  illegal(reason?: CheckpointRefusal): never;
}

export type Handler<T extends EventType> = (h: HostRuntime, e: EventOf<T>, c: StepContext) => Step;
export type Handlers = { [T in EventType]?: Handler<T> };

/** Why a checkpoint was refused (the `reason` detail of its ILLEGAL_TRANSITION error). */
export type CheckpointRefusal = 'stale_attempt' | 'not_busy' | 'repeat' | 'out_of_sequence';

/** Boot steps reported by DHCP, TFTP and boot HTTP: progress in a run, journal facts otherwise. */
const BOOT_STEPS = ['dhcp.offered', 'dhcp.acked', 'tftp.sent', 'ipxe.served', 'kernel.fetched', 'unattended.served'] as const;
const each = <T extends EventType>(types: readonly T[], h: Handler<T>): Handlers => Object.fromEntries(types.map((t) => [t, h]));

/** What every state not in a run takes the same way: BMC answers, boot facts, refused callbacks. */
const FACTS: Handlers = {
  'power.acked': step.powerOn,
  'power.failed': step.nothing,
  timeout: step.nothing,
  checkpoint: step.refuseCheckpoint,
  ...each(BOOT_STEPS, step.bootFact),
};

/** Not in a run (inactive, active, failed): a run may start; maintenance and deprovision apply. */
const IDLE: Handlers = {
  ...FACTS,
  'provision.requested': step.startProvisioning,
  'reclaim.requested': step.startReclaim,
  'maintenance.enter': step.enterMaintenance,
  deprovision: step.deprovision,
};

/** In a run: boot progress, BMC outcomes, timeouts and checkpoints drive it; a new run may not start. */
const RUN: Handlers = {
  'power.acked': step.powerAckedInRun,
  'power.failed': step.powerFailedInRun,
  timeout: step.timeoutInRun,
  checkpoint: step.checkpointInRun,
  'boot.override': step.overrideBoot,
  'maintenance.enter': step.enterMaintenance,
  ...each(BOOT_STEPS, step.bootProgress),
};

export const TABLE: Record<LifecycleState, Handlers> = {
  inactive: IDLE,
  active: IDLE,
  failed: IDLE,
  // A discovery boot (an inventory image, say) reports checkpoints; the machine stays discovered.
  discovered: { ...IDLE, checkpoint: step.discoveryCheckpoint },
  provisioning: RUN,
  reclaiming: RUN,
  // Held by an operator: nothing starts; leaving goes back to what the host was (installed or not).
  maintenance: { ...FACTS, 'maintenance.enter': step.enterMaintenance, 'maintenance.exit': step.exitMaintenance, deprovision: step.deprovision },
};

function illegal(h: HostRuntime, e: LifecycleEvent, reason?: CheckpointRefusal): never {
  throw new ApplianceError('ILLEGAL_TRANSITION', `host "${h.id}" cannot take "${e.type}" in state ${h.state}${h.stage ? `/${h.stage}` : ''}${reason ? ` (${reason})` : ''}`, {
    state: h.state,
    event: e.type,
    ...(reason && { reason }),
  });
}

export function transition(h: HostRuntime, e: LifecycleEvent, now: number, policy: LifecyclePolicy = DEFAULT_POLICY): Transition {
  const handler = TABLE[h.state][e.type] as Handler<EventType> | undefined;
  if (!handler) illegal(h, e);
  const out = handler({ ...h, updatedAt: now }, e as EventOf<EventType>, { now, policy, illegal: (reason) => illegal(h, e, reason) });
  // The one place a host's lifecycle state changes.
  const host: HostRuntime = out.to === undefined ? { ...out.host, state: h.state } : { ...out.host, state: out.to, since: now };
  return { host, effects: out.effects };
}

