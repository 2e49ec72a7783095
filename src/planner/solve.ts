// The placement planner's exact solver: unary filtering (with the reason a demand ran dry),
// dominance reduction, symmetry classes, then branch and bound for the `limit` best assignments
// distinct up to swaps of interchangeable demands (canonical forms only), under the order
// (objective, then candidate input order demand by demand): depth-first with a probe for one,
// best-first (solve/kbest.ts) for more.
import type { NotFoundReason, Problem, Solution, SolveOptions, SolveResult } from './types.js';
import { dominate } from './solve/dominance.js';
import { objectiveOf } from './solve/evaluate.js';
import { compile } from './solve/model.js';
import { searchKBest } from './solve/kbest.js';
import { search, type SearchResult } from './solve/search.js';
import { intersectClasses, symmetryClasses } from './solve/symmetry.js';
import { filterUnary } from './solve/unary.js';

const defaultNow = (): number => performance.now();

export function solve(problem: Problem, opts: SolveOptions = {}): SolveResult {
  const now = opts.now ?? defaultNow;
  const start = now();
  const limit = Math.max(1, Math.floor(opts.limit ?? 1));
  const stats = (nodes: number) => ({ nodes, ms: now() - start });
  const unary = filterUnary(problem);
  if (unary.empty) return { status: 'not found', reason: unary.empty, stats: stats(0) };
  const model = compile(problem, unary.survivors);
  const before = symmetryClasses(model);
  dominate(model, limit);
  const cls = intersectClasses(before, symmetryClasses(model));
  const deadline = opts.timeoutMs === undefined ? Infinity : start + opts.timeoutMs;
  const res = limit === 1 ? search(model, cls, { limit, deadline, now }) : searchKBest(model, cls, { limit, deadline, now });
  if (res.found.length === 0) {
    return { status: 'not found', reason: infeasibleReason(problem, res), stats: stats(res.nodes) };
  }
  const solutions: Solution[] = res.found.map((f) => {
    const choice = Array.from(f.lex);
    const assignment: Record<string, string> = {};
    problem.demands.forEach((d, i) => (assignment[d.name] = d.candidates[choice[i]!]!.id));
    return { assignment, objective: objectiveOf(problem, choice) };
  });
  if (res.complete) return { status: 'solved', solutions, proven: true, stats: stats(res.nodes) };
  const best = res.found[0]!.cost;
  const gap = Math.max(0, best - Math.min(best, res.openBound));
  return { status: 'solved', solutions, proven: false, gap, stats: stats(res.nodes) };
}

/** Names the constraints that rejected candidates during the search, most often first. */
function infeasibleReason(problem: Problem, res: SearchResult): NotFoundReason {
  if (!res.complete) {
    return { message: 'no feasible assignment found before the time budget ran out', timedOut: true };
  }
  const { state, bounder } = res;
  const counts = Array.from(state.rejects, (count, i) => ({ count, i })).filter((x) => x.count > 0);
  counts.sort((a, b) => b.count - a.count || a.i - b.i);
  const names = counts.slice(0, 3).map((x) => state.rejectName(x.i));
  if (names.length === 0 && bounder.failZone >= 0) names.push(state.model.zones[bounder.failZone]!.name);
  if (names.length === 0 && bounder.failZone === -2) names.push(state.rejectName(state.rejects.length - 1));
  const demand = bounder.failDemand >= 0 ? problem.demands[bounder.failDemand]!.name : undefined;
  const what = names.length > 0 ? `constraints ${names.join(', ')}` : 'the constraints';
  const message = `no assignment satisfies ${what} together${demand ? ` (demand ${demand} ran out of candidates)` : ''}`;
  return { message, ...(names.length > 0 ? { constraint: names.join(', ') } : {}), ...(demand ? { demand } : {}) };
}
