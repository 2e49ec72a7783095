// The headless .deb (scripts/package-deb.sh): it builds with dpkg-deb, holds the documented
// layout, and — as root, on this machine — installs to a working `corral`, serves the API as the
// corral user, and purges without leftovers (the corral system user stays, as documented).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, has, mustRun, parseContents, run, startInstalled, type DebEntry } from './deb-tools.js';

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const noDpkg = has('dpkg-deb') ? false : 'dpkg-deb is not installed (apt-get install dpkg)';

describe('corral .deb', { skip: noDpkg, timeout: 600_000 }, () => {
  let tmp = '';
  let deb = '';
  let entries: DebEntry[] = [];

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'corral-deb-test-'));
    // The compiled tree as `npm ci` left it (its prepare step builds): typechecking is
    // `npm run typecheck`'s job, and a type error elsewhere must not hide what packaging does.
    // Without dist/ the script runs `npm run build` first, as a release does.
    const reuse = existsSync(join(ROOT, 'dist/src/bin.js')) ? ['--no-build'] : [];
    const out = mustRun('bash', [join(ROOT, 'scripts/package-deb.sh'), '--out', join(tmp, 'out'), ...reuse], 300_000);
    deb = out.trim().split('\n').at(-1)!;
    entries = parseContents(mustRun('dpkg-deb', ['-c', deb]));
    mustRun('dpkg-deb', ['-e', deb, join(tmp, 'control')]);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('named corral_<version>_<arch>.deb; depends on Node 20.19 from the nodejs package', () => {
    assert.match(deb, new RegExp(`/corral_${version.replace(/\./g, '\\.')}_(all|amd64|arm64)\\.deb$`));
    const control = readFileSync(join(tmp, 'control/control'), 'utf8');
    assert.match(control, /^Package: corral$/m);
    assert.match(control, new RegExp(`^Version: ${version}$`, 'm'));
    assert.match(control, /^Depends: nodejs \(>= 20\.19\), adduser$/m);
  });

  test('dpkg -c: the app, the launcher, the unit, the example SoT; nothing of development', () => {
    const paths = new Set(entries.map((e) => e.path));
    for (const p of [
      '/usr/bin/corral',
      '/usr/lib/corral/package.json',
      '/usr/lib/corral/bin/corral.js',
      '/usr/lib/corral/dist/src/bin.js',
      '/usr/lib/corral/dist/src/config/serve.js',
      '/usr/lib/corral/pxe/host.ipxe.tpl',
      '/usr/lib/corral/node_modules/express/package.json',
      '/usr/lib/corral/build/native/corral-tftp-pump',
      '/usr/lib/systemd/system/corral.service',
      '/etc/default/corral',
      '/etc/corral/sot/sites/pxelab/env.yml',
      '/usr/share/doc/corral/copyright',
    ]) {
      assert.ok(paths.has(p), `${p} in the package`);
    }
    const dev = entries.filter((e) => /\/node_modules\/(typescript|electron|tsx|supertest|@types)\/|\/dist\/(electron|test|bench)\/|^\/usr\/lib\/corral\/(dist|bin)\/.*\.(tsx?|map)$/.test(e.path));
    assert.deepEqual(dev.map((e) => e.path).slice(0, 5), [], 'no development files');
    assert.ok(entries.every((e) => e.owner === 'root/root'), 'all files root-owned in the package');
    assert.equal(entries.find((e) => e.path === '/usr/bin/corral')!.mode, '-rwxr-xr-x');
    // The TFTP pump (native/tftp-pump.c), where src/tftp/pump.ts looks for it.
    assert.equal(entries.find((e) => e.path === '/usr/lib/corral/build/native/corral-tftp-pump')?.mode, '-rwxr-xr-x');
    // /var/lib/corral is made by postinst (owned by corral), not shipped root-owned.
    assert.ok(!entries.some((e) => e.path.startsWith('/var/')));
  });

  test('conffiles: every file under /etc; maintainer scripts are valid sh', () => {
    const conffiles = readFileSync(join(tmp, 'control/conffiles'), 'utf8').trim().split('\n').sort();
    const etc = entries.filter((e) => e.path.startsWith('/etc/') && e.mode.startsWith('-')).map((e) => e.path).sort();
    assert.deepEqual(conffiles, etc);
    for (const s of ['postinst', 'prerm', 'postrm']) mustRun('sh', ['-n', join(tmp, 'control', s)]);
  });

  test('the unit: capabilities instead of root, hardening, the packaged paths', () => {
    const dir = join(tmp, 'root');
    mustRun('dpkg-deb', ['-x', deb, dir]);
    const unit = readFileSync(join(dir, 'usr/lib/systemd/system/corral.service'), 'utf8');
    for (const line of [
      'User=corral',
      'AmbientCapabilities=CAP_NET_BIND_SERVICE CAP_NET_RAW',
      'CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_NET_RAW',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ReadWritePaths=/var/lib/corral',
      'ExecStart=/usr/bin/corral serve --sot /etc/corral/sot --data /var/lib/corral --log-format json $CORRAL_OPTS',
    ]) {
      assert.ok(unit.split('\n').includes(line), line);
    }
    assert.match(readFileSync(join(dir, 'usr/bin/corral'), 'utf8'), /exec \/usr\/bin\/node \/usr\/lib\/corral\/bin\/corral\.js "\$@"/);
  });

  const asRoot = process.getuid?.() === 0;
  const installed = run('dpkg-query', ['-W', '-f=${Status}', 'corral']).out.includes('installed');
  const installSkip = !asRoot
    ? 'needs root: dpkg -i installs the package on this machine'
    : installed
      ? 'a corral package is already on this machine: the test does not touch an existing install'
      : false;

  test('dpkg -i: corral validate and serve work from the installed paths; dpkg --purge leaves nothing', { skip: installSkip, timeout: 300_000 }, async () => {
    const userBefore = run('getent', ['passwd', 'corral']).code === 0;
    try {
      mustRun('dpkg', ['-i', deb], 120_000);
      assert.equal(mustRun('/usr/bin/corral', ['version']).trim(), version);
      const st = statSync('/var/lib/corral');
      assert.equal(st.mode & 0o777, 0o750);
      const uid = Number(mustRun('id', ['-u', 'corral']));
      assert.equal(st.uid, uid, '/var/lib/corral owned by corral');
      const v = run('/usr/bin/corral', ['validate', '/etc/corral/sot']);
      assert.equal(v.code, 0, v.err);
      assert.match(v.err, /^ok: /m);

      // As the service runs it (user corral, its data folder) but not through systemd, which may
      // not be PID 1 here; no --interface: boot services off.
      const served = await startInstalled(['setpriv', '--reuid=corral', '--regid=corral', '--init-groups', '--', '/usr/bin/corral', 'serve', '--sot', '/etc/corral/sot', '--data', '/var/lib/corral', '--listen', '127.0.0.1:0', '--log-format', 'json']);
      try {
        const health = (await (await fetch(`${served.base}/v1/health`, { signal: AbortSignal.timeout(10_000) })).json()) as { ok: boolean; version: string };
        assert.deepEqual([health.ok, health.version], [true, version]);
        const services = (await (await fetch(`${served.base}/v1/services`, { signal: AbortSignal.timeout(10_000) })).json()) as Record<string, { state: string }>;
        assert.equal(services.dhcp?.state, 'off');
        assert.equal(statSync('/var/lib/corral/admin.token').mode & 0o777, 0o600);
        // The GUI, when the build made one, is found from the installed layout.
        if (entries.some((e) => e.path === '/usr/lib/corral/dist/gui/index.html')) {
          const page = await fetch(`${served.base}/ui/`, { headers: { accept: 'text/html' }, signal: AbortSignal.timeout(10_000) });
          assert.equal(page.status, 200, 'GET /ui/ serves the packaged GUI');
        }
      } finally {
        await served.stop();
      }
    } finally {
      const purge = run('dpkg', ['--purge', 'corral'], 120_000);
      assert.equal(purge.code, 0, purge.err);
    }
    assert.match(run('dpkg-query', ['-W', '-f=${Status}', 'corral']).out + 'not-installed', /not-installed/);
    for (const p of ['/usr/lib/corral', '/usr/bin/corral', '/etc/corral', '/etc/default/corral', '/var/lib/corral', '/usr/lib/systemd/system/corral.service']) {
      assert.ok(!existsSync(p), `${p} left after purge`);
    }
    // The corral system user stays after purge (Debian's way, docs/packaging.md); a user this
    // test created is removed to leave the machine as it was.
    assert.equal(run('getent', ['passwd', 'corral']).code, 0, 'the corral user stays, as documented');
    if (!userBefore) mustRun('deluser', ['--system', 'corral']);
    assert.deepEqual(readdirSync('/var/lib').filter((n) => n.startsWith('corral')), []);
  });
});
