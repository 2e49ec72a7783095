// Server mode (pure): the RFC 2131 §4.3 server behaviour for DISCOVER, REQUEST, DECLINE, RELEASE
// and INFORM, over the SoT reservations and the lease view.
import { parseIpv4 } from '../lib/ip.js';
import type { Site, Subnet } from '../model/index.js';
import type { DhcpMessageType } from './options.js';
import { getRequestedIp, getServerId, ZERO_IP, type DhcpPacket } from './packet.js';
import {
  hostEvent, inRange, leaseFor, leaseSeconds, nak,
  type Answer, type Client, type DhcpEvent, type Outcome, type RespondContext,
} from './respond-context.js';
import { bootInfo, hostOptions, ipxeNoProxyWait, leaseOptions, orderOptions, subnetOptions, type OptionList } from './reply-options.js';
import { buildReply } from './reply.js';
import { isNetworkOrBroadcast, subnetHas } from './subnets.js';

type Ctx = RespondContext & { site: Site; subnet: Subnet };

/** Parsed configuration addresses (server id, gateways): a handful of strings, parsed once. */
const parsed = new Map<string, number | undefined>();
function configIp(ip: string | undefined): number | undefined {
  if (ip === undefined) return undefined;
  if (!parsed.has(ip)) {
    if (parsed.size > 1024) parsed.clear();
    parsed.set(ip, parseIpv4(ip));
  }
  return parsed.get(ip);
}

/** Never handed out dynamically: SoT reservations, our address, the gateway, network/broadcast. */
function avoider(ctx: Ctx): (ip: number) => boolean {
  const own = configIp(ctx.server.serverIp);
  const gw = configIp(ctx.subnet.gateway);
  return (ip) => ip === own || ip === gw || ctx.reservedFor(ip) !== undefined || isNetworkOrBroadcast(ctx.subnet, ip);
}

/** May the client hold ip now? Its reservation; or a free (or its own) address of its range. */
function acceptable(ctx: Ctx, c: Client, ip: string): boolean {
  if (c.reserved !== undefined) return ip === c.reserved;
  if (!c.range || !inRange(c.range, ip) || !subnetHas(ctx.subnet, ip)) return false;
  const n = parseIpv4(ip);
  if (n === undefined || avoider(ctx)(n)) return false;
  const holder = ctx.leases.holder(ip);
  return (holder === undefined || holder === c.mac) && !ctx.leases.declined(ip);
}

/**
 * RFC 2131 §4.3.1 address choice: the reservation; else the client's current offer or binding,
 * its previous (expired/released) address, the address it asks for (option 50), a new one.
 */
function addressFor(req: DhcpPacket, ctx: Ctx, c: Client): string | undefined {
  if (c.reserved !== undefined) return c.reserved;
  if (!c.range) return undefined;
  const candidates = [ctx.leases.offer(c.mac)?.ip, ctx.leases.lease(c.mac)?.ip, getRequestedIp(req)];
  for (const ip of candidates) if (ip !== undefined && acceptable(ctx, c, ip)) return ip;
  return ctx.leases.allocate(c.range, avoider(ctx));
}

function addressReply(type: 'OFFER' | 'ACK', req: DhcpPacket, ctx: Ctx, c: Client, ip: string | undefined): DhcpPacket {
  const boot = c.boot ? bootInfo(ctx.client, ctx.server.bootTarget(c.mac)) : undefined;
  const options: OptionList = [...subnetOptions(ctx.subnet)];
  if (c.known) options.push(...hostOptions(c.known.host, c.iface));
  if (ip !== undefined) options.push(...leaseOptions(leaseSeconds(ctx.subnet)));
  if (boot) options.push(...boot.options);
  // iPXE: do not wait 2-3 s for ProxyDHCP offers (ipxeNoProxyWait); also for a host without boot.
  if (ctx.client.isIpxe) options.push(ipxeNoProxyWait());
  return buildReply(req, {
    type,
    serverId: ctx.server.serverIp,
    yiaddr: ip ?? ZERO_IP,
    siaddr: boot?.siaddr,
    file: boot?.file,
    options: orderOptions(req, options),
  });
}

/** §4.3.1: DHCPOFFER with the chosen address; the offer is remembered in memory only. */
function onDiscover(req: DhcpPacket, ctx: Ctx, c: Client): Outcome {
  const ip = addressFor(req, ctx, c);
  if (ip === undefined) return { drop: c.range ? 'pool exhausted' : 'no address for this host on this subnet' };
  const answer: Answer = { reply: addressReply('OFFER', req, ctx, c, ip), leaseChange: { kind: 'offer', lease: leaseFor(ctx, c, ip, 'offered') } };
  const ev = hostEvent(c, 'dhcp.offered', ip);
  if (ev) answer.event = ev;
  return answer;
}

/** DHCPACK: the binding is written durably before the reply leaves (the server sees to that). */
function ack(req: DhcpPacket, ctx: Ctx, c: Client, ip: string): Answer {
  const prev = ctx.leases.lease(c.mac);
  const renewed = prev !== undefined && prev.state === 'bound' && prev.ip === ip && prev.expires > ctx.now;
  let event: DhcpEvent | undefined = hostEvent(c, 'dhcp.acked', ip);
  if (!c.known && !renewed) event = { kind: 'discovered', mac: c.mac, ip, siteId: ctx.site.id };
  const answer: Answer = { reply: addressReply('ACK', req, ctx, c, ip), leaseChange: { kind: 'bind', lease: leaseFor(ctx, c, ip, 'bound') } };
  if (event) answer.event = event;
  return answer;
}

/**
 * §4.3.2, told apart by option 54, option 50 and ciaddr:
 * - SELECTING (54 present): ours -> ACK the requested address if the client may have it, else
 *   NAK; another server's -> the client declined our offer: forget it, stay silent.
 * - INIT-REBOOT (50, no 54, no ciaddr): NAK an address wrong for the network or not the client's;
 *   ACK its own; silent when we have no record of the client.
 * - RENEWING / REBINDING (ciaddr, no 50): ACK when ciaddr is the client's; NAK when we know it
 *   has another; silent when we have no record.
 */
function onRequest(req: DhcpPacket, ctx: Ctx, c: Client): Outcome {
  const sid = getServerId(req);
  const requested = getRequestedIp(req);
  if (sid !== undefined && sid !== ctx.server.serverIp) return { leaseChange: { kind: 'forget', mac: c.mac }, silent: 'client chose another server' };
  if (sid !== undefined) {
    const ip = requested ?? (req.ciaddr !== ZERO_IP ? req.ciaddr : undefined);
    if (ip === undefined) return nak(req, ctx, 'no requested address');
    return acceptable(ctx, c, ip) ? ack(req, ctx, c, ip) : nak(req, ctx, 'requested address not available');
  }
  if (requested !== undefined && req.ciaddr === ZERO_IP) return initReboot(req, ctx, c, requested);
  if (req.ciaddr !== ZERO_IP) return renew(req, ctx, c, req.ciaddr);
  return { drop: 'request without server id, requested address or ciaddr' };
}

function initReboot(req: DhcpPacket, ctx: Ctx, c: Client, requested: string): Outcome {
  if (!subnetHas(ctx.subnet, requested)) return nak(req, ctx, 'wrong network');
  if (c.reserved !== undefined) return requested === c.reserved ? ack(req, ctx, c, requested) : nak(req, ctx, 'not your address');
  const record = ctx.leases.lease(c.mac) ?? ctx.leases.offer(c.mac);
  if (!record) return { drop: 'init-reboot from a client without record' }; // §4.3.2: MUST remain silent
  return record.ip === requested && acceptable(ctx, c, requested) ? ack(req, ctx, c, requested) : nak(req, ctx, 'not your address');
}

function renew(req: DhcpPacket, ctx: Ctx, c: Client, ciaddr: string): Outcome {
  if (c.reserved !== undefined) return ciaddr === c.reserved ? ack(req, ctx, c, ciaddr) : nak(req, ctx, 'not your address');
  const record = ctx.leases.lease(c.mac);
  if (!record) return { drop: 'renewal from a client without record' };
  return record.ip === ciaddr && acceptable(ctx, c, ciaddr) ? ack(req, ctx, c, ciaddr) : nak(req, ctx, 'lease not renewable');
}

/** §4.3.3: the client found the address in use: mark it unavailable and report a conflict. */
function onDecline(req: DhcpPacket, ctx: Ctx, c: Client): Outcome {
  const sid = getServerId(req);
  const ip = getRequestedIp(req);
  if (sid !== undefined && sid !== ctx.server.serverIp) return { drop: 'decline for another server' };
  if (ip === undefined) return { drop: 'decline without requested address' };
  const event: DhcpEvent = { kind: 'conflict', mac: c.mac, ip };
  if (c.known) event.hostId = c.known.host.id;
  return { leaseChange: { kind: 'decline', mac: c.mac, ip }, event, silent: 'declined' };
}

/** §4.3.4: the client gives its address (ciaddr) back. */
function onRelease(req: DhcpPacket, ctx: Ctx, c: Client): Outcome {
  const sid = getServerId(req);
  if (sid !== undefined && sid !== ctx.server.serverIp) return { drop: 'release for another server' };
  if (req.ciaddr === ZERO_IP) return { drop: 'release without ciaddr' };
  return { leaseChange: { kind: 'release', mac: c.mac, ip: req.ciaddr }, silent: 'released' };
}

/** §4.3.5: configuration only: ACK with options, no yiaddr, no lease time; sent to ciaddr. */
function onInform(req: DhcpPacket, ctx: Ctx, c: Client): Outcome {
  if (req.ciaddr === ZERO_IP) return { drop: 'inform without ciaddr' };
  const noBoot: Client = { ...c, boot: false };
  return { reply: addressReply('ACK', req, ctx, noBoot, undefined) };
}

export function respondServerMode(req: DhcpPacket, type: DhcpMessageType, ctx: Ctx, c: Client): Outcome {
  if (c.reservedElsewhere && type !== 'RELEASE' && type !== 'DECLINE') return { drop: 'host reserved on another subnet' };
  switch (type) {
    case 'DISCOVER':
      return onDiscover(req, ctx, c);
    case 'REQUEST':
      return onRequest(req, ctx, c);
    case 'DECLINE':
      return onDecline(req, ctx, c);
    case 'RELEASE':
      return onRelease(req, ctx, c);
    case 'INFORM':
      return onInform(req, ctx, c);
    default:
      return { drop: 'not a client message' };
  }
}
