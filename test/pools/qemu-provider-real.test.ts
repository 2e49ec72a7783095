// A real qemu pool VM (TCG, no OS: it sits at the firmware): powered through its qemu BMC as the
// lifecycle would, a disk hot-added, a snapshot taken and reverted through the vmpooler routes,
// each proven over QMP, then powered off with no QEMU process or file left. One VM at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { testApi } from '../api/support.js';
import { POOL_SOT } from './world.js';
import { startQemuProvider } from '../../src/pools/qemu/provider.js';
import { createQemuDriver } from '../../src/bmc/qemu.js';
import type { BmcTarget } from '../../src/bmc/types.js';

const QEMU = '/usr/bin/qemu-system-x86_64';
const QEMU_IMG = '/usr/bin/qemu-img';
const missing = [QEMU, QEMU_IMG].filter((f) => !existsSync(f));
const skip = missing.length ? `needs ${missing.join(' and ')} (apt-get install qemu-system-x86 qemu-utils)` : false;

const POOL = `name: ci
provider: qemu
workflow: rhel
size: 0
vms: 1
site: od
subnet: net
memory: 64M
cpus: 1
disk: 16M
bridge: br0
`;

/** Processes whose command line names `dir`: the VM's QEMU, if it is still there. */
function processesUsing(dir: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) out.push(Number(pid));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

test('a qemu pool VM: BMC power, hot-added disk, snapshot and revert through the vmpooler routes', { skip, timeout: 240_000 }, async () => {
  const state = mkdtempSync(join(tmpdir(), 'corral-qemu-pool-'));
  const consoleDir = join(state, 'console');
  const t = await testApi({ files: { ...POOL_SOT, 'pools/ci.yml': POOL }, deps: { consoleDir } });
  // No bridge here: the VM gets no NIC (the command line with a tap is the unit tests').
  const running = startQemuProvider(t.live, { stateDir: join(state, 'vms'), consoleDir, accel: 'tcg', nic: { kind: 'none' }, qemuBinary: QEMU, qemuImg: QEMU_IMG });
  const X = { 'X-AUTH-TOKEN': t.user };
  try {
    const bmc = createQemuDriver();
    const target: BmcTarget = { hostId: 'ci-vm1', address: 'qemu:ci-vm1', firmware: 'bios' };
    assert.equal(await bmc.powerStatus(target), 'off');
    await bmc.bootPxeOnce(target);
    await bmc.power(target, 'on');
    assert.equal(await bmc.powerStatus(target), 'on');
    const vm = running.provider.existing('ci-vm1')!;
    assert.equal(vm.bootOverride(), undefined, 'the PXE-once override was used by this power-on');

    // Checked out as POST /vm leaves it.
    await t.store.transact((tx) => tx.put('allocations', 'checkout:ci-vm1', { id: 'checkout:ci-vm1', hostId: 'ci-vm1', kind: 'checkout', pool: 'ci', owner: 'dev', tags: {}, createdAt: Date.now(), lifetime: 3600 }));

    await request(t.app).post('/api/v1/vm/ci-vm1/disk/0').set(X).expect(400);
    const d = await request(t.app).post('/api/v1/vm/ci-vm1/disk/1').set(X).expect(202);
    assert.deepEqual(d.body, { ok: true, 'ci-vm1': { disk: '+1gb' } });
    type Block = { qdev?: string; inserted?: { 'node-name'?: string; image: { 'virtual-size': number } } };
    const blocks = (await vm.monitor((q) => q.command('query-block'))) as Block[];
    const added = blocks.find((b) => b.qdev?.includes('added1'));
    assert.ok(added, `query-block lists the added device: ${JSON.stringify(blocks)}`);
    assert.equal(added.inserted?.image['virtual-size'], 2 ** 30);

    const s = await request(t.app).post('/api/v1/vm/ci-vm1/snapshot').set(X).expect(202);
    const id = s.body['ci-vm1'].snapshot as string;
    assert.match(id, /^[a-z0-9]{32}$/);
    const info = String(await vm.monitor((q) => q.command('human-monitor-command', { 'command-line': 'info snapshots' })));
    assert.ok(info.includes(id), info);
    type Node = { file: string; image: { snapshots?: { name: string }[] } };
    const nodes = (await vm.monitor((q) => q.command('query-named-block-nodes'))) as Node[];
    assert.ok(nodes.some((n) => n.file.endsWith('disk.img') && n.image.snapshots?.some((x) => x.name === id)), 'the overlay holds the snapshot');

    const g = await request(t.app).get('/api/v1/vm/ci-vm1').expect(200);
    assert.deepEqual(g.body['ci-vm1'].disk, ['+1gb']);
    assert.deepEqual(g.body['ci-vm1'].snapshots, [id]);

    await request(t.app).post('/api/v1/vm/ci-vm1/snapshot/nosuchsnapshot').set(X).expect(404);
    assert.deepEqual((await request(t.app).post(`/api/v1/vm/ci-vm1/snapshot/${id}`).set(X).expect(202)).body, { ok: true });
    assert.deepEqual(await vm.monitor((q) => q.command('query-status')), { status: 'running', singlestep: false, running: true });
    assert.equal(await bmc.powerStatus(target), 'on');

    // Its serial console is the host's, where GET /v1/hosts/{id}/console reads it.
    const c = await request(t.app).get('/v1/hosts/ci-vm1/console').set({ Authorization: `Bearer ${t.admin}` }).expect(200);
    assert.match(c.text, /power on, boot from pxe/);

    await bmc.power(target, 'off');
    assert.equal(await bmc.powerStatus(target), 'off');
    await request(t.app).post('/api/v1/vm/ci-vm1/snapshot').set(X).expect(409);
  } finally {
    await running.stop();
    t.cleanup();
    rmSync(state, { recursive: true, force: true });
  }
  assert.deepEqual(processesUsing(state), [], 'no QEMU left');
  assert.equal(existsSync(state), false);
});
