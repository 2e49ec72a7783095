// Vaquero's soft_reboot / soft_timeout through a real IPMI path: Corral's PowerPort, the BMC
// registry, real ipmitool, OpenIPMI's ipmi_sim (the lab's chassis relay) and a machine. A reboot
// asks for an ACPI shutdown first; a guest that honours it is never forced, one that ignores it
// is powered off hard once soft_timeout has passed, then powered on. Needs ipmitool and ipmi_sim.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createBmcRegistry } from '../../src/bmc/registry.js';
import { createBmcPower } from '../../src/lifecycle/bmc-power.js';
import { systemClock } from '../../src/lib/clock.js';
import { nullLogger } from '../../src/lib/log.js';
import { createLiveSot } from '../../src/sot/live.js';
import { FakeMachine } from '../lab/fake-machine.js';
import { freeUdpPort, startSimBmc, type SimBmc } from '../bmc/ipmi-sim-lab.js';
import { BASE, writeSot } from '../sot/helpers.js';
import type { LabMachine } from '../../src/lab/machine.js';

const missing = ['ipmitool', 'ipmi_sim', 'curl'].find((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);
const skip = missing && !(process.env.CI === 'true' && process.getuid?.() === 0) ? `${missing} not installed (apt-get install ipmitool openipmi curl)` : undefined;

/** A guest with no ACPI handling: the power button request changes nothing. */
class DeafMachine extends FakeMachine {
  override async shutdown(): Promise<void> {
    this.calls.push('shutdown');
  }
}

const machines = new Map<string, LabMachine>();
let bmc: SimBmc | undefined;
let dir = '';

before(async () => {
  if (skip) return;
  dir = mkdtempSync(`${tmpdir()}/corral-soft-`);
  machines.set('h1', new FakeMachine({ name: 'h1' })); // each case swaps in its own
  bmc = await startSimBmc({ machine: 'h1', machines, dir, username: 'admin', password: 'pw-soft', port: await freeUdpPort(9641) });
});
after(async () => {
  await bmc?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function powerPort(softTimeout: number) {
  const files = { ...BASE };
  files['sites/s1/rack.yml'] = files['sites/s1/rack.yml']!.replace(
    'bmc: {type: ipmi, username: admin, password: {env: BMC_PASS}}',
    `bmc: {type: ipmi, address: 127.0.0.1, port: ${bmc!.port}, username: admin, password: pw-soft, cipher_suite: 3, soft_reboot: true, soft_timeout: ${softTimeout}}`,
  );
  const w = writeSot(files);
  const sot = createLiveSot({ root: w.dir, clock: systemClock, log: nullLogger, pollMs: 0 });
  assert.ok(await sot.reload(), 'test SoT loads');
  const registry = createBmcRegistry({ clock: systemClock, log: nullLogger });
  return { port: createBmcPower({ sot, registry, sotDir: w.dir, softPollMs: 200 }), done: () => (sot.stop(), w.cleanup(), registry.close()) };
}

test('a guest that honours ACPI is shut down softly, never forced, then powered on', { skip, timeout: 60_000 }, async () => {
  const m = new FakeMachine({ name: 'h1' });
  m.power = 'On';
  machines.set('h1', m);
  const { port, done } = await powerPort(30);
  try {
    assert.equal(await port.power('h1', 'cycle'), 'done');
    assert.deepEqual(m.calls.filter((c) => /shutdown|powerOff|powerOn|reset/.test(c)), ['shutdown', 'powerOn']);
    assert.equal(m.power, 'On');
  } finally {
    await done();
  }
});

test('a guest that ignores ACPI is forced off after soft_timeout, then powered on', { skip, timeout: 60_000 }, async () => {
  const m = new DeafMachine({ name: 'h1' });
  m.power = 'On';
  machines.set('h1', m);
  const { port, done } = await powerPort(2);
  try {
    const t0 = Date.now();
    assert.equal(await port.power('h1', 'cycle'), 'done');
    assert.deepEqual(m.calls.filter((c) => /shutdown|powerOff|powerOn|reset/.test(c)), ['shutdown', 'powerOff', 'powerOn']);
    // The hard off came only after the soft timeout: not a timing figure, the rule itself.
    assert.ok(Date.now() - t0 >= 2000, 'forced only after soft_timeout');
    // An explicit "off" stays a hard off: soft_reboot is about reboots.
    m.calls.length = 0;
    await port.power('h1', 'off');
    assert.deepEqual(m.calls.filter((c) => /shutdown|powerOff/.test(c)), ['powerOff']);
  } finally {
    await done();
  }
});
