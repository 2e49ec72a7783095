// The qemu provider: the process-wide owner of the pool VMs' QEMU processes. It follows the
// served SoT (each load says which VMs exist and how they are built), makes a VM's files on its
// first power-on, and is what the "qemu" BMC driver (src/bmc/qemu.ts) and the vmpooler disk and
// snapshot routes reach. One per process, as the QEMU processes are: the BMC registry and the
// API are built apart from each other, so both find it through activeQemuProvider().
import { accessSync, constants } from 'node:fs';
import type { Pool, Sot } from '../../model/index.js';
import type { LiveSot } from '../../sot/live.js';
import { vmSpecOf, type VmNic, type VmPaths, type VmSpec } from './cmdline.js';
import { PoolVm, prepareVm, type VmTools } from './vm.js';

export interface QemuProviderOptions extends VmPaths, VmTools {
  /** Default: CORRAL_QEMU_ACCEL (kvm or tcg) when set, else kvm when /dev/kvm is usable, else tcg. */
  accel?: 'kvm' | 'tcg';
  /** Overrides every VM's NIC (tests without a bridge: none or user). */
  nic?: VmNic;
}

interface VmDef {
  spec: VmSpec;
  pool: Pool;
  /** The base image is Corral's blank one (made when missing), not the pool's `image`. */
  ownBase: boolean;
}

export function kvmUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The accelerator pool VMs run with. CORRAL_QEMU_ACCEL lets whoever starts Corral pin it: the
 * lab sets it to its own --accel, so a test lab's pool VMs run as its machines do (TCG: nested
 * KVM on CI machines makes guests crawl, and a /dev/kvm that is present is not always fast).
 */
export function chooseAccel(env: NodeJS.ProcessEnv = process.env, kvm: () => boolean = kvmUsable): 'kvm' | 'tcg' {
  const v = env.CORRAL_QEMU_ACCEL;
  if (v === 'kvm' || v === 'tcg') return v;
  if (v !== undefined && v !== '' && v !== 'auto') throw new Error(`CORRAL_QEMU_ACCEL must be kvm, tcg or auto, not "${v}"`);
  return kvm() ? 'kvm' : 'tcg';
}

export class QemuProvider {
  private defs = new Map<string, VmDef>();
  private vms = new Map<string, PoolVm>();
  private making = new Map<string, Promise<PoolVm>>();
  private readonly accel: 'kvm' | 'tcg';

  constructor(private readonly opts: QemuProviderOptions) {
    this.accel = opts.accel ?? chooseAccel();
  }

  /** Takes the VMs a SoT declares; a VM the SoT no longer has is powered off and forgotten (its files stay). */
  sync(sot: Sot): void {
    const defs = new Map<string, VmDef>();
    for (const pool of sot.pools) {
      if (pool.provider !== 'qemu' || !pool.qemu) continue;
      for (const host of sot.hosts) {
        if (host.metadata.qemu_pool !== pool.name || host.labels.provider !== 'qemu') continue;
        defs.set(host.id, { spec: vmSpecOf(pool, host, this.opts, this.accel, this.opts.nic), pool, ownBase: pool.qemu.image === undefined });
      }
    }
    for (const [id, vm] of this.vms) {
      const def = defs.get(id);
      if (def && JSON.stringify(def.spec) === JSON.stringify(vm.vm)) continue;
      // Gone or changed: a changed VM is rebuilt at its next power-on, as a server's new config applies at boot.
      if (!def) void vm.powerOff().catch(() => undefined);
      if (!def || vm.powerState() === 'Off') this.vms.delete(id);
    }
    this.defs = defs;
  }

  /** Whether `hostId` is a VM of a qemu pool in the SoT last synced. */
  has(hostId: string): boolean {
    return this.defs.has(hostId);
  }

  /** The VM made so far (running or not), without making one. */
  existing(hostId: string): PoolVm | undefined {
    return this.vms.get(hostId);
  }

  /** The VM, its files made on first use; undefined when the SoT has no such VM. */
  async vm(hostId: string): Promise<PoolVm | undefined> {
    const have = this.vms.get(hostId);
    const def = this.defs.get(hostId);
    if (have && (!def || have.powerState() === 'On' || JSON.stringify(def.spec) === JSON.stringify(have.vm))) return have;
    if (!def) return undefined;
    let p = this.making.get(hostId);
    if (!p) {
      p = (async () => {
        await prepareVm(def.spec, this.opts, def.ownBase);
        const vm = new PoolVm(def.spec, this.opts);
        this.vms.set(hostId, vm);
        return vm;
      })().finally(() => this.making.delete(hostId));
      this.making.set(hostId, p);
    }
    return p;
  }

  /** Powers every VM off (the appliance is stopping: no QEMU outlives its owner). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.vms.values()].map((vm) => vm.powerOff()));
  }
}

let active: QemuProvider | undefined;

/** The running provider, if the appliance started one. */
export const activeQemuProvider = (): QemuProvider | undefined => active;

/** Starts the provider on the served SoT and makes it the one the BMC driver and the API use. */
export function startQemuProvider(sot: Pick<LiveSot, 'current' | 'on' | 'off'>, opts: QemuProviderOptions): { provider: QemuProvider; stop(): Promise<void> } {
  const provider = new QemuProvider(opts);
  const onLoaded = () => {
    const s = sot.current();
    if (s) provider.sync(s);
  };
  onLoaded();
  sot.on('loaded', onLoaded);
  active = provider;
  return {
    provider,
    async stop() {
      sot.off('loaded', onLoaded);
      if (active === provider) active = undefined;
      await provider.close();
    },
  };
}
