// Carries out the machine's outside effects through the BMC: one-time PXE boot, then power on
// (or cycle when already on), then reports power.acked / power.failed. One chain per host, so
// the PXE override always lands before the power action.
import type { Logger } from '../lib/log.js';
import type { EffectHandler, Lifecycle } from './runner.js';

/** The power operations the lifecycle needs, by host id; 'manual' = no BMC Corral can drive. */
export interface PowerPort {
  bootPxeOnce(hostId: string): Promise<'done' | 'manual'>;
  power(hostId: string, action: 'on' | 'off' | 'cycle' | 'soft' | 'reset'): Promise<'done' | 'manual'>;
  status(hostId: string): Promise<'on' | 'off' | 'unknown'>;
}

export function createPowerEffects(deps: { power: PowerPort; lifecycle: () => Lifecycle; log: Logger; onNotify?: (hostId: string, what: string) => void }): EffectHandler {
  const chains = new Map<string, Promise<void>>();
  /** Bumped at each new boot attempt and at each outcome: queued work of an older attempt is dropped. */
  const generation = new Map<string, number>();
  const current = (hostId: string) => generation.get(hostId) ?? 0;
  const bump = (hostId: string) => generation.set(hostId, current(hostId) + 1);
  /** Hosts whose PXE override failed: the power action queued behind it is skipped. */
  const pxeFailed = new Set<string>();
  const enqueue = (hostId: string, job: () => Promise<void>) => {
    const gen = current(hostId);
    const next = (chains.get(hostId) ?? Promise.resolve()).then(() => (gen === current(hostId) ? job() : undefined));
    chains.set(hostId, next);
    void next.finally(() => {
      if (chains.get(hostId) === next) chains.delete(hostId);
    });
  };
  const fail = (hostId: string, e: unknown) => {
    const reason = (e as Error).message ?? String(e);
    deps.log.warn('power effect failed', { host: hostId, error: reason });
    void deps.lifecycle().report(hostId, { type: 'power.failed', reason }).catch(() => undefined);
  };
  return {
    run(hostId, effect) {
      if (effect.kind === 'notify') {
        bump(hostId); // active or failed: nothing queued for this host may still power it
        deps.onNotify?.(hostId, effect.what);
        return;
      }
      if (effect.kind === 'bootPxe') {
        bump(hostId); // a new attempt starts: drop what an older one still has queued
        enqueue(hostId, async () => {
          try {
            pxeFailed.delete(hostId);
            await deps.power.bootPxeOnce(hostId);
          } catch (e) {
            pxeFailed.add(hostId);
            fail(hostId, e);
          }
        });
        return;
      }
      const action = effect.action;
      enqueue(hostId, async () => {
        if (pxeFailed.delete(hostId)) return;
        try {
          let done: 'done' | 'manual';
          if (action === 'cycle') {
            // A cycle of a machine that is off is refused by many BMCs: power it on instead.
            const st = await deps.power.status(hostId);
            done = await deps.power.power(hostId, st === 'off' ? 'on' : 'cycle');
          } else done = await deps.power.power(hostId, action);
          if (action !== 'off') {
            await deps.lifecycle().report(hostId, { type: 'power.acked', action: action === 'on' ? 'on' : 'cycle' }, done === 'manual' ? { manual: true, note: 'no BMC Corral can drive: power the machine on by hand' } : {});
          }
        } catch (e) {
          fail(hostId, e);
        }
      });
    },
  };
}
