import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openTid, type BindFn, type UdpSocket } from '../../src/tftp/udp.js';

/** A fake socket factory: ports are handed out from a list; records binds, connects, closes. */
function fakeBind(ports: number[], opts: { failSecondBind?: boolean; failConnect?: boolean } = {}) {
  const log: string[] = [];
  const bind: BindFn = async (host, port, o) => {
    if (port !== 0 && opts.failSecondBind) throw new Error('EADDRINUSE');
    const p = port || ports.shift()!;
    log.push(`bind ${host}:${p}${o?.reuseAddr ? ' reuse' : ''}`);
    const sock: UdpSocket = {
      send: () => undefined,
      onMessage: () => undefined,
      onError: () => undefined,
      address: () => ({ address: host, port: p }),
      close: async () => void log.push(`close ${p}`),
      connect: async (cp, ca) => {
        if (opts.failConnect) throw new Error('EINVAL');
        log.push(`connect ${p} -> ${ca}:${cp}`);
      },
    };
    return sock;
  };
  return { bind, log };
}

const client = { address: '10.0.0.9', port: 2001 };

describe('tftp transfer sockets (TID)', () => {
  it('connects the TID socket and adds an unconnected one on the same port', async () => {
    const f = fakeBind([5000]);
    const tid = await openTid(f.bind, '10.0.0.1', client, () => true);
    assert.equal(tid.main.address().port, 5000);
    assert.equal(tid.others?.address().port, 5000);
    assert.deepEqual(f.log, ['bind 10.0.0.1:5000 reuse', 'bind 10.0.0.1:5000 reuse', 'connect 5000 -> 10.0.0.9:2001']);
  });

  it('skips ports our other transfers already use', async () => {
    const f = fakeBind([5000, 5000, 5001]);
    const tid = await openTid(f.bind, '10.0.0.1', client, (p) => p !== 5000);
    assert.equal(tid.main.address().port, 5001);
    assert.ok(f.log.filter((l) => l === 'close 5000').length === 2);
  });

  it('falls back to one unconnected socket', async () => {
    const a = await openTid(fakeBind([5000], { failSecondBind: true }).bind, '10.0.0.1', client, () => true);
    assert.equal(a.others, null);
    const b = fakeBind([5001], { failConnect: true });
    const tid = await openTid(b.bind, '10.0.0.1', client, () => true);
    assert.equal(tid.others, null);
    assert.ok(b.log.includes('close 5001'), 'the extra socket is closed');
  });
});
