// The warm-started assignment solver (src/planner/solve/assignment.ts) against brute force:
// random rectangular matrices with forbidden cells, negative costs and many ties, solved in
// sequences where each matrix is a small edit of the last (rows and columns dropped or brought
// back, cells dearer or cheaper), sometimes from a restored snapshot, as the search uses it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prng } from '../fakes/prng.js';
import { Assignment } from '../../src/planner/solve/assignment.js';

/** Minimum over injective maps rows -> cols of the summed cells, by enumeration. */
function brute(a: Float64Array, rows: number, cols: number): number {
  let best = Infinity;
  const used = new Uint8Array(cols);
  const walk = (r: number, sum: number): void => {
    if (r === rows) {
      best = Math.min(best, sum);
      return;
    }
    for (let c = 0; c < cols; c++) {
      const x = a[r * cols + c]!;
      if (used[c] || x === Infinity) continue;
      used[c] = 1;
      walk(r + 1, sum + x);
      used[c] = 0;
    }
  };
  walk(0, 0);
  return best;
}

test('warm-started assignment matches brute force over sequences of edited matrices', () => {
  let checked = 0;
  let infeasible = 0;
  for (let seed = 1; seed <= 120; seed++) {
    const r = prng(seed);
    const int = (n: number) => Math.floor(r() * n);
    const nRowIds = 2 + int(5);
    const nColIds = nRowIds + int(4);
    // A base cost per (row id, col id); edits move cells around it.
    const base = Array.from({ length: nRowIds * nColIds }, () => (r() < 0.15 ? Infinity : int(6) - (r() < 0.2 ? 3 : 0)));
    const solver = new Assignment(nRowIds, nColIds);
    const snaps: ReturnType<Assignment['snapshot']>[] = [];
    let rowsIn = Array.from({ length: nRowIds }, (_, i) => i);
    let colsIn = Array.from({ length: nColIds }, (_, i) => i);
    for (let step = 0; step < 25; step++) {
      const op = int(6);
      if (op === 0 && rowsIn.length > 1) rowsIn = rowsIn.filter((_, i) => i !== int(rowsIn.length));
      else if (op === 1 && colsIn.length > rowsIn.length) colsIn = colsIn.filter((_, i) => i !== int(colsIn.length));
      else if (op === 2) {
        rowsIn = Array.from({ length: nRowIds }, (_, i) => i).filter((i) => rowsIn.includes(i) || r() < 0.5);
        colsIn = Array.from({ length: nColIds }, (_, i) => i).filter((i) => colsIn.includes(i) || r() < 0.5);
      } else if (op === 3) base[int(base.length)] = r() < 0.3 ? Infinity : int(8) - 2;
      else if (op === 4 && snaps.length > 0) solver.restore(snaps[int(snaps.length)]!);
      else if (op === 5) {
        const i = int(base.length);
        if (base[i] !== Infinity) base[i] = base[i]! + 1 + int(3);
      }
      const rows = rowsIn.length;
      const cols = colsIn.length;
      const a = new Float64Array(rows * cols);
      rowsIn.forEach((ri, i) => colsIn.forEach((ci, j) => (a[i * cols + j] = base[ri * nColIds + ci]!)));
      const got = solver.solve(a, rows, cols, rowsIn, colsIn);
      const want = rows > cols ? Infinity : brute(a, rows, cols);
      const where = `seed ${seed} step ${step}`;
      assert.equal(got, want, where);
      checked++;
      if (want === Infinity) {
        infeasible++;
        continue;
      }
      // The matching read back is a real assignment of that total, and the duals bound every cell.
      let sum = 0;
      const seen = new Set<number>();
      for (let c = 0; c < cols; c++) {
        const row = solver.rowAt(c);
        if (row < 0) continue;
        assert.ok(!seen.has(row), where);
        seen.add(row);
        sum += a[row * cols + c]!;
      }
      assert.equal(seen.size, rows, where);
      assert.equal(sum, want, where);
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) {
          const x = a[i * cols + j]!;
          if (x !== Infinity) assert.ok(solver.potentials(i, j) <= x + 1e-9, `${where}: dual infeasible at ${i},${j}`);
        }
      if (r() < 0.3) snaps.push(solver.snapshot());
    }
  }
  assert.ok(checked > 2500 && infeasible > 20 && infeasible < checked / 2, `${checked} checked, ${infeasible} infeasible`);
});
