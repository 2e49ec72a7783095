// One TFTP read transfer as a state machine: option negotiation (RFC 2347/2348/2349/7440),
// DATA windows, ACK processing, retransmission with exponential backoff. No sockets: packets go
// out through `send`, ACK/ERROR packets come in through onAck/onError, time through the Clock
// and the server's Ticker (one timer for all transfers).
// Lock-step (RFC 1350, what most PXE ROMs do) is the hot path: one ACK in, one DATA out, per
// block; the DATA packets are laid out in advance (PacketReader), so an ACK costs a deadline
// update and one send.

import type { Clock } from '../lib/clock.js';
import { encodeError, encodeOack, ErrorCode, type RequestOptions } from './codec.js';
import { PacketReader } from './packets.js';
import type { TftpSource } from './source.js';
import type { Ticker } from './ticker.js';

export interface TransferLimits {
  /** RFC 2348 cap; 1468 = 1500-byte Ethernet MTU - 20 (IP) - 8 (UDP) - 4 (TFTP), no fragmentation. */
  maxBlksize: number;
  /** RFC 7440 cap (see DEFAULT_LIMITS). */
  maxWindowsize: number;
  /** Retransmission timeout when the client does not negotiate one (RFC 2349 timeout). */
  timeoutMs: number;
  /** Retransmissions of one OACK/window without progress before giving up. */
  retries: number;
  /** Cap of the exponential backoff (never below the negotiated timeout); default 10 s. */
  maxBackoffMs?: number;
}

/**
 * windowsize 16 by default: 16 x 1468 B = 23 KB in flight fits default socket buffers
 * (~208 KB) and small NIC receive rings of firmware drivers many times over, and RFC 7440's
 * measurements show throughput flattening well before larger windows; a lost packet in a big
 * window costs a retransmission of the whole rest of the window.
 */
export const DEFAULT_LIMITS: TransferLimits = { maxBlksize: 1468, maxWindowsize: 16, timeoutMs: 1000, retries: 5 };

export interface Negotiated {
  blksize: number;
  windowsize: number;
  timeoutMs: number;
  /** The OACK to send (RFC 2347), or null when the client asked for no option we know. */
  oack: Record<string, string> | null;
}

export function negotiate(req: RequestOptions, size: number, limits: TransferLimits): Negotiated {
  const oack: Record<string, string> = {};
  let blksize = 512; // RFC 1350
  let windowsize = 1; // RFC 7440: without the option the transfer is lock-step
  let timeoutMs = limits.timeoutMs;
  if (req.blksize !== undefined) {
    blksize = Math.max(8, Math.min(req.blksize, limits.maxBlksize)); // RFC 2348: may answer smaller
    oack.blksize = String(blksize);
  }
  if (req.tsize !== undefined) oack.tsize = String(size); // RFC 2349: answer the real size
  if (req.timeout !== undefined) {
    timeoutMs = req.timeout * 1000; // RFC 2349: the OACK must repeat the client's value
    oack.timeout = String(req.timeout);
  }
  if (req.windowsize !== undefined) {
    windowsize = Math.max(1, Math.min(req.windowsize, limits.maxWindowsize)); // RFC 7440 §3
    oack.windowsize = String(windowsize);
  }
  return { blksize, windowsize, timeoutMs, oack: Object.keys(oack).length > 0 ? oack : null };
}

export type TransferStatus = 'completed' | 'aborted' | 'failed';
export interface TransferResult {
  status: TransferStatus;
  reason: string;
  /** DATA payload bytes put on the wire, retransmissions included. */
  bytesSent: number;
  retransmits: number;
}

export interface ReadTransferDeps {
  clock: Clock;
  /** Calls onTick periodically while the transfer runs (the server's: one timer for all). */
  ticker: Ticker;
  /**
   * Sends a packet at once or queues it (a socket). A DATA packet's bytes stay as they are until
   * the client has acknowledged that block, then they may be reused (packets.ts); copy to keep.
   */
  send: (packet: Uint8Array) => void;
  source: TftpSource;
  options: RequestOptions;
  limits: TransferLimits;
  onEnd: (result: TransferResult) => void;
}

export class ReadTransfer {
  readonly negotiated: Negotiated;
  private readonly lastBlock: number;
  private readonly reader: PacketReader;
  /** Absolute number of the last acknowledged block; -1 while the OACK ("block 0") is unacked. */
  private base: number;
  /** Highest absolute block sent. */
  private sent = 0;
  private acks = 0;
  private retries = 0;
  private gen = 0;
  private ended = false;
  /** When the current OACK/window is retransmitted if nothing new is acknowledged. */
  private deadline = 0;
  private bytesSent = 0;
  private retransmits = 0;

  constructor(private readonly deps: ReadTransferDeps) {
    this.negotiated = negotiate(deps.options, deps.source.size, deps.limits);
    const { blksize, windowsize } = this.negotiated;
    this.reader = new PacketReader(deps.source, blksize, windowsize);
    this.lastBlock = this.reader.lastBlock;
    this.base = this.negotiated.oack ? -1 : 0;
  }

  get done(): boolean { return this.ended; }
  /** True once the client acknowledged anything (a retransmitted RRQ cannot be meant then). */
  get progressed(): boolean { return this.acks > 0; }
  get blocks(): number { return this.lastBlock; }

  start(): void {
    this.deps.ticker.add(this);
    this.transmit();
  }

  /** An ACK from the client's TID. Block numbers wrap 65535 -> 0 (rollover). */
  onAck(wire: number): void {
    if (this.ended) return;
    const inflight = this.sent - this.base;
    const delta = (wire - this.base) & 0xffff;
    // delta 0 = a duplicate ACK: ignored, only a timeout retransmits, so duplicates never
    // double the traffic (RFC 1123 §4.2.3.1, Sorcerer's Apprentice). Beyond inflight: stale.
    if (delta === 0 || delta > inflight) return;
    this.base += delta;
    this.acks++;
    this.retries = 0;
    if (this.base >= this.lastBlock) return this.finish('completed', 'done');
    // A full window acked: next window. An ACK inside the window: RFC 7440 §4, restart from
    // the block after the acknowledged one.
    this.transmit();
  }

  /** An ERROR from the client ends the transfer; it is never answered (RFC 1350 §7). */
  onError(code: number, message: string): void {
    this.finish('aborted', `client error ${code}: ${message}`);
  }

  /** Ends the transfer from the server side (shutdown, client restarted). */
  cancel(reason: string, notifyClient = true): void {
    if (this.ended) return;
    if (notifyClient) this.deps.send(encodeError(ErrorCode.NOT_DEFINED, reason));
    this.finish('aborted', reason);
  }

  /**
   * Hands the DATA buffers to other transfers. Only once completed (every block acknowledged)
   * and only when the caller knows no send of them is still queued (a retransmission queued
   * while the socket buffer was full would otherwise carry another transfer's bytes).
   */
  releaseBuffers(): void {
    if (this.ended && this.base >= this.lastBlock) this.reader.release();
  }

  /** From the Ticker: retransmit the OACK or window once its deadline has passed. */
  onTick(now: number): void {
    if (this.ended || now < this.deadline) return;
    if (this.retries >= this.deps.limits.retries) return this.finish('failed', 'timeout');
    this.retries++;
    this.retransmits++;
    this.transmit(now); // the OACK again, or the window from the block after the last ACK
  }

  private transmit(now = this.deps.clock.now()): void {
    this.deadline = now + this.interval();
    if (this.base < 0) {
      this.deps.send(encodeOack(this.negotiated.oack!));
      return;
    }
    const from = this.base + 1;
    const to = Math.min(this.base + this.negotiated.windowsize, this.lastBlock);
    const gen = ++this.gen;
    let wait: Promise<unknown> | null;
    try {
      wait = this.reader.ready(from, to);
    } catch (err) {
      return this.readFailed(err);
    }
    if (wait === null) return this.emit(from, to);
    wait.then(
      () => gen === this.gen && !this.ended && this.emit(from, to),
      (err: unknown) => gen === this.gen && this.readFailed(err),
    );
  }

  private emit(from: number, to: number): void {
    for (let k = from; k <= to; k++) {
      const packet = this.reader.packet(k);
      this.deps.send(packet);
      this.bytesSent += packet.length - 4;
    }
    this.sent = to;
  }

  private readFailed(err: unknown): void {
    if (this.ended) return;
    this.deps.send(encodeError(ErrorCode.NOT_DEFINED, 'read error'));
    this.finish('failed', `read error: ${err instanceof Error ? err.message : String(err)}`);
  }

  /** Current retransmission interval: the timeout doubled per retry, capped. */
  private interval(): number {
    const t = this.negotiated.timeoutMs;
    if (this.retries === 0) return t;
    const cap = Math.max(t, this.deps.limits.maxBackoffMs ?? 10_000);
    return Math.min(t * 2 ** this.retries, cap);
  }

  private finish(status: TransferStatus, reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.gen++;
    this.deps.ticker.delete(this);
    this.deps.onEnd({ status, reason, bytesSent: this.bytesSent, retransmits: this.retransmits });
  }
}
