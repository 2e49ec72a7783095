// From a SoT host to what a driver needs: the host's `type: bmc` interface (Vaquero), its
// address (the bmc block's `address`, else the interface's ipv4) and the resolved password.

import { ApplianceError, type BmcType, type Host } from '../model/index.js';
import { resolveSecret, type SecretContext } from './secrets.js';
import type { BmcTarget } from './types.js';

export interface ResolvedBmc {
  type: BmcType;
  target: BmcTarget;
  /** Vaquero's soft_reboot / soft_timeout, for callers that prefer an ACPI shutdown first. */
  softReboot: boolean;
  softTimeoutSec?: number;
}

/** The host's BMC, or BMC_UNSUPPORTED when it has none. Secrets are read on every call (rotation). */
export async function bmcTargetFor(host: Host, ctx: Omit<SecretContext, 'purpose'>): Promise<ResolvedBmc> {
  const iface = host.interfaces.find((i) => i.type === 'bmc' && i.bmc) ?? host.interfaces.find((i) => i.bmc);
  const bmc = iface?.bmc;
  if (!iface || !bmc) throw new ApplianceError('BMC_UNSUPPORTED', `host "${host.id}" has no BMC interface`, { host: host.id, retryable: false });
  const address = bmc.address ?? iface.ipv4;
  if (!address) throw new ApplianceError('BMC_UNSUPPORTED', `host "${host.id}": BMC has no address (set bmc.address or the interface's ipv4)`, { host: host.id, retryable: false });
  const target: BmcTarget = { hostId: host.id, address, firmware: host.hardware.firmware };
  if (bmc.port !== undefined) target.port = bmc.port;
  if (bmc.username !== undefined) target.username = bmc.username;
  if (bmc.password) target.password = await resolveSecret(bmc.password, { ...ctx, purpose: `BMC password of host "${host.id}"` });
  if (bmc.cipherSuite !== undefined) target.cipherSuite = bmc.cipherSuite;
  if (bmc.insecure !== undefined) target.insecure = bmc.insecure;
  if (bmc.systemId !== undefined) target.systemId = bmc.systemId;
  const out: ResolvedBmc = { type: bmc.type, target, softReboot: bmc.softReboot };
  if (bmc.softTimeout !== undefined) out.softTimeoutSec = bmc.softTimeout;
  return out;
}
