// How a qemu pool's VMs are named and addressed (pure): the same SoT always gives the same
// names, MACs, IPs and tap devices, so a reload or a restart finds the VMs it made before and
// DHCP, DNS and the boot chain see stable machines.
import { createHash } from 'node:crypto';
import { formatIpv4, parseCidr, parseIpv4 } from '../../lib/ip.js';
import type { Mac } from '../../model/index.js';

/** Most VMs one pool may run: the MAC keeps one byte for the VM number. */
export const MAX_VMS = 250;

export const vmName = (pool: string, n: number) => `${pool}-vm${n}`;

/**
 * 52:54:xx:xx:xx:NN: QEMU's locally administered prefix byte (0x52), then three bytes of a hash
 * of the pool's name and the VM number. Two pools whose hashes collide are caught as duplicate
 * MACs by the SoT's cross-checks, like any two hosts.
 */
export function vmMac(pool: string, n: number): Mac {
  if (!Number.isInteger(n) || n < 1 || n > MAX_VMS) throw new RangeError(`VM number ${n} is not 1..${MAX_VMS}`);
  const h = createHash('sha256').update(`corral-qemu-pool:${pool}`).digest();
  const bytes = [0x52, 0x54, h[0]!, h[1]!, h[2]!, n];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':') as Mac;
}

/**
 * VM n's IPv4 in `cidr`: ipStart + n - 1, or without ipStart the subnet's last `vms` host
 * addresses (the top of a subnet is where static leases least often sit). Undefined when it
 * falls outside the subnet's host addresses (crossref reports it).
 */
export function vmIp(cidr: string, vms: number, n: number, ipStart?: string): string | undefined {
  const c = parseCidr(cidr);
  if (!c || c.prefix > 30) return undefined;
  const first = c.network + 1;
  const last = (c.network | (~c.mask >>> 0)) - 1; // below broadcast
  const start = ipStart !== undefined ? parseIpv4(ipStart) : last - vms + 1;
  if (start === undefined) return undefined;
  const ip = start + n - 1;
  return ip >= first && ip <= last ? formatIpv4(ip >>> 0) : undefined;
}

/** The VM's tap: a hash keeps it in Linux's 15-character interface names whatever the host is called. */
export function tapName(host: string): string {
  return `cq${createHash('sha256').update(host).digest('hex').slice(0, 10)}`;
}
