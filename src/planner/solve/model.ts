// The compiled model the search runs on: demands by index, candidates as small records with
// precomputed unary cost (objective terms that read one demand, in minimize sign), value ids for
// the zone / inventory-group constraints, point ids for distances, and exclusivity keys.
import { haversineKm } from '../geo.js';
import type { Candidate, CompareOp, GeoPoint, Problem } from '../types.js';
import { valueKey } from './compare.js';

export interface Cand {
  /** Index in the demand's input list: the tie-break order. */
  orig: number;
  /** Exclusivity key (inventory type + id), shared by the same host across demands. */
  key: number;
  excl: boolean;
  /** Point id, -1 when the candidate has no location. */
  pt: number;
  /** Objective terms that depend on this demand alone, minimize sign. */
  unary: number;
  /** Value ids, one per entry of the demand's `zoneSlots`. */
  zv: Int32Array;
}

/** zone same/different and inventory_group (a zone 'same' of two demands on its attribute). */
export interface ZoneCon {
  name: string;
  same: boolean;
  members: number[];
  nVals: number;
}

export interface DistCon {
  name: string;
  members: number[];
  op: CompareOp;
  km: number;
}

export interface PairTerm {
  other: number;
  w: number;
}

export interface Model {
  names: string[];
  cands: Cand[][];
  zones: ZoneCon[];
  dists: DistCon[];
  /** Per demand: the zone constraints it is in (slot order matches Cand.zv). */
  zoneSlots: number[][];
  demandDists: number[][];
  /** Per demand: aggregated distance_between weights (minimize sign), both directions. */
  pairs: PairTerm[][];
  nKeys: number;
  points: GeoPoint[];
  dist: (p: number, q: number) => number;
  /** 1 for minimize, -1 for maximize (internal cost = sign × template objective). */
  sign: 1 | -1;
}

function distanceTable(points: GeoPoint[]): (p: number, q: number) => number {
  const n = points.length;
  if (n <= 1024) {
    const memo = new Float64Array(n * n).fill(-1);
    return (p, q) => {
      const i = p * n + q;
      let v = memo[i]!;
      if (v < 0) {
        v = haversineKm(points[p]!, points[q]!);
        memo[i] = v;
        memo[q * n + p] = v;
      }
      return v;
    };
  }
  return (p, q) => haversineKm(points[p]!, points[q]!);
}

export function demandIndex(problem: Problem): Map<string, number> {
  const idx = new Map<string, number>();
  problem.demands.forEach((d, i) => idx.set(d.name, i));
  return idx;
}

function lookup(idx: Map<string, number>, name: string, where: string): number {
  const i = idx.get(name);
  if (i === undefined) throw new Error(`planner: ${where} names unknown demand ${name}`);
  return i;
}

/** Compiles the problem over the candidates that survived unary filtering. */
export function compile(problem: Problem, survivors: number[][]): Model {
  const idx = demandIndex(problem);
  const n = problem.demands.length;
  const sign: 1 | -1 = problem.objective?.goal === 'maximize' ? -1 : 1;
  const zones: ZoneCon[] = [];
  const zoneAttr: string[] = [];
  const dists: DistCon[] = [];
  const zoneSlots: number[][] = Array.from({ length: n }, () => []);
  const demandDists: number[][] = Array.from({ length: n }, () => []);
  for (const c of problem.constraints) {
    if (c.kind === 'zone' || c.kind === 'inventory_group') {
      const members = [...new Set(c.demands.map((d) => lookup(idx, d, `constraint ${c.name}`)))];
      const same = c.kind === 'inventory_group' || c.qualifier === 'same';
      for (const m of members) zoneSlots[m]!.push(zones.length);
      zones.push({ name: c.name, same, members, nVals: 0 });
      zoneAttr.push(c.attribute || 'inventory_group');
    } else if (c.kind === 'distance_between_demands') {
      const members = [...new Set(c.demands.map((d) => lookup(idx, d, `constraint ${c.name}`)))];
      for (const m of members) demandDists[m]!.push(dists.length);
      dists.push({ name: c.name, members, op: c.op, km: c.km });
    } else {
      for (const d of c.demands) lookup(idx, d, `constraint ${c.name}`);
    }
  }
  const unaryTerms: { w: number; read: (c: Candidate) => number }[][] = Array.from({ length: n }, () => []);
  const unaryTermSpecs: unknown[][] = Array.from({ length: n }, () => []);
  const sameList = new Map<Cand[], Candidate[]>();
  const pairW = new Map<number, number>();
  for (const t of problem.objective?.terms ?? []) {
    const w = sign * t.weight;
    if (t.kind === 'distance_between') {
      const a = lookup(idx, t.demands[0], 'objective');
      const b = lookup(idx, t.demands[1], 'objective');
      // A demand's distance to itself is 0: nothing to add.
      if (a !== b) pairW.set(a * n + b, (pairW.get(a * n + b) ?? 0) + w);
      continue;
    }
    const d = lookup(idx, t.demand, 'objective');
    unaryTermSpecs[d]!.push({ ...t, demand: undefined });
    if (t.kind === 'distance_to_point') {
      const p = t.point;
      unaryTerms[d]!.push({ w, read: (c) => haversineKm(p, c.point!) });
    } else if (t.kind === 'attribute') {
      const a = t.attribute;
      unaryTerms[d]!.push({ w, read: (c) => { const v = c.attributes[a]; return typeof v === 'number' ? v : 0; } });
    } else {
      unaryTerms[d]!.push({ w, read: (c) => c.cost });
    }
  }
  const pairs: PairTerm[][] = Array.from({ length: n }, () => []);
  for (const [k, w] of pairW) {
    const a = Math.floor(k / n);
    const b = k % n;
    pairs[a]!.push({ other: b, w });
    pairs[b]!.push({ other: a, w });
  }
  const keys = new Map<string, number>();
  const pointIds = new Map<string, number>();
  const points: GeoPoint[] = [];
  const valueIds = zones.map(() => new Map<string, number>());
  // Demands with the same survivors (same list object and unary steps), the same unary terms
  // and the same zone constraints compile to the same candidate records: build them once.
  const shared = new Map<number[], Map<string, Cand[]>>();
  const termKey = (d: number) => JSON.stringify(unaryTermSpecs[d]) + '|' + zoneSlots[d]!.join(',');
  const cands: Cand[][] = problem.demands.map((demand, d) => {
    let byKey = shared.get(survivors[d]!);
    if (!byKey) shared.set(survivors[d]!, (byKey = new Map()));
    const key = `${termKey(d)}|${demand.candidates.length}`;
    const known = byKey.get(key);
    if (known && sameList.get(known) === demand.candidates) return known;
    const built = survivors[d]!.map((orig) => {
      const c = demand.candidates[orig]!;
      const kk = `${c.inventoryType}\u0000${c.id}`;
      let key = keys.get(kk);
      if (key === undefined) keys.set(kk, (key = keys.size));
      let pt = -1;
      if (c.point) {
        const pk = `${c.point.latitude},${c.point.longitude}`;
        const known = pointIds.get(pk);
        if (known === undefined) {
          pt = points.length;
          pointIds.set(pk, pt);
          points.push(c.point);
        } else pt = known;
      }
      let unary = 0;
      for (const t of unaryTerms[d]!) unary += t.w * t.read(c);
      const slots = zoneSlots[d]!;
      const zv = new Int32Array(slots.length);
      slots.forEach((z, s) => {
        const vk = valueKey(c.attributes[zoneAttr[z]!]!);
        const ids = valueIds[z]!;
        let v = ids.get(vk);
        if (v === undefined) ids.set(vk, (v = ids.size));
        zv[s] = v;
      });
      return { orig, key, excl: c.exclusive, pt, unary, zv };
    });
    byKey.set(key, built);
    sameList.set(built, demand.candidates);
    return built;
  });
  zones.forEach((z, i) => (z.nVals = valueIds[i]!.size));
  return {
    names: problem.demands.map((d) => d.name),
    cands, zones, dists, zoneSlots, demandDists, pairs,
    nKeys: keys.size, points, dist: distanceTable(points), sign,
  };
}
