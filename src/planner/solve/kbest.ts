// k-best search (limit > 1): best-first over the same tree as search.ts (demands in input order,
// symmetry classes in canonical form only), with plunging. A node's key is (its lower bound, its
// assigned prefix's input positions): every solution below it orders no earlier than that key
// under the solution order (objective, then input positions demand by demand). Complete
// solutions enter the queue with their exact objective, so each one popped is the next best:
// popping k of them proves the k best, ties included, with no need to enumerate the tied
// solutions that order after them (which is where a depth-first search spends its time when
// several placements share the best score). Each expansion plunges into its best child while
// that child is no later than the queue's head, so the first solutions come as fast as a dive.
// Entries worse than the k-th complete solution already queued are dropped. If the queue grows
// past `maxQueue` the depth-first search takes over, seeded with the solutions seen so far.
import { tieEps } from './compare.js';
import type { Model } from './model.js';
import { search, type Found, type SearchOptions, type SearchResult } from './search.js';
import { Bounder } from './bound.js';
import { State } from './state.js';

interface Prefix {
  /** Positions in model.cands[d] for demands 0..depth-1. */
  pos: Int32Array;
  /** Input positions (Cand.orig) of the same choices: the tie-break key. */
  orig: Int32Array;
}

interface Entry {
  /** Lower bound on the subtree; the exact objective for a complete solution. */
  lb: number;
  /** Cost of the prefix (including this entry's own choice). */
  fixed: number;
  /** Number of assigned demands, this entry's choice included. */
  depth: number;
  parent: Prefix;
  /** This entry's choice for demand depth-1 (position, input position); -1 for the root. */
  pos: number;
  orig: number;
}

/** Key order: a before b. */
function entryBefore(a: Entry, b: Entry): boolean {
  if (Math.abs(a.lb - b.lb) > tieEps(b.lb)) return a.lb < b.lb;
  const m = Math.min(a.depth, b.depth);
  for (let i = 0; i < m; i++) {
    const x = i < a.depth - 1 ? a.parent.orig[i]! : a.orig;
    const y = i < b.depth - 1 ? b.parent.orig[i]! : b.orig;
    if (x !== y) return x < y;
  }
  return a.depth < b.depth;
}

class Heap {
  readonly items: Entry[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): Entry | undefined {
    return this.items[0];
  }
  push(e: Entry): void {
    const h = this.items;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!entryBefore(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }
  pop(): Entry | undefined {
    const h = this.items;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && entryBefore(h[r]!, h[l]!) ? r : l;
      if (!entryBefore(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}

export interface KBestOptions extends SearchOptions {
  /** Queue entries beyond which the depth-first search takes over (memory bound). */
  maxQueue?: number;
}

export function searchKBest(model: Model, cls: Int32Array, opts: KBestOptions): SearchResult {
  const n = model.cands.length;
  const limit = opts.limit;
  const maxQueue = opts.maxQueue ?? 1 << 21;
  const checkMask = (opts.checkEvery ?? 64) - 1;
  const state = new State(model, cls);
  const bounder = new Bounder(model, cls);
  const heap = new Heap();
  const found: Found[] = [];
  // Objectives of the complete solutions queued or popped, ascending, at most `limit`.
  const ub: number[] = [];
  const cutoff = () => (ub.length >= limit ? ub[limit - 1]! : Infinity);
  const noteLeaf = (cost: number): void => {
    let i = ub.length;
    while (i > 0 && ub[i - 1]! > cost) i--;
    if (i >= limit) return;
    ub.splice(i, 0, cost);
    if (ub.length > limit) ub.pop();
  };
  const over = (lb: number): boolean => {
    const c = cutoff();
    return lb > c + tieEps(c);
  };

  // The state currently holds the prefix curPos[0..curDepth-1].
  const curPos = new Int32Array(n);
  const prevLast = new Int32Array(n);
  let curDepth = 0;
  const moveTo = (p: Prefix, depth: number, last: number): void => {
    const want = (i: number) => (i < depth - 1 ? p.pos[i]! : last);
    let common = 0;
    while (common < curDepth && common < depth && curPos[common] === want(common)) common++;
    for (let i = curDepth - 1; i >= common; i--) state.unassign(i, prevLast[i]!);
    for (let i = common; i < depth; i++) {
      const c = cls[i]!;
      prevLast[i] = c >= 0 ? state.classLast[c]! : -1;
      const at = want(i);
      state.assign(i, at);
      curPos[i] = at;
    }
    curDepth = depth;
  };

  const leafFound = (e: Entry): Found => {
    const lex = new Int32Array(n);
    lex.set(e.parent.orig.subarray(0, n - 1));
    lex[n - 1] = e.orig;
    return { cost: e.lb, lex };
  };

  let nodes = 0;
  let aborted = false;
  let rootBound = Infinity;
  let firstAt: number | undefined;
  let openBound = Infinity;
  const empty: Prefix = { pos: new Int32Array(0), orig: new Int32Array(0) };

  /** Bounds and expands the node `e` (state already moved there); returns the child to plunge into. */
  const expand = (e: Entry): Entry | undefined => {
    nodes++;
    const d = e.depth;
    const lb = bounder.bound(state, e.fixed);
    if (d === 0) rootBound = lb;
    if (lb === Infinity || over(lb)) return undefined;
    const count = bounder.count[d]!;
    const costs = bounder.cost[d]!;
    const idx = bounder.idx[d]!;
    const list = model.cands[d]!;
    const pos = new Int32Array(d + 1);
    const orig = new Int32Array(d + 1);
    if (d > 0) {
      pos.set(e.parent.pos.subarray(0, d - 1));
      orig.set(e.parent.orig.subarray(0, d - 1));
      pos[d - 1] = e.pos;
      orig[d - 1] = e.orig;
    }
    const prefix: Prefix = { pos, orig };
    const leaf = d === n - 1;
    let best: Entry | undefined;
    for (let j = 0; j < count; j++) {
      const p = idx[j]!;
      const c = costs[j]!;
      const childLb = leaf ? e.fixed + c : Math.max(lb, lb + bounder.childExtra(d, p, c));
      if (over(childLb)) continue;
      const child: Entry = { lb: childLb, fixed: e.fixed + c, depth: d + 1, parent: prefix, pos: p, orig: list[p]!.orig };
      if (leaf) {
        noteLeaf(childLb);
        heap.push(child);
        continue;
      }
      if (best === undefined) best = child;
      else if (entryBefore(child, best)) {
        heap.push(best);
        best = child;
      } else heap.push(child);
    }
    if (best === undefined) return undefined;
    // Plunge while no solution is known yet, or while the child is the best open node anyway.
    const head = heap.peek();
    if (ub.length === 0 || head === undefined || !entryBefore(head, best)) return best;
    heap.push(best);
    return undefined;
  };

  if (n > 0) heap.push({ lb: -Infinity, fixed: 0, depth: 0, parent: empty, pos: -1, orig: -1 });
  while (found.length < limit) {
    let e = heap.pop();
    if (!e) break;
    if (e.depth === n) {
      if (found.length === 0) firstAt = nodes;
      found.push(leafFound(e));
      continue;
    }
    if (over(e.lb)) continue;
    if (heap.size > maxQueue) {
      heap.push(e);
      return fallBack();
    }
    while (e) {
      if (nodes > 0 && (nodes & checkMask) === 0 && opts.now() >= opts.deadline) {
        aborted = true;
        openBound = Math.min(e.lb, heap.peek()?.lb ?? Infinity);
        break;
      }
      moveTo(e.parent, e.depth, e.pos);
      e = expand(e);
    }
    if (aborted) break;
  }
  if (n === 0) found.push({ cost: 0, lex: new Int32Array(0) });
  if (aborted) {
    // Best so far: the proven prefix of the order, then the queued complete solutions.
    const rest = heap.items.filter((x) => x.depth === n).sort((a, b) => (entryBefore(a, b) ? -1 : 1));
    for (const x of rest) {
      if (found.length >= limit) break;
      found.push(leafFound(x));
    }
  }
  const complete = !aborted;
  return { found, complete, nodes, openBound: complete ? Infinity : openBound, rootBound, state, bounder, ...(firstAt !== undefined ? { firstAt } : {}) };

  function fallBack(): SearchResult {
    // Every complete solution seen (popped ones first: they are proven in order) as incumbents.
    const seeds = [...found];
    const rest = heap.items.filter((x) => x.depth === n).sort((a, b) => (entryBefore(a, b) ? -1 : 1));
    for (const x of rest) if (seeds.length < limit) seeds.push(leafFound(x));
    heap.items.length = 0;
    moveTo(empty, 0, -1);
    const res = search(model, cls, { ...opts, seed: seeds });
    return { ...res, nodes: res.nodes + nodes };
  }
}
