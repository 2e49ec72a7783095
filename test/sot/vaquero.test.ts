// A SoT in Vaquero's newest format (test/fixtures/vaquero/2018-08-advanced-sot) loads unchanged
// with zero errors, names every field Corral does not act on, and its templates render for each
// of its hosts. The older formats are in vaquero-formats.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSot } from '../../src/sot/load.js';
import { checkRenders } from '../../src/sot/templates.js';
import { renderIpxe, renderUnattended } from '../../src/render/render.js';
import { VAQUERO } from './helpers.js';

const urls = { base: 'http://10.40.0.5:24602' };

test('vaquero newest format loads with zero errors', async () => {
  const res = await loadSot(VAQUERO);
  const errors = res.problems.filter((p) => p.severity === 'error');
  assert.deepEqual(errors, []);
  assert.equal(res.ok, true);
  const s = res.sot;
  assert.equal(s.sites.length, 1);
  assert.equal(s.sites[0]!.id, 'dc-east');
  assert.equal(s.sites[0]!.agents[0]!.dhcpMode, 'server');
  assert.deepEqual(s.sites[0]!.agents[0]!.assetServer, { scheme: 'http', addr: '10.40.0.5', port: 24602, baseDir: '/var/vaquero/files' });
  assert.deepEqual(s.hosts.map((h) => h.name), ['vcr1', 'etcd1', 'etcd2', 'etcd3', 'proxy1']);
  assert.deepEqual(s.clusters.map((c) => c.id), ['cluster-appliance', 'etcd']);
  assert.equal(s.clusters[1]!.description, 'etcd members and the proxies in front of them');
  assert.deepEqual(s.clusters[0]!.config, { id: 'appliance-hook', type: 'git', url: 'https://git.east.example.net/ops/appliance-config', ref: 'main' });
  assert.deepEqual(s.workflows.map((w) => [w.id, w.boots, w.deps]), [
    ['appliance', ['appliance'], { blockDeps: [], validateOn: [] }],
    ['etcd-member', ['etcd-member'], { blockDeps: [], validateOn: [], maxConcurrent: 1, minStanding: 2 }],
    ['etcd-proxy', ['etcd-proxy'], { blockDeps: ['etcd-member'], validateOn: [], maxFail: 1 }],
  ]);
  assert.equal(s.oses.length, 2);
  assert.equal(s.boots.length, 3);
  // Warnings: exactly the Vaquero fields this SoT has that Corral does not act on.
  assert.deepEqual(
    res.problems.map((p) => `${p.file}:${p.line}: ${p.message.replace(/ is (ignored|not driven):.*/, ' $1')}`),
    [
      'boot/etcd-member.yml:10: "validate" (Vaquero v0.14, Mar 2017) ignored',
      'boot/etcd-proxy.yml:10: "before_shutdown" (Vaquero v0.14, Mar 2017) ignored',
      'sites/dc-east/cluster-appliance.yml:3: "config" (Vaquero 1.2, Nov 2017) ignored',
      'sites/dc-east/cluster-etcd.yml:37: bmc type "ssh" (Vaquero v0.13, Feb 2017) not driven',
      'sites/dc-east/cluster-etcd.yml:58: bmc type "custom" (Vaquero v0.14, Mar 2017) not driven',
      'sites/dc-east/env.yml:5: "sot_id" (Vaquero Advanced SoT, Aug 2018) ignored',
      'sites/dc-east/env.yml:31: "ipmi_container" (Vaquero 1.2, Nov 2017) ignored',
    ],
  );
  assert.ok(res.problems.every((p) => p.severity === 'warning'));
  const etcd1 = s.hosts.find((h) => h.name === 'etcd1')!;
  assert.equal(etcd1.interfaces[0]!.mac, '52:54:00:40:00:11');
  assert.equal(etcd1.interfaces[1]!.bmc?.type, 'ipmi');
  assert.deepEqual(etcd1.interfaces[1]!.bmc?.password, { kind: 'inline', value: 'lasso-7' });
  assert.equal(etcd1.interfaces[1]!.bmc?.softReboot, true);
  assert.equal(etcd1.interfaces[1]!.bmc?.softTimeout, 120);
  // Kept, not driven: the SoT still says what Vaquero did with these hosts.
  assert.equal(s.hosts.find((h) => h.name === 'etcd2')!.interfaces[0]!.bmc?.keypath, '/var/vaquero/keys/id_ed25519');
  assert.equal(s.hosts.find((h) => h.name === 'etcd3')!.interfaces[1]!.bmc?.container?.image, 'registry.east.example.net/ipmitool:1.8');
});

test('every vaquero host renders its iPXE script and unattended file', async () => {
  const { sot } = await loadSot(VAQUERO);
  assert.deepEqual(checkRenders(sot, urls), []);
});

test('vaquero etcd-member: ignition renders with the snippet and the checkpoint URL', async () => {
  const { sot } = await loadSot(VAQUERO);
  const host = sot.hosts.find((h) => h.name === 'etcd2')!;
  const { type, text } = renderUnattended(sot, { host }, urls);
  assert.equal(type, 'ignition');
  assert.match(text, /MACAddress=52:54:00:40:00:12\n/);
  assert.match(text, /Address=10\.40\.0\.12\/24\n/);
  assert.match(text, /\n {4}- name: etcd-member\.service\n/);
  assert.match(text, /Environment="ETCD_NAME=etcd2"/);
  assert.match(text, /ExecStart=\/usr\/bin\/curl -fsS http:\/\/10\.40\.0\.5:24602\/checkpoint\/<callback-secret>\/52:54:00:40:00:12\/etcd-member\n/);
  assert.match(text, /DNS=10\.40\.0\.2\n {8}DNS=10\.40\.0\.3\n/);
  assert.match(text, /\n {8}- ssh-ed25519 AAAAC3Nza\S+ ops@east\n/);
  // etcd1 has no keys: the passwd block is left out.
  const plain = renderUnattended(sot, { host: sot.hosts.find((h) => h.name === 'etcd1')! }, urls).text;
  assert.doesNotMatch(plain, /passwd:/);
});

test('vaquero etcd-proxy: cloud-config reads boot and cluster metadata and every interface', async () => {
  const { sot } = await loadSot(VAQUERO);
  const host = sot.hosts.find((h) => h.name === 'proxy1')!;
  const { type, text } = renderUnattended(sot, { host }, urls);
  assert.equal(type, 'cloud-config');
  assert.match(text, /^#cloud-config\nhostname: proxy1\n/);
  assert.match(text, /metadata: "role=proxy,zone=east-a"/);
  assert.match(text, /Name=eno1 eno2\n/);
});

test('vaquero coreos iPXE script: kernel URL and cmdline translation', async () => {
  const { sot } = await loadSot(VAQUERO);
  const host = sot.hosts.find((h) => h.name === 'etcd1')!;
  const script = renderIpxe(sot, { host }, urls);
  const kernel = script.split('\n').find((l) => l.startsWith('kernel '));
  assert.equal(
    kernel,
    'kernel http://10.40.0.5:24602/files/coreos/stable/1235.9.0/coreos_production_pxe.vmlinuz coreos.autologin console=ttyS0,115200n8 coreos.first_boot=1 ' +
      'coreos.config.url=http://10.40.0.5:24602/config/<callback-secret>/52:54:00:40:00:11?boot=etcd-member initrd=coreos_production_pxe_image.cpio.gz',
  );
  assert.match(script, /^#!ipxe\n/);
  assert.match(script, /\ninitrd http:\/\/10\.40\.0\.5:24602\/files\/coreos\/stable\/1235\.9\.0\/coreos_production_pxe_image\.cpio\.gz\n/);
  assert.match(script, /\nboot\n?$/);
});

test('vaquero appliance: untyped answers file uses both interfaces, dns and ntp lists', async () => {
  const { sot } = await loadSot(VAQUERO);
  const host = sot.hosts.find((h) => h.name === 'vcr1')!;
  const { type, text } = renderUnattended(sot, { host }, urls);
  assert.equal(type, 'untyped');
  assert.match(text, /\[management\]\nport = eth0\naddress = 10\.40\.0\.31\nnetmask = 255\.255\.255\.0\ngateway = 10\.40\.0\.1\n/);
  assert.match(text, /\[recording\]\nport = eth1\naddress = 10\.41\.0\.31\nnetmask = 255\.255\.255\.0\n/);
  assert.match(text, /\ndns = 10\.40\.0\.2,10\.40\.0\.3\n/);
  assert.match(text, /\nntp = 10\.40\.0\.2\n/);
  assert.match(text, /root_password = spur-and-saddle/);
  assert.match(text, /notify = http:\/\/10\.40\.0\.5:24602\/checkpoint\/<callback-secret>\/52:54:00:40:00:31\/appliance\n/);
  const script = renderIpxe(sot, { host }, urls);
  assert.match(script, / appliance\.answers=http:\/\/10\.40\.0\.5:24602\/config\/<callback-secret>\/52:54:00:40:00:31\?boot=appliance /);
  assert.match(script, / appliance\.install /);
});
