// Test helpers for the TFTP server: temp roots, a small windowed TFTP client, raw sockets.

import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decode, encodeAck, encodeError, encodeRequest, type TftpPacket } from '../../src/tftp/codec.js';
import { createTftpPump, findTftpPump } from '../../src/tftp/pump.js';
import { createTftpServer, type TftpServer, type TftpServerDeps } from '../../src/tftp/server.js';

export function tempDir(prefix = 'corral-tftp-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

import { prng } from '../fakes/prng.js';

export { prng };

export function randomBytes(n: number, seed = 1): Buffer {
  const r = prng(seed);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

export interface Received {
  msg: Buffer;
  pkt: TftpPacket | null;
  from: { address: string; port: number };
}

/** A raw UDP socket on 127.0.0.1 with an awaitable receive queue. */
export class RawSocket {
  private queue: Received[] = [];
  private waiters: Array<(r: Received) => void> = [];
  private constructor(readonly sock: dgram.Socket) {
    sock.on('message', (msg, rinfo) => {
      let pkt: TftpPacket | null = null;
      try {
        pkt = decode(msg);
      } catch {
        // left null
      }
      const r = { msg, pkt, from: { address: rinfo.address, port: rinfo.port } };
      const w = this.waiters.shift();
      if (w) w(r);
      else this.queue.push(r);
    });
  }

  static async open(): Promise<RawSocket> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
    return new RawSocket(sock);
  }

  get port(): number {
    return this.sock.address().port;
  }

  /** Sends not yet handed to the kernel: close() waits for them, or a last ACK could be lost. */
  private sending = new Set<Promise<void>>();

  send(buf: Uint8Array, port: number): void {
    const sent = new Promise<void>((res) => this.sock.send(buf, port, '127.0.0.1', () => res()));
    this.sending.add(sent);
    void sent.then(() => this.sending.delete(sent));
  }

  /** The next packet, or null after timeoutMs. */
  next(timeoutMs = 2000): Promise<Received | null> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve) => {
      const w = (r: Received) => {
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve(null);
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.sending]);
    await new Promise<void>((res) => this.sock.close(() => res()));
  }
}

export interface GetOptions {
  options?: Record<string, string | number>;
  mode?: string;
  /** Send ERROR 0 right after the OACK (OVMF's size probe). */
  abortAfterOack?: boolean;
  timeoutMs?: number;
}

export interface GetResult {
  data: Buffer;
  oack: Record<string, string> | null;
  error: { code: number; message: string } | null;
  dataPackets: number;
}

/** A minimal RFC 1350/2347/7440 client: lock-step or windowed, with RRQ/ACK retransmission. */
export async function tftpGet(port: number, filename: string, o: GetOptions = {}): Promise<GetResult> {
  const s = await RawSocket.open();
  const res: GetResult = { data: Buffer.alloc(0), oack: null, error: null, dataPackets: 0 };
  const chunks: Buffer[] = [];
  let last: Buffer = encodeRequest('rrq', filename, o.mode ?? 'octet', o.options ?? {});
  let tid = 0;
  let blksize = 512;
  let window = 1;
  let expected = 1;
  let inWindow = 0;
  const deadline = Date.now() + (o.timeoutMs ?? 15_000);
  s.send(last, port);
  try {
    for (let idle = 0; idle < 20 && Date.now() < deadline; ) {
      const r = await s.next(300);
      if (!r) {
        idle++;
        s.send(last, tid || port); // retransmit RRQ or the last ACK
        continue;
      }
      idle = 0;
      if (tid === 0) tid = r.from.port;
      if (r.from.port !== tid || !r.pkt) continue;
      const p = r.pkt;
      if (p.op === 'error') {
        res.error = { code: p.code, message: p.message };
        break;
      }
      if (p.op === 'oack') {
        res.oack = { ...p.options };
        blksize = Number(p.options.blksize ?? 512);
        window = Number(p.options.windowsize ?? 1);
        if (o.abortAfterOack) {
          s.send(encodeError(0, 'size probe done'), tid);
          break;
        }
        last = encodeAck(0);
        s.send(last, tid);
        continue;
      }
      if (p.op !== 'data') continue;
      res.dataPackets++;
      if (p.block !== (expected & 0xffff)) {
        last = encodeAck((expected - 1) & 0xffff); // out of order: ACK the last in-order block
        s.send(last, tid);
        inWindow = 0;
        continue;
      }
      chunks.push(Buffer.from(p.data));
      expected++;
      inWindow++;
      const final = p.data.length < blksize;
      if (final || inWindow >= window) {
        last = encodeAck(p.block);
        s.send(last, tid);
        inWindow = 0;
      }
      if (final) break;
    }
  } finally {
    await s.close();
  }
  res.data = Buffer.concat(chunks);
  return res;
}

/** How transfers are served: all in JavaScript, or files on disk by the pump (src/tftp/pump.ts). */
export type Engine = 'javascript' | 'pump';
export const ENGINES: readonly Engine[] = ['javascript', 'pump'];
export const PUMP_BIN = findTftpPump();

/** describe() options: the pump's cases skip, saying why, when it was not built. */
export function skipUnless(engine: Engine): { skip: string | false } {
  return { skip: engine === 'pump' && !PUMP_BIN ? 'the TFTP pump is not built: scripts/build-native.mjs needs a C compiler (apt-get install gcc)' : false };
}

/** A server of that engine; closing it also stops its pump. */
export function engineServer(engine: Engine, deps: TftpServerDeps): TftpServer {
  if (engine === 'javascript' || !PUMP_BIN) return createTftpServer(deps);
  const pump = createTftpPump({ bin: PUMP_BIN, log: deps.log });
  const server = createTftpServer({ ...deps, pump });
  return { ...server, close: () => server.close().then(() => pump.close()) };
}
