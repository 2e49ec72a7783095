// vmpooler check-out latency (`npm run bench:checkout`): what a pool of ready hosts buys.
//
// The appliance side runs in a child process (`--serve`) so the load generator does not share its
// event loop: the real durable store (lowdb, a temp folder), the live SoT, the real API
// (createApi: auth, vmpooler routes) and the real pool manager. Only the orchestrator is
// simulated: an install or a wipe moves the host's runtime record provisioning -> active
// (reclaiming -> inactive) after `--install-ms` (default 3 s: a simulated machine's own power-on ->
// active p50 in bench/storm.ts is 2.95 s; a real lab VM under TCG takes ~17.6 s, docs/benchmarks.md).
//
// SoT: one on-demand site, 1,100 hosts (bench/sot-gen.ts). Pool `ready-pool` (size 1,000, clusters
// 0-1) is pre-seeded with 1,000 installed hosts (active, its workflow, a "pool:" hold): the manager
// sees them `ready`. Pool `od-pool` (size 0, cluster 2) keeps nothing ready.
//
// Measured, in this order:
//   A. 50 concurrent keep-alive clients check out (POST /api/v1/vm/ready-pool) until 1,000 are out;
//      then the child puts every check-out back to ready (bookkeeping, not timed). `--rounds` times.
//   B. one client, check-outs one after another (the same request as C, alone on the server).
//   C. one client, on demand: POST /api/v1/ondemandvm {"od-pool": 1}, then GET every `--poll-ms`
//      until 200 ready: the cost of not pre-provisioning.
//   node --import tsx bench/checkout.ts [--rounds 3] [--clients 50] [--serial 200] [--ondemand 10] [--install-ms 3000] [--poll-ms 100]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { generateSot } from './sot-gen.js';

const { values: o } = parseArgs({
  options: {
    serve: { type: 'boolean' }, sot: { type: 'string' }, data: { type: 'string' },
    rounds: { type: 'string', default: '3' }, clients: { type: 'string', default: '50' }, serial: { type: 'string', default: '200' },
    ondemand: { type: 'string', default: '10' }, 'install-ms': { type: 'string', default: '3000' }, 'poll-ms': { type: 'string', default: '100' },
  },
});
const READY = 1000;
const OD_HOSTS = 100;

// ---- The appliance (child) -----------------------------------------------------------------

async function serve(): Promise<void> {
  const { systemClock: clock } = await import('../src/lib/clock.js');
  const { createLogger } = await import('../src/lib/log.js');
  const { openStore } = await import('../src/store/lowdb-store.js');
  const { createLiveSot } = await import('../src/sot/live.js');
  const { syncHostRecords } = await import('../src/lifecycle/sync.js');
  const { createAuthServices } = await import('../src/api/auth/services.js');
  const { createApi } = await import('../src/api/app.js');
  const { applianceNames } = await import('../src/api/auth/guards.js');
  const { createPoolManager } = await import('../src/pools/manager.js');
  const { holdId, phaseOf, SETTINGS_KEY } = await import('../src/pools/model.js');
  type HostRuntime = import('../src/model/index.js').HostRuntime;

  const log = createLogger({ level: 'warn' });
  const installMs = Number(o['install-ms']);
  const store = await openStore({ dir: o.data!, clock, log });
  const sot = createLiveSot({ root: o.sot!, clock, log, pollMs: 0 });
  if (!(await sot.reload())) throw new Error(`the SoT did not load: ${JSON.stringify(sot.status().lastAttempt?.problems.slice(0, 3))}`);
  const now = clock.now();
  await syncHostRecords(store, sot.current()!, now);
  const pooled = sot.current()!.hosts.filter((h) => h.clusterId !== 'cluster2').map((h) => h.id);
  // 1,000 hosts installed with the pool's workflow and held by it: what a filled pool looks like.
  await store.transact((tx) => {
    for (const id of pooled) {
      tx.put('hosts', id, { ...(tx.get('hosts', id) as HostRuntime), state: 'active', workflow: 'wf', since: now, updatedAt: now });
      tx.put('allocations', holdId('pool', id), { id: holdId('pool', id), hostId: id, kind: 'checkout', pool: 'ready-pool', tags: {}, createdAt: now, lifetime: 0 });
    }
    // Installs at once per pool: the default (2) would queue the on-demand requests behind each other.
    tx.put('meta', SETTINGS_KEY, { maxConcurrentPerPool: 50 });
  });

  const setState = (id: string, state: HostRuntime['state'], workflow: string | undefined, type: string) =>
    store.transact((tx) => {
      const rt = tx.get('hosts', id) as HostRuntime;
      const at = clock.now();
      tx.put('hosts', id, { ...rt, state, ...(workflow && { workflow }), since: at, updatedAt: at });
      tx.event({ subject: id, type, at, data: { new_state: state } });
    });
  // The simulated orchestrator: what a machine's install or wipe looks like to the pool manager.
  const orchestrator = {
    async requestProvision(id: string, opts?: { workflow?: string }) {
      await setState(id, 'provisioning', opts?.workflow, 'provision.requested');
      setTimeout(() => void setState(id, 'active', opts?.workflow, 'provision.completed'), installMs);
      return undefined;
    },
    async requestReclaim(id: string) {
      await setState(id, 'reclaiming', undefined, 'reclaim.requested');
      setTimeout(() => void setState(id, 'inactive', undefined, 'reclaim.completed'), installMs);
      return undefined;
    },
  };
  const pools = createPoolManager({ sot, store, orchestrator, clock, log });
  pools.start();
  const auth = createAuthServices(store, clock);
  await auth.users.add('bench', 'user', 'bench-password-1');
  const { token } = await auth.tokens.create('bench', 'user');
  writeFileSync(join(o.data!, 'bench.token'), token, { mode: 0o600 });
  const app = createApi({ sot, store, clock, log, version: 'bench', auth, security: { requireReadToken: false, names: applianceNames(['127.0.0.1']) } });
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));

  // Between rounds: every check-out of ready-pool goes straight back to ready (no wipe), untimed.
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'reset') {
      await store.transact((tx) => {
        for (const a of store.list('allocations')) {
          if (a.pool !== 'ready-pool' || phaseOf(a) !== 'checkout') continue;
          tx.del('allocations', a.id);
          tx.put('allocations', holdId('pool', a.hostId), { id: holdId('pool', a.hostId), hostId: a.hostId, kind: 'checkout', pool: 'ready-pool', tags: {}, createdAt: a.createdAt, lifetime: 0 });
        }
        tx.event({ subject: 'appliance', type: 'bench.reset', at: clock.now() });
      });
      await pools.settle();
      process.stdout.write('reset done\n');
    } else if (line === 'stop') break;
  }
  await pools.stop();
  server.closeAllConnections();
  server.close();
  app.events.close();
  await auth.tokens.stop();
  sot.stop();
  await store.close();
  // Timers of the services (token flush, SoT watch) may outlive their stop: leave now, which also writes --cpu-prof.
  process.exit(0);
}

// ---- The load generator (parent) ------------------------------------------------------------

function writeBenchSot(root: string): void {
  generateSot(root, READY + OD_HOSTS, { mode: 'on-demand', bmc: false });
  const w = (rel: string, text: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  w('workflows/wipe.yml', 'id: wipe\nworkflow:\n  - boot: b\n');
  const pool = (name: string, size: number, clusters: string[]) => `name: ${name}\nworkflow: wf\nsize: ${size}\nselector:\n  sites: [site0]\n  clusters: [${clusters.join(', ')}]\n`;
  w('pools/ready-pool.yml', pool('ready-pool', READY, ['cluster0', 'cluster1']));
  w('pools/od-pool.yml', pool('od-pool', 0, ['cluster2']));
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function call(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) }, agent, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};
/** The appliance's own CPU time (user + system, ms) from /proc: the figure least moved by other processes on a shared machine. */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) in clock ticks of 10 ms; rest[0] is field 3.
  return (Number(rest[11]) + Number(rest[12])) * 10;
}
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));

async function main(): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-checkout-'));
  const sotDir = join(dir, 'sot');
  const dataDir = join(dir, 'data');
  writeBenchSot(sotDir);
  const child = spawn(process.execPath, [...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : []), '--import', 'tsx', new URL(import.meta.url).pathname, '--serve', '--sot', sotDir, '--data', dataDir, '--install-ms', o['install-ms']!], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async (what: string, timeoutMs: number): Promise<string> => {
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const r = await lines.next();
    clearTimeout(t);
    if (r.done) throw new Error(`the appliance exited before ${what}`);
    return r.value;
  };
  try {
    const port = Number((await nextLine('listening', 60_000)).split(' ')[1]);
    const tok = readFileSync(join(dataDir, 'bench.token'), 'utf8').trim();
    const h = { 'x-auth-token': tok };
    const stat = async () => JSON.parse((await call(port, 'GET', '/api/v1/poolstat?pool=ready-pool', {})).text).pools['ready-pool'].ready as number;
    if ((await stat()) !== READY) throw new Error(`ready-pool is not ready: ${await stat()}`);
    const load = Number((await import('node:os')).loadavg()[0]!.toFixed(1));
    console.log(`appliance up (1,100 hosts, ${READY} ready) in ${((performance.now() - started) / 1000).toFixed(1)} s, load ${load}`);

    // A. Concurrent check-outs until the pool is drained, `rounds` times.
    const clients = Number(o.clients);
    const concurrent: number[] = [];
    let refused = 0;
    let concurrentCpu = 0;
    for (let round = 1; round <= Number(o.rounds); round++) {
      let issued = 0;
      const t0 = performance.now();
      const c0 = cpuMs(child.pid!);
      const samples: number[] = [];
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (issued < READY) {
            issued++;
            const s = performance.now();
            const r = await call(port, 'POST', '/api/v1/vm/ready-pool', h);
            samples.push(performance.now() - s);
            if (r.status !== 200) refused++;
          }
        }),
      );
      const wall = performance.now() - t0;
      // Settled first: the manager's passes the check-outs caused are part of their cost.
      await call(port, 'GET', '/api/v1/totalrunning', {});
      const cpu = cpuMs(child.pid!) - c0;
      if (round > 1) concurrentCpu += cpu;
      console.log(`A round ${round}: ${samples.length} check-outs by ${clients} clients in ${(wall / 1000).toFixed(2)} s (${Math.round(samples.length / (wall / 1000))}/s), p50 ${ms(pct(samples, 50))} ms, p99 ${ms(pct(samples, 99))} ms, max ${ms(Math.max(...samples))} ms; appliance CPU ${(cpu / samples.length).toFixed(2)} ms per check-out`);
      concurrent.push(...samples);
      if ((await stat()) !== 0) throw new Error(`after ${READY} check-outs, ${await stat()} still ready`);
      child.stdin!.write('reset\n');
      if ((await nextLine('reset', 60_000)) !== 'reset done') throw new Error('reset failed');
    }
    if (refused) throw new Error(`${refused} check-outs refused while hosts were ready`);

    // B. One client, one check-out at a time.
    const serial: number[] = [];
    const s0 = cpuMs(child.pid!);
    for (let i = 0; i < Number(o.serial); i++) {
      const s = performance.now();
      const r = await call(port, 'POST', '/api/v1/vm/ready-pool', h);
      serial.push(performance.now() - s);
      if (r.status !== 200) throw new Error(`serial check-out: ${r.status} ${r.text}`);
    }

    const serialCpu = (cpuMs(child.pid!) - s0) / serial.length;

    // C. One client, on demand from a pool with nothing ready: ask, then poll until ready.
    const pollMs = Number(o['poll-ms']);
    const od: number[] = [];
    for (let i = 0; i < Number(o.ondemand); i++) {
      const s = performance.now();
      const r = await call(port, 'POST', '/api/v1/ondemandvm', h, JSON.stringify({ 'od-pool': '1' }));
      if (r.status !== 201) throw new Error(`ondemandvm: ${r.status} ${r.text}`);
      const id = JSON.parse(r.text).request_id as string;
      // Bounded: an install is --install-ms; give it ten times that.
      const deadline = s + 10 * Number(o['install-ms']) + 10_000;
      for (;;) {
        const g = await call(port, 'GET', `/api/v1/ondemandvm/${id}`, {});
        if (g.status === 200) {
          const b = JSON.parse(g.text);
          if (!b.ready) throw new Error(`on-demand request failed: ${g.text}`);
          break;
        }
        if (performance.now() > deadline) throw new Error(`on-demand request ${id} not ready in time: ${g.text}`);
        await new Promise((done) => setTimeout(done, pollMs));
      }
      od.push(performance.now() - s);
    }

    const rows: [string, number[]][] = [
      [`check-out, ${clients} clients, pool of ${READY} ready (${concurrent.length} samples)`, concurrent],
      [`check-out, 1 client (${serial.length} samples)`, serial],
      [`on demand, 1 client: POST /ondemandvm -> ready, install ${o['install-ms']} ms, poll ${pollMs} ms (${od.length} samples)`, od],
    ];
    console.log('\n| case | p50 ms | p99 ms | max ms |\n| --- | --- | --- | --- |');
    for (const [name, xs] of rows) console.log(`| ${name} | ${ms(pct(xs, 50))} | ${ms(pct(xs, 99))} | ${ms(Math.max(...xs))} |`);
    console.log(`\non demand / check-out (p50): ${(pct(od, 50) / pct(serial, 50)).toFixed(0)}x against 1 client, ${(pct(od, 50) / pct(concurrent, 50)).toFixed(0)}x against ${clients} clients`);
    console.log(`on demand minus the simulated install (p50): ${ms(pct(od, 50) - Number(o['install-ms']))} ms`);
    const rounds = Number(o.rounds);
    if (rounds > 1) console.log(`appliance CPU per check-out: ${(concurrentCpu / ((rounds - 1) * READY)).toFixed(2)} ms with ${clients} clients (rounds 2-${rounds}), ${serialCpu.toFixed(2)} ms with 1 client; load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
    console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
    child.stdin!.write('stop\n');
    await new Promise((done) => {
      const t = setTimeout(() => (child.kill('SIGKILL'), done(undefined)), 20_000);
      child.once('exit', () => (clearTimeout(t), done(undefined)));
    });
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Last: main() uses the module's consts (agent) declared above.
if (o.serve) await serve();
else await main();
