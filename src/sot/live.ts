// The live SoT: the last good model, the outcome of the last load, and a watcher that reloads
// on change. A reload with errors keeps the last good SoT serving and reports the problems.
// Loads run in a worker thread (load-off-thread.ts): this thread also answers DHCP, and a reload
// of a large SoT must not hold up a reply.
import type { Worker } from 'node:worker_threads';
import { watch, type FSWatcher } from 'node:fs';
import { EventEmitter } from 'node:events';
import type { Host, Problem, Sot } from '../model/index.js';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { loadSot } from './load.js';
import { loadSotOffThread, LoadWorkerError, type OffThreadLoad } from './load-off-thread.js';
import { fingerprint } from './read.js';
import { coalesce } from '../lib/coalesce.js';
import { hasLastGood, saveLastGood } from './last-good.js';

export interface SotStatus {
  /** Revision being served (undefined until a first good load). */
  revision?: string;
  loadedAt?: number;
  /** Outcome of the most recent load attempt, good or bad. */
  lastAttempt?: { revision: string; at: number; ok: boolean; problems: Problem[] };
  /** Problems of the SoT being served (warnings only, by construction). */
  problems: Problem[];
  /** True when serving the saved last-good copy because the SoT folder had errors at start. */
  fromLastGood?: boolean;
  /** Settings of the served SoT that the running boot services cannot follow until a restart. */
  restartNeeded: { field: string; from: string | null; to: string | null; file: string; line: number }[];
}

export interface SotIndex {
  hostsById: Map<string, Host>;
  hostsByMac: Map<string, { host: Host; ifaceIndex: number }>;
}

export interface LiveSot extends EventEmitter {
  current(): Sot | undefined;
  index(): SotIndex;
  status(): SotStatus;
  /** Loads the folder now; resolves with whether the new SoT is being served. */
  reload(): Promise<boolean>;
  /** Set by the boot services on each load: what of the SoT needs a restart to take effect. */
  setRestartNeeded(list: SotStatus['restartNeeded']): void;
  startWatching(): void;
  stop(): void;
}

export interface LiveSotOptions {
  root: string;
  clock: Clock;
  log: Logger;
  /** Quiet period after the last file event before reloading (editors write in bursts). */
  debounceMs?: number;
  /** Fallback poll when file events are missed (network filesystems); 0 disables. */
  pollMs?: number;
  /** Where to keep a copy of the last good SoT (in the data folder); unset = no copy. */
  lastGoodDir?: string;
  /** Load on this thread, as before the load worker (comparisons, environments without workers). */
  inThread?: boolean;
}

export function createLiveSot(opts: LiveSotOptions): LiveSot {
  const emitter = new EventEmitter() as LiveSot;
  let sot: Sot | undefined;
  let idx: SotIndex = { hostsById: new Map(), hostsByMac: new Map() };
  const status: SotStatus = { problems: [], restartNeeded: [] };
  let watcher: FSWatcher | undefined;
  let timer: TimerHandle | undefined;
  let poller: ReturnType<typeof setInterval> | undefined;

  let worker: Worker | undefined;
  let inThread = opts.inThread ?? false;
  let stopped = false;

  /** One load, off this thread unless that is impossible; the last-good copy is written by it. */
  async function load(root: string, skipRevision: string | undefined, save: boolean): Promise<OffThreadLoad> {
    if (!inThread) {
      try {
        return await loadSotOffThread(root, { ...(save && opts.lastGoodDir && { lastGoodDir: opts.lastGoodDir }), ...(skipRevision && { skipRevision }), onWorker: (w) => (worker = w) });
      } catch (e) {
        // A worker that cannot start at all (not one that ran out of memory on a huge SoT).
        if (stopped || !(e instanceof LoadWorkerError) || /OUT_OF_MEMORY/.test(e.message)) throw e;
        opts.log.warn('SoT load worker unavailable; loading on the main thread', { error: e.message });
        inThread = true;
      }
    }
    const res = await loadSot(root);
    const fresh = res.ok && res.sot.revision !== skipRevision;
    let saveError: string | undefined;
    if (fresh && save && opts.lastGoodDir) await saveLastGood(opts.lastGoodDir, res.files).catch((e: Error) => (saveError = e.message));
    return { revision: res.sot.revision, ok: res.ok, problems: res.problems, sot: fresh ? res.sot : undefined, ...(saveError && { saveError }) };
  }

  async function loadOnce(): Promise<boolean> {
    const skip = sot && !status.fromLastGood ? sot.revision : undefined;
    const res = await load(opts.root, skip, true);
    const at = opts.clock.now();
    status.lastAttempt = { revision: res.revision, at, ok: res.ok, problems: res.problems };
    if (!res.ok) {
      const errors = res.problems.filter((p) => p.severity === 'error');
      opts.log.error('SoT has problems; still serving the last good revision', {
        revision: res.revision,
        serving: status.revision ?? null,
        errors: errors.length,
        first: errors.slice(0, 5).map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`),
      });
      emitter.emit('rejected', res.problems);
      if (!sot && opts.lastGoodDir && hasLastGood(opts.lastGoodDir)) {
        const saved = await load(opts.lastGoodDir, undefined, false);
        if (saved.ok && saved.sot) {
          opts.log.warn('serving the last good SoT saved before the restart', { revision: saved.revision });
          adopt(saved.sot, at, saved.problems);
          status.fromLastGood = true;
        }
      }
      return false;
    }
    if (!res.sot) return true; // the revision being served: nothing changed
    if (res.saveError) opts.log.warn('cannot save the last good SoT', { error: res.saveError });
    status.fromLastGood = false;
    adopt(res.sot, at, res.problems);
    return true;
  }

  function adopt(next: Sot, at: number, problems: Problem[]): void {
    const previous = sot;
    sot = next;
    idx = buildIndex(next);
    status.revision = next.revision;
    status.loadedAt = at;
    status.problems = problems;
    opts.log.info('SoT loaded', { revision: next.revision, sites: next.sites.length, hosts: next.hosts.length, warnings: problems.length });
    emitter.emit('loaded', next, previous);
  }

  // One load at a time; a change during a load triggers exactly one more.
  emitter.reload = coalesce(async () => {
    try {
      return await loadOnce();
    } catch (e) {
      opts.log.error('SoT reload failed', { error: (e as Error).message });
      return false;
    }
  });

  const schedule = () => {
    timer?.cancel();
    timer = opts.clock.setTimeout(() => void emitter.reload(), opts.debounceMs ?? 250);
  };

  emitter.startWatching = () => {
    try {
      watcher = watch(opts.root, { recursive: true }, schedule);
      watcher.on('error', (e) => opts.log.warn('SoT watcher error; relying on polling', { error: e.message }));
    } catch (e) {
      opts.log.warn('cannot watch the SoT folder; relying on polling', { error: (e as Error).message });
    }
    const pollMs = opts.pollMs ?? 5000;
    if (pollMs > 0) {
      let last: string | undefined;
      poller = setInterval(() => {
        void fingerprint(opts.root).then((fp) => {
          if (last !== undefined && fp !== last) schedule();
          last = fp;
        });
      }, pollMs);
      poller.unref();
    }
  };

  emitter.stop = () => {
    stopped = true;
    void worker?.terminate();
    watcher?.close();
    timer?.cancel();
    if (poller) clearInterval(poller);
  };
  emitter.setRestartNeeded = (list) => void (status.restartNeeded = list);
  emitter.current = () => sot;
  emitter.index = () => idx;
  emitter.status = () => status;
  return emitter;
}

export function buildIndex(sot: Sot): SotIndex {
  const hostsById = new Map<string, Host>();
  const hostsByMac = new Map<string, { host: Host; ifaceIndex: number }>();
  for (const host of sot.hosts) {
    hostsById.set(host.id, host);
    host.interfaces.forEach((i, ifaceIndex) => {
      if (i.mac && !hostsByMac.has(i.mac)) hostsByMac.set(i.mac, { host, ifaceIndex });
    });
  }
  return { hostsById, hostsByMac };
}
