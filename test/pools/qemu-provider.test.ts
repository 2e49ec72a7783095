// The qemu provider's pure parts: pool fields read and checked with file:line, VMs synthesised
// into the inventory with stable names, MACs and IPs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSot } from '../../src/sot/load.js';
import { inPool } from '../../src/pools/model.js';
import { tapName, vmIp, vmMac, vmName } from '../../src/pools/qemu/names.js';
import { POOL_SOT } from './world.js';
import { loadFiles, writeSot } from '../sot/helpers.js';

const QEMU_POOL = `name: ci
provider: qemu
workflow: rhel
size: 2
vms: 3
site: od
subnet: net
memory: 1G
cpus: 1
disk: 8G
bridge: br0
`;

async function problemsOf(files: Record<string, string | null>) {
  const { dir, cleanup } = writeSot(files);
  try {
    return (await loadSot(dir)).problems;
  } finally {
    cleanup();
  }
}

test('names, MACs and IPs are stable and distinct', () => {
  assert.equal(vmName('ci', 3), 'ci-vm3');
  assert.equal(vmMac('ci', 1), vmMac('ci', 1));
  assert.match(vmMac('ci', 1), /^52:54:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}:01$/);
  assert.notEqual(vmMac('ci', 1).slice(0, 14), vmMac('other', 1).slice(0, 14));
  assert.equal(vmMac('ci', 250).slice(-2), 'fa');
  assert.throws(() => vmMac('ci', 0), RangeError);
  // Without ip_start: the last addresses below broadcast, VM 1 lowest.
  assert.deepEqual([1, 2, 3].map((n) => vmIp('10.2.0.0/24', 3, n)), ['10.2.0.252', '10.2.0.253', '10.2.0.254']);
  assert.equal(vmIp('10.2.0.0/24', 3, 2, '10.2.0.100'), '10.2.0.101');
  assert.equal(vmIp('10.2.0.0/24', 3, 3, '10.2.0.253'), undefined, 'past the subnet');
  assert.match(tapName('a-very-long-pool-name-vm12'), /^cq[0-9a-f]{10}$/);
  assert.ok(tapName('x').length <= 15);
});

test('a qemu pool adds its VMs to the inventory as hosts with a qemu BMC', async () => {
  const sot = await loadFiles({ ...POOL_SOT, 'pools/ci.yml': QEMU_POOL });
  const pool = sot.pools.find((p) => p.name === 'ci')!;
  assert.equal(pool.provider, 'qemu');
  assert.deepEqual(pool.qemu, { vms: 3, site: 'od', subnet: 'net', cluster: 'ci', memoryBytes: 2 ** 30, cpus: 1, diskBytes: 8 * 2 ** 30, firmware: 'bios', bridge: 'br0' });
  assert.equal(sot.pools.find((p) => p.name === 'tiny')!.provider, 'baremetal');
  const vms = sot.hosts.filter((h) => h.labels.pool === 'ci');
  assert.deepEqual(vms.map((h) => h.id), ['ci-vm1', 'ci-vm2', 'ci-vm3']);
  const h = vms[1]!;
  assert.equal(h.siteId, 'od');
  assert.equal(h.clusterId, 'ci');
  assert.deepEqual(h.interfaces[0], { type: 'physical', mac: vmMac('ci', 2), subnet: 'net', ipv4: '10.2.0.253', ignoreDhcp: false, source: pool.source });
  assert.deepEqual(h.interfaces[1]!.bmc, { type: 'qemu', address: 'qemu:ci-vm2', softReboot: false });
  assert.deepEqual(h.hardware, { cpuCores: 1, memoryBytes: 2 ** 30, disks: [{ name: 'vda', sizeBytes: 8 * 2 ** 30 }], arch: 'x86_64', firmware: 'bios' });
  const cluster = sot.clusters.find((c) => c.id === 'ci' && c.siteId === 'od')!;
  assert.deepEqual(cluster.hostIds, ['ci-vm1', 'ci-vm2', 'ci-vm3']);
  assert.ok(sot.sites.find((s) => s.id === 'od')!.clusterIds.includes('ci'));
  // The pool takes its VMs and no declared machine.
  assert.deepEqual(sot.hosts.filter((x) => inPool(sot, pool, x)).map((x) => x.id), ['ci-vm1', 'ci-vm2', 'ci-vm3']);
});

test('qemu pool fields are checked with file:line', async () => {
  const at = async (files: Record<string, string>) => (await problemsOf({ ...POOL_SOT, ...files })).filter((p) => p.severity === 'error').map((p) => `${p.file}:${p.line}: ${p.message}`);
  assert.deepEqual(await at({ 'pools/ci.yml': QEMU_POOL.replace('bridge: br0\n', '') }), ['pools/ci.yml:1: a provider qemu pool needs "bridge"']);
  assert.deepEqual(await at({ 'pools/ci.yml': QEMU_POOL.replace('site: od', 'site: s1') }), ['pools/ci.yml:6: site "s1" provisions automatically; a pool\'s VMs need an on-demand site']);
  assert.deepEqual(await at({ 'pools/ci.yml': QEMU_POOL.replace('subnet: net', 'subnet: nope') }), ['pools/ci.yml:7: subnet "nope" is not defined in site "od"']);
  assert.deepEqual(await at({ 'pools/ci.yml': QEMU_POOL.replace('size: 2', 'size: 4') }), ['pools/ci.yml:4: size 4 is more than the pool\'s 3 VMs']);
  assert.deepEqual(await at({ 'pools/ci.yml': `${QEMU_POOL}ip_start: 10.2.0.253\n` }), ['pools/ci.yml:12: 3 VM address(es) from 10.2.0.253 do not fit in subnet "net" (10.2.0.0/24)']);
  assert.deepEqual(await at({ 'pools/tiny.yml': 'name: tiny\nworkflow: wf\nsize: 0\nselector: {site: od}\nvms: 2\n' }), ['pools/tiny.yml:5: "vms" is a field of provider qemu pools (this pool\'s provider is baremetal)']);
  assert.deepEqual(await at({ 'pools/ci.yml': `${QEMU_POOL}selector: {site: od}\n` }), ['pools/ci.yml:12: a provider qemu pool takes its own VMs: no "selector"']);
  // The bridge must be where the site's boot services answer.
  const env = POOL_SOT['sites/od/env.yml']!.replace('dhcp_mode: server', 'dhcp_mode: server\n    interface: br-prov');
  assert.deepEqual(await at({ 'sites/od/env.yml': env, 'pools/ci.yml': QEMU_POOL }), ['pools/ci.yml:11: bridge "br0" is not the provisioning network of site "od" (its boot services serve "br-prov")']);
  assert.deepEqual(await at({ 'sites/od/env.yml': env, 'pools/ci.yml': QEMU_POOL.replace('br0', 'br-prov') }), []);
  // A clash with a declared host is a duplicate IP in the pool's file.
  const clash = await at({ 'pools/ci.yml': `${QEMU_POOL}ip_start: 10.2.0.22\n` });
  assert.ok(clash.some((m) => /^pools\/ci\.yml:\d+: duplicate IP 10\.2\.0\.22 \(also on host "p2"\)$/.test(m)), clash.join('\n'));
});

test('the QEMU command line: qcow2 overlay, tap on the bridge, boot order, firmware', async () => {
  const { vmArgs, vmSpecOf, vmUuid } = await import('../../src/pools/qemu/cmdline.js');
  const sot = await loadFiles({ ...POOL_SOT, 'pools/ci.yml': QEMU_POOL });
  const pool = sot.pools.find((p) => p.name === 'ci')!;
  const host = sot.hosts.find((h) => h.id === 'ci-vm1')!;
  const spec = vmSpecOf(pool, host, { stateDir: '/var/lib/corral/qemu', consoleDir: '/var/log/corral/console' }, 'kvm');
  assert.equal(spec.dir, '/var/lib/corral/qemu/ci/ci-vm1');
  assert.equal(spec.base, '/var/lib/corral/qemu/ci/base.qcow2');
  assert.equal(spec.consoleLog, '/var/log/corral/console/ci-vm1.log', 'where GET /v1/hosts/{id}/console reads');
  assert.deepEqual(spec.nic, { kind: 'tap', tap: tapName('ci-vm1'), bridge: 'br0' });
  assert.equal(spec.uuid, vmUuid('ci-vm1'));
  assert.match(spec.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const disk = vmArgs(spec, 'disk').join(' ');
  assert.match(disk, /-m 1024 -smp 1 /);
  assert.match(disk, new RegExp(`-netdev tap,id=n0,ifname=${tapName('ci-vm1')},script=no,downscript=no -device e1000,netdev=n0,mac=${vmMac('ci', 1)},bootindex=2`));
  assert.match(disk, /-drive file=\/var\/lib\/corral\/qemu\/ci\/ci-vm1\/disk\.img,format=qcow2,if=none,id=d0 -device virtio-blk-pci,drive=d0,bootindex=1/);
  assert.match(disk, /-chardev file,id=ser0,path=\/var\/log\/corral\/console\/ci-vm1\.log,append=on/);
  assert.match(disk, /-machine pc,accel=kvm -fw_cfg name=etc\/sercon-port/);
  const pxe = vmArgs(spec, 'pxe').join(' ');
  assert.match(pxe, /bootindex=1 -drive/, 'PXE override: the NIC first');
  assert.doesNotMatch(vmArgs({ ...spec, nic: { kind: 'none' } }, 'disk').join(' '), /-netdev/);
  // UEFI: OVMF with a qcow2 variable store (savevm needs every writable drive to be qcow2) and spare ports for hot-plug.
  const uefi = vmArgs({ ...spec, firmware: 'uefi' }, 'pxe', '/usr/share/OVMF/OVMF_CODE_4M.fd').join(' ');
  assert.match(uefi, /virtio-net-pci,netdev=n0,mac=[0-9a-f:]+,romfile=,bootindex=1/);
  assert.match(uefi, /if=pflash,format=qcow2,unit=1,file=\/var\/lib\/corral\/qemu\/ci\/ci-vm1\/vars\.qcow2/);
  assert.match(uefi, /-device pcie-root-port,id=hp4,chassis=4,slot=4/);
  assert.throws(() => vmArgs({ ...spec, firmware: 'uefi' }, 'pxe'), /OVMF/);
});

test('the qemu BMC driver drives the provider\'s VM and says when there is none', async () => {
  const { createQemuDriver } = await import('../../src/bmc/qemu.js');
  const calls: string[] = [];
  const fake = {
    powerState: () => (calls.includes('on') ? 'On' : 'Off'),
    powerOn: async () => void calls.push('on'),
    powerOff: async () => void calls.push('off'),
    shutdown: async () => void calls.push('soft'),
    reset: async () => void calls.push('reset'),
    setBootOverride: (o: unknown) => void calls.push(`boot ${JSON.stringify(o)}`),
  };
  const d = createQemuDriver(async (id) => (id === 'ci-vm1' ? (fake as never) : undefined));
  const t = { hostId: 'ci-vm1', address: 'qemu:ci-vm1', firmware: 'bios' as const };
  assert.equal(await d.powerStatus(t), 'off');
  await d.bootPxeOnce(t);
  await d.power(t, 'on');
  await d.power(t, 'cycle');
  await d.power(t, 'soft');
  await d.power(t, 'off');
  assert.deepEqual(calls, ['boot {"device":"pxe","once":true}', 'on', 'reset', 'soft', 'off']);
  await assert.rejects(d.powerStatus({ ...t, hostId: 'other' }), (e: { code?: string; details?: { retryable?: boolean } }) => e.code === 'BMC_UNREACHABLE' && e.details?.retryable === false);
});
