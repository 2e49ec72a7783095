// An in-memory LabMachine for BMC tests: power and boot override as plain state, every call
// recorded, and each boot remembered with the override it used (what a real VM would boot from).
import type { LabBootOverride, LabMachine, LabPowerState } from '../../src/lab/machine.js';

export interface FakeMachineOptions {
  name?: string;
  uuid?: string;
  mac?: string;
  firmware?: 'bios' | 'uefi';
  memoryMiB?: number;
  cpus?: number;
}

export class FakeMachine implements LabMachine {
  readonly name: string;
  readonly uuid: string;
  readonly mac: string;
  readonly firmware: 'bios' | 'uefi';
  readonly memoryMiB: number;
  readonly cpus: number | undefined;
  power: LabPowerState = 'Off';
  override: LabBootOverride | undefined;
  /** Method names in call order. */
  readonly calls: string[] = [];
  /** One entry per boot (power-on or reset): where it booted from. */
  readonly boots: Array<'pxe' | 'disk' | 'default'> = [];
  /** The next power operation throws this (once). */
  failNext: Error | undefined;

  constructor(o: FakeMachineOptions = {}) {
    this.name = o.name ?? 'node1';
    this.uuid = o.uuid ?? '6f1c3e2a-9b4d-4c1e-8a7f-0d2b5c9e4f11';
    this.mac = o.mac ?? '52:54:00:12:34:56';
    this.firmware = o.firmware ?? 'uefi';
    this.memoryMiB = o.memoryMiB ?? 2048;
    this.cpus = o.cpus;
  }

  powerState(): LabPowerState {
    return this.power;
  }

  async powerOn(): Promise<void> {
    this.record('powerOn');
    if (this.power === 'On') return;
    this.boot();
  }

  async powerOff(): Promise<void> {
    this.record('powerOff');
    this.power = 'Off';
  }

  /** The fake guest honours the ACPI button at once. */
  async shutdown(): Promise<void> {
    this.record('shutdown');
    this.power = 'Off';
  }

  async reset(): Promise<void> {
    this.record('reset');
    this.boot();
  }

  bootOverride(): LabBootOverride | undefined {
    return this.override ? { ...this.override } : undefined;
  }

  setBootOverride(o: LabBootOverride | undefined): void {
    this.calls.push(`setBootOverride(${o ? `${o.device},${o.once ? 'once' : 'persistent'}` : 'none'})`);
    this.override = o ? { ...o } : undefined;
  }

  private record(call: string): void {
    this.calls.push(call);
    const err = this.failNext;
    if (err) {
      this.failNext = undefined;
      throw err;
    }
  }

  private boot(): void {
    this.power = 'On';
    this.boots.push(this.override?.device ?? 'default');
    if (this.override?.once) this.override = undefined;
  }
}
