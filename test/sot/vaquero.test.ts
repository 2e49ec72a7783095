// Vaquero's own example SoT must load unchanged with zero errors, and its templates must render
// for each of its hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSot } from '../../src/sot/load.js';
import { checkRenders } from '../../src/sot/templates.js';
import { renderIpxe, renderUnattended } from '../../src/render/render.js';
import { VAQUERO } from './helpers.js';

const urls = { base: 'http://127.0.0.1:24602' };

test('vaquero example loads with zero errors', async () => {
  const res = await loadSot(VAQUERO);
  const errors = res.problems.filter((p) => p.severity === 'error');
  assert.deepEqual(errors, []);
  assert.equal(res.ok, true);
  const s = res.sot;
  assert.equal(s.sites.length, 1);
  assert.equal(s.sites[0]!.id, 'test-site');
  assert.equal(s.sites[0]!.agents[0]!.dhcpMode, 'server');
  assert.deepEqual(s.hosts.map((h) => h.name), ['host1', 'host2', 'host3', 'proxy1', 'proxy2', 'clevos1']);
  assert.deepEqual(s.clusters.map((c) => c.id), ['inventory']);
  assert.equal(s.workflows.length, 3);
  assert.equal(s.oses.length, 2);
  assert.equal(s.boots.length, 3);
  // The only warnings are the two addresses outside their subnet that the example really has.
  assert.deepEqual(
    res.problems.map((p) => `${p.file}:${p.line}: ${p.message}`),
    [
      'sites/test-site/inventory.yml:17: IP 10.10.11.10 is outside subnet "default" (10.10.10.0/24)',
      'sites/test-site/inventory.yml:107: IP 192.128.1.16 is outside subnet "clevos" (192.168.1.0/24)',
    ],
  );
  const host1 = s.hosts[0]!;
  assert.equal(host1.interfaces[0]!.mac, '00:00:00:00:00:01');
  assert.equal(host1.interfaces[1]!.bmc?.type, 'ipmi');
  assert.deepEqual(host1.interfaces[1]!.bmc?.password, { kind: 'inline', value: 'schaub' });
});

test('every vaquero host renders its iPXE script and unattended file', async () => {
  const { sot } = await loadSot(VAQUERO);
  assert.deepEqual(checkRenders(sot, urls), []);
});

test('vaquero etcd-master: ignition renders with the snippet and the checkpoint URL', async () => {
  const { sot } = await loadSot(VAQUERO);
  const host = sot.hosts.find((h) => h.name === 'host2')!;
  const { type, text } = renderUnattended(sot, { host }, urls);
  assert.equal(type, 'ignition');
  assert.match(text, /MACAddress=00:00:00:00:00:02/);
  assert.match(text, /Environment="ETCD_NAME=node2"/);
  assert.match(text, /ExecStart=\/usr\/bin\/curl http:\/\/127\.0\.0\.1:24602\/checkpoint\/<callback-secret>\/00:00:00:00:00:02\/etcd-master\n/);
  assert.match(text, /DNS=8\.8\.8\.8/);
  assert.match(text, /- ssh-rsa AAAAB3Nza/);
});

test('vaquero coreos iPXE script: kernel URL and cmdline translation', async () => {
  const { sot } = await loadSot(VAQUERO);
  const host = sot.hosts.find((h) => h.name === 'host1')!;
  const script = renderIpxe(sot, { host }, urls);
  const kernel = script.split('\n').find((l) => l.startsWith('kernel '));
  assert.equal(
    kernel,
    'kernel http://127.0.0.1:24602/files/stable/1053/2.0/coreos_production_pxe.vmlinuz coreos.autologin initrd=coreos_production_pxe_image.cpio.gz',
  );
  assert.match(script, /^#!ipxe\n/);
  assert.match(script, /\ninitrd http:\/\/127\.0\.0\.1:24602\/files\/coreos_production_pxe_image\.cpio\.gz\n/);
  assert.match(script, /\nboot\n?$/);
});

test('vaquero clevos: untyped answers file uses both interfaces, dns and ntp lists', async () => {
  const { sot } = await loadSot(VAQUERO);
  const host = sot.hosts.find((h) => h.name === 'clevos1')!;
  const { text } = renderUnattended(sot, { host }, urls);
  assert.match(text, /channel data ip 10\.10\.10\.15/);
  assert.match(text, /channel data netmask 255\.255\.255\.0/);
  assert.match(text, /channel client ip 192\.128\.1\.16/);
  assert.match(text, /channel client gateway 192\.168\.1\.1/);
  assert.match(text, /system dns 8\.8\.8\.8\n/);
  assert.match(text, /system ntpservers  10\.10\.10\.1\n/);
  assert.match(text, /password cisco123/);
  const script = renderIpxe(sot, { host }, urls);
  assert.match(script, /clevos\.installer\.answers=http:\/\/127\.0\.0\.1:24602\/config\/<callback-secret>\/00:00:00:00:00:06\?boot=clevos/);
  assert.match(script, / clevos\.runinstall /);
});
