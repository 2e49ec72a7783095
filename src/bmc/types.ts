// The contract every BMC driver implements (one file per SoT `bmc.type`), and the resolved
// target a driver is handed. Drivers are stateless about hosts: everything they need to reach a
// BMC is in BmcTarget, so the registry can serialise, limit, time out and retry them uniformly.

import type { Firmware } from '../model/index.js';

/** on = power up; off = hard off; soft = ACPI shutdown request; cycle = off then on (or just on when off); reset = hard reset. */
export type PowerAction = 'on' | 'off' | 'soft' | 'cycle' | 'reset';

export type PowerStatus = 'on' | 'off';

/** Where a BMC is and how to log in. Built from the SoT by bmcTargetFor() (target.ts). */
export interface BmcTarget {
  hostId: string;
  address: string;
  /** Unset = the driver's default (623 for IPMI, 443 for Redfish). */
  port?: number;
  username?: string;
  /** The resolved secret. Never logged, never put in argv, never returned by an API (see publicTarget). */
  password?: string;
  /** IPMI RMCP+ cipher suite (ipmitool -C); unset = ipmitool's default (17). */
  cipherSuite?: number;
  /** Redfish: accept a self-signed certificate for this BMC only. */
  insecure?: boolean;
  /** Redfish: the ComputerSystem id; unset = the first member of /Systems. */
  systemId?: string;
  /** Redfish: override target for the one-time network boot (default Pxe). */
  bootTarget?: 'Pxe' | 'UefiHttp';
  /** Decides `options=efiboot` (IPMI) and BootSourceOverrideMode (Redfish). */
  firmware: Firmware;
}

export interface PowerController {
  powerStatus(t: BmcTarget): Promise<PowerStatus>;
  power(t: BmcTarget, action: PowerAction): Promise<void>;
  /** Next boot (once) from the network. BMCs clear the flag about 60 s later: power on/cycle promptly. */
  bootPxeOnce(t: BmcTarget): Promise<void>;
  /** A few cheap inventory facts (manufacturer, firmware, ...); best effort. */
  facts?(t: BmcTarget): Promise<Record<string, string>>;
  /** Releases sessions/sockets (Redfish logout). */
  close?(): Promise<void>;
}

/** What the registry can run against a BMC. */
export type BmcOp =
  | { kind: 'status' }
  | { kind: 'power'; action: PowerAction }
  | { kind: 'bootPxe' }
  | { kind: 'facts' };

export type BmcOpResult<O extends BmcOp> = O extends { kind: 'status' }
  ? PowerStatus
  : O extends { kind: 'facts' }
    ? Record<string, string>
    : void;

/** The target without its secret: safe for logs, API views and error details. */
export function publicTarget(t: BmcTarget): Omit<BmcTarget, 'password'> & { hasPassword: boolean } {
  const { password, ...rest } = t;
  return { ...rest, hasPassword: password !== undefined && password !== '' };
}

/** Removes a secret from text that might echo it (defence in depth for error messages). */
export function scrub(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('***');
}
