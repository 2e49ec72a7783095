// Types and helpers shared by the responder's server-mode and proxy-mode halves (pure).
//
// Who gets an answer (docs/sot.md, "DHCP safety"):
// - an interface with `ignore_dhcp`: nothing at all, in either mode;
// - a MAC the SoT lists: its interface `ipv4` when that lies in the request's subnet (a
//   reservation); with no ipv4, an address from the site's discovery range when it lies on that
//   subnet (a listed MAC is safe to serve even with discovery off); an ipv4 on another subnet:
//   nothing (the host is on the wrong segment);
// - a host with `never_provision`: its address and options, never boot information;
// - an unknown MAC: nothing, unless the site enables discovery: then a range address and the
//   boot chain to its (discovery) script, and the ACK reports it as discovered.
import { parseIpv4 } from '../lib/ip.js';
import type { AddressRange, DhcpMode, Lease, Mac, Site, Subnet } from '../model/index.js';
import type { DhcpInterface, HostMatch } from './backend.js';
import type { LeaseChange, LeaseView } from './leases.js';
import { Opt } from './options.js';
import type { DhcpPacket } from './packet.js';
import type { BootClient, BootTarget } from './pxe.js';
import { DEFAULT_LEASE_SECONDS } from './reply-options.js';
import { buildReply } from './reply.js';
import { siteRange, subnetHas } from './subnets.js';

export type { HostMatch } from './backend.js';

export interface ServerConfig {
  /** Our address on the client's network: option 54 and the proxyDHCP server. */
  serverIp: string;
  /** Where a MAC boots from (its iPXE script: per host, or the discovery script). */
  bootTarget(mac: Mac): BootTarget;
}

export interface RespondContext {
  now: number;
  /** What kind of boot client sent the request, classified once per request. */
  client: BootClient;
  mode: DhcpMode;
  /** The local port the request arrived on: 67, or 4011 (PXE boot server / proxyDHCP). */
  port: 67 | 4011;
  site: Site | undefined;
  subnet: Subnet | undefined;
  /** The SoT's record for the request's MAC (DhcpBackend.hostByMac). */
  known: HostMatch | undefined;
  leases: LeaseView;
  /** The MAC ip is reserved for in the SoT ('' for an interface without MAC); undefined if none. */
  reservedFor(ip: number): string | undefined;
  server: ServerConfig;
}

export type DhcpEvent =
  | { kind: 'host'; hostId: string; type: 'dhcp.offered' | 'dhcp.acked'; ip?: string }
  | { kind: 'discovered'; mac: Mac; ip: string; siteId: string }
  | { kind: 'conflict'; mac: Mac; ip: string; hostId?: string };

/** A handled request: a reply to send (after leaseChange is durable), or none (`silent` says why). */
export interface Answer {
  reply?: DhcpPacket;
  leaseChange?: LeaseChange;
  event?: DhcpEvent;
  silent?: string;
}

/** A request not answered; the reason is a short fixed string, counted in stats. */
export interface Drop {
  drop: string;
}

export type Outcome = Answer | Drop;

export const isDrop = (o: object): o is Drop => 'drop' in o;

/** Drop reasons the server treats specially (notes, logs). */
export const UNKNOWN_MAC = 'unknown mac';
export const IGNORE_DHCP = 'ignore_dhcp interface';

/** Who the client is, for this subnet. */
export interface Client {
  mac: Mac;
  known?: HostMatch;
  iface?: DhcpInterface;
  /** Its SoT ipv4 when that lies in the request's subnet. */
  reserved?: string;
  /** Its SoT ipv4 lies in another subnet (it is on the wrong segment). */
  reservedElsewhere: boolean;
  /** The range it may get a dynamic address from. */
  range?: AddressRange;
  /** It may get boot information (not never_provision). */
  boot: boolean;
}

export function resolveClient(mac: Mac, ctx: RespondContext & { site: Site; subnet: Subnet }): Client | Drop {
  const { known, site, subnet } = ctx;
  if (!known) {
    if (!site.discovery.enabled) return { drop: UNKNOWN_MAC };
    const range = siteRange(site, subnet);
    return range ? { mac, range, reservedElsewhere: false, boot: true } : { drop: 'unknown mac (no discovery range on this subnet)' };
  }
  const iface = known.host.interfaces[known.ifaceIndex];
  if (iface?.ignoreDhcp) return { drop: IGNORE_DHCP };
  const c: Client = { mac, known, reservedElsewhere: false, boot: !known.host.neverProvision };
  if (iface) c.iface = iface;
  if (iface?.ipv4 && subnetHas(subnet, iface.ipv4)) c.reserved = iface.ipv4;
  else if (iface?.ipv4) c.reservedElsewhere = true;
  else {
    const range = siteRange(site, subnet);
    if (range) c.range = range;
  }
  return c;
}

export function leaseSeconds(subnet: Subnet): number {
  const t = subnet.leaseTime;
  return t !== undefined && Number.isFinite(t) && t > 0 ? Math.min(Math.floor(t), 0xfffffffe) : DEFAULT_LEASE_SECONDS;
}

export function leaseFor(ctx: RespondContext & { site: Site; subnet: Subnet }, c: Client, ip: string, state: Lease['state']): Lease {
  const lease: Lease = {
    mac: c.mac,
    ip,
    subnet: ctx.subnet.id,
    siteId: ctx.site.id,
    start: ctx.now,
    expires: ctx.now + leaseSeconds(ctx.subnet) * 1000,
    state,
  };
  if (c.known) lease.hostId = c.known.host.id;
  return lease;
}

/** A DHCPNAK with a reason in option 56 (RFC 2131 §4.3.2, Table 3). */
export function nak(req: DhcpPacket, ctx: RespondContext, message: string): Answer {
  const reply = buildReply(req, { type: 'NAK', serverId: ctx.server.serverIp, options: [[Opt.message, Buffer.from(message, 'latin1')]] });
  return { reply };
}

export function inRange(range: AddressRange, ip: string): boolean {
  const n = parseIpv4(ip);
  const a = parseIpv4(range.start);
  const b = parseIpv4(range.end);
  return n !== undefined && a !== undefined && b !== undefined && n >= a && n <= b;
}

export function hostEvent(c: Client, type: 'dhcp.offered' | 'dhcp.acked', ip: string | undefined): DhcpEvent | undefined {
  if (!c.known) return undefined;
  const ev: DhcpEvent = { kind: 'host', hostId: c.known.host.id, type };
  if (ip !== undefined) ev.ip = ip;
  return ev;
}
