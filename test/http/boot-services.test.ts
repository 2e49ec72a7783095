// The composition of boot HTTP in startBootServices: the callback key comes from the data folder
// (made once, kept across restarts), the served URLs from the configured boot URL whatever the
// request's Host header says, and the refusal counters show in the service status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, rawGet } from './raw-get.js';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBootServices, type BootConfig } from '../../src/boot/services.js';
import { CALLBACK_KEY_FILE } from '../../src/boot/callback-secret.js';
import { createLiveSot } from '../../src/sot/live.js';
import { createLifecycle } from '../../src/lifecycle/runner.js';
import { nullLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import { createMemoryStore } from '../fakes/memory-store.js';
import { findTftpPump } from '../../src/tftp/pump.js';
import { tftpWorkerCount } from '../../src/boot/tftp-thread.js';
import { BASE, writeSot } from '../sot/helpers.js';

test('boot HTTP: key in the data folder, configured URLs only, refusals counted in the status', async () => {
  const w = writeSot(BASE);
  const data = mkdtempSync(join(tmpdir(), 'corral-data-'));
  const live = createLiveSot({ root: w.dir, clock: systemClock, log: nullLogger, pollMs: 0 });
  const store = createMemoryStore();
  const lifecycle = createLifecycle({ store, clock: systemClock, log: nullLogger, effects: { run() {} } });
  try {
    assert.equal(await live.reload(), true);
    const port = await freePort();
    const cfg: BootConfig = { address: '127.0.0.1', httpPort: port, bootUrl: 'http://boot.example:8080/', tftpPort: 0, dhcpPort: 0, dhcpClientPort: 0, proxyPort: 0, tftpRoot: w.dir, dhcp: false, tftp: false, http: true };
    const deps = { sot: live, store, lifecycle, clock: systemClock, log: nullLogger, dataDir: data };
    let services = await startBootServices(cfg, deps);
    const keyPath = join(data, CALLBACK_KEY_FILE);
    try {
      assert.equal(services.status().http.state, 'running');
      assert.equal(statSync(keyPath).mode & 0o777, 0o600);
      const r = await rawGet(port, '/boot.ipxe', { Host: 'evil.example"; shell' });
      assert.equal(r.text, '#!ipxe\nchain http://boot.example:8080/ipxe?mac=${netX/mac}\n');
      assert.equal((await rawGet(port, '/checkpoint/52:54:00:00:00:01/no-such-boot/999', { Host: 'x' })).status, 403);
      const stats = services.status().http.stats as { refused: Record<string, number> };
      assert.equal(stats.refused.missing_secret, 1);
    } finally {
      await services.stop();
    }
    const key = readFileSync(keyPath, 'utf8');
    services = await startBootServices(cfg, deps);
    await services.stop();
    assert.equal(readFileSync(keyPath, 'utf8'), key, 'a restart keeps the key');

    const noKey = await startBootServices(cfg, { ...deps, dataDir: undefined });
    assert.deepEqual(noKey.status().http, { state: 'failed', reason: 'no callback key: no data folder given to the boot services' });
    await noKey.stop();
  } finally {
    lifecycle.stop();
    live.stop();
    w.cleanup();
    rmSync(data, { recursive: true, force: true });
  }
});

test('TFTP in the service status: running, its worker threads and whether the pump sends the files', async () => {
  const w = writeSot(BASE);
  const data = mkdtempSync(join(tmpdir(), 'corral-data-'));
  const live = createLiveSot({ root: w.dir, clock: systemClock, log: nullLogger, pollMs: 0 });
  const store = createMemoryStore();
  const lifecycle = createLifecycle({ store, clock: systemClock, log: nullLogger, effects: { run() {} } });
  assert.equal(await live.reload(), true);
  const cfg: BootConfig = { address: '127.0.0.1', httpPort: 0, tftpPort: 0, dhcpPort: 0, dhcpClientPort: 0, proxyPort: 0, tftpRoot: w.dir, dhcp: false, tftp: true, http: false };
  const services = await startBootServices(cfg, { sot: live, store, lifecycle, clock: systemClock, log: nullLogger, dataDir: data });
  try {
    const tftp = services.status().tftp as { state: string; stats: { workers: number; sender: string; completed: number } };
    assert.equal(tftp.state, 'running');
    assert.equal(tftp.stats.sender, findTftpPump() ? 'pump' : 'javascript');
    assert.equal(tftp.stats.workers, findTftpPump() ? 1 : tftpWorkerCount(undefined, false));
    assert.equal(tftp.stats.completed, 0);
  } finally {
    await services.stop();
    lifecycle.stop();
    live.stop();
    rmSync(data, { recursive: true, force: true });
    w.cleanup();
  }
});
