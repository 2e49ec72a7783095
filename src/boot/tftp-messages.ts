// The messages between the main thread and the TFTP worker threads (tftp-thread.ts,
// tftp-worker.ts), and between the worker that listens on the TFTP port and the others.
import type { MessagePort } from 'node:worker_threads';
import type { LogLevel } from '../lib/log.js';
import type { FailedMessage, LogMessage } from './service-worker.js';
import type { TftpServerOptions, TftpStats } from '../tftp/server.js';

/** What a worker is started with (workerData; the MessagePorts go in its transferList). */
export interface TftpWorkerInit {
  /** 0: listens on options.port and hands requests to the others; 1..: an ephemeral port. */
  index: number;
  workers: number;
  /** The TFTP pump binary (src/tftp/pump.ts), null: transfers in JavaScript. */
  pump: string | null;
  options: Partial<TftpServerOptions>;
  /** The folder served; re-sent ({ kind: 'root' }) when it changes. */
  root: string;
  bootUrl: string;
  cache?: { fileMaxBytes?: number; totalMaxBytes?: number };
  statsMs: number;
  /** The main logger's level: lower lines are not posted. */
  logLevel?: LogLevel;
  /** Worker 0: the channel to each other worker (index 0 and workers not running: null). */
  peers?: (MessagePort | null)[];
  /** Workers 1..: the channel to worker 0. */
  listener?: MessagePort;
}

export type ToTftpWorker =
  | { kind: 'root'; root: string }
  /** To worker 0: worker `index` was (re)started with this channel, or is down (null). */
  | { kind: 'peer'; index: number; port: MessagePort | null }
  /** To workers 1..: worker 0 was restarted; its channel. */
  | { kind: 'listener'; port: MessagePort }
  | { kind: 'stop' };

/** Between worker 0 and another worker, over their channel. */
export type TftpPeerMessage =
  /** A read request for the other worker to serve (server.accept). */
  | { kind: 'rrq'; msg: Uint8Array; address: string; port: number }
  /** The other worker ended a request from that client; open: it serves a newer one from it. */
  | { kind: 'ended'; key: string; open: boolean };

export type FromTftpWorker =
  | { kind: 'started'; port: number }
  | FailedMessage
  /** A file was read to its end for the client at ip (the main thread maps ip -> host). */
  /** Files read to their end, for the client at `ip` (those of one event-loop turn together). */
  | { kind: 'sent'; files: { ip: string; file: string }[] }
  | { kind: 'stats'; stats: TftpStats }
  | LogMessage
  | { kind: 'stopped' };
