// Small comparisons shared by the filters, the search and the greedy baseline.
import type { AttrValue, CompareOp } from '../types.js';

/** `left op right`, as HAS's threshold and distance constraints read it. */
export function compare(left: number, op: CompareOp, right: number): boolean {
  switch (op) {
    case 'lt':
      return left < right;
    case 'lte':
      return left <= right;
    case 'gt':
      return left > right;
    case 'gte':
      return left >= right;
    case 'eq':
      return left === right;
  }
}

/** Attribute values are matched as strings: a template says "8" where the inventory holds 8. */
export function sameValue(a: AttrValue, b: AttrValue): boolean {
  return a === b || String(a) === String(b);
}

/** A stable key for an attribute value, for value ids (zone and inventory group). */
export function valueKey(v: AttrValue): string {
  return String(v);
}

/** Tolerance for "equal objective" so that sums taken in different orders still tie. */
export function tieEps(v: number): number {
  return 1e-9 * Math.max(1, Math.abs(v));
}
