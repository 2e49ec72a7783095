// The "qemu" BMC: power and boot device of a qemu pool's VM (src/pools/qemu), driven through
// QEMU itself. Power on/off is the QEMU process, a PXE-once override puts the NIC first at the
// next start (and a cycle starts a new process, so it takes effect), soft off is an ACPI
// power-button press over QMP.
import { ApplianceError } from '../model/index.js';
import { activeQemuProvider } from '../pools/qemu/provider.js';
import type { PoolVm } from '../pools/qemu/vm.js';
import type { BmcTarget, PowerController } from './types.js';

export function createQemuDriver(find: (hostId: string) => Promise<PoolVm | undefined> = async (id) => activeQemuProvider()?.vm(id)): PowerController {
  const vmOf = async (t: BmcTarget): Promise<PoolVm> => {
    const vm = await find(t.hostId);
    // Not retried: no later attempt finds a VM the appliance does not run.
    if (!vm) throw new ApplianceError('BMC_UNREACHABLE', `host "${t.hostId}" is no VM of a running qemu provider`, { retryable: false });
    return vm;
  };
  return {
    async powerStatus(t) {
      return (await vmOf(t)).powerState() === 'On' ? 'on' : 'off';
    },
    async power(t, action) {
      const vm = await vmOf(t);
      if (action === 'on') return vm.powerOn();
      if (action === 'off') return vm.powerOff();
      if (action === 'soft') return vm.shutdown();
      return vm.reset();
    },
    async bootPxeOnce(t) {
      (await vmOf(t)).setBootOverride({ device: 'pxe', once: true });
    },
    async facts(t) {
      const vm = await vmOf(t);
      return { manufacturer: 'QEMU', model: 'Corral pool VM', uuid: vm.uuid, accel: vm.vm.accel };
    },
  };
}
