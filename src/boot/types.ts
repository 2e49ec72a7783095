// The boot services' configuration, dependencies and status: in a module of their own so the
// services (services.ts, dhcp.ts, ra-control.ts) share them without importing each other.
import type { Clock } from '../lib/clock.js';
import type { Lifecycle } from '../lifecycle/runner.js';
import type { Orchestrator } from '../lifecycle/orchestrator.js';
import type { Logger } from '../lib/log.js';
import type { LiveSot } from '../sot/live.js';
import type { Store } from '../store/store.js';
import type { AssetServerMode } from './assets-server.js';
import type { RaSender } from './ipv6-ra.js';

/** Starts the IPv6 router-advertisement sender on an interface (ipv6-ra.ts; tests replace it). */
export type StartRa = (iface: string, log: Logger) => Promise<RaSender>;

export interface BootConfig {
  /** The provisioning NIC; its first IPv4 address is the service address unless `address` is set. */
  interface?: string;
  address?: string;
  httpPort: number;
  /** URL machines use for boot HTTP; default http://<address>:<httpPort>. */
  bootUrl?: string;
  tftpPort: number;
  dhcpPort: number;
  dhcpClientPort: number;
  proxyPort: number;
  /** Where replies to a relay (giaddr) go; default 67. Tests on loopback use an ephemeral port. */
  dhcpRelayPort?: number;
  /** iPXE binaries served over TFTP (and /ipxe-bin/ over HTTP); unset: the SoT agent's tftp_server.base_dir, else the package's. */
  tftpRoot?: string;
  /** Root of /files/ on boot HTTP; unset: the SoT agent's asset_server.base_dir. */
  assetsDir?: string;
  /** Who sends /files/: Corral (default), nginx in front, or nginx when installed (assets-server.ts). */
  assetServer?: AssetServerMode;
  /** TFTP worker threads (tftp-thread.ts); default $CORRAL_TFTP_WORKERS, else one per core up to 4. */
  tftpWorkers?: number;
  dhcp: boolean;
  tftp: boolean;
  http: boolean;
  dhcpMode?: 'server' | 'proxy';
}

export type ServiceState = { state: 'running'; address: string } | { state: 'off' | 'failed'; reason: string };

export type BootService = 'dhcp' | 'tftp' | 'http' | 'ipv6_ra';

export interface BootServices {
  /** Each service's state; ipv6_ra follows the SoT on every load. */
  status(): Record<BootService, ServiceState & { stats?: unknown }>;
  /** The base URL machines fetch scripts and files from (undefined when the services are off). */
  bootUrl: string | undefined;
  stop(): Promise<void>;
}

export interface BootDeps {
  sot: LiveSot;
  store: Store;
  lifecycle: Lifecycle;
  /** Decides whether a machine that network-boots starts provisioning (handed to boot HTTP). */
  orchestrator?: Orchestrator;
  clock: Clock;
  log: Logger;
  /** Data folder: holds callback.key, the key of the boot callback secrets. */
  dataDir?: string;
  /** The callback key itself (tests); else read from (or made in) dataDir. */
  callbackKey?: Buffer;
  /** The SoT folder: a relative base_dir is relative to it. */
  sotDir?: string;
  /** Starts the IPv6 RA sender (tests replace it: the real one needs CAP_NET_RAW). */
  startRa?: StartRa;
}
