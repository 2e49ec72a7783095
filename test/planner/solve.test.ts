// Behaviour of the exact solver, one constraint kind at a time, plus reasons, k-best, ties,
// the time budget and the HAS FitFirst baseline's known misses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solve } from '../../src/planner/solve.js';
import { greedy } from '../../src/planner/greedy.js';
import { haversineKm } from '../../src/planner/geo.js';
import { filterUnary } from '../../src/planner/solve/unary.js';
import { compile } from '../../src/planner/solve/model.js';
import { dominate } from '../../src/planner/solve/dominance.js';
import { symmetryClasses } from '../../src/planner/solve/symmetry.js';
import { searchKBest } from '../../src/planner/solve/kbest.js';
import type { Candidate, Constraint, Objective, Problem, SolveResult } from '../../src/planner/types.js';

const GiB = 2 ** 30;
const PARIS = { latitude: 48.85, longitude: 2.35 };
const BERLIN = { latitude: 52.52, longitude: 13.4 };

function host(id: string, attrs: Candidate['attributes'] = {}, extra: Partial<Candidate> = {}): Candidate {
  return { id, inventoryType: 'host', cost: 0, exclusive: true, point: PARIS, attributes: attrs, ...extra };
}

function problem(cands: Candidate[], names: string[], constraints: Constraint[] = [], objective?: Objective): Problem {
  return { demands: names.map((name) => ({ name, candidates: cands })), constraints, ...(objective ? { objective } : {}) };
}

const costObjective = (names: string[], goal: Objective['goal'] = 'minimize'): Objective => ({
  goal,
  terms: names.map((demand) => ({ kind: 'cost' as const, demand, weight: 1 })),
});

function solved(r: SolveResult) {
  assert.equal(r.status, 'solved', JSON.stringify(r));
  if (r.status !== 'solved') throw new Error('unreachable');
  return r;
}

function notFound(r: SolveResult) {
  assert.equal(r.status, 'not found', JSON.stringify(r));
  if (r.status !== 'not found') throw new Error('unreachable');
  return r;
}

test('geo: haversine on a 6371 km sphere', () => {
  assert.equal(haversineKm(PARIS, PARIS), 0);
  assert.ok(Math.abs(haversineKm(PARIS, BERLIN) - 877.5) < 1);
});

test('attribute anyOf / allOf, threshold in bytes, instance_fit', () => {
  const cands = [
    host('a', { arch: 'aarch64', memory: 64 * GiB, free_hosts: 5 }),
    host('b', { arch: 'x86_64', memory: 32 * GiB, free_hosts: 5 }),
    host('c', { arch: 'x86_64', memory: 128 * GiB, free_hosts: 0 }),
    host('d', { arch: 'x86_64', memory: 128 * GiB, free_hosts: 2, tags: ['ssd', 'gpu'] as unknown as string }),
  ];
  const base = problem(cands, ['vm']);
  const pick = (c: Constraint[]) => solved(solve({ ...base, constraints: c })).solutions[0]!.assignment['vm'];
  assert.equal(pick([{ kind: 'attribute', name: 'arch', demands: ['vm'], attribute: 'arch', anyOf: ['x86_64'] }]), 'b');
  assert.equal(pick([{ kind: 'threshold', name: 'mem', demands: ['vm'], attribute: 'memory', op: 'gte', value: 100 * GiB }]), 'c');
  assert.equal(pick([{ kind: 'instance_fit', name: 'fit', demands: ['vm'], count: 1 }]), 'a');
  assert.equal(pick([{ kind: 'attribute', name: 'tags', demands: ['vm'], attribute: 'tags', allOf: ['gpu', 'ssd'] }]), 'd');
});

test('distance_to_location keeps candidates within the radius (km)', () => {
  const cands = [host('berlin', {}, { point: BERLIN }), host('paris', {}, { point: PARIS })];
  const c: Constraint = { kind: 'distance_to_location', name: 'near-paris', demands: ['vm'], point: PARIS, op: 'lte', km: 100 };
  assert.equal(solved(solve(problem(cands, ['vm'], [c]))).solutions[0]!.assignment['vm'], 'paris');
});

test('unary not found names the demand and the constraint that removed its last candidate', () => {
  const cands = [host('a', { memory: 8 * GiB }), host('b', { memory: 16 * GiB })];
  const r = notFound(solve(problem(cands, ['vm'], [
    { kind: 'threshold', name: 'mem-min', demands: ['vm'], attribute: 'memory', op: 'gte', value: 12 * GiB },
    { kind: 'threshold', name: 'mem-max', demands: ['vm'], attribute: 'memory', op: 'lte', value: 10 * GiB },
  ])));
  assert.equal(r.reason.message, 'demand vm: no candidate left after constraint mem-max (1 removed)');
  assert.equal(r.reason.demand, 'vm');
  assert.equal(r.reason.constraint, 'mem-max');
});

test('zone different spreads over racks; zone same keeps one rack', () => {
  const cands = [host('a', { rack: 'r1' }, { cost: 1 }), host('b', { rack: 'r1' }, { cost: 1 }), host('c', { rack: 'r2' }, { cost: 5 })];
  const names = ['x', 'y'];
  const diff = solved(solve(problem(cands, names, [{ kind: 'zone', name: 'spread', demands: names, qualifier: 'different', attribute: 'rack' }], costObjective(names))));
  assert.deepEqual(diff.solutions[0]!.assignment, { x: 'a', y: 'c' });
  const same = solved(solve(problem(cands, names, [{ kind: 'zone', name: 'pack', demands: names, qualifier: 'same', attribute: 'rack' }], costObjective(names))));
  assert.deepEqual(same.solutions[0]!.assignment, { x: 'a', y: 'b' });
  assert.equal(same.solutions[0]!.objective, 2);
});

test('search not found names the pairwise constraint (three demands, two racks)', () => {
  const cands = [host('a', { rack: 'r1' }), host('b', { rack: 'r2' }), host('c', { rack: 'r2' })];
  const names = ['x', 'y', 'z'];
  const r = notFound(solve(problem(cands, names, [{ kind: 'zone', name: 'rack-spread', demands: names, qualifier: 'different', attribute: 'rack' }])));
  assert.match(r.reason.message, /rack-spread/);
  assert.match(r.reason.constraint ?? '', /rack-spread/);
  assert.notEqual(r.reason.timedOut, true);
});

test('exclusive hosts serve one demand; shared candidates may serve several', () => {
  const names = ['x', 'y'];
  const r = notFound(solve(problem([host('only')], names)));
  assert.match(r.reason.message, /uniqueness/);
  const site = host('site-1', {}, { inventoryType: 'site', exclusive: false });
  assert.deepEqual(solved(solve(problem([site], names))).solutions[0]!.assignment, { x: 'site-1', y: 'site-1' });
});

test('inventory_group and distance_between_demands', () => {
  const cands = [
    host('p1', { inventory_group: 'g1' }, { point: PARIS, cost: 1 }),
    host('b1', { inventory_group: 'g2' }, { point: BERLIN, cost: 0 }),
    host('p2', { inventory_group: 'g2' }, { point: PARIS, cost: 3 }),
  ];
  const names = ['x', 'y'];
  const grp = solved(solve(problem(cands, names, [{ kind: 'inventory_group', name: 'grp', demands: ['x', 'y'], attribute: 'inventory_group' }], costObjective(names))));
  assert.deepEqual(grp.solutions[0]!.assignment, { x: 'b1', y: 'p2' });
  const near = solved(solve(problem(cands, names, [{ kind: 'distance_between_demands', name: 'near', demands: names, op: 'lte', km: 50 }], costObjective(names))));
  assert.deepEqual(near.solutions[0]!.assignment, { x: 'p1', y: 'p2' });
});

test('limit returns the k best recommendations in score order, distinct up to swaps of interchangeable demands', () => {
  // x and y are interchangeable: {x: c, y: b} is {x: b, y: c} again, not a second recommendation.
  const cands = [host('a', {}, { cost: 3 }), host('b', {}, { cost: 1 }), host('c', {}, { cost: 2 })];
  const r = solved(solve(problem(cands, ['x', 'y'], [], costObjective(['x', 'y'])), { limit: 4 }));
  assert.deepEqual(r.solutions.map((s) => [s.assignment['x'], s.assignment['y'], s.objective]), [
    ['b', 'c', 3], ['a', 'b', 4], ['a', 'c', 5],
  ]);
  assert.equal(r.proven, true);
  // Told apart (here by their own objective weights), the swaps are distinct again.
  const apart: Objective = { goal: 'minimize', terms: [{ kind: 'cost', demand: 'x', weight: 1 }, { kind: 'cost', demand: 'y', weight: 1.5 }] };
  const d = solved(solve(problem(cands, ['x', 'y'], [], apart), { limit: 3 }));
  assert.deepEqual(d.solutions.map((s) => [s.assignment['x'], s.assignment['y'], s.objective]), [
    ['c', 'b', 3.5], ['b', 'c', 4], ['a', 'b', 4.5],
  ]);
});

test('ties are broken by demand order then candidate input order, every run', () => {
  const cands = [host('a', {}, { cost: 1 }), host('b', {}, { cost: 1 }), host('c', {}, { cost: 1 })];
  const p = problem(cands, ['x', 'y'], [], costObjective(['x', 'y']));
  const first = solved(solve(p, { limit: 3 }));
  assert.deepEqual(first.solutions.map((s) => s.assignment), [{ x: 'a', y: 'b' }, { x: 'a', y: 'c' }, { x: 'b', y: 'c' }]);
  for (let i = 0; i < 3; i++) assert.deepEqual(solved(solve(p, { limit: 3 })).solutions, first.solutions);
  // Without an objective: the first feasible assignment in input order.
  assert.deepEqual(solved(solve(problem(cands, ['x', 'y']))).solutions[0]!.assignment, { x: 'a', y: 'b' });
});

test('3 identical demands over 5 hosts, limit 3: three different host sets in score order', () => {
  const costs = [5, 1, 4, 2, 3];
  const cands = costs.map((cost, i) => host(`h${i}`, {}, { cost }));
  const names = ['node-1', 'node-2', 'node-3'];
  const r = solved(solve(problem(cands, names, [], costObjective(names)), { limit: 3 }));
  assert.equal(r.proven, true);
  // Sets by total cost: {h1,h3,h4}=6, {h1,h2,h3}=7, then {h0,h1,h3} and {h1,h2,h4} tie at 8 and
  // input order picks the first. Each in canonical form: hosts in input order along the demands.
  assert.deepEqual(r.solutions.map((s) => [names.map((n) => s.assignment[n]), s.objective]), [
    [['h1', 'h3', 'h4'], 6], [['h1', 'h2', 'h3'], 7], [['h0', 'h1', 'h3'], 8],
  ]);
  const sets = r.solutions.map((s) => [...new Set(Object.values(s.assignment))].sort().join(','));
  assert.equal(new Set(sets).size, 3);
  // Limit 1 gives the same first recommendation.
  assert.deepEqual(solved(solve(problem(cands, names, [], costObjective(names)))).solutions[0], r.solutions[0]);
});

test('k-best mixing interchangeable and distinct demands', () => {
  // Two interchangeable workers over racks, a controller with its own list and a distance to a
  // point (distinct): worker swaps collapse, controller alternatives stay distinct.
  const rack = (id: string, r: string, cost: number) => host(id, { rack: r }, { cost });
  const pool = [rack('w1', 'r1', 1), rack('w2', 'r1', 2), rack('w3', 'r2', 1), rack('w4', 'r3', 4)];
  const ctl = [rack('c1', 'r2', 0), rack('c2', 'r3', 1), rack('w1', 'r1', 0)];
  const p: Problem = {
    demands: [{ name: 'ctl', candidates: ctl }, { name: 'wa', candidates: pool }, { name: 'wb', candidates: pool }],
    constraints: [{ kind: 'zone', name: 'spread', demands: ['ctl', 'wa', 'wb'], qualifier: 'different', attribute: 'rack' }],
    objective: { goal: 'minimize', terms: [
      { kind: 'cost', demand: 'ctl', weight: 1 }, { kind: 'cost', demand: 'wa', weight: 1 }, { kind: 'cost', demand: 'wb', weight: 1 },
    ] },
  };
  const r = solved(solve(p, { limit: 4 }));
  assert.equal(r.proven, true);
  const rows = r.solutions.map((s) => [s.assignment['ctl'], s.assignment['wa'], s.assignment['wb'], s.objective]);
  // ctl c1 (r2): workers on r1 and r3 → {w1,w4}=5, {w2,w4}=6; ctl c2 (r3): {w1,w3}=2+1, {w2,w3}=3+1;
  // ctl w1 (r1): workers on r2 and r3 → {w3,w4}=5.
  assert.deepEqual(rows, [
    ['c2', 'w1', 'w3', 3], ['c2', 'w2', 'w3', 4], ['c1', 'w1', 'w4', 5], ['w1', 'w3', 'w4', 5],
  ]);
  // No recommendation is a swap of another's workers.
  const keys = r.solutions.map((s) => `${s.assignment['ctl']}|${[s.assignment['wa'], s.assignment['wb']].sort()}`);
  assert.equal(new Set(keys).size, keys.length);
});

test('maximize keeps the template sign', () => {
  const cands = [host('a', {}, { cost: 3 }), host('b', {}, { cost: 7 })];
  const r = solved(solve(problem(cands, ['x'], [], costObjective(['x'], 'maximize'))));
  assert.deepEqual(r.solutions[0], { assignment: { x: 'b' }, objective: 7 });
});

test('unknown demand names are a translator error', () => {
  assert.throws(() => solve(problem([host('a', { rack: 'r1' })], ['x'], [{ kind: 'zone', name: 'z', demands: ['x', 'nope'], qualifier: 'same', attribute: 'rack' }])), /nope/);
});

test('greedy (HAS FitFirst) commits early; the exact solver does not', () => {
  // The demand in a located distance term goes first and takes the cheap shared host, leaving
  // the other demand only an expensive one.
  const h1 = host('h1', {}, { cost: 1 });
  const h2 = host('h2', {}, { cost: 2 });
  const h3 = host('h3', {}, { cost: 100 });
  const p: Problem = {
    demands: [{ name: 'b', candidates: [h1, h3] }, { name: 'a', candidates: [h1, h2] }],
    constraints: [],
    objective: { goal: 'minimize', terms: [
      { kind: 'distance_to_point', demand: 'a', point: PARIS, weight: 1 },
      { kind: 'cost', demand: 'a', weight: 1 },
      { kind: 'cost', demand: 'b', weight: 1 },
    ] },
  };
  const g = solved(greedy(p));
  const s = solved(solve(p));
  assert.deepEqual(g.solutions[0]!.assignment, { a: 'h1', b: 'h3' });
  assert.deepEqual(s.solutions[0]!.assignment, { a: 'h2', b: 'h1' });
  assert.ok(g.solutions[0]!.objective > s.solutions[0]!.objective);
  assert.equal(g.proven, false);
});

/** A clock that moves 1 s per read: any budget runs out at the first check. */
const steppingClock = () => {
  let t = 0;
  return () => (t += 1000);
};

test('timeout returns the best so far, unproven, with a gap', () => {
  // Pairwise distance weights make the bounds loose: far more than one check interval of nodes.
  const pts = Array.from({ length: 12 }, (_, i) => ({ latitude: 40 + i * 0.7, longitude: (i * 37) % 20 }));
  const cands = pts.map((point, i) => host(`h${i}`, {}, { point, cost: (i * 7) % 5 }));
  const names = Array.from({ length: 10 }, (_, i) => `d${i}`);
  const terms: Objective['terms'] = [];
  for (let i = 0; i < names.length; i++) {
    terms.push({ kind: 'cost', demand: names[i]!, weight: 10 });
    for (let j = i + 1; j < names.length; j++) terms.push({ kind: 'distance_between', demands: [names[i]!, names[j]!], weight: 1 });
  }
  const p = problem(cands, names, [], { goal: 'minimize', terms });
  const r = solved(solve(p, { timeoutMs: 1, now: steppingClock() }));
  assert.equal(r.proven, false);
  assert.ok(r.gap !== undefined && r.gap >= 0);
  assert.ok(r.stats.nodes >= 256);
});

test('timeout before anything feasible: not found, timedOut', () => {
  // Eight demands over seven shared exclusive hosts (in rotated orders, so no two demands are
  // interchangeable) and one spare: infeasible, but only after a long search.
  const hosts = Array.from({ length: 7 }, (_, i) => host(`h${i}`));
  const demands = Array.from({ length: 8 }, (_, i) => ({ name: `d${i}`, candidates: [...hosts.slice(i % 7), ...hosts.slice(0, i % 7)] }));
  demands.push({ name: 'spare', candidates: [host('s1'), host('s2'), host('s3')] });
  const r = notFound(solve({ demands, constraints: [] }, { timeoutMs: 1, now: steppingClock() }));
  assert.equal(r.reason.timedOut, true);
});

test('limit > 1 within a budget: best so far, unproven', () => {
  const pts = Array.from({ length: 12 }, (_, i) => ({ latitude: 40 + i * 0.7, longitude: (i * 37) % 20 }));
  const cands = pts.map((point, i) => host(`h${i}`, {}, { point, cost: (i * 7) % 5 }));
  const names = Array.from({ length: 10 }, (_, i) => `d${i}`);
  const terms: Objective['terms'] = [];
  for (let i = 0; i < names.length; i++) {
    terms.push({ kind: 'cost', demand: names[i]!, weight: 10 });
    for (let j = i + 1; j < names.length; j++) terms.push({ kind: 'distance_between', demands: [names[i]!, names[j]!], weight: 1 });
  }
  const r = solve(problem(cands, names, [], { goal: 'minimize', terms }), { limit: 3, timeoutMs: 1, now: steppingClock() });
  if (r.status === 'solved') {
    assert.equal(r.proven, false);
    assert.ok(r.gap !== undefined && r.gap >= 0);
  } else assert.equal(r.reason.timedOut, true);
});

test('k-best: past its queue bound the depth-first search takes over with the same answer', () => {
  const pts = Array.from({ length: 9 }, (_, i) => ({ latitude: 40 + i * 0.7, longitude: (i * 37) % 20 }));
  const cands = pts.map((point, i) => host(`h${i}`, { rack: `r${i % 4}` }, { point, cost: (i * 7) % 5 }));
  const names = ['a', 'b', 'c', 'd', 'e'];
  const terms: Objective['terms'] = names.map((demand) => ({ kind: 'cost' as const, demand, weight: 3 }));
  terms.push({ kind: 'distance_between', demands: ['a', 'b'], weight: 0.01 });
  const p = problem(cands, names, [{ kind: 'zone', name: 'z', demands: ['a', 'b', 'c'], qualifier: 'different', attribute: 'rack' }], { goal: 'minimize', terms });
  const run = (maxQueue?: number) => {
    const model = compile(p, filterUnary(p).survivors);
    dominate(model, 4);
    const res = searchKBest(model, symmetryClasses(model), { limit: 4, deadline: Infinity, now: () => 0, ...(maxQueue ? { maxQueue } : {}) });
    assert.equal(res.complete, true);
    return res.found.map((f) => [f.cost, Array.from(f.lex)]);
  };
  const best = run();
  assert.equal(best.length, 4);
  assert.deepEqual(run(8), best);
  assert.deepEqual(solved(solve(p, { limit: 4 })).solutions.map((s) => s.objective).length, 4);
});
