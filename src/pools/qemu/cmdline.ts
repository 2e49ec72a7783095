// A pool VM's QEMU command line (pure). It follows the lab machine's (src/lab/qemu.ts) boot
// setup, which is what Corral's PXE chain is tested against: disk first then the network, a PXE
// override puts the NIC first; BIOS VMs boot through the e1000's iPXE ROM with SeaBIOS mirrored
// onto the serial console, UEFI VMs through OVMF's own PXE client. What differs: a qcow2 overlay
// (internal snapshots need every writable drive to be qcow2, the UEFI variable store too), cpus,
// and spare PCIe ports on q35 so disks can be hot-added there as on i440fx's root bus.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Host, Pool } from '../../model/index.js';
import { tapName } from './names.js';

/** Disks one VM may have hot-added (the spare PCIe ports of a UEFI VM). */
export const MAX_ADDED_DISKS = 4;

export type VmNic = { kind: 'tap'; tap: string; bridge: string } | { kind: 'user' } | { kind: 'none' };

export interface VmSpec {
  name: string;
  uuid: string;
  mac: string;
  firmware: 'bios' | 'uefi';
  memoryMiB: number;
  cpus: number;
  diskBytes: number;
  /** The qcow2 base image the overlay sits on (made blank at diskBytes when Corral owns it). */
  base: string;
  /** Per-VM folder: disk.img (the qcow2 overlay), vars.qcow2, qmp.sock, qemu.log, added disks. */
  dir: string;
  consoleLog: string;
  accel: 'kvm' | 'tcg';
  nic: VmNic;
}

export interface VmPaths {
  /** Where VM folders and Corral's blank base images live. */
  stateDir: string;
  /** Captured consoles, <host>.log (GET /v1/hosts/{id}/console); unset = the VM's folder. */
  consoleDir?: string;
}

/** A stable SMBIOS UUID from the VM's name (RFC 4122 layout, version 5-like bits). */
export function vmUuid(name: string): string {
  const h = createHash('sha256').update(`corral-qemu-vm:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The VM a synthesised host stands for. `nic` overrides the pool's bridge (tests run without one). */
export function vmSpecOf(pool: Pool, host: Host, paths: VmPaths, accel: 'kvm' | 'tcg', nic?: VmNic): VmSpec {
  const q = pool.qemu!;
  const dir = join(paths.stateDir, pool.name, host.id);
  return {
    name: host.id,
    uuid: vmUuid(host.id),
    mac: host.interfaces.find((i) => i.type === 'physical' && i.mac)!.mac!,
    firmware: q.firmware,
    memoryMiB: Math.round(q.memoryBytes / 2 ** 20),
    cpus: q.cpus,
    diskBytes: q.diskBytes,
    base: q.image ?? join(paths.stateDir, pool.name, 'base.qcow2'),
    dir,
    consoleLog: paths.consoleDir ? join(paths.consoleDir, `${host.id}.log`) : join(dir, 'console.log'),
    accel,
    nic: nic ?? { kind: 'tap', tap: tapName(host.id), bridge: q.bridge },
  };
}

/** The hot-plug bus of added disk `slot` (1..MAX_ADDED_DISKS): a spare root port on q35, the root bus on i440fx. */
export const hotplugBus = (s: VmSpec, slot: number) => (s.firmware === 'uefi' ? `hp${slot}` : undefined);

export function vmArgs(s: VmSpec, bootFrom: 'pxe' | 'disk', ovmfCode?: string): string[] {
  const netFirst = bootFrom === 'pxe';
  const a = ['-name', s.name, '-nodefaults', '-no-user-config', '-display', 'none', '-vga', 'none',
    '-m', String(s.memoryMiB), '-smp', String(s.cpus), '-uuid', s.uuid,
    '-chardev', `file,id=ser0,path=${s.consoleLog},append=on`, '-serial', 'chardev:ser0',
    '-qmp', `unix:${join(s.dir, 'qmp.sock')},server=on,wait=off`];
  if (s.nic.kind !== 'none') {
    a.push('-netdev', s.nic.kind === 'tap' ? `tap,id=n0,ifname=${s.nic.tap},script=no,downscript=no` : 'user,id=n0',
      '-device', s.firmware === 'uefi' ? `virtio-net-pci,netdev=n0,mac=${s.mac},romfile=,bootindex=${netFirst ? 1 : 2}` : `e1000,netdev=n0,mac=${s.mac},bootindex=${netFirst ? 1 : 2}`);
  }
  a.push('-drive', `file=${join(s.dir, 'disk.img')},format=qcow2,if=none,id=d0`,
    '-device', `virtio-blk-pci,drive=d0,bootindex=${netFirst ? 2 : 1}`);
  if (s.firmware === 'uefi') {
    if (!ovmfCode) throw new Error('a UEFI VM needs OVMF (apt-get install ovmf)');
    a.push('-machine', `q35,accel=${s.accel}`,
      '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${ovmfCode}`,
      '-drive', `if=pflash,format=qcow2,unit=1,file=${join(s.dir, 'vars.qcow2')}`);
    for (let i = 1; i <= MAX_ADDED_DISKS; i++) a.push('-device', `pcie-root-port,id=hp${i},chassis=${i},slot=${i}`);
  } else {
    a.push('-machine', `pc,accel=${s.accel}`, '-fw_cfg', `name=etc/sercon-port,file=${join(s.dir, 'sercon-port.bin')}`);
  }
  return a;
}
