// Building replies from requests (RFC 2131 §4.3.1 Table 3) and choosing where they go
// (RFC 2131 §4.1). Pure: the socket server sends what these return.
import { Opt, MESSAGE_TYPE_CODES } from './options.js';
import { DEFAULT_MAX_SIZE } from './codec.js';
import { BOOTREPLY, BROADCAST_FLAG, ZERO_IP, getMaxMessageSize, getMessageType, type DhcpPacket } from './packet.js';
import { DhcpCodecError, ipv4Bytes } from './reader.js';

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
/** PXE boot server / proxyDHCP port (PXE 2.1 spec, boot server discovery). */
export const PXE_SERVER_PORT = 4011;
export const LIMITED_BROADCAST = '255.255.255.255';

export type ReplyType = 'OFFER' | 'ACK' | 'NAK';

export interface ReplyInit {
  type: ReplyType;
  /** Option 54: the address of this server on the client's network. */
  serverId: string;
  /** The address offered/assigned; '0.0.0.0' (default) for a NAK, an INFORM ACK or a proxy offer. */
  yiaddr?: string;
  /** Next server (TFTP) address. */
  siaddr?: string;
  sname?: string;
  file?: string;
  /** Further options, written after 53 and 54 in this order. */
  options?: Iterable<readonly [number, Uint8Array]>;
}

/** Options a reply must not carry from the caller: computed here, echoed, or client-only (Table 3). */
const NOT_FROM_CALLER = new Set<number>([
  Opt.requestedIp, Opt.overload, Opt.messageType, Opt.serverId, Opt.paramRequestList,
  Opt.maxMessageSize, Opt.clientId, Opt.relayAgentInfo,
]);
/** RFC 2131 Table 3: a DHCPNAK may carry only 56 (message) and 60 besides 53, 54, 61 and 82. */
const NAK_ALLOWED = new Set<number>([Opt.message, Opt.vendorClass]);

function replyOptions(req: DhcpPacket, init: ReplyInit): Map<number, Uint8Array> {
  const options = new Map<number, Uint8Array>([
    [Opt.messageType, Uint8Array.of(MESSAGE_TYPE_CODES[init.type])],
    [Opt.serverId, ipv4Bytes(init.serverId, 'server id')],
  ]);
  for (const [code, value] of init.options ?? []) {
    if (NOT_FROM_CALLER.has(code)) throw new DhcpCodecError(`option ${code} is not set by the caller of buildReply`);
    if (init.type === 'NAK' && !NAK_ALLOWED.has(code)) throw new DhcpCodecError(`option ${code} not allowed in a NAK`);
    options.set(code, value);
  }
  const clientId = req.options.get(Opt.clientId);
  if (clientId) options.set(Opt.clientId, clientId); // RFC 6842 §3: echo unaltered
  const relay = req.options.get(Opt.relayAgentInfo);
  if (relay) options.set(Opt.relayAgentInfo, relay); // RFC 3046 §2.2: echo; encoder writes it last
  return options;
}

function checkNak(init: ReplyInit): void {
  const used = [init.yiaddr, init.siaddr].some((a) => a !== undefined && a !== ZERO_IP) || !!init.sname || !!init.file;
  if (used) throw new DhcpCodecError('a NAK carries no yiaddr, siaddr, sname or file');
}

/**
 * A reply to `req` per RFC 2131 Table 3: xid, flags, giaddr, htype/hlen/chaddr copied; hops and secs
 * 0; ciaddr copied into an ACK only; 53 and 54 first; 61 and 82 echoed from the request. A NAK
 * through a relay gets the broadcast bit so the relay broadcasts it (RFC 2131 §4.3.2).
 */
export function buildReply(req: DhcpPacket, init: ReplyInit): DhcpPacket {
  if (init.type === 'NAK') checkNak(init);
  const relayedNak = init.type === 'NAK' && req.giaddr !== ZERO_IP;
  const reply: DhcpPacket = {
    op: BOOTREPLY,
    htype: req.htype,
    hlen: req.hlen,
    hops: 0,
    xid: req.xid,
    secs: 0,
    flags: relayedNak ? req.flags | BROADCAST_FLAG : req.flags,
    ciaddr: init.type === 'ACK' ? req.ciaddr : ZERO_IP,
    yiaddr: init.yiaddr ?? ZERO_IP,
    siaddr: init.siaddr ?? ZERO_IP,
    giaddr: req.giaddr,
    chaddr: req.chaddr.slice(),
    sname: init.sname ?? '',
    file: init.file ?? '',
    options: replyOptions(req, init),
  };
  if (req.mac !== undefined) reply.mac = req.mac;
  return reply;
}

/**
 * The largest reply `req` accepts, in bytes of DHCP message. Option 57 is read as an IP datagram
 * size and 28 bytes of IP/UDP header are taken off, because clients disagree (ISC dhclient sends
 * the MTU, iPXE and EDK2 send MTU - 28): the smaller reading is always safe. Capped at an
 * Ethernet MTU (1472) to avoid fragmentation; 548 (576 - 28, RFC 2131 §2) without option 57.
 */
export function maxReplySize(req: DhcpPacket): number {
  const mms = getMaxMessageSize(req);
  return mms === undefined ? DEFAULT_MAX_SIZE : Math.min(Math.max(mms - 28, DEFAULT_MAX_SIZE), 1500 - 28);
}

export interface ReplyDestination {
  address: string;
  port: number;
  /** true when address is the limited broadcast (the socket needs SO_BROADCAST). */
  broadcast: boolean;
}

/** Where a request came from, and the local port it arrived on (67, or 4011 for PXE). */
export interface RequestSource {
  address: string;
  port: number;
  localPort?: number;
}

const broadcast = (): ReplyDestination => ({ address: LIMITED_BROADCAST, port: DHCP_CLIENT_PORT, broadcast: true });

/**
 * RFC 2131 §4.1 destination of `reply`:
 * - a request to the PXE port 4011 is answered to its source address and port (PXE 2.1 boot server replies);
 * - giaddr set: unicast to the relay on port 67;
 * - a NAK without relay: broadcast;
 * - ciaddr set: unicast to ciaddr:68;
 * - otherwise broadcast to 255.255.255.255:68. RFC 2131 would unicast to yiaddr/chaddr when the
 *   BROADCAST bit is clear, but that needs an ARP entry the client has not answered yet, and Node
 *   cannot inject one; broadcasting is always allowed, and iPXE/EDK2 accept it.
 */
export function replyDestination(req: DhcpPacket, reply: DhcpPacket, from?: RequestSource): ReplyDestination {
  if (from?.localPort === PXE_SERVER_PORT && from.address !== ZERO_IP && from.port > 0) {
    return { address: from.address, port: from.port, broadcast: false };
  }
  if (req.giaddr !== ZERO_IP) return { address: req.giaddr, port: DHCP_SERVER_PORT, broadcast: false };
  if (getMessageType(reply) === 'NAK') return broadcast();
  if (req.ciaddr !== ZERO_IP) return { address: req.ciaddr, port: DHCP_CLIENT_PORT, broadcast: false };
  return broadcast(); // BROADCAST bit set, or clear and no way to ARP: see above
}
