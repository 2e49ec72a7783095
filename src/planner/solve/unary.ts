// Unary filtering: each demand's candidates are checked against the constraints that read one
// candidate at a time, in the template's constraint order. The constraint that removes a
// demand's LAST candidate is the "not found" reason, as HAS reports the constraint that left a
// demand empty. Pairwise constraints also filter here for what they can decide alone: a
// candidate without the zone/group attribute or without a location can never satisfy them.
import { haversineKm } from '../geo.js';
import type { AttrValue, Candidate, Constraint, NotFoundReason, Problem } from '../types.js';
import { compare, sameValue } from './compare.js';

export interface UnaryResult {
  /** Per demand (problem order), the surviving candidates' indices in input order. */
  survivors: number[][];
  /** Set when some demand has nothing left. */
  empty?: NotFoundReason;
}

function asList(v: unknown): AttrValue[] | undefined {
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? (v as AttrValue[]) : [v as AttrValue];
}

/** True when the candidate satisfies the unary part of `c`. */
export function unaryOk(c: Constraint, cand: Candidate): boolean {
  switch (c.kind) {
    case 'attribute': {
      const have = asList(cand.attributes[c.attribute]);
      if (!have) return false;
      if (c.anyOf && !have.some((h) => c.anyOf!.some((w) => sameValue(h, w)))) return false;
      if (c.allOf && !c.allOf.every((w) => have.some((h) => sameValue(h, w)))) return false;
      return true;
    }
    case 'threshold': {
      const v = cand.attributes[c.attribute];
      return typeof v === 'number' && compare(v, c.op, c.value);
    }
    case 'distance_to_location':
      return cand.point !== undefined && compare(haversineKm(c.point, cand.point), c.op, c.km);
    case 'instance_fit': {
      const v = cand.attributes['free_hosts'];
      return typeof v === 'number' && v >= c.count;
    }
    case 'zone':
    case 'inventory_group':
      return cand.attributes[c.attribute] !== undefined;
    case 'distance_between_demands':
      return cand.point !== undefined;
  }
}

/** Demands named by distance objective terms need their candidates to have a location. */
function needsPoint(problem: Problem): Set<string> {
  const out = new Set<string>();
  for (const t of problem.objective?.terms ?? []) {
    if (t.kind === 'distance_to_point') out.add(t.demand);
    else if (t.kind === 'distance_between') for (const d of t.demands) out.add(d);
  }
  return out;
}

export function filterUnary(problem: Problem): UnaryResult {
  const pointNeeded = needsPoint(problem);
  const survivors: number[][] = [];
  let empty: NotFoundReason | undefined;
  for (const demand of problem.demands) {
    let alive = demand.candidates.map((_, i) => i);
    if (alive.length === 0 && !empty) {
      empty = { message: `demand ${demand.name}: no candidates`, demand: demand.name };
    }
    const steps: { name: string; ok: (c: Candidate) => boolean }[] = [];
    for (const c of problem.constraints) {
      if (c.demands.includes(demand.name)) steps.push({ name: c.name, ok: (cand) => unaryOk(c, cand) });
    }
    if (pointNeeded.has(demand.name)) steps.push({ name: 'objective (distance)', ok: (cand) => cand.point !== undefined });
    for (const step of steps) {
      if (alive.length === 0) break;
      const kept = alive.filter((i) => step.ok(demand.candidates[i]!));
      if (kept.length === 0 && !empty) {
        empty = {
          message: `demand ${demand.name}: no candidate left after constraint ${step.name} (${alive.length} removed)`,
          demand: demand.name,
          constraint: step.name,
        };
      }
      alive = kept;
    }
    survivors.push(alive);
  }
  return empty ? { survivors, empty } : { survivors };
}
