// A pool VM's tap on the pool's bridge, made before each start of its QEMU process. The tap
// outlives the VM (persistent, reused at the next power-on), so a start must not trust that an
// existing tap is usable: a tap left by an earlier start whose `master` step failed, or one whose
// bridge was deleted and made again, sits on no bridge, and the VM would boot on a dead wire and
// time out in DHCP with nothing said. The steps are decided from what iproute2 shows (pure) and
// run with it in the network namespace Corral runs in (the lab's, on the lab).
import { spawnSync } from 'node:child_process';
import { ip } from '../../lab/net.js';

export interface TapFacts {
  /** The bridge exists here and is a Linux bridge. */
  bridgeIsBridge: boolean;
  /** The bridge name exists here, bridge or not. */
  bridgeExists: boolean;
  tapExists: boolean;
  /** The device the tap is enslaved to, if any. */
  tapMaster?: string;
}

/** The iproute2 commands that put `tap` on `bridge`, up; throws when the bridge is not there. */
export function tapSteps(tap: string, bridge: string, f: TapFacts): string[][] {
  if (!f.bridgeExists) throw new Error(`bridge "${bridge}" does not exist in the network namespace Corral runs in: the pool's VMs cannot be cabled to it`);
  if (!f.bridgeIsBridge) throw new Error(`"${bridge}" is not a bridge: a pool's VM taps join a Linux bridge`);
  const steps: string[][] = [];
  if (!f.tapExists) steps.push(['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
  if (f.tapMaster !== bridge) steps.push(['link', 'set', tap, 'master', bridge]);
  steps.push(['link', 'set', tap, 'up']);
  return steps;
}

/** One link as iproute2 sees it over netlink, so in Corral's own namespace (/sys may show another's). */
function link(dev: string): { master?: string; linkinfo?: { info_kind?: string } } | undefined {
  const r = spawnSync('ip', ['-j', '-d', 'link', 'show', 'dev', dev], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  try {
    return (JSON.parse(r.stdout) as { master?: string; linkinfo?: { info_kind?: string } }[])[0];
  } catch {
    return undefined;
  }
}

export function tapFacts(tap: string, bridge: string): TapFacts {
  const b = link(bridge);
  const t = link(tap);
  return {
    bridgeExists: !!b,
    bridgeIsBridge: b?.linkinfo?.info_kind === 'bridge',
    tapExists: !!t,
    ...(t?.master !== undefined && { tapMaster: t.master }),
  };
}

/** Makes `tap` (needs CAP_NET_ADMIN, as the .deb's unit grants) and puts it on `bridge`, up. */
export function ensureTap(tap: string, bridge: string): void {
  for (const s of tapSteps(tap, bridge, tapFacts(tap, bridge))) ip(...s);
}
