// A qemu pool VM is powered by the lifecycle like any machine with a BMC: Corral's PowerPort
// (src/lifecycle/bmc-power.ts) resolves its "qemu" BMC and runs a boot's PXE-once and power-on
// as one job through the registry's qemu driver, never answering 'manual' ("power it by hand").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBmcRegistry } from '../../src/bmc/registry.js';
import { createQemuDriver } from '../../src/bmc/qemu.js';
import { createBmcPower } from '../../src/lifecycle/bmc-power.js';
import { systemClock } from '../../src/lib/clock.js';
import { nullLogger } from '../../src/lib/log.js';
import { createLiveSot } from '../../src/sot/live.js';
import type { PoolVm } from '../../src/pools/qemu/vm.js';
import { FakeMachine } from '../lab/fake-machine.js';
import { writeSot } from '../sot/helpers.js';
import { POOL_SOT } from './world.js';

const QEMU_POOL = 'name: ci\nprovider: qemu\nworkflow: rhel\nsize: 1\nvms: 1\nsite: od\nsubnet: net\nbridge: br0\n';

test("a qemu pool VM's boot job runs PXE-once then power-on through the qemu driver", async () => {
  const w = writeSot({ ...POOL_SOT, 'pools/ci.yml': QEMU_POOL });
  const sot = createLiveSot({ root: w.dir, clock: systemClock, log: nullLogger, pollMs: 0 });
  const vm = new FakeMachine({ name: 'ci-vm1', firmware: 'bios' });
  const registry = createBmcRegistry({ clock: systemClock, log: nullLogger, drivers: { qemu: createQemuDriver(async (id) => (id === 'ci-vm1' ? (vm as unknown as PoolVm) : undefined)) } });
  try {
    assert.ok(await sot.reload(), 'the SoT loads');
    const port = createBmcPower({ sot, registry, sotDir: w.dir });
    assert.equal(await port.status('ci-vm1'), 'off');
    const out = await port.job!('ci-vm1', async (bmc) => {
      await bmc.bootPxeOnce();
      await bmc.power((await bmc.status()) === 'off' ? 'on' : 'cycle');
      return 'done';
    });
    assert.equal(out, 'done', 'driven, not left to a person');
    assert.deepEqual(vm.boots, ['pxe'], 'it booted once, from the network');
    assert.equal(await port.status('ci-vm1'), 'on');
    assert.equal(await port.power('ci-vm1', 'off'), 'done');
    assert.equal(vm.powerState(), 'Off');
  } finally {
    sot.stop();
    await registry.close();
    w.cleanup();
  }
});
