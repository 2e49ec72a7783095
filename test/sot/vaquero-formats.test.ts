// Every released Vaquero SoT format loads (test/fixtures/vaquero: the same site written in each
// format): the warnings name each field Corral ignores with its Vaquero release, the model is
// the same hosts, workflows and boots, and every host renders the same boot. `corral sot
// convert` writes the current format, which loads clean into the same model and renders the
// same files; `corral validate` points the 1.0/1.1 layout at it; `--strict` fails on warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSot, type LoadResult } from '../../src/sot/load.js';
import { checkRenders } from '../../src/sot/templates.js';
import { convertSot } from '../../src/sot/convert.js';
import { renderIpxe, renderUnattended, workflowOf } from '../../src/render/render.js';
import { main } from '../../src/cli.js';
import type { Problem, Sot } from '../../src/model/index.js';
import { VAQUERO_FIXTURES, writeSot } from './helpers.js';

const urls = { base: 'http://10.40.0.5:24602' };
const at = (name: string) => join(VAQUERO_FIXTURES, name);

/** "file:line: message up to its explanation". */
const brief = (p: Problem) => `${p.file}:${p.line}: ${p.message.split(': ')[0]}`;

interface Format {
  dir: string;
  /** Every problem, briefly; all are warnings. */
  warnings: string[];
  /** What this format says beyond the common model. */
  check: (s: Sot) => void;
}

const host = (s: Sot, name: string) => s.hosts.find((h) => h.name === name)!;

const FORMATS: Format[] = [
  {
    dir: '2016-08-docs-1.0',
    warnings: [
      'host_groups/appliance.yaml:2: this SoT is in the layout of Vaquero 1.0, Aug 2016 to 1.1, Nov 2016 (host_groups/, inventory documents listing hosts)',
      'sites/dc-east/env.yaml:4: "kind" (Vaquero 1.0, Aug 2016) is ignored',
      'sites/dc-east/env.yaml:8: "agent.secure_url" (Vaquero 1.0, Aug 2016) is ignored',
      'sites/dc-east/env.yaml:9: "agent.secure_port" (Vaquero 1.0, Aug 2016) is ignored',
      'sites/dc-east/env.yaml:10: "agent.cert_path" (Vaquero 1.0, Aug 2016) is ignored',
      'sites/dc-east/inventory.yaml:24: "selectors.uuid" (Vaquero 1.0, Aug 2016) is ignored',
    ],
    check: (s) => {
      // The agent's url had neither scheme nor port; no subnets, no host addresses yet.
      assert.deepEqual(s.sites[0]!.agents[0]!.assetServer, { scheme: 'http', addr: '10.40.0.5', port: 24602 });
      assert.deepEqual(s.sites[0]!.subnets, []);
      assert.deepEqual(host(s, 'etcd1').interfaces.map((i) => [i.type, i.mac, i.ipv4, i.bmc?.type, i.bmc?.port]), [
        ['physical', '52:54:00:40:00:11', undefined, undefined, undefined],
        ['bmc', '52:54:00:49:00:11', '10.49.0.11', 'ipmi', 623],
      ]);
      assert.deepEqual(host(s, 'etcd1').metadata, { etcd_name: 'etcd1', networkd_address: '10.40.0.11/24' });
      // Read with today's template names ("http://{{.agent.url}}:{{.agent.port}}" was 1.0's base URL).
      const coreos = s.oses.find((o) => o.id === 'coreos-1235.9.0')!;
      assert.equal(coreos.kernel, '{{ .env.agentURL }}/files/coreos/stable/1235.9.0/coreos_production_pxe.vmlinuz');
      assert.deepEqual(coreos.cmdline.at(-1), { key: 'coreos.config.url', value: '{{ .boot.configURL }}' });
      assert.match(s.assets.find((a) => a.name === 'etcd.yml')!.text, /ETCD_NAME=\{\{\.host\.md\.etcd_name\}\}/);
    },
  },
  {
    dir: '2016-11-docs-1.1',
    warnings: [
      'host_groups/appliance.yml:2: this SoT is in the layout of Vaquero 1.0, Aug 2016 to 1.1, Nov 2016 (host_groups/, inventory documents listing hosts)',
      'os/appliance.yml:16: a non-string item in the list of cmdline key "console" (Vaquero 1.1, Nov 2016) is ignored, as Vaquero ignored it',
      'sites/dc-east/env.yml:7: "agent.secure_url" (Vaquero 1.0, Aug 2016) is ignored',
      'sites/dc-east/env.yml:8: "agent.secure_port" (Vaquero 1.0, Aug 2016) is ignored',
      'sites/dc-east/env.yml:9: "agent.cert_path" (Vaquero 1.0, Aug 2016) is ignored',
      'sites/dc-east/inventory.yml:36: "selectors.os" (Vaquero 1.0, Aug 2016) is ignored',
    ],
    check: (s) => {
      assert.deepEqual(s.sites[0]!.subnets.map((n) => [n.id, n.domain]), [['prov', 'east.example.net'], ['data', undefined]]);
      assert.deepEqual(host(s, 'etcd1').interfaces.map((i) => [i.type, i.subnet, i.ipv4]), [['physical', 'prov', undefined], ['bmc', undefined, '10.49.0.11']]);
      assert.deepEqual(host(s, 'etcd1').interfaces[1]!.bmc, { type: 'ipmi', softReboot: false, username: 'admin', password: { kind: 'inline', value: 'lasso-7' } });
      // A list value repeats its key.
      assert.deepEqual(s.oses.find((o) => o.id === 'appliance-4.2')!.cmdline.filter((c) => c.key === 'console'), [
        { key: 'console', value: 'tty0' },
        { key: 'console', value: 'ttyS1,115200' },
      ]);
    },
  },
  {
    dir: '2016-12-v0.11',
    warnings: [
      'os/appliance.yml:14: key "console" is repeated in its mapping',
      'sites/dc-east/env.yml:4: "release_tag" (Vaquero v0.11, Dec 2016) is ignored',
      'sites/dc-east/env.yml:24: "agent.secure_url" (Vaquero 1.0, Aug 2016) is ignored',
      'sites/dc-east/env.yml:25: "agent.secure_port" (Vaquero 1.0, Aug 2016) is ignored',
      'sites/dc-east/env.yml:26: "agent.cert_path" (Vaquero 1.0, Aug 2016) is ignored',
      'workflows/etcd-member.yml:5: "next-boot" (Vaquero v0.11, Dec 2016) is ignored',
      'workflows/etcd-proxy.yml:5: "safe_deps" (Vaquero v0.11, Dec 2016) is ignored',
    ],
    check: (s) => {
      assert.equal(s.sites[0]!.releaseTag, 'v2016.12');
      assert.deepEqual(s.workflows.find((w) => w.id === 'etcd-member')!.deps, { blockDeps: [], validateOn: [], maxConcurrent: 1, maxFail: 1 });
      assert.deepEqual(s.workflows.find((w) => w.id === 'etcd-proxy')!.deps, { blockDeps: ['etcd-member'], validateOn: [] });
      // Written twice: the last one, as Vaquero read it.
      assert.deepEqual(s.oses.find((o) => o.id === 'appliance-4.2')!.cmdline.filter((c) => c.key === 'console'), [{ key: 'console', value: 'tty0' }]);
    },
  },
  {
    dir: '2017-02-v0.13',
    warnings: [
      'sites/dc-east/env.yml:32: "save_path" (Vaquero v0.12, Jan 2017) is ignored',
      'sites/dc-east/inventory.yml:29: bmc type "ssh" (Vaquero v0.13, Feb 2017) is not driven',
      'workflows/etcd-proxy.yml:5: "validate_on" (Vaquero v0.11, Dec 2016) is ignored',
    ],
    check: (s) => {
      assert.equal(s.sites[0]!.agents[0]!.name, 'east-agent');
      assert.deepEqual(s.sites[0]!.subnets[0]!.dhcpOptions, [{ option: 42, type: 'addresses', value: '10.40.0.2' }]);
      assert.deepEqual(s.workflows.find((w) => w.id === 'etcd-member')!.deps, { blockDeps: [], validateOn: [], maxConcurrent: 1, minStanding: 2, maxFail: 1 });
      assert.deepEqual(s.workflows.find((w) => w.id === 'etcd-proxy')!.deps, { blockDeps: ['etcd-member'], validateOn: ['etcd-member'] });
      assert.equal(host(s, 'etcd2').interfaces[0]!.bmc?.type, 'ssh');
    },
  },
  {
    dir: '2017-03-v0.14',
    warnings: [
      'boot/etcd-member.yml:10: "validate" (Vaquero v0.14, Mar 2017) is ignored',
      'boot/etcd-proxy.yml:10: "before_shutdown" (Vaquero v0.14, Mar 2017) is ignored',
      'sites/dc-east/env.yml:34: "save_path" (Vaquero v0.12, Jan 2017) is ignored',
      'sites/dc-east/inventory.yml:29: bmc type "ssh" (Vaquero v0.13, Feb 2017) is not driven',
      'sites/dc-east/inventory.yml:48: bmc type "custom" (Vaquero v0.14, Mar 2017) is not driven',
    ],
    check: (s) => {
      // policy.force_provision: true is Corral's mode: auto.
      assert.equal(s.sites[0]!.mode, 'auto');
      assert.equal(s.boots.find((b) => b.id === 'etcd-member')!.validate.length, 1);
      assert.deepEqual(host(s, 'etcd3').interfaces[1]!.bmc?.container?.commands, ['ipmitool -H 10.49.0.13 -I lanplus -U admin chassis power cycle']);
    },
  },
  {
    dir: '2017-11-docs-1.2',
    warnings: [
      'boot/etcd-member.yml:10: "validate" (Vaquero v0.14, Mar 2017) is ignored',
      'boot/etcd-proxy.yml:10: "before_shutdown" (Vaquero v0.14, Mar 2017) is ignored',
      'sites/dc-east/cluster-etcd.yml:2: "config" (Vaquero 1.2, Nov 2017) is ignored',
      'sites/dc-east/cluster-etcd.yml:37: bmc type "ssh" (Vaquero v0.13, Feb 2017) is not driven',
      'sites/dc-east/cluster-etcd.yml:56: bmc type "custom" (Vaquero v0.14, Mar 2017) is not driven',
      'sites/dc-east/env.yml:32: "save_path" (Vaquero v0.12, Jan 2017) is ignored',
      'sites/dc-east/env.yml:35: "ssh_container" (Vaquero 1.2, Nov 2017) is ignored',
    ],
    check: (s) => {
      assert.equal(s.sites[0]!.mode, 'on-demand');
      assert.deepEqual(s.clusters.map((c) => [c.id, c.hostIds]), [
        ['cluster-appliance', ['vcr1']],
        ['cluster-etcd', ['etcd1', 'etcd2', 'etcd3', 'proxy1']],
      ]);
      assert.equal(s.clusters[1]!.config?.token, '0123456789abcdef0123456789abcdef01234567');
      assert.equal(host(s, 'vcr1').neverProvision, true);
      assert.equal(host(s, 'etcd1').interfaces[1]!.bmc?.softReboot, true);
      assert.deepEqual(s.sites[0]!.agents[0]!.tftpServer, { baseDir: '/var/vaquero/pxeroms' });
    },
  },
  {
    dir: '2018-08-advanced-sot',
    warnings: [
      'boot/etcd-member.yml:10: "validate" (Vaquero v0.14, Mar 2017) is ignored',
      'boot/etcd-proxy.yml:10: "before_shutdown" (Vaquero v0.14, Mar 2017) is ignored',
      'sites/dc-east/cluster-appliance.yml:3: "config" (Vaquero 1.2, Nov 2017) is ignored',
      'sites/dc-east/cluster-etcd.yml:37: bmc type "ssh" (Vaquero v0.13, Feb 2017) is not driven',
      'sites/dc-east/cluster-etcd.yml:58: bmc type "custom" (Vaquero v0.14, Mar 2017) is not driven',
      'sites/dc-east/env.yml:5: "sot_id" (Vaquero Advanced SoT, Aug 2018) is ignored',
      'sites/dc-east/env.yml:31: "ipmi_container" (Vaquero 1.2, Nov 2017) is ignored',
    ],
    check: (s) => {
      assert.equal(s.sites[0]!.sotId, 'east-sites');
      assert.equal(s.clusters.find((c) => c.id === 'cluster-appliance')!.config?.id, 'appliance-hook');
    },
  },
];

/** The model every format describes: the same site. */
function model(s: Sot) {
  const byName = <T extends { id?: string; name?: string }>(xs: T[], f: (x: T) => unknown) =>
    Object.fromEntries(xs.map((x) => [x.id ?? x.name, f(x)]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  return {
    sites: s.sites.map((x) => x.id),
    hosts: byName(s.hosts, (h) => [h.workflow, h.interfaces.find((i) => i.type === 'physical')?.mac]),
    workflows: byName(s.workflows, (w) => w.boots),
    boots: byName(s.boots, (b) => `${b.os} ${b.unattended?.type}:${b.unattended?.use} ${JSON.stringify(b.metadata)}`),
    oses: s.oses.map((o) => o.id).sort(),
  };
}

const MODEL = {
  sites: ['dc-east'],
  hosts: {
    etcd1: ['etcd-member', '52:54:00:40:00:11'],
    etcd2: ['etcd-member', '52:54:00:40:00:12'],
    etcd3: ['etcd-member', '52:54:00:40:00:13'],
    proxy1: ['etcd-proxy', '52:54:00:40:00:21'],
    vcr1: ['appliance', '52:54:00:40:00:31'],
  },
  workflows: { appliance: ['appliance'], 'etcd-member': ['etcd-member'], 'etcd-proxy': ['etcd-proxy'] },
  boots: {
    appliance: 'appliance-4.2 untyped:appliance.answers {"root_pass":"spur-and-saddle"}',
    'etcd-member': 'coreos-1235.9.0 ignition:etcd.yml {"fleet_role":"etcd"}',
    'etcd-proxy': 'coreos-1235.9.0 cloud-config:etcd-proxy.yml {"fleet_role":"proxy"}',
  },
  oses: ['appliance-4.2', 'coreos-1235.9.0'],
};

const ETCD1_KERNEL =
  'kernel http://10.40.0.5:24602/files/coreos/stable/1235.9.0/coreos_production_pxe.vmlinuz coreos.autologin console=ttyS0,115200n8 coreos.first_boot=1 ' +
  'coreos.config.url=http://10.40.0.5:24602/config/<callback-secret>/52:54:00:40:00:11?boot=etcd-member initrd=coreos_production_pxe_image.cpio.gz';

/** Every host's iPXE script and unattended file, for every boot of its workflow. */
function renders(s: Sot): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of s.hosts) {
    const workflow = workflowOf(s, h)!;
    workflow.boots.forEach((_, bootIndex) => {
      out[`${h.name}#${bootIndex} ipxe`] = renderIpxe(s, { host: h, workflow, bootIndex }, urls);
      out[`${h.name}#${bootIndex} unattended`] = renderUnattended(s, { host: h, workflow, bootIndex }, urls).text;
    });
  }
  return out;
}

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'corral-convert-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `corral sot convert` into a fresh folder, loaded back. */
async function convertAndLoad(src: string): Promise<{ res: LoadResult; out: string; code: number; err: string; cleanup: () => void }> {
  const { dir, cleanup } = tempDir();
  const out = join(dir, 'out');
  const r = await run('sot', 'convert', src, out);
  return { res: await loadSot(out), out, code: r.code, err: r.err, cleanup };
}

for (const f of FORMATS) {
  test(`vaquero format ${f.dir}: loads with a warning for each field Corral ignores, into the common model`, async () => {
    const res = await loadSot(at(f.dir));
    assert.deepEqual(res.problems.filter((p) => p.severity === 'error'), []);
    assert.equal(res.ok, true);
    assert.deepEqual(res.problems.map(brief), f.warnings);
    assert.deepEqual(model(res.sot), MODEL);
    f.check(res.sot);
  });

  test(`vaquero format ${f.dir}: every host renders, etcd1 boots the same kernel line as in every other format`, async () => {
    const { sot } = await loadSot(at(f.dir));
    assert.deepEqual(checkRenders(sot, urls), []);
    const kernel = renderIpxe(sot, { host: host(sot, 'etcd1') }, urls)
      .split('\n')
      .find((l) => l.startsWith('kernel '));
    assert.equal(kernel, ETCD1_KERNEL);
    assert.match(renderUnattended(sot, { host: host(sot, 'etcd2') }, urls).text, /Environment="ETCD_NAME=etcd2"/);
    assert.match(renderUnattended(sot, { host: host(sot, 'vcr1') }, urls).text, /\nroot_password = spur-and-saddle\n/);
  });

  test(`vaquero format ${f.dir}: converts to the current format, which loads clean into the same model and renders the same files`, async () => {
    const before = await loadSot(at(f.dir));
    const { res, out, code, err, cleanup } = await convertAndLoad(at(f.dir));
    try {
      assert.equal(code, 0, err);
      assert.equal(res.ok, true);
      // Clean: what is left are the current format's own fields that Corral does not act on,
      // each already reported on the original; nothing of an older format remains.
      const reported = new Set(before.problems.map((p) => p.message));
      const older = /layout of Vaquero|repeated in its mapping|\(Vaquero 1\.[01],|next-boot|safe_deps|"agent\.|"kind"|selectors\./;
      assert.deepEqual(res.problems.filter((p) => !reported.has(p.message) || older.test(p.message)).map(brief), []);
      assert.deepEqual(model(res.sot), model(before.sot));
      assert.deepEqual(res.sot.workflows.map((w) => [w.id, w.deps]), before.sot.workflows.map((w) => [w.id, w.deps]));
      assert.deepEqual(res.sot.hosts.map((h) => [h.name, h.interfaces, h.metadata]).map(dropSources), before.sot.hosts.map((h) => [h.name, h.interfaces, h.metadata]).map(dropSources));
      assert.deepEqual(renders(res.sot), renders(before.sot));
      // Converting what was converted changes nothing.
      const again = await convertSot(out);
      assert.deepEqual(again.files.filter((x) => x.changed).map((x) => x.rel), []);
      assert.deepEqual(again.notes.filter((n) => /not written/.test(n.message)), []);
    } finally {
      cleanup();
    }
  });
}

function dropSources(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (k, v) => (k === 'source' ? undefined : v)));
}

test('convert: the 1.0 layout becomes boot/ and workflows/, hosts one per document, templates with today\'s names', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'out');
    const r = await run('sot', 'convert', at('2016-08-docs-1.0'), out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /\(from the Vaquero 1\.0\/1\.1 layout\): 14 files, 13 rewritten, 5 notes; .* loads: 1 sites, 5 hosts, 3 workflows; 0 errors, 0 warnings/);
    assert.match(r.err, /env\.yaml:8:3: warning: "agent\.secure_url" \(Vaquero 1\.0, Aug 2016\) is ignored: .* \(not written to the converted SoT\)\n/);
    const read = (rel: string) => readFileSync(join(out, rel), 'utf8');
    assert.equal(read('workflows/etcd-member.yaml'), 'id: etcd-member\nworkflow:\n  - boot: etcd-member\n');
    assert.match(read('boot/etcd-member.yaml'), /\nunattended:\n {2}type: ignition\n {2}use: etcd\.yml\n/);
    assert.match(read('sites/dc-east/env.yaml'), /\nagents:\n {2}- asset_server:\n {6}addr: 10\.40\.0\.5\n {6}port: 24602\n {6}scheme: http\nmetadata:\n/);
    assert.doesNotMatch(read('sites/dc-east/env.yaml'), /kind|secure_url|cert_path/);
    assert.match(read('sites/dc-east/inventory.yaml'), /^name: etcd1\ninterfaces:\n {2}- type: physical\n {4}mac: 52:54:00:40:00:11\n {2}- type: bmc\n/);
    assert.match(read('os/coreos.yaml'), /\ncmdline:\n {2}- coreos\.autologin: ""\n {2}- console: ttyS0,115200n8\n/);
    assert.match(read('assets/ignition/etcd.yml'), /MACAddress=\{\{\.interface\.mac\}\}\n/);
    assert.match(read('assets/untyped/appliance.answers'), /root_password = \{\{\.boot\.md\.root_pass\}\}\n/);
    assert.equal(read('README.md'), readFileSync(join(at('2016-08-docs-1.0'), 'README.md'), 'utf8'));
  } finally {
    cleanup();
  }
});

test('convert: edits keep comments and order; files with nothing to change are copied as they are', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const out = join(dir, 'out');
    assert.equal((await run('sot', 'convert', at('2016-12-v0.11'), out)).code, 0);
    const read = (rel: string) => readFileSync(join(out, rel), 'utf8');
    assert.equal(
      read('workflows/etcd-member.yml'),
      '# One boot, then the host stays up: next-boot names the boot a reboot would run.\nid: etcd-member\nworkflow:\n  - boot: etcd-member\ndeps:\n  max_concurrent: 1\n  max_fail: 1\n',
    );
    // The agent mapping becomes the first of `agents`, where it was written.
    assert.match(read('sites/dc-east/env.yml'), /\n {4}ntp: \[10\.40\.0\.2\]\nagents:\n {2}- asset_server:\n {6}addr: 10\.40\.0\.5\n/);
    for (const same of ['boot/etcd-member.yml', 'sites/dc-east/inventory.yml', 'assets/ignition/etcd.yml']) {
      assert.equal(read(same), readFileSync(join(at('2016-12-v0.11'), same), 'utf8'), same);
    }
  } finally {
    cleanup();
  }
});

test('convert: usage errors exit 2; a non-empty target folder is refused', async () => {
  for (const argv of [['sot'], ['sot', 'frob'], ['sot', 'convert'], ['sot', 'convert', 'a'], ['sot', 'convert', 'a', 'b', 'c'], ['sot', 'convert', 'a', 'a'], ['sot', 'convert', 'a', 'a/converted']]) {
    const r = await run(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, /Usage:/);
  }
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    const r = await run('sot', 'convert', at('2016-11-docs-1.1'), dir);
    assert.equal(r.code, 1);
    assert.match(r.err, /is not empty: sot convert writes only into a new or empty folder/);
    assert.equal(readFileSync(join(dir, 'keep.txt'), 'utf8'), 'mine');
  } finally {
    cleanup();
  }
});

test('convert: a YAML syntax error stops it before anything is written', async () => {
  const { dir, cleanup } = writeSot({ 'sites/s/env.yml': 'id: s\nsubnets: [\n' });
  const t = tempDir();
  try {
    const r = await run('sot', 'convert', dir, join(t.dir, 'out'));
    assert.equal(r.code, 1);
    assert.match(r.out, /sites\/s\/env\.yml:\d+:\d+: YAML syntax/);
    assert.throws(() => readFileSync(join(t.dir, 'out', 'sites/s/env.yml')));
  } finally {
    cleanup();
    t.cleanup();
  }
});

test('validate: the 1.0/1.1 layout is valid, and the output says to convert it', async () => {
  for (const f of ['2016-08-docs-1.0', '2016-11-docs-1.1']) {
    const r = await run('validate', at(f));
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(r.out, '');
    assert.match(r.err, /host_groups\/appliance\.ya?ml:2:1: warning: this SoT is in the layout of Vaquero 1\.0, Aug 2016 to 1\.1, Nov 2016 .*`corral sot convert <sot-dir> <out-dir>` writes it in the current layout\n/);
    assert.match(r.err, /^ok: 1 sites, 1 clusters, 5 hosts, 3 workflows/m);
  }
  const current = await run('validate', at('2018-08-advanced-sot'));
  assert.doesNotMatch(current.err, /sot convert/);
});

test('validate --strict: the warnings on older formats fail it; a converted 1.x SoT passes', async () => {
  for (const f of FORMATS) {
    const plain = await run('validate', at(f.dir));
    assert.equal(plain.code, 0, f.dir);
    const strict = await run('validate', at(f.dir), '--strict');
    assert.equal(strict.code, 1, f.dir);
    assert.match(strict.err, /warning: .*Vaquero/);
  }
  const { out, cleanup } = await convertAndLoad(at('2016-11-docs-1.1'));
  try {
    const strict = await run('validate', out, '--strict');
    assert.equal(strict.code, 0, strict.out + strict.err);
    assert.match(strict.err, /0 errors, 0 warnings/);
  } finally {
    cleanup();
  }
});

// ------------------------------------------------------------------- single fields and cases

const ENV = (extra: string) => `id: s\nsubnets:\n  - {id: net, cidr: 10.1.0.0/24}\n${extra}`;
const HOST = `name: h1\ninterfaces:\n  - {mac: 52:54:00:00:00:01, subnet: net, ipv4: 10.1.0.11}\nworkflow: wf\n`;
const CATALOG = {
  'os/os1.yml': 'id: os1\nboot: {kernel: "{{.env.agentURL}}/k"}\n',
  'boot/b1.yml': 'id: b1\noperating_system: os1\n',
  'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: b1\n',
};

async function loadWith(files: Record<string, string>): Promise<LoadResult> {
  const { dir, cleanup } = writeSot({ ...CATALOG, 'sites/s/env.yml': ENV(''), 'sites/s/rack.yml': HOST, ...files });
  try {
    return await loadSot(dir);
  } finally {
    cleanup();
  }
}

test('agent mapping: url with scheme and port; asset_server wins over url; agents wins over agent', async () => {
  let res = await loadWith({ 'sites/s/env.yml': ENV('agent:\n  url: https://boot.example:8443\n') });
  assert.deepEqual(res.problems, []);
  assert.deepEqual(res.sot.sites[0]!.agents[0]!.assetServer, { scheme: 'https', addr: 'boot.example', port: 8443 });
  res = await loadWith({ 'sites/s/env.yml': ENV('agent:\n  url: http://10.1.0.9\n  port: 80\n  asset_server: {addr: 10.1.0.2, port: 8080}\n  dhcp_mode: proxy\n') });
  assert.deepEqual(res.problems.map(brief), ['sites/s/env.yml:5: "agent.url" (Vaquero 1.0, Aug 2016) is ignored', 'sites/s/env.yml:6: "agent.port" (Vaquero 1.0, Aug 2016) is ignored']);
  assert.deepEqual(res.sot.sites[0]!.agents.map((a) => [a.assetServer.addr, a.assetServer.port, a.dhcpMode]), [['10.1.0.2', 8080, 'proxy']]);
  res = await loadWith({ 'sites/s/env.yml': ENV('agent: {url: http://10.1.0.9}\nagents:\n  - {asset_server: {addr: 10.1.0.2}}\n  - {asset_server: {addr: 10.1.0.3}}\n') });
  assert.deepEqual(res.problems.map(brief), [
    'sites/s/env.yml:4: "agent" (Vaquero 1.0, Aug 2016) is ignored',
    'sites/s/env.yml:7: "agents[1]" (Vaquero v0.12, Jan 2017) is ignored',
  ]);
  assert.deepEqual(res.sot.sites[0]!.agents.map((a) => a.assetServer.addr), ['10.1.0.2', '10.1.0.3']);
});

test('an error inside a rewritten document points at what was written', async () => {
  // agent.port (moved to agents[0].asset_server.port) and a 1.1 inventory host's MAC selector.
  const res = await loadWith({
    'sites/s/env.yml': ENV('agent:\n  url: http://10.1.0.9\n  port: 99999\n'),
    'sites/s/rack.yml': 'host_group: g\nsubnet: net\nhosts:\n  - name: h1\n    selectors: {mac: 52:54:00:00:00:01}\n  - name: h2\n    selectors:\n      mac: 52:54:00:00:00:0z\n',
    'host_groups/g.yml': 'id: g\noperating_system: os1\n',
  });
  const errors = res.problems.filter((p) => p.severity === 'error').map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`);
  assert.deepEqual(errors, [
    'sites/s/env.yml:6:9: agents[0].asset_server.port must be between 1 and 65535, not 99999',
    'sites/s/rack.yml:8:12: "52:54:00:00:00:0z" is not a MAC address (expected six hex pairs, e.g. 52:54:00:12:34:56)',
  ]);
  // The host documents that came out of the inventory start at their own entry.
  assert.deepEqual(res.sot.hosts.map((h) => [h.name, h.source.line]), [['h1', 4], ['h2', 6]]);
});

test('1.x inventory: unknown keys warn (Vaquero skipped them), a wrong type is an error', async () => {
  const res = await loadWith({
    'sites/s/rack.yml': 'host_group: g\nowner: ops\nhosts:\n  - name: h1\n    selectors: {mac: 52:54:00:00:00:01}\n    rack: r7\n    bmc: {ip: 10.1.0.200, user: root, pass: x, vendor: dell}\n',
    'host_groups/g.yml': 'id: g\noperating_system: os1\n',
  });
  assert.deepEqual(
    res.problems.filter((p) => !/layout of Vaquero/.test(p.message)).map((p) => `${p.file}:${p.line}: ${p.severity}: ${p.message}`),
    [
      'sites/s/rack.yml:2: warning: unknown field "owner" in Vaquero 1.x inventory: ignored, as Vaquero ignored it',
      'sites/s/rack.yml:6: warning: unknown field "rack" in inventory host: ignored, as Vaquero ignored it',
      'sites/s/rack.yml:7: warning: unknown field "vendor" in inventory bmc: ignored, as Vaquero ignored it',
    ],
  );
  // A BMC without a type was IPMI; its credentials carry over.
  assert.deepEqual(res.sot.hosts[0]!.interfaces[1]!.bmc, { type: 'ipmi', softReboot: false, username: 'root', password: { kind: 'inline', value: 'x' } });
  const bad = await loadWith({ 'sites/s/rack.yml': 'host_group: g\nhosts:\n  - name: h1\n    selectors: {mac: 52:54:00:00:00:01}\n    bmc: {ip: 10.1.0.200, port: x}\n', 'host_groups/g.yml': 'id: g\noperating_system: os1\n' });
  assert.deepEqual(bad.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}: ${p.message}`), ['5: hosts[0].bmc.port must be an integer, not a string']);
});

test('1.x template names with no counterpart today are named where they are written', async () => {
  const res = await loadWith({
    'host_groups/g.yml': 'id: g\noperating_system: os1\nunattended: {type: kickstart, use: ks.cfg}\n',
    'os/os1.yml': 'id: os1\nboot: {kernel: "{{.agent.url}}/k"}\ncmdline:\n  uuid: "{{.host.uuid}}"\n',
    'assets/kickstart/ks.cfg': '# {{.host.name}}\nurl --url {{.agent.secure_url}}\nnetwork --hostname={{ .host.hostname }}\n',
    'sites/s/rack.yml': 'host_group: g\nsubnet: net\nhosts:\n  - name: h1\n    selectors: {mac: 52:54:00:00:00:01}\n',
  });
  assert.deepEqual(
    res.problems.filter((p) => /template name/.test(p.message)).map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`),
    [
      'assets/kickstart/ks.cfg:2:13: template name ".agent.secure_url" (Vaquero 1.0, Aug 2016 to 1.1, Nov 2016) has no counterpart in Corral\'s template data',
      'assets/kickstart/ks.cfg:3:23: template name ".host.hostname" (Vaquero 1.0, Aug 2016 to 1.1, Nov 2016) has no counterpart in Corral\'s template data',
      'os/os1.yml:4:9: template name ".host.uuid" (Vaquero 1.0, Aug 2016 to 1.1, Nov 2016) has no counterpart in Corral\'s template data',
    ],
  );
  assert.equal(res.sot.assets[0]!.text, '# {{.host.name}}\nurl --url {{.agent.secure_url}}\nnetwork --hostname={{ .host.hostname }}\n');
});

test('site policy: force_provision true is mode auto; mode wins; other policy keys are ignored', async () => {
  let res = await loadWith({ 'sites/s/env.yml': ENV('policy: {force_provision: false}\n') });
  assert.deepEqual(res.problems, []);
  assert.equal(res.sot.sites[0]!.mode, 'on-demand');
  res = await loadWith({ 'sites/s/env.yml': ENV('mode: on-demand\npolicy:\n  force_provision: true\n  reboot_window: nightly\n') });
  assert.deepEqual(res.problems.map(brief), [
    'sites/s/env.yml:6: "policy.force_provision" (Vaquero v0.14, Mar 2017) is ignored',
    'sites/s/env.yml:7: "policy.reboot_window" (Vaquero v0.14, Mar 2017) is ignored',
  ]);
  assert.equal(res.sot.sites[0]!.mode, 'on-demand');
  res = await loadWith({ 'sites/s/env.yml': ENV('policy: {force_provision: yes}\n') });
  assert.deepEqual(res.problems.map((p) => `${p.severity}: ${p.message}`), ['error: policy.force_provision (Vaquero v0.14, Mar 2017) must be true or false']);
});

test('workflow: a rollout field both beside workflow and under deps: deps wins', async () => {
  const res = await loadWith({ 'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: b1\nmax_concurrent: 5\ndeps: {max_concurrent: 2}\n' });
  assert.deepEqual(res.problems.map(brief), ['workflows/wf.yml:4: "max_concurrent" (Vaquero v0.11, Dec 2016) is ignored']);
  assert.equal(res.sot.workflows[0]!.deps.maxConcurrent, 2);
});
