// Read-only TFTP server (RFC 1350 with RFC 2347/2348/2349/7440 options). Requests arrive on the
// listening socket; every transfer gets its own ephemeral socket (its TID, RFC 1350 §4) bound
// to the same host address, so replies leave from the address the client talked to.
// Decisions: WRQ -> ERROR 2; netascii is converted (RFC 1350), mail mode -> ERROR 4; malformed
// packets are dropped and counted, never answered; refusals (not found, access, busy, bad option)
// are answered from the listening port, so a flood of bad requests costs no sockets (the real
// clients tested, like firmware, take the first reply from any port).
// Lock-step cost per block (RFC 1350: one DATA, wait for its ACK) is what PXE ROMs see: an ACK on
// a connected transfer socket goes straight to the transfer (the kernel already filtered other
// peers), which answers with a DATA packet laid out in advance; retransmission deadlines are
// checked by one Ticker for the whole server, not a timer per transfer.
// Files served as they are on disk go to the pump when there is one (pump.ts: a child process
// that runs the data phase, reading the file and the ACKs itself); generated content, netascii
// and everything while no pump runs are served here, in JavaScript.
// Several servers can share the load of one port (dispatch.ts): the one listening on port 69 hands
// each new request to another through `dispatch`, which passes it to that server's `accept`; the
// transfer's own socket (its TID) is then opened by, and its ACKs delivered to, that server.

import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import {
  decode, encodeError, encodeOack, ErrorCode, MAX_BLKSIZE, MIN_BLKSIZE, Opcode, TftpCodecError, TftpRequestError,
  type RequestPacket, type TftpPacket,
} from './codec.js';
import type { TftpClient, TftpResolver } from './files.js';
import { netasciiSource, type TftpSource } from './source.js';
import { BusyPoll } from './busypoll.js';
import { Ticker } from './ticker.js';
import { DEFAULT_LIMITS, negotiate, ReadTransfer, type TransferResult } from './transfer.js';
import type { PumpedTransfer, TftpPump } from './pump.js';
import { openTid, udpBind, type BindFn, type UdpPeer, type UdpSocket } from './udp.js';

export interface TftpServerOptions {
  host: string; // default 0.0.0.0; in a lab namespace the provisioning address
  port: number; // default 69
  maxBlksize: number; // RFC 2348 cap, default 1468
  maxWindowsize: number; // RFC 7440 cap, default 16, at most 32767 (unambiguous ACK numbers)
  timeoutMs: number; // retransmission timeout unless the client negotiates one, default 1000
  retries: number; // retransmissions without progress before giving up, default 5
  maxTransfers: number; // concurrent transfers; beyond: ERROR 0 "server busy"; default 256
  maxNetasciiBytes: number; // netascii is converted in memory; default 4 MiB
  busyPollUs: number; // poll for a quick client's ACK this long after a DATA (busypoll.ts); default 100, 0 = off
  busyPollMaxTransfers: number; // ... only while at most this many transfers run; default 2
}

export interface TftpServerDeps {
  clock: Clock;
  log: Logger;
  /** null -> ERROR 1 File not found; a thrown TftpRequestError -> that error code. */
  resolve: TftpResolver;
  bind?: BindFn;
  /** Runs the data phase of files served as they are on disk (pump.ts); without: all here. */
  pump?: TftpPump;
  options?: Partial<TftpServerOptions>;
  /**
   * Where a read request received on the listening socket is served (after the checks every
   * server makes: malformed, WRQ, mail mode): 'here', 'elsewhere' (handed to another server's
   * accept(), nothing more to do here) or 'busy' (ERROR 0 "server busy"). Default: here.
   */
  dispatch?: (msg: Buffer, from: UdpPeer) => 'here' | 'elsewhere' | 'busy';
  /**
   * A request from this client ended (served, refused or aborted); `open` is true when a newer
   * request from the same client (RFC 1350: same TID) is being served here.
   */
  onSessionEnd?: (client: UdpPeer, open: boolean) => void;
}

export interface TftpStats {
  transfers: number; // transfers started
  active: number; // requests being resolved or served
  completed: number;
  failed: number; // timeouts, read errors, internal errors
  aborted: number; // ended by the client (ERROR packet) or the server (shutdown, restarted)
  bytesSent: number; // DATA payload bytes of ended transfers, retransmissions included
  dropped: number; // malformed or unexpected packets
  refused: number; // requests answered with an ERROR (WRQ, not found, access, busy, bad option)
}

export interface TftpServer {
  listen(): Promise<UdpPeer>;
  /** A request another server received (its `dispatch` chose this one), served as if received here. */
  accept(msg: Buffer, from: UdpPeer): void;
  close(): Promise<void>;
  stats(): TftpStats;
}

interface Session {
  key: string;
  client: TftpClient;
  filename: string;
  request: string; // filename, mode and options: tells a retransmitted RRQ from a new one
  transfer: ReadTransfer | null; // served here
  pumped: PumpedTransfer | null; // served by the pump
  progressed: boolean; // the client acknowledged something: a retransmitted RRQ is not meant
  completed: boolean;
  socket: UdpSocket | null; // the transfer's TID, connected to the client when possible
  connected: boolean; // socket is connected: it only receives the client's packets
  others: UdpSocket | null; // same port, receives other peers' packets (-> ERROR 5)
  port: number; // of the TID, 0 before it is open
  source: TftpSource | null;
  cancelled: boolean;
  startedAt: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.floor(v)));

function withDefaults(o: Partial<TftpServerOptions> = {}): TftpServerOptions {
  return {
    host: o.host ?? '0.0.0.0',
    port: o.port ?? 69,
    maxBlksize: clamp(o.maxBlksize ?? DEFAULT_LIMITS.maxBlksize, MIN_BLKSIZE, MAX_BLKSIZE),
    maxWindowsize: clamp(o.maxWindowsize ?? DEFAULT_LIMITS.maxWindowsize, 1, 32767),
    timeoutMs: Math.max(1, o.timeoutMs ?? DEFAULT_LIMITS.timeoutMs),
    retries: Math.max(0, o.retries ?? DEFAULT_LIMITS.retries),
    maxTransfers: Math.max(1, o.maxTransfers ?? 256),
    maxNetasciiBytes: o.maxNetasciiBytes ?? 4 * 1024 * 1024,
    busyPollUs: Math.max(0, o.busyPollUs ?? 100),
    busyPollMaxTransfers: Math.max(0, o.busyPollMaxTransfers ?? 2),
  };
}

/**
 * The Ticker's period: a quarter of the default timeout (retransmissions come 0-25 % late),
 * at most 100 ms; negotiated timeouts are whole seconds (RFC 2349), so never finer than needed.
 */
const tickPeriod = (timeoutMs: number) => clamp(timeoutMs / 4, 1, 100);

const signature = (r: RequestPacket) => JSON.stringify([r.filename, r.mode, r.options]);
const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function createTftpServer(deps: TftpServerDeps): TftpServer {
  const opt = withDefaults(deps.options);
  const { clock, log } = deps;
  const bind = deps.bind ?? udpBind;
  const limits = { ...DEFAULT_LIMITS, ...opt };
  const st: TftpStats = { transfers: 0, active: 0, completed: 0, failed: 0, aborted: 0, bytesSent: 0, dropped: 0, refused: 0 };
  const sessions = new Map<string, Session>();
  const ports = new Map<number, number>(); // TID ports of open transfers -> users
  const pending = new Set<Promise<unknown>>(); // request handling and socket/source closes
  const ticker = new Ticker(clock, tickPeriod(opt.timeoutMs));
  const poll = new BusyPoll(opt.busyPollUs);
  let main: UdpSocket | null = null;
  let closing = false;

  const track = (p: Promise<unknown>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const handlerFailed = (what: string, from: UdpPeer, err: unknown) =>
    log.error(`tftp: ${what} failed`, { client: `${from.address}:${from.port}`, err: errText(err) });
  const reply = (to: UdpPeer, code: number, message: string) => main?.send(encodeError(code, message), to.port, to.address);

  function refuse(to: UdpPeer, code: number, message: string, fields: Record<string, unknown> = {}): void {
    st.refused++;
    log.info('tftp: request refused', { client: `${to.address}:${to.port}`, code, message, ...fields });
    reply(to, code, message);
  }

  function onRequest(msg: Buffer, from: UdpPeer, handedOver: boolean): void {
    let pkt: TftpPacket;
    try {
      pkt = decode(msg);
    } catch (err) {
      if (!(err instanceof TftpCodecError)) throw err;
      if (err.reply) return refuse(from, err.reply.code, err.reply.message, { reason: err.message });
      st.dropped++;
      return log.debug('tftp: malformed packet dropped', { client: `${from.address}:${from.port}`, reason: err.message });
    }
    if (pkt.op === 'wrq') return refuse(from, ErrorCode.ACCESS_VIOLATION, 'read-only server', { file: pkt.filename });
    if (pkt.op !== 'rrq') {
      st.dropped++; // DATA/ACK/ERROR/OACK have no business on the request port
      return;
    }
    if (pkt.mode === 'mail') return refuse(from, ErrorCode.ILLEGAL_OPERATION, 'mail mode not supported');
    const where = handedOver || !deps.dispatch ? 'here' : deps.dispatch(msg, from);
    if (where === 'elsewhere') return;
    if (where === 'busy') return refuse(from, ErrorCode.NOT_DEFINED, 'server busy');
    onRrq(pkt, from);
  }

  function onRrq(req: RequestPacket, from: UdpPeer): void {
    const key = `${from.address}:${from.port}`;
    const old = sessions.get(key);
    if (old) {
      // RFC 1350: a client retransmits its RRQ when the first reply is late; do not start twice.
      if (old.request === signature(req) && !(old.progressed || old.transfer?.progressed)) return;
      cancel(old, 'client restarted', false); // same TID, new request: the old one is over
    }
    if (closing) return;
    if (sessions.size >= opt.maxTransfers) return refuse(from, ErrorCode.NOT_DEFINED, 'server busy');
    const s: Session = {
      key, client: { address: from.address, port: from.port }, filename: req.filename, request: signature(req), transfer: null,
      pumped: null, progressed: false, completed: false, socket: null, connected: false, others: null, port: 0, source: null, cancelled: false, startedAt: clock.now(),
    };
    sessions.set(key, s);
    track(serve(s, req).catch((err: unknown) => serveFailed(s, err)));
  }

  async function serve(s: Session, req: RequestPacket): Promise<void> {
    s.source = await deps.resolve(req.filename, s.client);
    if (!s.source) {
      if (!s.cancelled) refuse(s.client, ErrorCode.FILE_NOT_FOUND, 'file not found', { file: req.filename });
      return end(s);
    }
    // netascii (RFC 1350) is converted; octet is served as is.
    if (req.mode === 'octet' && s.source.file !== undefined && !s.cancelled && pumpTransfer(s, req, s.source.file, s.source.size)) return;
    const source = req.mode === 'netascii' ? await netasciiSource(s.source, opt.maxNetasciiBytes) : s.source;
    if (!s.cancelled) await openSockets(s);
    if (s.cancelled) return end(s);
    const sock = s.socket!;
    s.transfer = new ReadTransfer({
      clock, ticker, source, options: req.options, limits,
      send: (p) => sock.send(p, s.client.port, s.client.address),
      onEnd: (r) => finished(s, r),
    });
    st.transfers++;
    log.debug('tftp: transfer started', { client: s.key, file: s.filename, ...s.transfer.negotiated.oack });
    s.transfer.start();
  }

  /** Hands the transfer to the pump; false when none runs now (it is served here then). */
  function pumpTransfer(s: Session, req: RequestPacket, file: string, size: number): boolean {
    if (!deps.pump) return false;
    const n = negotiate(req.options, size, limits);
    let ended!: () => void;
    const done = new Promise<void>((resolve) => (ended = resolve));
    const job = deps.pump.start(
      {
        bindHost: opt.host, client: s.client, file, size, blksize: n.blksize, windowsize: n.windowsize,
        timeoutMs: n.timeoutMs, retries: limits.retries, maxBackoffMs: limits.maxBackoffMs ?? 10_000,
        busyPollUs: opt.busyPollUs, busyPollMaxTransfers: opt.busyPollMaxTransfers, oack: n.oack ? encodeOack(n.oack) : null,
      },
      {
        progressed: () => (s.progressed = true),
        ended: (r) => {
          st.dropped += r.dropped;
          finished(s, r);
          ended();
        },
      },
    );
    if (!job) return false;
    s.pumped = job;
    track(done);
    st.transfers++;
    log.debug('tftp: transfer started in the pump', { client: s.key, file: s.filename, ...n.oack });
    return true;
  }

  async function openSockets(s: Session): Promise<void> {
    const { main, others } = await openTid(bind, opt.host, s.client, (port) => !ports.has(port));
    s.socket = main;
    s.connected = others !== null; // openTid connects main only when the second socket exists
    s.others = others;
    s.port = main.address().port;
    ports.set(s.port, (ports.get(s.port) ?? 0) + 1);
    for (const sock of others ? [main, others] : [main]) {
      listen(s, sock);
      sock.onError((err) => socketError(s, err));
    }
  }

  function listen(s: Session, sock: UdpSocket): void {
    const connected = sock === s.socket && s.connected;
    sock.onMessage((msg, from) => {
      try {
        // Hot path, once per block in lock-step: an ACK on the connected socket is the client's.
        if (connected && s.transfer !== null && msg.length >= 4 && msg[0] === 0 && msg[1] === Opcode.ACK) {
          poll.acked();
          s.transfer.onAck((msg[2]! << 8) | msg[3]!);
          if (!s.transfer.done && sessions.size <= opt.busyPollMaxTransfers) poll.sent();
          return;
        }
        onTransferPacket(s, msg, from, sock);
      } catch (err) {
        handlerFailed('transfer packet', from, err);
      }
    });
  }

  function socketError(s: Session, err: Error): void {
    // ECONNREFUSED on a connected socket: ICMP port unreachable, the client is gone.
    if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') s.transfer?.cancel('client port unreachable', false);
    else log.warn('tftp: transfer socket error', { client: s.key, err: errText(err) });
  }

  function serveFailed(s: Session, err: unknown): void {
    if (err instanceof TftpRequestError) refuse(s.client, err.code, err.message, { file: s.filename });
    else {
      st.failed++;
      log.error('tftp: request failed', { client: s.key, file: s.filename, err: errText(err) });
      reply(s.client, ErrorCode.NOT_DEFINED, 'internal error');
    }
    end(s);
  }

  function onTransferPacket(s: Session, msg: Buffer, from: UdpPeer, via: UdpSocket): void {
    if (from.port !== s.client.port || from.address !== s.client.address) {
      // RFC 1350 §4: wrong source TID -> ERROR 5 to it, the transfer goes on. Never answer an ERROR.
      const isError = msg.length >= 2 && msg[0] === 0 && msg[1] === Opcode.ERROR;
      if (!isError) via.send(encodeError(ErrorCode.UNKNOWN_TID, 'unknown transfer ID'), from.port, from.address);
      return;
    }
    const t = s.transfer;
    if (!t) return;
    if (msg.length >= 4 && msg[0] === 0 && msg[1] === Opcode.ACK) return t.onAck((msg[2]! << 8) | msg[3]!); // hot path
    let pkt: TftpPacket | null = null;
    try {
      pkt = decode(msg);
    } catch {
      // counted below
    }
    if (pkt?.op === 'error') return t.onError(pkt.code, pkt.message);
    st.dropped++;
  }

  function finished(s: Session, r: TransferResult): void {
    s.completed = r.status === 'completed';
    if (s.completed && s.socket?.queued?.() === 0) s.transfer?.releaseBuffers();
    st[r.status]++;
    st.bytesSent += r.bytesSent;
    const fields = {
      client: s.key, file: s.filename, status: r.status, reason: r.reason, bytes: r.bytesSent,
      retransmits: r.retransmits, ms: clock.now() - s.startedAt,
    };
    if (r.status === 'failed') log.warn('tftp: transfer failed', fields);
    else log.info('tftp: transfer ended', fields);
    end(s);
  }

  function cancel(s: Session, reason: string, notifyClient: boolean): void {
    s.cancelled = true;
    if (s.transfer) s.transfer.cancel(reason, notifyClient); // -> finished -> end
    else if (s.pumped) s.pumped.cancel(reason, notifyClient); // -> ended -> finished -> end
    else if (sessions.get(s.key) === s) sessions.delete(s.key); // serve() ends it when it resumes
  }

  function end(s: Session): void {
    if (sessions.get(s.key) === s) sessions.delete(s.key);
    // After the current task: a request that replaces this one (onRrq) is in the map by then.
    if (deps.onSessionEnd) queueMicrotask(() => deps.onSessionEnd!(s.client, sessions.has(s.key)));
    const users = ports.get(s.port) ?? 0;
    if (users > 1) ports.set(s.port, users - 1);
    else ports.delete(s.port);
    const { socket, others, source } = s;
    s.socket = s.others = null;
    s.source = null;
    const closeAll = async () => {
      await Promise.all([socket?.close(), others?.close()]);
      await source?.close?.(s.completed);
    };
    track(closeAll().catch((err: unknown) => log.warn('tftp: close failed', { client: s.key, err: errText(err) })));
  }

  return {
    async listen() {
      if (main) throw new Error('tftp server already listening');
      const sock = await bind(opt.host, opt.port);
      main = sock;
      sock.onMessage((msg, from) => {
        try {
          onRequest(msg, from, false);
        } catch (err) {
          handlerFailed('request', from, err);
        }
      });
      sock.onError((err) => log.error('tftp: socket error', { err: errText(err) }));
      const addr = sock.address();
      log.info('tftp: listening', { address: addr.address, port: addr.port });
      return addr;
    },
    accept(msg, from) {
      try {
        onRequest(msg, from, true);
      } catch (err) {
        handlerFailed('request', from, err);
      }
    },
    async close() {
      closing = true;
      poll.stop();
      for (const s of [...sessions.values()]) cancel(s, 'server shutting down', true);
      await main?.close();
      for (let i = 0; i < 10 && pending.size > 0; i++) await Promise.allSettled([...pending]);
    },
    stats: () => ({ ...st, active: sessions.size }),
  };
}
