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
      const v = cand.attributes[c.attribute];
      if (v !== undefined && v !== null && !Array.isArray(v)) {
        // A single value (the common case): no list to build per candidate.
        if (c.anyOf) {
          let any = false;
          for (const w of c.anyOf) if (sameValue(v, w)) (any = true);
          if (!any) return false;
        }
        if (c.allOf) for (const w of c.allOf) if (!sameValue(v, w)) return false;
        return true;
      }
      const have = asList(v);
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
  // Plans of many demands usually share one candidate list: each constraint is checked once
  // per (list, constraint), and demands with the same list and steps share the result.
  const masks = new Map<Candidate[], Map<number, Uint8Array>>();
  const done = new Map<Candidate[], Map<string, { alive: number[]; empty?: { step: string; removed: number } }>>();
  const mask = (list: Candidate[], key: number, ok: (c: Candidate) => boolean): Uint8Array => {
    let byKey = masks.get(list);
    if (!byKey) masks.set(list, (byKey = new Map()));
    let m = byKey.get(key);
    if (!m) byKey.set(key, (m = Uint8Array.from(list, (c) => (ok(c) ? 1 : 0))));
    return m;
  };
  for (const demand of problem.demands) {
    const list = demand.candidates;
    if (list.length === 0 && !empty) {
      empty = { message: `demand ${demand.name}: no candidates`, demand: demand.name };
    }
    const steps: { key: number; name: string; ok: (c: Candidate) => boolean }[] = [];
    problem.constraints.forEach((c, i) => {
      if (c.demands.includes(demand.name)) steps.push({ key: i, name: c.name, ok: (cand) => unaryOk(c, cand) });
    });
    if (pointNeeded.has(demand.name)) steps.push({ key: -1, name: 'objective (distance)', ok: (cand) => cand.point !== undefined });
    const stepKey = steps.map((s) => s.key).join(',');
    let byList = done.get(list);
    if (!byList) done.set(list, (byList = new Map()));
    let result = byList.get(stepKey);
    if (!result) {
      let alive = list.map((_, i) => i);
      let dry: { step: string; removed: number } | undefined;
      for (const step of steps) {
        if (alive.length === 0) break;
        const m = mask(list, step.key, step.ok);
        const kept = alive.filter((i) => m[i] === 1);
        if (kept.length === 0) dry = { step: step.name, removed: alive.length };
        alive = kept;
      }
      result = dry ? { alive, empty: dry } : { alive };
      byList.set(stepKey, result);
    }
    if (result.empty && !empty) {
      empty = {
        message: `demand ${demand.name}: no candidate left after constraint ${result.empty.step} (${result.empty.removed} removed)`,
        demand: demand.name,
        constraint: result.empty.step,
      };
    }
    survivors.push(result.alive);
  }
  return empty ? { survivors, empty } : { survivors };
}
