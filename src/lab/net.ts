// The lab network, built from inside the lab's network namespace: a bridge carrying the
// appliance's address, one tap per machine, and (proxy mode) a second namespace for the site's
// DHCP server cabled to the bridge by a veth pair. Everything goes through iproute2.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';

export function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
}

function sysctlNet(path: string, value: string): void {
  const f = `/proc/sys/net/${path}`;
  if (existsSync(f)) writeFileSync(f, value);
}

export function setupBridge(bridge: string, serverIp: string): void {
  ip('link', 'set', 'lo', 'up');
  ip('link', 'add', bridge, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0');
  // No duplicate-address detection: the link-local address (which the IPv6 RA sender needs)
  // is usable as soon as the bridge has carrier.
  sysctlNet(`ipv6/conf/${bridge}/accept_dad`, '0');
  ip('addr', 'add', `${serverIp}/24`, 'dev', bridge);
  // A bridge with only idle taps has no carrier; a veth pair on it keeps it up so the
  // appliance's services and the link-local address exist before the first VM powers on.
  ip('link', 'add', `${bridge}-up`, 'type', 'veth', 'peer', 'name', `${bridge}-upp`);
  ip('link', 'set', `${bridge}-up`, 'master', bridge, 'up');
  // The bridge floods nothing to it: its peer is up in this namespace too, and every broadcast
  // the bridge passed it (each DHCPDISCOVER, each DHCPREQUEST) reached Corral's 0.0.0.0:67 socket
  // a second time through the peer — each answered and journalled twice.
  ip('link', 'set', 'dev', `${bridge}-up`, 'type', 'bridge_slave', 'flood', 'off', 'mcast_flood', 'off', 'bcast_flood', 'off');
  ip('link', 'set', `${bridge}-upp`, 'up');
  ip('link', 'set', bridge, 'up');
}

export function addTap(tap: string, bridge: string): void {
  ip('tuntap', 'add', 'dev', tap, 'mode', 'tap');
  ip('link', 'set', tap, 'master', bridge, 'up');
}

/** Waits (bounded) for the bridge's IPv6 link-local address; false when IPv6 is off here. */
export async function waitLinkLocal(dev: string, timeoutMs = 10_000): Promise<boolean> {
  if (!existsSync('/proc/net/if_inet6')) return false;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = spawnSync('ip', ['-6', 'addr', 'show', 'dev', dev, 'scope', 'link'], { encoding: 'utf8' });
    if (/inet6 fe80/.test(r.stdout)) return true;
    await new Promise((res) => setTimeout(res, 100));
  }
  return false;
}

/** The site namespace for proxy mode: <name>-site with eth0 at .2 cabled to the bridge. */
export function addSiteNamespace(siteNs: string, bridge: string, serverIp: string): string {
  const prefix = serverIp.split('.').slice(0, 3).join('.');
  execFileSync('ip', ['netns', 'add', siteNs]);
  ip('link', 'add', 'site0', 'type', 'veth', 'peer', 'name', 'site0p');
  ip('link', 'set', 'site0p', 'netns', siteNs);
  ip('link', 'set', 'site0', 'master', bridge, 'up');
  const inSite = (...a: string[]) => ip('-n', siteNs, ...a);
  inSite('link', 'set', 'site0p', 'name', 'eth0');
  inSite('addr', 'add', `${prefix}.2/24`, 'dev', 'eth0');
  inSite('link', 'set', 'eth0', 'up');
  inSite('link', 'set', 'lo', 'up');
  return `${prefix}.2`;
}

export function deleteNamespace(ns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean);
  for (const p of pids) {
    try {
      process.kill(Number(p), 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  spawnSync('ip', ['netns', 'del', ns]);
}

export function namespaceExists(ns: string): boolean {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.stdout.split('\n').some((l) => l.split(' ')[0] === ns);
}

