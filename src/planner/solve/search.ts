// Depth-first branch and bound over the demands in input order, children cheapest first (reduced
// cost, then input order), keeping the k best solutions found so far. The order on solutions is
// (objective, then the chosen candidates' input positions compared demand by demand), so ties
// are decided the same way every run. A node is pruned when its bound is worse than the k-th
// incumbent, or ties it while its assigned prefix already compares later than the k-th's.
import { tieEps } from './compare.js';
import { Bounder } from './bound.js';
import type { Model } from './model.js';
import { State } from './state.js';

export interface Found {
  /** Internal (minimize-sign) objective accumulated by the search. */
  cost: number;
  /** Per demand, the chosen candidate's input index. */
  lex: Int32Array;
}

export interface SearchOptions {
  limit: number;
  deadline: number;
  now: () => number;
  /** How many nodes between clock reads. */
  checkEvery?: number;
  /** The limit-1 probe at the root bound (default on; off to measure the plain search). */
  probe?: boolean;
  /** Known solutions to start from (the k-best search hands over its own when it falls back). */
  seed?: Found[];
}

export interface SearchResult {
  found: Found[];
  complete: boolean;
  nodes: number;
  /** Proven lower bound over everything not yet explored (Infinity when complete). */
  openBound: number;
  rootBound: number;
  /** Node count when the first solution was found (diagnostics). */
  firstAt?: number;
  state: State;
  bounder: Bounder;
}

/** a before b in the solution order. */
export function before(a: Found, b: Found): boolean {
  if (Math.abs(a.cost - b.cost) > tieEps(b.cost)) return a.cost < b.cost;
  for (let i = 0; i < a.lex.length; i++) if (a.lex[i] !== b.lex[i]) return a.lex[i]! < b.lex[i]!;
  return false;
}

function sameLex(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function search(model: Model, cls: Int32Array, opts: SearchOptions): SearchResult {
  const n = model.cands.length;
  const state = new State(model, cls);
  const bounder = new Bounder(model, cls);
  const found: Found[] = [...(opts.seed ?? [])].slice(0, opts.limit);
  const checkMask = (opts.checkEvery ?? 256) - 1;
  const levelBound = new Float64Array(n + 1).fill(Infinity);
  let nodes = 0;
  let aborted = false;
  // Probe (limit 1): only nodes whose bound can still reach `target` (the root bound), children
  // in input order, so the first leaf is the tie-break winner among optimal solutions and is
  // proven on the spot. When the root bound is not attained the probe gives up after a budget
  // and the ordinary search runs.
  let target = Infinity;
  let probeBudget = Infinity;
  let probeDone = false;
  let firstAt = -1;
  let rootBound = Infinity;

  const kth = (): Found | undefined => (found.length >= opts.limit ? found[found.length - 1] : undefined);

  /** True when the assigned prefix (demands 0..depth-1) already orders after `f`. */
  const prefixAfter = (depth: number, f: Found): boolean => {
    for (let d = 0; d < depth; d++) {
      const o = model.cands[d]![state.assigned[d]!]!.orig;
      if (o !== f.lex[d]) return o > f.lex[d]!;
    }
    return false;
  };

  const record = (cost: number): void => {
    const lex = new Int32Array(n);
    for (let d = 0; d < n; d++) lex[d] = model.cands[d]![state.assigned[d]!]!.orig;
    const f = { cost, lex };
    let pos = found.length;
    while (pos > 0 && before(f, found[pos - 1]!)) pos--;
    if (pos >= opts.limit) return;
    if (pos > 0 && sameLex(found[pos - 1]!.lex, lex)) return; // a seed found again
    found.splice(pos, 0, f);
    if (found.length > opts.limit) found.pop();
  };

  const dfs = (depth: number, fixed: number): void => {
    nodes++;
    if ((nodes & checkMask) === 0 && opts.now() >= opts.deadline) {
      aborted = true;
      return;
    }
    if (nodes > probeBudget) {
      probeDone = true;
      return;
    }
    if (depth === n) {
      if (fixed > target + tieEps(target)) return;
      if (found.length === 0) firstAt = nodes;
      record(fixed);
      if (target !== Infinity) probeDone = true;
      return;
    }
    const lb = bounder.bound(state, fixed);
    if (depth === 0) rootBound = lb;
    if (lb === Infinity || lb > target + tieEps(target)) return;
    const k = kth();
    if (k) {
      if (lb > k.cost + tieEps(k.cost)) return;
      if (lb >= k.cost - tieEps(k.cost) && prefixAfter(depth, k)) return;
    }
    const d = depth;
    const count = bounder.count[d]!;
    const costs = bounder.cost[d]!.slice(0, count);
    const pos = bounder.idx[d]!.slice(0, count);
    // Each child's own bound, from this node's bound: exact bookkeeping for a demand bounded
    // alone, LP reduced costs for a member of a rack-different assignment bound.
    const childLbs = new Float64Array(count);
    // Dive first along the assignment bound's solution (for interchangeable members, its
    // candidates in input order, so the rest stay reachable), then by child bound.
    const guide = new Float64Array(count);
    const list = model.cands[d]!;
    for (let j = 0; j < count; j++) {
      childLbs[j] = lb + bounder.childExtra(d, pos[j]!, costs[j]!);
      guide[j] = bounder.onAssignment(d, pos[j]!, costs[j]!) ? list[pos[j]!]!.orig : Infinity;
    }
    const order = Array.from({ length: count }, (_, j) => j);
    if (target !== Infinity) order.sort((a, b) => list[pos[a]!]!.orig - list[pos[b]!]!.orig);
    else order.sort((a, b) => guide[a]! - guide[b]! || childLbs[a]! - childLbs[b]! || costs[a]! - costs[b]! || list[pos[a]!]!.orig - list[pos[b]!]!.orig);
    const cl = cls[d]!;
    const prevLast = cl >= 0 ? state.classLast[cl]! : -1;
    for (let j = 0; j < order.length; j++) {
      const o = order[j]!;
      const c = costs[o]!;
      const childLb = childLbs[o]!;
      const kk = kth();
      if (kk && childLb > kk.cost + tieEps(kk.cost)) continue;
      if (childLb > target + tieEps(target)) continue;
      levelBound[depth] = Math.min(lb, childLb);
      state.assign(d, pos[o]!);
      dfs(depth + 1, fixed + c);
      state.unassign(d, prevLast);
      if (aborted || probeDone) return;
    }
    levelBound[depth] = Infinity;
  };
  if (opts.limit === 1 && n > 0 && opts.probe !== false) {
    rootBound = bounder.bound(state, 0);
    if (rootBound === Infinity) return { found, complete: true, nodes: 1, openBound: Infinity, rootBound, state, bounder };
    target = rootBound;
    probeBudget = 64 * n + 1024;
    dfs(0, 0);
    if (found.length > 0 || aborted) {
      const openBound = found.length > 0 ? found[0]!.cost : rootBound;
      return { found, complete: found.length > 0, nodes, openBound, rootBound, state, bounder };
    }
    target = Infinity;
    probeBudget = Infinity;
    probeDone = false;
    levelBound.fill(Infinity);
  }
  dfs(0, 0);
  let openBound = Infinity;
  if (aborted) for (let i = 0; i <= n; i++) openBound = Math.min(openBound, levelBound[i]!);
  return { found, complete: !aborted, nodes, openBound, rootBound, state, bounder, firstAt };
}
