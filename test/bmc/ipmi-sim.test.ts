// The IPMI driver with the real ipmitool against OpenIPMI's ipmi_sim, set up with Corral's own lab
// parts (src/lab/ipmi.ts, src/lab/control.ts): ipmi_sim's chassis program relays every chassis
// command to a control server in this process, which drives a LabMachine.
// - Protocol cases: an in-memory machine (test/lab/fake-machine.ts), swapped for a fresh one per
//   case, whose recorded calls and state show what each ipmitool command did. Needs ipmitool,
//   ipmi_sim and curl (the chassis program's relay), not root.
// - One real case: a QemuMachine whose power is a QEMU process. It needs a tap, so it runs as
//   root in a child process inside a network namespace this test creates and always deletes
//   (test/bmc/ipmi-qemu-child.ts).
// Missing tools skip with the Debian package to install, except under CI=true as root, where the
// test command installs them: there a missing tool fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIpmiDriver } from '../../src/bmc/ipmi.js';
import { createBmcRegistry } from '../../src/bmc/registry.js';
import type { BmcTarget } from '../../src/bmc/types.js';
import { systemClock } from '../../src/lib/clock.js';
import { nullLogger } from '../../src/lib/log.js';
import type { LabMachine } from '../../src/lab/machine.js';
import { deleteNamespace } from '../../src/lab/net.js';
import { FakeMachine } from '../lab/fake-machine.js';
import { freeUdpPort, startSimBmc, waitUntil, type SimBmc } from './ipmi-sim-lab.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const NAME = 'sim1';
const USER = 'admin';
const PW = 'password';
const STRICT = process.env.CI === 'true' && process.getuid?.() === 0;

// Probed before any ipmi_sim of ours runs, so these synchronous runs block nobody.
const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore', timeout: 10_000 }).status === 0;
const SIM_TOOLS: Array<[string, string]> = [['ipmitool', 'ipmitool'], ['ipmi_sim', 'openipmi'], ['curl', 'curl']];
const missing = (tools: Array<[string, string]>) => tools.filter(([bin]) => !has(bin)).map(([bin, pkg]) => `${bin} not installed (apt-get install ${pkg})`);
const simMissing = missing(SIM_TOOLS);
// QEMU's e1000 NIC loads its option ROM from ipxe-qemu; without it QEMU refuses to start.
const E1000_ROM = '/usr/lib/ipxe/qemu/efi-e1000.rom';
const qemuMissing = [
  ...missing([['qemu-system-x86_64', 'qemu-system-x86'], ['ip', 'iproute2']]),
  ...(existsSync(E1000_ROM) ? [] : [`${E1000_ROM} not installed (apt-get install ipxe-qemu)`]),
  ...(existsSync('/dev/net/tun') ? [] : ['/dev/net/tun missing (QEMU needs a tap)']),
];

const simSkip = simMissing.length && !STRICT ? simMissing.join('; ') : undefined;
function qemuWhyNot(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root: the QEMU case creates a network namespace and a tap in it';
  if (STRICT) return undefined;
  const all = [...simMissing, ...qemuMissing];
  return all.length ? all.join('; ') : undefined;
}
const qemuSkip = qemuWhyNot();

const dir = mkdtempSync(join(tmpdir(), 'corral-ipmi-sim-'));
const machines = new Map<string, LabMachine>();
let bmc: SimBmc | undefined;

/** A fresh machine for this case: ipmi_sim's chassis program reads the map on every command. */
function fresh(): FakeMachine {
  const m = new FakeMachine({ name: NAME, mac: '52:54:00:77:00:10', firmware: 'bios' });
  machines.set(NAME, m);
  return m;
}

const target = (over: Partial<BmcTarget> = {}): BmcTarget => ({ hostId: NAME, address: '127.0.0.1', port: bmc?.port, username: USER, password: PW, cipherSuite: 3, firmware: 'bios', ...over });
const ipmi = createIpmiDriver();
const statusIs = (want: 'on' | 'off', ms = 10_000) => waitUntil(async () => (await ipmi.powerStatus(target())) === want, ms, `power status ${want}`, 100);

before(async () => {
  if (simSkip) return;
  assert.deepEqual(simMissing, [], 'CI as root must not skip the ipmi_sim tests');
  fresh();
  bmc = await startSimBmc({ machine: NAME, machines, dir, username: USER, password: PW, port: await freeUdpPort(9621) });
});

after(async () => {
  await bmc?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('status, then one-time PXE boot device (efiboot accepted for UEFI)', { skip: simSkip, timeout: 60_000 }, async () => {
  const m = fresh();
  assert.equal(await ipmi.powerStatus(target()), 'off');
  await ipmi.bootPxeOnce(target()); // chassis bootdev pxe
  assert.deepEqual(m.bootOverride(), { device: 'pxe', once: true });
  assert.deepEqual(m.calls, ['setBootOverride(pxe,once)']);
  assert.ok(bmc!.relayed.includes('set boot pxe'), bmc!.relayed.join('\n'));

  m.setBootOverride(undefined);
  m.calls.length = 0;
  await ipmi.bootPxeOnce(target({ firmware: 'uefi' })); // chassis bootdev pxe options=efiboot
  assert.deepEqual(m.bootOverride(), { device: 'pxe', once: true });
  assert.deepEqual(m.calls, ['setBootOverride(pxe,once)']);
  assert.equal(m.power, 'Off', 'setting the boot device powers nothing on');
});

test('power on boots from the PXE override; status on; cycle; reset; soft and hard off', { skip: simSkip, timeout: 120_000 }, async () => {
  const m = fresh();
  await ipmi.bootPxeOnce(target());
  await ipmi.power(target(), 'on');
  assert.deepEqual(m.calls, ['setBootOverride(pxe,once)', 'powerOn']);
  assert.deepEqual(m.boots, ['pxe']);
  assert.equal(m.bootOverride(), undefined, 'the one-time override is used up by the boot');
  await statusIs('on');

  const beforeCycle = m.calls.length;
  await ipmi.power(target(), 'cycle');
  // ipmi_sim powers off, then on again about 1 s later (its own timer), after ipmitool returned.
  await waitUntil(() => m.calls.slice(beforeCycle).join(',') === 'powerOff,powerOn', 15_000, `powerOff then powerOn after cycle (calls ${m.calls.join(',')})`);
  assert.deepEqual(m.boots, ['pxe', 'default'], 'the second boot has no override left');
  await statusIs('on');

  const beforeReset = m.calls.length;
  await ipmi.power(target(), 'reset');
  assert.deepEqual(m.calls.slice(beforeReset), ['reset']);
  assert.ok(bmc!.relayed.includes('set reset 1'), bmc!.relayed.join('\n'));
  assert.equal(m.boots.length, 3);

  await ipmi.power(target(), 'soft');
  assert.equal(m.calls.at(-1), 'shutdown');
  await statusIs('off');
  await ipmi.power(target(), 'off');
  assert.equal(m.calls.at(-1), 'powerOff');
  assert.equal(await ipmi.powerStatus(target()), 'off');
});

test('cycle of a chassis that is off powers it on', { skip: simSkip, timeout: 60_000 }, async () => {
  const m = fresh();
  assert.equal(await ipmi.powerStatus(target()), 'off');
  await ipmi.power(target(), 'cycle');
  await statusIs('on');
  assert.deepEqual(m.calls, ['powerOn'], 'no power-off of a chassis that was off');
  assert.deepEqual(m.boots, ['default']);
  await ipmi.power(target(), 'off');
  assert.equal(await ipmi.powerStatus(target()), 'off');
});

test('a machine that fails to power on: the driver rejects with the BMC answer', { skip: simSkip, timeout: 60_000 }, async () => {
  const m = fresh();
  m.failNext = new Error('no power');
  await assert.rejects(ipmi.power(target(), 'on'), (e: Error) => /power on/.test(e.message) && /Unspecified error/.test(e.message));
  assert.deepEqual(m.calls, ['powerOn']);
  assert.equal(await ipmi.powerStatus(target()), 'off');
});

test('facts from mc info', { skip: simSkip, timeout: 30_000 }, async () => {
  fresh();
  const f = await ipmi.facts!(target());
  assert.equal(f.manufacturer, 'MontaVista Software, Inc.');
  assert.equal(f.ipmiVersion, '2.0');
});

test('wrong password: BMC_AUTH_FAILED, quickly', { skip: simSkip, timeout: 30_000 }, async () => {
  const m = fresh();
  const t0 = Date.now();
  await assert.rejects(ipmi.powerStatus(target({ password: 'not-the-password' })), (e: Error & { code?: string }) => {
    return e.code === 'BMC_AUTH_FAILED' && /RAKP 2 HMAC is invalid/.test(e.message);
  });
  assert.ok(Date.now() - t0 < 3000, `${Date.now() - t0} ms`);
  await assert.rejects(ipmi.powerStatus(target({ username: 'nobody' })), { code: 'BMC_AUTH_FAILED' });
  await assert.rejects(ipmi.power(target({ password: 'not-the-password' }), 'on'), { code: 'BMC_AUTH_FAILED' });
  assert.deepEqual(m.calls, [], 'nothing reached the machine');
});

test('cipher suite 17 (ipmitool default) is not offered by ipmi_sim: BMC_UNSUPPORTED', { skip: simSkip, timeout: 30_000 }, async () => {
  fresh();
  await assert.rejects(ipmi.powerStatus(target({ cipherSuite: 17 })), (e: Error & { code?: string }) => e.code === 'BMC_UNSUPPORTED' && /cipher_suite/.test(e.message));
});

test('closed port: BMC_UNREACHABLE within the session timeout', { skip: simSkip, timeout: 30_000 }, async () => {
  const closed = await freeUdpPort(0);
  const fast = createIpmiDriver({ sessionTimeoutSec: 1, sessionRetries: 1 });
  const t0 = Date.now();
  await assert.rejects(fast.powerStatus(target({ port: closed })), (e: Error & { code?: string }) => e.code === 'BMC_UNREACHABLE' && /Get Auth Capabilities/.test(e.message));
  assert.ok(Date.now() - t0 < 6000, `${Date.now() - t0} ms`);
});

test('through the registry: concurrent calls on one BMC are serialised and all succeed', { skip: simSkip, timeout: 60_000 }, async () => {
  const m = fresh();
  const reg = createBmcRegistry({ clock: systemClock, log: nullLogger, maxConcurrent: 4 });
  const ref = { type: 'ipmi' as const, target: target() };
  const all = await Promise.all([reg.powerStatus(ref), reg.bootPxeOnce(ref), reg.powerStatus(ref), reg.facts(ref)]);
  assert.equal(all[0], 'off');
  assert.equal(all[2], 'off');
  assert.deepEqual(m.bootOverride(), { device: 'pxe', once: true });
  assert.equal(reg.stats().active, 0);
});

/** Runs `cmd` without blocking the event loop; SIGKILL after `ms`. */
function runAsync(cmd: string, args: string[], ms: number): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    p.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    p.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const killer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, ms);
    p.once('error', (e) => (stderr += String(e)));
    p.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

test('a real QEMU machine: ipmitool chassis power on starts its QEMU process, power off ends it', { skip: qemuSkip, timeout: 180_000 }, async () => {
  assert.deepEqual([...simMissing, ...qemuMissing], [], 'CI as root must not skip the QEMU case');
  const ns = `cbmcq${process.pid}`;
  const work = mkdtempSync(join(tmpdir(), 'corral-ipmi-qemu-'));
  const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(add.status, 0, `ip netns add ${ns}: ${add.stderr}`);
  try {
    const r = await runAsync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(ROOT, 'test/bmc/ipmi-qemu-child.ts'), work], 150_000);
    assert.ok(!r.timedOut, `the QEMU case did not finish in 150 s:\n${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    const seen = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, any>;
    assert.equal(seen.statusBefore, 'off');
    assert.equal(seen.qemuBefore, 0);
    // power on: a QEMU process on the test's tap with the machine's MAC, NIC first (bootdev pxe).
    assert.equal(seen.machineAfterOn, 'On');
    assert.equal(seen.qemuAfterOn, 1);
    assert.equal(seen.qemuMac, '52:54:00:77:00:55');
    assert.equal(seen.tap, 'ctap0');
    assert.equal(seen.nicBootIndex, '1');
    assert.equal(seen.overrideAfterOn, null);
    assert.equal(seen.statusOn, 'on');
    // power off: that process is gone.
    assert.equal(seen.qemuAliveAfterOff, false);
    assert.equal(seen.qemuAfterOff, 0);
    assert.equal(seen.machineAfterOff, 'Off');
    assert.equal(seen.statusOff, 'off');
    assert.deepEqual(seen.relayed, ['set boot pxe', 'set power 1', 'set power 0']);
    assert.equal(seen.console.length, 2, seen.console.join('\n'));
    assert.match(seen.console[0], /power on, boot from pxe/);
    assert.match(seen.console[1], /power off \(qemu/);
  } finally {
    // Kills whatever the child left in the namespace (QEMU, ipmi_sim) and removes it and its tap.
    deleteNamespace(ns);
    rmSync(work, { recursive: true, force: true });
  }
});
