// Carries out the machine's outside effects through the BMC. A boot's PXE-once and its power
// action (on, or cycle for a retry) are one job in the host's BMC queue (PowerPort.job): the PXE
// override always lands just before the power action, nothing of another host's gets between
// them, and the job reports its outcome once (power.acked or power.failed). When the job starts
// it tells the lifecycle (powerStarted): the power stage's clock starts then, not when the job was
// queued, so a host waiting behind a storm of slow BMCs waits, it does not time out.
import type { Logger } from '../lib/log.js';
import type { EffectHandler, Lifecycle } from './runner.js';

export type BootPowerAction = 'on' | 'off' | 'cycle';

/** The commands a job runs, on the BMC of the job's host, in the job's slot. */
export interface JobPort {
  bootPxeOnce(): Promise<void>;
  status(): Promise<'on' | 'off' | 'unknown'>;
  power(action: 'on' | 'off' | 'cycle' | 'soft' | 'reset'): Promise<void>;
}

/** What a job's body answers: it ran, or it found its attempt superseded and ran nothing. */
export type JobOutcome = 'done' | 'dropped';

/** The power operations the lifecycle needs, by host id; 'manual' = no BMC Corral can drive. */
export interface PowerPort {
  bootPxeOnce(hostId: string): Promise<'done' | 'manual'>;
  power(hostId: string, action: 'on' | 'off' | 'cycle' | 'soft' | 'reset'): Promise<'done' | 'manual'>;
  status(hostId: string): Promise<'on' | 'off' | 'unknown'>;
  /**
   * Runs `body` as one job in the queue of the host's BMC, holding the BMC and one command slot
   * from its first command to its last; 'manual' (body not run) when Corral cannot drive the
   * host's BMC. A port without it runs the body's commands one by one through the methods above.
   */
  job?(hostId: string, body: (bmc: JobPort) => Promise<JobOutcome>): Promise<JobOutcome | 'manual'>;
}

const MANUAL_NOTE = { manual: true, note: 'no BMC Corral can drive: power the machine on by hand' };

export function createPowerEffects(deps: { power: PowerPort; lifecycle: () => Lifecycle; log: Logger; onNotify?: (hostId: string, what: string) => void }): EffectHandler {
  /**
   * Bumped at each new boot attempt and at each outcome (active, failed): a job of an older
   * generation runs nothing when its turn comes, and its outcome is not reported.
   */
  const generation = new Map<string, number>();
  const current = (hostId: string) => generation.get(hostId) ?? 0;
  const bump = (hostId: string) => generation.set(hostId, current(hostId) + 1);
  /** Hosts whose PXE-once was asked for this generation: the power effect that follows takes it into its job. */
  const pxeAsked = new Map<string, number>();

  /** The job's commands one by one through the port, for ports without jobs (and hosts without a BMC). */
  const viaCalls = async (hostId: string, body: (bmc: JobPort) => Promise<JobOutcome>): Promise<JobOutcome | 'manual'> => {
    let manual = false;
    const note = (r: 'done' | 'manual') => void (manual ||= r === 'manual');
    const out = await body({
      bootPxeOnce: async () => note(await deps.power.bootPxeOnce(hostId)),
      status: () => deps.power.status(hostId),
      power: async (a) => note(await deps.power.power(hostId, a)),
    });
    return out === 'done' && manual ? 'manual' : out;
  };

  const submit = (hostId: string, pxe: boolean, action: BootPowerAction, attempt: string) => {
    const gen = current(hostId);
    const stale = () => gen !== current(hostId);
    const body = async (bmc: JobPort): Promise<JobOutcome> => {
      if (stale()) return 'dropped';
      // The host may have moved on while the job was queued (its machine booted from an earlier
      // attempt, it entered maintenance): then the job powers nothing. Else its clock starts now.
      if (action !== 'off' && !deps.lifecycle().powerStarted(hostId, attempt)) return 'dropped';
      if (pxe) await bmc.bootPxeOnce();
      if (action === 'cycle') {
        // A cycle of a machine that is off is refused by many BMCs: power it on instead.
        const st = await bmc.status();
        await bmc.power(st === 'off' ? 'on' : 'cycle');
      } else await bmc.power(action);
      return 'done';
    };
    const job = deps.power.job ? deps.power.job(hostId, body) : viaCalls(hostId, body);
    job.then(
      async (r) => {
        if (r === 'dropped' || action === 'off' || stale()) return;
        await deps.lifecycle().report(hostId, { type: 'power.acked', action: action === 'on' ? 'on' : 'cycle' }, r === 'manual' ? MANUAL_NOTE : {});
      },
      (e: unknown) => {
        const reason = (e as Error).message ?? String(e);
        deps.log.warn('power job failed', { host: hostId, error: reason, ...(stale() && { superseded: true }) });
        if (!stale()) void deps.lifecycle().report(hostId, { type: 'power.failed', reason }).catch(() => undefined);
      },
    ).catch((e: Error) => deps.log.warn('cannot record the power outcome', { host: hostId, error: e.message }));
  };

  return {
    clockAtJobStart: true,
    run(hostId, effect, ctx) {
      if (effect.kind === 'notify') {
        bump(hostId); // active or failed: nothing queued for this host may still power it
        pxeAsked.delete(hostId);
        deps.onNotify?.(hostId, effect.what);
        return;
      }
      if (effect.kind === 'bootPxe') {
        // A new attempt starts: what an older one still has queued is dropped. The machine asks
        // for PXE-once and then power in the same breath (startBoot): the power effect submits both.
        bump(hostId);
        pxeAsked.set(hostId, current(hostId));
        return;
      }
      const pxe = pxeAsked.get(hostId) === current(hostId);
      pxeAsked.delete(hostId);
      submit(hostId, pxe, effect.action, ctx.attempt);
    },
  };
}
