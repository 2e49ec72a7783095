import assert from 'node:assert/strict';
import { createHash, randomBytes as cryptoRandom } from 'node:crypto';
import { describe, it } from 'node:test';
import { decode, type RequestOptions, type TftpPacket } from '../../src/tftp/codec.js';
import { bufferSource, type TftpSource } from '../../src/tftp/source.js';
import { Ticker } from '../../src/tftp/ticker.js';
import { ReadTransfer, type TransferLimits, type TransferResult } from '../../src/tftp/transfer.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { waitFor } from '../fakes/wait.js';
import { randomBytes } from './helpers.js';

const LIMITS: TransferLimits = { maxBlksize: 1468, maxWindowsize: 16, timeoutMs: 1000, retries: 3 };

function setup(source: TftpSource, options: RequestOptions = {}, limits: Partial<TransferLimits> = {}) {
  const clock = new FakeClock();
  const out: Array<{ at: number; p: TftpPacket }> = [];
  const ends: TransferResult[] = [];
  // A 1 ms tick: retransmissions land exactly on their deadlines, the times asserted below.
  const t = new ReadTransfer({
    clock, ticker: new Ticker(clock, 1), source, options, limits: { ...LIMITS, ...limits },
    send: (buf) => out.push({ at: clock.now(), p: decode(Buffer.from(buf)) }), // a copy: see ReadTransferDeps.send
    onEnd: (r) => ends.push(r),
  });
  const take = () => out.splice(0).map((x) => x.p);
  const blocks = (ps: TftpPacket[]) => ps.map((p) => (p.op === 'data' ? p.block : `${p.op}`));
  return { clock, out, ends, t, take, blocks };
}

/** Drives a transfer like a perfect client: ACK the last DATA of every burst. Returns the bytes. */
function drain(s: ReturnType<typeof setup>, maxRounds = 200_000): Buffer {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < maxRounds && s.ends.length === 0; i++) {
    const burst = s.take();
    const data = burst.filter((p): p is Extract<TftpPacket, { op: 'data' }> => p.op === 'data');
    data.forEach((d) => parts.push(d.data));
    const last = burst[burst.length - 1];
    if (!last) break;
    s.t.onAck(last.op === 'data' ? last.block : 0);
  }
  return Buffer.concat(parts);
}

describe('tftp read transfer', () => {
  it('lock-step 512 without options: no OACK, DATA 1 first, short last block', () => {
    const file = randomBytes(1300);
    const s = setup(bufferSource(file));
    s.t.start();
    const first = s.take();
    assert.equal(first.length, 1);
    assert.deepEqual(first[0] && { op: first[0].op, block: (first[0] as { block: number }).block }, { op: 'data', block: 1 });
    s.t.onAck(1);
    s.t.onAck(2);
    const rest = s.take();
    assert.deepEqual(s.blocks(rest), [2, 3]);
    assert.equal((rest[1] as { data: Uint8Array }).data.length, 1300 - 1024);
    s.t.onAck(3);
    assert.equal(s.ends[0]?.status, 'completed');
    assert.equal(s.clock.pending, 0, 'no timer left');
  });

  it('sends a zero-length final block when the size is a multiple of blksize', () => {
    const file = randomBytes(1024);
    const s = setup(bufferSource(file));
    s.t.start();
    const parts: TftpPacket[] = [];
    for (let b = 1; b <= 3; b++) {
      parts.push(...s.take());
      s.t.onAck(b);
    }
    assert.deepEqual(parts.map((p) => (p as { data: Uint8Array }).data.length), [512, 512, 0]);
    assert.equal(s.ends[0]?.status, 'completed');
  });

  it('serves an empty file as one empty DATA block', () => {
    const s = setup(bufferSource(Buffer.alloc(0)));
    s.t.start();
    assert.deepEqual(s.take(), [{ op: 'data', block: 1, data: Buffer.alloc(0) }]);
    s.t.onAck(1);
    assert.equal(s.ends[0]?.status, 'completed');
  });

  it('negotiates blksize, tsize, timeout and windowsize in the OACK (RFC 2347/2348/2349/7440)', () => {
    const file = randomBytes(100_000);
    const s = setup(bufferSource(file), { blksize: 1432, tsize: 0, timeout: 3, windowsize: 4 });
    s.t.start();
    assert.deepEqual(s.take(), [{ op: 'oack', options: { blksize: '1432', tsize: '100000', timeout: '3', windowsize: '4' } }]);
    s.t.onAck(0);
    const win = s.take();
    assert.deepEqual(s.blocks(win), [1, 2, 3, 4]);
    assert.ok(win.every((p) => (p as { data: Uint8Array }).data.length === 1432));
  });

  it('caps blksize and windowsize at the server maxima', () => {
    const s = setup(bufferSource(randomBytes(10)), { blksize: 65464, windowsize: 64 }, { maxWindowsize: 8 });
    s.t.start();
    assert.deepEqual(s.take(), [{ op: 'oack', options: { blksize: '1468', windowsize: '8' } }]);
  });

  it('round-trips a whole windowed transfer with an OACK', () => {
    const file = randomBytes(50_000, 7);
    const s = setup(bufferSource(file), { blksize: 1000, windowsize: 7, tsize: 0 });
    s.t.start();
    assert.deepEqual(drain(s), file);
    assert.equal(s.ends[0]?.status, 'completed');
  });

  it('retransmits on timeout with exponential backoff, then gives up', () => {
    const s = setup(bufferSource(randomBytes(2000)));
    s.t.start();
    s.t.onAck(1); // progress, DATA 2 at t0
    const t0 = s.clock.now();
    s.take();
    s.clock.advance(999);
    assert.equal(s.out.length, 0, 'nothing before the timeout');
    s.clock.advance(60_000);
    assert.deepEqual(s.out.map((x) => [x.at - t0, x.p.op === 'data' ? x.p.block : x.p.op]), [
      [1000, 2], [3000, 2], [7000, 2],
    ]);
    assert.equal(s.ends[0]?.status, 'failed');
    assert.equal(s.ends[0]?.reason, 'timeout');
    assert.equal(s.ends[0]?.retransmits, 3);
    assert.equal(s.clock.pending, 0);
  });

  it('honours the negotiated timeout and restarts the backoff after progress', () => {
    const s = setup(bufferSource(randomBytes(5000)), { timeout: 2 });
    s.t.start();
    s.clock.advance(2000);
    s.clock.advance(4000);
    assert.deepEqual(s.blocks(s.take()), ['oack', 'oack', 'oack']);
    s.t.onAck(0);
    s.take();
    s.clock.advance(1999);
    assert.equal(s.out.length, 0);
    s.clock.advance(1);
    assert.deepEqual(s.blocks(s.take()), [1], 'back to the 2 s interval after progress');
  });

  it('restarts the window after the acked block when a DATA packet is lost (RFC 7440)', () => {
    const file = randomBytes(10 * 512 + 10);
    const s = setup(bufferSource(file), { windowsize: 4 });
    s.t.start();
    s.take();
    s.t.onAck(0);
    assert.deepEqual(s.blocks(s.take()), [1, 2, 3, 4]);
    s.t.onAck(2); // block 3 was lost: the client acks the last in-order block
    assert.deepEqual(s.blocks(s.take()), [3, 4, 5, 6]);
    s.t.onAck(2); // a duplicate of that ACK changes nothing
    assert.deepEqual(s.take(), []);
    s.t.onAck(6);
    assert.deepEqual(s.blocks(s.take()), [7, 8, 9, 10]);
    s.t.onAck(10);
    const last = s.take();
    assert.deepEqual(s.blocks(last), [11]);
    assert.equal((last[0] as { data: Uint8Array }).data.length, 10);
    s.t.onAck(11);
    assert.equal(s.ends[0]?.status, 'completed');
  });

  it('ignores duplicate and stale ACKs: no Sorcerer\'s Apprentice traffic', () => {
    const s = setup(bufferSource(randomBytes(512 * 40)));
    s.t.start();
    s.t.onAck(1);
    s.take();
    for (let i = 0; i < 10; i++) s.t.onAck(1); // duplicates of an ACK already processed
    s.t.onAck(9); // ahead of what was sent
    s.t.onAck(40000); // from nowhere
    assert.deepEqual(s.take(), []);
    s.t.onAck(2);
    assert.deepEqual(s.blocks(s.take()), [3], 'one DATA per new ACK');
  });

  it('rolls block numbers over 65535 -> 0 (lock-step, lazily generated source)', () => {
    const size = 65536 * 512 + 100;
    const byteAt = (i: number) => (i * 31 + (i >>> 9)) & 0xff;
    const expected = createHash('sha256');
    const source: TftpSource = {
      size,
      read(offset, length) {
        const n = Math.min(length, size - offset);
        const b = Buffer.allocUnsafe(n);
        for (let i = 0; i < n; i++) b[i] = byteAt(offset + i);
        expected.update(b);
        return b;
      },
    };
    const s = setup(source);
    s.t.start();
    const got = createHash('sha256');
    const seen: number[] = [];
    let total = 0;
    for (let i = 0; i < 70_000 && s.ends.length === 0; i++) {
      const [p] = s.take();
      assert.ok(p && p.op === 'data');
      if (i >= 65533 && i <= 65537) seen.push(p.block);
      got.update(p.data);
      total += p.data.length;
      s.t.onAck(p.block);
    }
    assert.deepEqual(seen, [65534, 65535, 0, 1]);
    assert.equal(total, size);
    assert.equal(s.ends[0]?.status, 'completed');
    assert.equal(got.digest('hex'), expected.digest('hex'));
  });

  it('rolls over in windowed mode too', () => {
    const file = cryptoRandom(66_000 * 512 + 7);
    const s = setup(bufferSource(file), { blksize: 512, windowsize: 16 });
    s.t.start();
    assert.ok(drain(s).equals(file));
    assert.equal(s.ends[0]?.status, 'completed');
  });

  it('ends quietly when the client answers the OACK with an ERROR (OVMF size probe)', () => {
    const s = setup(bufferSource(randomBytes(9000)), { tsize: 0, blksize: 1468, windowsize: 4 });
    s.t.start();
    assert.equal(s.take()[0]?.op, 'oack');
    s.t.onError(0, 'abort');
    assert.equal(s.ends[0]?.status, 'aborted');
    s.clock.advance(60_000);
    assert.deepEqual(s.take(), [], 'no reply to an ERROR, no retransmission');
    assert.equal(s.clock.pending, 0);
  });

  it('works with an asynchronous source and reports read errors with ERROR 0', async () => {
    const file = randomBytes(3000);
    const s = setup({ size: file.length, read: async (o, l) => file.subarray(o, o + l) }, { blksize: 1000 });
    s.t.start();
    s.t.onAck(0);
    await waitFor(() => s.out.length >= 2, { what: 'DATA 1 after the asynchronous read' });
    assert.deepEqual(s.blocks(s.take()).slice(1), [1]);
    const bad = setup({ size: 10, read: async () => Promise.reject(new Error('EIO')) });
    bad.t.start();
    await waitFor(() => bad.ends.length > 0, { what: 'the read error to end the transfer' });
    assert.deepEqual(bad.take(), [{ op: 'error', code: 0, message: 'read error' }]);
    assert.match(bad.ends[0]?.reason ?? '', /EIO/);
  });

  it('cancel() tells the client and ends the transfer', () => {
    const s = setup(bufferSource(randomBytes(5000)));
    s.t.start();
    s.take();
    s.t.cancel('server shutting down');
    assert.deepEqual(s.take(), [{ op: 'error', code: 0, message: 'server shutting down' }]);
    assert.equal(s.ends[0]?.status, 'aborted');
  });
});
