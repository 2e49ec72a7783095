// Minimum-cost assignment of rows to distinct columns (rows <= cols), by shortest augmenting
// paths with dual potentials (the Jonker–Volgenant form of the Hungarian method: R. Jonker and
// A. Volgenant, "A shortest augmenting path algorithm for dense and sparse linear assignment
// problems", Computing 38, 1987). The bound for a zone-different group: members must take
// distinct zone values (racks), each at its cheapest consistent candidate in that rack.
//
// Warm starts. The search asks for the bound at node after node whose matrices differ in a row
// or two: one member placed (its row and its rack gone), a candidate range narrowed (some cells
// dearer). Rows and columns keep stable ids (group member, zone value) and their potentials and
// matching persist between calls, keyed by id. A call keeps every matched cell that is still
// tight, lowers a row potential that has become infeasible (a cheaper cell) and unmatches it,
// and re-augments only the unmatched rows: a child of the last node solved costs one or two
// augmenting paths, O(cols) each step, instead of a full O(rows^2 cols) solve.
//
// The rectangular problem is read as a square one with cols - rows zero-cost dummy rows (the
// usual reduction). A dummy sits on a column no real row holds, and dual feasibility for a dummy
// (u_D + v_j <= 0 for every j, tight where it sits) means a dummy's column has the largest
// potential. After rows go away or cells change, a free column may have a lower potential than
// that: it is then "truly free" (an augmenting path may end there), while the dummies are placed
// on the free columns of largest potential (and any dummies that do not fit there are augmented
// like rows). A dummy's column is a hub in the shortest-path search: a dummy can move to any
// column j at reduced cost v_hub - v_j. With a perfect square matching, feasible duals and tight
// matched cells the matching is optimal (complementary slackness), whatever the start point.

/** Potentials and matching by row / column id, to warm-start a later solve. */
export interface AssignmentSnapshot {
  u: Float64Array;
  v: Float64Array;
  rowCol: Int32Array;
}

const FREE = -1;
const DUMMY = -2;

export class Assignment {
  /** Persistent potentials and matching, by id. */
  private readonly U: Float64Array;
  private readonly V: Float64Array;
  private readonly rowColId: Int32Array;
  // Per-solve buffers, by local index.
  private u = new Float64Array(0);
  private v = new Float64Array(0);
  private rowMatch = new Int32Array(0);
  private colOwner = new Int32Array(0);
  private dist = new Float64Array(0);
  private pred = new Int32Array(0);
  private done = new Uint8Array(0);
  private order = new Int32Array(0);
  private readonly colLocal: Int32Array;
  private readonly colStamp: Int32Array;
  private readonly rowStamp: Int32Array;
  private stamp = 0;
  private a: Float64Array = new Float64Array(0);
  private rows = 0;
  private cols = 0;
  private eps = 0;
  /** Augmenting paths run by the last solve (diagnostics). */
  augmentations = 0;

  constructor(rowIds: number, colIds: number) {
    this.U = new Float64Array(rowIds);
    this.V = new Float64Array(colIds);
    this.rowColId = new Int32Array(rowIds).fill(-1);
    this.colLocal = new Int32Array(colIds);
    this.colStamp = new Int32Array(colIds);
    this.rowStamp = new Int32Array(rowIds);
  }

  snapshot(): AssignmentSnapshot {
    return { u: this.U.slice(), v: this.V.slice(), rowCol: this.rowColId.slice() };
  }

  restore(s: AssignmentSnapshot): void {
    this.U.set(s.u);
    this.V.set(s.v);
    this.rowColId.set(s.rowCol);
  }

  private ensure(rows: number, cols: number): void {
    if (this.u.length < rows) {
      this.u = new Float64Array(rows);
      this.rowMatch = new Int32Array(rows);
    }
    if (this.v.length < cols) {
      this.v = new Float64Array(cols);
      this.colOwner = new Int32Array(cols);
      this.dist = new Float64Array(cols);
      this.pred = new Int32Array(cols);
      this.done = new Uint8Array(cols);
      this.order = new Int32Array(cols);
    }
  }

  /**
   * Reduced-cost offset of local row r on local column c after `solve`: the duals stay feasible
   * (u_r + v_c <= a_rc), so forcing r onto c at cost x costs at least total + x - (u_r + v_c).
   */
  potentials(r: number, c: number): number {
    return this.u[r]! + this.v[c]!;
  }

  /** The local row matched to local column c after `solve`, -1 when none. */
  rowAt(c: number): number {
    const o = this.colOwner[c]!;
    return o >= 0 ? o : -1;
  }

  /**
   * a[r * cols + c] = cost of local row r (id rowIds[r]) on local column c (id colIds[c]);
   * Infinity where not allowed. Returns the minimum total (as a dual bound: `dualValue`),
   * Infinity when no assignment exists.
   */
  solve(a: Float64Array, rows: number, cols: number, rowIds: ArrayLike<number>, colIds: ArrayLike<number>): number {
    this.augmentations = 0;
    if (rows > cols) return Infinity;
    this.ensure(rows, cols);
    this.a = a;
    this.rows = rows;
    this.cols = cols;
    const { u, v, rowMatch, colOwner } = this;
    const stamp = ++this.stamp;
    let vmax = -Infinity;
    let scale = 1;
    for (let c = 0; c < cols; c++) {
      const id = colIds[c]!;
      this.colStamp[id] = stamp;
      this.colLocal[id] = c;
      v[c] = this.V[id]!;
      if (v[c]! > vmax) vmax = v[c]!;
      colOwner[c] = FREE;
    }
    for (let i = 0; i < rows * cols; i++) {
      const x = a[i]!;
      if (x !== Infinity && Math.abs(x) > scale) scale = Math.abs(x);
    }
    // Shift so that the largest column potential is 0 (the dummies' level); reduced costs keep.
    for (let c = 0; c < cols; c++) v[c] = v[c]! - vmax;
    const eps = 1e-10 * scale * (rows + 1);
    this.eps = eps;
    for (let r = 0; r < rows; r++) {
      const id = rowIds[r]!;
      let ur = this.U[id]! + vmax;
      const base = r * cols;
      let low = Infinity;
      for (let c = 0; c < cols; c++) {
        const x = a[base + c]!;
        if (x !== Infinity && x - v[c]! < low) low = x - v[c]!;
      }
      if (low === Infinity) return this.keep(rowIds, colIds, Infinity);
      rowMatch[r] = -1;
      if (ur > low + eps) ur = low;
      else {
        const cid = this.rowColId[id]!;
        if (cid >= 0 && this.colStamp[cid] === stamp) {
          const c = this.colLocal[cid]!;
          const x = a[base + c]!;
          if (colOwner[c] === FREE && x !== Infinity && Math.abs(x - ur - v[c]!) <= eps) {
            rowMatch[r] = c;
            colOwner[c] = r;
          }
        }
      }
      u[r] = ur;
    }
    // Dummies on the free columns at the top potential; those that find none are augmented.
    let dummies = cols - rows;
    for (let c = 0; c < cols && dummies > 0; c++) {
      if (colOwner[c] === FREE && v[c]! >= -eps) {
        colOwner[c] = DUMMY;
        dummies--;
      }
    }
    for (let r = 0; r < rows; r++) {
      if (rowMatch[r]! < 0 && !this.augment(r)) return this.keep(rowIds, colIds, Infinity);
    }
    for (; dummies > 0; dummies--) if (!this.augment(DUMMY)) return this.keep(rowIds, colIds, Infinity);
    return this.keep(rowIds, colIds, this.dualValue());
  }

  /**
   * The answer as a dual objective: row potentials recomputed as their largest feasible values
   * (u_r = min_c a_rc - v_c) and the dummies' as -max_c v_c, so that it is a lower bound on
   * every assignment by weak duality whatever rounding did to the potentials on the way (the
   * tolerance that reads a matched cell as tight never makes the bound too high). At an optimum
   * with tight matched cells it equals the matching's total.
   */
  private dualValue(): number {
    const { a, u, v, rows, cols } = this;
    let top = -Infinity;
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      if (v[c]! > top) top = v[c]!;
      sum += v[c]!;
    }
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      let low = Infinity;
      for (let c = 0; c < cols; c++) {
        const x = a[base + c]!;
        if (x !== Infinity && x - v[c]! < low) low = x - v[c]!;
      }
      u[r] = low;
      sum += low;
    }
    return cols > rows ? sum - (cols - rows) * top : sum;
  }

  private keep(rowIds: ArrayLike<number>, colIds: ArrayLike<number>, out: number): number {
    for (let c = 0; c < this.cols; c++) this.V[colIds[c]!] = this.v[c]!;
    for (let r = 0; r < this.rows; r++) {
      const id = rowIds[r]!;
      this.U[id] = this.u[r]!;
      const c = this.rowMatch[r]!;
      this.rowColId[id] = out === Infinity || c < 0 ? -1 : colIds[c]!;
    }
    // Rows outside this solve (members already placed) let go of the columns it used.
    const rs = this.rowStamp;
    for (let r = 0; r < this.rows; r++) rs[rowIds[r]!] = this.stamp;
    for (let id = 0; id < this.rowColId.length; id++) {
      const cid = this.rowColId[id]!;
      if (cid >= 0 && rs[id] !== this.stamp && this.colStamp[cid] === this.stamp) this.rowColId[id] = -1;
    }
    return out;
  }

  /** One shortest augmenting path from local row `src` (or from a dummy) to a truly free column. */
  private augment(src: number): boolean {
    this.augmentations++;
    const { a, u, v, rowMatch, colOwner, dist, pred, done, order } = this;
    const cols = this.cols;
    let hubUsed = false;
    if (src >= 0) {
      const base = src * cols;
      let low = Infinity;
      for (let c = 0; c < cols; c++) {
        const x = a[base + c]!;
        if (x !== Infinity && x - v[c]! < low) low = x - v[c]!;
      }
      u[src] = low;
      for (let c = 0; c < cols; c++) {
        const x = a[base + c]!;
        dist[c] = x === Infinity ? Infinity : x - low - v[c]!;
        pred[c] = -1;
        done[c] = 0;
      }
    } else {
      // A dummy row: zero cost everywhere, potential -max(v).
      let top = -Infinity;
      for (let c = 0; c < cols; c++) if (v[c]! > top) top = v[c]!;
      for (let c = 0; c < cols; c++) {
        dist[c] = top - v[c]!;
        pred[c] = -1;
        done[c] = 0;
      }
      hubUsed = true;
    }
    let nDone = 0;
    let end = -1;
    const eps = this.eps;
    for (;;) {
      let j = -1;
      let best = Infinity;
      for (let c = 0; c < cols; c++) {
        if (!done[c] && dist[c]! < best) {
          best = dist[c]!;
          j = c;
        }
      }
      if (j < 0) return false;
      if (colOwner[j] !== FREE) {
        // A free column at the same distance (up to rounding) ends the path now.
        for (let c = 0; c < cols; c++) {
          if (!done[c] && colOwner[c] === FREE && dist[c]! <= best + eps) {
            j = c;
            break;
          }
        }
      }
      done[j] = 1;
      order[nDone++] = j;
      const owner = colOwner[j]!;
      if (owner === FREE) {
        end = j;
        break;
      }
      if (owner === DUMMY) {
        if (hubUsed) continue;
        hubUsed = true;
        const vj = v[j]!;
        for (let c = 0; c < cols; c++) {
          if (done[c]) continue;
          const nd = best + vj - v[c]!;
          if (nd < dist[c]!) {
            dist[c] = nd;
            pred[c] = j;
          }
        }
        continue;
      }
      const base = owner * cols;
      const ur = u[owner]!;
      for (let c = 0; c < cols; c++) {
        if (done[c]) continue;
        const x = a[base + c]!;
        if (x === Infinity) continue;
        const nd = best + x - ur - v[c]!;
        if (nd < dist[c]!) {
          dist[c] = nd;
          pred[c] = j;
        }
      }
    }
    const de = dist[end]!;
    for (let i = 0; i < nDone; i++) {
      const c = order[i]!;
      v[c] = v[c]! - (de - dist[c]!);
    }
    // Flip the path: each column takes the row (or dummy) of the column it was reached from.
    let cur = end;
    for (;;) {
      const p = pred[cur]!;
      const who = p < 0 ? src : colOwner[p]!;
      colOwner[cur] = who;
      if (who >= 0) rowMatch[who] = cur;
      if (p < 0) break;
      cur = p;
    }
    // Row potentials from tightness on the rows whose column moved in potential.
    for (let i = 0; i < nDone; i++) {
      const c = order[i]!;
      const r = colOwner[c]!;
      if (r >= 0) u[r] = a[r * cols + c]! - v[c]!;
    }
    return true;
  }
}
