// Placement planner benchmark: a seeded inventory of hosts across sites and racks, plans of 1,
// 10 and 50 demands (controllers + interchangeable workers) with attribute, threshold, rack
// zone-different and distance constraints and a distance + cost objective. Prints Corral's
// exact solver (time, objective, proven), the HAS FitFirst greedy baseline (time, objective, %
// from the optimum) and, on sizes a MIP handles, HiGHS; then a scaling table.
//   npm run bench:planner [-- --only main,kbest,highs,scaling] [--limits 3,10] [--seeds 7]
import * as highsModule from 'highs';
import { prng } from '../test/fakes/prng.js';
import { solve } from '../src/planner/solve.js';
import { greedy } from '../src/planner/greedy.js';
import { filterUnary } from '../src/planner/solve/unary.js';
import { haversineKm } from '../src/planner/geo.js';
import type { Candidate, Constraint, GeoPoint, ObjectiveTerm, Problem, SolveResult } from '../src/planner/types.js';

// highs ships CommonJS types with an ESM build: take its default export either way.
type HighsSolve = { solve: (lp: string, o: object) => { Status: string; ObjectiveValue: number } };
const loadHighs = ((highsModule as unknown as { default?: unknown }).default ?? highsModule) as () => Promise<HighsSolve>;

const GiB = 2 ** 30;
const SITES: GeoPoint[] = [
  { latitude: 48.85, longitude: 2.35 }, { latitude: 50.11, longitude: 8.68 }, { latitude: 52.37, longitude: 4.9 },
  { latitude: 51.51, longitude: -0.13 }, { latitude: 40.42, longitude: -3.7 }, { latitude: 45.46, longitude: 9.19 },
  { latitude: 52.52, longitude: 13.4 }, { latitude: 59.33, longitude: 18.07 }, { latitude: 48.21, longitude: 16.37 },
  { latitude: 53.35, longitude: -6.26 },
];

function inventory(nHosts: number, seed: number): Candidate[] {
  const r = prng(seed);
  // 50 hosts a rack at scale; small inventories get smaller racks so rack spread stays feasible.
  const perRack = nHosts >= 1000 ? 50 : 10;
  const racksPerSite = Math.max(1, Math.round(nHosts / perRack / SITES.length));
  return Array.from({ length: nHosts }, (_, i) => {
    const rack = Math.floor(i / perRack);
    const site = Math.floor(rack / racksPerSite) % SITES.length;
    return {
      id: `host-${i}`,
      inventoryType: 'host',
      cost: Math.round((1 + r() * 9) * 100) / 100,
      exclusive: true,
      point: SITES[site]!,
      attributes: {
        site: `site-${site}`, rack: `rack-${rack}`, arch: r() < 0.9 ? 'x86_64' : 'aarch64',
        memory: [64, 128, 256, 512][Math.floor(r() * 4)]! * GiB, disk: [0.5, 1, 2, 4][Math.floor(r() * 4)]! * 1e12,
      },
    };
  });
}

function plan(hosts: Candidate[], nDemands: number, seed: number): Problem {
  const r = prng(seed * 7919);
  const client = SITES[Math.floor(r() * SITES.length)]!;
  const controllers = Math.min(nDemands, 3);
  const names = Array.from({ length: nDemands }, (_, i) => (i < controllers ? `ctl-${i}` : `worker-${i - controllers}`));
  const ctl = names.slice(0, controllers);
  const workers = names.slice(controllers);
  const constraints: Constraint[] = [
    { kind: 'attribute', name: 'arch', demands: names, attribute: 'arch', anyOf: ['x86_64'] },
    { kind: 'threshold', name: 'worker-memory', demands: names, attribute: 'memory', op: 'gte', value: 128 * GiB },
    { kind: 'threshold', name: 'disk', demands: names, attribute: 'disk', op: 'gte', value: 1e12 },
    { kind: 'distance_to_location', name: 'near-client', demands: names, point: client, op: 'lte', km: 1500 },
  ];
  if (ctl.length > 0) constraints.push({ kind: 'threshold', name: 'ctl-memory', demands: ctl, attribute: 'memory', op: 'gte', value: 256 * GiB });
  if (nDemands > 1) constraints.push({ kind: 'zone', name: 'rack-spread', demands: names, qualifier: 'different', attribute: 'rack' });
  const terms: ObjectiveTerm[] = names.flatMap((d): ObjectiveTerm[] => [
    { kind: 'distance_to_point', demand: d, point: client, weight: 1 },
    { kind: 'cost', demand: d, weight: 100 },
  ]);
  void workers;
  return { demands: names.map((name) => ({ name, candidates: hosts })), constraints, objective: { goal: 'minimize', terms } };
}

/** The bench's problems as a MIP (unary filter applied first, exclusivity, rack spread). */
function toLp(problem: Problem): string {
  const { survivors } = filterUnary(problem);
  const obj: string[] = [];
  const rows: string[] = [];
  const byKey = new Map<string, string[]>();
  const byRack = new Map<string, string[]>();
  const spread = problem.constraints.some((c) => c.kind === 'zone');
  problem.demands.forEach((d, di) => {
    const cols: string[] = [];
    for (const ci of survivors[di]!) {
      const c = d.candidates[ci]!;
      const v = `x${di}_${ci}`;
      cols.push(v);
      let w = 0;
      for (const t of problem.objective!.terms) {
        if (t.kind === 'distance_to_point' && t.demand === d.name) w += t.weight * haversineKm(t.point, c.point!);
        if (t.kind === 'cost' && t.demand === d.name) w += t.weight * c.cost;
      }
      obj.push(`${w} ${v}`);
      byKey.set(c.id, [...(byKey.get(c.id) ?? []), v]);
      const rack = String(c.attributes['rack']);
      if (spread) byRack.set(rack, [...(byRack.get(rack) ?? []), v]);
    }
    rows.push(`one${di}: ${cols.join(' + ')} = 1`);
  });
  let n = 0;
  for (const cols of byKey.values()) if (cols.length > 1) rows.push(`k${n++}: ${cols.join(' + ')} <= 1`);
  for (const cols of byRack.values()) if (cols.length > 1) rows.push(`r${n++}: ${cols.join(' + ')} <= 1`);
  const vars = obj.map((o) => o.split(' ')[1]);
  return ['Minimize', ` obj: ${obj.join(' + ')}`, 'Subject To', ...rows.map((x) => ` ${x}`), 'Binaries', ` ${vars.join(' ')}`, 'End'].join('\n');
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const best = (r: SolveResult) => (r.status === 'solved' ? r.solutions[0]!.objective : NaN);
const f = (x: number, d = 1) => x.toFixed(d);

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const only = new Set((flag('only') ?? 'main,kbest,highs,scaling').split(','));
  const limits = (flag('limits') ?? '3,10').split(',').map(Number);
  const seeds = Array.from({ length: Number(flag('seeds') ?? 7) }, (_, i) => i + 1);
  console.log('## Corral exact solver vs HAS FitFirst greedy (10,000 hosts, 10 sites, 200 racks)');
  console.log('| demands | corral p50 ms | corral p99 ms | proven | nodes p50 | greedy p50 ms | greedy p99 ms | greedy % from optimum (p50 / max) |');
  console.log('|---|---|---|---|---|---|---|---|');
  const hosts10k = inventory(10_000, 42);
  solve(plan(hosts10k, 10, 99)); // warm the JIT once so the first row is not compile time
  for (const n of only.has('main') ? [1, 10, 50] : []) {
    const times: number[] = [];
    const gtimes: number[] = [];
    const gaps: number[] = [];
    const nodes: number[] = [];
    let proven = 0;
    for (const seed of seeds) {
      const p = plan(hosts10k, n, seed);
      const t0 = performance.now();
      const r = solve(p, { timeoutMs: 10_000 });
      times.push(performance.now() - t0);
      if (r.status === 'solved' && r.proven) proven++;
      nodes.push(r.stats.nodes);
      const t1 = performance.now();
      const g = greedy(p, { timeoutMs: 10_000 });
      gtimes.push(performance.now() - t1);
      gaps.push(((best(g) - best(r)) / Math.abs(best(r))) * 100);
    }
    console.log(`| ${n} | ${f(pct(times, 50))} | ${f(pct(times, 99))} | ${proven}/${seeds.length} | ${pct(nodes, 50)} | ${f(pct(gtimes, 50))} | ${f(pct(gtimes, 99))} | ${f(pct(gaps, 50), 2)}% / ${f(Math.max(...gaps), 2)}% |`);
  }
  // k-best: recommendations distinct up to swaps of the interchangeable workers / controllers.
  console.log('\n## k-best: 50 demands (10,000 hosts; distinct up to swaps of interchangeable demands)');
  console.log('| demands | limit | corral p50 ms | corral p99 ms | proven | nodes p50 | recommendations (distinct host sets) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const limit of only.has('kbest') ? limits : []) {
    const times: number[] = [];
    const nodes: number[] = [];
    let proven = 0;
    let sets = 0;
    let recs = 0;
    for (const seed of seeds) {
      const p = plan(hosts10k, 50, seed);
      const t0 = performance.now();
      const r = solve(p, { limit, timeoutMs: 10_000 });
      times.push(performance.now() - t0);
      nodes.push(r.stats.nodes);
      if (r.status !== 'solved') continue;
      if (r.proven) proven++;
      recs += r.solutions.length;
      sets += new Set(r.solutions.map((s) => Object.values(s.assignment).sort().join(','))).size;
    }
    console.log(`| 50 | ${limit} | ${f(pct(times, 50))} | ${f(pct(times, 99))} | ${proven}/${seeds.length} | ${pct(nodes, 50)} | ${sets} of ${recs} |`);
  }
  if (only.has('highs')) await againstHighs();
  if (only.has('scaling')) scaling(hosts10k, seeds);
}

async function againstHighs(): Promise<void> {
  const highs = await loadHighs();
  console.log('\n## Against HiGHS (MIP, same optimum expected)');
  console.log('| hosts | demands | corral ms | corral objective | highs ms | highs objective | greedy objective |');
  console.log('|---|---|---|---|---|---|---|');
  for (const nHosts of [200, 500]) {
    const hosts = inventory(nHosts, 7);
    for (const n of [1, 3, 5]) {
      const p = plan(hosts, n, 3);
      const t0 = performance.now();
      const r = solve(p);
      const tc = performance.now() - t0;
      const t1 = performance.now();
      const lp = toLp(p);
      const m = highs.solve(lp, { output_flag: false, time_limit: 10 });
      const th = performance.now() - t1;
      const hObj = m.Status === 'Optimal' ? f(m.ObjectiveValue, 3) : m.Status;
      console.log(`| ${nHosts} | ${n} | ${f(tc, 2)} | ${f(best(r), 3)} | ${f(th)} | ${hObj} | ${f(best(greedy(p)), 3)} |`);
    }
  }
}

function scaling(hosts10k: Candidate[], seeds: number[]): void {
  console.log('\n## Scaling (corral p50 ms / nodes, 5 seeds)');
  console.log('| hosts | 1 demand | 10 demands | 50 demands |');
  console.log('|---|---|---|---|');
  for (const nHosts of [1000, 10_000]) {
    const hosts = nHosts === 10_000 ? hosts10k : inventory(nHosts, 42);
    const cells: string[] = [];
    for (const n of [1, 10, 50]) {
      const times: number[] = [];
      const nodes: number[] = [];
      let notFound = 0;
      for (const seed of seeds.slice(0, 5)) {
        const t0 = performance.now();
        const r = solve(plan(hosts, n, seed), { timeoutMs: 10_000 });
        times.push(performance.now() - t0);
        nodes.push(r.stats.nodes);
        if (r.status !== 'solved') notFound++;
      }
      // 1,000 hosts are 20 racks: 50 rack-spread demands cannot fit, proven at the root.
      cells.push(`${f(pct(times, 50))} / ${pct(nodes, 50)}${notFound ? ` (${notFound} not found)` : ''}`);
    }
    console.log(`| ${nHosts} | ${cells.join(' | ')} |`);
  }
}

await main();
