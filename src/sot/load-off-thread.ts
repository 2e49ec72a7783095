// The SoT load as the live SoT runs it: in a worker thread (load-worker.ts), because reading and
// building a large SoT takes seconds (a 10,000-host SoT ~1-4 s, a 50 MB file much more) and the
// thread that loads is the thread that answers DHCP: a DHCP reply must not wait for a reload.
//
// The main thread's share is taking in the result, piece by piece: it asks for the next piece
// only once it has the previous one, so every piece is its own event-loop task and the DHCP and
// TFTP sockets are served between pieces (a worker that posted everything at once would have
// its messages drained in one go, a single long task).
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../lib/start-worker.js';
import type { Problem, Sot } from '../model/index.js';
import { assemble, DEFAULT_PIECE_BYTES, type FromWorker, type LoadRequest, type Piece } from './load-pieces.js';
import { adoptHosts } from './owner.js';

export interface OffThreadLoad {
  revision: string;
  ok: boolean;
  problems: Problem[];
  /** The new Sot; undefined when not ok or when the folder still holds `skipRevision`. */
  sot: Sot | undefined;
  /** The last-good copy could not be written (the load itself is fine). */
  saveError?: string;
}

export interface OffThreadOptions {
  lastGoodDir?: string;
  skipRevision?: string;
  pieceBytes?: number;
  /** Called with the worker once started (so a stop() can terminate it). */
  onWorker?: (w: Worker | undefined) => void;
}

/** Thrown when the worker itself could not run (not when the SoT has problems). */
export class LoadWorkerError extends Error {}

export function loadSotOffThread(root: string, opts: OffThreadOptions = {}): Promise<OffThreadLoad> {
  const req: LoadRequest = { root, pieceBytes: opts.pieceBytes ?? DEFAULT_PIECE_BYTES, ...(opts.lastGoodDir && { lastGoodDir: opts.lastGoodDir }), ...(opts.skipRevision && { skipRevision: opts.skipRevision }) };
  return new Promise((resolve, reject) => {
    let w: Worker;
    try {
      w = startWorker(import.meta.url, 'load-worker', { workerData: req });
    } catch (e) {
      return reject(new LoadWorkerError(`cannot start the SoT load worker: ${(e as Error).message}`));
    }
    opts.onWorker?.(w);
    let settled = false;
    const done = (f: () => void) => {
      if (settled) return;
      settled = true;
      opts.onWorker?.(undefined);
      void w.terminate();
      f();
    };
    let head: Extract<FromWorker, { kind: 'head' }> | undefined;
    const pieces: Piece[] = [];
    const finish = () => {
      const { sot, problems } = assemble(head!.shell, pieces, head!.sent);
      // Hosts rebuilt here are new objects: record their SoT as loadSot does (owner.ts), so views
      // given only (host, record) find the workflows and OSes the record names.
      if (sot) adoptHosts(sot);
      done(() => resolve({ revision: head!.revision, ok: head!.ok, problems, sot, ...(head!.saveError && { saveError: head!.saveError }) }));
    };
    w.on('message', (m: FromWorker) => {
      if (m.kind === 'failed') return done(() => reject(new Error(m.message)));
      if (m.kind === 'head') head = m;
      else pieces.push(m.piece);
      if (pieces.length < head!.pieces) w.postMessage(pieces.length);
      else finish();
    });
    w.once('error', (e) => done(() => reject(head ? e : new LoadWorkerError(e.message))));
    w.once('exit', (code) => done(() => reject(new LoadWorkerError(`SoT load worker exited (${code}) before its result`))));
  });
}
