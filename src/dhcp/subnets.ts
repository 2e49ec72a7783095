// Where a request belongs in the SoT (pure): its subnet and site, the DHCP mode there, and the
// addresses the SoT reserves. Used by the server to build the responder's context.
import { inCidr, parseCidr, parseIpv4, type Cidr } from '../lib/ip.js';
import type { AddressRange, DhcpMode, Site, Subnet } from '../model/index.js';
import type { DhcpSot } from './backend.js';
import { ZERO_IP, type DhcpPacket } from './packet.js';

const cidrs = new WeakMap<Subnet, Cidr | null>();

/** The subnet's network as a Cidr (cached per Subnet object; the SoT is immutable once loaded). */
export function subnetCidr(subnet: Subnet): Cidr | undefined {
  let c = cidrs.get(subnet);
  if (c === undefined) {
    c = parseCidr(`${subnet.network}/${subnet.prefix}`) ?? parseCidr(subnet.cidr) ?? null;
    cidrs.set(subnet, c);
  }
  return c ?? undefined;
}

export function subnetHas(subnet: Subnet, ip: string | number): boolean {
  const n = typeof ip === 'number' ? ip : parseIpv4(ip);
  const c = subnetCidr(subnet);
  return n !== undefined && c !== undefined && inCidr(n, c);
}

/** The network and broadcast addresses of a subnet: never handed out (RFC 950, RFC 919). */
export function isNetworkOrBroadcast(subnet: Subnet, ip: number): boolean {
  const c = subnetCidr(subnet);
  if (!c || c.prefix >= 31) return false; // RFC 3021: /31 has no network/broadcast address
  return ip === c.network || ip === (c.network | ~c.mask) >>> 0;
}

export interface Placement {
  site: Site;
  subnet: Subnet;
}

/** The first subnet (in SoT order, optionally only one site's) that contains ip. */
export function findSubnet(sot: DhcpSot, ip: string, siteId?: string): Placement | undefined {
  const n = parseIpv4(ip);
  if (n === undefined || n === 0) return undefined;
  for (const site of sot.sites) {
    if (siteId !== undefined && site.id !== siteId) continue;
    for (const subnet of site.subnets) if (subnetHas(subnet, n)) return { site, subnet };
  }
  return undefined;
}

/**
 * The network a request comes from (RFC 2131 §4.3.1 "the client's network"):
 * - giaddr set: the relay's subnet (RFC 2131 §4.1, RFC 1542 §4.1.2);
 * - ciaddr set (INFORM, RENEWING unicast straight to us, possibly from behind a relay): the
 *   subnet holding ciaddr, when it is one of ours;
 * - otherwise the subnet of our own address on the receiving interface (a local broadcast).
 */
export function selectSubnet(sot: DhcpSot, req: DhcpPacket, serverIp: string, siteId?: string): Placement | undefined {
  if (req.giaddr !== ZERO_IP) return findSubnet(sot, req.giaddr, siteId);
  if (req.ciaddr !== ZERO_IP) {
    const byCiaddr = findSubnet(sot, req.ciaddr, siteId);
    if (byCiaddr) return byCiaddr;
  }
  return findSubnet(sot, serverIp, siteId);
}

/** Subnet `dhcp_mode`, else the site's first agent's, else server (docs/sot.md). */
export function effectiveMode(site: Site, subnet: Subnet, override?: DhcpMode): DhcpMode {
  return override ?? subnet.dhcpMode ?? site.agents[0]?.dhcpMode ?? 'server';
}

/** The site's discovery range when it lies on `subnet` (docs/sot.md `discovery`). */
export function siteRange(site: Site, subnet: Subnet): AddressRange | undefined {
  const d = site.discovery;
  if (!d.range || (d.subnet ?? site.subnets[0]?.id) !== subnet.id) return undefined;
  return subnetHas(subnet, d.range.start) && subnetHas(subnet, d.range.end) ? d.range : undefined;
}

/** ip (as a number) -> the MAC it is reserved for, or '' for an interface with an ipv4 but no MAC. */
export type ReservationIndex = Map<number, string>;

/** Every interface ipv4 of the SoT: reserved for its MAC, never handed to anyone else. */
export function buildReservations(sot: DhcpSot): ReservationIndex {
  const out: ReservationIndex = new Map();
  for (const host of sot.hosts) {
    for (const iface of host.interfaces) {
      const n = iface.ipv4 ? parseIpv4(iface.ipv4) : undefined;
      if (n !== undefined && !out.get(n)) out.set(n, iface.mac ?? '');
    }
  }
  return out;
}
