import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decode, encode, encodeAck, encodeData, encodeError, encodeOack, encodeRequest, TftpCodecError,
  type TftpPacket,
} from '../../src/tftp/codec.js';
import { prng } from './helpers.js';

const raw = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

function codecError(fn: () => unknown): TftpCodecError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TftpCodecError, `expected TftpCodecError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a TftpCodecError');
}

describe('tftp codec', () => {
  it('round-trips every packet type', () => {
    const packets: TftpPacket[] = [
      { op: 'rrq', filename: 'undionly.kpxe', mode: 'octet', options: {}, unknown: {} },
      { op: 'rrq', filename: 'efi/snponly.efi', mode: 'netascii', options: { blksize: 1468, tsize: 0, timeout: 3, windowsize: 4 }, unknown: {} },
      { op: 'wrq', filename: 'x', mode: 'octet', options: {}, unknown: {} },
      { op: 'data', block: 65535, data: Buffer.from('hello') },
      { op: 'data', block: 0, data: Buffer.alloc(0) },
      { op: 'ack', block: 513 },
      { op: 'error', code: 1, message: 'file not found' },
      { op: 'oack', options: { blksize: '1432', tsize: '73728' } },
    ];
    for (const p of packets) {
      const back = decode(encode(p));
      if (p.op === 'data') assert.deepEqual({ ...back, data: Buffer.from((back as typeof p).data) }, { ...p, data: Buffer.from(p.data) });
      else assert.deepEqual(JSON.parse(JSON.stringify(back)), JSON.parse(JSON.stringify(p)));
    }
  });

  it('encodes exact bytes', () => {
    assert.deepEqual(encodeAck(0x1234), Buffer.from([0, 4, 0x12, 0x34]));
    assert.deepEqual(encodeData(70000, Buffer.from('a')), Buffer.from([0, 3, 0x11, 0x70, 0x61]));
    assert.deepEqual(encodeError(2, 'no'), Buffer.from([0, 5, 0, 2, 0x6e, 0x6f, 0]));
    assert.deepEqual(encodeOack({ tsize: 5 }), raw([0, 6], 'tsize', [0], '5', [0]));
    assert.deepEqual(encodeRequest('rrq', 'f', 'octet'), raw([0, 1], 'f', [0], 'octet', [0]));
  });

  it('parses options case-insensitively and ignores unknown ones (RFC 2347)', () => {
    const p = decode(raw([0, 1], 'boot.img', [0], 'OcTeT', [0], 'BlkSize', [0], '1432', [0], 'TSIZE', [0], '0', [0], 'multicast', [0], '', [0]));
    assert.equal(p.op, 'rrq');
    if (p.op !== 'rrq') return;
    assert.equal(p.mode, 'octet');
    assert.deepEqual({ ...p.options }, { blksize: 1432, tsize: 0 });
    assert.deepEqual({ ...p.unknown }, { multicast: '' });
  });

  it('keeps an option named __proto__ as plain data', () => {
    const p = decode(raw([0, 1], 'f', [0], 'octet', [0], '__proto__', [0], 'x', [0]));
    assert.ok(p.op === 'rrq');
    assert.equal(Object.getPrototypeOf(p.unknown), Object.prototype);
    assert.deepEqual(Object.entries(p.unknown), [['__proto__', 'x']]);
  });

  it('keeps the first of duplicated options, clamps oversized values, accepts NUL padding', () => {
    const p = decode(raw([0, 1], 'f', [0], 'octet', [0], 'blksize', [0], '99999', [0], 'blksize', [0], '512', [0], 'windowsize', [0], '70000', [0], [0, 0, 0]));
    assert.ok(p.op === 'rrq');
    assert.deepEqual({ ...p.options }, { blksize: 65464, windowsize: 65535 });
  });

  it('rejects bad option values with ERROR 8 (RFC 2347/2348/2349/7440 ranges)', () => {
    const bad: Array<[string, string]> = [
      ['blksize', 'abc'], ['blksize', '-1'], ['blksize', '1e3'], ['blksize', ''], ['blksize', '7'],
      ['timeout', '0'], ['timeout', '256'], ['windowsize', '0'], ['tsize', 'x'], ['blksize', '1234567890123456'],
    ];
    for (const [name, value] of bad) {
      const e = codecError(() => decode(raw([0, 1], 'f', [0], 'octet', [0], name, [0], value, [0])));
      assert.equal(e.reply?.code, 8, `${name}=${value}`);
      assert.match(e.message, new RegExp(name));
    }
  });

  it('rejects malformed packets with specific messages', () => {
    const cases: Array<[Buffer, RegExp]> = [
      [raw([]), /too short/],
      [raw([0]), /too short/],
      [raw([0, 0]), /unknown opcode 0/],
      [raw([0, 7, 1, 2]), /unknown opcode 7/],
      [raw([0xff, 0xff]), /unknown opcode 65535/],
      [raw([0, 1], 'file'), /filename is not NUL-terminated/],
      [raw([0, 1], [0], 'octet', [0]), /empty filename/],
      [raw([0, 1], 'file', [0], 'octet'), /mode is not NUL-terminated/],
      [raw([0, 1], 'file', [0], 'octet', [0], 'blksize', [0], '512'), /value of option 'blksize' is not NUL-terminated/],
      [raw([0, 1], 'file', [0], 'octet', [0], [0], '512', [0]), /empty option name/],
      [raw([0, 1], [0xff, 0xfe], [0], 'octet', [0]), /not valid UTF-8/],
      [raw([0, 3, 0]), /DATA packet truncated/],
      [raw([0, 4, 0]), /ACK packet truncated/],
      [raw([0, 5, 0]), /ERROR packet truncated/],
      [raw([0, 6], 'tsize'), /option name is not NUL-terminated/],
    ];
    for (const [buf, re] of cases) assert.match(codecError(() => decode(buf)).message, re);
    assert.equal(codecError(() => decode(raw([0, 1], 'f', [0], 'binary', [0]))).reply?.code, 4);
  });

  it('rejects a request truncated at every length, except at field boundaries', () => {
    const full = encodeRequest('rrq', 'pxelinux.0', 'octet', { blksize: 1468, tsize: 0 });
    // valid prefixes end after the mode or after a complete name/value pair
    const nuls = [...full.keys()].filter((i) => i >= 2 && full[i] === 0);
    const validEnds = new Set([nuls[1]! + 1, nuls[3]! + 1, nuls[5]! + 1]);
    for (let len = 0; len < full.length; len++) {
      const cut = full.subarray(0, len);
      if (validEnds.has(len)) assert.equal(decode(cut).op, 'rrq');
      else codecError(() => decode(cut));
    }
  });

  it('tolerates an ERROR without a final NUL and ACKs with trailing bytes', () => {
    assert.deepEqual(decode(raw([0, 5, 0, 0], 'abort')), { op: 'error', code: 0, message: 'abort' });
    assert.deepEqual(decode(raw([0, 4, 0, 9, 1, 2])), { op: 'ack', block: 9 });
  });

  it('fuzz: decode returns a packet or throws TftpCodecError, never anything else', () => {
    const rnd = prng(0xc0ffee);
    const seeds = [
      encodeRequest('rrq', 'undionly.kpxe', 'octet', { blksize: 1432, tsize: 0, windowsize: 4 }),
      encodeData(7, Buffer.from('payload')), encodeAck(3), encodeError(0, 'x'), encodeOack({ blksize: 1468 }),
    ];
    let decoded = 0;
    // A fixed count, not a time budget: the seeded run is the same on any machine.
    for (let i = 0; i < 30_000; i++) {
      let buf: Buffer;
      if (rnd() < 0.3) {
        buf = Buffer.alloc(Math.floor(rnd() * 64));
        for (let j = 0; j < buf.length; j++) buf[j] = rnd() < 0.2 ? 0 : Math.floor(rnd() * 256);
        if (buf.length >= 2 && rnd() < 0.7) buf[0] = 0, (buf[1] = Math.floor(rnd() * 8));
      } else {
        buf = Buffer.from(seeds[Math.floor(rnd() * seeds.length)]!);
        for (let m = Math.floor(rnd() * 4); m >= 0; m--) buf[Math.floor(rnd() * buf.length)] = Math.floor(rnd() * 256);
        if (rnd() < 0.3) buf = buf.subarray(0, Math.floor(rnd() * buf.length));
      }
      let p: TftpPacket;
      try {
        p = decode(buf);
      } catch (err) {
        assert.ok(err instanceof TftpCodecError, `input ${buf.toString('hex')}: ${String(err)}`);
        continue;
      }
      decoded++;
      assert.deepEqual(JSON.stringify(decode(encode(p))), JSON.stringify(p), `re-decode of ${buf.toString('hex')}`);
    }
    assert.ok(decoded > 100, `some fuzz inputs decode (${decoded})`);
  });
});
