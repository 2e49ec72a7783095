// Store benchmark: acknowledged host state transitions per second at 10,000 hosts, with ack
// latency, against the target (>= 2,000/s), and side by side with the naive lowdb approach
// (rewrite the whole document durably on every mutation).
//
//   node --import tsx bench/store.ts [--seconds 10] [--naive-seconds 3] [--workers 64] [--hosts 10000]
//                                    [--snapshot-every 1000] [--reopen 10000,100000,1000000 | 0]
//
// --reopen: reopen time at those history lengths, segmented journal beside the pre-rotation
// single journal (bench/store-reopen.ts); 0 skips it.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Low } from 'lowdb';
import type { HostEvent, HostRuntime, LifecycleState } from '../src/model/index.js';
import { DurableFile } from '../src/store/durable-file.js';
import { openStore, type CorralStore } from '../src/store/lowdb-store.js';
import { benchReopen } from './store-reopen.js';

const TARGET_PER_S = 2000;
const LOOP_SAMPLE_MS = 1;
const CYCLE: LifecycleState[] = ['inactive', 'provisioning', 'active', 'reclaiming'];

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

const seconds = arg('seconds', 10);
const naiveSeconds = arg('naive-seconds', Math.min(3, seconds));
const workers = arg('workers', 64);
const hosts = arg('hosts', 10_000);
const snapshotEvery = arg('snapshot-every', 1000);
const reopenArg = process.argv.includes('--reopen') ? process.argv[process.argv.indexOf('--reopen') + 1]! : '10000,100000,1000000';
const reopenSizes = reopenArg === '0' ? [] : reopenArg.split(',').map(Number);

function newHost(i: number): HostRuntime {
  const now = Date.now();
  return {
    id: `host-${String(i).padStart(5, '0')}`,
    state: 'inactive',
    bootIndex: 0,
    checkpoint: 0,
    workflow: 'ubuntu-24.04-k8s-worker',
    desiredFingerprint: 'sha256:2f9c0d6a4e3b1f7a8c5d9e0b1a2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e',
    role: { name: 'k8s-worker', version: '1.4.2', settings: { pool: 'general', rack: `r${i % 40}` } },
    power: 'on',
    attempts: 0,
    since: now,
    lastIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    updatedAt: now,
  };
}

/** The next state of a host, as the lifecycle would compute it. */
function transition(h: HostRuntime): { next: HostRuntime; from: LifecycleState } {
  const from = h.state;
  const now = Date.now();
  const state = CYCLE[(CYCLE.indexOf(from) + 1) % CYCLE.length]!;
  return { next: { ...h, state, attempts: h.attempts + 1, since: now, updatedAt: now }, from };
}

interface LoadResult {
  count: number;
  elapsedS: number;
  latencies: Float64Array;
  loopP99: number;
  loopMax: number;
}

/** `workers` loops, each awaiting one transition at a time, for `durationS` seconds. */
async function runLoad(durationS: number, one: (i: number) => Promise<void>): Promise<LoadResult> {
  const lat: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  loop.enable();
  const start = performance.now();
  const end = start + durationS * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      await one(Math.floor(Math.random() * hosts));
      lat.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const elapsedS = (performance.now() - start) / 1000;
  loop.disable();
  const latencies = Float64Array.from(lat).sort();
  return { count: lat.length, elapsedS, latencies, ...loopDelay(loop) };
}

/**
 * Open loop at a fixed rate (what a busy appliance sees): transitions are started on a timer,
 * whether or not earlier ones are acknowledged, and the event-loop delay shows how free the loop
 * stays for other services (DHCP) at that load.
 */
async function runPaced(durationS: number, perS: number, one: (i: number) => Promise<void>): Promise<LoadResult> {
  const lat: number[] = [];
  const inflight = new Set<Promise<void>>();
  const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  loop.enable();
  const start = performance.now();
  let started = 0;
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - start;
      if (elapsed >= durationS * 1000) {
        clearInterval(timer);
        done();
        return;
      }
      for (; started < (elapsed / 1000) * perS; started++) {
        const t0 = performance.now();
        const p = one(Math.floor(Math.random() * hosts)).then(() => {
          lat.push(performance.now() - t0);
          inflight.delete(p);
        });
        inflight.add(p);
      }
    }, 5);
  });
  await Promise.all(inflight);
  loop.disable();
  const elapsedS = (performance.now() - start) / 1000;
  const latencies = Float64Array.from(lat).sort();
  return { count: lat.length, elapsedS, latencies, ...loopDelay(loop) };
}

/** The histogram includes the sampling interval itself (an idle loop reads ~1 ms): take it out. */
function loopDelay(h: IntervalHistogram): { loopP99: number; loopMax: number } {
  const ms = (ns: number) => Math.max(0, ns / 1e6 - LOOP_SAMPLE_MS);
  return { loopP99: ms(h.percentile(99)), loopMax: ms(h.max) };
}

function pct(sorted: Float64Array, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

function describe(r: LoadResult): string {
  const mean = r.latencies.reduce((a, b) => a + b, 0) / (r.count || 1);
  const f = (n: number) => n.toFixed(2);
  return (
    `${r.count} transitions in ${r.elapsedS.toFixed(1)} s = ${(r.count / r.elapsedS).toFixed(0)}/s | ` +
    `ack latency ms: mean ${f(mean)} p50 ${f(pct(r.latencies, 50))} p99 ${f(pct(r.latencies, 99))} max ${f(r.latencies[r.count - 1] ?? NaN)} | ` +
    `event-loop stall ms: p99 ${f(r.loopP99)} max ${f(r.loopMax)}`
  );
}

async function seed(store: CorralStore): Promise<void> {
  for (let i = 0; i < hosts; i += 500) {
    await store.transact((tx) => {
      for (let j = i; j < Math.min(hosts, i + 500); j++) tx.put('hosts', newHost(j).id, newHost(j));
    });
  }
}

async function benchCorral(dir: string): Promise<{ perS: number; summary: string }> {
  const store = await openStore({ dir, snapshotEvery });
  await seed(store);
  const base = store.stats();
  const ids = Array.from({ length: hosts }, (_, i) => newHost(i).id);
  const step = (i: number) =>
    store.transact((tx) => {
      const { next, from } = transition(tx.get('hosts', ids[i]!)!);
      tx.put('hosts', next.id, next);
      tx.event({ subject: next.id, type: 'state', data: { from, to: next.state } });
    });
  const r = await runLoad(seconds, step);
  const st = store.stats();
  const paced = await runPaced(Math.min(5, seconds), TARGET_PER_S, step);
  const commits = st.commits - base.commits;
  const t0 = performance.now();
  await store.close();
  const closeMs = performance.now() - t0;
  const t1 = performance.now();
  const again = await openStore({ dir });
  const openMs = performance.now() - t1;
  const events = again.stats().events;
  const t2 = performance.now();
  const history = await again.events({ subject: ids[0]! });
  const historyMs = performance.now() - t2;
  await again.close();
  const perS = r.count / r.elapsedS;
  console.log(`corral store, saturated (${workers} workers back to back): ${describe(r)}`);
  console.log(
    `  ${commits} disk commits (avg ${(r.count / commits).toFixed(1)} transactions each, largest ${st.largestBatch}), ` +
      `journal ${(st.journalBytes / 1e6).toFixed(1)} MB, ${st.snapshots} background snapshots, close ${closeMs.toFixed(0)} ms`,
  );
  console.log(
    `  reopen: ${hosts} hosts + ${events} journal events in ${openMs.toFixed(0)} ms; ` +
      `one host's history (${history.length} events) in ${historyMs.toFixed(2)} ms`,
  );
  console.log(`  paced at the target rate (${TARGET_PER_S}/s, open loop): ${describe(paced)}`);
  const verdict = perS >= TARGET_PER_S ? 'PASS' : 'FAIL';
  console.log(`  target >= ${TARGET_PER_S}/s: ${verdict} (${(perS / TARGET_PER_S).toFixed(1)}x the target), p99 ack ${pct(r.latencies, 99).toFixed(2)} ms`);
  return { perS, summary: `${perS.toFixed(0)}/s p99 ${pct(r.latencies, 99).toFixed(2)} ms (${verdict})` };
}

/** Baseline: a lowdb document rewritten durably (same adapter) on every mutation. */
async function benchNaive(dir: string): Promise<number> {
  type Doc = { hosts: Record<string, HostRuntime>; events: HostEvent[] };
  const file = new DurableFile<Doc>(join(dir, 'naive.json'), { encode: (d) => JSON.stringify(d), decode: (t) => JSON.parse(t) as Doc });
  const db = new Low<Doc>(file, { hosts: {}, events: [] });
  for (let i = 0; i < hosts; i++) db.data.hosts[newHost(i).id] = newHost(i);
  await db.write();
  const ids = Object.keys(db.data.hosts);
  const r = await runLoad(naiveSeconds, async (i) => {
    const { next, from } = transition(db.data.hosts[ids[i]!]!);
    db.data.hosts[next.id] = next;
    db.data.events.push({ seq: db.data.events.length + 1, at: Date.now(), subject: next.id, type: 'state', data: { from, to: next.state } });
    await db.write();
  });
  console.log(`naive lowdb (whole document per mutation): ${describe(r)}`);
  return r.count / r.elapsedS;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'corral-bench-store-'));
  try {
    console.log(`store bench: ${hosts} hosts, ${workers} concurrent workers, ${seconds} s (naive ${naiveSeconds} s), snapshot every ${snapshotEvery} commits, node ${process.version}, dir ${dir}`);
    const corral = await benchCorral(join(dir, 'corral'));
    const naive = await benchNaive(dir);
    const ratio = corral.perS / naive;
    console.log(`ratio corral-store/naive: ${ratio.toFixed(1)}x`);
    const reopen = reopenSizes.length ? await benchReopen(reopenSizes, hosts, dir) : [];
    console.log(`SUMMARY store: ${corral.summary}; naive ${naive.toFixed(0)}/s; ${ratio.toFixed(1)}x naive${reopen.length ? `; reopen old->segmented ${reopen.join(', ')}` : ''}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
