// electron-builder.yml cannot be exercised here (it downloads Electron), so its promises are
// checked as data: the four targets, and every file it names exists in the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';

const ROOT = new URL('../..', import.meta.url).pathname;
const cfg = YAML.parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8'));

test('targets: AppImage and deb on Linux, dmg on macOS, NSIS on Windows', () => {
  assert.deepEqual(cfg.linux.target, ['AppImage', 'deb']);
  assert.equal(cfg.mac.target, 'dmg');
  assert.equal(cfg.win.target, 'nsis');
  assert.equal(cfg.extraMetadata.main, 'dist/electron/main.js');
});

test('the desktop .deb carries the systemd unit with capabilities and the service account scripts', () => {
  const maps: string[] = cfg.deb.fpm.filter((a: string) => a.includes('=') && !a.startsWith('--'));
  const targets = Object.fromEntries(maps.map((m) => m.split('=').reverse()));
  assert.equal(targets['/usr/lib/systemd/system/corral.service'], 'packaging/deb/corral.service');
  assert.match(readFileSync(join(ROOT, 'packaging/deb/corral.service'), 'utf8'), /^AmbientCapabilities=CAP_NET_BIND_SERVICE CAP_NET_RAW$/m);
  for (const src of [...Object.values(targets), cfg.deb.afterInstall, cfg.deb.afterRemove] as string[]) assert.ok(existsSync(join(ROOT, src)), src);
});

test('every plain file listed for the app exists (the first-run page is not compiled)', () => {
  for (const f of cfg.files as string[]) {
    if (/[*!]/.test(f)) continue;
    assert.ok(existsSync(join(ROOT, f)), f);
  }
  assert.ok(existsSync(join(ROOT, cfg.linux.icon)));
});
