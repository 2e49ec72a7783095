// Rogue DHCP server detection (the "Safety"; Vaquero's "authoritative detector"): in
// server mode, any DHCPOFFER/DHCPACK seen on the client port 68 whose server identifier (option
// 54, else the sender) is not ours is another server answering on our segment. Recorded in stats,
// logged and journaled once per server. In proxy mode the site's own server is expected: ignored.
import type { Logger } from '../lib/log.js';
import type { DhcpMode } from '../model/index.js';
import { decodeDhcp } from './codec.js';
import { BOOTREPLY, getMessageType, getServerId } from './packet.js';
import type { DhcpSocket } from './sockets.js';

export interface RogueWatchDeps {
  ownIp: string;
  /** The DHCP mode of our own segment now (the SoT may change). */
  mode(): DhcpMode;
  log: Logger;
  stats: { rogueServers: string[] };
  /** Log rate limit. */
  allow(key: string): boolean;
  note(subject: string, type: string, data?: Record<string, unknown>): Promise<void>;
}

/** At most this many distinct rogue servers are remembered. */
const MAX_ROGUES = 64;

export function watchRogues(sock: DhcpSocket, d: RogueWatchDeps): void {
  const seen = new Set<string>();
  sock.onMessage((msg, from) => {
    try {
      const p = decodeDhcp(msg);
      const type = getMessageType(p);
      if (p.op !== BOOTREPLY || (type !== 'OFFER' && type !== 'ACK')) return;
      const server = getServerId(p) ?? from.address;
      if (server === d.ownIp || d.mode() !== 'server' || seen.has(server) || seen.size >= MAX_ROGUES) return;
      seen.add(server);
      d.stats.rogueServers.push(server);
      d.log.warn('another DHCP server answers on this server-mode segment', { server, from: from.address, type, client: p.mac ?? null });
      d.note('appliance', 'dhcp.rogue_server', { server, from: from.address, client: p.mac ?? null }).catch((e: unknown) => {
        if (d.allow('rogue-note')) d.log.warn('cannot journal the rogue DHCP server', { error: (e as Error).message });
      });
    } catch {
      // not a DHCP packet: whatever else uses port 68 is not our business
    }
  });
}
