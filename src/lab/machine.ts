// What a lab BMC (ipmi_sim's chassis program, the Redfish BMC) drives: one virtual machine's
// power and its boot-device override. The QEMU runner implements it; tests use a fake.

export type LabPowerState = 'On' | 'Off';
/** Where the machine boots from: the network (PXE/iPXE) or its own disk. */
export type LabBootDevice = 'pxe' | 'disk';

export interface LabBootOverride {
  device: LabBootDevice;
  /** true: applies to the next power-on/reset only (Redfish "Once", IPMI bootdev without persistent). */
  once: boolean;
}

export interface LabMachine {
  readonly name: string;
  /** Stable per machine (SMBIOS UUID of the VM); Redfish's ComputerSystem UUID. */
  readonly uuid: string;
  readonly mac: string;
  readonly firmware: 'bios' | 'uefi';
  readonly memoryMiB: number;
  powerState(): LabPowerState;
  /** Starts the VM (no-op when on). Consumes a one-time boot override. */
  powerOn(): Promise<void>;
  /** Hard off (pulls the plug); no-op when off. */
  powerOff(): Promise<void>;
  /** ACPI power button: the guest decides; resolves once the request is delivered. */
  shutdown(): Promise<void>;
  /** Hard reset: off then on (on when off). Consumes a one-time boot override. */
  reset(): Promise<void>;
  bootOverride(): LabBootOverride | undefined;
  setBootOverride(o: LabBootOverride | undefined): void;
}
