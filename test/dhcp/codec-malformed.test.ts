// Malformed input: every truncation of every fixture, and each specific error message.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DhcpCodecError, decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import { FIXTURES, loadFixture, request, bytes } from './support.js';

/** Offset of the end option of the options field. */
function endOfOptions(buf: Uint8Array): number {
  let i = 240;
  while (buf[i] !== 255) i += buf[i] === 0 ? 1 : 2 + buf[i + 1]!;
  return i;
}

function codecError(fn: () => unknown): DhcpCodecError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DhcpCodecError, `expected DhcpCodecError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a DhcpCodecError');
}

/** A DHCP header + cookie, followed by raw option bytes. */
function withOptions(...opts: number[]): Uint8Array {
  const head = encodeDhcp(request()).subarray(0, 240);
  return Uint8Array.from([...head, ...opts]);
}

describe('truncation', () => {
  for (const name of FIXTURES) {
    it(`${name}: every prefix either throws DhcpCodecError or decodes like the whole`, () => {
      const full = loadFixture(name);
      const whole = decodeDhcp(full);
      const end = endOfOptions(full);
      for (let n = 0; n <= full.length; n++) {
        const cut = full.subarray(0, n);
        if (n <= end) {
          const e = codecError(() => decodeDhcp(cut));
          if (n < 240) assert.equal(e.message, `packet too short: ${n} bytes`);
          else assert.match(e.message, /^(option \d+ truncated|unterminated options)$/, `length ${n}`);
        } else {
          assert.deepEqual(decodeDhcp(cut), whole, `length ${n}`);
        }
      }
    });
  }
});

describe('specific errors', () => {
  const cases: [string, () => Uint8Array, string][] = [
    ['short packet', () => new Uint8Array(200), 'packet too short: 200 bytes'],
    ['bad op', () => withOptions(255).map((b, i) => (i === 0 ? 3 : b)), 'bad op 3'],
    ['hlen > 16', () => withOptions(255).map((b, i) => (i === 2 ? 17 : b)), 'bad hlen 17'],
    ['bad cookie', () => withOptions(255).map((b, i) => (i === 239 ? 0x64 : b)), 'bad magic cookie'],
    ['length past the end', () => withOptions(53, 5, 1), 'option 53 truncated'],
    ['code without length', () => withOptions(53, 1, 1, 60), 'option 60 truncated'],
    ['missing end option', () => withOptions(53, 1, 1), 'unterminated options'],
    ['only pad, no end', () => withOptions(0, 0, 0, 0), 'unterminated options'],
    ['option 52 value 0', () => withOptions(52, 1, 0, 255), 'bad option 52 value 0'],
    ['option 52 value 4', () => withOptions(52, 1, 4, 255), 'bad option 52 value 4'],
    ['option 52 length 2', () => withOptions(52, 2, 1, 1, 255), 'bad option 52 length'],
    ['option 52 twice', () => withOptions(52, 1, 1, 52, 1, 2, 255), 'bad option 52 length'],
    ['option 52 -> file without end', () => withFile(withOptions(52, 1, 1, 255), new Uint8Array(128).fill(7)), 'option 7 truncated'],
    ['option 52 -> file of pad only', () => withOptions(52, 1, 1, 255), 'unterminated options in file field'],
    ['option 52 -> sname of pad only', () => withOptions(52, 1, 2, 255), 'unterminated options in sname field'],
    ['option 52 inside file', () => withFile(withOptions(52, 1, 1, 255), bytes(52, 1, 2, 255)), 'option 52 in file field'],
  ];
  for (const [what, make, message] of cases) {
    it(`${what}: "${message}"`, () => assert.equal(codecError(() => decodeDhcp(make())).message, message));
  }
});

function withFile(buf: Uint8Array, file: Uint8Array): Uint8Array {
  const out = buf.slice();
  out.set(file, 108);
  return out;
}

describe('lenient where the RFCs allow', () => {
  it('a BOOTP message with a zero vend field decodes with no options (RFC 951, RFC 1497)', () => {
    const buf = new Uint8Array(300);
    buf.set([1, 1, 6, 0]);
    buf.set(Buffer.from('pxelinux.0'), 108);
    const p = decodeDhcp(buf);
    assert.equal(p.options.size, 0);
    assert.equal(p.file, 'pxelinux.0');
  });

  it('pad options anywhere, bytes after end ignored, htype 32 without a mac', () => {
    const p = decodeDhcp(withOptions(0, 53, 1, 3, 0, 0, 61, 2, 0, 1, 255, 9, 9, 9).map((b, i) => (i === 1 ? 32 : b)));
    assert.deepEqual([...p.options.keys()], [53, 61]);
    assert.equal(p.htype, 32);
    assert.equal('mac' in p, false);
  });

  it('a Node Buffer decodes to the same plain Uint8Array values', () => {
    const raw = loadFixture('bios-ipxe-rom-discover.hex');
    assert.deepEqual(decodeDhcp(Buffer.from(raw)), decodeDhcp(raw));
  });

  it('file and sname stop at the first NUL; a full field without NUL is kept whole', () => {
    const buf = encodeDhcp(request([[53, bytes(1)]]));
    buf.set(Buffer.from('boot.ipxe\0junk'), 108);
    buf.fill(0x41, 44, 108);
    const p = decodeDhcp(buf);
    assert.equal(p.file, 'boot.ipxe');
    assert.equal(p.sname, 'A'.repeat(64));
  });
});
