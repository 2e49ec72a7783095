// PowerPort over the BMC registry: finds the host's BMC in the served SoT and drives it.
// Hosts without a BMC Corral can drive (none, ssh, custom) answer 'manual'; ipmi, redfish and a
// qemu pool VM's qemu BMC are driven. A BMC with Vaquero's
// `soft_reboot` turns a running machine off gently first: an ACPI shutdown request, then a hard
// off if it is still on after `soft_timeout` seconds (0: never forced; the job then fails after
// SOFT_NEVER_MS and says so). A boot's commands run as one job of the BMC registry (job()):
// queued once, then holding the BMC and one command slot until its last command.
import { isApplianceError } from '../model/index.js';
import type { LiveSot } from '../sot/live.js';
import { bmcTargetFor, type BmcRegistry, type PowerAction, type PowerStatus, type ResolvedBmc } from '../bmc/index.js';
import type { JobRun } from '../bmc/registry.js';
import type { JobPort, PowerPort } from './power-effects.js';
import { systemClock, type Clock } from '../lib/clock.js';

/** soft_timeout when the SoT sets soft_reboot without one. */
export const DEFAULT_SOFT_TIMEOUT_SEC = 60;
/** With soft_timeout 0 (never force), how long a soft off may take before the job gives up. */
export const SOFT_NEVER_MS = 10 * 60_000;

export interface BmcPowerDeps {
  sot: LiveSot;
  registry: BmcRegistry;
  sotDir: string;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  /** How often power state is read while waiting for a soft off (default 2 s). */
  softPollMs?: number;
}

export function createBmcPower(deps: BmcPowerDeps): PowerPort {
  const clock = deps.clock ?? systemClock;
  const pollMs = deps.softPollMs ?? 2000;
  const sleep = (ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms));
  /** The BMC's commands, each queued on its own or run inside a job. */
  interface Ops {
    status(): Promise<PowerStatus>;
    power(action: PowerAction): Promise<void>;
  }
  const alone = (bmc: ResolvedBmc): Ops => ({ status: () => deps.registry.powerStatus(bmc), power: (a) => deps.registry.power(bmc, a) });
  const inJob = (run: JobRun): Ops => ({ status: () => run({ kind: 'status' }), power: (a) => run({ kind: 'power', action: a }) });
  /** ACPI off, then hard off past the timeout. Resolves once the machine is off. */
  const softOff = async (bmc: ResolvedBmc, ops: Ops): Promise<void> => {
    if ((await ops.status()) === 'off') return;
    await ops.power('soft');
    const limitSec = bmc.softTimeoutSec ?? DEFAULT_SOFT_TIMEOUT_SEC;
    const deadline = clock.now() + (limitSec === 0 ? SOFT_NEVER_MS : limitSec * 1000);
    while (clock.now() < deadline) {
      await sleep(pollMs);
      if ((await ops.status()) === 'off') return;
    }
    if (limitSec === 0) throw new Error(`still on ${SOFT_NEVER_MS / 60_000} min after an ACPI shutdown request, and soft_timeout 0 never forces it off`);
    await ops.power('off');
  };
  /** A power action, with soft_reboot's gentle off first for cycle and reset. */
  const powerWith = async (bmc: ResolvedBmc, ops: Ops, action: PowerAction): Promise<void> => {
    if (bmc.softReboot && (action === 'cycle' || action === 'reset')) {
      await softOff(bmc, ops);
      await ops.power('on');
    } else await ops.power(action);
  };
  const resolve = async (hostId: string): Promise<ResolvedBmc | undefined> => {
    const host = deps.sot.index().hostsById.get(hostId);
    if (!host) return undefined;
    try {
      const bmc = await bmcTargetFor(host, { baseDir: deps.sotDir, ...(deps.env && { env: deps.env }) });
      // qemu: a qemu pool's VM, powered through the qemu provider (src/bmc/qemu.ts) like any BMC.
      return bmc.type === 'ipmi' || bmc.type === 'redfish' || bmc.type === 'qemu' ? bmc : undefined;
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
      await powerWith(bmc, alone(bmc), action);
      return 'done';
    },
    async job(hostId, body) {
      const bmc = await resolve(hostId);
      if (!bmc) return 'manual';
      return deps.registry.job(bmc, 'boot', (run) => {
        const ops = inJob(run);
        const port: JobPort = { bootPxeOnce: () => run({ kind: 'bootPxe' }), status: ops.status, power: (a) => powerWith(bmc, ops, a) };
        return body(port);
      });
    },
    async status(hostId) {
      const bmc = await resolve(hostId);
      if (!bmc) return 'unknown';
      return deps.registry.powerStatus(bmc);
    },
  };
}
