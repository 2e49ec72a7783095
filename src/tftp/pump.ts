// The TFTP pump: a child process (native/tftp-pump.c, built to build/native/corral-tftp-pump)
// that runs the data phase of read transfers of files served as they are on disk. The server
// (server.ts) keeps everything else: it receives and checks the request, resolves the file,
// negotiates the options (transfer.ts `negotiate`) and hands the pump the file, the client and
// the result; the pump opens the transfer's TID socket, sends the OACK/DATA, reads ACKs and
// retransmits, and reports the end. Why: Node's per-datagram cost (a callback into JavaScript, a
// Buffer and an address object per ACK) is about as much CPU again as the kernel's, and lock-step
// transfers (RFC 1350) are one datagram each way per block (docs/benchmarks.md).
// Commands and events are lines on the child's stdin/stdout (the protocol is in the C file). A
// pump that exits fails the transfers it had (clients start over: their RRQ is retransmitted or
// re-sent) and is started again at the next transfer, 1 s after it ended, the wait doubling up to
// 30 s while each pump dies within 10 s of its start (a broken binary); meanwhile, and
// when there is no pump at all, transfers run in JavaScript (transfer.ts), as they always can.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../lib/log.js';
import { packageRoot } from '../lib/package-root.js';
import { perTurn } from '../lib/per-turn.js';
import type { TransferResult } from './transfer.js';
import type { UdpPeer } from './udp.js';

export interface PumpTransferSpec {
  /** The local address of the transfer's socket (the server's host option). */
  bindHost: string;
  client: UdpPeer;
  /** A regular file (real path); `size` bytes of it are served. */
  file: string;
  size: number;
  blksize: number;
  windowsize: number;
  timeoutMs: number;
  retries: number;
  maxBackoffMs: number;
  /** Poll for a quick client's ACK this long before sleeping (busypoll.ts says why); 0: never. */
  busyPollUs: number;
  /** ... only while at most this many transfers run in the pump. */
  busyPollMaxTransfers: number;
  /** The OACK to send first (RFC 2347), or null: DATA 1 first. */
  oack: Uint8Array | null;
}

export interface PumpEvents {
  /** The client acknowledged something (a retransmitted RRQ cannot be meant any more). */
  progressed(): void;
  ended(result: TransferResult & { dropped: number }): void;
}

export interface PumpedTransfer {
  /** Ends it (ERROR 0 `reason` to the client when notify); `ended` follows. */
  cancel(reason: string, notify: boolean): void;
}

export interface TftpPump {
  /** Starts a transfer in the pump; null when no pump runs now (serve it in JavaScript). */
  start(spec: PumpTransferSpec, events: PumpEvents): PumpedTransfer | null;
  /** The running pump's process id (none before the first transfer it takes, or after it died). */
  pid(): number | undefined;
  /** Stops the pump; transfers still running end as aborted. */
  close(): Promise<void>;
}

const hex = (s: string | Uint8Array) => Buffer.from(s).toString('hex');
const unhex = (s: string | undefined) => Buffer.from(s ?? '', 'hex').toString('utf8');

/**
 * The pump binary: $CORRAL_TFTP_PUMP (a path; "off" or "0": none), else build/native/ of the
 * package this file belongs to (from src/ or dist/src/), if it was built (scripts/build-native.mjs).
 */
export function findTftpPump(env: NodeJS.ProcessEnv = process.env): string | null {
  const asked = env.CORRAL_TFTP_PUMP?.trim();
  if (asked === 'off' || asked === '0') return null;
  if (asked) return existsSync(asked) ? asked : null;
  let root: string;
  try {
    root = packageRoot();
  } catch {
    return null; // not inside Corral's package: no pump of ours
  }
  const bin = path.join(root, 'build', 'native', 'corral-tftp-pump');
  return existsSync(bin) ? bin : null;
}

interface Live {
  events: PumpEvents;
  ended: boolean;
}

export function createTftpPump(deps: { bin: string; log: Logger; now?: () => number }): TftpPump {
  const now = deps.now ?? Date.now;
  const live = new Map<number, Live>();
  let child: ChildProcess | null = null;
  let lastSpawn = -Infinity;
  let nextSpawn = -Infinity; // no start before this time
  let backoffMs = 1_000;
  let closing = false;
  let nextId = 1;
  let exited: Promise<void> = Promise.resolve();
  // Commands wait for the end of the event-loop turn and go out in one write: a burst of requests
  // (a rack powering on) costs the pump one wake-up, not one per transfer.
  const commands = perTurn<string>((lines) => {
    if (child?.stdin?.writable) child.stdin.write(lines.join(''));
  });
  const send = (c: ChildProcess, line: string) => {
    if (c === child) commands.push(line);
  };

  function fail(status: 'failed' | 'aborted', reason: string): void {
    for (const [id, l] of live) end(id, l, { status, reason, bytesSent: 0, retransmits: 0, dropped: 0 });
  }

  function end(id: number, l: Live, r: TransferResult & { dropped: number }): void {
    live.delete(id);
    if (l.ended) return;
    l.ended = true;
    l.events.ended(r);
  }

  function onLine(line: string): void {
    const f = line.split(' ');
    const id = Number(f[1]);
    const l = live.get(id);
    if (f[0] === 'G') l?.events.progressed();
    else if (f[0] === 'E' && l) {
      const status = f[2] === 'completed' || f[2] === 'aborted' ? f[2] : 'failed';
      end(id, l, { status, bytesSent: Number(f[3]), retransmits: Number(f[4]), dropped: Number(f[5]), reason: unhex(f[6]) });
    }
  }

  /** After a pump ended: the wait before the next start (returned), doubled while pumps die young. */
  function waitAfterEnd(): number {
    const quick = now() - lastSpawn < 10_000;
    if (!quick) backoffMs = 1_000;
    const wait = backoffMs;
    nextSpawn = now() + wait;
    if (quick) backoffMs = Math.min(backoffMs * 2, 30_000);
    return wait;
  }

  function spawnPump(): ChildProcess | null {
    if (closing || now() < nextSpawn) return null;
    lastSpawn = now();
    const c = spawn(deps.bin, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    c.stdin!.on('error', () => undefined); // EPIPE when it died: its exit event says so
    createInterface({ input: c.stdout! }).on('line', onLine);
    exited = new Promise((resolve) => {
      c.on('error', (err) => {
        deps.log.warn('tftp pump failed to start; transfers run in JavaScript meanwhile', { bin: deps.bin, err: err.message, waitMs: waitAfterEnd() });
        if (child === c) {
          child = null;
          commands.clear();
        }
        fail('failed', `tftp pump failed: ${err.message}`);
        resolve();
      });
      c.on('exit', (code, signal) => {
        if (child === c) {
          child = null;
          commands.clear(); // commands for it must not reach the next one
        }
        const waitMs = waitAfterEnd();
        if (!closing) deps.log.warn('tftp pump exited; it is started again at a transfer after the wait', { code, signal, waitMs });
        if (closing) fail('aborted', 'server shutting down');
        else fail('failed', 'tftp pump exited');
        resolve();
      });
    });
    return c;
  }

  return {
    start(spec, events) {
      child ??= spawnPump();
      const c = child;
      if (!c?.stdin?.writable) return null;
      const id = nextId++;
      const l: Live = { events, ended: false };
      live.set(id, l);
      const fields = [
        'T', id, spec.bindHost, spec.client.address, spec.client.port, spec.blksize, spec.windowsize,
        spec.timeoutMs, spec.retries, spec.maxBackoffMs, spec.busyPollUs, spec.busyPollMaxTransfers, hex(spec.file), spec.size, spec.oack ? hex(spec.oack) : '-',
      ];
      send(c, `${fields.join(' ')}\n`);
      return {
        cancel(reason, notify) {
          if (!l.ended) send(c, `X ${id} ${notify ? 1 : 0} ${hex(reason.slice(0, 200))}\n`);
        },
      };
    },
    pid: () => child?.pid,
    async close() {
      closing = true;
      commands.flush();
      const c = child;
      child = null;
      c?.stdin?.end(); // end of input: the pump closes its transfers and exits
      await exited;
    },
  };
}
