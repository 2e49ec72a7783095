// The DHCP service: sockets around the pure responder. Receives on 0.0.0.0:67 and on
// <address>:67 (see sockets.ts), on <address>:4011 (PXE boot server / proxyDHCP), and watches
// 0.0.0.0:68 for other servers' replies (rogue detection, server mode). Every packet is handled
// inside a guard: a bad one is dropped and counted by reason, never crashes the process.
// A lease change is durable before its reply is sent (LeaseTable.apply).
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { DhcpMode, Mac } from '../model/index.js';
import type { DhcpBackend, DhcpSot } from './backend.js';
import { DhcpCodecError, decodeDhcp, encodeDhcp } from './codec.js';
import { LeaseTable, type LeaseTableOptions } from './leases.js';
import { getMessageType, type DhcpPacket } from './packet.js';
import { bootClientKind, classifyClient, type BootClient, type BootClientKind, type BootFiles } from './pxe.js';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, PXE_SERVER_PORT, maxReplySize, replyDestination } from './reply.js';
import { UNKNOWN_MAC, isDrop, respond, type Answer, type DhcpEvent, type RespondContext, type ServerConfig } from './responder.js';
import { watchRogues } from './rogue.js';
import { bindUdp, type DhcpBindFn, type DhcpSocket, type UdpFrom } from './sockets.js';
import { buildReservations, effectiveMode, findSubnet, selectSubnet } from './subnets.js';
import { Throttle } from './throttle.js';

export interface DhcpServerConfig {
  /** The provisioning interface (for logs: Node cannot bind to a device). */
  interface?: string;
  /** Our IPv4 on the provisioning LAN: server identifier, broadcast source, proxy address. */
  address: string;
  /** Serve only this site's subnets (default: every site of the SoT). */
  siteId?: string;
  /** Listen (server, proxy) and destination (client, relay) ports; tests use unprivileged ones. */
  ports?: { server?: number; client?: number; proxy?: number; relay?: number };
  /** Overrides the SoT's dhcp_mode everywhere. */
  mode?: DhcpMode;
  /** Next server for TFTP boots (default: address). */
  tftpServer?: string;
  httpBase: string;
  scriptUrl(mac: Mac): string;
  bootFiles?: BootFiles;
  leases?: LeaseTableOptions;
  /** Watch port 68 for other DHCP servers (default true). */
  watchRogues?: boolean;
  /** SO_RCVBUF of the receiving socket (default 4 MiB, capped by the kernel). */
  recvBufferSize?: number;
}

export interface DhcpServerDeps {
  /** The SoT, lease storage and event sinks (backend.ts). */
  backend: DhcpBackend;
  clock: Clock;
  log: Logger;
  config: DhcpServerConfig;
  bind?: DhcpBindFn;
}

export interface DhcpStats {
  received: number;
  replied: number;
  dropped: number;
  dropReasons: Record<string, number>;
  /** Handled without a reply: released, declined, client chose another server. */
  silent: Record<string, number>;
  offers: number;
  acks: number;
  naks: number;
  sendErrors: number;
  storeErrors: number;
  rogueServers: string[];
  /** Offers/ACKs from other servers seen on a server-mode segment. */
  rogueOffers: number;
  rogueNotesSuppressed: number;
  leases: { bound: number; offered: number; declined: number; stored: number };
  /**
   * OFFERs and ACKs sent, by the boot stage of the client (pxe: firmware PXE, http: UEFI HTTP
   * boot, ipxe, dhcp: installer or OS). Counted in memory; the journal's dhcp.offered/acked events
   * carry the same `client` field.
   */
  byClient: Record<BootClientKind, { offers: number; acks: number }>;
}

export interface DhcpServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): DhcpStats;
  /** The bound ports (after start): useful when the config asked for ephemeral ones (0). */
  ports(): { server: number; proxy?: number; client?: number };
}

/** The statistics of a server that has seen nothing yet. */
export function emptyDhcpStats(): DhcpStats {
  return {
    received: 0, replied: 0, dropped: 0, dropReasons: {}, silent: {}, offers: 0, acks: 0, naks: 0,
    sendErrors: 0, storeErrors: 0, rogueServers: [], rogueOffers: 0, rogueNotesSuppressed: 0, leases: { bound: 0, offered: 0, declined: 0, stored: 0 },
    byClient: { pxe: { offers: 0, acks: 0 }, http: { offers: 0, acks: 0 }, ipxe: { offers: 0, acks: 0 }, dhcp: { offers: 0, acks: 0 } },
  };
}

type Via = 67 | 4011;

const bump = (r: Record<string, number>, k: string) => void (r[k] = (r[k] ?? 0) + 1);

/** Codec messages carry numbers (lengths, codes): strip them so reasons stay a small set. */
const malformed = (e: unknown) => `malformed: ${e instanceof DhcpCodecError ? e.message.replace(/\d+/g, 'N').slice(0, 48) : 'decode error'}`;

export function createDhcpServer(deps: DhcpServerDeps): DhcpServer {
  const { config: cfg, clock, log: baseLog } = deps;
  const log = baseLog.child({ component: 'dhcp' });
  const bind = deps.bind ?? bindUdp;
  const { backend } = deps;
  const leases = new LeaseTable(backend.leases, clock, log, cfg.leases);
  const stats = emptyDhcpStats();
  const tftpServer = cfg.tftpServer ?? cfg.address;
  const server: ServerConfig = {
    serverIp: cfg.address,
    bootTarget: (mac) => ({ tftpServer, httpBase: cfg.httpBase, scriptUrl: cfg.scriptUrl(mac), ...(cfg.bootFiles && { files: cfg.bootFiles }) }),
  };
  const unknownMacs = new Throttle(clock);
  const logLimit = new Throttle(clock, 60_000, 50);
  const sockets: DhcpSocket[] = [];
  const inflight = new Set<Promise<void>>();
  let out: DhcpSocket | undefined;
  let proxySock: DhcpSocket | undefined;
  let bound: { server: number; proxy?: number; client?: number } = { server: 0 };
  let summary: TimerHandle | undefined;
  let reservations: { sot: DhcpSot; lookup: (ip: number) => string | undefined } | undefined;

  /** The SoT's reservations, rebuilt when a new SoT is served. */
  const reservedFor = (sot: DhcpSot): ((ip: number) => string | undefined) => {
    if (reservations?.sot !== sot) {
      const index = buildReservations(sot);
      reservations = { sot, lookup: (ip) => index.get(ip) };
    }
    return reservations.lookup;
  };

  function context(req: DhcpPacket, client: BootClient, via: Via): RespondContext | undefined {
    const sot = backend.sot();
    if (!sot) return undefined;
    const placed = selectSubnet(sot, req, cfg.address, cfg.siteId);
    return {
      now: clock.now(),
      client,
      mode: placed ? effectiveMode(placed.site, placed.subnet, cfg.mode) : (cfg.mode ?? 'server'),
      port: via,
      site: placed?.site,
      subnet: placed?.subnet,
      known: req.mac ? backend.hostByMac(req.mac) : undefined,
      leases,
      reservedFor: reservedFor(sot),
      server,
    };
  }

  function drop(reason: string, req?: DhcpPacket): void {
    stats.dropped++;
    bump(stats.dropReasons, reason);
    if (reason === UNKNOWN_MAC && req?.mac) {
      if (!unknownMacs.allow(req.mac)) return;
      log.info('DHCP request from a MAC not in the SoT (discovery off): not answered', { mac: req.mac });
      backend.note('appliance', 'dhcp.unknown_mac', { mac: req.mac }).catch((e: unknown) => warnOnce('note failed', e));
    } else if (logLimit.allow(`drop:${reason}`)) {
      log.debug('DHCP packet dropped', { reason, mac: req?.mac });
    }
  }

  function warnOnce(what: string, e: unknown, fields: Record<string, unknown> = {}): void {
    if (logLimit.allow(`warn:${what}`)) log.warn(`DHCP ${what}`, { ...fields, error: e instanceof Error ? e.message : String(e) });
  }

  function report(ev: DhcpEvent, client: BootClientKind, via: Via): void {
    if (ev.kind === 'host') {
      const event = ev.ip !== undefined ? { type: ev.type, ip: ev.ip } : { type: ev.type };
      // Which boot stage asked (firmware PXE, UEFI HTTP boot, iPXE, installer): the journal's
      // boot phases (bench/boot-e2e.ts) are read from it. Part of the event already written.
      const data: Record<string, unknown> = via === 4011 ? { client, port: 4011 } : { client };
      backend.report(ev.hostId, event, data).catch((e: unknown) => warnOnce('lifecycle report failed', e, { host: ev.hostId }));
    } else if (ev.kind === 'discovered') {
      try {
        backend.discovered(ev.mac, ev.ip, ev.siteId);
      } catch (e) {
        warnOnce('onDiscovered failed', e);
      }
    } else if (logLimit.allow(`conflict:${ev.ip}`)) {
      log.warn('DHCPDECLINE: address in use on the network (conflict)', { ...ev });
      backend.note(ev.hostId ?? 'appliance', 'dhcp.conflict', { mac: ev.mac, ip: ev.ip }).catch((e: unknown) => warnOnce('note failed', e));
    }
  }

  function send(req: DhcpPacket, kind: BootClientKind, reply: DhcpPacket, bytes: Uint8Array, from: UdpFrom, via: Via): void {
    const dest = replyDestination(req, reply, { address: from.address, port: from.port, localPort: via === 4011 ? PXE_SERVER_PORT : DHCP_SERVER_PORT });
    let port = dest.port;
    if (via !== 4011) port = dest.port === DHCP_SERVER_PORT ? (cfg.ports?.relay ?? DHCP_SERVER_PORT) : (cfg.ports?.client ?? DHCP_CLIENT_PORT);
    const sock = via === 4011 ? proxySock : out;
    if (!sock) return drop('no socket to reply from');
    stats.replied++;
    const type = getMessageType(reply);
    if (type === 'OFFER') stats.offers++;
    else if (type === 'ACK') stats.acks++;
    else if (type === 'NAK') stats.naks++;
    if (type === 'OFFER' || type === 'ACK') stats.byClient[kind][type === 'OFFER' ? 'offers' : 'acks']++;
    sock.send(bytes, port, dest.address).catch((e: unknown) => {
      stats.sendErrors++;
      warnOnce('send failed', e, { to: `${dest.address}:${port}` });
    });
  }

  function finish(req: DhcpPacket, kind: BootClientKind, a: Answer, bytes: Uint8Array | undefined, from: UdpFrom, via: Via): void {
    if (a.reply && bytes) send(req, kind, a.reply, bytes, from, via);
    else if (a.silent) bump(stats.silent, a.silent);
    if (a.event) report(a.event, kind, via);
  }

  function handle(msg: Buffer, from: UdpFrom, via: Via): void {
    stats.received++;
    let req: DhcpPacket;
    try {
      req = decodeDhcp(msg);
    } catch (e) {
      return drop(malformed(e));
    }
    const client = classifyClient(req);
    const kind = bootClientKind(client);
    const ctx = context(req, client, via);
    if (!ctx) return drop('no SoT loaded', req);
    const outcome = respond(req, ctx);
    if (isDrop(outcome)) return drop(outcome.drop, req);
    let bytes: Uint8Array | undefined;
    if (outcome.reply) {
      try {
        bytes = encodeDhcp(outcome.reply, { maxSize: maxReplySize(req) });
      } catch (e) {
        return drop(e instanceof DhcpCodecError ? 'reply does not encode' : 'internal error', req);
      }
    }
    const durable = outcome.leaseChange ? leases.apply(outcome.leaseChange) : undefined;
    if (!durable) return finish(req, kind, outcome, bytes, from, via);
    const p = durable.then(
      () => finish(req, kind, outcome, bytes, from, via),
      (e: unknown) => {
        stats.storeErrors++;
        drop('lease not stored', req);
        warnOnce('cannot store lease; reply not sent', e, { mac: req.mac });
      },
    );
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  }

  function guarded(via: Via) {
    return (msg: Buffer, from: UdpFrom) => {
      try {
        handle(msg, from, via);
      } catch (e) {
        drop('internal error');
        warnOnce('internal error handling a packet', e);
      }
    };
  }

  async function open(req: Parameters<DhcpBindFn>[0], what: string, optional: boolean): Promise<DhcpSocket | undefined> {
    try {
      const s = await bind(req);
      s.onError((e) => warnOnce(`socket error (${what})`, e));
      sockets.push(s);
      return s;
    } catch (e) {
      if (!optional) throw e;
      log.warn(`cannot bind ${what}; continuing without it`, { address: `${req.address}:${req.port}`, error: (e as Error).message });
      return undefined;
    }
  }

  const localMode = (): DhcpMode => {
    const sot = backend.sot();
    const placed = sot ? findSubnet(sot, cfg.address, cfg.siteId) : undefined;
    return placed ? effectiveMode(placed.site, placed.subnet, cfg.mode) : (cfg.mode ?? 'server');
  };

  const api: DhcpServer = {
    async start() {
      leases.load();
      leases.start();
      const ports = cfg.ports ?? {};
      try {
        const main = (await open({ address: '0.0.0.0', port: ports.server ?? DHCP_SERVER_PORT, reuseAddr: true, broadcast: true, recvBufferSize: cfg.recvBufferSize ?? 4 << 20 }, 'DHCP port', false))!;
        main.onMessage(guarded(67));
        out = (await open({ address: cfg.address, port: main.port(), reuseAddr: true, broadcast: true, recvBufferSize: cfg.recvBufferSize ?? 4 << 20 }, 'DHCP reply socket', false))!;
        out.onMessage(guarded(67));
        bound = { server: main.port() };
        proxySock = await open({ address: cfg.address, port: ports.proxy ?? PXE_SERVER_PORT }, 'PXE port 4011', true);
        proxySock?.onMessage(guarded(4011));
        if (proxySock) bound.proxy = proxySock.port();
        if (cfg.watchRogues !== false) {
          const watch = await open({ address: '0.0.0.0', port: ports.client ?? DHCP_CLIENT_PORT, reuseAddr: true }, 'DHCP client port 68 (rogue server watch)', true);
          if (watch) {
            bound.client = watch.port();
            watchRogues(watch, { ownIp: cfg.address, mode: localMode, log, stats, allow: (k) => logLimit.allow(k), note: (subject, type, data) => backend.note(subject, type, data) });
          }
        }
      } catch (e) {
        await api.stop();
        throw e;
      }
      summary = clock.setTimeout(function tick() {
        const n = unknownMacs.takeSuppressed();
        if (n > 0) log.info('DHCP requests from unknown MACs not logged (rate limit)', { suppressed: n });
        summary = clock.setTimeout(tick, 60_000);
      }, 60_000);
      log.info('DHCP service started', { address: cfg.address, interface: cfg.interface ?? null, ports: bound, mode: localMode() });
    },
    async stop() {
      summary?.cancel();
      leases.stop();
      const socks = sockets.splice(0);
      await Promise.all(socks.map((s) => s.close()));
      out = proxySock = undefined;
      await Promise.allSettled([...inflight]);
    },
    stats: () => ({ ...stats, dropReasons: { ...stats.dropReasons }, silent: { ...stats.silent }, byClient: structuredClone(stats.byClient), rogueServers: [...stats.rogueServers], leases: leases.counts() }),
    ports: () => ({ ...bound }),
  };
  return api;
}
