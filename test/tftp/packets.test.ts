import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode } from '../../src/tftp/codec.js';
import { CHUNK_BYTES, PacketReader } from '../../src/tftp/packets.js';
import { bufferSource, type TftpSource } from '../../src/tftp/source.js';
import { Ticker } from '../../src/tftp/ticker.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { randomBytes } from './helpers.js';

/** Every DATA packet of a transfer, in order, through ready() + packet() as a transfer does. */
async function all(r: PacketReader): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let k = 1; k <= r.lastBlock; k++) {
    await r.ready(k, k);
    out.push(Buffer.from(r.packet(k)));
  }
  return out;
}

describe('tftp DATA packets laid out per chunk', () => {
  it('headers, payloads and a short last block, across chunk boundaries', async () => {
    const file = randomBytes(CHUNK_BYTES * 2 + 5000, 3);
    const r = new PacketReader(bufferSource(file), 1468);
    const packets = await all(r);
    assert.equal(packets.length, Math.floor(file.length / 1468) + 1);
    packets.forEach((p, i) => {
      const d = decode(p);
      assert.equal(d.op, 'data');
      assert.equal((d as { block: number }).block, i + 1);
    });
    assert.ok(Buffer.concat(packets.map((p) => p.subarray(4))).equals(file));
    assert.equal(packets.at(-1)!.length - 4, file.length % 1468);
  });

  it('a size that is a multiple of blksize ends with an empty block, also at a chunk boundary (RFC 1350 §6)', async () => {
    for (const size of [1024, 0, Math.floor(CHUNK_BYTES / 512) * 512]) {
      const r = new PacketReader(bufferSource(randomBytes(size)), 512);
      const packets = await all(r);
      assert.equal(packets.length, size / 512 + 1, `size ${size}`);
      const n = size / 512 + 1;
      assert.deepEqual(packets.at(-1), Buffer.from([0, 3, n >> 8, n & 0xff]));
    }
  });

  it('block numbers roll over 65535 -> 0', async () => {
    const r = new PacketReader(bufferSource(Buffer.alloc(65537 * 8)), 8);
    await r.ready(65535, 65537);
    assert.deepEqual([65535, 65536, 65537].map((k) => (decode(r.packet(k)) as { block: number }).block), [65535, 0, 1]);
  });

  it('reads an asynchronous source once per chunk, keeps the previous chunk for retransmissions', async () => {
    const file = randomBytes(CHUNK_BYTES * 4, 4);
    const reads: number[] = [];
    const src: TftpSource = { size: file.length, read: async (o, l) => (reads.push(o), file.subarray(o, o + l)) };
    const r = new PacketReader(src, 1024);
    const perChunk = CHUNK_BYTES / 1024;
    assert.ok(r.ready(1, 1) instanceof Promise);
    await r.ready(1, 1);
    assert.deepEqual(reads, [0, CHUNK_BYTES], 'the first chunk and the next, prefetched');
    await r.ready(perChunk + 1, perChunk + 1);
    assert.equal(r.ready(perChunk, perChunk), null, 'the previous chunk is still there');
    assert.deepEqual(reads, [0, CHUNK_BYTES, 2 * CHUNK_BYTES]);
  });

  it('reuses a dropped chunk\'s buffer for a later chunk, with the right packets in it', async () => {
    const file = randomBytes(CHUNK_BYTES * 5 + 77, 5);
    const r = new PacketReader(bufferSource(file), 1468);
    const seen = new Set<ArrayBufferLike>();
    const got: Buffer[] = [];
    for (let k = 1; k <= r.lastBlock; k++) {
      assert.equal(r.ready(k, k), null, 'a memory source stays synchronous');
      const p = r.packet(k);
      seen.add(p.buffer);
      got.push(Buffer.from(p.subarray(4)));
    }
    assert.ok(Buffer.concat(got).equals(file));
    assert.ok(seen.size <= 4, `${seen.size} chunk buffers for 6 chunks`);
  });

  it('a completed transfer\'s buffers serve the next transfer, with its own content', async () => {
    const a = randomBytes(50_000, 6);
    const b = randomBytes(60_000, 7);
    const first = new PacketReader(bufferSource(a), 512);
    const used = new Set((await all(first)).length ? [first.packet(first.lastBlock).buffer] : []);
    first.release();
    const second = new PacketReader(bufferSource(b), 1468);
    const packets = await all(second);
    assert.ok(Buffer.concat(packets.map((p) => p.subarray(4))).equals(b));
    assert.ok(used.has(second.packet(1).buffer), 'the pooled buffer was reused');
  });

  it('a source returning fewer bytes than its size (file changed) fails the read', async () => {
    const src: TftpSource = { size: 10_000, read: (o, l) => Buffer.alloc(Math.min(l, 100)) };
    const r = new PacketReader(src, 512);
    await assert.rejects(async () => r.ready(1, 1), /file changed/);
  });
});

describe('tftp ticker: one timer for all transfers', () => {
  it('ticks every member while it has any, then holds no timer', () => {
    const clock = new FakeClock();
    const ticker = new Ticker(clock, 100);
    const seen: string[] = [];
    const a = { onTick: (now: number) => seen.push(`a${now - start}`) };
    const b = { onTick: () => { seen.push('b'); ticker.delete(b); } };
    const start = clock.now();
    ticker.add(a);
    ticker.add(b);
    assert.equal(clock.pending, 1, 'one timer for two members');
    clock.advance(250);
    assert.deepEqual(seen, ['a100', 'b', 'a200']);
    ticker.delete(a);
    assert.equal(clock.pending, 0);
    clock.advance(1000);
    assert.equal(seen.length, 3);
  });
});
