// The shape of a lab: its network, its machines and where its files live. Written by `corral lab
// up` to <dir>/lab.json and read by every lab process, so they all agree.
import { createHash } from 'node:crypto';

export type LabBmcKind = 'ipmi' | 'redfish';

export interface LabMachineSpec {
  name: string;
  mac: string;
  ip: string;
  firmware: 'bios' | 'uefi';
  /**
   * How the firmware boots from the network (UEFI only; absent = pxe): `pxe` is OVMF's PXE client
   * (DHCP, then snponly.efi over TFTP); `http` is OVMF's UEFI HTTP boot (UEFI 2.5+ §24.7: DHCP
   * with option 60 "HTTPClient", then the boot URL over HTTP), with its PXE boot options off.
   */
  netBoot?: 'pxe' | 'http';
  bmc: LabBmcKind;
  /** UDP (IPMI) or HTTPS (Redfish) port of its BMC on the lab namespace's 127.0.0.1. */
  bmcPort: number;
  memoryMiB: number;
  /** false: a machine the SoT does not list (discovery tests); it has no BMC entry in the SoT. */
  listed: boolean;
}

export interface LabSpec {
  /** Network namespace name; also names the state folder. */
  name: string;
  dir: string;
  cacheDir: string;
  bridge: string;
  /** The appliance's address on the lab bridge, /24. */
  serverIp: string;
  /** Where the host reaches the lab's API (forwarded into the namespace). */
  api: { host: string; port: number };
  dhcpMode: 'server' | 'proxy';
  /** proxy mode: a site DHCP server (dnsmasq) hands out addresses beside Corral. */
  siteDhcp: boolean;
  mode: 'auto' | 'on-demand';
  accel: 'kvm' | 'tcg';
  /** SoT folder merged with the lab site (optional). */
  sot?: string;
  machines: LabMachineSpec[];
  /** How to run Corral (the same runtime as the `corral lab` command). */
  corral: string[];
  /** Root (ip netns) or an unprivileged user namespace (unshare). */
  privilege: 'root' | 'userns';
  /** Who serves the lab: Corral, or the baseline stand-in (dnsmasq + a static HTTP server) for benches. */
  server: 'corral' | 'standin';
  /** Extra `corral serve` flags (after `--` on the lab up command line). */
  serveArgs: string[];
  bmcUser: string;
}

export const LAB_SITE = 'corral-lab';
export const LAB_WORKFLOW = 'corral-lab-install';
export const LAB_INTERNAL_API_PORT = 8080;

/** A MAC in QEMU's locally administered range, stable per lab machine index. */
export function labMac(index: number): string {
  return `52:54:00:c0:${(index >> 8).toString(16).padStart(2, '0')}:${(index & 0xff).toString(16).padStart(2, '0')}`;
}

/** A stable SMBIOS UUID per lab and machine name (version-4 layout, derived, not random). */
export function labUuid(lab: string, machine: string): string {
  const h = createHash('sha256').update(`${lab}/${machine}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface MachinePlan {
  hosts: number;
  uefi: number;
  /** How many of the UEFI machines (the last ones) boot through UEFI HTTP boot instead of PXE. */
  uefiHttp?: number;
  bmc?: LabBmcKind;
  unlisted?: number;
}

/**
 * Machines n1..nN: the first `hosts-uefi` BIOS, the rest UEFI, of which the last `uefiHttp` use
 * UEFI HTTP boot; BMCs alternate ipmi/redfish unless one kind is asked.
 */
export function planMachines(p: MachinePlan, serverIp: string): LabMachineSpec[] {
  const prefix = serverIp.split('.').slice(0, 3).join('.');
  const out: LabMachineSpec[] = [];
  const total = p.hosts + (p.unlisted ?? 0);
  for (let i = 1; i <= total; i++) {
    const listed = i <= p.hosts;
    const uefi = listed && i > p.hosts - p.uefi;
    out.push({
      name: listed ? `lab-n${i}` : `lab-x${i - p.hosts}`,
      mac: labMac(i),
      ip: `${prefix}.${100 + i}`,
      firmware: uefi ? 'uefi' : 'bios',
      ...(uefi && { netBoot: i > p.hosts - (p.uefiHttp ?? 0) ? 'http' as const : 'pxe' as const }),
      bmc: p.bmc ?? (i % 2 === 1 ? 'ipmi' : 'redfish'),
      bmcPort: (p.bmc ?? (i % 2 === 1 ? 'ipmi' : 'redfish')) === 'ipmi' ? 9700 + i : 8700 + i,
      memoryMiB: 256,
      listed,
    });
  }
  return out;
}
