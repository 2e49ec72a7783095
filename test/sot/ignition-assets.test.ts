// Ignition assets that cannot be served as Ignition JSON (src/render/ignition*.ts) are SoT problems
// at the asset's file:line: the load refuses them (a reload keeps the last good SoT serving), and
// `corral validate` reports them, including those that fail only for some hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSot } from '../../src/sot/load.js';
import { createLiveSot } from '../../src/sot/live.js';
import { systemClock } from '../../src/lib/clock.js';
import { nullLogger } from '../../src/lib/log.js';
import { main } from '../../src/cli.js';
import { BASE, VAQUERO_FIXTURES, writeSot } from './helpers.js';

/** BASE with h1 and h2 booting `asset` (an ignition asset) through boot "ign", whose metadata is `meta`. */
function withIgnition(asset: string, meta = ''): Record<string, string> {
  return {
    ...BASE,
    'boot/b1.yml': `id: b1\noperating_system: os1\nunattended: {type: ignition, use: node.yml}\n${meta}`,
    'assets/ignition/node.yml': asset,
  };
}

async function errorsOf(files: Record<string, string>): Promise<string[]> {
  const { dir, cleanup } = writeSot(files);
  try {
    const res = await loadSot(dir);
    return res.problems.filter((p) => p.severity === 'error').map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`);
  } finally {
    cleanup();
  }
}

async function validate(dir: string) {
  let out = '';
  let err = '';
  const code = await main(['validate', dir], { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

/** Has a template action: converted as rendered for the boot's first host (h1). */
const BUTANE_OK = `variant: fcos
version: 1.5.0
storage:
  files:
    - path: /etc/hostname
      mode: 0644
      contents:
        inline: "{{ .host.name }}"
`;

test('assets that convert load clean: Butane, Ignition-in-YAML, JSON; no version anywhere is not a load problem', async () => {
  assert.deepEqual(await errorsOf(withIgnition(BUTANE_OK)), []);
  assert.deepEqual(await errorsOf(withIgnition('ignition:\n  version: 3.3.0\n', 'metadata: {ignition_version: 3.4.0}\n')), []);
  assert.deepEqual(await errorsOf(withIgnition('{"ignition": {"version": "3.4.0"}}\n')), []);
  // Vaquero's assets name no spec version and neither do its boots: its SoTs still load.
  assert.deepEqual(await errorsOf(withIgnition('systemd:\n  units: [{name: a.service, enabled: true}]\n')), []);
  const vaquero = await loadSot(join(VAQUERO_FIXTURES, '2018-08-advanced-sot'));
  assert.equal(vaquero.ok, true, JSON.stringify(vaquero.problems));
});

test('an asset that cannot be converted is an error at its file:line', async () => {
  const cases: { name: string; asset: string; meta?: string; want: string }[] = [
    {
      name: 'bad YAML: at the parser\'s position',
      asset: 'ignition:\n  version: 3.4.0\nstorage:\n  files: [{path: /etc/motd\n',
      want: 'assets/ignition/node.yml:5:1: cannot be served as Ignition JSON: not valid YAML (rendered line 5, column 1): Flow map in block collection must be sufficiently indented and end with a }',
    },
    {
      name: 'unknown Butane variant: at variant',
      asset: BUTANE_OK.replace('variant: fcos', 'variant: rhcos'),
      want: 'assets/ignition/node.yml:1:1: cannot be served as Ignition JSON: variant: Butane variant "rhcos" is not supported (supported: fcos, flatcar) (rendered for host "h1")',
    },
    {
      name: 'Butane version of no Ignition spec: at version',
      asset: BUTANE_OK.replace('version: 1.5.0', 'version: 1.9.0'),
      want: 'assets/ignition/node.yml:2:1: cannot be served as Ignition JSON: version: Butane fcos version "1.9.0" is not supported (supported: 1.0.0, 1.1.0, 1.2.0, 1.3.0, 1.4.0, 1.5.0, 1.6.0) (rendered for host "h1")',
    },
    {
      name: 'a spec newer than the OS reads: at ignition.version, naming the boot',
      asset: 'ignition:\n  version: 3.5.0\n',
      meta: 'metadata: {ignition_version: 3.3.0}\n',
      want: 'assets/ignition/node.yml:2:3: cannot be served as Ignition JSON (boot "b1"): the config is Ignition spec 3.5.0, but the boot\'s ignition_version says the OS reads 3.3.0',
    },
    {
      name: 'a Butane config for another Ignition major than the OS reads: at version',
      asset: BUTANE_OK,
      meta: 'metadata: {ignition_version: 2.2.0}\n',
      want: 'assets/ignition/node.yml:2:1: cannot be served as Ignition JSON (boot "b1"): the config is Ignition spec 3.4.0, but the boot\'s ignition_version says the OS reads 2.2.0 (rendered for host "h1")',
    },
    {
      name: 'a Container Linux Config section: at it',
      asset: 'ignition:\n  version: 2.2.0\netcd:\n  name: e1\n',
      want: 'assets/ignition/node.yml:3:1: cannot be served as Ignition JSON: etcd: "etcd" is a Container Linux Config section, not Ignition; transpile with ct and serve its JSON',
    },
    {
      name: 'a Butane field Corral cannot translate, in an asset with template actions: rendered for the first host, located in the file',
      asset: `${BUTANE_OK}  trees:\n    - local: site\n      path: /etc\n`,
      want: 'assets/ignition/node.yml:9:3: cannot be served as Ignition JSON: storage.trees: storage.trees is not supported: it copies a local directory tree, which a served asset does not have (rendered for host "h1")',
    },
  ];
  for (const c of cases) assert.deepEqual(await errorsOf(withIgnition(c.asset, c.meta)), [c.want], c.name);
});

test('an asset no boot uses is not converted (it is never served)', async () => {
  assert.deepEqual(await errorsOf({ ...BASE, 'assets/ignition/spare.yml': 'variant: rhcos\nversion: 1.0.0\n' }), []);
});

test('a reload with an asset that cannot be converted keeps the last good SoT serving and reports it', async () => {
  const { dir, cleanup } = writeSot(withIgnition(BUTANE_OK));
  const live = createLiveSot({ root: dir, clock: systemClock, log: nullLogger, pollMs: 0 });
  try {
    assert.equal(await live.reload(), true);
    const good = live.current()!.revision;
    writeFileSync(join(dir, 'assets/ignition/node.yml'), BUTANE_OK.replace('variant: fcos', 'variant: rhcos'));
    assert.equal(await live.reload(), false);
    assert.equal(live.current()!.revision, good, 'still serving the last good SoT');
    const attempt = live.status().lastAttempt!;
    assert.equal(attempt.ok, false);
    assert.deepEqual(
      attempt.problems.filter((p) => p.severity === 'error').map((p) => `${p.file}:${p.line}`),
      ['assets/ignition/node.yml:1'],
    );
    writeFileSync(join(dir, 'assets/ignition/node.yml'), BUTANE_OK.replace('/etc/hostname', '/etc/motd'));
    assert.equal(await live.reload(), true);
    assert.notEqual(live.current()!.revision, good);
  } finally {
    live.stop();
    cleanup();
  }
});

test('corral validate: file:line:col for an asset refused at load; per-host failures found by rendering every host, once per asset', async () => {
  const bad = writeSot(withIgnition(BUTANE_OK.replace('version: 1.5.0', 'version: 1.9.0')));
  try {
    const r = await validate(bad.dir);
    assert.equal(r.code, 1);
    assert.equal(r.out, `${join(bad.dir, 'assets/ignition/node.yml')}:2:1: cannot be served as Ignition JSON: version: Butane fcos version "1.9.0" is not supported (supported: 1.0.0, 1.1.0, 1.2.0, 1.3.0, 1.4.0, 1.5.0, 1.6.0) (rendered for host "h1")\n    | version: 1.9.0\n`);
  } finally {
    bad.cleanup();
  }
  // Bad for h2 and a third host, not for h1 (the one the load renders): the load takes it,
  // validate renders every host and reports the asset once.
  const files = withIgnition(`variant: fcos
version: 1.5.0
{{- if ne .host.name "h1" }}
storage:
  trees: [{local: site, path: /etc}]
{{- end }}
`);
  files['sites/s1/rack.yml'] += '---\nname: h3\ninterfaces: [{mac: "52:54:00:00:00:03", subnet: net, ipv4: 10.1.0.13}]\nworkflow: wf\n';
  const some = writeSot(files);
  try {
    const loaded = await loadSot(some.dir);
    assert.equal(loaded.ok, true, JSON.stringify(loaded.problems));
    const r = await validate(some.dir);
    assert.equal(r.code, 1);
    assert.equal(
      r.out,
      `${join(some.dir, 'assets/ignition/node.yml')}:5:3: cannot be served as Ignition JSON: storage.trees: storage.trees is not supported: it copies a local directory tree, which a served asset does not have (rendered for host "h2" and 1 more)\n`,
    );
    assert.match(r.err, /invalid: .* 1 errors/);
  } finally {
    some.cleanup();
  }
});
