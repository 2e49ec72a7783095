// /files/ as iPXE, curl and installers use it (RFC 9110 §13 conditional requests, §14 ranges),
// the same checks against Corral's own asset server and, when nginx is installed, nginx in front
// (--asset-server nginx): both must answer alike, as a site may switch between them.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findNginx } from '../../src/boot/assets-nginx.js';
import { get, startWorld } from './assets-world.js';

const BODY = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));
const modes = findNginx() ? (['builtin', 'nginx'] as const) : (['builtin'] as const);

for (const mode of modes) {
  test(`${mode}: 200 with Content-Length, ETag, Last-Modified; HEAD has the headers and no body`, async () => {
    const w = await startWorld(mode, { flag: true });
    try {
      writeFileSync(join(w.assets, 'initrd'), BODY);
      const r = await get(w.port, '/files/initrd');
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-length'], String(BODY.length));
      assert.ok(r.body.equals(BODY));
      assert.match(r.headers.etag ?? '', /^"[0-9a-f]+-[0-9a-f]+"$/);
      assert.ok(r.headers['last-modified']);
      assert.equal(r.headers['accept-ranges'], 'bytes');
      const h = await get(w.port, '/files/initrd', {}, { method: 'HEAD' });
      assert.equal(h.status, 200);
      assert.equal(h.headers['content-length'], String(BODY.length));
      assert.equal(h.headers.etag, r.headers.etag);
      assert.equal(h.body.length, 0);
    } finally {
      await w.stop();
    }
  });

  test(`${mode}: one range 206, past the end 416, several ranges the whole file (200), stale If-Range the whole file`, async () => {
    const w = await startWorld(mode, { flag: true });
    try {
      writeFileSync(join(w.assets, 'img'), BODY);
      const n = BODY.length;
      const r = await get(w.port, '/files/img', { Range: 'bytes=10-19' });
      assert.equal(r.status, 206);
      assert.equal(r.headers['content-range'], `bytes 10-19/${n}`);
      assert.equal(r.headers['content-length'], '10');
      assert.ok(r.body.equals(BODY.subarray(10, 20)));
      const open = await get(w.port, '/files/img', { Range: `bytes=${n - 5}-` });
      assert.equal(open.status, 206);
      assert.ok(open.body.equals(BODY.subarray(n - 5)));
      const suffix = await get(w.port, '/files/img', { Range: 'bytes=-7' });
      assert.equal(suffix.headers['content-range'], `bytes ${n - 7}-${n - 1}/${n}`);
      assert.ok(suffix.body.equals(BODY.subarray(n - 7)));
      const clipped = await get(w.port, '/files/img', { Range: `bytes=${n - 2}-${n + 100}` });
      assert.equal(clipped.headers['content-range'], `bytes ${n - 2}-${n - 1}/${n}`);
      const past = await get(w.port, '/files/img', { Range: `bytes=${n}-` });
      assert.equal(past.status, 416);
      assert.equal(past.headers['content-range'], `bytes */${n}`);
      // RFC 9110 §14.2: a server MAY ignore Range; several ranges get the whole file, as 200.
      const multi = await get(w.port, '/files/img', { Range: 'bytes=0-1,5-6' });
      assert.equal(multi.status, 200);
      assert.equal(multi.body.length, n);
      // §13.1.5: If-Range naming another version -> the whole (new) file.
      const stale = await get(w.port, '/files/img', { Range: 'bytes=0-9', 'If-Range': '"0-0"' });
      assert.equal(stale.status, 200);
      const fresh = await get(w.port, '/files/img', { Range: 'bytes=0-9', 'If-Range': r.headers.etag! });
      assert.equal(fresh.status, 206);
    } finally {
      await w.stop();
    }
  });

  test(`${mode}: If-None-Match and If-Modified-Since give 304; a changed file has a new ETag`, async () => {
    const w = await startWorld(mode, { flag: true });
    try {
      const f = join(w.assets, 'vmlinuz');
      writeFileSync(f, 'kernel v1');
      utimesSync(f, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
      const first = await get(w.port, '/files/vmlinuz');
      const etag = first.headers.etag!;
      const inm = await get(w.port, '/files/vmlinuz', { 'If-None-Match': etag });
      assert.equal(inm.status, 304);
      assert.equal(inm.body.length, 0);
      assert.equal(inm.headers.etag, etag);
      assert.equal((await get(w.port, '/files/vmlinuz', { 'If-Modified-Since': first.headers['last-modified']! })).status, 304);
      assert.equal((await get(w.port, '/files/vmlinuz', { 'If-Modified-Since': 'Wed, 31 Dec 2025 00:00:00 GMT' })).status, 200);
      writeFileSync(f, 'kernel v2, longer');
      utimesSync(f, new Date('2026-02-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z'));
      const changed = await get(w.port, '/files/vmlinuz', { 'If-None-Match': etag });
      assert.equal(changed.status, 200);
      assert.equal(changed.body.toString(), 'kernel v2, longer');
      assert.notEqual(changed.headers.etag, etag);
    } finally {
      await w.stop();
    }
  });

  test(`${mode}: keep-alive: several downloads on one connection, as iPXE does`, async () => {
    const w = await startWorld(mode, { flag: true });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      writeFileSync(join(w.assets, 'vmlinuz'), BODY);
      writeFileSync(join(w.assets, 'initrd'), BODY.subarray(0, 5000));
      const a = await get(w.port, '/files/vmlinuz', {}, { agent });
      const b = await get(w.port, '/files/initrd', {}, { agent });
      const c = await get(w.port, '/files/vmlinuz', { Range: 'bytes=0-0' }, { agent });
      assert.equal(b.body.length, 5000);
      assert.equal(c.status, 206);
      assert.equal(a.localPort, b.localPort);
      assert.equal(b.localPort, c.localPort);
    } finally {
      agent.destroy();
      await w.stop();
    }
  });

  test(`${mode}: traversal, encoded traversal, directories and symlinks out of the folder are refused`, async () => {
    const w = await startWorld(mode, { flag: true });
    try {
      writeFileSync(join(w.assets, 'ok'), 'ok');
      symlinkSync('/etc/hostname', join(w.assets, 'escape'));
      for (const path of ['/files/../../../../etc/passwd', '/files/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/files/..%2f..%2f..%2fetc%2fpasswd', '/files/', '/files/escape']) {
        const r = await get(w.port, path);
        assert.ok(r.status >= 400 && r.status < 500, `${path} -> ${r.status}`);
        assert.ok(!r.body.toString().includes('root:'), path);
      }
      assert.equal((await get(w.port, '/files/ok')).body.toString(), 'ok');
    } finally {
      await w.stop();
    }
  });
}
