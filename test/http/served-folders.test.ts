// Where boot HTTP's /files/ comes from, as in Vaquero: the agent's asset_server.base_dir
// (relative to the SoT folder), unless --assets overrides it; a reload that changes base_dir
// takes effect; GET /v1/services says which folder is served and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBootServices, type BootConfig } from '../../src/boot/services.js';
import { createLiveSot } from '../../src/sot/live.js';
import { createLifecycle } from '../../src/lifecycle/runner.js';
import { nullLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import { createMemoryStore } from '../fakes/memory-store.js';
import { BASE, writeSot } from '../sot/helpers.js';
import { freePort, rawGet } from './raw-get.js';

const withBaseDir = (dir: string) => ({ ...BASE, 'sites/s1/env.yml': BASE['sites/s1/env.yml']!.replace('asset_server: {addr: 10.1.0.2, port: 8080, scheme: http}', `asset_server: {addr: 10.1.0.2, port: 8080, scheme: http, base_dir: ${dir}}`) });

test("/files/ is served from the SoT agent's base_dir unless --assets overrides it", async () => {
  const w = writeSot(withBaseDir('kernels'));
  mkdirSync(join(w.dir, 'kernels'));
  writeFileSync(join(w.dir, 'kernels', 'vmlinuz'), 'kernel from base_dir');
  const flagDir = mkdtempSync(join(tmpdir(), 'corral-assets-'));
  writeFileSync(join(flagDir, 'vmlinuz'), 'kernel from --assets');
  const data = mkdtempSync(join(tmpdir(), 'corral-data-'));
  const live = createLiveSot({ root: w.dir, clock: systemClock, log: nullLogger, pollMs: 0 });
  const store = createMemoryStore();
  const lifecycle = createLifecycle({ store, clock: systemClock, log: nullLogger, effects: { run() {} } });
  assert.ok(await live.reload());
  const deps = { sot: live, store, lifecycle, clock: systemClock, log: nullLogger, dataDir: data, sotDir: w.dir };
  const port = await freePort();
  const cfg: BootConfig = { address: '127.0.0.1', httpPort: port, tftpPort: 0, dhcpPort: 0, dhcpClientPort: 0, proxyPort: 0, dhcp: false, tftp: false, http: true };
  try {
    let services = await startBootServices(cfg, deps);
    try {
      assert.equal((await rawGet(port, '/files/vmlinuz', { Host: 'boot' })).text, 'kernel from base_dir');
      assert.deepEqual((services.status().http as { folder?: unknown }).folder, { dir: join(w.dir, 'kernels'), source: 'sot', site: 's1' });
      // A reload that moves base_dir takes effect without a restart.
      mkdirSync(join(w.dir, 'kernels2'));
      writeFileSync(join(w.dir, 'kernels2', 'vmlinuz'), 'kernel from the new base_dir');
      writeFileSync(join(w.dir, 'sites/s1/env.yml'), withBaseDir('kernels2')['sites/s1/env.yml']!);
      assert.ok(await live.reload());
      assert.equal((await rawGet(port, '/files/vmlinuz', { Host: 'boot' })).text, 'kernel from the new base_dir');
    } finally {
      await services.stop();
    }
    services = await startBootServices({ ...cfg, assetsDir: flagDir }, deps);
    try {
      assert.equal((await rawGet(port, '/files/vmlinuz', { Host: 'boot' })).text, 'kernel from --assets');
      assert.deepEqual((services.status().http as { folder?: unknown }).folder, { dir: flagDir, source: 'flag' });
    } finally {
      await services.stop();
    }
  } finally {
    live.stop();
    w.cleanup();
    rmSync(flagDir, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});
