// bench/api.ts (npm run bench:api): the operator API under load with a 10,000-host SoT. Starts the
// real appliance (`corral serve`, API only, on 127.0.0.1, data in a temp folder), reads its admin
// token from <data>/admin.token, and drives wrk (2 threads, 100 connections, a fixed duration per
// case, Lua for random host ids and the token header) against:
//   GET /v1/health                     the trivial route of the same server (baseline)
//   GET /v1/hosts/{random id}          without a token (reads are open on loopback), and with one
//   GET /v1/hosts?limit=100            without and with a token, and at a random marker
//   GET /v1/hosts (unpaged, all hosts) from 4 connections, with GET /v1/health measured beside it:
//                                      how long one 10,000-host answer holds the event loop
// and prints requests/s, p50, p99, max and the appliance's CPU time per request for each, with
// the ratios (auth cost = with token vs without; route vs health).
//
// With --before <checkout>, a second appliance runs from that checkout (an older commit, say)
// over the same SoT, and every case alternates between the two, so before and after are measured
// in one run under the same conditions; the other appliance idles meanwhile. With --rounds N each
// case runs N times (round robin) and the medians are printed: other processes on the machine
// move single figures a lot.
//
//   node --import tsx bench/api.ts [--hosts 10000] [--seconds 10] [--connections 100] [--rounds 1]
//        [--before <checkout>]   also serve from another checkout of Corral and compare
//        [--root <checkout>]     serve from this checkout instead of the one bench/ is in
//        [--api-only]            serve the API alone (bench/api-server.ts: no lifecycle,
//                                orchestrator or boot services), to tell its own latency from
//                                what the appliance's background work adds
//        [--cpu-prof <dir>]      write the appliances' V8 CPU profiles there when they stop
//        [--only <regex>]        only the cases whose key matches (health, open, authed,
//                                pageOpen, pageAuthed, pageMarker, unpaged)
// Goal: p99 under 10 ms for one host and for a page; auth costing under 10 %.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateSot } from './sot-gen.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '1' },
    root: { type: 'string' },
    before: { type: 'string' },
    'cpu-prof': { type: 'string' },
    only: { type: 'string' },
    'api-only': { type: 'boolean', default: false },
  },
});
const HOSTS = Number(values.hosts);
const SECS = Number(values.seconds);
const CONNS = Number(values.connections);
const ROUNDS = Math.max(1, Number(values.rounds));
const ONLY = values.only ? new RegExp(values.only, 'i') : undefined;
if (values['api-only'] && values.before) {
  console.error('--api-only serves this checkout\'s bench/api-server.ts: it cannot be combined with --before');
  process.exit(2);
}

if (spawnSync('wrk', ['--version']).error) {
  console.error('wrk not installed (apt-get install wrk)');
  process.exit(1);
}

/** One appliance under test. */
interface Target {
  label: string;
  root: string;
  proc?: ChildProcess;
  base: string;
  token: string;
}

interface Result {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** Non-2xx answers, socket errors and timeouts: any makes the case's figures void. */
  errors: number;
  mbps: number;
  /** The appliance's CPU time (user + system) per answered request, in µs. */
  cpuUs: number;
}

const tmp = mkdtempSync(join(tmpdir(), 'corral-bench-api-'));
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

// wrk's Lua side: ids drawn from a per-thread PRNG seeded by thread number (repeatable runs),
// the token as a header, and the summary printed as one JSON line that the driver parses.
function luaScript(o: { ids: string[]; token?: string; path: (idExpr: string) => string }): string {
  return `local ids = {${o.ids.map((id) => JSON.stringify(id)).join(',')}}
local n = 0
function setup(thread) n = n + 1; thread:set("seed", n) end
function init(args) math.randomseed(seed or 1) end
${o.token ? `wrk.headers["X-AUTH-TOKEN"] = ${JSON.stringify(o.token)}` : ''}
request = function()
  local id = ids[math.random(#ids)]
  return wrk.format("GET", ${o.path('id')})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\nRESULT {"requests":%d,"duration":%d,"bytes":%d,"errors":%d,"p50":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;
}

let scripts = 0;
async function wrk(t: Target, script: string, o: { threads?: number; connections?: number; seconds?: number } = {}): Promise<Result> {
  const file = join(tmp, `case-${scripts++}.lua`);
  writeFileSync(file, script);
  const args = [`-t${o.threads ?? 2}`, `-c${o.connections ?? CONNS}`, `-d${o.seconds ?? SECS}s`, '--timeout', '10s', '-s', file, t.base];
  const cpu0 = cpuUs(t);
  const out = await new Promise<string>((res, rej) => {
    const p = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    p.stdout.on('data', (d: Buffer) => (text += d.toString()));
    p.on('error', rej);
    p.on('close', () => res(text));
  });
  const line = /^RESULT (.*)$/m.exec(out);
  if (!line) throw new Error(`wrk printed no result:\n${out}`);
  const r = JSON.parse(line[1]!) as { requests: number; duration: number; bytes: number; errors: number; p50: number; p99: number; max: number };
  const secs = r.duration / 1e6;
  return { rps: r.requests / secs, p50: r.p50 / 1000, p99: r.p99 / 1000, max: r.max / 1000, errors: r.errors, mbps: r.bytes / secs / 1e6, cpuUs: (cpuUs(t) - cpu0) / Math.max(1, r.requests) };
}

/** utime + stime of the appliance process (/proc/<pid>/stat fields 14 and 15), in µs. */
function cpuUs(t: Target): number {
  const stat = readFileSync(`/proc/${t.proc!.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
}

async function start(t: Target): Promise<void> {
  const data = join(tmp, `data-${t.label}`);
  const prof = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values['cpu-prof'], t.label)}`] : [];
  // --no-watch: the SoT does not change during the run; warn: the API logs no request lines anyway.
  const serve = values['api-only']
    ? [join(import.meta.dirname, 'api-server.ts'), '--sot', join(tmp, 'sot'), '--data', data]
    : ['src/bin.ts', 'serve', '--sot', join(tmp, 'sot'), '--data', data, '--listen', '127.0.0.1:0', '--no-watch', '--log-level', 'warn', '--log-format', 'json'];
  const args = [...prof, '--import', 'tsx', ...serve];
  const proc = (t.proc = spawn(process.execPath, args, { cwd: t.root, stdio: ['ignore', 'ignore', 'pipe'] }));
  let err = '';
  t.base = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`appliance (${t.label}) did not start in 60 s:\n${err}`)), 60_000);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /serving .* on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(err);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
    proc.on('exit', (code) => rej(new Error(`appliance (${t.label}) exited (${code}):\n${err}`)));
  });
  t.token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
}

async function stop(t: Target): Promise<void> {
  const p = t.proc;
  if (!p || p.exitCode !== null) return;
  const exited = new Promise((res) => p.once('exit', res));
  p.kill('SIGTERM');
  await Promise.race([exited, new Promise((res) => setTimeout(res, 15_000))]);
  if (p.exitCode === null) p.kill('SIGKILL');
}

async function getJson(t: Target, path: string, token?: string): Promise<unknown> {
  const r = await fetch(t.base + path, { headers: token ? { 'x-auth-token': token } : {} });
  if (!r.ok) throw new Error(`${t.label}: GET ${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** The ids as the API lists them (walking its pages), after checking what the cases measure. */
async function prepare(t: Target): Promise<string[]> {
  const ids: string[] = [];
  for (let marker: string | undefined; ; ) {
    const page = (await getJson(t, `/v1/hosts?limit=1000${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`)) as { hosts: { id: string }[]; _links: { next?: unknown } };
    ids.push(...page.hosts.map((h) => h.id));
    if (!page._links.next) break;
    marker = ids[ids.length - 1];
  }
  if (ids.length !== HOSTS) throw new Error(`${t.label}: the API lists ${ids.length} hosts, expected ${HOSTS}`);
  const mid = ids[HOSTS >> 1]!;
  if (((await getJson(t, `/v1/hosts/${mid}`, t.token)) as { id: string }).id !== mid) throw new Error(`${t.label}: GET /v1/hosts/{id} answered another host`);
  const bad = await fetch(`${t.base}/v1/hosts/${ids[0]}`, { headers: { 'x-auth-token': 'a'.repeat(32) } });
  if (bad.status !== 401) throw new Error(`${t.label}: an unknown token got ${bad.status}, not 401: the token cases would not measure auth`);
  return ids;
}

interface Case {
  key: string;
  name: string;
  run(t: Target): Promise<Result>;
}

function cases(ids: string[]): Case[] {
  const byId = (tok?: string) => luaScript({ ids, ...(tok && { token: tok }), path: (id) => `"/v1/hosts/" .. ${id}` });
  const fixed = (path: string, tok?: string) => luaScript({ ids: ids.slice(0, 1), ...(tok && { token: tok }), path: () => JSON.stringify(path) });
  const all: Case[] = [
    { key: 'health', name: 'GET /v1/health (trivial route, baseline)', run: (t) => wrk(t, fixed('/v1/health')) },
    { key: 'open', name: 'GET /v1/hosts/{random id}, no token', run: (t) => wrk(t, byId()) },
    { key: 'authed', name: 'GET /v1/hosts/{random id}, X-AUTH-TOKEN', run: (t) => wrk(t, byId(t.token)) },
    { key: 'pageOpen', name: 'GET /v1/hosts?limit=100, no token', run: (t) => wrk(t, fixed('/v1/hosts?limit=100')) },
    { key: 'pageAuthed', name: 'GET /v1/hosts?limit=100, X-AUTH-TOKEN', run: (t) => wrk(t, fixed('/v1/hosts?limit=100', t.token)) },
    { key: 'pageMarker', name: 'GET /v1/hosts?limit=100&marker={random id}, token', run: (t) => wrk(t, luaScript({ ids, token: t.token, path: (id) => `"/v1/hosts?limit=100&marker=" .. ${id}` })) },
    {
      key: 'unpaged',
      name: 'GET /v1/hosts unpaged (10k hosts), 4 connections, token',
      // Few clients, as each answer is the whole inventory. The CPU figure is per list.
      run: async (t) => {
        const [list, beside] = await Promise.all([wrk(t, fixed('/v1/hosts', t.token), { threads: 1, connections: 4 }), wrk(t, fixed('/v1/health'), { threads: 1, connections: 4 })]);
        besideResults.get(t.label)!.push({ ...beside, cpuUs: NaN });
        return list;
      },
    },
  ];
  return all.filter((c) => !ONLY || ONLY.test(c.key));
}
const BESIDE = '  GET /v1/health beside it, 4 connections';
const besideResults = new Map<string, Result[]>();

function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function medianResult(rs: Result[]): Result {
  const pick = (k: keyof Result) => median(rs.map((r) => r[k]));
  return { rps: pick('rps'), p50: pick('p50'), p99: pick('p99'), max: pick('max'), errors: rs.reduce((n, r) => n + r.errors, 0), mbps: pick('mbps'), cpuUs: pick('cpuUs') };
}

const num = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const HEAD = `${'case'.padEnd(56)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(7)} ${'CPU µs/req'.padStart(10)} errors`;
const row = (name: string, r: Result) =>
  `${name.padEnd(56)} ${num(r.rps).padStart(8)} ${num(r.p50, 2).padStart(7)} ${num(r.p99, 2).padStart(8)} ${num(r.max).padStart(7)} ${num(r.cpuUs).padStart(10)} ${String(r.errors).padStart(6)}`;
const pct = (x: number) => `${x >= 0 ? '+' : '-'}${Math.abs(x * 100).toFixed(1)} %`;

function summary(label: string, r: Record<string, Result>): string[] {
  const out: string[] = [];
  const cost = (a: Result, o: Result) => `${pct(o.rps / a.rps - 1)} time per request (req/s ${num(o.rps)} -> ${num(a.rps)}), CPU ${pct(a.cpuUs / o.cpuUs - 1)}, p99 ${num(o.p99, 2)} -> ${num(a.p99, 2)} ms`;
  if (r.authed && r.open) out.push(`${label}: auth cost, one host:  ${cost(r.authed, r.open)}`);
  if (r.pageAuthed && r.pageOpen) out.push(`${label}: auth cost, page of 100: ${cost(r.pageAuthed, r.pageOpen)}`);
  if (r.open && r.health) out.push(`${label}: one host / health: ${(r.open.rps / r.health.rps).toFixed(2)}x req/s; page of 100 / health: ${r.pageOpen ? (r.pageOpen.rps / r.health.rps).toFixed(2) : '-'}x`);
  if (r.unpaged) out.push(`${label}: unpaged list: ${num(r.unpaged.rps, 1)} lists/s, ${num(r.unpaged.mbps)} MB/s; health beside it p99 ${num(r.beside?.p99 ?? NaN, 1)} ms, max ${num(r.beside?.max ?? NaN)} ms`);
  const goal = ['open', 'authed', 'pageOpen', 'pageAuthed', 'pageMarker'].filter((k) => r[k]);
  const slow = goal.filter((k) => r[k]!.p99 >= 10);
  if (goal.length) out.push(`${label}: goal p99 < 10 ms: ${slow.length ? `not met (${slow.join(', ')})` : 'met'}`);
  if (r.authed && r.open && r.pageAuthed && r.pageOpen) {
    const worst = Math.max(r.open.rps / r.authed.rps - 1, r.pageOpen.rps / r.pageAuthed.rps - 1);
    out.push(`${label}: goal auth cost < 10 %: ${worst < 0.1 ? 'met' : 'not met'} (worst ${pct(worst)})`);
  }
  return out;
}

async function main(): Promise<void> {
  // on-demand: the orchestrator leaves the hosts alone, so the run measures the API only.
  generateSot(join(tmp, 'sot'), HOSTS, { mode: 'on-demand' });
  if (values.before) targets.push({ label: 'before', root: resolve(values.before), base: '', token: '' });
  targets.push({ label: values.before ? 'after' : 'corral', root: resolve(values.root ?? join(import.meta.dirname, '..')), base: '', token: '' });
  const load0 = loadavg();
  for (const t of targets) {
    const t0 = performance.now();
    await start(t);
    console.log(`${t.label}: ${t.root}, appliance up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  let ids: string[] = [];
  for (const t of targets) {
    ids = await prepare(t);
    const t0 = performance.now();
    const all = (await getJson(t, '/v1/hosts')) as unknown[];
    const ms = performance.now() - t0;
    console.log(`${t.label}: unpaged GET /v1/hosts, first (cold) request: ${ms.toFixed(0)} ms, ${(Buffer.byteLength(JSON.stringify(all)) / 1e6).toFixed(1)} MB`);
    // One pass over the hosts first: the cases then see a warmed-up process (JIT, caches).
    await wrk(t, luaScript({ ids, path: (id) => `"/v1/hosts/" .. ${id}` }), { seconds: Math.max(3, Math.ceil(SECS / 2)) });
    besideResults.set(t.label, []);
  }

  const list = cases(ids);
  const runs = new Map<string, Result[]>();
  console.log(`${HOSTS} hosts; wrk -t2 -c${CONNS} -d${SECS}s per case; ${ROUNDS} round(s)${targets.length > 1 ? ', before and after alternating' : ''}`);
  for (let round = 1; round <= ROUNDS; round++) {
    if (ROUNDS > 1) console.log(`-- round ${round}`);
    if (round === 1) console.log(HEAD);
    for (const c of list) {
      for (const t of targets) {
        const r = await c.run(t);
        runs.set(`${t.label}/${c.key}`, [...(runs.get(`${t.label}/${c.key}`) ?? []), r]);
        console.log(row(`${targets.length > 1 ? `${t.label.padEnd(6)} ` : ''}${c.name}`, r));
      }
    }
  }

  const med: Record<string, Record<string, Result>> = {};
  for (const t of targets) {
    med[t.label] = {};
    for (const c of list) med[t.label]![c.key] = medianResult(runs.get(`${t.label}/${c.key}`)!);
    if (besideResults.get(t.label)!.length) med[t.label]!.beside = medianResult(besideResults.get(t.label)!);
  }
  console.log(`\n== ${ROUNDS > 1 ? `medians of ${ROUNDS} rounds` : 'summary'}`);
  console.log(HEAD);
  for (const c of list) {
    for (const t of targets) console.log(row(`${targets.length > 1 ? `${t.label.padEnd(6)} ` : ''}${c.name}`, med[t.label]![c.key]!));
    if (c.key === 'unpaged') for (const t of targets) console.log(row(`${targets.length > 1 ? `${t.label.padEnd(6)} ` : ''}${BESIDE}`, med[t.label]!.beside!));
  }
  for (const t of targets) for (const line of summary(t.label, med[t.label]!)) console.log(line);
  if (targets.length > 1) {
    for (const c of list) {
      const [b, a] = [med.before![c.key]!, med.after![c.key]!];
      console.log(`after vs before, ${c.key.padEnd(10)} ${(a.rps / b.rps).toFixed(2)}x req/s, p99 ${num(b.p99, 1)} -> ${num(a.p99, 1)} ms, CPU ${num(b.cpuUs)} -> ${num(a.cpuUs)} µs/req`);
    }
  }
  console.log(`load average before/after (other processes share the 2 CPUs): ${load0.map((x) => x.toFixed(2)).join(' ')} / ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const failed = [...runs].filter(([, rs]) => rs.some((r) => r.errors > 0)).map(([k]) => k);
  if (failed.length) throw new Error(`errors (non-2xx, socket, timeout) in: ${failed.join(', ')}`);
}

const targets: Target[] = [];
try {
  await main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
} finally {
  await Promise.all(targets.map(stop));
  rmSync(tmp, { recursive: true, force: true });
}
