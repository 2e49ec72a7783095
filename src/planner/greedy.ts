// A baseline that decides the way ONAP HAS's FitFirst solver does, so benchmarks and tests can
// show what the exact solver gains. HAS orders demands with the ones named in objective distance
// terms with a location first, then the rest; for each demand it applies the constraints given
// the decisions so far, sorts the survivors by cost (stable), takes the candidate that minimises
// the objective over the decisions so far (strict <, so the first of equals), and recurses;
// when a later demand has nothing left it backtracks to the next best candidate. The first
// complete path wins: nothing is proven.
import type { Problem, SolveOptions, SolveResult } from './types.js';
import { objectiveOf } from './solve/evaluate.js';
import { compile } from './solve/model.js';
import { State } from './solve/state.js';
import { filterUnary } from './solve/unary.js';

const defaultNow = (): number => performance.now();

function demandOrder(problem: Problem): number[] {
  const seen = new Set<number>();
  const index = new Map(problem.demands.map((d, i) => [d.name, i]));
  for (const t of problem.objective?.terms ?? []) {
    if (t.kind !== 'distance_to_point') continue;
    const i = index.get(t.demand);
    if (i !== undefined) seen.add(i);
  }
  for (let i = 0; i < problem.demands.length; i++) seen.add(i);
  return [...seen];
}

export function greedy(problem: Problem, opts: SolveOptions = {}): SolveResult {
  const now = opts.now ?? defaultNow;
  const start = now();
  const deadline = opts.timeoutMs === undefined ? Infinity : start + opts.timeoutMs;
  const stats = (nodes: number) => ({ nodes, ms: now() - start });
  const unary = filterUnary(problem);
  if (unary.empty) return { status: 'not found', reason: unary.empty, stats: stats(0) };
  const model = compile(problem, unary.survivors);
  const state = new State(model, new Int32Array(model.cands.length).fill(-1));
  const order = demandOrder(problem);
  const idx = model.cands.map((c) => new Int32Array(c.length));
  const cost = model.cands.map((c) => new Float64Array(c.length));
  let nodes = 0;
  let timedOut = false;

  const step = (depth: number): boolean => {
    if (depth === order.length) return true;
    if ((++nodes & 255) === 0 && now() >= deadline) timedOut = true;
    if (timedOut) return false;
    const d = order[depth]!;
    const list = model.cands[d]!;
    const k = state.scan(d, idx[d]!, cost[d]!);
    const pool = Array.from({ length: k }, (_, j) => ({ pos: idx[d]![j]!, delta: cost[d]![j]! }));
    pool.sort((a, b) => problem.demands[d]!.candidates[list[a.pos]!.orig]!.cost - problem.demands[d]!.candidates[list[b.pos]!.orig]!.cost);
    while (pool.length > 0) {
      let best = 0;
      for (let j = 1; j < pool.length; j++) if (pool[j]!.delta < pool[best]!.delta) best = j;
      const [pick] = pool.splice(best, 1);
      state.assign(d, pick!.pos);
      if (step(depth + 1)) return true;
      state.unassign(d, -1);
      if (timedOut) return false;
    }
    return false;
  };

  if (!step(0)) {
    const reason = timedOut
      ? { message: 'no feasible assignment found before the time budget ran out', timedOut: true }
      : { message: 'greedy search found no assignment satisfying the constraints' };
    return { status: 'not found', reason, stats: stats(nodes) };
  }
  const choice = model.cands.map((list, d) => list[state.assigned[d]!]!.orig);
  const assignment: Record<string, string> = {};
  problem.demands.forEach((dm, i) => (assignment[dm.name] = dm.candidates[choice[i]!]!.id));
  return {
    status: 'solved',
    solutions: [{ assignment, objective: objectiveOf(problem, choice) }],
    proven: false,
    stats: stats(nodes),
  };
}
