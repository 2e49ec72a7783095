// Wires the DHCP service (server or proxy mode, per the SoT or --dhcp-mode) into the boot
// services: addresses and MACs it learns feed the client map (TFTP and kernel fetches carry no
// MAC), and unknown machines on discovery sites become `discovered` hosts. With a data folder
// (the appliance) DHCP runs in its own worker thread with its own lease store
// (`<data>/dhcp-leases`, dhcp-thread.ts): nothing on the main thread can delay a reply.
import { join } from 'node:path';
import type { DhcpHostEvent } from '../dhcp/backend.js';
import { createDhcpServer, type DhcpServer, type DhcpServerConfig, type DhcpStats } from '../dhcp/server.js';
import { discoveredHostId } from '../lib/mac.js';
import type { Mac } from '../model/index.js';
import type { ClientMap } from './client-map.js';
import { ipxeScriptUrl, liveDhcpBackend } from './dhcp-backend.js';
import { createDhcpThread } from './dhcp-thread.js';
import type { BootConfig, BootDeps } from './types.js';

export interface DhcpStart {
  address: string;
  stats: () => DhcpStats;
  stop: () => Promise<void>;
}

/** The lease store of the DHCP worker, inside the data folder. */
export const DHCP_LEASES_DIR = 'dhcp-leases';

export async function startDhcp(cfg: BootConfig, deps: BootDeps & { clients: ClientMap; address: string; bootUrl: string }): Promise<DhcpStart> {
  // Every DHCP event that names an address teaches the client map who is behind it.
  const report = (hostId: string, event: DhcpHostEvent, data: Record<string, unknown>) => {
    if (event.ip && event.ip !== '0.0.0.0') deps.clients.observe(event.ip, hostId);
    return deps.lifecycle.report(hostId, event, data);
  };
  const note = (subject: string, type: string, data: Record<string, unknown>) => deps.lifecycle.note(subject, type, data);
  const discovered = (mac: Mac, ip: string, siteId: string) => {
    deps.clients.observe(ip, discoveredHostId(mac));
    void deps.lifecycle.discover(mac, ip, siteId).catch(() => undefined);
  };
  const config: Omit<DhcpServerConfig, 'scriptUrl'> = {
    address: deps.address,
    ...(cfg.interface && { interface: cfg.interface }),
    ports: { server: cfg.dhcpPort, client: cfg.dhcpClientPort, proxy: cfg.proxyPort, ...(cfg.dhcpRelayPort !== undefined && { relay: cfg.dhcpRelayPort }) },
    ...(cfg.dhcpMode && { mode: cfg.dhcpMode }),
    httpBase: deps.bootUrl,
    // UEFI HTTP boot clients fetch the iPXE EFI binary from boot HTTP's /ipxe-bin/.
    bootFiles: { uefiHttp: 'ipxe-bin/snponly.efi' },
  };
  const log = deps.log.child({ service: 'dhcp' });
  const server: DhcpServer = deps.dataDir
    ? createDhcpThread({ sot: deps.sot, store: deps.store, report, note, discovered, log, leasesDir: join(deps.dataDir, DHCP_LEASES_DIR), config, bootUrl: deps.bootUrl })
    : createDhcpServer({
        backend: liveDhcpBackend({ sot: deps.sot, store: deps.store, lifecycle: { report, note }, onDiscovered: discovered }),
        clock: deps.clock,
        log,
        config: { ...config, scriptUrl: (mac) => ipxeScriptUrl(deps.bootUrl, mac) },
      });
  await server.start();
  // The port really bound (0 in the configuration asks for an ephemeral one: tests).
  return { address: `${deps.address}:${server.ports().server}`, stats: () => server.stats(), stop: () => server.stop() };
}
