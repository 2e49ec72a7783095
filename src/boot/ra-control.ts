// Keeps the IPv6 RA sender (ipv6-ra.ts) in step with the SoT being served: started when a load
// brings `ipv6_ra: true` on some site's agent, stopped when no site asks for it any more. Starts
// and stops run one at a time, in order, so a quick true/false/true ends in the last state asked.
import type { Logger } from '../lib/log.js';
import type { Sot } from '../model/index.js';
import type { RaSender } from './ipv6-ra.js';
import type { ServiceState, StartRa } from './types.js';

export type { StartRa } from './types.js';

export interface RaControl {
  /** Follow this SoT; resolves once the sender is in the state it asks for. */
  apply(sot: Sot | undefined): Promise<void>;
  state(): ServiceState;
  stop(): Promise<void>;
}

export const raWanted = (sot: Sot | undefined): boolean => sot?.sites.some((s) => s.agents[0]?.ipv6Ra) ?? false;

export function createRaControl(iface: string | undefined, start: StartRa, log: Logger): RaControl {
  let sender: RaSender | undefined;
  let state: ServiceState = { state: 'off', reason: 'no site sets ipv6_ra' };
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;

  const set = async (want: boolean): Promise<void> => {
    if (stopped) return;
    if (!want) {
      if (sender) log.info('ipv6_ra no longer set: router advertisements stopped', { interface: iface });
      sender?.stop();
      sender = undefined;
      state = { state: 'off', reason: 'no site sets ipv6_ra' };
      return;
    }
    if (sender) return;
    if (!iface) {
      state = { state: 'failed', reason: 'ipv6_ra is set but the interface of the boot address is unknown' };
      log.warn('ipv6_ra is set but the interface of the boot address is unknown: no router advertisements');
      return;
    }
    try {
      sender = await start(iface, log);
      state = { state: 'running', address: iface };
    } catch (e) {
      state = { state: 'failed', reason: `router advertisements cannot be sent (needs python3 and CAP_NET_RAW): ${(e as Error).message}` };
      log.warn('ipv6_ra is set but router advertisements cannot be sent (needs python3 and CAP_NET_RAW)', { error: (e as Error).message });
    }
  };

  return {
    apply: (sot) => (chain = chain.then(() => set(raWanted(sot)))),
    state: () => state,
    stop: async () => {
      await chain;
      stopped = true;
      sender?.stop();
      sender = undefined;
    },
  };
}
