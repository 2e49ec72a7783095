// The desktop app on the real Electron binary: it starts the core from a settings file, opens
// the window on the core's GUI and quits (CORRAL_DESKTOP_SMOKE=1). Runs where the binary exists;
// where npm skipped its download (ELECTRON_SKIP_BINARY_DOWNLOAD=1, as scripts/test.sh does) it
// is skipped with that reason — which scripts/skip-reporter.mjs must not count as a real part
// going untested (checked below), since CI never downloads Electron.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { electronBinary } from '../../electron/electron-binary.mjs';
import { realPart } from '../../scripts/skip-reporter.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const found = electronBinary(ROOT) as { path?: string; missing?: string };
const xvfb = spawnSync('sh', ['-c', 'command -v xvfb-run'], { encoding: 'utf8' }).stdout.trim();
const skip = found.missing ?? (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY && !xvfb ? 'no display: DISPLAY is unset and xvfb-run is absent' : false);

test('the skip reasons of the launch test are ones the skip reporter allows under CI', () => {
  // The reason as it reads where the package is there but its binary is not.
  const fake = mkdtempSync(join(tmpdir(), 'corral-no-electron-'));
  try {
    mkdirSync(join(fake, 'node_modules/electron'), { recursive: true });
    writeFileSync(join(fake, 'node_modules/electron/package.json'), '{}');
    const missing = (electronBinary(fake) as { missing?: string }).missing;
    assert.match(missing ?? '', /^Electron binary absent: node_modules\/electron\/dist\/electron/);
    for (const reason of [missing, 'no display: DISPLAY is unset and xvfb-run is absent']) {
      assert.equal(realPart({ file: join(ROOT, 'test/electron/launch.test.ts'), name: 'Electron launch: settings file -> core started -> window on its GUI', reason }), undefined, reason);
    }
  } finally {
    rmSync(fake, { recursive: true, force: true });
  }
});

test('Electron launch: settings file -> core started -> window on its GUI', { skip, timeout: 120_000 }, async () => {
  if (!existsSync(join(ROOT, 'dist/electron/main.js'))) throw new Error('dist/electron/main.js missing: run npm run build');
  const dir = mkdtempSync(join(tmpdir(), 'corral-electron-'));
  try {
    const settings = join(dir, 'settings.json');
    writeFileSync(settings, JSON.stringify({ sot: join(ROOT, 'examples/lab'), data: join(dir, 'data'), listen: '127.0.0.1:0', 'no-watch': true }));
    // Chromium refuses to run as root with its OS sandbox; the renderer keeps sandbox: true.
    const args = [join(ROOT, 'dist/electron/main.js'), `--user-data-dir=${join(dir, 'user')}`, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])];
    const [cmd, argv] = !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY && xvfb ? [xvfb, ['-a', found.path!, ...args]] : [found.path!, args];
    const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, CORRAL_SETTINGS: settings, CORRAL_DESKTOP_SMOKE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('exit', (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    assert.match(out, /corral-desktop ready started http:\/\/127\.0\.0\.1:\d+/, out);
    assert.equal(code, 0, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
