// What the boot services' worker threads (DHCP: dhcp-worker.ts, TFTP: tftp-worker.ts) and their
// main-thread sides have in common: log lines and changed statistics posted to the main thread,
// the stop handshake, and warnings limited to one a minute per kind.
import type { Worker } from 'node:worker_threads';
import { LOG_LEVEL_ORDER as ORDER, type LogFields, type Logger, type LogLevel } from '../lib/log.js';

export type LogMessage = { kind: 'log'; level: LogLevel; msg: string; fields: LogFields };

/** A worker that could not start: the error's message and its errno code (EADDRINUSE, EACCES: the bind hints key on it). */
export type FailedMessage = { kind: 'failed'; message: string; code?: string };

/** In a worker: the start error as it crosses to the main thread. */
export function failedMessage(e: unknown): FailedMessage {
  const code = (e as NodeJS.ErrnoException).code;
  return { kind: 'failed', message: (e as Error).message ?? String(e), ...(code && { code }) };
}

/** On the main thread: the worker's start error again, code included. */
export const errorOf = (m: FailedMessage): Error => Object.assign(new Error(m.message), m.code && { code: m.code });

/**
 * In a worker: a Logger whose lines go to the main thread's logger. Lines below `level` (the main
 * logger's) are dropped here: a message posted costs a copy and a wake-up of the main thread,
 * per TFTP transfer or DHCP exchange.
 */
export function postingLogger(post: (m: LogMessage) => void, base: LogFields = {}, level: LogLevel = 'debug'): Logger {
  const min = ORDER[level];
  const emit = (l: LogLevel) => (ORDER[l] < min ? () => undefined : (msg: string, fields?: LogFields) => post({ kind: 'log', level: l, msg, fields: { ...base, ...fields } }));
  return { level, debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'), child: (f) => postingLogger(post, { ...base, ...f }, level) };
}

/** In a worker: posts the statistics when they changed since the last post (call it on a timer). */
export function changedStatsPoster<S>(read: () => S | undefined, post: (stats: S) => void): () => void {
  let last = '';
  return () => {
    const stats = read();
    if (stats === undefined) return;
    const text = JSON.stringify(stats);
    if (text === last) return;
    last = text;
    post(stats);
  };
}

/**
 * On the main thread: asks a worker to stop ({kind: 'stop'}), waits for its {kind: 'stopped'}
 * (its sockets and files closed) or its exit, then ends the thread; terminates it after
 * `waitMs` if it does not answer.
 */
export function stopWorker(w: Worker, waitMs = 5_000): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(() => void w.terminate().then(() => resolve()), waitMs);
    w.on('message', (m: { kind?: string }) => {
      if (m?.kind !== 'stopped') return;
      clearTimeout(t);
      void w.terminate().then(() => resolve());
    });
    w.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    w.postMessage({ kind: 'stop' });
  });
}

/** A warning per kind at most once a minute (a failing sink must not flood the log). */
export function warnOncePerMinute(log: Logger, prefix: string): (what: string, e: unknown) => void {
  const warned = new Map<string, number>();
  return (what, e) => {
    const now = Date.now();
    if ((warned.get(what) ?? 0) > now - 60_000) return;
    warned.set(what, now);
    log.warn(`${prefix} ${what}`, { error: e instanceof Error ? e.message : String(e) });
  };
}
