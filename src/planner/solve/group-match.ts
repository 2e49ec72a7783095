// The zone-different group bound as an assignment problem: unassigned members x zone values
// (racks), the cost of a cell being the member's cheapest consistent candidate in that rack.
// Exact for the group when only unary costs, exclusivity and the zone apply (the benchmark's
// shape). The matrix is members x racks seen; all racks are kept so that the dual potentials
// price every rack: the search bounds each child (a member forced onto a rack) from them
// without solving again. Rows are keyed by member and columns by zone value, so the solver
// warm-starts from the last node's potentials and matching (assignment.ts).
import { Assignment, type AssignmentSnapshot } from './assignment.js';

export class ZoneMatcher {
  /**
   * rowVal[gi][value] = member gi's cheapest cost at that value (Infinity when none). Members
   * that see the same candidates (interchangeable, unplaced) share one row: `share`.
   */
  readonly rowVal: Float64Array[];
  private readonly own: Float64Array[];
  private readonly mark: Int32Array;
  private stamp = 0;
  private readonly cols: Int32Array;
  private matrix = new Float64Array(0);
  private readonly hungarian: Assignment;
  private readonly colOf: Int32Array;
  private readonly rowOf: Int32Array;
  private readonly giAt: Int32Array;
  private readonly matchedCost: Float64Array;
  private solvedStamp = -1;

  constructor(members: number, nVals: number) {
    this.own = Array.from({ length: members }, () => new Float64Array(nVals).fill(Infinity));
    this.rowVal = [...this.own];
    this.mark = new Int32Array(nVals);
    this.cols = new Int32Array(nVals);
    this.colOf = new Int32Array(nVals);
    this.rowOf = new Int32Array(members);
    this.giAt = new Int32Array(members);
    this.matchedCost = new Float64Array(members);
    this.hungarian = new Assignment(members, nVals);
  }

  snapshot(): AssignmentSnapshot {
    return this.hungarian.snapshot();
  }

  restore(s: AssignmentSnapshot): void {
    this.hungarian.restore(s);
  }

  /** Augmenting paths the last bound ran (diagnostics). */
  get augmentations(): number {
    return this.hungarian.augmentations;
  }

  /**
   * Minimum total over rows `rows` (member positions) taking distinct values among `touched`;
   * Infinity when no such assignment exists.
   */
  bound(rows: number[], touched: Int32Array, nTouched: number): number {
    const m = rows.length;
    const stamp = ++this.stamp;
    let nCols = 0;
    for (const gi of rows) {
      const vals = this.rowVal[gi]!;
      for (let t = 0; t < nTouched; t++) {
        const v = touched[t]!;
        const x = vals[v]!;
        if (x === Infinity) continue;
        if (this.mark[v] !== stamp) {
          this.mark[v] = stamp;
          this.colOf[v] = nCols;
          this.cols[nCols++] = v;
        }
      }
    }
    if (nCols < m) return Infinity;
    if (this.matrix.length < m * nCols) this.matrix = new Float64Array(m * nCols * 2);
    const a = this.matrix;
    for (let r = 0; r < m; r++) {
      const vals = this.rowVal[rows[r]!]!;
      for (let c = 0; c < nCols; c++) a[r * nCols + c] = vals[this.cols[c]!]!;
    }
    const total = this.hungarian.solve(a, m, nCols, rows, this.cols);
    if (total === Infinity) return Infinity;
    rows.forEach((gi, r) => {
      this.rowOf[gi] = r;
      this.giAt[r] = gi;
    });
    // The matched cell's cost per row: rowVal is cleared when the bound returns.
    for (let c = 0; c < nCols; c++) {
      const r = this.hungarian.rowAt(c);
      if (r >= 0) this.matchedCost[r] = a[r * nCols + c]!;
    }
    this.solvedStamp = stamp;
    return total;
  }

  /**
   * After a successful `bound`: how much member gi placed on `value` at `cost` adds at least to
   * that bound (LP reduced cost), or 0 when the last bound was not an assignment.
   */
  extra(gi: number, value: number, cost: number): number {
    if (this.solvedStamp !== this.stamp || this.mark[value] !== this.stamp) return 0;
    return Math.max(0, cost - this.hungarian.potentials(this.rowOf[gi]!, this.colOf[value]!));
  }

  /**
   * After a successful `bound`: true when the assignment put member gi, or a member
   * interchangeable with it, on `value` at this cost (the rack's cheapest). The search dives
   * along the assignment first, which for interchangeable members means taking the matched
   * candidates in input order.
   */
  matched(gi: number, cls: Int32Array, value: number, cost: number): boolean {
    if (this.solvedStamp !== this.stamp || this.mark[value] !== this.stamp) return false;
    const r = this.hungarian.rowAt(this.colOf[value]!);
    if (r < 0) return false;
    const other = this.giAt[r]!;
    if (other !== gi && (cls[gi]! < 0 || cls[other] !== cls[gi])) return false;
    return cost <= this.matchedCost[r]!;
  }

  /**
   * `extra` and `matched` for a run of member gi's candidates at once (values vals[j], costs
   * costs[j]): out[j] = lb plus the least the candidate adds, guide[j] = 1 when the assignment
   * uses it (or a twin of gi uses it).
   */
  childBounds(gi: number, cls: Int32Array, vals: Int32Array, costs: Float64Array, count: number, lb: number, out: Float64Array, guide: Uint8Array): void {
    if (this.solvedStamp !== this.stamp) {
      out.fill(lb, 0, count);
      guide.fill(0, 0, count);
      return;
    }
    const r = this.rowOf[gi]!;
    const cl = cls[gi]!;
    for (let j = 0; j < count; j++) {
      const value = vals[j]!;
      const cost = costs[j]!;
      if (this.mark[value] !== this.stamp) {
        out[j] = lb;
        guide[j] = 0;
        continue;
      }
      const c = this.colOf[value]!;
      const extra = cost - this.hungarian.potentials(r, c);
      out[j] = extra > 0 ? lb + extra : lb;
      const o = this.hungarian.rowAt(c);
      const other = o >= 0 ? this.giAt[o]! : -1;
      guide[j] = o >= 0 && (other === gi || (cl >= 0 && cls[other] === cl)) && cost <= this.matchedCost[o]! ? 1 : 0;
    }
  }

  invalidate(): void {
    this.solvedStamp = -1;
  }

  /** Member gi's row is member `from`'s until the next reset. */
  share(gi: number, from: number): void {
    this.rowVal[gi] = this.rowVal[from]!;
  }

  /** Clears the touched cells of the rows written since the last reset (members `rows`). */
  reset(rows: number[], touched: Int32Array, nTouched: number): void {
    for (const gi of rows) {
      const vals = this.own[gi]!;
      if (this.rowVal[gi] === vals) for (let t = 0; t < nTouched; t++) vals[touched[t]!] = Infinity;
      else this.rowVal[gi] = vals;
    }
  }
}
