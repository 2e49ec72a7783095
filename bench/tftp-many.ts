// bench/tftp-many.ts - lock-step TFTP (RFC 1350: one DATA, wait for its ACK; RFC 2348 blksize 1468,
// no RFC 7440 windowsize: what most PXE ROMs do), Corral against tftpd-hpa and atftpd in one run.
// Needs root (a private network namespace; the baselines chroot / drop privileges).
//
// Usage: sudo node --import tsx bench/tftp-many.ts [--rounds 3] [--size-mib 32] [--small-kib 70]
//          [--clients 100] [--many-mib 32] [--servers "tftpd-hpa atftpd corral"] [--cpu-prof DIR]
//   --servers may also name corral-1w (Corral with one TFTP worker thread, TFTP_WORKERS=1),
//   corral-main (the library on the main thread, TFTP_IN_THREAD=1) and corral-js (no pump: every
//   transfer in JavaScript, CORRAL_TFTP_PUMP=off, src/tftp/pump.ts); ratios are against `corral`.
//   (npm run bench:tftp-many -- ...)
// Rows, each against every server in turn (the order rotates per round, so load from other
// work on the machine falls on all alike):
//   single   one --size-mib download at a time, --rounds times: median wall time, ratio of medians
//   Nx small --clients downloads of a --small-kib file (an undionly.kpxe) started together, --rounds times
//   Nx big   --clients downloads of a --many-mib file started together, once
// For the N-client rows: aggregate MiB/s (all bytes / time until the last one finished) and the
// p99 of the clients' completion times (nearest rank). Every row also reports the CPU the server
// used (utime+stime of its process and reaped children, /proc) per MiB served, which load from
// other work on the machine disturbs far less than wall time, and the clients' CPU.
// Clients, C both, asking for blksize 1468 without windowsize, as iPXE's undionly does; they cost
// the same for every server and per block less CPU than any server (the clients cpu column):
//   - single and Nx big: atftp, one process per download;
//   - Nx small: bench/tftp-client.c (compiled here with cc), one process running all N at once.
//     100 atftp processes spend seconds starting, more than the 70 KB transfers themselves, so
//     the downloads would hardly overlap and the row would time process creation.
// A Node client would cost per packet about what Corral does and become the bottleneck.
// All runs in a namespace of its own on its loopback (MTU 65536; packets are 1472 bytes, so no
// fragmentation either way): tftpd-hpa on 127.0.0.11, atftpd on .12, Corral (bench/tftp-server.ts,
// in its worker threads as the appliance runs it) on .13 (corral-1w .14, corral-main .15, corral-js .16), all on port 69. Every single download and every small one is compared byte for byte;
// of the big N-client row the first client's file is, the others go to /dev/null; any client
// failing (exit status) is a FAIL.
// atftpd: the one on PATH, else the Debian package unpacked by bench/tftp.sh into
// $CORRAL_BENCH_CACHE (default ~/.cache/corral-bench/atftpd).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function args() {
  const a = process.argv.slice(2);
  const o = { rounds: 3, sizeMib: 32, smallKib: 70, clients: 100, manyMib: 32, servers: ['tftpd-hpa', 'atftpd', 'corral'], cpuProf: '' };
  for (let i = 0; i < a.length; i += 2) {
    const v = a[i + 1] ?? '';
    switch (a[i]) {
      case '--rounds': o.rounds = Number(v); break;
      case '--size-mib': o.sizeMib = Number(v); break;
      case '--small-kib': o.smallKib = Number(v); break;
      case '--clients': o.clients = Number(v); break;
      case '--many-mib': o.manyMib = Number(v); break;
      case '--servers': o.servers = v.split(/\s+/).filter(Boolean); break;
      case '--cpu-prof': o.cpuProf = path.resolve(v); break;
      default:
        process.stderr.write(`bench/tftp-many.ts: unknown option ${a[i]}\n`);
        process.exit(2);
    }
  }
  return o;
}
const opt = args();

const die = (msg: string): never => {
  process.stderr.write(`bench/tftp-many.ts: ${msg}\n`);
  process.exit(1);
};
const which = (cmd: string) => (process.env.PATH ?? '').split(':').map((d) => path.join(d, cmd)).find((p) => existsSync(p)) ?? null;

if (process.getuid?.() !== 0) die('must run as root (network namespace, port 69, the baselines drop privileges)');
for (const c of ['ip', 'atftp', 'ss']) if (!which(c)) die(`missing command: ${c}`);
if (opt.servers.includes('tftpd-hpa') && !which('in.tftpd')) die('missing in.tftpd (apt-get install tftpd-hpa)');
const cache = process.env.CORRAL_BENCH_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'corral-bench');
const ATFTPD = which('atftpd') ?? path.join(cache, 'atftpd/usr/sbin/atftpd');
if (opt.servers.includes('atftpd') && !existsSync(ATFTPD)) die(`atftpd not found (run bench/tftp.sh once: it unpacks it into ${cache})`);

const NS = `corral-tftpmany-${process.pid}`;
let CLIENT: string | null = null; // bench/tftp-client, compiled below
const ADDR: Record<string, string> = { 'tftpd-hpa': '127.0.0.11', atftpd: '127.0.0.12', corral: '127.0.0.13', 'corral-1w': '127.0.0.14', 'corral-main': '127.0.0.15', 'corral-js': '127.0.0.16' };
const ip = (...a: string[]) => {
  const r = spawnSync('ip', a, { encoding: 'utf8' });
  if (r.status !== 0) die(`ip ${a.join(' ')}: ${r.stderr.trim()}`);
};
const started: ChildProcess[] = [];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'corral-tftp-many.'));
let cleaned = false;
function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  for (const c of started) if (c.exitCode === null && c.pid) {
    try {
      process.kill(-c.pid, 'SIGKILL'); // its own process group (detached): forked children too
    } catch {
      // gone
    }
  }
  spawnSync('ip', ['netns', 'del', NS]);
  if (cgroups.size > 0) spawnSync('sleep', ['0.5']); // killed processes leave their cgroups
  for (const dir of cgroups.values()) {
    try {
      rmdirSync(dir);
    } catch {
      // still busy: left behind, empty
    }
  }
  rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => process.exit(130));

// ---- files ----
const files = path.join(tmp, 'root');
mkdirSync(files, { recursive: true });
chmodSync(tmp, 0o755); // the baselines serve as nobody
const BIG = 'big.bin';
const SMALL = 'undionly.kpxe';
const MANY = 'many.bin';
const content = new Map<string, Buffer>([
  [BIG, randomBytes(opt.sizeMib << 20)],
  [SMALL, randomBytes(opt.smallKib << 10)],
  [MANY, randomBytes(opt.manyMib << 20)],
]);
for (const [n, b] of content) writeFileSync(path.join(files, n), b, { mode: 0o644 });

// ---- servers ----
ip('netns', 'add', NS);
ip('-n', NS, 'link', 'set', 'lo', 'up');
// tftpd-hpa resolves its -a address with AI_ADDRCONFIG, which wants a non-loopback IPv4 address
// configured: one on a veth pair inside the namespace, carrying no traffic.
ip('-n', NS, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
ip('-n', NS, 'addr', 'add', '10.81.0.1/24', 'dev', 'v0');
for (const l of ['v0', 'v1']) ip('-n', NS, 'link', 'set', l, 'up');
const inNs = (cmd: string, a: string[]) => ['netns', 'exec', NS, cmd, ...a];

function startServer(name: string): ChildProcess {
  const addr = ADDR[name] ?? die(`unknown server ${name}`);
  const log = path.join(tmp, `${name}.log`);
  let cmd: string[];
  switch (name) {
    case 'tftpd-hpa':
      cmd = ['in.tftpd', '-L', '-s', '-u', 'nobody', '-a', `${addr}:69`, files];
      break;
    case 'atftpd':
      cmd = [ATFTPD, '--daemon', '--no-fork', '--port', '69', '--bind-address', addr, '--user', 'nobody', '--group', 'nogroup',
        '--logfile', path.join(tmp, 'atftpd-own.log'), files];
      break;
    default: {
      const prof = opt.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opt.cpuProf}`] : [];
      // corral: as the appliance runs it (one worker thread per core, at most 4); corral-1w: one
      // worker thread; corral-main: the library on the main thread; corral-js: without the pump.
      const variants: Record<string, string[]> = { 'corral-1w': ['TFTP_WORKERS=1'], 'corral-main': ['TFTP_IN_THREAD=1'], 'corral-js': ['CORRAL_TFTP_PUMP=off'] };
      const how = variants[name] ?? [];
      cmd = ['env', `TFTP_ROOT=${files}`, `LAB_SERVER_IP=${addr}`, ...how, process.execPath, ...prof, '--import', 'tsx', 'bench/tftp-server.ts'];
    }
  }
  // `ip netns exec` execs the command: the child's pid is the server's, for /proc CPU figures.
  const out = openSync(log, 'w');
  const c = spawn('ip', inNs(cmd[0]!, cmd.slice(1)), { cwd: ROOT, stdio: ['ignore', out, out], detached: true });
  started.push(c);
  return c;
}
function listening(addr: string): boolean {
  const r = spawnSync('ip', inNs('ss', ['-Hlnu', `src = ${addr} and sport = :69`]), { encoding: 'utf8' });
  return r.stdout.trim().length > 0;
}

/**
 * A server's CPU in ms: its cpuacct cgroup (cgroup v1) when one could be made, which also counts
 * the children tftpd-hpa forks per transfer and does not reap into cutime; else utime+stime+
 * cutime+cstime from /proc (clock ticks of 10 ms).
 */
const CGROUP = '/sys/fs/cgroup/cpuacct';
const cgroups = new Map<number, string>();
function account(name: string, pid: number): void {
  const dir = path.join(CGROUP, `${NS}-${name}`);
  try {
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
    cgroups.set(pid, dir);
  } catch {
    // no cgroup v1 cpuacct here: /proc figures
  }
}
function cpuMs(pid: number): number {
  const cg = cgroups.get(pid);
  if (cg) return Number(readFileSync(path.join(cg, 'cpuacct.usage'), 'utf8')) / 1e6;
  return procCpuMs(pid);
}
function procCpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' '); // fields from 3 on
  const tick = 1000 / 100;
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * tick;
}
const selfChildrenCpuMs = () => {
  const f = readFileSync('/proc/self/stat', 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
};

// ---- clients ----
interface Got { ms: number; ok: boolean; why: string }

/** One atftp download, lock-step with blksize 1468, timed from `t0`. */
function fetchOne(addr: string, remote: string, local: string, t0: number, timeoutS: number): Promise<Got> {
  return new Promise((resolve) => {
    const c = spawn('ip', inNs('timeout', [String(timeoutS), 'atftp', '--get', '-r', remote, '-l', local, '--option', 'blksize 1468', addr]),
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => resolve({ ms: performance.now() - t0, ok: code === 0, why: code === 0 ? '' : `rc=${code} ${err.replace(/\s+/g, ' ').slice(0, 60)}` }));
  });
}

const same = (file: string, name: string) => {
  try {
    return readFileSync(file).equals(content.get(name)!);
  } catch {
    return false;
  }
};

interface Row { wallMs: number; serverCpuMs: number; clientCpuMs: number; p99Ms: number; fail: string }

async function measure(server: string, pid: number, n: number, name: string, timeoutS: number, verifyAll: boolean): Promise<Row> {
  const dir = path.join(tmp, 'got');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const c0 = cpuMs(pid);
  const k0 = selfChildrenCpuMs();
  const t0 = performance.now();
  const gets = await Promise.all(Array.from({ length: n }, (_, i) =>
    fetchOne(ADDR[server]!, name, verifyAll || i === 0 ? path.join(dir, `got.${i}`) : '/dev/null', t0, timeoutS)));
  const wallMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 50)); // tftpd-hpa reaps its forked child: its CPU into cutime
  const serverCpuMs = cpuMs(pid) - c0;
  const clientCpuMs = selfChildrenCpuMs() - k0;
  const bad = gets.filter((g, i) => !g.ok || ((verifyAll || i === 0) && !same(path.join(dir, `got.${i}`), name)));
  const times = gets.map((g) => g.ms).sort((a, b) => a - b);
  const p99Ms = times[Math.max(0, Math.ceil(0.99 * times.length) - 1)]!;
  const fail = bad.length ? `FAIL ${bad.length}/${n}: ${bad[0]!.why || 'content differs'}` : '';
  return { wallMs, serverCpuMs, clientCpuMs, p99Ms, fail };
}

/** FNV-1a 64, as bench/tftp-client.c hashes what it received. */
function fnv1a64(b: Uint8Array): string {
  let h = 0xcbf29ce484222325n;
  for (const x of b) h = BigInt.asUintN(64, (h ^ BigInt(x)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

/** N downloads at once from one bench/tftp-client process; times are the client's own. */
async function measureMany(server: string, pid: number, n: number, name: string): Promise<Row> {
  const data = content.get(name)!;
  const c0 = cpuMs(pid);
  const k0 = selfChildrenCpuMs();
  const c = spawn('ip', inNs(CLIENT!, [ADDR[server]!, name, String(n), '1468', String(data.length)]), { stdio: ['ignore', 'pipe', 'pipe'] });
  let outText = '';
  c.stdout!.on('data', (d: Buffer) => (outText += d.toString()));
  const code = await new Promise<number | null>((r) => c.on('close', r));
  await new Promise((r) => setTimeout(r, 50));
  const serverCpuMs = cpuMs(pid) - c0;
  const clientCpuMs = selfChildrenCpuMs() - k0;
  const lines = outText.trim().split('\n').filter((l) => !l.startsWith('done')).map((l) => l.split(' '));
  const want = fnv1a64(data);
  const bad = lines.filter(([, , bytes, hash]) => Number(bytes) !== data.length || hash !== want).length + Math.max(0, n - lines.length);
  const times = lines.map((l) => Number(l[1])).sort((a, b) => a - b);
  return {
    wallMs: times.at(-1) ?? NaN, serverCpuMs, clientCpuMs, p99Ms: times[Math.max(0, Math.ceil(0.99 * times.length) - 1)] ?? NaN,
    fail: bad || code !== 0 ? `FAIL ${bad}/${n} (exit ${code})` : '',
  };
}

// ---- report ----
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '-');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const pad = (s: string, n: number) => s.padStart(n);
const out = (s: string) => process.stdout.write(`${s}\n`);

async function main(): Promise<void> {
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/tftp-server.ts', '--check'], { cwd: ROOT, stdio: 'inherit' });
  const exe = path.join(tmp, 'tftp-client');
  const cc = spawnSync('cc', ['-O2', '-o', exe, path.join(ROOT, 'bench/tftp-client.c')], { encoding: 'utf8' });
  if (cc.status === 0) CLIENT = exe;
  else out(`# cc failed (${(cc.stderr ?? String(cc.error)).trim().slice(0, 80)}): the Nx small row uses atftp processes`);
  const pids: Record<string, number> = {};
  for (const s of opt.servers) {
    const c = startServer(s);
    const until = Date.now() + 30_000;
    while (!listening(ADDR[s]!)) {
      if (Date.now() > until || c.exitCode !== null) die(`${s} did not start listening on ${ADDR[s]}:69 (${readFileSync(path.join(tmp, `${s}.log`), 'utf8').slice(0, 300)})`);
      await new Promise((r) => setTimeout(r, 100));
    }
    pids[s] = c.pid!;
    account(s, c.pid!);
  }
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  out(`# bench/tftp-many.ts ${new Date().toISOString()} cores=${os.cpus().length} load=${load()} single=${opt.sizeMib}MiB ` +
    `${opt.clients}x${opt.smallKib}KiB ${opt.clients}x${opt.manyMib}MiB rounds=${opt.rounds}; client atftp, blksize 1468, lock-step`);
  // Warm-up, untimed: Node compiles Corral's hot paths during its first transfers.
  for (const s of opt.servers) for (let i = 0; i < 3; i++) await measure(s, pids[s]!, 4, SMALL, 60, true);

  const rows = new Map<string, Map<string, Row[]>>(); // row -> server -> measurements
  const record = (row: string, server: string, r: Row, bytes: number) => {
    if (!rows.has(row)) rows.set(row, new Map());
    const m = rows.get(row)!;
    if (!m.has(server)) m.set(server, []);
    m.get(server)!.push(r);
    out(`${row.padEnd(18)} ${server.padEnd(10)} ${pad(f0(r.wallMs), 7)} ms ${pad(f1(bytes / 1048576 / (r.wallMs / 1000)), 7)} MiB/s` +
      ` p99 ${pad(f0(r.p99Ms), 6)} ms  server cpu ${pad(f0(r.serverCpuMs), 6)} ms  clients cpu ${pad(f0(r.clientCpuMs), 6)} ms ${r.fail}`);
  };
  const order = (round: number) => opt.servers.map((_, i) => opt.servers[(i + round) % opt.servers.length]!);
  const single = `single ${opt.sizeMib}MiB`;
  const small = `${opt.clients}x ${opt.smallKib}KiB`;
  const big = `${opt.clients}x ${opt.manyMib}MiB`;
  const bytes: Record<string, number> = {
    [single]: opt.sizeMib << 20, [small]: opt.clients * (opt.smallKib << 10), [big]: opt.clients * (opt.manyMib << 20),
  };
  for (let round = 0; round < opt.rounds; round++) {
    for (const s of order(round)) record(single, s, await measure(s, pids[s]!, 1, BIG, 300, true), bytes[single]!);
    if (opt.clients > 0) {
      for (const s of order(round)) {
        const r = CLIENT ? await measureMany(s, pids[s]!, opt.clients, SMALL) : await measure(s, pids[s]!, opt.clients, SMALL, 120, true);
        record(small, s, r, bytes[small]!);
      }
    }
  }
  if (opt.clients > 0 && opt.manyMib > 0) for (const s of order(0)) record(big, s, await measure(s, pids[s]!, opt.clients, MANY, 600, false), bytes[big]!);

  for (const c of started) if (c.pid) process.kill(-c.pid, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  for (const s of opt.servers.filter((x) => x.startsWith('corral'))) {
    const log = readFileSync(path.join(tmp, `${s}.log`), 'utf8').split('\n');
    const how = log.find((l) => l.includes('corral tftp listening'));
    const stats = log.find((l) => l.includes('corral tftp stats'));
    if (how) out(`# ${s}: ${how}`);
    if (stats) out(`# ${s}: ${stats}`);
  }

  out('');
  out(`# medians over rounds; ratio = baseline wall ms / Corral wall ms (> 1: Corral faster), per round then the median of those;`);
  out(`# cpu/MiB = server CPU ms per MiB served (utime+stime, children included)`);
  out(`${'row'.padEnd(18)} ${'server'.padEnd(10)} ${pad('wall ms', 8)} ${pad('MiB/s', 7)} ${pad('p99 ms', 7)} ${pad('cpu/MiB', 8)} ${pad('corral/x', 9)} ${pad('n', 3)}`);
  for (const [row, byServer] of rows) {
    const corral = byServer.get('corral') ?? [];
    for (const [s, rs] of byServer) {
      const ok = rs.filter((r) => !r.fail);
      const wall = median(ok.map((r) => r.wallMs));
      const perRound = ok.map((r, i) => (corral[i] && !corral[i].fail ? r.wallMs / corral[i].wallMs : NaN)).filter(Number.isFinite);
      const ratio = s === 'corral' ? '' : f2(median(perRound));
      const fails = rs.length - ok.length;
      out(`${row.padEnd(18)} ${s.padEnd(10)} ${pad(f0(wall), 8)} ${pad(f1(bytes[row]! / 1048576 / (wall / 1000)), 7)} ${pad(f0(median(ok.map((r) => r.p99Ms))), 7)}` +
        ` ${pad(f1(median(ok.map((r) => r.serverCpuMs / (bytes[row]! / 1048576)))), 8)} ${pad(ratio, 9)} ${pad(String(ok.length), 3)}${fails ? ` FAIL x${fails}` : ''}`);
    }
  }
}

main().then(() => process.exit(0), (err: unknown) => die(String(err instanceof Error ? err.stack : err)));
