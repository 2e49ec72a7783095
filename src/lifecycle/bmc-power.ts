// PowerPort over the BMC registry: finds the host's BMC in the served SoT and drives it.
// Hosts without a BMC Corral can drive (none, ssh, custom) answer 'manual'.
import { isApplianceError } from '../model/index.js';
import type { LiveSot } from '../sot/live.js';
import { bmcTargetFor, type BmcRegistry, type ResolvedBmc } from '../bmc/index.js';
import type { PowerPort } from './power-effects.js';

export function createBmcPower(deps: { sot: LiveSot; registry: BmcRegistry; sotDir: string; env?: NodeJS.ProcessEnv }): PowerPort {
  const resolve = async (hostId: string): Promise<ResolvedBmc | undefined> => {
    const host = deps.sot.index().hostsById.get(hostId);
    if (!host) return undefined;
    try {
      const bmc = await bmcTargetFor(host, { baseDir: deps.sotDir, ...(deps.env && { env: deps.env }) });
      return bmc.type === 'ipmi' || bmc.type === 'redfish' ? bmc : undefined;
    } catch (e) {
      // No BMC interface at all: a machine someone powers by hand. Anything else (a missing
      // password variable, say) is a real error the operator must see.
      if (isApplianceError(e) && e.code === 'BMC_UNSUPPORTED' && /no BMC interface|has no address/.test(e.message)) return undefined;
      throw e;
    }
  };
  return {
    async bootPxeOnce(hostId) {
      const bmc = await resolve(hostId);
      if (!bmc) return 'manual';
      await deps.registry.bootPxeOnce(bmc);
      return 'done';
    },
    async power(hostId, action) {
      const bmc = await resolve(hostId);
      if (!bmc) return 'manual';
      await deps.registry.power(bmc, action);
      return 'done';
    },
    async status(hostId) {
      const bmc = await resolve(hostId);
      if (!bmc) return 'unknown';
      return deps.registry.powerStatus(bmc);
    },
  };
}
