// Simulated machines of the boot storm, scripted like real network boots:
//   firmware delay -> [PXE ROM: DHCP DORA as PXEClient -> TFTP undionly.kpxe] -> DHCP DORA as
//   iPXE -> GET the script (option 67) -> GET kernel and initrd -> OS boot delay -> GET the
//   checkpoint URL (the `cb=` word of the script's kernel line). That URL carries the host's
//   per-attempt callback secret in its path, so the script is the only way to learn it (as for a
//   real installer); a machine that restarts after a power cycle fetches a new script, and a
//   checkpoint of an older attempt is refused (403) like a real late callback.
// DHCP goes through one relay agent socket (giaddr 127.1.0.1, port 67, where Corral answers
// relayed requests), dispatching replies by xid; TFTP and HTTP leave from the machine's leased
// address (127.1.x.y), so Corral attributes TFTP and kernel fetches to the right host.
// Like iPXE, a machine retransmits DHCP with growing timeouts and gives up after a few tries;
// a machine that gave up stays quiet until Corral power-cycles it (stage timeouts).
import dgram from 'node:dgram';
import http from 'node:http';
import { decodeDhcp, encodeDhcp } from '../../src/dhcp/codec.js';
import { Opt } from '../../src/dhcp/options.js';
import { getMessageType, getServerId, type DhcpPacket } from '../../src/dhcp/packet.js';
import type { Mac } from '../../src/model/index.js';
import { decode as decodeTftp, encodeAck, encodeRequest } from '../../src/tftp/codec.js';
import type { StormHost } from '../storm-sot.js';
import { between, hostRng, SampleSet, type Range, type Sleeper } from './util.js';

// ---------------------------------------------------------------------------------------------
// The relay agent: one UDP socket on <giaddr>:67.

export interface RelayStats {
  sent: number;
  received: number;
  /** Replies for no exchange in progress (late answers to a retransmission, say). */
  unmatched: number;
  malformed: number;
  sendErrors: number;
}

export class Relay {
  readonly stats: RelayStats = { sent: 0, received: 0, unmatched: 0, malformed: 0, sendErrors: 0 };
  private handlers = new Map<number, (p: DhcpPacket) => void>();

  private constructor(
    private readonly sock: dgram.Socket,
    readonly giaddr: string,
    private readonly server: { address: string; port: number },
  ) {
    sock.on('message', (msg) => {
      this.stats.received++;
      let p: DhcpPacket;
      try {
        p = decodeDhcp(msg);
      } catch {
        this.stats.malformed++;
        return;
      }
      const h = this.handlers.get(p.xid);
      if (h) h(p);
      else this.stats.unmatched++;
    });
    sock.on('error', () => this.stats.sendErrors++);
  }

  /**
   * Binds giaddr:port (67: Corral answers relays there; needs root or CAP_NET_BIND_SERVICE).
   * reuseAddr: beside a Corral on the same host whose DHCP holds 0.0.0.0:67 (with SO_REUSEADDR,
   * as it does); datagrams for giaddr still come here, the more specific binding.
   */
  static open(giaddr: string, port: number, server: { address: string; port: number }, o: { reuseAddr?: boolean } = {}): Promise<Relay> {
    return new Promise((resolve, reject) => {
      const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, reuseAddr: o.reuseAddr ?? false });
      sock.once('error', reject);
      sock.bind({ address: giaddr, port, exclusive: true }, () => {
        sock.off('error', reject);
        resolve(new Relay(sock, giaddr, server));
      });
    });
  }

  listen(xid: number, fn: (p: DhcpPacket) => void): void {
    this.handlers.set(xid, fn);
  }

  unlisten(xid: number): void {
    this.handlers.delete(xid);
  }

  send(p: DhcpPacket): void {
    const bytes = encodeDhcp({ ...p, giaddr: this.giaddr, hops: 1 });
    this.stats.sent++;
    this.sock.send(bytes, this.server.port, this.server.address, (err) => {
      if (err) this.stats.sendErrors++;
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.sock.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The machines.

export interface MachineSimOptions {
  seed: number;
  hosts: StormHost[];
  relay: Relay;
  /** Corral's boot address, and its TFTP port (PXE ROMs get siaddr from DHCP, the port from us). */
  tftp: { address: string; port: number };
  firmwareMs: Range;
  /** From "kernel and initrd fetched" to the installer's checkpoint call. */
  osMs: Range;
  httpTimeoutMs: number;
  sleeper: Sleeper;
}

/** Why a machine stopped short of its checkpoint. */
export type Failure = { step: string; reason: string };

export interface MachineCounters {
  boots: number;
  /** A newer power cycle replaced a run in progress (Corral retried the boot). */
  superseded: number;
  completed: number;
  exitScripts: number;
  dhcpRetransmits: number;
  dhcpNaks: number;
  tftpRetransmits: number;
  httpRetries: number;
  failures: Map<string, number>;
}

const ip4 = (s: string) => Uint8Array.from(s.split('.').map(Number));
const u16 = (n: number) => Uint8Array.of(n >> 8, n & 255);
const text = (s: string) => Uint8Array.from(Buffer.from(s, 'latin1'));
const PRL_PXE = Uint8Array.of(1, 2, 3, 5, 6, 11, 12, 13, 15, 16, 17, 18, 43, 54, 60, 67, 128, 129, 130, 131, 132, 133, 134, 135);
const PRL_IPXE = Uint8Array.of(1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, 128, 129, 130, 131, 132, 133, 134, 135, 175, 203);

class Aborted extends Error {}
class StepFailed extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
  }
}

export class MachineSim {
  readonly samples = new SampleSet();
  readonly counters: MachineCounters = {
    boots: 0, superseded: 0, completed: 0, exitScripts: 0, dhcpRetransmits: 0, dhcpNaks: 0, tftpRetransmits: 0, httpRetries: 0, failures: new Map(),
  };
  /** Client-side completion time (checkpoint answered 200) per host id. */
  readonly doneAt = new Map<string, number>();
  readonly lastFailure = new Map<string, Failure>();
  private readonly byId: Map<string, StormHost>;
  private readonly gen = new Map<string, number>();
  private readonly xids = new Set<number>();
  private readonly xidRnd: () => number;
  private running = 0;
  peakRunning = 0;
  /** Kernel and initrd downloads: bytes, and the window from the first request to the last byte (epoch ms). */
  readonly assets = { bytes: 0, downloads: 0, firstStart: Infinity, lastEnd: 0 };

  constructor(private readonly o: MachineSimOptions) {
    this.byId = new Map(o.hosts.map((h) => [h.id, h]));
    this.xidRnd = hostRng(o.seed, -1, 0, 9);
  }

  /** Boots in progress (started, neither completed nor failed nor superseded yet). */
  get inProgress(): number {
    return this.running;
  }

  indexOf(hostId: string): number {
    return this.byId.get(hostId)?.index ?? 0;
  }

  /** Power-up or reboot: a PXE boot runs the script; a disk boot has nothing to simulate. */
  boot(hostId: string, pxe: boolean): void {
    const h = this.byId.get(hostId);
    const g = (this.gen.get(hostId) ?? 0) + 1;
    this.gen.set(hostId, g);
    if (g > 1) this.counters.superseded++;
    if (!h || !pxe) return;
    this.counters.boots++;
    void this.run(h, g);
  }

  off(hostId: string): void {
    this.gen.set(hostId, (this.gen.get(hostId) ?? 0) + 1);
  }

  private alive(h: StormHost, g: number): void {
    if (this.gen.get(h.id) !== g || this.o.sleeper.isStopped) throw new Aborted();
  }

  private async run(h: StormHost, g: number): Promise<void> {
    this.running++;
    this.peakRunning = Math.max(this.peakRunning, this.running);
    const rnd = hostRng(this.o.seed, h.index, g, 2);
    const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      try {
        const r = await fn();
        this.alive(h, g);
        this.samples.add(name, performance.now() - t0);
        return r;
      } catch (e) {
        if (e instanceof Aborted || e instanceof StepFailed) throw e;
        throw new StepFailed(name, (e as Error).message ?? String(e));
      }
    };
    try {
      if (!(await this.o.sleeper.sleep(between(rnd, this.o.firmwareMs)))) return;
      this.alive(h, g);
      const t0 = performance.now();
      if (h.pxeRom) {
        const offer = await step('dhcp (PXE ROM)', () => this.dora(h, g, false));
        const file = offer.file || Buffer.from(offer.options.get(Opt.bootfileName) ?? []).toString('latin1');
        if (!file) throw new StepFailed('dhcp (PXE ROM)', 'no boot file in the ACK');
        await step('tftp', () => this.tftpGet(h, g, file));
        // undionly.kpxe starts iPXE, which does DHCP again, now as iPXE.
      }
      const ack = await step('dhcp', () => this.dora(h, g, true));
      const scriptUrl = Buffer.from(ack.options.get(Opt.bootfileName) ?? []).toString('latin1') || ack.file;
      if (!/^https?:\/\//.test(scriptUrl)) throw new StepFailed('dhcp', `no script URL in the ACK (got "${scriptUrl}")`);
      const script = (await step('script', () => this.httpGet(h, g, scriptUrl, true))).text;
      const lines = script.split('\n').map((l) => l.trim());
      const kernelWords = lines.find((l) => l.startsWith('kernel '))?.split(/\s+/).slice(1) ?? [];
      const kernelUrl = kernelWords[0];
      const cb = kernelWords.find((w) => w.startsWith('cb='))?.slice(3);
      if (!kernelUrl) {
        this.counters.exitScripts++;
        throw new StepFailed('script', `no kernel line (exit script: ${lines.find((l) => l.startsWith('echo')) ?? script.slice(0, 80)})`);
      }
      if (!cb) throw new StepFailed('script', 'no cb= checkpoint URL on the kernel line');
      await step('kernel', () => this.asset(h, g, kernelUrl));
      for (const line of lines.filter((l) => l.startsWith('initrd '))) {
        const url = line.split(/\s+/)[1];
        if (url) await step('initrd', () => this.asset(h, g, url));
      }
      if (!(await this.o.sleeper.sleep(between(rnd, this.o.osMs)))) return;
      this.alive(h, g);
      await step('checkpoint', () => this.httpGet(h, g, cb, false));
      this.samples.add('boot (firmware done -> checkpoint)', performance.now() - t0);
      this.counters.completed++;
      this.doneAt.set(h.id, Date.now());
      this.lastFailure.delete(h.id);
    } catch (e) {
      if (e instanceof Aborted) return;
      const f: Failure = e instanceof StepFailed ? { step: e.step, reason: e.message } : { step: '?', reason: String(e) };
      const key = `${f.step}: ${f.reason.replace(/\d+(\.\d+)*/g, 'N').slice(0, 80)}`;
      this.counters.failures.set(key, (this.counters.failures.get(key) ?? 0) + 1);
      this.lastFailure.set(h.id, f);
    } finally {
      this.running--;
    }
  }

  private newXid(): number {
    for (;;) {
      const x = Math.floor(this.xidRnd() * 0xffffffff) >>> 0;
      if (x !== 0 && !this.xids.has(x)) {
        this.xids.add(x);
        return x;
      }
    }
  }

  private request(h: StormHost, xid: number, type: 'DISCOVER' | 'REQUEST', ipxe: boolean, startedAt: number): DhcpPacket {
    const chaddr = new Uint8Array(16);
    chaddr.set(h.mac.split(':').map((x) => parseInt(x, 16)));
    const arch = h.pxeRom ? 0 : 7;
    const options = new Map<number, Uint8Array>([
      [Opt.messageType, Uint8Array.of(type === 'DISCOVER' ? 1 : 3)],
      [Opt.maxMessageSize, u16(1472)],
      [Opt.paramRequestList, ipxe ? PRL_IPXE : PRL_PXE],
      [Opt.clientArch, u16(arch)],
      [Opt.clientNdi, Uint8Array.of(1, 3, 16)],
      [Opt.vendorClass, text(`PXEClient:Arch:${String(arch).padStart(5, '0')}:UNDI:003016`)],
    ]);
    if (ipxe) options.set(Opt.userClass, text('iPXE'));
    return {
      op: 1, htype: 1, hlen: 6, hops: 0, xid,
      secs: Math.min(0xffff, Math.floor((performance.now() - startedAt) / 1000)),
      flags: 0, ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0',
      chaddr, mac: h.mac as Mac, sname: '', file: '', options,
    };
  }

  /**
   * DISCOVER -> OFFER -> REQUEST -> ACK through the relay. Retransmits like iPXE (timeouts
   * 1, 2, 4, 8 s; 4 DISCOVERs, then 3 REQUESTs); a NAK starts over once.
   */
  private async dora(h: StormHost, g: number, ipxe: boolean): Promise<DhcpPacket> {
    const xid = this.newXid();
    const inbox: DhcpPacket[] = [];
    let wake: (() => void) | undefined;
    this.o.relay.listen(xid, (p) => {
      if (p.mac !== h.mac || p.op !== 2) return;
      inbox.push(p);
      wake?.();
    });
    const startedAt = performance.now();
    const next = async (types: string[], ms: number): Promise<DhcpPacket | undefined> => {
      const deadline = performance.now() + ms;
      for (;;) {
        const i = inbox.findIndex((p) => types.includes(getMessageType(p) ?? ''));
        if (i >= 0) return inbox.splice(i, 1)[0];
        inbox.length = 0;
        const left = deadline - performance.now();
        if (left <= 0) return undefined;
        await this.o.sleeper.waitFor(left, (w) => (wake = w));
        wake = undefined;
        this.alive(h, g);
      }
    };
    try {
      for (let round = 0; round < 2; round++) {
        let offer: DhcpPacket | undefined;
        for (let n = 0; n < 4 && !offer; n++) {
          if (n > 0) this.counters.dhcpRetransmits++;
          this.o.relay.send(this.request(h, xid, 'DISCOVER', ipxe, startedAt));
          offer = await next(['OFFER'], 1000 * 2 ** n);
        }
        if (!offer) throw new Error('no OFFER after 4 DISCOVERs');
        const serverId = getServerId(offer);
        if (!serverId || offer.yiaddr === '0.0.0.0') throw new Error('OFFER without server id or address');
        let ack: DhcpPacket | undefined;
        for (let n = 0; n < 3 && !ack; n++) {
          if (n > 0) this.counters.dhcpRetransmits++;
          const req = this.request(h, xid, 'REQUEST', ipxe, startedAt);
          req.options.set(Opt.requestedIp, ip4(offer.yiaddr));
          req.options.set(Opt.serverId, ip4(serverId));
          this.o.relay.send(req);
          ack = await next(['ACK', 'NAK'], 1000 * 2 ** n);
        }
        if (!ack) throw new Error('no ACK after 3 REQUESTs');
        if (getMessageType(ack) === 'NAK') {
          this.counters.dhcpNaks++;
          continue;
        }
        if (ack.yiaddr !== h.ip) throw new Error(`ACK for ${ack.yiaddr}, the SoT says ${h.ip}`);
        return ack;
      }
      throw new Error('NAK twice');
    } finally {
      this.o.relay.unlisten(xid);
      this.xids.delete(xid);
    }
  }

  /** A PXE ROM's TFTP read: RRQ with blksize/tsize, lock-step ACKs, retransmission on 1 s timeouts. */
  private async tftpGet(h: StormHost, g: number, file: string): Promise<number> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(0, h.ip, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    const inbox: { msg: Buffer; port: number }[] = [];
    let wake: (() => void) | undefined;
    sock.on('message', (msg, rinfo) => {
      if (rinfo.address !== this.o.tftp.address) return;
      inbox.push({ msg, port: rinfo.port });
      wake?.();
    });
    sock.on('error', () => undefined);
    const send = (b: Uint8Array, port: number) => sock.send(b, port, this.o.tftp.address);
    try {
      let last: Uint8Array = encodeRequest('rrq', file, 'octet', { blksize: 1432, tsize: 0 });
      let lastPort = this.o.tftp.port;
      let tid = 0;
      let blksize = 512;
      let expected = 1;
      let bytes = 0;
      send(last, lastPort);
      for (let idle = 0; ; ) {
        if (inbox.length === 0) {
          const woke = await this.o.sleeper.waitFor(1000, (w) => (wake = w));
          wake = undefined;
          this.alive(h, g);
          if (!woke) {
            if (++idle > 5) throw new Error(`TFTP timed out after block ${expected - 1}`);
            this.counters.tftpRetransmits++;
            send(last, lastPort);
            continue;
          }
        }
        const r = inbox.shift()!;
        idle = 0;
        if (tid === 0) tid = r.port;
        if (r.port !== tid) continue;
        let p;
        try {
          p = decodeTftp(r.msg);
        } catch {
          continue;
        }
        if (p.op === 'error') throw new Error(`TFTP error ${p.code}: ${p.message}`);
        if (p.op === 'oack') {
          blksize = Number(p.options.blksize ?? 512);
          last = encodeAck(0);
          lastPort = tid;
          send(last, tid);
          continue;
        }
        if (p.op !== 'data') continue;
        if (p.block !== (expected & 0xffff)) {
          send(encodeAck((expected - 1) & 0xffff), tid);
          continue;
        }
        bytes += p.data.length;
        expected++;
        last = encodeAck(p.block);
        lastPort = tid;
        send(last, tid);
        if (p.data.length < blksize) return bytes;
      }
    } finally {
      await new Promise<void>((resolve) => setImmediate(() => sock.close(() => resolve())));
    }
  }

  private async asset(h: StormHost, g: number, url: string): Promise<void> {
    const t0 = Date.now();
    const { bytes } = await this.httpGet(h, g, url, false);
    const a = this.assets;
    a.bytes += bytes;
    a.downloads++;
    a.firstStart = Math.min(a.firstStart, t0);
    a.lastEnd = Math.max(a.lastEnd, Date.now());
  }

  /** GET from the machine's own address, no keep-alive; up to 3 tries on connection errors (iPXE retries too). */
  private async httpGet(h: StormHost, g: number, url: string, keepText: boolean): Promise<{ text: string; bytes: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.httpOnce(h, url, keepText);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const retryable = code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'EPIPE';
        if (!retryable || attempt >= 3) throw e;
        this.counters.httpRetries++;
        if (!(await this.o.sleeper.sleep(500 * attempt))) throw new Aborted();
        this.alive(h, g);
      }
    }
  }

  private httpOnce(h: StormHost, url: string, keepText: boolean): Promise<{ text: string; bytes: number }> {
    return new Promise((resolve, reject) => {
      const req = http.get(url, { localAddress: h.ip, agent: false, timeout: this.o.httpTimeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (keepText) chunks.push(c);
        });
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode} for ${new URL(url).pathname.split('/')[1]}`));
          else resolve({ text: keepText ? Buffer.concat(chunks).toString('utf8') : '', bytes });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('HTTP timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
    });
  }
}
