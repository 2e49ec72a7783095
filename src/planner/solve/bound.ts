// Lower bounds. Unassigned demands are split into groups whose members must pairwise differ in
// one value (all in one zone-different constraint: the rack; or all-exclusive candidates: the
// host) or share one (zone same / inventory group). A group's bound is the better of
//  - the sum of each member's cheapest consistent candidate, and
//  - for "different": the sum of the m cheapest per-value minima (m members need m distinct
//    values; exact when the members are interchangeable), with a pigeonhole infeasibility test;
//  - for "same": the cheapest value every member can use, summed over members.
// Groups add up (cross-group interactions relaxed), plus the cheapest possible pairwise objective
// terms between unassigned demands, precomputed over their domains' points.
import type { Model } from './model.js';
import type { State } from './state.js';
import { ZoneMatcher } from './group-match.js';

type GroupKind = 'diff' | 'same' | 'key' | 'single';
interface Group {
  kind: GroupKind;
  members: number[];
  /** Per member, the slot of the group's zone in the member's zoneSlots (zone groups). */
  slots: number[];
  zone: number;
  /** For 'diff' groups: the assignment bound's buffers. */
  matcher?: ZoneMatcher;
  /** Symmetry class per member position. */
  cls: Int32Array;
}

interface PairLb {
  a: number;
  b: number;
  lb: number;
}

const MAX_KM = Math.PI * 6371;

export class Bounder {
  readonly idx: Int32Array[];
  readonly cost: Float64Array[];
  readonly count: Int32Array;
  readonly min: Float64Array;
  private readonly groups: Group[];
  private readonly groupOf: Group[];
  private readonly posOf: Int32Array;
  private readonly pairLbs: PairLb[];
  private readonly valMin: Float64Array;
  private readonly valSum: Float64Array;
  private readonly valCnt: Int32Array;
  private readonly touched: Int32Array;
  private readonly sortBuf: Float64Array;
  private readonly rows: number[] = [];
  /** Per symmetry class: the member scanned last in this bound, and the stamp of that bound. */
  private readonly clsScan: Int32Array;
  private readonly clsStamp: Int32Array;
  private readonly clsRejects: Float64Array[];
  private boundStamp = 0;
  private valBuf = new Int32Array(0);
  private cur: ZoneMatcher | undefined;
  /** Which group failed last (for the not-found reason): a zone index, -2 for keys, -1 none. */
  failZone = -1;
  failDemand = -1;

  constructor(private readonly model: Model, cls: Int32Array) {
    const n = model.cands.length;
    this.idx = model.cands.map((c) => new Int32Array(c.length));
    this.cost = model.cands.map((c) => new Float64Array(c.length));
    this.count = new Int32Array(n);
    this.min = new Float64Array(n);
    this.groups = buildGroups(model, cls);
    this.groupOf = new Array(n);
    this.posOf = new Int32Array(n);
    for (const g of this.groups) g.members.forEach((d, gi) => ((this.groupOf[d] = g), (this.posOf[d] = gi)));
    this.pairLbs = buildPairLbs(model);
    let maxVals = model.nKeys;
    for (const z of model.zones) maxVals = Math.max(maxVals, z.nVals);
    this.valMin = new Float64Array(maxVals).fill(Infinity);
    this.valSum = new Float64Array(maxVals);
    this.valCnt = new Int32Array(maxVals);
    this.touched = new Int32Array(maxVals);
    this.sortBuf = new Float64Array(maxVals);
    let nCls = 0;
    for (const c of cls) nCls = Math.max(nCls, c + 1);
    this.clsScan = new Int32Array(nCls);
    this.clsStamp = new Int32Array(nCls);
    this.clsRejects = Array.from({ length: nCls }, () => new Float64Array(model.zones.length + model.dists.length + 1));
  }

  /** The assignment bounds' warm starts (one per rack-different group), to restore later. */
  snapshot(): unknown[] {
    return this.groups.map((g) => g.matcher?.snapshot());
  }

  restore(snap: unknown[]): void {
    this.groups.forEach((g, i) => {
      const s = snap[i];
      if (g.matcher && s) g.matcher.restore(s as ReturnType<ZoneMatcher['snapshot']>);
    });
  }

  /** After `bound`: true when the group's assignment bound places d (or a twin) on this candidate. */
  onAssignment(d: number, pos: number, cost: number): boolean {
    const g = this.groupOf[d]!;
    if (!g.matcher) return false;
    const gi = this.posOf[d]!;
    return g.matcher.matched(gi, g.cls, this.model.cands[d]![pos]!.zv[g.slots[gi]!]!, cost);
  }

  /**
   * After `bound` at a node where d is unassigned: how much placing d on its candidate at
   * position `pos` (reduced cost `cost`) adds at least to that bound.
   */
  childExtra(d: number, pos: number, cost: number): number {
    const g = this.groupOf[d]!;
    if (g.kind === 'single') return cost - this.min[d]!;
    if (!g.matcher) return 0;
    const gi = this.posOf[d]!;
    return g.matcher.extra(gi, this.model.cands[d]![pos]!.zv[g.slots[gi]!]!, cost);
  }

  /**
   * After `bound` at a node where d is unassigned, for each of d's consistent candidates j (in
   * `idx[d]` order): out[j] = that bound plus the least placing d there adds (`childExtra`),
   * guide[j] = 1 when the group's assignment places d or a twin there (`onAssignment`).
   */
  childBounds(d: number, lb: number, out: Float64Array, guide: Uint8Array): void {
    const g = this.groupOf[d]!;
    const count = this.count[d]!;
    const cost = this.cost[d]!;
    if (g.kind === 'single') {
      const min = this.min[d]!;
      for (let j = 0; j < count; j++) out[j] = Math.max(lb, lb + cost[j]! - min);
      guide.fill(0, 0, count);
      return;
    }
    if (!g.matcher) {
      out.fill(lb, 0, count);
      guide.fill(0, 0, count);
      return;
    }
    const gi = this.posOf[d]!;
    const slot = g.slots[gi]!;
    const idx = this.idx[d]!;
    const list = this.model.cands[d]!;
    if (this.valBuf.length < count) this.valBuf = new Int32Array(list.length);
    for (let j = 0; j < count; j++) this.valBuf[j] = list[idx[j]!]!.zv[slot]!;
    g.matcher.childBounds(gi, g.cls, this.valBuf, cost, count, lb, out, guide);
  }

  /** Lower bound on any completion of the state's partial assignment; Infinity when none exists. */
  bound(state: State, fixed: number): number {
    this.boundStamp++;
    const asg = state.assigned;
    let lb = fixed;
    for (const p of this.pairLbs) if (asg[p.a]! < 0 && asg[p.b]! < 0) lb += p.lb;
    for (const g of this.groups) {
      const part = this.groupBound(state, g);
      if (part === Infinity) return Infinity;
      lb += part;
    }
    return lb;
  }

  private groupBound(state: State, g: Group): number {
    const asg = state.assigned;
    const cands = this.model.cands;
    const rows = this.rows;
    rows.length = 0;
    this.cur = g.matcher;
    g.matcher?.invalidate();
    let sumMin = 0;
    let m = 0;
    let nTouched = 0;
    for (let gi = 0; gi < g.members.length; gi++) {
      const d = g.members[gi]!;
      if (asg[d]! >= 0) continue;
      m++;
      rows.push(gi);
      const idx = this.idx[d]!;
      const cost = this.cost[d]!;
      // Interchangeable members left unplaced see the same candidates at the same costs (the
      // canonical order holds them all to the class's last choice): scan the class once.
      const cl = g.cls[gi]!;
      const shared = cl >= 0 && d !== state.rangeD && this.clsStamp[cl] === this.boundStamp ? this.clsScan[cl]! : -1;
      let k: number;
      if (shared >= 0) {
        k = this.count[shared]!;
        idx.set(this.idx[shared]!.subarray(0, k));
        cost.set(this.cost[shared]!.subarray(0, k));
        const delta = this.clsRejects[cl]!;
        for (let i = 0; i < delta.length; i++) state.rejects[i] = state.rejects[i]! + delta[i]!;
      } else if (cl >= 0 && d !== state.rangeD) {
        const delta = this.clsRejects[cl]!;
        delta.set(state.rejects);
        k = state.scan(d, idx, cost);
        for (let i = 0; i < delta.length; i++) delta[i] = state.rejects[i]! - delta[i]!;
        this.clsScan[cl] = d;
        this.clsStamp[cl] = this.boundStamp;
      } else k = state.scan(d, idx, cost);
      this.count[d] = k;
      if (k === 0) {
        this.failDemand = d;
        this.failZone = -1;
        return this.reset(nTouched, Infinity);
      }
      if (shared >= 0 && g.matcher) {
        // Same values as the shared member's row (already touched): the same row.
        g.matcher.share(gi, this.posOf[shared]!);
        this.min[d] = this.min[shared]!;
        sumMin += this.min[d]!;
        continue;
      }
      let best = Infinity;
      const slot = g.slots[gi]!;
      for (let j = 0; j < k; j++) {
        const c = cost[j]!;
        if (c < best) best = c;
        if (g.kind === 'single') continue;
        const cand = cands[d]![idx[j]!]!;
        if (g.kind === 'key' && !cand.excl) continue;
        const v = g.kind === 'key' ? cand.key : cand.zv[slot]!;
        if (this.valMin[v] === Infinity && this.valCnt[v] === 0) this.touched[nTouched++] = v;
        if (g.kind === 'same') {
          // Per value: this member's cheapest at that value, summed over members.
          if (this.valCnt[v] === m - 1) {
            this.valCnt[v] = m;
            this.valSum[v] = this.valSum[v]! + c;
            this.valMin[v] = c;
          } else if (this.valCnt[v] === m && c < this.valMin[v]!) {
            this.valSum[v] = this.valSum[v]! + c - this.valMin[v]!;
            this.valMin[v] = c;
          }
        } else {
          if (c < this.valMin[v]!) this.valMin[v] = c;
          if (g.matcher) {
            const row = g.matcher.rowVal[gi]!;
            if (c < row[v]!) row[v] = c;
          }
        }
      }
      this.min[d] = best;
      sumMin += best;
    }
    if (m === 0) return this.reset(nTouched, 0);
    if (g.kind === 'same') {
      let best = Infinity;
      for (let t = 0; t < nTouched; t++) {
        const v = this.touched[t]!;
        if (this.valCnt[v] === m && this.valSum[v]! < best) best = this.valSum[v]!;
      }
      if (best === Infinity) {
        this.failZone = g.zone;
        this.failDemand = -1;
        state.rejects[g.zone]!++;
      }
      return this.reset(nTouched, Math.max(sumMin, best));
    }
    if (g.kind === 'single' || m === 1) return this.reset(nTouched, sumMin);
    if (nTouched < m) {
      // Pigeonhole: fewer distinct values (racks, hosts) left than members still to place.
      this.failZone = g.kind === 'key' ? -2 : g.zone;
      this.failDemand = -1;
      state.rejects[g.kind === 'key' ? state.rejects.length - 1 : g.zone]!++;
      return this.reset(nTouched, Infinity);
    }
    if (g.matcher) {
      const exact = g.matcher.bound(rows, this.touched, nTouched);
      if (exact === Infinity) {
        this.failZone = g.zone;
        this.failDemand = -1;
        state.rejects[g.zone]!++;
      }
      return this.reset(nTouched, Math.max(sumMin, exact));
    }
    const buf = this.sortBuf.subarray(0, nTouched);
    for (let t = 0; t < nTouched; t++) buf[t] = this.valMin[this.touched[t]!]!;
    buf.sort();
    let sorted = 0;
    for (let t = 0; t < m; t++) sorted += buf[t]!;
    return this.reset(nTouched, Math.max(sumMin, sorted));
  }

  private reset(nTouched: number, out: number): number {
    if (this.cur) this.cur.reset(this.rows, this.touched, nTouched);
    this.cur = undefined;
    for (let t = 0; t < nTouched; t++) {
      const v = this.touched[t]!;
      this.valMin[v] = Infinity;
      this.valSum[v] = 0;
      this.valCnt[v] = 0;
    }
    return out;
  }
}

function buildGroups(model: Model, cls: Int32Array): Group[] {
  const n = model.cands.length;
  const byZone = new Map<number, Group>();
  const groups: Group[] = [];
  const keyGroup: Group = { kind: 'key', members: [], slots: [], zone: -1, cls: new Int32Array(0) };
  for (let d = 0; d < n; d++) {
    let bestZ = -1;
    let bestSlot = -1;
    model.zoneSlots[d]!.forEach((z, s) => {
      const size = model.zones[z]!.members.length;
      if (size >= 2 && (bestZ < 0 || size > model.zones[bestZ]!.members.length)) [bestZ, bestSlot] = [z, s];
    });
    if (bestZ >= 0) {
      let g = byZone.get(bestZ);
      if (!g) {
        g = { kind: model.zones[bestZ]!.same ? 'same' : 'diff', members: [], slots: [], zone: bestZ, cls: new Int32Array(0) };
        byZone.set(bestZ, g);
        groups.push(g);
      }
      g.members.push(d);
      g.slots.push(bestSlot);
    } else if (model.cands[d]!.length > 0 && model.cands[d]!.every((c) => c.excl)) {
      keyGroup.members.push(d);
      keyGroup.slots.push(-1);
    } else groups.push({ kind: 'single', members: [d], slots: [-1], zone: -1, cls: new Int32Array(0) });
  }
  if (keyGroup.members.length > 0) groups.push(keyGroup);
  for (const g of groups) {
    g.cls = Int32Array.from(g.members, (d) => cls[d]!);
    if (g.kind === 'diff') g.matcher = new ZoneMatcher(g.members.length, model.zones[g.zone]!.nVals);
  }
  return groups;
}

function buildPairLbs(model: Model): PairLb[] {
  const out: PairLb[] = [];
  const pts = model.cands.map((list) => [...new Set(list.map((c) => c.pt))]);
  model.pairs.forEach((list, a) => {
    for (const { other: b, w } of list) {
      if (b <= a) continue;
      const pa = pts[a]!;
      const pb = pts[b]!;
      let lb: number;
      if (pa.length * pb.length > 1_000_000) lb = w > 0 ? 0 : w * MAX_KM;
      else {
        lb = Infinity;
        for (const p of pa) for (const q of pb) lb = Math.min(lb, w * model.dist(p, q));
        if (lb === Infinity) lb = 0;
      }
      out.push({ a, b, lb });
    }
  });
  return out;
}
