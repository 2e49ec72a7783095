// Boot assets under a download storm: Corral next to nginx serving the SAME files, in one run.
//
//   node --import tsx bench/assets.ts [--seconds 4] [--clients 16,64,256] [--sizes 64,1024] [--rounds 2]
//   (npm run bench:assets)
//
// Servers, all on 127.0.0.1, all serving one folder of a 64 MiB and a 1 GiB random file:
//   nginx-1w    Debian's nginx, one worker, sendfile on (the baseline: nginx's honest default)
//   nginx-auto  the same with worker_processes auto
//   corral-bi   `corral serve --asset-server builtin` (src/http/static-file.ts)
//   corral-ngx  `corral serve --asset-server nginx` (nginx in front, src/boot/assets-*.ts)
// For each file size and client count, each server gets SECONDS of load (ROUNDS times for 64 MiB,
// half as often for 1 GiB; the order turned each time so a drift in the machine's load falls on
// all alike; the median is printed) after one untimed second each: CLIENTS keep-alive
// connections (bench/assets-client.ts, two processes) downloading the file again and again.
// Prints aggregate MiB/s (bytes received in the window), p99 of the downloads that finished in
// the window, the ratio to nginx-1w, and — for Corral — DHCP (DISCOVER..ACK) and API
// (/v1/health) round trips measured during the storm, next to the same idle.
// Needs nginx (`apt-get install -y nginx-light`; as root the bench installs it when absent).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findNginx, type NginxBuild } from '../src/boot/assets-nginx.js';
import { probe, relay, type ProbeResult } from './assets-probe.js';

const { values: a } = parseArgs({ options: { seconds: { type: 'string', default: '4' }, clients: { type: 'string', default: '16,64,256' }, sizes: { type: 'string', default: '64,1024' }, rounds: { type: 'string', default: '2' } } });
const SECONDS = Number(a.seconds);
const CLIENTS = a.clients!.split(',').map(Number);
const SIZES = a.sizes!.split(',').map(Number);
const ROUNDS = Number(a.rounds);

function nginxBuild(): NginxBuild {
  let b = findNginx();
  if (!b && process.getuid?.() === 0) {
    process.stdout.write('# installing nginx-light\n');
    execFileSync('apt-get', ['install', '-y', 'nginx-light'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    b = findNginx();
  }
  if (!b) throw new Error('nginx is needed: apt-get install -y nginx-light');
  return b;
}

const freePort = () =>
  new Promise<number>((r) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });

const children: ChildProcess[] = [];
const cleanup = () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

/** Spawns CMD and resolves once a line of its stdout matches `ready`. */
function start(cmd: string, args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<ChildProcess> {
  const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(c);
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${cmd} not ready in 60 s: ${out}`)), 60_000);
    const seen = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) (clearTimeout(t), resolve(c));
    };
    c.stdout!.on('data', seen);
    c.stderr!.on('data', seen);
    c.once('exit', (code) => (clearTimeout(t), reject(new Error(`${cmd} exited (${code}): ${out}`))));
  });
}

async function startNginxBaseline(build: NginxBuild, dir: string, assets: string, port: number, workers: string): Promise<ChildProcess> {
  mkdirSync(dir, { recursive: true });
  for (const k of build.tempKinds) mkdirSync(join(dir, 'tmp', k), { recursive: true });
  const conf = `${process.getuid?.() === 0 ? `user ${userInfo().username};\n` : ''}worker_processes ${workers};
daemon off;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 8192; }
http {
  sendfile on;
  tcp_nopush on;
  access_log off;
  keepalive_requests 100000;
  default_type application/octet-stream;
${build.tempKinds.map((k) => `  ${k}_temp_path ${dir}/tmp/${k};`).join('\n')}
  server { listen 127.0.0.1:${port} backlog=4096; root ${assets}; }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const c = spawn(build.bin, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(c);
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/f64`, { method: 'HEAD' }).then((r) => r.ok, () => false);
    if (ok) return c;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx (${workers}) did not start`);
}

interface Load {
  mibs: number;
  p99: number | undefined;
  done: number;
  errors: number;
}

/** `clients` connections in two client processes for SECONDS; aggregate over the longest window. */
async function load(port: number, path: string, clients: number, seconds = SECONDS): Promise<Load> {
  const half = [Math.ceil(clients / 2), Math.floor(clients / 2)].filter((n) => n > 0);
  const runs = half.map(
    (n) =>
      new Promise<{ bytes: number; ms: number; done: number[]; errors: number }>((resolve, reject) => {
        const c = spawn(process.execPath, ['--import', 'tsx', 'bench/assets-client.ts', '127.0.0.1', String(port), path, String(n), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
        children.push(c);
        let out = '';
        c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        c.once('exit', () => {
          try {
            resolve(JSON.parse(out));
          } catch {
            reject(new Error(`client: ${out}`));
          }
        });
      }),
  );
  const rs = await Promise.all(runs);
  const bytes = rs.reduce((s, r) => s + r.bytes, 0);
  const ms = Math.max(...rs.map((r) => r.ms));
  const done = rs.flatMap((r) => r.done).sort((x, y) => x - y);
  return { mibs: bytes / 2 ** 20 / (ms / 1000), p99: done.length ? done[Math.min(done.length - 1, Math.floor(done.length * 0.99))] : undefined, done: done.length, errors: rs.reduce((s, r) => s + r.errors, 0) };
}

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]! : NaN);
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const lat = (p: ProbeResult) => `dhcp p50 ${ms(pct(p.dhcp, 50))} p99 ${ms(pct(p.dhcp, 99))} max ${ms(Math.max(...p.dhcp))} ms${p.dhcpLost ? ` (${p.dhcpLost} lost)` : ''}; api p50 ${ms(pct(p.api, 50))} p99 ${ms(pct(p.api, 99))} ms`;

async function main(): Promise<void> {
  const build = nginxBuild();
  const root = mkdtempSync(join(tmpdir(), 'corral-assets-bench-'));
  const assets = join(root, 'www');
  mkdirSync(assets);
  // Random data (no compression or zero-page shortcut anywhere); the 1 GiB file is the 64 MiB one 16 times.
  const chunk = randomBytes(64 * 2 ** 20);
  writeFileSync(join(assets, 'f64'), chunk);
  const fd = openSync(join(assets, 'f1024'), 'w');
  for (let i = 0; i < 16; i++) writeSync(fd, chunk);
  closeSync(fd);
  try {
    const r = await relay();
    const servers: { name: string; port: number; corral?: { dhcp: number; api: number } }[] = [];
    for (const [name, workers] of [['nginx-1w', '1'], ['nginx-auto', 'auto']] as const) {
      const port = await freePort();
      await startNginxBaseline(build, join(root, name), assets, port, workers);
      servers.push({ name, port });
    }
    for (const [name, mode] of [['corral-bi', 'builtin'], ['corral-ngx', 'nginx']] as const) {
      const [port, dhcp, api] = [await freePort(), await freePort(), await freePort()];
      await start(process.execPath, ['--import', 'tsx', 'bench/assets-server.ts'], /ready/, { ASSET_SERVER: mode, ASSETS_DIR: assets, HTTP_PORT: String(port), DHCP_PORT: String(dhcp), API_PORT: String(api), DHCP_RELAY_PORT: String(r.port) });
      servers.push({ name, port, corral: { dhcp, api } });
    }
    process.stdout.write(`# bench/assets.ts ${new Date().toISOString()} cores=${cpus().length} load=${loadavg().map((x) => x.toFixed(1)).join(' ')} nginx=${build.version} node=${process.version} seconds=${SECONDS} rounds=${ROUNDS}\n`);
    for (const s of servers) {
      if (!s.corral) continue;
      const idle = await probe(r, s.corral.dhcp, s.corral.api, new Promise((res) => setTimeout(res, 2000)));
      process.stdout.write(`# ${s.name} idle: ${lat(idle)}\n`);
    }
    for (const s of servers) await load(s.port, `/${s.corral ? 'files/' : ''}f64`, 16, 1); // warm-up: caches, JIT, client compile
    const results: Record<string, Load[]> = {};
    const during: Record<string, ProbeResult[]> = {};
    for (const size of SIZES) {
      for (const clients of CLIENTS) {
        const rounds = size >= 1024 ? Math.max(1, Math.floor(ROUNDS / 2)) : ROUNDS;
        for (let round = 0; round < rounds; round++) {
          const order = round % 2 ? [...servers].reverse() : servers;
          for (const s of order) {
            let stop!: () => void;
            const stopped = new Promise<void>((res) => (stop = res));
            const probing = s.corral ? probe(r, s.corral.dhcp, s.corral.api, stopped) : undefined;
            const l = await load(s.port, `/${s.corral ? 'files/' : ''}f${size}`, clients);
            stop();
            const key = `${size} ${clients} ${s.name}`;
            (results[key] ??= []).push(l);
            if (probing) (during[key] ??= []).push(await probing);
          }
        }
        const base = median((results[`${size} ${clients} nginx-1w`] ?? []).map((l) => l.mibs));
        for (const s of servers) {
          const key = `${size} ${clients} ${s.name}`;
          const ls = results[key]!;
          const mibs = median(ls.map((l) => l.mibs));
          const p99 = ls.map((l) => l.p99).filter((x): x is number => x !== undefined);
          const probes = during[key];
          const merged = probes && { dhcp: probes.flatMap((p) => p.dhcp), dhcpLost: probes.reduce((n, p) => n + p.dhcpLost, 0), api: probes.flatMap((p) => p.api) };
          process.stdout.write(
            `${String(size).padStart(5)} MiB ${String(clients).padStart(4)} clients  ${s.name.padEnd(11)} ${mibs.toFixed(0).padStart(6)} MiB/s  ratio ${(mibs / base).toFixed(2)}  p99 ${p99.length ? (Math.max(...p99) / 1000).toFixed(2) + ' s' : '–'} (${ls.reduce((n, l) => n + l.done, 0)} done${ls.some((l) => l.errors) ? `, ${ls.reduce((n, l) => n + l.errors, 0)} errors` : ''})${merged ? `  ${lat(merged)}` : ''}\n`,
          );
        }
      }
    }
    r.close();
  } finally {
    cleanup();
    await new Promise((res) => setTimeout(res, 500));
    rmSync(root, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`bench/assets.ts: ${e.message}\n`);
    process.exit(1);
  },
);
