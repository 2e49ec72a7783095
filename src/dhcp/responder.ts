// The DHCP responder (pure policy, STYLE P1/P8): one decoded request and its context in, the
// reply to send (and the lease change to make durable first, and the event to report) out, or
// a drop with a short reason. The socket server (server.ts) does the I/O.
//
// Dispatch: malformed-for-us requests are dropped first (op 2, non-Ethernet or hlen != 6, BOOTP
// without option 53 — Corral is DHCP-only, server messages); then who the client is
// (respond-context.ts); then port 4011 (PXE boot server), proxy mode (proxy.ts) or server mode
// (server-mode.ts, RFC 2131 §4.3).
import type { Site, Subnet } from '../model/index.js';
import type { DhcpMessageType } from './options.js';
import { BOOTREQUEST, getMessageType, type DhcpPacket } from './packet.js';
import { respondBootServer, respondProxy } from './proxy.js';
import { isDrop, resolveClient, type Drop, type Outcome, type RespondContext } from './respond-context.js';
import { respondServerMode } from './server-mode.js';

export * from './respond-context.js';

const CLIENT_MESSAGES = new Set<DhcpMessageType>(['DISCOVER', 'REQUEST', 'DECLINE', 'RELEASE', 'INFORM']);

/** The checks that do not depend on the SoT: what is not a DHCP client message for us. */
export function precheck(req: DhcpPacket): DhcpMessageType | Drop {
  if (req.op !== BOOTREQUEST) return { drop: 'not a request (op 2)' };
  if (req.htype !== 1) return { drop: 'not ethernet (htype)' };
  if (req.hlen !== 6 || !req.mac) return { drop: 'bad hlen for ethernet' };
  const type = getMessageType(req);
  if (!type) return { drop: req.options.has(53) ? 'bad message type' : 'bootp request (no option 53)' };
  if (!CLIENT_MESSAGES.has(type)) return { drop: 'not a client message' };
  return type;
}

export function respond(req: DhcpPacket, ctx: RespondContext): Outcome {
  const type = precheck(req);
  if (typeof type !== 'string') return type;
  const { site, subnet } = ctx;
  if (!site || !subnet) return { drop: req.giaddr !== '0.0.0.0' ? 'relay from an unknown subnet' : 'no subnet for request' };
  const placed = ctx as RespondContext & { site: Site; subnet: Subnet };
  const client = resolveClient(req.mac!, placed);
  if (isDrop(client)) return client;
  if (ctx.port === 4011) return respondBootServer(req, type, placed, client);
  if (ctx.mode === 'proxy') return respondProxy(req, type, placed, client);
  return respondServerMode(req, type, placed, client);
}
