// Random cross-check: a few hundred small seeded instances, each solved by Corral's solver, by a
// brute-force enumerator (the full (objective, input order) ranking, so k-best and ties are
// checked too) and by HiGHS as a MIP (an independent exact solver: optimum and feasibility).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as highsModule from 'highs';
import { prng } from '../fakes/prng.js';
import { solve } from '../../src/planner/solve.js';
import { greedy } from '../../src/planner/greedy.js';
import { objectiveOf, violated, type Choice } from '../../src/planner/solve/evaluate.js';
import { filterUnary, unaryOk } from '../../src/planner/solve/unary.js';
import { compile } from '../../src/planner/solve/model.js';
import { dominate } from '../../src/planner/solve/dominance.js';
import { intersectClasses, symmetryClasses } from '../../src/planner/solve/symmetry.js';
import { haversineKm } from '../../src/planner/geo.js';
import type { Candidate, Constraint, ObjectiveTerm, Problem, Solution } from '../../src/planner/types.js';

// highs ships CommonJS types with an ESM build: take its default export either way.
type HighsSolve = { solve: (lp: string, o: object) => { Status: string; ObjectiveValue: number } };
const loadHighs = ((highsModule as unknown as { default?: unknown }).default ?? highsModule) as () => Promise<HighsSolve>;

const SITES = [
  { latitude: 48.85, longitude: 2.35 },
  { latitude: 50.11, longitude: 8.68 },
  { latitude: 52.37, longitude: 4.9 },
];

/**
 * `mixed`: demands draw their list from two shared lists or their own, objective terms mostly
 * alike, more recommendations asked: instances mixing interchangeable and distinct demands.
 */
export function randomProblem(seed: number, mixed = false): { problem: Problem; limit: number } {
  const r = prng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const nHosts = 3 + int(5);
  const hosts: Candidate[] = Array.from({ length: nHosts }, (_, i) => {
    const site = int(SITES.length);
    const jitter = r() < 0.5 ? 0 : r() * 0.5;
    return {
      id: `h${i}`,
      inventoryType: 'host',
      cost: int(6),
      exclusive: r() < 0.8,
      point: { latitude: SITES[site]!.latitude + jitter, longitude: SITES[site]!.longitude },
      attributes: { rack: `r${int(3)}`, site: `s${site}`, memory: [4, 8, 16][int(3)]! * 2 ** 30, inventory_group: `g${int(2)}`, free_hosts: int(4) },
    };
  });
  const nDemands = mixed ? 2 + int(3) : 1 + int(4);
  const names = Array.from({ length: nDemands }, (_, i) => `d${i}`);
  // A third of the instances give every demand the same list: interchangeable demands.
  const shared = r() < 0.35 ? hosts.filter(() => r() < 0.85) : undefined;
  const lists = mixed ? [hosts.filter(() => r() < 0.85), hosts.filter(() => r() < 0.85)] : [];
  const own = () => (mixed && r() < 0.7 ? lists[int(2)]! : hosts.filter(() => r() < 0.75));
  const demands = names.map((name) => ({ name, candidates: shared ?? own() }));
  const some = (min: number) => {
    const picked = names.filter(() => r() < 0.6);
    return picked.length >= min ? picked : names.slice(0, Math.min(min, names.length));
  };
  const constraints: Constraint[] = [];
  if (r() < 0.4) constraints.push({ kind: 'threshold', name: 'mem', demands: shared ? names : some(1), attribute: 'memory', op: 'gte', value: 8 * 2 ** 30 });
  if (r() < 0.3) constraints.push({ kind: 'attribute', name: 'sites', demands: some(1), attribute: 'site', anyOf: ['s0', 's1'] });
  if (r() < 0.5) constraints.push({ kind: 'zone', name: 'rackz', demands: shared ? names : some(2), qualifier: r() < 0.7 ? 'different' : 'same', attribute: 'rack' });
  if (r() < 0.3) constraints.push({ kind: 'distance_between_demands', name: 'near', demands: some(2), op: 'lte', km: 300 + r() * 400 });
  if (r() < 0.2) constraints.push({ kind: 'distance_to_location', name: 'paris', demands: some(1), point: SITES[0]!, op: 'lte', km: 500 });
  if (r() < 0.2 && nDemands >= 2) constraints.push({ kind: 'inventory_group', name: 'grp', demands: ['d0', 'd1'], attribute: 'inventory_group' });
  if (r() < 0.15) constraints.push({ kind: 'instance_fit', name: 'fit', demands: some(1), count: 1 });
  if (r() < 0.15) return { problem: { demands, constraints }, limit: 1 + int(3) };
  const terms: ObjectiveTerm[] = [];
  const costW = 1 + int(3);
  for (const d of names) {
    if (r() < 0.7 || shared || mixed) terms.push({ kind: 'cost', demand: d, weight: shared || mixed ? costW : 1 + int(3) });
    if (r() < (mixed ? 0.15 : 0.5)) terms.push({ kind: 'distance_to_point', demand: d, point: SITES[int(3)]!, weight: r() < 0.8 ? 0.01 : -0.01 });
    if (r() < 0.2) terms.push({ kind: 'attribute', demand: d, attribute: 'memory', weight: 2 ** -30 });
  }
  if (nDemands >= 2 && r() < 0.5) terms.push({ kind: 'distance_between', demands: ['d0', names[nDemands - 1]!], weight: r() < 0.7 ? 0.02 : -0.02 });
  const goal = r() < 0.75 ? 'minimize' : 'maximize';
  return { problem: { demands, constraints, objective: { goal, terms } }, limit: mixed ? 2 + int(4) : 1 + int(3) };
}

/**
 * The benchmark's shape in small: hosts in racks at two sites, costs with many ties, controllers
 * (a memory threshold) and workers (interchangeable within each role), spread over racks, a
 * cost + distance objective, several recommendations. The k best then differ by which host
 * takes which role and by swaps between tied hosts: the rack assignment bound, its warm starts
 * and the k-best search's range splits all come into play.
 */
export function rackProblem(seed: number): { problem: Problem; limit: number } {
  const r = prng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const nRacks = 3 + int(4);
  const nHosts = 5 + int(4);
  const hosts: Candidate[] = Array.from({ length: nHosts }, (_, i) => {
    const rack = int(nRacks);
    return {
      id: `h${i}`,
      inventoryType: 'host',
      cost: int(4),
      exclusive: true,
      point: SITES[rack % 2]!,
      attributes: { rack: `r${rack}`, site: `s${rack % 2}`, memory: (r() < 0.5 ? 128 : 256) * 2 ** 30 },
    };
  });
  const nCtl = int(3);
  const nWorkers = 1 + int(3);
  const names = [...Array.from({ length: nCtl }, (_, i) => `ctl${i}`), ...Array.from({ length: nWorkers }, (_, i) => `w${i}`)];
  const constraints: Constraint[] = [];
  if (nCtl > 0) constraints.push({ kind: 'threshold', name: 'ctl-mem', demands: names.slice(0, nCtl), attribute: 'memory', op: 'gte', value: 256 * 2 ** 30 });
  const spread = r() < 0.8 ? names : names.filter(() => r() < 0.7);
  if (spread.length >= 2) constraints.push({ kind: 'zone', name: 'rack-spread', demands: spread, qualifier: 'different', attribute: 'rack' });
  if (r() < 0.2 && names.length >= 2) constraints.push({ kind: 'zone', name: 'one-site', demands: names.slice(0, 2), qualifier: 'same', attribute: 'site' });
  const client = SITES[int(2)]!;
  // Mostly one distance weight per role (interchangeable members); sometimes one per demand, so
  // that demands can look alike only once dominance has set their differing hosts aside.
  const perDemand = r() < 0.25;
  const roleW = [r() < 0.5 ? 1 : 0.1, r() < 0.5 ? 1 : 0.1];
  const terms: ObjectiveTerm[] = names.flatMap((demand, i): ObjectiveTerm[] => [
    { kind: 'cost', demand, weight: 100 },
    { kind: 'distance_to_point', demand, point: client, weight: perDemand ? (r() < 0.5 ? 1 : 0.1) : roleW[i < nCtl ? 0 : 1]! },
  ]);
  if (r() < 0.15 && names.length >= 2) terms.push({ kind: 'distance_between', demands: [names[0]!, names[names.length - 1]!], weight: 0.5 });
  const demands = names.map((name) => ({ name, candidates: hosts }));
  return { problem: { demands, constraints, objective: { goal: 'minimize', terms } }, limit: 2 + int(7) };
}

/**
 * Interchangeable demands, read off the problem itself: the same candidate list, in the same
 * constraints, with the same objective terms (pairwise weights to every third demand equal).
 * Class id per demand, -1 for a demand without a twin.
 */
export function twins(problem: Problem): number[] {
  const ds = problem.demands;
  const terms = problem.objective?.terms ?? [];
  const own = (name: string) =>
    terms.flatMap((t) => (t.kind !== 'distance_between' && t.demand === name ? [JSON.stringify({ ...t, demand: '' })] : [])).sort().join('|');
  const pairW = (name: string, other: string) =>
    terms.reduce((w, t) => (t.kind === 'distance_between' && t.demands[0] !== t.demands[1] && t.demands.includes(name) && t.demands.includes(other) ? w + t.weight : w), 0);
  const same = (a: number, b: number): boolean => {
    const [x, y] = [ds[a]!.name, ds[b]!.name];
    if (JSON.stringify(ds[a]!.candidates) !== JSON.stringify(ds[b]!.candidates)) return false;
    if (problem.constraints.some((c) => c.demands.includes(x) !== c.demands.includes(y))) return false;
    if (own(x) !== own(y)) return false;
    return ds.every((o, i) => i === a || i === b || pairW(x, o.name) === pairW(y, o.name));
  };
  const cls = ds.map(() => -1);
  let next = 0;
  for (let a = 0; a < ds.length; a++) {
    if (cls[a] !== -1) continue;
    for (let b = a + 1; b < ds.length; b++) {
      if (cls[b] !== -1 || !same(a, b)) continue;
      if (cls[a] === -1) cls[a] = next++;
      cls[b] = cls[a]!;
    }
  }
  return cls;
}

/**
 * Every feasible assignment in canonical form (within a class of interchangeable demands, the
 * chosen candidates' input positions never decrease along the demand order: one member per
 * permutation orbit), ranked by (objective in minimize sign, input order demand by demand).
 */
export function bruteForce(problem: Problem, limit: number, cls = twins(problem)): Solution[] {
  const sign = problem.objective?.goal === 'maximize' ? -1 : 1;
  const all: { choice: number[]; obj: number }[] = [];
  const choice: Choice = problem.demands.map(() => undefined);
  const canonical = (c: number[]) => c.every((v, i) => cls[i] === -1 || c.every((w, j) => j <= i || cls[j] !== cls[i] || w >= v));
  const walk = (d: number): void => {
    if (violated(problem, choice)) return;
    if (d === problem.demands.length) {
      const c = [...(choice as number[])];
      if (canonical(c)) all.push({ choice: c, obj: objectiveOf(problem, choice) });
      return;
    }
    for (let i = 0; i < problem.demands[d]!.candidates.length; i++) {
      choice[d] = i;
      walk(d + 1);
    }
    choice[d] = undefined;
  };
  walk(0);
  all.sort((a, b) => {
    const da = sign * a.obj;
    const db = sign * b.obj;
    if (Math.abs(da - db) > 1e-9 * Math.max(1, Math.abs(db))) return da - db;
    for (let i = 0; i < a.choice.length; i++) if (a.choice[i] !== b.choice[i]) return a.choice[i]! - b.choice[i]!;
    return 0;
  });
  return all.slice(0, limit).map(({ choice: c, obj }) => ({
    assignment: Object.fromEntries(problem.demands.map((d, i) => [d.name, d.candidates[c[i]!]!.id])),
    objective: obj,
  }));
}

/** The solver's own symmetry classes (read after unary filtering and dominance). */
function solverClasses(problem: Problem, limit: number): number[] | undefined {
  const unary = filterUnary(problem);
  if (unary.empty) return undefined;
  const model = compile(problem, unary.survivors);
  const before = symmetryClasses(model);
  dominate(model, limit);
  return Array.from(intersectClasses(before, symmetryClasses(model)));
}

/** Every twin pair of `fine` is in one class of `coarse`. */
const refines = (fine: number[], coarse: number[]) =>
  fine.every((x, i) => fine.every((y, j) => x === -1 || x !== y || (coarse[i] !== -1 && coarse[i] === coarse[j])));

/**
 * The solver may find more twins than `twins` does (a constraint that removes nothing from one
 * demand's list does not tell it apart): check those are real symmetries, by brute force. Every
 * feasible assignment, its choices of two class members swapped, stays feasible at the same
 * objective.
 */
function symmetriesHold(problem: Problem, cls: number[]): boolean {
  const n = problem.demands.length;
  const choice: Choice = problem.demands.map(() => undefined);
  let ok = true;
  const walk = (d: number): void => {
    if (!ok || violated(problem, choice)) return;
    if (d === n) {
      const obj = objectiveOf(problem, choice);
      for (let a = 0; a < n; a++)
        for (let b = a + 1; b < n; b++) {
          if (cls[a] === -1 || cls[a] !== cls[b]) continue;
          const sw = [...choice];
          [sw[a], sw[b]] = [choice[b], choice[a]];
          if (violated(problem, sw) || Math.abs(objectiveOf(problem, sw) - obj) > 1e-9 * Math.max(1, Math.abs(obj))) ok = false;
        }
      return;
    }
    for (let i = 0; i < problem.demands[d]!.candidates.length; i++) {
      choice[d] = i;
      walk(d + 1);
    }
    choice[d] = undefined;
  };
  walk(0);
  return ok;
}

/** The problem as a MIP in CPLEX LP text: x_d_c binary, y_k = x*x' for pairwise terms. */
export function toLp(problem: Problem): string {
  const rows: string[] = [];
  const obj = new Map<string, number>();
  const add = (v: string, w: number) => obj.set(v, (obj.get(v) ?? 0) + w);
  const ds = problem.demands;
  const x = (d: number, c: number) => `x_${d}_${c}`;
  const ok = ds.map((d) => d.candidates.map((c) => problem.constraints.every((k) => !k.demands.includes(d.name) || unaryOk(k, c))));
  const vars: string[] = [];
  ds.forEach((d, di) => {
    const cols = d.candidates.map((_, ci) => x(di, ci));
    vars.push(...cols);
    rows.push(`one_${di}: ${cols.join(' + ')} = 1`);
    d.candidates.forEach((_, ci) => { if (!ok[di]![ci]) rows.push(`u_${di}_${ci}: ${x(di, ci)} = 0`); });
  });
  const idx = (name: string) => ds.findIndex((d) => d.name === name);
  const keys = new Map<string, string[]>();
  ds.forEach((d, di) => d.candidates.forEach((c, ci) => {
    if (!c.exclusive) return;
    keys.set(c.id, [...(keys.get(c.id) ?? []), x(di, ci)]);
  }));
  let n = 0;
  for (const cols of keys.values()) if (cols.length > 1) rows.push(`ex_${n++}: ${cols.join(' + ')} <= 1`);
  const pairs = (members: number[]) => members.flatMap((a, i) => members.slice(i + 1).map((b) => [a, b] as const));
  for (const k of problem.constraints) {
    const members = k.demands.map(idx);
    if (k.kind === 'zone' || k.kind === 'inventory_group') {
      const attr = k.attribute;
      const vals = new Set(members.flatMap((d) => ds[d]!.candidates.map((c) => String(c.attributes[attr]))));
      const same = k.kind === 'inventory_group' || k.qualifier === 'same';
      for (const v of vals) {
        const at = (d: number) => ds[d]!.candidates.flatMap((c, ci) => (String(c.attributes[attr]) === v ? [x(d, ci)] : []));
        if (same) {
          for (const [a, b] of pairs(members)) {
            const lhs = [...at(a).map((t) => `+ ${t}`), ...at(b).map((t) => `- ${t}`)];
            if (lhs.length > 0) rows.push(`zs_${n++}: ${lhs.join(' ')} = 0`);
          }
        } else {
          const cols = members.flatMap(at);
          if (cols.length > 1) rows.push(`zd_${n++}: ${cols.join(' + ')} <= 1`);
        }
      }
    } else if (k.kind === 'distance_between_demands') {
      for (const [a, b] of pairs(members))
        ds[a]!.candidates.forEach((ca, i) => ds[b]!.candidates.forEach((cb, j) => {
          const dist = haversineKm(ca.point!, cb.point!);
          if (!(dist <= k.km)) rows.push(`db_${n++}: ${x(a, i)} + ${x(b, j)} <= 1`);
        }));
    }
  }
  const ys: string[] = [];
  for (const t of problem.objective?.terms ?? []) {
    if (t.kind === 'distance_between') {
      const [a, b] = [idx(t.demands[0]), idx(t.demands[1])];
      ds[a]!.candidates.forEach((ca, i) => ds[b]!.candidates.forEach((cb, j) => {
        const y = `y_${n++}`;
        ys.push(y);
        rows.push(`${y}a: ${y} - ${x(a, i)} <= 0`, `${y}b: ${y} - ${x(b, j)} <= 0`, `${y}c: ${y} - ${x(a, i)} - ${x(b, j)} >= -1`);
        add(y, t.weight * haversineKm(ca.point!, cb.point!));
      }));
      continue;
    }
    const d = idx(t.demand);
    ds[d]!.candidates.forEach((c, ci) => {
      const v = t.kind === 'cost' ? c.cost : t.kind === 'distance_to_point' ? haversineKm(t.point, c.point!) : Number(c.attributes[t.attribute] ?? 0);
      add(x(d, ci), t.weight * v);
    });
  }
  const objText = obj.size > 0 ? [...obj].map(([v, w]) => `${w} ${v}`).join(' + ').replace(/\+ -/g, '- ') : `0 ${vars[0]}`;
  const goal = problem.objective?.goal === 'maximize' ? 'Maximize' : 'Minimize';
  return [goal, ` obj: ${objText}`, 'Subject To', ...rows.map((r) => ` ${r}`), 'Bounds', ...ys.map((y) => ` 0 <= ${y} <= 1`), 'Binaries', ` ${vars.join(' ')}`, 'End'].join('\n');
}

type Generator = (seed: number) => { problem: Problem; limit: number };

async function crossCheck(seeds: number[], generate: Generator): Promise<{ feasible: number; symmetric: number; greedyWorse: number; tied: number }> {
  const highs = await loadHighs();
  let feasible = 0;
  let greedyWorse = 0;
  let symmetric = 0;
  let tied = 0;
  for (const seed of seeds) {
    const { problem, limit } = generate(seed);
    const mine = solve(problem, { limit });
    // Recommendations are distinct up to swaps of interchangeable demands: the oracle ranks one
    // canonical form per orbit of the solver's classes, after checking those classes against the
    // problem (they contain every syntactic twin pair, and every swap they allow is a symmetry).
    const twinCls = twins(problem);
    const cls = solverClasses(problem, limit) ?? twinCls;
    assert.ok(refines(twinCls, cls), `seed ${seed}: twins ${twinCls} not classes of the solver's ${cls}`);
    assert.ok(symmetriesHold(problem, cls), `seed ${seed}: the solver's classes ${cls} are not symmetries`);
    const brute = bruteForce(problem, limit, cls);
    const lp = toLp(problem);
    const mip = highs.solve(lp, { output_flag: false });
    const where = `seed ${seed}`;
    if (brute.length === 0) {
      assert.equal(mine.status, 'not found', where);
      assert.equal(mip.Status, 'Infeasible', `${where}: HiGHS ${mip.Status}`);
      continue;
    }
    feasible++;
    if (cls.some((c) => c >= 0)) symmetric++;
    assert.equal(mine.status, 'solved', `${where}: ${JSON.stringify(mine)}`);
    if (mine.status !== 'solved') continue;
    assert.equal(mine.proven, true, where);
    assert.equal(mine.solutions.length, brute.length, where);
    mine.solutions.forEach((s, i) => {
      assert.deepEqual(s.assignment, brute[i]!.assignment, `${where} #${i}`);
      assert.ok(Math.abs(s.objective - brute[i]!.objective) < 1e-6, `${where} #${i}`);
    });
    if (brute.length >= 2 && Math.abs(brute[0]!.objective - brute[1]!.objective) < 1e-9) tied++;
    assert.equal(mip.Status, 'Optimal', `${where}: HiGHS ${mip.Status}`);
    const opt = mip.Status === 'Optimal' ? mip.ObjectiveValue : NaN;
    assert.ok(Math.abs(mine.solutions[0]!.objective - opt) < 1e-6 * Math.max(1, Math.abs(opt)), `${where}: ${mine.solutions[0]!.objective} vs HiGHS ${opt}`);
    const g = greedy(problem);
    if (g.status === 'solved') {
      const sign = problem.objective?.goal === 'maximize' ? -1 : 1;
      assert.ok(sign * (g.solutions[0]!.objective - opt) >= -1e-6, `${where}: greedy beats the optimum`);
      if (sign * (g.solutions[0]!.objective - opt) > 1e-6) greedyWorse++;
    }
  }
  return { feasible, symmetric, greedyWorse, tied };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('random cross-check against brute force and HiGHS (300 seeded instances)', async () => {
  const { feasible, greedyWorse } = await crossCheck(range(1, 300), (seed) => randomProblem(seed, false));
  assert.ok(feasible > 150, `only ${feasible} feasible instances`);
  assert.ok(greedyWorse > 0, 'greedy never worse: the instances are too easy');
});

test('k-best up to swaps of interchangeable demands: 200 mixed instances against brute force', async () => {
  const { feasible, symmetric } = await crossCheck(range(1001, 1200), (seed) => randomProblem(seed, true));
  assert.ok(feasible > 100, `only ${feasible} feasible instances`);
  assert.ok(symmetric > 40, `only ${symmetric} instances with interchangeable demands`);
});

test('k-best over racks, roles and tied hosts: 200 benchmark-shaped instances against brute force', async () => {
  const { feasible, symmetric, tied } = await crossCheck(range(2001, 2200), rackProblem);
  assert.ok(feasible > 120, `only ${feasible} feasible instances`);
  assert.ok(symmetric > 80, `only ${symmetric} instances with interchangeable demands`);
  assert.ok(tied > 30, `only ${tied} instances whose two best tie`);
});
