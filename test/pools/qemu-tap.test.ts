// A pool VM's host side: its tap is put on the pool's bridge at every start (a tap left off the
// bridge is cabled again, a missing bridge is an error that names it), and the accelerator can
// be pinned by whoever starts Corral (the lab pins it to its own --accel).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { tapSteps } from '../../src/pools/qemu/tap.js';
import { chooseAccel } from '../../src/pools/qemu/provider.js';
import { labCorralEnv } from '../../src/lab/daemon.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const bridge = { bridgeExists: true, bridgeIsBridge: true };

test('tap steps: made and cabled when missing, cabled again when off the bridge, left alone but up when on it', () => {
  assert.deepEqual(tapSteps('cq1', 'br0', { ...bridge, tapExists: false }), [['tuntap', 'add', 'dev', 'cq1', 'mode', 'tap'], ['link', 'set', 'cq1', 'master', 'br0'], ['link', 'set', 'cq1', 'up']]);
  // An earlier start made the tap and failed before (or the bridge was made again since).
  assert.deepEqual(tapSteps('cq1', 'br0', { ...bridge, tapExists: true }), [['link', 'set', 'cq1', 'master', 'br0'], ['link', 'set', 'cq1', 'up']]);
  assert.deepEqual(tapSteps('cq1', 'br0', { ...bridge, tapExists: true, tapMaster: 'br-old' }), [['link', 'set', 'cq1', 'master', 'br0'], ['link', 'set', 'cq1', 'up']]);
  assert.deepEqual(tapSteps('cq1', 'br0', { ...bridge, tapExists: true, tapMaster: 'br0' }), [['link', 'set', 'cq1', 'up']]);
});

test('tap steps: a missing bridge, or a device that is no bridge, is an error naming it (no tap is made)', () => {
  assert.throws(() => tapSteps('cq1', 'corral9', { bridgeExists: false, bridgeIsBridge: false, tapExists: false }), /bridge "corral9" does not exist in the network namespace Corral runs in/);
  assert.throws(() => tapSteps('cq1', 'eth0', { bridgeExists: true, bridgeIsBridge: false, tapExists: false }), /"eth0" is not a bridge/);
});

const netnsWhyNot = process.getuid?.() !== 0 ? 'needs root (a network namespace with a bridge and a tap)' : spawnSync('sh', ['-c', 'command -v unshare && command -v ip']).status !== 0 ? 'needs unshare and ip' : undefined;

test('ensureTap in a private network namespace: makes, re-cables and refuses as the steps say', { skip: netnsWhyNot, timeout: 60_000 }, () => {
  const script = `
    import { ensureTap } from './src/pools/qemu/tap.ts';
    import { ip } from './src/lab/net.ts';
    import { spawnSync } from 'node:child_process';
    // iproute2, not /sys: unshare --net keeps the host's /sys mounted.
    const show = (t) => JSON.parse(spawnSync('ip', ['-j', 'link', 'show', 'dev', t], { encoding: 'utf8' }).stdout || '[{}]')[0];
    const master = (t) => show(t).master ?? 'none';
    const out = [];
    ip('link', 'add', 'br-t', 'type', 'bridge');
    ensureTap('cqtest', 'br-t'); out.push(master('cqtest'));
    ip('link', 'set', 'cqtest', 'nomaster');
    ensureTap('cqtest', 'br-t'); out.push(master('cqtest'));
    ensureTap('cqtest', 'br-t'); out.push(master('cqtest'));
    try { ensureTap('cqtest2', 'br-none'); out.push('made'); } catch (e) { out.push(String(e.message).includes('br-none') ? 'refused' : e.message); }
    out.push(show('cqtest2').ifname ? 'tap made' : 'no tap');
    console.log(JSON.stringify(out));`;
  const r = spawnSync('unshare', ['--net', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 50_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), ['br-t', 'br-t', 'br-t', 'refused', 'no tap']);
});

test('accelerator: CORRAL_QEMU_ACCEL pins it, else KVM when usable; the lab passes its own', () => {
  assert.equal(chooseAccel({ CORRAL_QEMU_ACCEL: 'tcg' }, () => true), 'tcg');
  assert.equal(chooseAccel({ CORRAL_QEMU_ACCEL: 'kvm' }, () => false), 'kvm');
  assert.equal(chooseAccel({}, () => true), 'kvm');
  assert.equal(chooseAccel({ CORRAL_QEMU_ACCEL: 'auto' }, () => false), 'tcg');
  assert.throws(() => chooseAccel({ CORRAL_QEMU_ACCEL: 'hvf' }, () => true), /CORRAL_QEMU_ACCEL must be kvm, tcg or auto, not "hvf"/);
  assert.equal(labCorralEnv({ accel: 'tcg' }, { PATH: '/bin', CORRAL_QEMU_ACCEL: 'kvm' }).CORRAL_QEMU_ACCEL, 'tcg');
  assert.equal(labCorralEnv({ accel: 'kvm' }, { PATH: '/bin' }).PATH, '/bin');
});
