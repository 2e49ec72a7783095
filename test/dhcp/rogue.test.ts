// Rogue-server detection against a flood of forged offers: the list keeps the most recent
// servers (a real rogue seen after the flood is listed), every offer is counted, and journal
// notes stay within their per-minute budget.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import { watchRogues } from '../../src/dhcp/rogue.js';
import type { DhcpSocket } from '../../src/dhcp/sockets.js';
import { nullLogger } from '../../src/lib/log.js';
import { loadFixture } from './support.js';

function offerFrom(serverId: string): Buffer {
  const p = decodeDhcp(loadFixture('overload-offer.hex'));
  p.options.set(54, Uint8Array.from(serverId.split('.').map(Number)));
  return Buffer.from(encodeDhcp(p));
}

it('a flood of forged offers cannot hide a real rogue found later, nor flood the journal', () => {
  let deliver: (msg: Buffer, from: { address: string; port: number }) => void = () => {};
  const sock = { onMessage: (fn: typeof deliver) => (deliver = fn) } as unknown as DhcpSocket;
  const stats: { rogueServers: string[]; rogueOffers?: number; rogueNotesSuppressed?: number } = { rogueServers: [] };
  const notes: string[] = [];
  let t = 1_000_000;
  watchRogues(sock, { ownIp: '10.0.0.1', mode: () => 'server', log: nullLogger, stats, allow: () => true, note: async (_s, _t, d) => void notes.push(String(d?.server)) }, () => t);
  for (let i = 0; i < 100; i++) deliver(offerFrom(`10.66.${i >> 8}.${i & 255}`), { address: '10.66.0.250', port: 67 });
  deliver(offerFrom('10.0.0.254'), { address: '10.0.0.254', port: 67 });
  assert.equal(stats.rogueServers.length, 64, 'bounded');
  assert.equal(stats.rogueServers.at(-1), '10.0.0.254', 'the real rogue, seen last, is listed');
  assert.equal(stats.rogueOffers, 101);
  assert.equal(notes.length, 10, 'journal notes within the per-minute budget');
  assert.equal(stats.rogueNotesSuppressed, 91);
  // A minute later the budget is back: a server seen again is not re-noted, a new one is.
  t += 60_000;
  deliver(offerFrom('10.0.0.254'), { address: '10.0.0.254', port: 67 });
  deliver(offerFrom('10.0.0.253'), { address: '10.0.0.253', port: 67 });
  assert.deepEqual(notes.slice(10), ['10.0.0.253']);
  // Our own offers are never rogue.
  deliver(offerFrom('10.0.0.1'), { address: '10.0.0.1', port: 67 });
  assert.equal(stats.rogueOffers, 103);
});
