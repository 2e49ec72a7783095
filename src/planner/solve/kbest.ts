// k-best search (limit > 1): best-first over the same tree as search.ts (demands in input order,
// symmetry classes in canonical form only), with plunging. The k best come out of one priority
// queue whose key order is the solution order (objective, then input positions demand by demand):
// a node's key is (its lower bound, the smallest input positions any solution below it can
// have), complete solutions enter with their exact objective, so each one popped is the next
// best and popping k of them proves the k best, ties included, without enumerating the tied
// solutions that order after them. Entries worse than the k-th complete solution already queued
// are dropped. If the queue grows past `maxQueue` the depth-first search takes over, seeded with
// the solutions seen so far.
//
// Branching is by ranges of a demand's candidates (in input order), not one child per candidate:
// a node is (the choices of demands 0..d-1, a range lo..hi of input positions for demand d). When
// it is expanded, the group bounds name the candidate c their optimum uses for d, and the node
// splits in three: d = c (one level down, whose bound is the parent's when the bound is exact),
// d in lo..c-1, and d in c+1..hi. This is the partitioning of Lawler's k-best scheme (E. L.
// Lawler, "A procedure for computing the K best solutions to discrete optimization problems and
// its application to the shortest path problem", Management Science 18(7), 1972; K. G. Murty's
// for assignments, Operations Research 16(3), 1968), kept in input order so that the queue's key
// stays a lower bound on the tie-break order. With one child per candidate the search had to
// bound every sibling whose dual-price estimate tied the optimum one by one; a range is bounded
// once, with its whole restriction applied. That matters most for interchangeable demands: a
// member placed on a later host holds every remaining partner to hosts later still (canonical
// order), which the reduced-cost estimate does not see and the range's bound does (state.ts).
// A node's bound is warm-started from its parent's assignment potentials (assignment.ts), so
// most bounds cost one or two augmenting paths.
import { tieEps } from './compare.js';
import type { Model } from './model.js';
import { search, type Found, type SearchOptions, type SearchResult } from './search.js';
import { Bounder } from './bound.js';
import { State } from './state.js';

interface Prefix {
  /** Positions in model.cands[d] for demands 0..len-1. */
  pos: Int32Array;
  /** Input positions (Cand.orig) of the same choices: the tie-break key. */
  orig: Int32Array;
}

const NO_HI = 0x7fffffff;

interface Entry {
  /** Lower bound on the subtree; the exact objective for a complete solution. */
  lb: number;
  /** Cost of the assigned demands. */
  fixed: number;
  /** Number of assigned demands: base's, plus one when `pos` is set. */
  depth: number;
  /** Key length: depth, plus one (the range's low end) below a complete solution. */
  klen: number;
  base: Prefix;
  /** The choice for demand depth-1 when base holds only depth-1 of them (position, input position); else -1. */
  pos: number;
  orig: number;
  /** Range of input positions for demand `depth` (when depth < n). */
  lo: number;
  hi: number;
  /** The bounder's warm start, from the node this one was split from. */
  warm?: unknown[];
}

/** The entry's i-th key element: its choices' input positions, then its range's low end. */
function keyAt(e: Entry, i: number): number {
  if (i < e.depth) return e.pos >= 0 && i === e.depth - 1 ? e.orig : e.base.orig[i]!;
  return e.lo;
}

/** Key order: a before b. */
function entryBefore(a: Entry, b: Entry): boolean {
  if (Math.abs(a.lb - b.lb) > tieEps(b.lb)) return a.lb < b.lb;
  const m = Math.min(a.klen, b.klen);
  for (let i = 0; i < m; i++) {
    const x = keyAt(a, i);
    const y = keyAt(b, i);
    if (x !== y) return x < y;
  }
  return a.klen < b.klen;
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
  const moveTo = (e: Entry): void => {
    const depth = e.depth;
    const want = (i: number) => (e.pos >= 0 && i === depth - 1 ? e.pos : e.base.pos[i]!);
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
    if (depth < n && (e.lo >= 0 || e.hi !== NO_HI)) {
      state.rangeD = depth;
      state.rangeLo = e.lo;
      state.rangeHi = e.hi;
    } else state.rangeD = -1;
  };

  const leafFound = (e: Entry): Found => {
    const lex = new Int32Array(n);
    for (let i = 0; i < n; i++) lex[i] = keyAt(e, i);
    return { cost: e.lb, lex };
  };

  let nodes = 0;
  let aborted = false;
  let rootBound = Infinity;
  let firstAt: number | undefined;
  let openBound = Infinity;
  const empty: Prefix = { pos: new Int32Array(0), orig: new Int32Array(0) };
  let clbBuf = new Float64Array(0);
  let guideBuf = new Uint8Array(0);

  /** The entry's choices as a prefix of its own (shared by the nodes split from it). */
  const prefixOf = (e: Entry): Prefix => {
    if (e.pos < 0) return e.base;
    const d = e.depth;
    const pos = new Int32Array(d);
    const orig = new Int32Array(d);
    pos.set(e.base.pos.subarray(0, d - 1));
    orig.set(e.base.orig.subarray(0, d - 1));
    pos[d - 1] = e.pos;
    orig[d - 1] = e.orig;
    return { pos, orig };
  };

  const rangeEntry = (e: Entry, base: Prefix, lb: number, lo: number, hi: number, warm: unknown[] | undefined): Entry => ({
    lb, fixed: e.fixed, depth: e.depth, klen: e.depth + 1, base, pos: -1, orig: -1, lo, hi, ...(warm ? { warm } : {}),
  });

  /** Bounds and splits the node `e` (state already moved there); returns the child to plunge into. */
  const expand = (e: Entry): Entry | undefined => {
    nodes++;
    const d = e.depth;
    if (e.warm) bounder.restore(e.warm);
    const lb = bounder.bound(state, e.fixed);
    if (d === 0 && e.lo < 0 && e.hi === NO_HI) rootBound = lb;
    if (lb === Infinity || over(lb)) return undefined;
    const count = bounder.count[d]!;
    const costs = bounder.cost[d]!;
    const idx = bounder.idx[d]!;
    const list = model.cands[d]!;
    const base = prefixOf(e);
    if (d === n - 1) {
      // The last demand: its candidates are complete solutions, at their exact objective.
      for (let j = 0; j < count; j++) {
        const p = idx[j]!;
        const cost = e.fixed + costs[j]!;
        if (over(cost)) continue;
        noteLeaf(cost);
        heap.push({ lb: cost, fixed: cost, depth: n, klen: n, base, pos: p, orig: list[p]!.orig, lo: -1, hi: NO_HI });
      }
      return undefined;
    }
    // The split candidate: the bound's own choice for d (for interchangeable members, the
    // earliest of the class's matched candidates, so the others stay reachable), else the
    // cheapest child bound, then input order.
    if (clbBuf.length < count) {
      clbBuf = new Float64Array(list.length);
      guideBuf = new Uint8Array(list.length);
    }
    bounder.childBounds(d, lb, clbBuf, guideBuf);
    let split = -1;
    let splitGuided = false;
    let splitLb = Infinity;
    let splitOrig = -1;
    for (let j = 0; j < count; j++) {
      const clb = clbBuf[j]!;
      const guided = guideBuf[j] === 1;
      const o = list[idx[j]!]!.orig;
      const better = split < 0 || (guided !== splitGuided ? guided
        : guided ? o < splitOrig
        : clb < splitLb - tieEps(splitLb) || (clb <= splitLb + tieEps(splitLb) && o < splitOrig));
      if (better) {
        split = j;
        splitGuided = guided;
        splitLb = clb;
        splitOrig = o;
      }
    }
    if (split < 0) return undefined;
    const so = splitOrig;
    let leftLb = Infinity;
    let rightLb = Infinity;
    for (let j = 0; j < count; j++) {
      if (j === split) continue;
      const clb = clbBuf[j]!;
      if (list[idx[j]!]!.orig < so) {
        if (clb < leftLb) leftLb = clb;
      } else if (clb < rightLb) rightLb = clb;
    }
    const warm = bounder.snapshot();
    if (leftLb !== Infinity && !over(leftLb)) heap.push(rangeEntry(e, base, leftLb, e.lo, so - 1, warm));
    if (rightLb !== Infinity && !over(rightLb)) heap.push(rangeEntry(e, base, rightLb, so + 1, e.hi, warm));
    if (over(splitLb)) return undefined;
    const sp = idx[split]!;
    const child: Entry = {
      lb: splitLb, fixed: e.fixed + costs[split]!, depth: d + 1, klen: d + 2, base, pos: sp, orig: so, lo: -1, hi: NO_HI, warm,
    };
    // Plunge while no solution is known yet, or while the child is the best open node anyway.
    const head = heap.peek();
    if (ub.length === 0 || head === undefined || !entryBefore(head, child)) return child;
    heap.push(child);
    return undefined;
  };

  if (n > 0) heap.push({ lb: -Infinity, fixed: 0, depth: 0, klen: 1, base: empty, pos: -1, orig: -1, lo: -1, hi: NO_HI });
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
      moveTo(e);
      e = expand(e);
    }
    if (aborted) break;
  }
  state.rangeD = -1;
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
    const res = search(model, cls, { ...opts, seed: seeds });
    return { ...res, nodes: res.nodes + nodes };
  }
}
