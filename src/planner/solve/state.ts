// The search state: who is assigned what, and the counters that make the pairwise / n-ary
// checks O(1) per candidate (exclusive keys in use, zone values in use) or O(members) memoised
// per point (distance between demands, pairwise objective terms). `scan` lists a demand's
// candidates consistent with the current partial assignment, with their reduced cost (unary
// cost plus the pairwise terms with demands already assigned).
import { compare } from './compare.js';
import type { Model } from './model.js';

/** Rejection counters, named in "not found" reasons. Index: zones, then dists, then exclusivity. */
export class State {
  readonly n: number;
  readonly assigned: Int32Array;
  private readonly keyExcl: Int32Array;
  private readonly keyAny: Int32Array;
  private readonly zoneOff: Int32Array;
  private readonly zoneCount: Int32Array;
  private readonly zoneN: Int32Array;
  private readonly zoneVal: Int32Array;
  readonly classLast: Int32Array;
  readonly rejects: Float64Array;
  private stamp = 0;
  /**
   * A range on one unassigned demand's choice (input positions lo..hi), set by the k-best
   * search for a node that stands for several siblings: its interchangeable partners, placed
   * after it in canonical form, are held to lo and up as well. -1: none.
   */
  rangeD = -1;
  rangeLo = -1;
  rangeHi = 0x7fffffff;
  private readonly ptStamp: Int32Array;
  private readonly ptOk: Uint8Array;
  private readonly ptCost: Float64Array;

  constructor(readonly model: Model, readonly cls: Int32Array) {
    this.n = model.cands.length;
    this.assigned = new Int32Array(this.n).fill(-1);
    this.keyExcl = new Int32Array(model.nKeys);
    this.keyAny = new Int32Array(model.nKeys);
    this.zoneOff = new Int32Array(model.zones.length + 1);
    model.zones.forEach((z, i) => (this.zoneOff[i + 1] = this.zoneOff[i]! + z.nVals));
    this.zoneCount = new Int32Array(this.zoneOff[model.zones.length]!);
    this.zoneN = new Int32Array(model.zones.length);
    this.zoneVal = new Int32Array(model.zones.length).fill(-1);
    let nCls = 0;
    for (const c of cls) nCls = Math.max(nCls, c + 1);
    this.classLast = new Int32Array(nCls).fill(-1);
    this.rejects = new Float64Array(model.zones.length + model.dists.length + 1);
    this.ptStamp = new Int32Array(model.points.length);
    this.ptOk = new Uint8Array(model.points.length);
    this.ptCost = new Float64Array(model.points.length);
  }

  private pointOk(d: number, pt: number): boolean {
    const m = this.model;
    for (const di of m.demandDists[d]!) {
      const con = m.dists[di]!;
      for (const e of con.members) {
        const a = this.assigned[e]!;
        if (e === d || a < 0) continue;
        if (!compare(m.dist(pt, m.cands[e]![a]!.pt), con.op, con.km)) {
          this.rejects[m.zones.length + di]!++;
          return false;
        }
      }
    }
    return true;
  }

  private pointCost(d: number, pt: number): number {
    const m = this.model;
    let s = 0;
    for (const p of m.pairs[d]!) {
      const a = this.assigned[p.other]!;
      if (a >= 0) s += p.w * m.dist(pt, m.cands[p.other]![a]!.pt);
    }
    return s;
  }

  /** Fills idx/cost with d's consistent candidates (positions in model.cands[d]); returns the count. */
  scan(d: number, idx: Int32Array, cost: Float64Array): number {
    const m = this.model;
    const list = m.cands[d]!;
    const slots = m.zoneSlots[d]!;
    const hasPts = m.demandDists[d]!.length > 0 || m.pairs[d]!.length > 0;
    const cl = this.cls[d]!;
    const last = cl >= 0 ? this.classLast[cl]! : -1;
    let lo = -1;
    let hi = 0x7fffffff;
    const rd = this.rangeD;
    if (rd === d) [lo, hi] = [this.rangeLo, this.rangeHi];
    else if (rd >= 0 && cl >= 0 && this.cls[rd] === cl) lo = this.rangeLo;
    const stamp = ++this.stamp;
    let k = 0;
    outer: for (let i = 0; i < list.length; i++) {
      const c = list[i]!;
      if (c.orig < last || (c.orig === last && c.excl) || c.orig < lo || c.orig > hi) continue;
      if (c.excl ? this.keyAny[c.key]! > 0 : this.keyExcl[c.key]! > 0) {
        this.rejects[this.rejects.length - 1]!++;
        continue;
      }
      for (let s = 0; s < slots.length; s++) {
        const z = slots[s]!;
        const v = c.zv[s]!;
        const bad = m.zones[z]!.same
          ? this.zoneN[z]! > 0 && this.zoneVal[z] !== v
          : this.zoneCount[this.zoneOff[z]! + v]! > 0;
        if (bad) {
          this.rejects[z]!++;
          continue outer;
        }
      }
      let extra = 0;
      if (hasPts) {
        if (this.ptStamp[c.pt] !== stamp) {
          this.ptStamp[c.pt] = stamp;
          const ok = this.pointOk(d, c.pt);
          this.ptOk[c.pt] = ok ? 1 : 0;
          if (ok) this.ptCost[c.pt] = this.pointCost(d, c.pt);
        }
        if (this.ptOk[c.pt] === 0) continue;
        extra = this.ptCost[c.pt]!;
      }
      idx[k] = i;
      cost[k] = c.unary + extra;
      k++;
    }
    return k;
  }

  /** Assigns position i of d's list. */
  assign(d: number, i: number): void {
    const m = this.model;
    const c = m.cands[d]![i]!;
    this.assigned[d] = i;
    if (c.excl) this.keyExcl[c.key]!++;
    this.keyAny[c.key]!++;
    const slots = m.zoneSlots[d]!;
    for (let s = 0; s < slots.length; s++) {
      const z = slots[s]!;
      if (m.zones[z]!.same) {
        this.zoneN[z]!++;
        this.zoneVal[z] = c.zv[s]!;
      } else this.zoneCount[this.zoneOff[z]! + c.zv[s]!]!++;
    }
    const cl = this.cls[d]!;
    if (cl >= 0) this.classLast[cl] = c.orig;
  }

  /** Undoes assign; `prevLast` is the class's previous last choice (the caller keeps it). */
  unassign(d: number, prevLast: number): void {
    const m = this.model;
    const c = m.cands[d]![this.assigned[d]!]!;
    this.assigned[d] = -1;
    if (c.excl) this.keyExcl[c.key]!--;
    this.keyAny[c.key]!--;
    const slots = m.zoneSlots[d]!;
    for (let s = 0; s < slots.length; s++) {
      const z = slots[s]!;
      if (m.zones[z]!.same) this.zoneN[z]!--;
      else this.zoneCount[this.zoneOff[z]! + c.zv[s]!]!--;
    }
    const cl = this.cls[d]!;
    if (cl >= 0) this.classLast[cl] = prevLast;
  }

  rejectName(i: number): string {
    const m = this.model;
    if (i < m.zones.length) return m.zones[i]!.name;
    if (i < m.zones.length + m.dists.length) return m.dists[i - m.zones.length]!.name;
    return 'exclusive candidates (uniqueness)';
  }
}
