// Minimum-cost assignment of `rows` rows to distinct columns (rows <= cols), the Hungarian
// method with potentials, O(rows^2 * cols). The bound for a zone-different group: members must
// take distinct zone values (racks), each at its cheapest consistent candidate in that rack.
// Reusable buffers: the planner calls it at every search node.

export class Assignment {
  private u = new Float64Array(0);
  private v = new Float64Array(0);
  private p = new Int32Array(0);
  private way = new Int32Array(0);
  private minv = new Float64Array(0);
  private used = new Uint8Array(0);

  private ensure(rows: number, cols: number): void {
    if (this.u.length < rows + 1) this.u = new Float64Array(rows + 1);
    if (this.v.length < cols + 1) {
      this.v = new Float64Array(cols + 1);
      this.p = new Int32Array(cols + 1);
      this.way = new Int32Array(cols + 1);
      this.minv = new Float64Array(cols + 1);
      this.used = new Uint8Array(cols + 1);
    }
  }

  /**
   * Reduced cost of row r (0-based) on column c after `solve`: the dual potentials stay feasible
   * (u_r + v_c <= a_rc, v_c <= 0), so forcing r onto c costs at least total + a_rc - u_r - v_c.
   */
  potentials(r: number, c: number): number {
    return this.u[r + 1]! + this.v[c + 1]!;
  }

  /** The row (0-based) matched to column c after `solve`, -1 when none. */
  rowAt(c: number): number {
    return this.p[c + 1]! - 1;
  }

  /** a[r * cols + c] = cost (finite; use a large value for "impossible"). Returns the minimum total. */
  solve(a: Float64Array, rows: number, cols: number): number {
    this.ensure(rows, cols);
    const { u, v, p, way, minv, used } = this;
    u.fill(0, 0, rows + 1);
    v.fill(0, 0, cols + 1);
    p.fill(0, 0, cols + 1);
    for (let i = 1; i <= rows; i++) {
      p[0] = i;
      let j0 = 0;
      minv.fill(Infinity, 0, cols + 1);
      used.fill(0, 0, cols + 1);
      do {
        used[j0] = 1;
        const i0 = p[j0]!;
        const base = (i0 - 1) * cols - 1;
        const ui = u[i0]!;
        let delta = Infinity;
        let j1 = 0;
        for (let j = 1; j <= cols; j++) {
          if (used[j]) continue;
          const cur = a[base + j]! - ui - v[j]!;
          if (cur < minv[j]!) {
            minv[j] = cur;
            way[j] = j0;
          }
          if (minv[j]! < delta) {
            delta = minv[j]!;
            j1 = j;
          }
        }
        for (let j = 0; j <= cols; j++) {
          if (used[j]) {
            u[p[j]!] = u[p[j]!]! + delta;
            v[j] = v[j]! - delta;
          } else minv[j] = minv[j]! - delta;
        }
        j0 = j1;
      } while (p[j0] !== 0);
      do {
        const j1 = way[j0]!;
        p[j0] = p[j1]!;
        j0 = j1;
      } while (j0 !== 0);
    }
    let total = 0;
    for (let j = 1; j <= cols; j++) if (p[j]! !== 0) total += a[(p[j]! - 1) * cols + j - 1]!;
    return total;
  }
}
