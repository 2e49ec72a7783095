// One pool VM: the lab's QemuMachine (power = the QEMU process, boot override, QMP readiness,
// console capture) with the pool's command line, a qcow2 overlay on the pool's base image, and
// the hypervisor features vmpooler offers: hot-added disks and internal snapshots, over QMP.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { QemuMachine, ovmfFiles } from '../../lab/qemu.js';
import { Qmp } from '../../lab/qmp.js';
import { hotplugBus, MAX_ADDED_DISKS, vmArgs, type VmSpec } from './cmdline.js';
import { ensureTap } from './tap.js';

const run = promisify(execFile);

export interface VmTools {
  qemuBinary?: string;
  qemuImg?: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Bounds on QMP work: savevm writes the guest's RAM into the overlay, so it may take a while. */
const SNAPSHOT_TIMEOUT_MS = 120_000;
const ADDED = /^added-(\d+)\.qcow2$/;

/** Makes the VM's files: Corral's blank base (once per pool), the VM's overlay, its UEFI variables. */
export async function prepareVm(s: VmSpec, tools: VmTools = {}, ownBase = true): Promise<void> {
  const img = (...a: string[]) => run(tools.qemuImg ?? 'qemu-img', a, { timeout: 60_000 });
  mkdirSync(s.dir, { recursive: true });
  mkdirSync(dirname(s.consoleLog), { recursive: true });
  if (!existsSync(s.base)) {
    if (!ownBase) throw new Error(`base image ${s.base} does not exist`);
    mkdirSync(dirname(s.base), { recursive: true });
    await img('create', '-q', '-f', 'qcow2', s.base, String(s.diskBytes));
  }
  // The overlay keeps what the VM writes (its installed OS) across power cycles; the base stays as it is.
  if (!existsSync(join(s.dir, 'disk.img'))) await img('create', '-q', '-f', 'qcow2', '-b', s.base, '-F', 'qcow2', join(s.dir, 'disk.img'), String(s.diskBytes));
  if (s.firmware === 'uefi' && !existsSync(join(s.dir, 'vars.qcow2'))) {
    const ovmf = ovmfFiles();
    if (!ovmf) throw new Error('OVMF not found (apt-get install ovmf)');
    await img('convert', '-q', '-f', 'raw', '-O', 'qcow2', ovmf.vars, join(s.dir, 'vars.qcow2'));
  }
}

export class PoolVm extends QemuMachine {
  constructor(
    readonly vm: VmSpec,
    private readonly tools: VmTools = {},
  ) {
    // disk.img exists already (prepareVm), so QemuMachine makes no raw disk of its own.
    super({ name: vm.name, mac: vm.mac, uuid: vm.uuid, firmware: vm.firmware, memoryMiB: vm.memoryMiB, tap: vm.nic.kind === 'tap' ? vm.nic.tap : '', dir: vm.dir, consoleLog: vm.consoleLog, accel: vm.accel, ...(tools.qemuBinary && { qemuBinary: tools.qemuBinary }), ...(tools.log && { log: tools.log }) });
  }

  override args(bootFrom: 'pxe' | 'disk'): string[] {
    return vmArgs(this.vm, bootFrom, ovmfFiles()?.code);
  }

  override powerOn(): Promise<void> {
    if (this.powerState() === 'Off') this.beforeStart();
    return super.powerOn();
  }

  override reset(): Promise<void> {
    // The next QEMU process starts with the SoT's devices only: disks added to this one go with it.
    this.beforeStart();
    return super.reset();
  }

  /** Hot-adds a blank qcow2 disk of `sizeGb` as virtio-blk device "added<n>"; returns n. */
  async addDisk(sizeGb: number): Promise<number> {
    this.mustRun();
    const used = new Set(this.addedFiles().map((f) => Number(ADDED.exec(f)![1])));
    const n = [...Array(MAX_ADDED_DISKS).keys()].map((i) => i + 1).find((i) => !used.has(i));
    if (n === undefined) throw new Error(`${this.vm.name} has ${MAX_ADDED_DISKS} added disks already`);
    const file = join(this.vm.dir, `added-${n}.qcow2`);
    await run(this.tools.qemuImg ?? 'qemu-img', ['create', '-q', '-f', 'qcow2', file, `${sizeGb}G`], { timeout: 60_000 });
    try {
      await this.monitor(async (q) => {
        await q.command('blockdev-add', { driver: 'qcow2', 'node-name': `added${n}`, file: { driver: 'file', filename: file } });
        const bus = hotplugBus(this.vm, n);
        try {
          await q.command('device_add', { driver: 'virtio-blk-pci', drive: `added${n}`, id: `added${n}`, ...(bus && { bus }) });
        } catch (e) {
          await q.command('blockdev-del', { 'node-name': `added${n}` }).catch(() => undefined);
          throw e;
        }
      });
    } catch (e) {
      rmSync(file, { force: true });
      throw e;
    }
    return n;
  }

  /** An internal snapshot (disks and RAM) of every drive, named `id`. */
  snapshot(id: string): Promise<void> {
    return this.hmp(`savevm ${id}`);
  }

  /** Back to snapshot `id`: the VM runs on from there. */
  revert(id: string): Promise<void> {
    return this.hmp(`loadvm ${id}`);
  }

  /** Runs `fn` on a fresh QMP connection (QEMU serves one client per socket at a time). */
  async monitor<T>(fn: (q: Qmp) => Promise<T>): Promise<T> {
    const q = await Qmp.open(join(this.vm.dir, 'qmp.sock'));
    try {
      return await fn(q);
    } finally {
      q.close();
    }
  }

  /** Removes the VM's files (power it off first). */
  destroy(): void {
    rmSync(this.vm.dir, { recursive: true, force: true });
  }

  private async hmp(line: string): Promise<void> {
    this.mustRun();
    if (!/^(savevm|loadvm) [a-z0-9]{1,64}$/.test(line)) throw new Error(`refused monitor command ${JSON.stringify(line)}`);
    const out = String(await this.monitor((q) => q.command('human-monitor-command', { 'command-line': line }, SNAPSHOT_TIMEOUT_MS)));
    // HMP reports failure as text, not as a QMP error.
    if (/error/i.test(out)) throw new Error(`${line}: ${out.trim()}`);
  }

  private mustRun(): void {
    if (this.powerState() !== 'On') throw new Error(`${this.vm.name} is powered off`);
  }

  private addedFiles(): string[] {
    return existsSync(this.vm.dir) ? readdirSync(this.vm.dir).filter((f) => ADDED.test(f)) : [];
  }

  private beforeStart(): void {
    for (const f of this.addedFiles()) rmSync(join(this.vm.dir, f), { force: true });
    const nic = this.vm.nic;
    // A persistent tap on the provisioning bridge, checked at every start (tap.ts says why).
    if (nic.kind === 'tap') ensureTap(nic.tap, nic.bridge);
  }
}
