// Wires the DHCP service (server or proxy mode) into the boot services.
import type { BootConfig, BootDeps } from './services.js';
import type { ClientMap } from './client-map.js';

export interface DhcpStart {
  address: string;
  stats: () => unknown;
  stop: () => Promise<void>;
}

export async function startDhcp(
  _cfg: BootConfig,
  _deps: BootDeps & { clients: ClientMap; address: string; bootUrl: string },
): Promise<DhcpStart | { failed: string }> {
  return { failed: 'the DHCP service is being integrated' };
}
