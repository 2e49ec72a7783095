// Rogue DHCP server detection (Vaquero's "authoritative detector"): in
// server mode, any DHCPOFFER/DHCPACK seen on the client port 68 whose server identifier (option
// 54, else the sender) is not ours is another server answering on our segment. Recorded in stats,
// logged and journaled once per server (within a budget). In proxy mode the site's own server is expected: ignored.
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
  stats: { rogueServers: string[]; rogueOffers?: number; rogueNotesSuppressed?: number };
  /** Log rate limit. */
  allow(key: string): boolean;
  note(subject: string, type: string, data: Record<string, unknown>): Promise<unknown>;
}

/** The most recently seen distinct rogue servers kept in stats (oldest evicted first). */
const MAX_ROGUES = 64;
/** New-rogue journal notes allowed per minute: a flood of forged offers cannot flood the journal. */
const NOTES_PER_MINUTE = 10;

/**
 * Option 54 and the source address are both whatever the sender writes, so a flood of forged
 * offers can name any number of "servers". The list therefore keeps the most recent ones rather
 * than the first: a real rogue that shows up after a flood is still listed (and, past the flood's
 * notes, journalled once the per-minute budget allows); `rogueOffers` counts every one seen.
 */
export function watchRogues(sock: DhcpSocket, d: RogueWatchDeps, now: () => number = Date.now): void {
  const seen = new Map<string, number>();
  let windowStart = 0;
  let notes = 0;
  const budget = (): boolean => {
    const t = now();
    if (t - windowStart >= 60_000) {
      windowStart = t;
      notes = 0;
    }
    return notes++ < NOTES_PER_MINUTE;
  };
  sock.onMessage((msg, from) => {
    try {
      const p = decodeDhcp(msg);
      const type = getMessageType(p);
      if (p.op !== BOOTREPLY || (type !== 'OFFER' && type !== 'ACK')) return;
      const server = getServerId(p) ?? from.address;
      if (server === d.ownIp || d.mode() !== 'server') return;
      d.stats.rogueOffers = (d.stats.rogueOffers ?? 0) + 1;
      const known = seen.has(server);
      seen.delete(server);
      seen.set(server, now()); // most recent last
      if (seen.size > MAX_ROGUES) seen.delete(seen.keys().next().value!);
      d.stats.rogueServers = [...seen.keys()];
      if (known) return;
      if (d.allow('rogue-log')) d.log.warn('another DHCP server answers on this server-mode segment', { server, from: from.address, type, client: p.mac ?? null });
      if (!budget()) {
        d.stats.rogueNotesSuppressed = (d.stats.rogueNotesSuppressed ?? 0) + 1;
        return;
      }
      d.note('appliance', 'dhcp.rogue_server', { server, from: from.address, client: p.mac ?? null }).catch((e: unknown) => {
        if (d.allow('rogue-note')) d.log.warn('cannot journal the rogue DHCP server', { error: (e as Error).message });
      });
    } catch {
      // not a DHCP packet: whatever else uses port 68 is not our business
    }
  });
}
