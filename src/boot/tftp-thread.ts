// The main thread's side of the TFTP workers (tftp-worker.ts): starts them, wires worker 0 (which
// listens on the TFTP port) to each of the others with a MessageChannel, sends them the folder to
// serve (again whenever a SoT load moves it), turns their "file sent to ip" into a lifecycle event
// through the caller (the client map lives on this thread), forwards their log lines and sums
// their statistics. A worker that dies is restarted (backoff 1 s doubling to 30 s); the others go
// on serving their transfers meanwhile.
// How many workers (tftpWorkerCount): one when the pump sends the files (it runs the transfers on
// its own threads); without it one per core (os.availableParallelism()), at most
// MAX_AUTO_WORKERS: lock-step transfers (RFC 1350) of many clients are bound by CPU per packet,
// so spreading them over the cores is what lets them add up. `workers` or CORRAL_TFTP_WORKERS
// override either.
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import type { Logger } from '../lib/log.js';
import { startWorker } from '../lib/start-worker.js';
import { findTftpPump } from '../tftp/pump.js';
import type { TftpServerOptions, TftpStats } from '../tftp/server.js';
import { errorOf, stopWorker, warnOncePerMinute } from './service-worker.js';
import type { FromTftpWorker, TftpWorkerInit, ToTftpWorker } from './tftp-messages.js';

export interface TftpThreadDeps {
  log: Logger;
  /** host and port to listen on (port 0: an ephemeral one), limits (server.ts). */
  options: Partial<TftpServerOptions>;
  /** The folder to serve: read at start and at each SoT load (it may follow the SoT). */
  root: () => string;
  /** The live SoT's `loaded` event: the root is read again then. */
  sot?: { on(event: 'loaded', fn: () => void): unknown; off(event: 'loaded', fn: () => void): unknown };
  bootUrl: string;
  /** A file was read to its end for the client at ip (called on this thread). */
  sent(ip: string, file: string): void;
  /** Number of worker threads; default CORRAL_TFTP_WORKERS, else tftpWorkerCount's choice. */
  workers?: number;
  cache?: TftpWorkerInit['cache'];
  /** How often a worker sends changed statistics (default 200 ms). */
  statsMs?: number;
  /** Starts a worker thread (lib/start-worker.ts); tests wrap it to reach the threads. */
  startWorker?: typeof startWorker;
}

export interface TftpThreads {
  /** Starts the workers; resolves with the bound TFTP port, rejects with worker 0's bind error. */
  start(): Promise<number>;
  stop(): Promise<void>;
  /** The workers' statistics summed (those of restarted workers included). */
  stats(): TftpStats;
  port(): number;
  workers(): number;
  /** The TFTP pump the workers send files on disk with (src/tftp/pump.ts), or null: JavaScript. */
  pump(): string | null;
  /** Serve another folder from the next request on. */
  setRoot(dir: string): void;
}

export const MAX_AUTO_WORKERS = 4;
const MAX_WORKERS = 32;

/**
 * The number of TFTP workers: `requested`, else $CORRAL_TFTP_WORKERS, else one when the pump
 * (src/tftp/pump.ts) sends the files, else one per core (1..4). With the pump a worker only
 * handles requests (one datagram per file); a second one would only add a hand-off to each
 * request (measured: 100 clients of a 70 KiB file, 128 ms with two workers, 111 ms with one,
 * same throughput for big files, docs/benchmarks.md).
 */
export function tftpWorkerCount(requested?: number, pump = findTftpPump() !== null): number {
  const env = process.env.CORRAL_TFTP_WORKERS;
  const asked = requested ?? (env !== undefined && env.trim() !== '' ? Number(env) : undefined);
  if (asked !== undefined && Number.isFinite(asked)) return Math.max(1, Math.min(MAX_WORKERS, Math.floor(asked)));
  if (pump) return 1;
  return Math.max(1, Math.min(MAX_AUTO_WORKERS, availableParallelism()));
}

export const emptyTftpStats = (): TftpStats => ({ transfers: 0, active: 0, completed: 0, failed: 0, aborted: 0, bytesSent: 0, dropped: 0, refused: 0 });

interface Slot {
  worker: Worker | undefined;
  stats: TftpStats;
  backoffMs: number;
  restartTimer: ReturnType<typeof setTimeout> | undefined;
  /** Worker i > 0 being started: the end of its channel worker 0 gets once it runs. */
  pendingPeer: MessagePort | undefined;
}

export function createTftpThread(d: TftpThreadDeps): TftpThreads {
  const pumpBin = findTftpPump(); // one choice for all workers (CORRAL_TFTP_PUMP, build/native)
  const n = tftpWorkerCount(d.workers, pumpBin !== null);
  const slots: Slot[] = Array.from({ length: n }, () => ({ worker: undefined, stats: emptyTftpStats(), backoffMs: 1_000, restartTimer: undefined, pendingPeer: undefined }));
  const retired = emptyTftpStats(); // totals of workers that exited
  let root = d.root();
  let port = 0;
  let stopping = false;
  const warn = warnOncePerMinute(d.log, 'TFTP');
  const send = (i: number, m: ToTftpWorker, transfer: MessagePort[] = []) => slots[i]?.worker?.postMessage(m, transfer);
  const setRoot = (dir: string) => {
    if (dir === root) return;
    root = dir;
    for (let i = 0; i < n; i++) send(i, { kind: 'root', root });
  };
  const onLoaded = () => setRoot(d.root());

  function handle(slot: Slot, m: FromTftpWorker): void {
    switch (m.kind) {
      case 'sent':
        for (const f of m.files) d.sent(f.ip, f.file);
        return;
      case 'stats':
        slot.stats = m.stats;
        return;
      case 'log':
        d.log[m.level](m.msg, m.fields);
        return;
      default:
    }
  }

  /** Starts worker i; resolves once its socket is bound, rejects with the bind error. */
  function launch(i: number): Promise<void> {
    const slot = slots[i]!;
    const init: TftpWorkerInit = { index: i, workers: n, pump: pumpBin, options: d.options, root, bootUrl: d.bootUrl, statsMs: d.statsMs ?? 200, ...(d.cache && { cache: d.cache }), ...(d.log.level && { logLevel: d.log.level }) };
    const transferList: MessagePort[] = [];
    if (i === 0 && n > 1) {
      // A fresh channel to every running worker; they drop the one to the worker 0 that died.
      init.peers = slots.map((s, j) => {
        if (j === 0 || !s.worker) return null;
        const ch = new MessageChannel();
        send(j, { kind: 'listener', port: ch.port2 }, [ch.port2]);
        transferList.push(ch.port1);
        return ch.port1;
      });
    } else if (i > 0) {
      const ch = new MessageChannel();
      init.listener = ch.port2;
      transferList.push(ch.port2);
      slot.pendingPeer?.close();
      slot.pendingPeer = ch.port1;
    }
    return new Promise((resolve, reject) => {
      const w = (d.startWorker ?? startWorker)(import.meta.url, 'tftp-worker', { workerData: init, transferList });
      let started = false;
      w.on('message', (m: FromTftpWorker) => {
        if (m.kind === 'started') {
          started = true;
          slot.worker = w;
          slot.backoffMs = 1_000;
          if (i === 0) port = m.port;
          const peer = slot.pendingPeer;
          slot.pendingPeer = undefined;
          if (peer && slots[0]!.worker) send(0, { kind: 'peer', index: i, port: peer }, [peer]);
          else peer?.close(); // worker 0 makes a channel to this one when it starts
          if (root !== init.root) send(i, { kind: 'root', root }); // moved while it started
          resolve();
        } else if (m.kind === 'failed') {
          reject(errorOf(m));
        } else handle(slot, m);
      });
      w.on('error', (e) => {
        if (!started) reject(e);
        else d.log.error('TFTP worker failed', { worker: i, error: e.message });
      });
      w.on('exit', (code) => {
        if (!started) return reject(new Error(`TFTP worker exited (${code}) before it started`));
        if (slot.worker !== w) return;
        slot.worker = undefined;
        const { active: _active, ...ended } = slot.stats;
        for (const k of Object.keys(ended) as (keyof typeof ended)[]) retired[k] += ended[k];
        slot.stats = emptyTftpStats();
        if (stopping) return;
        if (i > 0) send(0, { kind: 'peer', index: i, port: null });
        d.log.error('TFTP worker exited; restarting it', { worker: i, code, inMs: slot.backoffMs });
        slot.restartTimer = setTimeout(() => {
          slot.restartTimer = undefined;
          if (!stopping) launch(i).catch((e: unknown) => warn('worker restart failed', e));
        }, slot.backoffMs);
        slot.backoffMs = Math.min(slot.backoffMs * 2, 30_000);
      });
    });
  }

  function stopOne(slot: Slot): Promise<void> {
    if (slot.restartTimer) clearTimeout(slot.restartTimer);
    slot.restartTimer = undefined;
    slot.pendingPeer?.close();
    slot.pendingPeer = undefined;
    return slot.worker ? stopWorker(slot.worker) : Promise.resolve();
  }

  const stopAll = () => Promise.all(slots.map(stopOne)).then(() => undefined);

  return {
    async start() {
      stopping = false;
      root = d.root();
      try {
        await launch(0);
        await Promise.all(slots.slice(1).map((_, k) => launch(k + 1)));
      } catch (e) {
        stopping = true;
        await stopAll();
        throw e;
      }
      d.sot?.on('loaded', onLoaded);
      return port;
    },
    async stop() {
      stopping = true;
      d.sot?.off('loaded', onLoaded);
      await stopAll();
    },
    stats() {
      const sum = { ...retired, active: 0 };
      for (const s of slots) for (const k of Object.keys(sum) as (keyof TftpStats)[]) sum[k] += s.stats[k];
      return sum;
    },
    port: () => port,
    workers: () => n,
    pump: () => pumpBin,
    setRoot,
  };
}
