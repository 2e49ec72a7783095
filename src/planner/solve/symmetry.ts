// Interchangeable demands: same candidates (same input positions, costs, keys, zone values,
// points), in exactly the same constraints, with the same pairwise objective weights to every
// other demand. Swapping their choices maps a solution to another of equal objective, so for the
// single best answer the search only visits the member of each swap orbit whose choices rise in
// input order along the demand order, which is also the orbit's tie-break winner (its first
// differing demand gets the earlier candidate). For every limit: recommendations are distinct up
// to these swaps (SolveOptions.limit), so the k best are k orbits, each in that canonical form.
import type { Cand, Model } from './model.js';

function sameCands(a: Cand[], b: Cand[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.orig !== y.orig || x.key !== y.key || x.excl !== y.excl || x.pt !== y.pt || x.unary !== y.unary) return false;
    for (let s = 0; s < x.zv.length; s++) if (x.zv[s] !== y.zv[s]) return false;
  }
  return true;
}

function sameList(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function weights(model: Model, d: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const p of model.pairs[d]!) m.set(p.other, (m.get(p.other) ?? 0) + p.w);
  return m;
}

function interchangeable(model: Model, a: number, b: number): boolean {
  if (!sameList(model.zoneSlots[a]!, model.zoneSlots[b]!)) return false;
  if (!sameList(model.demandDists[a]!, model.demandDists[b]!)) return false;
  const wa = weights(model, a);
  const wb = weights(model, b);
  for (const [x, w] of wa) if (x !== b && wb.get(x) !== w) return false;
  for (const [x, w] of wb) if (x !== a && wa.get(x) !== w) return false;
  return sameCands(model.cands[a]!, model.cands[b]!);
}

/** Class id per demand; -1 for a demand with no interchangeable partner. */
export function symmetryClasses(model: Model): Int32Array {
  const n = model.cands.length;
  const cls = new Int32Array(n).fill(-1);
  let next = 0;
  for (let a = 0; a < n; a++) {
    if (cls[a] !== -1) continue;
    for (let b = a + 1; b < n; b++) {
      if (cls[b] !== -1 || !interchangeable(model, a, b)) continue;
      if (cls[a] === -1) cls[a] = next++;
      cls[b] = cls[a]!;
    }
  }
  return cls;
}

/**
 * Demands in one class of both partitions, renumbered; -1 for a demand left without a partner.
 * The solver takes classes before dominance (where candidates that differ between two demands
 * are still in sight: after it, two demands with different objective weights can keep the same
 * few hosts and look alike) and keeps them only where dominance left the members' lists alike.
 */
export function intersectClasses(a: Int32Array, b: Int32Array): Int32Array {
  const n = a.length;
  const out = new Int32Array(n).fill(-1);
  const ids = new Map<string, number>();
  const size = new Map<string, number>();
  const key = (d: number) => (a[d]! < 0 || b[d]! < 0 ? '' : `${a[d]}|${b[d]}`);
  for (let d = 0; d < n; d++) {
    const k = key(d);
    if (k) size.set(k, (size.get(k) ?? 0) + 1);
  }
  for (let d = 0; d < n; d++) {
    const k = key(d);
    if (!k || size.get(k)! < 2) continue;
    let id = ids.get(k);
    if (id === undefined) ids.set(k, (id = ids.size));
    out[d] = id;
  }
  return out;
}
