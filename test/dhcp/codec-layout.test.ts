// Option layout: option 52 overload (RFC 2131 §4.1), RFC 3396 long options, the 300-byte minimum
// and the maximum message size.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DhcpCodecError, decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import { loadFixture, request, toHex, ascii, bytes } from './support.js';

/** Option instances as written in [from, to) of a buffer, up to end. */
function instances(buf: Uint8Array, from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = from; i < to && buf[i] !== 255; ) {
    if (buf[i] === 0) {
      i++;
      continue;
    }
    out.push([buf[i]!, buf[i + 1]!]);
    i += 2 + buf[i + 1]!;
  }
  return out;
}

describe('option 52 overload', () => {
  it('decodes options continued in file, then sname, concatenating a split option', () => {
    const p = decodeDhcp(loadFixture('overload-offer.hex'));
    assert.equal(p.file, '');
    assert.equal(p.sname, '');
    assert.equal(p.options.has(52), false);
    const text = (c: number) => Buffer.from(p.options.get(c)!).toString('latin1');
    assert.deepEqual([...p.options.keys()], [53, 54, 1, 12, 3, 6, 15]);
    assert.equal(text(12), 'node-01');
    assert.equal(text(15), 'lab.example');
    assert.equal(toHex(p.options.get(6)!), '0a4d000108080808');
  });

  it('spills into file and sname when options do not fit, and decodes back', () => {
    const opts: [number, Uint8Array][] = [[53, bytes(2)], [54, bytes(10, 77, 0, 1)]];
    for (let c = 200; c < 213; c++) opts.push([c, new Uint8Array(30).fill(c)]);
    const p = request(opts, { op: 2 });
    const wire = encodeDhcp(p);
    assert.ok(wire.length <= 548);
    const main = instances(wire, 240, wire.length);
    assert.deepEqual(main.slice(0, 3), [[53, 1], [54, 4], [52, 1]]);
    assert.equal(wire[240 + 3 + 6 + 2], 3); // option 52 value: file and sname
    assert.ok(instances(wire, 108, 236).length > 0);
    assert.ok(instances(wire, 44, 108).length > 0);
    assert.deepEqual(decodeDhcp(wire), p);
  });

  it('uses only the free field: sname when file holds a boot file name', () => {
    const opts: [number, Uint8Array][] = [[53, bytes(2)]];
    for (let c = 200; c < 210; c++) opts.push([c, new Uint8Array(30).fill(c)]);
    const p = request(opts, { op: 2, file: 'undionly.kpxe' });
    const wire = encodeDhcp(p);
    assert.deepEqual(instances(wire, 240, 548)[1], [52, 1]);
    assert.equal(wire[240 + 3 + 2], 2);
    assert.deepEqual(decodeDhcp(wire), p);
  });

  it('throws when options do not fit and file and sname are in use', () => {
    const opts: [number, Uint8Array][] = [[53, bytes(2)]];
    for (let c = 200; c < 215; c++) opts.push([c, new Uint8Array(30)]);
    const p = request(opts, { op: 2, file: 'snponly.efi', sname: 'corral' });
    assert.throws(() => encodeDhcp(p), { name: 'DhcpCodecError', message: /^options need 484 bytes, only 308 fit and file\/sname are in use$/ });
  });

  it('throws when even the overload fields are too small', () => {
    const p = request([[53, bytes(2)], [43, new Uint8Array(255)], [125, new Uint8Array(255)]], { op: 2 });
    assert.throws(() => encodeDhcp(p), { name: 'DhcpCodecError', message: /more than fit even with option 52 overload/ });
  });

  it('refuses an option 52 set by the caller', () => {
    assert.throws(() => encodeDhcp(request([[52, bytes(1)]])), /option 52 is written by the encoder/);
  });
});

describe('RFC 3396 long options', () => {
  it('splits a 600-byte value into 255 + 255 + 90 and concatenates it back', () => {
    const value = Uint8Array.from({ length: 600 }, (_, i) => i & 255);
    const p = request([[53, bytes(5)], [119, value]], { op: 2 });
    const wire = encodeDhcp(p, { maxSize: 1472 });
    assert.deepEqual(instances(wire, 240, wire.length), [[53, 1], [119, 255], [119, 255], [119, 90]]);
    assert.deepEqual(decodeDhcp(wire).options.get(119), value);
  });

  it('concatenates non-adjacent instances of one code in wire order', () => {
    const wire = encodeDhcp(request([[53, bytes(1)]]));
    const split = Uint8Array.from([...wire.subarray(0, 243), 12, 3, ...ascii('abc'), 60, 1, 0x58, 12, 2, ...ascii('de'), 255]);
    const p = decodeDhcp(split);
    assert.equal(Buffer.from(p.options.get(12)!).toString(), 'abcde');
    assert.equal(Buffer.from(p.options.get(60)!).toString(), 'X');
  });

  it('writes a zero-length option as one instance', () => {
    const wire = encodeDhcp(request([[80, new Uint8Array(0)]]));
    assert.deepEqual(instances(wire, 240, wire.length), [[80, 0]]);
    assert.equal(decodeDhcp(wire).options.get(80)!.length, 0);
  });
});

describe('message size', () => {
  it('pads short messages to 300 bytes after the end option', () => {
    const wire = encodeDhcp(request([[53, bytes(2)]]));
    assert.equal(wire.length, 300);
    assert.equal(wire[243], 255);
    assert.ok(wire.subarray(244).every((b) => b === 0));
  });

  it('honours minSize and never pads beyond maxSize', () => {
    assert.equal(encodeDhcp(request([[53, bytes(2)]]), { minSize: 0 }).length, 244);
    assert.equal(encodeDhcp(request([[53, bytes(2)]]), { minSize: 400, maxSize: 350 }).length, 350);
  });

  it('never exceeds maxSize: 548 by default, larger when asked', () => {
    const big = request([[53, bytes(2)], [43, new Uint8Array(250)], [125, new Uint8Array(250)]]);
    assert.throws(() => encodeDhcp(big), DhcpCodecError);
    assert.equal(encodeDhcp(big, { maxSize: 1472 }).length, 240 + 3 + 252 + 252 + 1);
    for (const max of [300, 400, 548, 576, 1000]) {
      try {
        assert.ok(encodeDhcp(big, { maxSize: max }).length <= max);
      } catch (e) {
        assert.ok(e instanceof DhcpCodecError);
      }
    }
  });

  it('every maxSize from 241 to 700: at most maxSize bytes, or DhcpCodecError', () => {
    const packets = [
      request([[53, bytes(2)], [54, bytes(10, 77, 0, 1)], [43, new Uint8Array(60)], [125, new Uint8Array(100)], [12, new Uint8Array(40)]], { op: 2 }),
      request([[53, bytes(2)], [119, new Uint8Array(400)]], { op: 2, file: 'undionly.kpxe' }),
      request([[53, bytes(2)], [1, bytes(255, 255, 255, 0)]], { op: 2 }),
    ];
    for (const p of packets) {
      for (let max = 241; max <= 700; max++) {
        let wire: Uint8Array;
        try {
          wire = encodeDhcp(p, { maxSize: max });
        } catch (e) {
          assert.ok(e instanceof DhcpCodecError, String(e));
          continue;
        }
        assert.ok(wire.length <= max, `${wire.length} > ${max}`);
        assert.deepEqual(decodeDhcp(wire), p, `max ${max}`);
      }
    }
  });

  it('rejects a bad size, an oversized sname/file and a NUL in file', () => {
    assert.throws(() => encodeDhcp(request(), { maxSize: 100 }), /^DhcpCodecError: bad max size 100$/);
    assert.throws(() => encodeDhcp(request([], { sname: 'x'.repeat(64) })), /sname too long: 64 bytes \(max 63\)/);
    assert.throws(() => encodeDhcp(request([], { file: 'x'.repeat(128) })), /file too long: 128 bytes \(max 127\)/);
    assert.throws(() => encodeDhcp(request([], { file: 'a\0b' })), /file contains a NUL/);
    assert.throws(() => encodeDhcp(request([], { ciaddr: '10.0.0.256' })), /bad ciaddr '10.0.0.256'/);
    assert.throws(() => encodeDhcp(request([], { hlen: 17 })), /bad hlen 17/);
  });
});
