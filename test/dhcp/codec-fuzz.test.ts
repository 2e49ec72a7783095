// Bounded fuzzing: random buffers and mutated fixtures must decode or throw DhcpCodecError, and
// nothing downstream of a decoded packet (accessors, classification, replies, re-encoding) may
// throw anything else. Seeded: set DHCP_FUZZ_SEED to replay a failure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DhcpCodecError, decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import * as acc from '../../src/dhcp/packet.js';
import { classifyClient, decideBoot } from '../../src/dhcp/pxe.js';
import { buildReply, maxReplySize, replyDestination } from '../../src/dhcp/reply.js';
import { FIXTURES, loadFixture, prng, randBytes, randInt, seedFromEnv, toHex } from './support.js';

// A fixed count, not a time budget: a seed then replays the very same cases on any machine.
const ITERATIONS = 20_000;
const CFG = { tftpServer: '10.77.0.1', httpBase: 'http://10.77.0.1:8080', scriptUrl: 'http://10.77.0.1:8080/boot.ipxe' };

/** Everything a server does with a decoded request; returns nothing, throws on a bug. */
function exercise(p: acc.DhcpPacket): void {
  const getters = [
    acc.getMessageType, acc.getRequestedIp, acc.getServerId, acc.getParamRequestList, acc.getMaxMessageSize,
    acc.getVendorClass, acc.getClientId, acc.getUserClass, acc.getClientArch, acc.getClientNdi,
    acc.getClientUuid, acc.getRelayAgentInfo, acc.getIpxeInfo, acc.getPxeVendorOptions,
  ];
  for (const get of getters) get(p);
  decideBoot(classifyClient(p), CFG);
  const reply = buildReply(p, { type: 'OFFER', serverId: '10.77.0.1', yiaddr: '10.77.0.100' });
  replyDestination(p, reply, { address: '10.77.0.100', port: 68, localPort: 4011 });
  encodeDhcp(reply, { maxSize: maxReplySize(p) });
  const again = decodeDhcp(encodeDhcp(p, { maxSize: 1472 }));
  assert.deepEqual(again, p, 're-encoded packet differs');
}

interface Stats {
  decoded: number;
  rejected: number;
  unencodable: number;
}

/** Runs fn; a DhcpCodecError returns false, any other exception fails with the seed and input. */
function codecOnly(fn: () => void, seed: number, i: number, buf: Uint8Array): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof DhcpCodecError) return false;
    assert.fail(`seed ${seed} case ${i}: ${String(e)}\ninput ${toHex(buf)}`);
  }
}

function check(buf: Uint8Array, seed: number, i: number, stats: Stats): void {
  let p: acc.DhcpPacket | undefined;
  if (!codecOnly(() => void (p = decodeDhcp(buf)), seed, i, buf)) {
    stats.rejected++;
    return;
  }
  stats.decoded++;
  if (!codecOnly(() => exercise(p!), seed, i, buf)) stats.unencodable++;
}

const INTERESTING = [43, 50, 53, 54, 55, 57, 60, 61, 77, 82, 93, 94, 97, 175];

/** A well-formed options area of random options, biased to the codes Corral interprets. */
function randomOptions(rnd: () => number): number[] {
  const out: number[] = [];
  for (let n = randInt(rnd, 10); n > 0; n--) {
    const code = rnd() < 0.7 ? INTERESTING[randInt(rnd, INTERESTING.length)]! : 1 + randInt(rnd, 254);
    const value = code === 60 && rnd() < 0.5 ? [...Buffer.from('PXEClient:Arch:0000' + randInt(rnd, 10))] : [...randBytes(rnd, randInt(rnd, 24))];
    out.push(code, value.length, ...value);
  }
  return [...out, 255];
}

/** Random bytes; half shaped like DHCP (valid op/hlen/cookie, random TLVs) to reach deeper code. */
function randomBuffer(rnd: () => number): Uint8Array {
  const buf = randBytes(rnd, rnd() < 0.2 ? randInt(rnd, 240) : 240 + randInt(rnd, 600));
  if (rnd() < 0.5 && buf.length >= 240) {
    buf[0] = 1 + randInt(rnd, 2);
    buf[2] = randInt(rnd, 17);
    buf.set([0x63, 0x82, 0x53, 0x63], 236);
    if (rnd() < 0.5) buf.fill(0, 44, 236); // empty sname/file, as clients send them
    const opts = randomOptions(rnd);
    if (rnd() < 0.2) opts.unshift(52, 1, 1 + randInt(rnd, 3));
    return Uint8Array.from([...buf.subarray(0, 240), ...opts, ...buf.subarray(240, 240 + randInt(rnd, 60))]);
  }
  return buf;
}

function mutate(rnd: () => number, src: Uint8Array): Uint8Array {
  let buf = src.slice();
  for (let m = 1 + randInt(rnd, 4); m > 0; m--) {
    const at = randInt(rnd, buf.length + 1);
    switch (randInt(rnd, 5)) {
      case 0: // bit flip
        if (at < buf.length) buf[at]! ^= 1 << randInt(rnd, 8);
        break;
      case 1: // random byte
        if (at < buf.length) buf[at] = randInt(rnd, 256);
        break;
      case 2: // truncation
        buf = buf.slice(0, at);
        break;
      case 3: // insertion
        buf = Uint8Array.from([...buf.subarray(0, at), ...randBytes(rnd, 1 + randInt(rnd, 8)), ...buf.subarray(at)]);
        break;
      default: // deletion
        buf = Uint8Array.from([...buf.subarray(0, at), ...buf.subarray(at + 1 + randInt(rnd, 8))]);
    }
  }
  return buf;
}

function run(name: string, make: (rnd: () => number) => Uint8Array): void {
  it(name, (t) => {
    const seed = seedFromEnv('DHCP_FUZZ_SEED');
    const rnd = prng(seed);
    const stats: Stats = { decoded: 0, rejected: 0, unencodable: 0 };
    for (let i = 0; i < ITERATIONS; i++) check(make(rnd), seed, i, stats);
    t.diagnostic(`seed ${seed} (replay: DHCP_FUZZ_SEED=${seed}): ${ITERATIONS} cases, ${stats.decoded} decoded (${stats.unencodable} not re-encodable), ${stats.rejected} rejected`);
    assert.ok(stats.decoded > 0 && stats.rejected > 0, 'the cases reach both decoding and rejection');
  });
}

describe('fuzz', () => {
  run('random buffers decode or throw DhcpCodecError', randomBuffer);
  const fixtures = FIXTURES.map(loadFixture);
  run('mutated fixtures decode or throw DhcpCodecError', (rnd) => mutate(rnd, fixtures[randInt(rnd, fixtures.length)]!));
});
