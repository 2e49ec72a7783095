// Straight-line evaluation of a (partial) assignment against the problem as written: the
// objective in the template's sign, and the first violated constraint. Used to report
// objectives, by the greedy baseline, and by tests as an oracle. Not used in the search loop.
import { haversineKm } from '../geo.js';
import type { Candidate, Problem } from '../types.js';
import { compare, sameValue } from './compare.js';
import { unaryOk } from './unary.js';

/** choice[d] = input index of demand d's candidate, or undefined while undecided. */
export type Choice = (number | undefined)[];

function pick(problem: Problem, choice: Choice, name: string): Candidate | undefined {
  const d = problem.demands.findIndex((x) => x.name === name);
  const i = choice[d];
  return i === undefined ? undefined : problem.demands[d]!.candidates[i];
}

/** The objective over the terms whose demands are all decided, in the template's sign. */
export function objectiveOf(problem: Problem, choice: Choice): number {
  let sum = 0;
  for (const t of problem.objective?.terms ?? []) {
    if (t.kind === 'distance_between') {
      const a = pick(problem, choice, t.demands[0]);
      const b = pick(problem, choice, t.demands[1]);
      if (a && b) sum += t.weight * (a === b ? 0 : haversineKm(a.point!, b.point!));
      continue;
    }
    const c = pick(problem, choice, t.demand);
    if (!c) continue;
    if (t.kind === 'distance_to_point') sum += t.weight * haversineKm(t.point, c.point!);
    else if (t.kind === 'cost') sum += t.weight * c.cost;
    else {
      const v = c.attributes[t.attribute];
      sum += t.weight * (typeof v === 'number' ? v : 0);
    }
  }
  return sum;
}

/** The name of the first constraint the decided demands violate, or undefined. */
export function violated(problem: Problem, choice: Choice): string | undefined {
  const chosen = (name: string) => pick(problem, choice, name);
  for (const c of problem.constraints) {
    const picked = c.demands.map(chosen).filter((x): x is Candidate => x !== undefined);
    if (picked.some((p) => !unaryOk(c, p))) return c.name;
    if (c.kind === 'zone' || c.kind === 'inventory_group') {
      const attr = c.attribute || 'inventory_group';
      const vals = picked.map((p) => p.attributes[attr]!);
      const same = c.kind === 'inventory_group' || c.qualifier === 'same';
      for (let i = 0; i < vals.length; i++)
        for (let j = i + 1; j < vals.length; j++)
          if (sameValue(vals[i]!, vals[j]!) !== same) return c.name;
    } else if (c.kind === 'distance_between_demands') {
      for (let i = 0; i < picked.length; i++)
        for (let j = i + 1; j < picked.length; j++)
          if (!compare(haversineKm(picked[i]!.point!, picked[j]!.point!), c.op, c.km)) return c.name;
    }
  }
  const seen = new Map<string, boolean>();
  for (let d = 0; d < problem.demands.length; d++) {
    const i = choice[d];
    if (i === undefined) continue;
    const c = problem.demands[d]!.candidates[i]!;
    const key = `${c.inventoryType}\u0000${c.id}`;
    const prior = seen.get(key);
    if (prior !== undefined && (prior || c.exclusive)) return 'exclusive candidates (uniqueness)';
    seen.set(key, (prior ?? false) || c.exclusive);
  }
  return undefined;
}
