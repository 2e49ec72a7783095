// The state machine's handlers (machine.ts's TABLE says which state takes which). Each answers
// the host's new fields and effects, and names the state to enter in `to` when it changes:
// none of them writes `state` itself.
import type { HostRuntime, ProvisionStage } from '../model/index.js';
import type { Effect, EventOf, Handler, LifecyclePolicy, Step, StepContext } from './machine.js';
import { isBusy } from './states.js';

type BootStep = 'dhcp.offered' | 'dhcp.acked' | 'tftp.sent' | 'ipxe.served' | 'kernel.fetched' | 'unattended.served';

/** Stages in boot order: a boot-step event never moves a host backwards. */
const STAGE_ORDER: ProvisionStage[] = ['power', 'dhcp', 'firmware', 'ipxe', 'kernel', 'installing', 'checkpoint'];
const BOOT_STEP_STAGE: Record<BootStep, ProvisionStage> = {
  'dhcp.offered': 'dhcp',
  'dhcp.acked': 'dhcp',
  'tftp.sent': 'firmware',
  'ipxe.served': 'ipxe',
  'kernel.fetched': 'kernel',
  'unattended.served': 'installing',
};

const nextAttempt = (h: HostRuntime) => (h.bootAttempt ?? 0) + 1;
const arm = (stage: ProvisionStage, p: LifecyclePolicy): Effect => ({ kind: 'setTimer', stage, ms: p.stageTimeoutMs[stage] });
const stay = (host: HostRuntime, effects: Effect[] = []): Step => ({ host, effects });

/** Starts (or restarts) a boot: set PXE once, power-cycle, wait for the power acknowledgement. */
function startBoot(h: HostRuntime, now: number, p: LifecyclePolicy): Step {
  const host: HostRuntime = { ...h, stage: 'power', checkpoint: 0, bootAttempt: nextAttempt(h), since: now, updatedAt: now, deadline: now + p.stageTimeoutMs.power };
  return { host, effects: [{ kind: 'bootPxe' }, { kind: 'power', action: 'cycle' }, arm('power', p)] };
}

/** Leaves the run as failed, keeping why. */
function fail(h: HostRuntime, reason: string): Step {
  const host: HostRuntime = { ...h, lastError: reason };
  delete host.deadline;
  return { host, effects: [{ kind: 'clearTimer' }, { kind: 'notify', what: 'failed' }], to: 'failed' };
}

function retryOrFail(h: HostRuntime, reason: string, now: number, p: LifecyclePolicy): Step {
  const attempts = h.attempts + 1;
  if (attempts >= p.maxAttempts) return fail({ ...h, attempts }, `${reason}; gave up after ${attempts} attempts`);
  return startBoot({ ...h, attempts, lastError: reason }, now, p);
}

// --- Not in a run -------------------------------------------------------------------------------

export const startProvisioning: Handler<'provision.requested'> = (h, e, { now, policy: p }) => {
  const host: HostRuntime = { ...h, workflow: e.workflow, bootIndex: 0, attempts: 0, since: now, runStartedAt: now, bootsTotal: e.boots };
  delete host.lastError;
  if (e.fingerprint) host.desiredFingerprint = e.fingerprint;
  if (e.checkpoints) host.checkpointsPerBoot = e.checkpoints;
  if (e.alreadyBooting) {
    // The machine's own network boot is this run's first attempt: no PXE-once, no power cycle.
    const booting: HostRuntime = { ...host, stage: 'dhcp', checkpoint: 0, bootAttempt: nextAttempt(host), deadline: now + p.stageTimeoutMs.dhcp };
    return { host: booting, effects: [arm('dhcp', p)], to: 'provisioning' };
  }
  return { ...startBoot(host, now, p), to: 'provisioning' };
};

export const startReclaim: Handler<'reclaim.requested'> = (h, e, { now, policy: p }) => {
  const host: HostRuntime = { ...h, workflow: e.workflow, bootIndex: 0, attempts: 0, since: now, runStartedAt: now, bootsTotal: e.boots };
  if (e.checkpoints) host.checkpointsPerBoot = e.checkpoints;
  delete host.lastError;
  return { ...startBoot(host, now, p), to: 'reclaiming' };
};

export const deprovision: Handler<'deprovision'> = (h) => {
  const host: HostRuntime = { ...h };
  delete host.appliedFingerprint;
  return { host, effects: [], to: 'inactive' };
};

export const enterMaintenance: Handler<'maintenance.enter'> = (h, e) => {
  const host: HostRuntime = { ...h };
  delete host.stage;
  delete host.deadline;
  if (e.reason) host.lastError = e.reason;
  return { host, effects: [{ kind: 'clearTimer' }], to: 'maintenance' };
};

export const exitMaintenance: Handler<'maintenance.exit'> = (h) => {
  const host: HostRuntime = { ...h };
  delete host.lastError;
  return { host, effects: [], to: h.appliedFingerprint ? 'active' : 'inactive' };
};

/** The BMC said the machine is on: a power fact whatever the lifecycle does with it. */
export const powerOn: Handler<'power.acked'> = (h) => stay({ ...h, power: 'on' });

export const nothing = (h: HostRuntime): Step => stay(h);

/** Outside a run boot steps are facts for the journal only (a reboot, a discovery boot). */
export const bootFact: Handler<BootStep> = (h, e) => {
  if (e.type === 'dhcp.acked' && e.ip) return stay({ ...h, lastIp: e.ip });
  return stay(h);
};

/**
 * A checkpoint counts once, in order, for the attempt in progress: n = the next one (or absent).
 * A repeat of one already counted, an out-of-order n or another attempt's callback is refused,
 * whatever the state, so the runner journals nothing for it (docs/boot.md, callback rules).
 * Answers the checkpoint reached.
 */
function admitCheckpoint(h: HostRuntime, e: EventOf<'checkpoint'>, c: StepContext): number {
  if (e.attempt !== undefined && e.attempt !== bootAttemptOf(h)) c.illegal('stale_attempt');
  const reached = e.n ?? h.checkpoint + 1;
  if (reached <= h.checkpoint) c.illegal('repeat');
  if (reached !== h.checkpoint + 1) c.illegal('out_of_sequence');
  return reached;
}

/**
 * Names the host's current boot attempt: the run's start time and the attempt serial. Its callback
 * secret is derived from it (src/boot/callback-secret.ts), so every boot start issues a new secret
 * and a re-created host record (serial from 0 again) never repeats an old secret: its runs start later.
 * A discovered machine has no run: its record's creation time stands in.
 */
export function bootAttemptOf(h: HostRuntime): string {
  return `${h.runStartedAt ?? h.since}.${h.bootAttempt ?? 0}`;
}

/** A host in no run takes no checkpoint (after the same attempt and order checks as any other). */
export const refuseCheckpoint: Handler<'checkpoint'> = (h, e, c) => {
  admitCheckpoint(h, e, c);
  return c.illegal('not_busy');
};

export const discoveryCheckpoint: Handler<'checkpoint'> = (h, e, c) => {
  const reached = admitCheckpoint(h, e, c);
  if (reached > (e.checkpoints ?? 1)) c.illegal('out_of_sequence');
  return stay({ ...h, checkpoint: reached });
};

// --- In a run (provisioning or reclaiming) ------------------------------------------------------

export const powerAckedInRun: Handler<'power.acked'> = (h, _e, { now, policy: p }) => {
  if (h.stage !== 'power') return stay({ ...h, power: 'on' });
  return stay({ ...h, power: 'on', stage: 'dhcp', deadline: now + p.stageTimeoutMs.dhcp }, [arm('dhcp', p)]);
};

export const powerFailedInRun: Handler<'power.failed'> = (h, e) => fail(h, `power control failed: ${e.reason}`);

export const timeoutInRun: Handler<'timeout'> = (h, e, { now, policy: p }) => {
  // A timer of a stage the host has left is stale.
  if (h.stage !== e.stage) return stay(h);
  return retryOrFail(h, `no progress within ${Math.round(p.stageTimeoutMs[e.stage] / 1000)} s at stage ${e.stage}`, now, p);
};

/** DHCP/TFTP/HTTP progress: advances the stage (never backwards) and re-arms that stage's timer. */
export const bootProgress: Handler<BootStep> = (h, e, c) => {
  const fact = bootFact(h, e, c).host;
  const stage = BOOT_STEP_STAGE[e.type];
  if (!fact.stage || STAGE_ORDER.indexOf(stage) <= STAGE_ORDER.indexOf(fact.stage)) return stay(fact);
  return stay({ ...fact, stage, deadline: c.now + c.policy.stageTimeoutMs[stage] }, [arm(stage, c.policy)]);
};

/** Vaquero's override: the new boot starts like any other (a new attempt, so the interrupted boot's callbacks are refused). */
export const overrideBoot: Handler<'boot.override'> = (h, e, c) => {
  if (e.bootIndex < 0 || e.bootIndex >= (h.bootsTotal ?? 1)) c.illegal();
  return startBoot({ ...h, bootIndex: e.bootIndex, attempts: 0 }, c.now, c.policy);
};

/** A checkpoint of the run: the next of this boot, the next boot, or the end of the run. */
export const checkpointInRun: Handler<'checkpoint'> = (h, e, c) => {
  const { now, policy: p } = c;
  const reached = admitCheckpoint(h, e, c);
  const need = h.checkpointsPerBoot?.[h.bootIndex] ?? 1;
  if (reached < need) {
    return stay({ ...h, stage: 'checkpoint', checkpoint: reached, deadline: now + p.stageTimeoutMs.checkpoint }, [arm('checkpoint', p)]);
  }
  const next = h.bootIndex + 1;
  if (next < (h.bootsTotal ?? 1)) return startBoot({ ...h, bootIndex: next, attempts: 0 }, now, p);
  const reclaim = h.state === 'reclaiming';
  const host: HostRuntime = { ...h, checkpoint: reached };
  // An install records what the host now runs; a wipe records that it runs nothing.
  if (!reclaim && h.desiredFingerprint) host.appliedFingerprint = h.desiredFingerprint;
  if (reclaim) delete host.appliedFingerprint;
  delete host.stage;
  delete host.deadline;
  return { host, effects: [{ kind: 'clearTimer' }, { kind: 'notify', what: reclaim ? 'reclaimed' : 'active' }], to: reclaim ? 'inactive' : 'active' };
};


// --- The power stage's clock and the host's BMC job (power-effects.ts) ----------------------------

/** A boot start's effects hand the BMC a job (PXE-once and power): the power stage's clock is the job's. */
export const startsBmcJob = (effects: Effect[]): boolean => effects.some((e) => e.kind === 'power' && e.action !== 'off') && effects.some((e) => e.kind === 'setTimer' && e.stage === 'power');

/**
 * The host's BMC job is queued: the power stage's clock has not started, so the host has no
 * deadline and no power timer (a host queued behind a storm's worth of slow BMCs is waiting for
 * its BMC, not failing to boot). The runner applies this with the boot start, in one write.
 */
export function awaitBmcJob(h: HostRuntime, effects: Effect[]): Step {
  const host: HostRuntime = { ...h };
  delete host.deadline;
  return stay(host, effects.filter((e) => !(e.kind === 'setTimer' && e.stage === 'power')));
}

/**
 * The BMC job of the host's attempt `attempt` began: the power stage's clock starts now. Undefined
 * (nothing to write) when the job is not the host's current one or the host has left the power
 * stage or its clock runs already.
 */
export function bmcJobStarted(h: HostRuntime, attempt: string, now: number, p: LifecyclePolicy): Step | undefined {
  if (!isBusy(h) || h.stage !== 'power' || h.deadline !== undefined || bootAttemptOf(h) !== attempt) return undefined;
  return stay({ ...h, deadline: now + p.stageTimeoutMs.power, updatedAt: now }, [arm('power', p)]);
}
