// Event stream benchmark: the boot storm of bench/storm.ts (the real appliance, simulated BMCs
// and machines) run twice with the same seed, first alone, then with N Server-Sent Events
// clients on GET /v1/events of the appliance's operator API. Reports, in one run:
//   - whether every client got every journal event its filter asks for, once and in order
//     (count, order and a hash of the seqs, against the journal read back at the end);
//   - delivery lag, from the durable commit (Store.subscribe, in the appliance's process) to
//     the client reading the event, and from the event's own time (`at`) to the client;
//   - the storm's own figures without and with the clients, and their ratio.
//
//   node --import tsx bench/events.ts [--clients 1000] [--own-server [--batch-ms 20]] [--token <bearer token>]
//        [the options of bench/storm.ts: --hosts 1000 --seed 1 --storm-limits 1000 ...]
//
// Clients connect as the storm starts, without a position (a quarter of them with a filter:
// type=dhcp.* or site=storm): each must get every event after the position the stream's
// preamble gave it. Lag is counted only for events committed after the client connected. Clients live
// in a worker thread, so reading 1,000 streams does not run on the appliance's event loop (it
// still shares the machine's CPUs, as the storm's simulated machines do). A client whose stream
// ends reconnects with Last-Event-ID after the server's `retry:` delay, like EventSource.
// The clients read frames as this appliance writes them (LF line ends, `id:` first); the full
// WHATWG parser is test/api/events-client.ts, too slow for a million events in a bench.
//
// --own-server: serve the stream from createEventStream() on a server of its own (same process,
// same store) instead of the operator API, e.g. before the route is mounted.
// Needs what bench/storm.ts needs (root or CAP_NET_BIND_SERVICE for the relay agent on port 67).
import http from 'node:http';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { systemClock } from '../src/lib/clock.js';
import { nullLogger } from '../src/lib/log.js';
import { createEventStream, hostSiteFrom, type EventStream } from '../src/api/events/stream.js';
import { eventRequest } from '../src/api/events/request.js';
import type { HostEvent } from '../src/model/index.js';
import { STORM_SITE } from './storm-sot.js';
import { argNum, argText, options, pct, pctMax, reports, runOnce, table, type RunResult } from './storm.js';
import type { StormAppliance } from './storm/appliance.js';
import { fmtMs, Samples } from './storm/util.js';

/** Lag histograms: 0.1 ms buckets up to 60 s (the last bucket takes the rest). */
const BUCKET_MS = 0.1;
const BUCKETS = 600_000;
const now = () => performance.timeOrigin + performance.now();

/** The three kinds of client, by share: what each asks for, and which journal events that is. */
const CLASSES = [
  { name: 'all', query: '', share: 0.75, wants: (_e: HostEvent, _site: string | undefined) => true },
  { name: 'type=dhcp.*', query: 'type=dhcp.*', share: 0.125, wants: (e: HostEvent) => e.type.startsWith('dhcp.') },
  { name: `site=${STORM_SITE}`, query: `site=${STORM_SITE}`, share: 0.125, wants: (_e: HostEvent, site: string | undefined) => site === STORM_SITE },
] as const;

/** Seqs in order -> one number (equal lists give equal hashes; order matters). */
const hashStep = (h: number, seq: number) => (Math.imul(h, 31) + seq) | 0;

// ---------------------------------------------------------------------------------------------
// Worker: the clients

interface ClientSummary {
  cls: number;
  /** Where it joined: the id of the stream's preamble. */
  join: number;
  count: number;
  last: number;
  hash: number;
  /** Events that did not come after the one before (duplicate or out of order). */
  disorder: number;
  reconnects: number;
}

type ToWorker = { commits: Array<[first: number, last: number, at: number]> } | { finish: number };
type FromWorker = { connected: number; failed: number; ms: number } | { summary: ClientSummary[]; commitLag: number[]; atLag: number[]; timedOut: boolean; busy: number };

function histogram(): Uint32Array {
  return new Uint32Array(BUCKETS);
}
const bucket = (ms: number) => Math.min(BUCKETS - 1, Math.max(0, Math.floor(ms / BUCKET_MS)));

function runWorker(): void {
  const { url, clients: n, headers } = workerData as { url: string; clients: number; headers: Record<string, string> };
  const port = parentPort!;
  // By seq (NaN = not known yet); grown as seqs come.
  let commitAt: Float64Array = new Float64Array(1 << 16).fill(NaN);
  let eventAt: Float64Array = new Float64Array(1 << 16).fill(NaN);
  const grow = (a: Float64Array, seq: number): Float64Array => {
    if (seq < a.length) return a;
    const b = new Float64Array(Math.max(seq + 1, a.length * 2)).fill(NaN);
    b.set(a);
    return b;
  };
  /** Receipts of events whose commit time has not come in yet: seq -> receipt times. */
  const early = new Map<number, number[]>();
  const commitLag = histogram();
  const atLag = histogram();
  let finishAt: number | undefined;
  /** Clients that do not have the final event yet (once it is known). */
  let behind = 0;
  let done = false;
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

  interface Client extends ClientSummary {
    query: string;
    lastId: number;
    retryMs: number;
    connectedAt: number;
    carry: Buffer | undefined;
    req: http.ClientRequest | undefined;
  }
  const clients: Client[] = [];
  for (let i = 0; i < n; i++) {
    // Spread the classes over the index so that every prefix of the clients holds all three.
    const r = (i * 0.618033988749895) % 1;
    const cls = r < CLASSES[0].share ? 0 : r < CLASSES[0].share + CLASSES[1].share ? 1 : 2;
    clients.push({ cls, join: -1, query: CLASSES[cls].query, count: 0, last: 0, hash: 0, disorder: 0, reconnects: 0, lastId: 0, retryMs: 2000, connectedAt: 0, carry: undefined, req: undefined });
  }

  const lagOf = (seq: number, at: number, c: Client, t: number) => {
    const committed = seq < commitAt.length ? commitAt[seq]! : NaN;
    if (Number.isNaN(committed)) {
      // Written before the commit message reached this thread: counted when it comes.
      const list = early.get(seq);
      if (list) list.push(t);
      else early.set(seq, [t]);
    } else if (committed >= c.connectedAt) commitLag[bucket(t - committed)]!++;
    if (at >= c.connectedAt) atLag[bucket(t - at)]!++;
  };

  const frame = (c: Client, buf: Buffer, start: number, end: number, t: number) => {
    // Our frames: "id: N\nevent: T\ndata: {...}\n\n"; also "retry: R\nid: P" and ": ping".
    let id: number | undefined;
    let hasData = false;
    let dataStart = -1;
    for (let p = start; p < end; ) {
      let nl = buf.indexOf(10, p);
      if (nl < 0 || nl > end) nl = end;
      if (buf[p] === 0x69 && buf[p + 1] === 0x64 && buf[p + 2] === 0x3a) {
        let v = 0;
        for (let q = p + 4; q < nl; q++) v = v * 10 + buf[q]! - 48;
        id = v;
      }
      else if (buf[p] === 0x64 && buf[p + 1] === 0x61 && buf[p + 2] === 0x74) {
        hasData = true;
        dataStart = p + 6;
      } else if (buf[p] === 0x72 && buf[p + 1] === 0x65 && buf[p + 2] === 0x74) c.retryMs = Number(buf.toString('latin1', p + 7, nl)) || c.retryMs;
      p = nl + 1;
    }
    if (id !== undefined) c.lastId = id;
    if (id !== undefined && c.join < 0) c.join = id;
    if (!hasData || id === undefined) return;
    const seq = id;
    if (seq <= c.last) c.disorder++;
    if (finishAt !== undefined && c.last < finishAt && seq >= finishAt && --behind === 0) queueMicrotask(() => report(false));
    c.last = seq;
    c.count++;
    c.hash = hashStep(c.hash, seq);
    eventAt = grow(eventAt, seq);
    let at = eventAt[seq]!;
    if (Number.isNaN(at)) {
      const m = /"at":"([^"]+)"/.exec(buf.toString('latin1', dataStart, Math.min(end, dataStart + 120)));
      at = m ? Date.parse(m[1]!) : 0;
      eventAt[seq] = at;
    }
    lagOf(seq, at, c, t);
  };

  const onData = (c: Client, chunk: Buffer) => {
    const t = now();
    const buf = c.carry ? Buffer.concat([c.carry, chunk]) : chunk;
    let start = 0;
    for (let end = buf.indexOf('\n\n', start); end >= 0; end = buf.indexOf('\n\n', start)) {
      frame(c, buf, start, end, t);
      start = end + 2;
    }
    c.carry = start < buf.length ? buf.subarray(start) : undefined;
  };

  const connect = (c: Client): Promise<boolean> =>
    new Promise((resolve) => {
      const req = http.get(`${url}${c.query ? `?${c.query}` : ''}`, { agent, headers: { Accept: 'text/event-stream', ...headers, ...(c.reconnects > 0 && { 'Last-Event-ID': String(c.lastId) }) } }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return resolve(false);
        }
        c.connectedAt = now();
        c.carry = undefined;
        res.on('data', (chunk: Buffer) => onData(c, chunk));
        let ended = false;
        const end = () => {
          if (ended || done) return;
          ended = true;
          c.reconnects++;
          setTimeout(() => void connect(c), c.retryMs);
        };
        res.on('end', end);
        res.on('close', end);
        res.on('error', end);
        resolve(true);
      });
      c.req = req;
      req.on('error', () => resolve(false));
    });

  port.on('message', (m: ToWorker) => {
    if ('commits' in m) {
      for (const [first, last, at] of m.commits) {
        commitAt = grow(commitAt, last);
        for (let seq = first; seq <= last; seq++) {
          commitAt[seq] = at;
          const list = early.get(seq);
          if (!list) continue;
          early.delete(seq);
          // The connect time is not known per receipt any more; these are few and all live.
          for (const t of list) commitLag[bucket(t - at)]!++;
        }
      }
    } else {
      finishAt = m.finish;
      behind = clients.filter((c) => c.last < m.finish).length;
      if (behind === 0) report(false);
      // The rest is reported when the last client gets the final event, or after 60 s.
      else setTimeout(() => report(true), 60_000).unref();
    }
  });

  const started = now();
  const elu = performance.eventLoopUtilization();
  const report = (timedOut: boolean) => {
    if (done) return;
    done = true;
    for (const c of clients) c.req?.destroy();
    const pack = (h: Uint32Array) => Array.from(h.entries()).filter(([, v]) => v > 0).flat();
    const summary = clients.map(({ cls, join, count, last, hash, disorder, reconnects }) => ({ cls, join, count, last, hash, disorder, reconnects }));
    const busy = performance.eventLoopUtilization(elu).utilization;
    const msg: FromWorker = { summary, commitLag: pack(commitLag), atLag: pack(atLag), timedOut, busy };
    port.postMessage(msg);
  };

  void (async () => {
    let connected = 0;
    let failed = 0;
    // 50 connection attempts at a time: a thousand SYNs at once overflow the listen backlog.
    for (let i = 0; i < clients.length; i += 50) {
      const ok = await Promise.all(clients.slice(i, i + 50).map((c) => connect(c)));
      for (const k of ok) k ? connected++ : failed++;
    }
    const msg: FromWorker = { connected, failed, ms: now() - started };
    port.postMessage(msg);
  })();
}

// ---------------------------------------------------------------------------------------------
// Main thread

interface StreamResult {
  clients: number;
  connectMs: number;
  perClass: Array<{ name: string; clients: number; expected: number; complete: number }>;
  journalEvents: number;
  /** The range of the clients' join positions (seq). */
  joinedFrom: number;
  joinedTo: number;
  delivered: number;
  complete: number;
  disorder: number;
  reconnects: number;
  timedOut: boolean;
  commitLag: Hist;
  atLag: Hist;
  fanouts: number | undefined;
  fanoutMs: number | undefined;
  cutSlow: number | undefined;
  /** Share of the time the clients' thread was busy (it shares the machine's CPUs with the appliance). */
  clientsBusy: number;
}

class Hist {
  readonly counts = new Map<number, number>();
  total = 0;
  constructor(packed: number[]) {
    for (let i = 0; i < packed.length; i += 2) {
      this.counts.set(packed[i]!, packed[i + 1]!);
      this.total += packed[i + 1]!;
    }
  }
  p(q: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (const [b, n] of [...this.counts].sort((a, b) => a[0] - b[0])) {
      seen += n;
      if (seen >= rank) return (b + 1) * BUCKET_MS; // the bucket's upper edge
    }
    return NaN;
  }
}

/** Attaches N clients to the running appliance; detach() checks them against the journal. */
async function attachClients(app: StormAppliance, n: number, ownServer: boolean, token: string | undefined, batchMs: number | undefined): Promise<{ detach(): Promise<StreamResult> }> {
  let own: { server: http.Server; stream: EventStream } | undefined;
  let url = `http://${app.apiAddress.host}:${app.apiAddress.port}/v1/events`;
  if (ownServer) {
    const stream = createEventStream({ store: app.store, hostSite: hostSiteFrom({ sot: app.sot, store: app.store }), clock: systemClock, log: nullLogger, ...(batchMs !== undefined && { batchMs }) });
    const server = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://localhost');
      const query: Record<string, string[]> = {};
      for (const k of new Set(u.searchParams.keys())) query[k] = u.searchParams.getAll(k);
      const r = eventRequest(query, req.headers);
      stream.handle(req, res, r.filter, r.lastEventId);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 1024, resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events`;
    own = { server, stream };
  }
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  if (!ownServer) await probe(url, headers);

  // The worker runs this same file; tsx is registered in it first (workers start without the
  // parent's --import hooks).
  const boot = `import('tsx/esm/api').then((m) => m.register()).then(() => import(${JSON.stringify(import.meta.url)}))`;
  const worker = new Worker(boot, { eval: true, workerData: { url, clients: n, headers } });
  const messages: FromWorker[] = [];
  let wake: (() => void) | undefined;
  worker.on('message', (m: FromWorker) => {
    messages.push(m);
    wake?.();
  });
  worker.on('error', (e) => {
    process.stderr.write(`event clients: ${e.stack ?? e.message}\n`);
    wake?.();
  });
  const next = async (): Promise<FromWorker> => {
    while (messages.length === 0) await new Promise<void>((r) => (wake = r));
    return messages.shift()!;
  };
  // Commit times, taken where they happen, go to the clients' thread in one message per commit.
  const unsubscribe = app.store.subscribe((events) => {
    const msg: ToWorker = { commits: [[events[0]!.seq, events[events.length - 1]!.seq, now()]] };
    worker.postMessage(msg);
  });
  const hello = await next();
  if (!('connected' in hello)) throw new Error('event clients: unexpected first message');
  if (hello.failed > 0) process.stderr.write(`  ${hello.failed} of ${n} event clients could not connect\n`);
  process.stderr.write(`  ${hello.connected} event stream clients connected in ${fmtMs(hello.ms)}\n`);

  return {
    async detach() {
      // A last event every filter takes, so each client knows when it has everything.
      const host = app.sot.current()!.hosts[0]!.id;
      await app.store.transact((tx) => tx.event({ subject: host, type: 'dhcp.bench-end' }));
      const final = app.store.lastSeq();
      worker.postMessage({ finish: final } satisfies ToWorker);
      const result = await next();
      unsubscribe();
      await worker.terminate();
      if (!('summary' in result)) throw new Error('event clients: no summary');
      const stats = own?.stream.stats();
      if (own) {
        own.stream.close();
        own.server.closeAllConnections();
        own.server.close();
      }
      // What each client should have got: the journal after where it joined, through the final
      // event, filtered.
      const journal = (await app.store.events()).filter((e) => e.seq <= final);
      const siteOf = hostSiteFrom({ sot: app.sot, store: app.store });
      const byClass = CLASSES.map((k) => journal.filter((e) => k.wants(e, e.subject === 'appliance' ? undefined : siteOf(e.subject))).map((e) => e.seq));
      const expectedFor = (s: ClientSummary) => {
        let count = 0;
        let hash = 0;
        for (const seq of byClass[s.cls]!) {
          if (seq <= s.join) continue;
          count++;
          hash = hashStep(hash, seq);
        }
        return { count, hash };
      };
      const ok = (s: ClientSummary) => {
        const want = expectedFor(s);
        return s.join >= 0 && s.disorder === 0 && s.count === want.count && s.hash === want.hash;
      };
      return {
        clients: result.summary.length,
        connectMs: hello.ms,
        perClass: CLASSES.map((k, i) => ({
          name: k.name,
          clients: result.summary.filter((s) => s.cls === i).length,
          expected: Math.max(0, ...result.summary.filter((s) => s.cls === i).map((s) => expectedFor(s).count)),
          complete: result.summary.filter((s) => s.cls === i && ok(s)).length,
        })),
        journalEvents: journal.length,
        joinedFrom: Math.min(...result.summary.map((s) => s.join)),
        joinedTo: Math.max(...result.summary.map((s) => s.join)),
        delivered: result.summary.reduce((a, s) => a + s.count, 0),
        complete: result.summary.filter(ok).length,
        disorder: result.summary.reduce((a, s) => a + s.disorder, 0),
        reconnects: result.summary.reduce((a, s) => a + s.reconnects, 0),
        timedOut: result.timedOut,
        commitLag: new Hist(result.commitLag),
        atLag: new Hist(result.atLag),
        fanouts: stats?.fanouts,
        fanoutMs: stats?.fanoutMs,
        cutSlow: stats?.cutSlow,
        clientsBusy: result.busy,
      };
    },
  };
}

/** Fails early, and plainly, when the route is not there (or refuses us). */
function probe(url: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      req.destroy();
      if (res.statusCode === 200 && type.startsWith('text/event-stream')) return resolve();
      const why = res.statusCode === 404 ? 'GET /v1/events is not mounted in the operator API yet' : `GET /v1/events answered ${res.statusCode} ${type}`;
      reject(new Error(`${why}; run with --own-server to measure the stream on a server of its own`));
    });
    req.on('error', reject);
  });
}

/** A run with the CPU it used: all threads (process.cpuUsage) and the main thread's busy share. */
async function measured(run: () => Promise<RunResult>): Promise<RunResult & { cpus: number; busy: number }> {
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = now();
  const r = await run();
  const cpu = process.cpuUsage(cpu0);
  return { ...r, cpus: (cpu.user + cpu.system) / 1000 / (now() - t0), busy: performance.eventLoopUtilization(elu0).utilization };
}

async function main(): Promise<void> {
  const o = options(['clients', 'own-server', 'token', 'batch-ms']);
  const clients = argNum('clients', 1000, (v) => Number.isInteger(v) && v > 0);
  const ownServer = process.argv.includes('--own-server');
  const batchMs = argText('batch-ms') === undefined ? undefined : argNum('batch-ms', 0, (v) => Number.isFinite(v) && v >= 0);
  if (batchMs !== undefined && !ownServer) throw new Error('--batch-ms needs --own-server (the operator API uses its default)');
  const token = ownServer ? undefined : argText('token');
  const limit = argText('storm-limits') === undefined ? o.hosts : o.stormLimits[0]!;
  process.stderr.write(`event stream bench: ${o.hosts} hosts (storm limit ${limit}, seed ${o.seed}), ${clients} SSE clients on ${ownServer ? 'a server of their own' : 'GET /v1/events'}\n`);
  if (!ownServer && o.warmupHosts === 0) process.stderr.write('  (no warm-up: the route is checked at the run with clients)\n');
  if (o.warmupHosts > 0) {
    // Also checks the route before the long runs.
    const w = await runOnce({ ...o, hosts: o.warmupHosts }, o.warmupHosts, 60_000, { started: ownServer ? undefined : (app) => probe(`http://${app.apiAddress.host}:${app.apiAddress.port}/v1/events`, token ? { Authorization: `Bearer ${token}` } : {}) });
    process.stderr.write(`warm-up: ${w.active}/${w.hosts} hosts active in ${fmtMs(w.elapsedMs)} (not reported)\n`);
  }
  const capMs = Math.max(30_000, Math.floor((o.timeCapS * 1000) / 2) - 10_000);
  process.stderr.write('run 1/2: no event stream clients\n');
  const alone = await measured(() => runOnce(o, limit, capMs));
  await new Promise((r) => setTimeout(r, 2000)); // let the disk and sockets settle, as bench/storm.ts does
  process.stderr.write(`run 2/2: ${clients} event stream clients\n`);
  let attached: Awaited<ReturnType<typeof attachClients>> | undefined;
  let streamed: StreamResult | undefined;
  const watched = await measured(() =>
    runOnce(o, limit, capMs, {
      started: async (app) => void (attached = await attachClients(app, clients, ownServer, token, batchMs)),
      finished: async () => void (streamed = await attached!.detach()),
    }),
  );
  if (!streamed) throw new Error('the run with clients ended without a result');

  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '-');
  const total = (r: RunResult) => (Number.isNaN(r.totalMs) ? `not reached (${r.active}/${r.hosts})` : fmtMs(r.totalMs));
  const p = (s: Samples, q: number) => s.p(q);
  const rows: [string, ...string[]][] = [
    ['hosts active / total', `${alone.active} / ${alone.hosts}`, `${watched.active} / ${watched.hosts}`, ''],
    ['first power-on -> all active', total(alone), total(watched), ratio(watched.totalMs, alone.totalMs)],
    ['per host: power-on -> active p50 / p99', pct(alone.perHost), pct(watched.perHost), ratio(p(watched.perHost, 0.99), p(alone.perHost, 0.99))],
    ['dhcp DORA (iPXE) p50 / p99', pct(alone.steps.get('dhcp')), pct(watched.steps.get('dhcp')), ratio(p(watched.steps.get('dhcp'), 0.99), p(alone.steps.get('dhcp'), 0.99))],
    ['lifecycle.report p50 / p99 / max', pctMax(reports(alone.timings)), pctMax(reports(watched.timings)), ratio(p(reports(watched.timings), 0.99), p(reports(alone.timings), 0.99))],
    ['store.transact p50 / p99 / max', pctMax(alone.timings.get('transact')), pctMax(watched.timings.get('transact')), ratio(p(watched.timings.get('transact'), 0.99), p(alone.timings.get('transact'), 0.99))],
    ['store commits / transactions', `${alone.store.commits} / ${alone.store.transactions}`, `${watched.store.commits} / ${watched.store.transactions}`, ''],
    ['event loop delay p99 / max', `${fmtMs(alone.loopDelay.p99)} / ${fmtMs(alone.loopDelay.max)}`, `${fmtMs(watched.loopDelay.p99)} / ${fmtMs(watched.loopDelay.max)}`, ratio(watched.loopDelay.p99, alone.loopDelay.p99)],
    ['CPUs used by this process (all threads)', alone.cpus.toFixed(2), watched.cpus.toFixed(2), ratio(watched.cpus, alone.cpus)],
    ['main thread (appliance) busy', `${(alone.busy * 100).toFixed(0)}%`, `${(watched.busy * 100).toFixed(0)}%`, ''],
    ['warnings/errors logged', String(alone.logs.reduce((a, [, n]) => a + n, 0)), String(watched.logs.reduce((a, [, n]) => a + n, 0)), ''],
  ];
  const s = streamed;
  const lag = (h: Hist) => `${fmtMs(h.p(0.5))} / ${fmtMs(h.p(0.99))} / ${fmtMs(h.p(1))}`;
  const out = [
    `\nBoot storm with event stream clients: ${o.hosts} hosts, storm limit ${limit}, seed ${o.seed}; run alone, then with ${clients} clients\n`,
    table(rows, ['', 'no clients', `${clients} clients`, 'with / without']),
    '',
    `Event stream (${ownServer ? 'own server' : 'GET /v1/events'}), ${s.clients} clients connected in ${fmtMs(s.connectMs)}:`,
    `  journal events (through the final one)   ${s.journalEvents}`,
    `  events delivered, all clients            ${s.delivered}`,
    `  clients joined at seq                    ${s.joinedFrom} .. ${s.joinedTo}`,
    ...s.perClass.map((k) => `  ${`clients ${k.name}`.padEnd(40)} ${k.complete} / ${k.clients} got every event after joining (up to ${k.expected}), in order, once`),
    `  complete clients                         ${s.complete} / ${s.clients}${s.timedOut ? ' (timed out waiting for the rest)' : ''}`,
    `  out-of-order or repeated events          ${s.disorder}`,
    `  reconnects (Last-Event-ID)               ${s.reconnects}${s.cutSlow !== undefined ? ` (cut off as slow: ${s.cutSlow})` : ''}`,
    ...(s.fanouts !== undefined ? [`  fan-outs                                 ${s.fanouts} (${fmtMs(s.fanoutMs! / s.fanouts)} each, ${fmtMs(s.fanoutMs!)} in all)`] : []),
    `  lag, durable commit -> client p50 / p99 / max   ${lag(s.commitLag)}  (${s.commitLag.total} deliveries)`,
    `  lag, event time (at) -> client p50 / p99 / max  ${lag(s.atLag)}`,
    `  clients' thread busy                     ${(s.clientsBusy * 100).toFixed(0)}% of the run (same machine: ${cpus().length} CPUs)`,
  ];
  process.stdout.write(out.join('\n') + '\n');
  if (s.complete !== s.clients) process.exitCode = 1;
}

if (isMainThread) {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (e: unknown) => {
      process.stderr.write(`events bench: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
} else {
  runWorker();
}
