// The messages between the main thread and the DHCP worker thread (dhcp-thread.ts, dhcp-worker.ts).
import type { DhcpHostEvent, DhcpSot } from '../dhcp/backend.js';
import type { DhcpServerConfig, DhcpStats } from '../dhcp/server.js';
import type { LogLevel } from '../lib/log.js';
import type { Lease, Mac } from '../model/index.js';
import type { FailedMessage, LogMessage } from './service-worker.js';

/** What the worker is started with (workerData). */
export interface DhcpWorkerInit {
  /** The server's configuration; the script URL is derived from `bootUrl` (functions cannot cross). */
  config: Omit<DhcpServerConfig, 'scriptUrl'>;
  bootUrl: string;
  /** The worker's own lease store (a Store of its own: its writes never wait for the main thread). */
  leasesDir: string;
  /** Leases of an older data folder, kept in the main store: taken over once at start. */
  importLeases: Lease[];
  sot: DhcpSot | undefined;
  /** How often changed statistics are sent to the main thread. */
  statsMs: number;
  /** The main logger's level: lower lines are not posted. */
  logLevel?: LogLevel;
}

export type ToDhcpWorker = { kind: 'sot'; sot: DhcpSot | undefined } | { kind: 'stop' };

export type FromDhcpWorker =
  | { kind: 'started'; ports: { server: number; proxy?: number; client?: number }; imported: string[] }
  | FailedMessage
  | { kind: 'report'; hostId: string; event: DhcpHostEvent; data: Record<string, unknown> }
  | { kind: 'note'; subject: string; type: string; data: Record<string, unknown> }
  | { kind: 'discovered'; mac: Mac; ip: string; siteId: string }
  | { kind: 'stats'; stats: DhcpStats }
  | LogMessage
  | { kind: 'stopped' };
