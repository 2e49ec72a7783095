// The zone-different group bound as an assignment problem: unassigned members x zone values
// (racks), the cost of a cell being the member's cheapest consistent candidate in that rack.
// Exact for the group when only unary costs, exclusivity and the zone apply (the benchmark's
// shape). The matrix is members x racks seen; all racks are kept so that the dual potentials
// price every rack: the search bounds each child (a member forced onto a rack) from them
// without solving again.
import { Assignment } from './assignment.js';

export class ZoneMatcher {
  /** rowVal[gi][value] = member gi's cheapest cost at that value (Infinity when none). */
  readonly rowVal: Float64Array[];
  private readonly mark: Int32Array;
  private stamp = 0;
  private readonly cols: Int32Array;
  private matrix = new Float64Array(0);
  private readonly hungarian = new Assignment();
  private readonly colOf: Int32Array;
  private readonly rowOf: Int32Array;
  private readonly giAt: Int32Array;
  private readonly matchedCost: Float64Array;
  private solvedStamp = -1;

  constructor(members: number, nVals: number) {
    this.rowVal = Array.from({ length: members }, () => new Float64Array(nVals).fill(Infinity));
    this.mark = new Int32Array(nVals);
    this.cols = new Int32Array(nVals);
    this.colOf = new Int32Array(nVals);
    this.rowOf = new Int32Array(members);
    this.giAt = new Int32Array(members);
    this.matchedCost = new Float64Array(members);
  }

  /**
   * Minimum total over rows `rows` (member positions) taking distinct values among `touched`;
   * Infinity when no such assignment exists.
   */
  bound(rows: number[], touched: Int32Array, nTouched: number): number {
    const m = rows.length;
    const stamp = ++this.stamp;
    let nCols = 0;
    let maxAbs = 0;
    for (const gi of rows) {
      const vals = this.rowVal[gi]!;
      for (let t = 0; t < nTouched; t++) {
        const v = touched[t]!;
        const x = vals[v]!;
        if (x === Infinity) continue;
        if (Math.abs(x) > maxAbs) maxAbs = Math.abs(x);
        if (this.mark[v] !== stamp) {
          this.mark[v] = stamp;
          this.colOf[v] = nCols;
          this.cols[nCols++] = v;
        }
      }
    }
    if (nCols < m) return Infinity;
    const big = (maxAbs + 1) * (m + 1) * 4;
    if (this.matrix.length < m * nCols) this.matrix = new Float64Array(m * nCols * 2);
    const a = this.matrix;
    for (let r = 0; r < m; r++) {
      const vals = this.rowVal[rows[r]!]!;
      for (let c = 0; c < nCols; c++) {
        const x = vals[this.cols[c]!]!;
        a[r * nCols + c] = x === Infinity ? big : x;
      }
    }
    const total = this.hungarian.solve(a, m, nCols);
    if (total >= big / 2) return Infinity;
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

  invalidate(): void {
    this.solvedStamp = -1;
  }

  /** Clears the touched cells of every row. */
  reset(touched: Int32Array, nTouched: number): void {
    for (const vals of this.rowVal) for (let t = 0; t < nTouched; t++) vals[touched[t]!] = Infinity;
  }
}
