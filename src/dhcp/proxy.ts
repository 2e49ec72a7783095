// ProxyDHCP and the PXE boot server on port 4011 (pure; PXE spec 2.1 §2.2, "proxyDHCP").
//
// Another server hands out addresses; we answer PXE clients only, with boot information:
// - port 67, DISCOVER from a PXE / HTTP boot / iPXE client: an OFFER with yiaddr 0.0.0.0, no
//   lease time, option 54 = us, option 60 "PXEClient" (iPXE recognises a proxy offer by it) or
//   "HTTPClient", the boot file, option 97 echoed. BIOS PXE (arch 0) also gets option 43 with
//   PXE_DISCOVERY_CONTROL = 8 ("boot the file, no discovery"). UEFI gets no option 43: many UEFI
//   firmwares then ask port 4011 for the boot file, the only path they chainload reliably
//   (pixiecore's README and its dhcp.go make the same choice for UEFI proxy offers).
// - port 67, REQUEST naming us in option 54: ACK with the same boot information; any other
//   REQUEST belongs to the site's DHCP server and is ignored.
// - port 4011, REQUEST (or INFORM): ACK with the boot information, unicast to the sender.
// The same 4011 answer is given in server mode (a PXE client may still ask there).
import { Opt, type DhcpMessageType } from './options.js';
import { getServerId, ZERO_IP, type DhcpPacket } from './packet.js';
import { bootInfo, orderOptions, pxeBypassDiscovery, type BootInfo, type OptionList } from './reply-options.js';
import { hostEvent, type Answer, type Client, type Outcome, type RespondContext } from './respond-context.js';
import { buildReply, type ReplyType } from './reply.js';

const PXE_CLIENT = Buffer.from('PXEClient', 'latin1');

type Boot = BootInfo | { drop: string };

function bootFor(req: DhcpPacket, ctx: RespondContext, c: Client): Boot {
  const client = ctx.client;
  if (!client.isPxe && !client.isHttpClient && !client.isIpxe) return { drop: 'proxy: not a PXE client' };
  if (!c.boot) return { drop: 'never_provision host' };
  const boot = bootInfo(client, ctx.server.bootTarget(c.mac));
  return boot.decision.kind === 'none' ? { drop: `no boot file: ${boot.decision.reason}` } : boot;
}

function bootReply(req: DhcpPacket, ctx: RespondContext, type: ReplyType, boot: BootInfo, withPxeOptions: boolean): DhcpPacket {
  const options: OptionList = [...boot.options];
  if (!options.some(([code]) => code === Opt.vendorClass)) options.unshift([Opt.vendorClass, PXE_CLIENT]);
  if (withPxeOptions && boot.biosPxe) options.push(pxeBypassDiscovery());
  const uuid = req.options.get(Opt.clientUuid);
  if (uuid) options.push([Opt.clientUuid, uuid]); // PXE 2.1: the server echoes the client's GUID
  return buildReply(req, {
    type,
    serverId: ctx.server.serverIp,
    yiaddr: ZERO_IP,
    siaddr: boot.siaddr,
    file: boot.file,
    options: orderOptions(req, options),
  });
}

/** ProxyDHCP on port 67. */
export function respondProxy(req: DhcpPacket, type: DhcpMessageType, ctx: RespondContext, c: Client): Outcome {
  if (type === 'REQUEST' && getServerId(req) !== ctx.server.serverIp) return { drop: 'proxy: request for another server' };
  if (type !== 'DISCOVER' && type !== 'REQUEST') return { drop: `proxy: ${type.toLowerCase()} ignored` };
  const boot = bootFor(req, ctx, c);
  if ('drop' in boot) return boot;
  const answer: Answer = { reply: bootReply(req, ctx, type === 'DISCOVER' ? 'OFFER' : 'ACK', boot, true) };
  const ev = hostEvent(c, type === 'DISCOVER' ? 'dhcp.offered' : 'dhcp.acked', undefined);
  if (ev) answer.event = ev;
  return answer;
}

/** The PXE boot server on port 4011: ACK with the boot file, unicast back to the sender. */
export function respondBootServer(req: DhcpPacket, type: DhcpMessageType, ctx: RespondContext, c: Client): Outcome {
  if (type !== 'REQUEST' && type !== 'INFORM') return { drop: `port 4011: ${type.toLowerCase()} ignored` };
  const boot = bootFor(req, ctx, c);
  if ('drop' in boot) return boot;
  const answer: Answer = { reply: bootReply(req, ctx, 'ACK', boot, false) };
  const ev = hostEvent(c, 'dhcp.acked', req.ciaddr !== ZERO_IP ? req.ciaddr : undefined);
  if (ev) answer.event = ev;
  return answer;
}
