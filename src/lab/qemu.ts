// One lab machine: a QEMU VM on a tap of the lab bridge, with its own disk, UEFI variable store
// and serial console file. "Power" is the QEMU process: on = running, off = exited. A power-on
// chooses the firmware boot order the way a server's BIOS setup does: disk first, then the
// network (an empty disk falls through to PXE); a PXE boot override puts the NIC first.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, openSync, closeSync, ftruncateSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Qmp } from './qmp.js';
import type { LabBootOverride, LabMachine, LabPowerState } from './machine.js';

export interface QemuMachineSpec {
  name: string;
  mac: string;
  uuid: string;
  firmware: 'bios' | 'uefi';
  /** UEFI: boot from the network through OVMF's PXE client (default) or its UEFI HTTP boot. */
  netBoot?: 'pxe' | 'http';
  memoryMiB: number;
  /** The tap device (already on the lab bridge). */
  tap: string;
  /** Per-machine folder: disk.img, vars.fd, qmp.sock, qemu.log. */
  dir: string;
  /** Serial console, appended across power cycles. */
  consoleLog: string;
  accel: 'kvm' | 'tcg';
  diskMiB?: number;
  qemuBinary?: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Debian's OVMF (package ovmf): the 4M build first, then the older 2M one. */
export function ovmfFiles(): { code: string; vars: string } | undefined {
  for (const [code, vars] of [
    ['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/share/OVMF/OVMF_VARS_4M.fd'],
    ['/usr/share/OVMF/OVMF_CODE.fd', '/usr/share/OVMF/OVMF_VARS.fd'],
  ] as const) {
    if (existsSync(code) && existsSync(vars)) return { code, vars };
  }
  return undefined;
}

export class QemuMachine implements LabMachine {
  readonly name: string;
  readonly uuid: string;
  readonly mac: string;
  readonly firmware: 'bios' | 'uefi';
  readonly memoryMiB: number;
  private proc: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private override: LabBootOverride | undefined;
  /** Serializes power operations: ipmi_sim and Redfish may race on one machine. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly spec: QemuMachineSpec) {
    this.name = spec.name;
    this.uuid = spec.uuid;
    this.mac = spec.mac.toLowerCase();
    this.firmware = spec.firmware;
    this.memoryMiB = spec.memoryMiB;
    mkdirSync(spec.dir, { recursive: true });
    const disk = join(spec.dir, 'disk.img');
    if (!existsSync(disk)) {
      // A sparse raw disk: the lab installer writes its boot sector and install record here.
      const fd = openSync(disk, 'w');
      ftruncateSync(fd, (spec.diskMiB ?? 64) * 1024 * 1024);
      closeSync(fd);
    }
    if (spec.firmware === 'uefi') {
      const ovmf = ovmfFiles();
      if (!ovmf) throw new Error('OVMF not found (apt-get install ovmf)');
      if (!existsSync(join(spec.dir, 'vars.fd'))) copyFileSync(ovmf.vars, join(spec.dir, 'vars.fd'));
    } else {
      // SeaBIOS mirrors its and the option ROMs' (iPXE's) screen onto the serial port 0x3f8.
      writeFileSync(join(spec.dir, 'sercon-port.bin'), Buffer.from([0xf8, 0x03]));
    }
  }

  powerState(): LabPowerState {
    return this.proc ? 'On' : 'Off';
  }

  bootOverride(): LabBootOverride | undefined {
    return this.override ? { ...this.override } : undefined;
  }

  setBootOverride(o: LabBootOverride | undefined): void {
    this.override = o ? { ...o } : undefined;
  }

  powerOn(): Promise<void> {
    return this.serial(() => this.start());
  }

  powerOff(): Promise<void> {
    return this.serial(() => this.stop());
  }

  reset(): Promise<void> {
    // A fresh QEMU process rather than system_reset: the boot order (and so a pending PXE
    // override) is fixed when QEMU starts.
    return this.serial(async () => {
      await this.stop();
      await this.start();
    });
  }

  shutdown(): Promise<void> {
    return this.serial(async () => {
      if (!this.proc) return;
      await this.qmp((q) => q.command('system_powerdown'));
    });
  }

  /** QEMU's command line for the next power-on (exported for the tests and `lab status`). */
  args(bootFrom: 'pxe' | 'disk'): string[] {
    const s = this.spec;
    const netFirst = bootFrom === 'pxe';
    const a = ['-name', s.name, '-nodefaults', '-no-user-config', '-display', 'none', '-vga', 'none',
      '-m', String(s.memoryMiB), '-smp', '1', '-uuid', s.uuid,
      '-chardev', `file,id=ser0,path=${s.consoleLog},append=on`, '-serial', 'chardev:ser0',
      '-qmp', `unix:${join(s.dir, 'qmp.sock')},server=on,wait=off`,
      '-netdev', `tap,id=n0,ifname=${s.tap},script=no,downscript=no`,
      // UEFI: a virtio NIC without an option ROM, so OVMF's own PXE client (VirtioNetDxe) makes the
      // first DHCP exchange and fetches the NBP over TFTP, as a UEFI server's firmware does;
      // BIOS: an e1000 whose iPXE ROM is the PXE client, as on many BIOS servers' NICs.
      '-device', s.firmware === 'uefi' ? `virtio-net-pci,netdev=n0,mac=${this.mac},romfile=,bootindex=${netFirst ? 1 : 2}` : `e1000,netdev=n0,mac=${this.mac},bootindex=${netFirst ? 1 : 2}`,
      '-drive', `file=${join(s.dir, 'disk.img')},format=raw,if=none,id=d0`,
      '-device', `virtio-blk-pci,drive=d0,bootindex=${netFirst ? 2 : 1}`];
    if (s.firmware === 'uefi') {
      const ovmf = ovmfFiles()!;
      a.push('-machine', `q35,accel=${s.accel}`,
        '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${ovmf.code}`,
        '-drive', `if=pflash,format=raw,unit=1,file=${join(s.dir, 'vars.fd')}`);
      // UEFI HTTP boot: OVMF makes a boot option per NIC and protocol, PXEv4, PXEv6, HTTPv4, HTTPv6
      // in that order, all behind the NIC's bootindex; with its PXE support off (OVMF runtime
      // configuration, OvmfPkg/RUNTIME_CONFIG.md; Debian's 2022.11 build honours it and is built
      // with HTTP boot) "UEFI HTTPv4" is the first network option, and no TFTP is ever tried.
      if (s.netBoot === 'http') a.push('-fw_cfg', 'name=opt/org.tianocore/IPv4PXESupport,string=no', '-fw_cfg', 'name=opt/org.tianocore/IPv6PXESupport,string=no');
    } else {
      a.push('-machine', `pc,accel=${s.accel}`, '-fw_cfg', `name=etc/sercon-port,file=${join(s.dir, 'sercon-port.bin')}`);
    }
    return a;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async start(): Promise<void> {
    if (this.proc) return;
    const o = this.override;
    const bootFrom = o?.device ?? 'disk';
    if (o?.once) this.override = undefined;
    const s = this.spec;
    rmSync(join(s.dir, 'qmp.sock'), { force: true });
    appendFileSync(s.consoleLog, `\n[corral lab] ${new Date().toISOString()} power on, boot from ${bootFrom}\n`);
    const err = openSync(join(s.dir, 'qemu.log'), 'a');
    const proc = spawn(s.qemuBinary ?? 'qemu-system-x86_64', this.args(bootFrom), { stdio: ['ignore', err, err] });
    closeSync(err);
    this.proc = proc;
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        if (this.proc === proc) this.proc = undefined;
        appendFileSync(s.consoleLog, `\n[corral lab] ${new Date().toISOString()} power off (qemu ${signal ?? `exit ${code}`})\n`);
        s.log?.('lab machine powered off', { machine: s.name, code, signal });
        resolve();
      });
    });
    proc.once('error', (e) => s.log?.('qemu failed to start', { machine: s.name, error: String(e) }));
    // Power is "on" once QEMU answers QMP: a power status right after power-on is then true.
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (!this.proc) throw new Error(`qemu for ${s.name} exited at start (see ${join(s.dir, 'qemu.log')})`);
      try {
        const q = await Qmp.open(join(s.dir, 'qmp.sock'), 2000);
        q.close();
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`qemu for ${s.name} did not answer QMP within 15 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    s.log?.('lab machine powered on', { machine: s.name, boot: bootFrom, pid: proc.pid });
  }

  private async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    try {
      await this.qmp((q) => q.command('quit'));
    } catch {
      proc.kill('SIGKILL');
    }
    const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killer);
  }

  private async qmp<T>(fn: (q: Qmp) => Promise<T>): Promise<T> {
    const q = await Qmp.open(join(this.spec.dir, 'qmp.sock'));
    try {
      return await fn(q);
    } finally {
      q.close();
    }
  }
}
