// THE host state machine (docs/lifecycle.md): a pure function (host, event, now, policy) ->
// (host', effects). Protocol code (DHCP, TFTP, HTTP, BMC) only reports events; nothing else
// writes a host's lifecycle state. Effects are carried out by the runner.
import type { HostRuntime, LifecycleState, ProvisionStage } from '../model/index.js';
import { ApplianceError } from '../model/index.js';

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

/** Stages in boot order: a boot-step event never moves a host backwards. */
const STAGE_ORDER: ProvisionStage[] = ['power', 'dhcp', 'firmware', 'ipxe', 'kernel', 'installing', 'checkpoint'];
const BOOT_STEP_STAGE: Partial<Record<LifecycleEvent['type'], ProvisionStage>> = {
  'dhcp.offered': 'dhcp',
  'dhcp.acked': 'dhcp',
  'tftp.sent': 'firmware',
  'ipxe.served': 'ipxe',
  'kernel.fetched': 'kernel',
  'unattended.served': 'installing',
};

const BUSY: LifecycleState[] = ['provisioning', 'reclaiming'];

/** In a run (provisioning or reclaiming): the only states whose boots report progress and callbacks. */
export function isBusy(h: Pick<HostRuntime, 'state'>): boolean {
  return BUSY.includes(h.state);
}

/** Why a checkpoint was refused (the `reason` detail of its ILLEGAL_TRANSITION error). */
export type CheckpointRefusal = 'stale_attempt' | 'not_busy' | 'repeat' | 'out_of_sequence';

function illegal(h: HostRuntime, e: LifecycleEvent, reason?: CheckpointRefusal): never {
  throw new ApplianceError('ILLEGAL_TRANSITION', `host "${h.id}" cannot take "${e.type}" in state ${h.state}${h.stage ? `/${h.stage}` : ''}${reason ? ` (${reason})` : ''}`, {
    state: h.state,
    event: e.type,
    ...(reason && { reason }),
  });
}

/**
 * Names the host's current boot attempt: the run's start time and the attempt serial. Its callback
 * secret is derived from it (src/http/callback-secret.ts), so every boot start issues a new secret
 * and a re-created host record (serial from 0 again) never repeats an old one: its runs start later.
 * A discovered machine has no run: its record's creation time stands in.
 */
export function bootAttemptOf(h: HostRuntime): string {
  return `${h.runStartedAt ?? h.since}.${h.bootAttempt ?? 0}`;
}

const nextAttempt = (h: HostRuntime) => (h.bootAttempt ?? 0) + 1;

function arm(stage: ProvisionStage, p: LifecyclePolicy): Effect {
  return { kind: 'setTimer', stage, ms: p.stageTimeoutMs[stage] };
}

/** Starts (or restarts) a boot: set PXE once, power-cycle, wait for the power acknowledgement. */
function startBoot(h: HostRuntime, now: number, p: LifecyclePolicy): Transition {
  const host: HostRuntime = { ...h, stage: 'power', checkpoint: 0, bootAttempt: nextAttempt(h), since: now, updatedAt: now, deadline: now + p.stageTimeoutMs.power };
  return { host, effects: [{ kind: 'bootPxe' }, { kind: 'power', action: 'cycle' }, arm('power', p)] };
}

export function transition(h: HostRuntime, e: LifecycleEvent, now: number, p: LifecyclePolicy = DEFAULT_POLICY): Transition {
  const base = { ...h, updatedAt: now };
  switch (e.type) {
    case 'provision.requested': {
      if (h.state === 'maintenance' || BUSY.includes(h.state)) illegal(h, e);
      const host: HostRuntime = { ...base, state: 'provisioning', workflow: e.workflow, bootIndex: 0, attempts: 0, since: now, runStartedAt: now };
      delete host.lastError;
      if (e.fingerprint) host.desiredFingerprint = e.fingerprint;
      host.bootsTotal = e.boots;
      if (e.checkpoints) host.checkpointsPerBoot = e.checkpoints;
      if (e.alreadyBooting) {
        // The machine's own network boot is this run's first attempt.
        return { host: { ...host, stage: 'dhcp', checkpoint: 0, bootAttempt: nextAttempt(host), deadline: now + p.stageTimeoutMs.dhcp }, effects: [arm('dhcp', p)] };
      }
      return startBoot(host, now, p);
    }
    case 'boot.override': {
      // Only within a run: the new boot starts like any other (PXE-once, power cycle, a new
      // attempt, so callbacks of the interrupted boot are refused from now on).
      if (!BUSY.includes(h.state) || e.bootIndex < 0 || e.bootIndex >= (h.bootsTotal ?? 1)) illegal(h, e);
      return startBoot({ ...base, bootIndex: e.bootIndex, attempts: 0 }, now, p);
    }
    case 'reclaim.requested': {
      if (h.state === 'maintenance' || BUSY.includes(h.state)) illegal(h, e);
      const host: HostRuntime = { ...base, state: 'reclaiming', workflow: e.workflow, bootIndex: 0, attempts: 0, since: now, runStartedAt: now, bootsTotal: e.boots };
      if (e.checkpoints) host.checkpointsPerBoot = e.checkpoints;
      delete host.lastError;
      return startBoot(host, now, p);
    }
    case 'power.acked': {
      // The BMC said the machine is on: a power fact whatever the lifecycle does with it.
      if (!BUSY.includes(h.state) || h.stage !== 'power') return { host: { ...base, power: 'on' }, effects: [] };
      return { host: { ...base, power: 'on', stage: 'dhcp', deadline: now + p.stageTimeoutMs.dhcp }, effects: [arm('dhcp', p)] };
    }
    case 'power.failed':
      if (!BUSY.includes(h.state)) return { host: base, effects: [] };
      return fail(base, `power control failed: ${e.reason}`, now);
    case 'timeout':
      if (!BUSY.includes(h.state) || h.stage !== e.stage) return { host: base, effects: [] };
      return retryOrFail(base, `no progress within ${Math.round(p.stageTimeoutMs[e.stage] / 1000)} s at stage ${e.stage}`, now, p);
    case 'checkpoint':
      return checkpoint(base, e, now, p);
    case 'maintenance.enter': {
      const host: HostRuntime = { ...base, state: 'maintenance', since: now };
      delete host.stage;
      delete host.deadline;
      if (e.reason) host.lastError = e.reason;
      return { host, effects: [{ kind: 'clearTimer' }] };
    }
    case 'maintenance.exit': {
      if (h.state !== 'maintenance') illegal(h, e);
      const host: HostRuntime = { ...base, state: h.appliedFingerprint ? 'active' : 'inactive', since: now };
      delete host.lastError;
      return { host, effects: [] };
    }
    case 'deprovision': {
      if (BUSY.includes(h.state)) illegal(h, e);
      const host: HostRuntime = { ...base, state: 'inactive', since: now };
      delete host.appliedFingerprint;
      return { host, effects: [] };
    }
    default:
      return bootStep(base, e, now, p);
  }
}

/** DHCP/TFTP/HTTP progress: advances the stage (never backwards) and re-arms that stage's timer. */
function bootStep(h: HostRuntime, e: LifecycleEvent, now: number, p: LifecyclePolicy): Transition {
  const stage = BOOT_STEP_STAGE[e.type];
  if (!stage) illegal(h, e);
  if (e.type === 'dhcp.acked' && e.ip) h.lastIp = e.ip;
  // Outside a provisioning run these are facts for the journal only (a reboot, a discovery boot).
  if (!BUSY.includes(h.state) || !h.stage) return { host: h, effects: [] };
  if (STAGE_ORDER.indexOf(stage) <= STAGE_ORDER.indexOf(h.stage)) return { host: h, effects: [] };
  return { host: { ...h, stage, deadline: now + p.stageTimeoutMs[stage] }, effects: [arm(stage, p)] };
}

/**
 * A checkpoint counts once, in order, for the attempt in progress: n = the next one (or absent).
 * A repeat of one already counted, an out-of-order n, another attempt's callback or a host not in
 * a run is refused, so the runner journals nothing for it (docs/boot.md, callback rules).
 */
function checkpoint(h: HostRuntime, e: Extract<LifecycleEvent, { type: 'checkpoint' }>, now: number, p: LifecyclePolicy): Transition {
  if (e.attempt !== undefined && e.attempt !== bootAttemptOf(h)) illegal(h, e, 'stale_attempt');
  const reached = e.n ?? h.checkpoint + 1;
  if (reached <= h.checkpoint) illegal(h, e, 'repeat');
  if (reached !== h.checkpoint + 1) illegal(h, e, 'out_of_sequence');
  if (h.state === 'discovered') {
    // A discovery boot (an inventory image, say) reports to the journal; the machine stays discovered.
    if (reached > (e.checkpoints ?? 1)) illegal(h, e, 'out_of_sequence');
    return { host: { ...h, checkpoint: reached }, effects: [] };
  }
  if (!BUSY.includes(h.state)) illegal(h, e, 'not_busy');
  const need = h.checkpointsPerBoot?.[h.bootIndex] ?? 1;
  if (reached < need) {
    return { host: { ...h, stage: 'checkpoint', checkpoint: reached, deadline: now + p.stageTimeoutMs.checkpoint }, effects: [arm('checkpoint', p)] };
  }
  const next = h.bootIndex + 1;
  if (next < (h.bootsTotal ?? 1)) return startBoot({ ...h, bootIndex: next, attempts: 0 }, now, p);
  const host: HostRuntime = { ...h, state: h.state === 'reclaiming' ? 'inactive' : 'active', checkpoint: reached, since: now };
  if (h.state === 'provisioning' && h.desiredFingerprint) host.appliedFingerprint = h.desiredFingerprint;
  if (h.state === 'reclaiming') delete host.appliedFingerprint;
  delete host.stage;
  delete host.deadline;
  return { host, effects: [{ kind: 'clearTimer' }, { kind: 'notify', what: h.state === 'reclaiming' ? 'reclaimed' : 'active' }] };
}

function retryOrFail(h: HostRuntime, reason: string, now: number, p: LifecyclePolicy): Transition {
  const attempts = h.attempts + 1;
  if (attempts >= p.maxAttempts) return fail({ ...h, attempts }, `${reason}; gave up after ${attempts} attempts`, now);
  return startBoot({ ...h, attempts, lastError: reason }, now, p);
}

function fail(h: HostRuntime, reason: string, now: number): Transition {
  const host: HostRuntime = { ...h, state: 'failed', lastError: reason, since: now };
  delete host.deadline;
  return { host, effects: [{ kind: 'clearTimer' }, { kind: 'notify', what: 'failed' }] };
}
