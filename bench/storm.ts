// Boot-storm benchmark: N simulated hosts (fake IPMI BMCs + scripted DHCP/TFTP/HTTP machines)
// driven through the whole lifecycle by the real appliance, in-process: durable store, live SoT,
// BMC registry, lifecycle runner and power effects, orchestrator (one `mode: auto` site, so every
// host is provisioned as new), and the real DHCP, TFTP and boot HTTP services on loopback.
// Reports the time from the first power-on to all hosts `active`, throughput, client-observed
// latency per boot step, and event-handling latency (lifecycle.report / store.transact, from the
// call to the durable resolve). Runs several boot-storm limits one after the other in one run
// (same seed: the same per-host firmware, BMC and OS delays) and compares them.
//
//   node --import tsx bench/storm.ts [--hosts 1000] [--seed 1] [--storm-limits 50,1000]
//        [--bmc-concurrency 16] [--bmc-ms 30-120] [--firmware-ms 200-1500] [--os-ms 1000-3000]
//        [--tftp-share 0.1] [--kernel-kib 256] [--initrd-kib 64] [--time-cap-s 600]
//        [--pxe-expiry-s 60] [--address 127.0.0.1] [--json out.json] [--warmup-hosts 50]
//        [--slow-bmc]
//
// A storm limit of `off` (or 0) runs with no limit. --slow-bmc: BMCs answer each command in
// 1-2 s, like ipmitool against real BMCs, and the defaults become --storm-limits 50,off and
// --bmc-concurrency 32 (each host's BMC job is 3 commands, ~4.5 s: at 16 commands at once 1,000
// hosts need ~280 s of BMC time per run, at 32 half that, which keeps both runs near 5 minutes).
// Explicit options still win. It asserts nothing: it reports how many hosts failed (should be 0).
//
// Needs to bind UDP 127.1.0.1:67 (Corral answers relay agents on port 67, RFC 2131 §4.1, and
// its boot services take no other relay port): run as root or with CAP_NET_BIND_SERVICE, or
// lower net.ipv4.ip_unprivileged_port_start. All traffic stays on 127.0.0.0/8.
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { DhcpStats } from '../src/dhcp/server.js';
import type { Logger, LogFields } from '../src/lib/log.js';
import type { BootHttpStats } from '../src/boot/boot-http.js';
import type { TftpStats } from '../src/tftp/server.js';
import type { HostRuntime } from '../src/model/index.js';
import type { StoreStats } from '../src/store/lowdb-store.js';
import { generateStormSot, RELAY_IP } from './storm-sot.js';
import { startStormAppliance, type StormAppliance } from './storm/appliance.js';
import { createFakeIpmi } from './storm/fake-bmc.js';
import { MachineSim, Relay } from './storm/machine.js';
import { fmtMs, parseRange, Samples, SampleSet, Sleeper, type Range } from './storm/util.js';

// ---------------------------------------------------------------------------------------------
// Options

export function argText(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}

export function argNum(name: string, dflt: number, check: (n: number) => boolean = (n) => Number.isFinite(n) && n > 0): number {
  const t = argText(name);
  const v = t === undefined ? dflt : Number(t);
  if (!check(v)) throw new Error(`--${name}: bad value "${t}"`);
  return v;
}

export interface Options {
  hosts: number;
  seed: number;
  stormLimits: number[];
  bmcConcurrency: number;
  bmcMs: Range;
  firmwareMs: Range;
  osMs: Range;
  tftpShare: number;
  kernelKiB: number;
  initrdKiB: number;
  timeCapS: number;
  address: string;
  json: string | undefined;
  warmupHosts: number;
  pxeExpiryS: number;
  slowBmc: boolean;
}

/** A storm limit as the report names it (Infinity = no limit). */
export const limitLabel = (n: number): string => (Number.isFinite(n) ? String(n) : 'off');

/** The options above; `extra` = option names a bench built on this one adds (bench/events.ts). */
export function options(extra: string[] = []): Options {
  const known = new Set([...extra, 'hosts', 'seed', 'storm-limits', 'bmc-concurrency', 'bmc-ms', 'firmware-ms', 'os-ms', 'tftp-share', 'kernel-kib', 'initrd-kib', 'time-cap-s', 'address', 'json', 'warmup-hosts', 'pxe-expiry-s', 'slow-bmc']);
  for (const a of process.argv.slice(2)) {
    if (a.startsWith('--') && !known.has(a.slice(2))) throw new Error(`unknown option ${a} (see the header of bench/storm.ts)`);
  }
  const slowBmc = process.argv.includes('--slow-bmc');
  const stormLimits = (argText('storm-limits') ?? (slowBmc ? '50,off' : '50,1000')).split(',').map((s) => (s.trim() === 'off' || s.trim() === '0' ? Infinity : Number(s.trim())));
  if (stormLimits.length === 0 || stormLimits.some((n) => n !== Infinity && (!Number.isInteger(n) || n <= 0))) throw new Error('--storm-limits: positive whole numbers or off, comma-separated');
  const address = argText('address') ?? '127.0.0.1';
  if (!/^127\.\d+\.\d+\.\d+$/.test(address) || address.startsWith('127.1.')) throw new Error('--address must be a loopback address outside 127.1.0.0/16');
  const hosts = argNum('hosts', 1000, (n) => Number.isInteger(n) && n > 0 && n <= 62_500);
  return {
    hosts,
    seed: argNum('seed', 1, (n) => Number.isInteger(n) && n >= 0),
    stormLimits,
    bmcConcurrency: argNum('bmc-concurrency', slowBmc ? 32 : 16, Number.isInteger),
    bmcMs: parseRange(argText('bmc-ms') ?? (slowBmc ? '1000-2000' : '30-120'), '--bmc-ms'),
    firmwareMs: parseRange(argText('firmware-ms') ?? '200-1500', '--firmware-ms'),
    osMs: parseRange(argText('os-ms') ?? '1000-3000', '--os-ms'),
    tftpShare: argNum('tftp-share', 0.1, (n) => n >= 0 && n <= 1),
    kernelKiB: argNum('kernel-kib', 256),
    initrdKiB: argNum('initrd-kib', 64, (n) => n >= 0),
    timeCapS: argNum('time-cap-s', 600),
    address,
    json: argText('json'),
    pxeExpiryS: argNum('pxe-expiry-s', 60, (n) => n >= 0),
    warmupHosts: argNum('warmup-hosts', Math.min(50, hosts), (n) => Number.isInteger(n) && n >= 0 && n <= 62_500),
    slowBmc,
  };
}

// ---------------------------------------------------------------------------------------------
// Environment helpers

/** A port free for UDP on 0.0.0.0 (and so on every address). */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind({ port: 0, address: '0.0.0.0', exclusive: true }, () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function freeTcpPort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, address, () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** Distinct free UDP ports. */
async function freeUdpPorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  for (let tries = 0; out.size < n && tries < 100; tries++) out.add(await freeUdpPort());
  if (out.size < n) throw new Error('cannot find free UDP ports');
  return [...out];
}

/** The kernel's UDP counters (/proc/net/snmp): receive-buffer drops happen there, not in Corral. */
function udpCounters(): Record<string, number> {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    const [names, values] = lines.map((l) => l.split(/\s+/).slice(1));
    const out: Record<string, number> = {};
    names?.forEach((k, i) => (out[k] = Number(values?.[i])));
    return out;
  } catch {
    return {};
  }
}

/** Logger that keeps warnings and errors (counted by message) and drops the rest. */
function captureLogger(): Logger & { counts: Map<string, { n: number; first: LogFields | undefined }> } {
  const counts = new Map<string, { n: number; first: LogFields | undefined }>();
  const keep = (level: string) => (msg: string, fields?: LogFields) => {
    const k = `${level}: ${msg}`;
    const c = counts.get(k);
    if (c) c.n++;
    else counts.set(k, { n: 1, first: fields });
  };
  const logger: Logger = { debug() {}, info() {}, warn: keep('warn'), error: keep('error'), child: () => logger };
  return Object.assign(logger, { counts });
}

// ---------------------------------------------------------------------------------------------
// One run

export interface RunResult {
  stormLimit: number;
  hosts: number;
  active: number;
  failed: number;
  /** ms from the first power-on to the last host becoming active (NaN when not all did). */
  totalMs: number;
  /** ms from the first power-on to the moment the run ended (all active or the cap). */
  elapsedMs: number;
  startToFirstPowerMs: number;
  lastPowerOnMs: number;
  peakEarly: number;
  peakProvisioning: number;
  peakMachines: number;
  perHost: Samples;
  /** Per host: the storm's first power-on -> this host active (queueing included). */
  sinceStorm: Samples;
  steps: SampleSet;
  timings: SampleSet;
  machine: MachineSim['counters'];
  relay: Relay['stats'];
  dhcp: DhcpStats | undefined;
  tftp: TftpStats | undefined;
  http: BootHttpStats | undefined;
  store: StoreStats;
  bmc: { commands: Record<string, number>; peakInFlight: number; pxeBoots: number; diskBoots: number; expiredPxe: number; pxeToPower: Samples };
  udp: Record<string, number>;
  loopDelay: { p99: number; max: number };
  logs: [string, number, LogFields | undefined][];
  notActive: { id: string; state: string; stage?: string; lastError?: string; client?: string }[];
  /** Per BMC job: provision (or retry) -> the job began (power.started's queued_ms). */
  bmcQueued: Samples;
  /** Stage timeouts journalled, by stage. */
  timeouts: Record<string, number>;
  timeline: { t: number; active: number; early: number; provisioning: number }[];
}

const EARLY = new Set(['power', 'dhcp', 'firmware']);

/** What a bench built on this one does around a run: once the appliance is up, and once every host is done. */
export interface RunHooks {
  started?(app: StormAppliance): Promise<void> | void;
  finished?(app: StormAppliance): Promise<void> | void;
}

export async function runOnce(o: Options, stormLimit: number, capMs: number, hooks: RunHooks = {}): Promise<RunResult> {
  const tmp = await mkdtemp(join(tmpdir(), 'corral-storm-'));
  const sleeper = new Sleeper();
  const cleanups: (() => Promise<void> | void)[] = [() => rm(tmp, { recursive: true, force: true })];
  const cleanup = async () => {
    sleeper.stop(); // the machines and fake BMCs first: nothing talks to closed sockets
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    const sotDir = join(tmp, 'sot');
    const dataDir = join(tmp, 'data');
    const assetsDir = join(tmp, 'assets');
    const tftpRoot = join(tmp, 'tftp');
    for (const d of [assetsDir, tftpRoot]) mkdirSync(d, { recursive: true });
    writeFileSync(join(assetsDir, 'vmlinuz'), randomBytes(o.kernelKiB * 1024));
    writeFileSync(join(assetsDir, 'initrd.img'), randomBytes(o.initrdKiB * 1024));
    writeFileSync(join(tftpRoot, 'undionly.kpxe'), randomBytes(70 * 1024)); // the size of Debian's
    const [dhcpPort, dhcpClientPort, proxyPort, tftpPort] = (await freeUdpPorts(4)) as [number, number, number, number];
    const httpPort = await freeTcpPort(o.address);
    const hosts = generateStormSot(sotDir, { hosts: o.hosts, tftpShare: o.tftpShare, address: o.address, httpPort });

    const relay = await Relay.open(RELAY_IP, 67, { address: o.address, port: dhcpPort }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EACCES') throw new Error(`cannot bind the relay agent on ${RELAY_IP}:67 (Corral replies to relays on port 67): run as root or with CAP_NET_BIND_SERVICE`);
      throw new Error(`cannot bind the relay agent on ${RELAY_IP}:67: ${e.message}`);
    });
    cleanups.push(() => relay.close());
    const sim = new MachineSim({ seed: o.seed, hosts, relay, tftp: { address: o.address, port: tftpPort }, firmwareMs: o.firmwareMs, osMs: o.osMs, httpTimeoutMs: 30_000, sleeper });
    const ipmi = createFakeIpmi({ seed: o.seed, latencyMs: o.bmcMs, pxeExpiryMs: o.pxeExpiryS * 1000, sleeper, indexOf: (id) => sim.indexOf(id), onBoot: (id, pxe) => sim.boot(id, pxe), onOff: (id) => sim.off(id) });
    const log = captureLogger();
    const udp0 = udpCounters();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    cleanups.push(() => void loop.disable());

    const app = await startStormAppliance({
      sotDir,
      dataDir,
      stormLimit,
      bmcConcurrency: o.bmcConcurrency,
      ipmi,
      log,
      boot: { address: o.address, httpPort, tftpPort, dhcpPort, dhcpClientPort, proxyPort, tftpRoot, assetsDir, dhcp: true, tftp: true, http: true, dhcpMode: 'server' },
    });
    cleanups.push(() => app.stop());
    const st = app.boot.status();
    for (const k of ['dhcp', 'tftp', 'http'] as const) {
      const s = st[k];
      if (s.state !== 'running') throw new Error(`boot service ${k} is ${s.state}: ${'reason' in s ? s.reason : ''}`);
    }
    await hooks.started?.(app);

    // Watch the store until every host is active, none can progress, or the cap.
    const endBy = Date.now() + capMs;
    let peakEarly = 0;
    let peakProvisioning = 0;
    const timeline: RunResult['timeline'] = [];
    let lastPrint = 0;
    let hostsRt: HostRuntime[] = [];
    for (;;) {
      hostsRt = app.store.list('hosts');
      let active = 0;
      let early = 0;
      let provisioning = 0;
      let failed = 0;
      for (const h of hostsRt) {
        if (h.state === 'active') active++;
        else if (h.state === 'failed') failed++;
        else if (h.state === 'provisioning') {
          provisioning++;
          if (h.stage && EARLY.has(h.stage)) early++;
        }
      }
      peakEarly = Math.max(peakEarly, early);
      peakProvisioning = Math.max(peakProvisioning, provisioning);
      const first = ipmi.stats.firstPowerOnAt;
      const now = Date.now();
      if (now - lastPrint >= 5000) {
        lastPrint = now;
        const t = (now - (first ?? app.startedAt)) / 1000;
        if (first) timeline.push({ t, active, early, provisioning });
        process.stderr.write(
          `  [limit ${limitLabel(stormLimit)}] +${t.toFixed(0).padStart(3)} s${first ? '' : ' (no power-on yet)'}  active ${active}/${o.hosts}  provisioning ${provisioning} (early stages ${early})  failed ${failed}\n`,
        );
      }
      if (active === o.hosts || active + failed === o.hosts || now >= endBy || stopRequested) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const endedAt = Date.now();
    const first = ipmi.stats.firstPowerOnAt ?? NaN;
    const activeHosts = hostsRt.filter((h) => h.state === 'active');
    const perHost = new Samples();
    const sinceStorm = new Samples();
    for (const h of activeHosts) {
      sinceStorm.add(h.since - first);
      const on = ipmi.stats.powerOnAt.get(h.id);
      if (on !== undefined) perHost.add(h.since - on);
    }
    const lastActive = activeHosts.reduce((m, h) => Math.max(m, h.since), 0);
    const allActive = activeHosts.length === o.hosts;
    const status = app.boot.status();
    const udp1 = udpCounters();
    const udp: Record<string, number> = {};
    for (const k of ['InDatagrams', 'RcvbufErrors', 'InErrors', 'SndbufErrors']) udp[k] = (udp1[k] ?? 0) - (udp0[k] ?? 0);
    const lastPower = Math.max(...ipmi.stats.powerOnAt.values());
    const bmcQueued = new Samples();
    const timeouts: Record<string, number> = {};
    for (const e of await app.store.events({ types: ['power.started', 'timeout'] })) {
      if (e.type === 'power.started') bmcQueued.add(Number(e.data?.queued_ms));
      else timeouts[String(e.data?.stage)] = (timeouts[String(e.data?.stage)] ?? 0) + 1;
    }
    const result: RunResult = {
      stormLimit,
      hosts: o.hosts,
      active: activeHosts.length,
      failed: hostsRt.filter((h) => h.state === 'failed').length,
      totalMs: allActive ? lastActive - first : NaN,
      elapsedMs: endedAt - first,
      startToFirstPowerMs: first - app.startedAt,
      lastPowerOnMs: lastPower - first,
      peakEarly,
      peakProvisioning,
      peakMachines: sim.peakRunning,
      perHost,
      sinceStorm,
      steps: sim.samples.freeze(),
      timings: app.timings.freeze(),
      machine: structuredClone(sim.counters),
      relay: { ...relay.stats },
      dhcp: status.dhcp.stats as DhcpStats | undefined,
      tftp: status.tftp.stats as TftpStats | undefined,
      http: status.http.stats as BootHttpStats | undefined,
      store: app.store.stats(),
      bmc: { commands: { ...ipmi.stats.commands }, peakInFlight: ipmi.stats.peakInFlight, pxeBoots: ipmi.stats.pxeBoots, diskBoots: ipmi.stats.diskBoots, expiredPxe: ipmi.stats.expiredPxe, pxeToPower: samplesOf(ipmi.stats.pxeToPowerMs) },
      udp,
      loopDelay: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
      logs: [...log.counts].map(([k, v]) => [k, v.n, v.first]),
      notActive: hostsRt
        .filter((h) => h.state !== 'active')
        .map((h) => {
          const f = sim.lastFailure.get(h.id);
          return { id: h.id, state: h.state, ...(h.stage && { stage: h.stage }), ...(h.lastError && { lastError: h.lastError }), ...(f && { client: `${f.step}: ${f.reason}` }) };
        }),
      timeline,
      bmcQueued,
      timeouts,
    };
    await hooks.finished?.(app);
    return result;
  } finally {
    await cleanup();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function samplesOf(xs: number[]): Samples {
  const s = new Samples();
  for (const x of xs) s.add(x);
  return s;
}

export const pct = (s: Samples) => (s.count === 0 ? '-' : `${fmtMs(s.p(0.5))} / ${fmtMs(s.p(0.99))}`);
export const pctMax = (s: Samples) => (s.count === 0 ? '-' : `${fmtMs(s.p(0.5))} / ${fmtMs(s.p(0.99))} / ${fmtMs(s.max())}`);

/** All lifecycle.report calls together. */
export function reports(t: SampleSet): Samples {
  const all = new Samples();
  for (const [name, s] of t.by) if (name.startsWith('report:')) for (const v of s.values()) all.add(v);
  return all;
}

export function table(rows: [string, ...string[]][], header: string[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(r))].join('\n');
}

function report(o: Options, runs: RunResult[]): string {
  const out: string[] = [];
  const header = ['', ...runs.map((r) => `storm limit ${limitLabel(r.stormLimit)}`)];
  const row = (label: string, f: (r: RunResult) => string): [string, ...string[]] => [label, ...runs.map(f)];
  const steps = ['dhcp', 'dhcp (PXE ROM)', 'tftp', 'script', 'kernel', 'initrd', 'checkpoint'];
  const rows: [string, ...string[]][] = [
    row('hosts active / total', (r) => `${r.active} / ${r.hosts}${r.failed ? ` (${r.failed} failed)` : ''}`),
    row('hosts failed', (r) => String(r.failed)),
    row('first power-on -> all active', (r) =>
      !Number.isNaN(r.totalMs) ? fmtMs(r.totalMs) : Number.isNaN(r.elapsedMs) ? 'no host was powered on' : `not reached (run ended after ${fmtMs(r.elapsedMs)})`,
    ),
    row('throughput (hosts/min)', (r) =>
      !Number.isNaN(r.totalMs) ? ((r.hosts / r.totalMs) * 60_000).toFixed(0) : Number.isNaN(r.elapsedMs) ? '0' : `${((r.active / r.elapsedMs) * 60_000).toFixed(0)} (partial)`,
    ),
    row('orchestrator start -> 1st power-on', (r) => fmtMs(r.startToFirstPowerMs)),
    row('last power-on after the first', (r) => fmtMs(r.lastPowerOnMs)),
    row('peak hosts in early stages (store)', (r) => String(r.peakEarly)),
    row('peak hosts provisioning', (r) => String(r.peakProvisioning)),
    row('peak machines booting at once', (r) => String(r.peakMachines)),
    row('per host: its power-on -> active p50/p99', (r) => pct(r.perHost)),
    row('per host: 1st power-on -> active p50/p99', (r) => pct(r.sinceStorm)),
    ['client-observed latency p50 / p99', ...runs.map(() => '')],
    ...steps.map((s) => row(`  ${s === 'dhcp' ? 'dhcp DORA (iPXE)' : s === 'dhcp (PXE ROM)' ? 'dhcp DORA (PXE ROM)' : s === 'tftp' ? 'tftp undionly.kpxe' : s} `, (r) => `${pct(r.steps.get(s))} (${r.steps.get(s).count})`)),
    ['event handling, call -> durable p50 / p99 / max', ...runs.map(() => '')],
    row('  lifecycle.report (all events)', (r) => pctMax(reports(r.timings))),
    row('  store.transact (every transaction)', (r) => pctMax(r.timings.get('transact'))),
    ...['provision.requested', 'power.acked', 'dhcp.offered', 'dhcp.acked', 'tftp.sent', 'ipxe.served', 'kernel.fetched', 'checkpoint'].map((e) =>
      row(`  report:${e}`, (r) => `${pct(r.timings.get(`report:${e}`))} (${r.timings.get(`report:${e}`).count})`),
    ),
    row('store commits / transactions', (r) => `${r.store.commits} / ${r.store.transactions}`),
    row('  mean / largest batch per fsync', (r) => `${(r.store.transactions / Math.max(1, r.store.commits)).toFixed(1)} / ${r.store.largestBatch}`),
    row('dhcp server received / replied', (r) => (r.dhcp ? `${r.dhcp.received} / ${r.dhcp.replied}` : '-')),
    row('  dropped by the server', (r) => (r.dhcp ? `${r.dhcp.dropped}${Object.keys(r.dhcp.dropReasons).length ? ` ${JSON.stringify(r.dhcp.dropReasons)}` : ''}` : '-')),
    row('  offers / acks / naks', (r) => (r.dhcp ? `${r.dhcp.offers} / ${r.dhcp.acks} / ${r.dhcp.naks}` : '-')),
    row('  client retransmits / NAKs seen', (r) => `${r.machine.dhcpRetransmits} / ${r.machine.dhcpNaks}`),
    row('  kernel UDP rcvbuf drops', (r) => String(r.udp.RcvbufErrors ?? '-')),
    row('tftp completed / failed', (r) => (r.tftp ? `${r.tftp.completed} / ${r.tftp.failed}` : '-')),
    row('boot http requests / errors', (r) => (r.http ? `${r.http.requests} / ${r.http.errors}` : '-')),
    row('  http client retries', (r) => String(r.machine.httpRetries)),
    row('bmc commands (peak in flight)', (r) => `${Object.values(r.bmc.commands).reduce((a, b) => a + b, 0)} (${r.bmc.peakInFlight})`),
    row('  bootdev pxe -> power-up p50 / p99 / max', (r) => pctMax(r.bmc.pxeToPower)),
    row('  network boots / disk boots (PXE expired)', (r) => `${r.bmc.pxeBoots} / ${r.bmc.diskBoots} (${r.bmc.expiredPxe})`),
    row('  boots superseded by a retry', (r) => String(r.machine.superseded)),
    row('  BMC job queued -> started p50 / p99 / max', (r) => pctMax(r.bmcQueued)),
    row('stage timeouts (by stage)', (r) => (Object.keys(r.timeouts).length ? Object.entries(r.timeouts).map(([k, n]) => `${k} ${n}`).join(', ') : '0')),
    row('event loop delay p99 / max', (r) => `${fmtMs(r.loopDelay.p99)} / ${fmtMs(r.loopDelay.max)}`),
    row('warnings/errors logged', (r) => String(r.logs.reduce((a, [, n]) => a + n, 0))),
  ];
  out.push(table(rows, header));
  if (runs.length >= 2) {
    const [a, b] = runs as [RunResult, RunResult, ...RunResult[]];
    const ratio = (x: number, y: number) => (Number.isFinite(x) && Number.isFinite(y) && y > 0 ? `${(x / y).toFixed(2)}x` : '-');
    out.push('');
    out.push(`ratios, storm limit ${limitLabel(a.stormLimit)} / storm limit ${limitLabel(b.stormLimit)}:`);
    out.push(`  time first power-on -> all active   ${ratio(a.totalMs, b.totalMs)}`);
    out.push(`  p99 DHCP DORA (iPXE)                ${ratio(a.steps.get('dhcp').p(0.99), b.steps.get('dhcp').p(0.99))}`);
    out.push(`  p99 lifecycle.report                ${ratio(reports(a.timings).p(0.99), reports(b.timings).p(0.99))}`);
    out.push(`  p99 per-host power-on -> active     ${ratio(a.perHost.p(0.99), b.perHost.p(0.99))}`);
  }
  for (const r of runs) {
    const notes: string[] = [];
    if (r.notActive.length > 0) {
      notes.push(`  ${r.notActive.length} host(s) not active at the end, by state and reason:`);
      const groups = new Map<string, string[]>();
      for (const h of r.notActive) {
        const k = `${h.state}${h.stage ? `/${h.stage}` : ''}${h.lastError ? ` (${h.lastError})` : ''}${h.client ? ` machine: ${h.client}` : ''}`;
        groups.set(k, [...(groups.get(k) ?? []), h.id]);
      }
      for (const [k, ids] of [...groups].sort((a, b) => b[1].length - a[1].length).slice(0, 10)) {
        notes.push(`    ${ids.length} x ${k}: ${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', ...' : ''}`);
      }
      if (groups.size > 10) notes.push(`    ... and ${groups.size - 10} more kinds`);
    }
    if (r.machine.failures.size > 0) {
      notes.push('  machine-side failures:');
      for (const [k, n] of r.machine.failures) notes.push(`    ${n} x ${k}`);
    }
    if (r.logs.length > 0) {
      notes.push('  appliance warnings/errors:');
      for (const [k, n, f] of r.logs.slice(0, 10)) notes.push(`    ${n} x ${k}${f ? ` ${JSON.stringify(f).slice(0, 160)}` : ''}`);
    }
    if (notes.length > 0) out.push('', `storm limit ${limitLabel(r.stormLimit)}:`, ...notes);
  }
  out.push('', `summary${o.slowBmc ? ' (slow BMCs)' : ''}, BMC ${o.bmcMs.join('-')} ms per command x ${o.bmcConcurrency} at once:`);
  for (const r of runs) {
    const time = !Number.isNaN(r.totalMs) ? fmtMs(r.totalMs) : `not all active (${r.active} of ${r.hosts} after ${fmtMs(r.elapsedMs)})`;
    out.push(`  storm limit ${limitLabel(r.stormLimit).padEnd(5)} first power-on -> all ${r.hosts} active: ${time}; failed hosts: ${r.failed}`);
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------

let stopRequested = false;

async function main(): Promise<void> {
  const o = options();
  process.on('SIGINT', () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    process.stderr.write('stopping (the run ends at the next sample; ^C again to quit at once)\n');
  });
  const started = Date.now();
  const deadline = started + o.timeCapS * 1000;
  process.stderr.write(
    `boot storm${o.slowBmc ? ' (slow BMCs)' : ''}: ${o.hosts} hosts, storm limits ${o.stormLimits.map(limitLabel).join(', ')}, seed ${o.seed}, ${Math.round(o.tftpShare * 100)}% via PXE ROM + TFTP, ` +
      `BMC ${o.bmcMs.join('-')} ms x ${o.bmcConcurrency} at once (PXE-once expires after ${o.pxeExpiryS || 'never'} s), firmware ${o.firmwareMs.join('-')} ms, OS ${o.osMs.join('-')} ms, ` +
      `kernel ${o.kernelKiB} KiB + initrd ${o.initrdKiB} KiB; ${cpus().length} CPUs, Node ${process.version}\n`,
  );
  if (o.warmupHosts > 0) {
    // JIT, module loading, the first fsyncs of a fresh temp dir: kept out of the first measured run.
    const w = await runOnce({ ...o, hosts: o.warmupHosts }, o.warmupHosts, 60_000);
    process.stderr.write(`warm-up: ${w.active}/${w.hosts} hosts active in ${fmtMs(w.elapsedMs)} (not reported)\n`);
  }
  const runs: RunResult[] = [];
  for (let i = 0; i < o.stormLimits.length && !stopRequested; i++) {
    const left = deadline - Date.now();
    const capMs = Math.floor(left / (o.stormLimits.length - i)) - 10_000; // room for set-up and clean-up
    if (capMs < 10_000) {
      process.stderr.write(`time cap reached: storm limit ${limitLabel(o.stormLimits[i]!)} not run\n`);
      break;
    }
    process.stderr.write(`run ${i + 1}/${o.stormLimits.length}: storm limit ${limitLabel(o.stormLimits[i]!)} (cap ${Math.round(capMs / 1000)} s)\n`);
    runs.push(await runOnce(o, o.stormLimits[i]!, capMs));
    if (i + 1 < o.stormLimits.length) await new Promise((r) => setTimeout(r, 2000)); // let the disk and sockets settle
  }
  process.stdout.write(`\nBoot storm, ${o.hosts} simulated hosts (seed ${o.seed}), one run per storm limit, run in this order\n\n`);
  process.stdout.write(report(o, runs) + '\n');
  if (o.json) {
    const plain = runs.map((r) => ({
      ...r,
      perHost: { p50: r.perHost.p(0.5), p99: r.perHost.p(0.99), n: r.perHost.count },
      sinceStorm: { p50: r.sinceStorm.p(0.5), p99: r.sinceStorm.p(0.99), n: r.sinceStorm.count },
      bmcQueued: { p50: r.bmcQueued.p(0.5), p99: r.bmcQueued.p(0.99), max: r.bmcQueued.max(), n: r.bmcQueued.count },
      steps: Object.fromEntries([...r.steps.by].map(([k, s]) => [k, { p50: s.p(0.5), p99: s.p(0.99), max: s.max(), n: s.count }])),
      timings: Object.fromEntries([...r.timings.by].map(([k, s]) => [k, { p50: s.p(0.5), p99: s.p(0.99), max: s.max(), n: s.count }])),
      machine: { ...r.machine, failures: Object.fromEntries(r.machine.failures) },
      bmc: { ...r.bmc, pxeToPower: { p50: r.bmc.pxeToPower.p(0.5), p99: r.bmc.pxeToPower.p(0.99), max: r.bmc.pxeToPower.max(), n: r.bmc.pxeToPower.count } },
    }));
    writeFileSync(o.json, JSON.stringify({ options: o, runs: plain }, null, 2));
  }
}

// Only when run as a script: bench/events.ts imports runOnce and the report helpers.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`storm: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
