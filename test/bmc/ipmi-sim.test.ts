// The IPMI driver with the real ipmitool against OpenIPMI's ipmi_sim (../shared/harness/bmc-sim.sh,
// chassis mode). bmc-chassis.sh records every chassis command in chassis.log and the boot device
// in `bootdev`; "power on" starts a QEMU VM (pxe-vm.sh) on a tap of a lab namespace, and power
// status is that VM being alive, so the test brings up its own namespace (not the shared pxelab)
// and state folder, and always tears both down. Needs root, ipmitool, ipmi_sim, QEMU.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIpmiDriver } from '../../src/bmc/ipmi.js';
import { createBmcRegistry } from '../../src/bmc/registry.js';
import type { BmcTarget } from '../../src/bmc/types.js';
import { systemClock } from '../../src/lib/clock.js';
import { nullLogger } from '../../src/lib/log.js';

const HARNESS = join(new URL('../..', import.meta.url).pathname, '../shared/harness');
const NAME = `corral-bmc-${process.pid}`;
const NS = `cbmc${process.pid}`;
const PW = 'password';

function whyNot(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (ipmi_sim chassis mode starts VMs on taps in a network namespace)';
  if (!existsSync(join(HARNESS, 'bmc-sim.sh'))) return `harness not found at ${HARNESS}`;
  for (const [bin, pkg] of [['ipmitool', 'ipmitool'], ['ipmi_sim', 'openipmi'], ['qemu-system-x86_64', 'qemu-system-x86']]) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} not installed (apt-get install ${pkg})`;
  }
  return undefined;
}
const skip = whyNot();

let state = '';
let port = 0;
const env = () => ({ ...process.env, LAB_NS: NS, LAB_STATE: state });
const sh = (args: string[], timeout = 60_000) => spawnSync(args[0]!, args.slice(1), { env: env(), encoding: 'utf8', timeout });
const chassisLog = () => readFileSync(join(state, `bmc-${NAME}`, 'chassis.log'), 'utf8');
const bootdev = () => readFileSync(join(state, `bmc-${NAME}`, 'bootdev'), 'utf8').trim();

/** 9621 if free, else any free UDP port. */
async function freeUdpPort(preferred: number): Promise<number> {
  const tryBind = (p: number) =>
    new Promise<number | undefined>((resolve) => {
      const s = createSocket('udp4');
      s.once('error', () => (s.close(), resolve(undefined)));
      s.bind(p, '127.0.0.1', () => {
        const got = s.address().port;
        s.close(() => resolve(got));
      });
    });
  return (await tryBind(preferred)) ?? (await tryBind(0)) ?? preferred;
}

/** Polls `check` every 200 ms for at most `ms`. */
async function eventually(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return check();
}

const target = (over: Partial<BmcTarget> = {}): BmcTarget => ({ hostId: 'sim1', address: '127.0.0.1', port, username: 'admin', password: PW, cipherSuite: 3, firmware: 'bios', ...over });
const ipmi = createIpmiDriver();

before(async () => {
  if (skip) return;
  state = mkdtempSync(join(tmpdir(), 'corral-bmc-sim-'));
  port = await freeUdpPort(9621);
  const up = sh([join(HARNESS, 'netlab.sh'), 'up']);
  assert.equal(up.status, 0, up.stderr);
  const start = sh([join(HARNESS, 'bmc-sim.sh'), 'start', '--name', NAME, '--port', String(port), '--mac', '52:54:00:77:00:55', '--default-boot', 'disk', '--vm-timeout', '180']);
  assert.equal(start.status, 0, start.stderr);
});

after(() => {
  if (skip || !state) return;
  sh([join(HARNESS, 'bmc-sim.sh'), 'stop', '--name', NAME]);
  sh([join(HARNESS, 'netlab.sh'), 'down']);
  rmSync(state, { recursive: true, force: true });
});

test('status, then one-time PXE boot device (efiboot accepted for UEFI)', { skip, timeout: 60_000 }, async () => {
  assert.equal(await ipmi.powerStatus(target()), 'off');
  await ipmi.bootPxeOnce(target());
  assert.equal(bootdev(), 'pxe');
  assert.match(chassisLog(), /set boot pxe/);
  await ipmi.bootPxeOnce(target({ firmware: 'uefi' })); // chassis bootdev pxe options=efiboot
  assert.equal(bootdev(), 'pxe');
});

test('power on starts the VM with bootdev pxe; status on; cycle; reset; soft and hard off', { skip, timeout: 120_000 }, async () => {
  await ipmi.power(target(), 'on');
  assert.match(chassisLog(), /power on: pxe-vm\.sh pid \d+ bootdev pxe/);
  assert.ok(await eventually(async () => (await ipmi.powerStatus(target())) === 'on', 10_000), 'on after power on');

  const before = chassisLog().length;
  await ipmi.power(target(), 'cycle');
  // ipmi_sim powers off, then on again about 1 s later (its own timer).
  assert.ok(await eventually(() => /set power 0[\s\S]*power on: pxe-vm/.test(chassisLog().slice(before)), 15_000), chassisLog().slice(before));
  assert.ok(await eventually(async () => (await ipmi.powerStatus(target())) === 'on', 10_000), 'on after cycle');

  const beforeReset = chassisLog().length;
  await ipmi.power(target(), 'reset');
  assert.match(chassisLog().slice(beforeReset), /set reset 1/);

  await ipmi.power(target(), 'soft');
  assert.ok(await eventually(async () => (await ipmi.powerStatus(target())) === 'off', 10_000), 'off after soft');
  await ipmi.power(target(), 'off');
  assert.equal(await ipmi.powerStatus(target()), 'off');
});

test('cycle of a chassis that is off powers it on', { skip, timeout: 60_000 }, async () => {
  assert.equal(await ipmi.powerStatus(target()), 'off');
  await ipmi.power(target(), 'cycle');
  assert.ok(await eventually(async () => (await ipmi.powerStatus(target())) === 'on', 10_000));
  await ipmi.power(target(), 'off');
  assert.equal(await ipmi.powerStatus(target()), 'off');
});

test('facts from mc info', { skip, timeout: 30_000 }, async () => {
  const f = await ipmi.facts!(target());
  assert.equal(f.manufacturer, 'MontaVista Software, Inc.');
  assert.equal(f.ipmiVersion, '2.0');
});

test('wrong password: BMC_AUTH_FAILED, quickly', { skip, timeout: 30_000 }, async () => {
  const t0 = Date.now();
  await assert.rejects(ipmi.powerStatus(target({ password: 'not-the-password' })), (e: Error & { code?: string }) => {
    return e.code === 'BMC_AUTH_FAILED' && /RAKP 2 HMAC is invalid/.test(e.message);
  });
  assert.ok(Date.now() - t0 < 3000, `${Date.now() - t0} ms`);
  await assert.rejects(ipmi.powerStatus(target({ username: 'nobody' })), { code: 'BMC_AUTH_FAILED' });
});

test('cipher suite 17 (ipmitool default) is not offered by ipmi_sim: BMC_UNSUPPORTED', { skip, timeout: 30_000 }, async () => {
  await assert.rejects(ipmi.powerStatus(target({ cipherSuite: 17 })), (e: Error & { code?: string }) => e.code === 'BMC_UNSUPPORTED' && /cipher_suite/.test(e.message));
});

test('closed port: BMC_UNREACHABLE within the session timeout', { skip, timeout: 30_000 }, async () => {
  const closed = await freeUdpPort(0);
  const fast = createIpmiDriver({ sessionTimeoutSec: 1, sessionRetries: 1 });
  const t0 = Date.now();
  await assert.rejects(fast.powerStatus(target({ port: closed })), (e: Error & { code?: string }) => e.code === 'BMC_UNREACHABLE' && /Get Auth Capabilities/.test(e.message));
  assert.ok(Date.now() - t0 < 6000, `${Date.now() - t0} ms`);
});

test('through the registry: concurrent calls on one BMC are serialised and all succeed', { skip, timeout: 60_000 }, async () => {
  const reg = createBmcRegistry({ clock: systemClock, log: nullLogger, maxConcurrent: 4 });
  const bmc = { type: 'ipmi' as const, target: target() };
  const all = await Promise.all([reg.powerStatus(bmc), reg.bootPxeOnce(bmc), reg.powerStatus(bmc), reg.facts(bmc)]);
  assert.equal(all[0], 'off');
  assert.equal(all[2], 'off');
  assert.equal(reg.stats().active, 0);
});
