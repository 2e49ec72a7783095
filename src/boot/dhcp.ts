// Wires the DHCP service (server or proxy mode, per the SoT or --dhcp-mode) into the boot
// services: addresses and MACs it learns feed the client map (TFTP and kernel fetches carry no
// MAC), and unknown machines on discovery sites become `discovered` hosts.
import type { Mac } from '../model/index.js';
import { createDhcpServer, type DhcpStats } from '../dhcp/server.js';
import type { Lifecycle } from '../lifecycle/runner.js';
import type { BootConfig, BootDeps } from './services.js';
import type { ClientMap } from './client-map.js';
import { discoveredHostId } from '../lib/mac.js';

export interface DhcpStart {
  address: string;
  stats: () => DhcpStats;
  stop: () => Promise<void>;
}

export async function startDhcp(cfg: BootConfig, deps: BootDeps & { clients: ClientMap; address: string; bootUrl: string }): Promise<DhcpStart> {
  // Every DHCP event that names an address teaches the client map who is behind it.
  const lifecycle: Pick<Lifecycle, 'report' | 'note'> = {
    report: (hostId, event, data) => {
      const ip = (event as { ip?: unknown }).ip ?? data?.ip;
      if (typeof ip === 'string' && ip !== '0.0.0.0') deps.clients.observe(ip, hostId);
      return deps.lifecycle.report(hostId, event, data);
    },
    note: (subject, type, data) => deps.lifecycle.note(subject, type, data),
  };
  const server = createDhcpServer({
    sot: deps.sot,
    store: deps.store,
    lifecycle,
    clock: deps.clock,
    log: deps.log.child({ service: 'dhcp' }),
    config: {
      address: deps.address,
      ...(cfg.interface && { interface: cfg.interface }),
      ports: { server: cfg.dhcpPort, client: cfg.dhcpClientPort, proxy: cfg.proxyPort, ...(cfg.dhcpRelayPort !== undefined && { relay: cfg.dhcpRelayPort }) },
      ...(cfg.dhcpMode && { mode: cfg.dhcpMode }),
      httpBase: deps.bootUrl,
      // Hyphens, not colons: iPXE percent-encodes ':' in a URL path.
      scriptUrl: (mac: Mac) => `${deps.bootUrl}/ipxe/${mac.replace(/:/g, '-')}`,
      // UEFI HTTP boot clients fetch the iPXE EFI binary from boot HTTP's /ipxe-bin/.
      bootFiles: { uefiHttp: 'ipxe-bin/snponly.efi' },
    },
    onDiscovered: (mac, ip, siteId) => {
      deps.clients.observe(ip, discoveredHostId(mac));
      void deps.lifecycle.discover(mac, ip, siteId).catch(() => undefined);
    },
  });
  await server.start();
  // The port really bound (0 in the configuration asks for an ephemeral one: tests).
  return { address: `${deps.address}:${server.ports().server}`, stats: () => server.stats(), stop: () => server.stop() };
}
