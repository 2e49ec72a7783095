// The placement planner's own types: a problem (demands, their candidates, constraints and an
// objective) and its answer. The planner is pure: (problem, options) -> result. Where the
// problem comes from (a HAS homing template over Corral's inventory, Vaquero's cluster request)
// is the translator's business (src/planner/template/), not the solver's.

/** A value a constraint or objective reads from a candidate. Numbers are in base units (bytes, km). */
export type AttrValue = string | number | boolean;

export interface GeoPoint {
  latitude: number;
  longitude: number;
}

/** One thing a demand may be placed on: a Corral host, cluster or site, or a template's inline candidate. */
export interface Candidate {
  /** HAS `candidate_id`; a host's id for inventory hosts. Unique within one demand's list. */
  id: string;
  /** HAS `inventory_type` ('host', 'cluster', 'site', 'cloud', ...). */
  inventoryType: string;
  locationId?: string;
  locationType?: string;
  /** Where it is, for distance constraints and objectives (haversine, km). */
  point?: GeoPoint;
  /** HAS `cost`: added to the objective when the candidate is chosen (default 0). */
  cost: number;
  /**
   * Facts constraints match on, flattened: memory/disk in bytes, cpus, arch, site, cluster,
   * rack, region, country, complex, label.<k>, free_hosts, ... Missing = unknown (a threshold
   * on a missing attribute rejects the candidate, as HAS does).
   */
  attributes: Record<string, AttrValue | undefined>;
  /**
   * When true, the candidate can serve at most one demand of a solution (a physical host cannot
   * be two machines). HAS's `uniqueness`; inventory hosts are always exclusive.
   */
  exclusive: boolean;
  /** The candidate as the recommendation should show it (passthrough), never read by the solver. */
  view?: Record<string, unknown>;
}

export interface Demand {
  name: string;
  candidates: Candidate[];
}

export type CompareOp = 'lt' | 'lte' | 'gt' | 'gte' | 'eq';

/**
 * A constraint, already normalised by the translator (units applied, parameters resolved).
 * `name` is the template's constraint name, used in "not found" reasons.
 */
export type Constraint =
  /** The candidate's attribute must be one of `anyOf` (or, for list-valued attributes, contain all of `allOf`). */
  | { kind: 'attribute'; name: string; demands: string[]; attribute: string; anyOf?: AttrValue[]; allOf?: AttrValue[] }
  /** Numeric attribute compared with a value in base units; a missing attribute rejects. */
  | { kind: 'threshold'; name: string; demands: string[]; attribute: string; op: CompareOp; value: number }
  /** Great-circle distance (km) from the candidate to a fixed point. */
  | { kind: 'distance_to_location'; name: string; demands: string[]; point: GeoPoint; op: CompareOp; km: number }
  /** Great-circle distance (km) between the candidates chosen for every pair of the listed demands. */
  | { kind: 'distance_between_demands'; name: string; demands: string[]; op: CompareOp; km: number }
  /** The listed demands' candidates share (same) or all differ in (different) the value of `attribute`. */
  | { kind: 'zone'; name: string; demands: string[]; qualifier: 'same' | 'different'; attribute: string }
  /** The candidates of the two demands must belong to one inventory group (equal `attribute`, default 'inventory_group'). */
  | { kind: 'inventory_group'; name: string; demands: [string, string]; attribute: string }
  /** The candidate must have at least `count` free hosts (attribute 'free_hosts'). */
  | { kind: 'instance_fit'; name: string; demands: string[]; count: number };

/**
 * The objective, as a sum of terms the translator has already flattened (products of constant
 * weights distributed). Each term depends on one demand's choice or on two demands' choices.
 * `goal` maximize is solved as minimize of the negation; reported objectives keep the template's sign.
 */
export type ObjectiveTerm =
  /** weight × distance (km) from `point` to the candidate chosen for `demand`. */
  | { kind: 'distance_to_point'; demand: string; point: GeoPoint; weight: number }
  /** weight × distance (km) between the candidates chosen for the two demands. */
  | { kind: 'distance_between'; demands: [string, string]; weight: number }
  /** weight × a numeric attribute of the candidate chosen for `demand` (missing = 0). */
  | { kind: 'attribute'; demand: string; attribute: string; weight: number }
  /** weight × the chosen candidate's `cost` (HAS adds cost to each location distance term). */
  | { kind: 'cost'; demand: string; weight: number };

export interface Objective {
  goal: 'minimize' | 'maximize';
  terms: ObjectiveTerm[];
}

export interface Problem {
  demands: Demand[];
  constraints: Constraint[];
  /** Absent: any feasible solution, ties broken deterministically (demand order, candidate order). */
  objective?: Objective;
}

export interface SolveOptions {
  /**
   * Distinct recommendations wanted, best first (default 1). Distinct up to swaps of
   * interchangeable demands: demands with the same candidates, constraints and objective terms
   * (a cluster's identical nodes) are interchangeable, and two placements that differ only by
   * permuting their choices are one recommendation, returned once in canonical form (within
   * such a class, candidates in rising input order along the demand order). The k returned are
   * the k best such classes by objective, ties broken by the canonical forms' input order.
   */
  limit?: number;
  /** Wall-clock budget in ms; when it runs out the best found so far is returned, not proven. */
  timeoutMs?: number;
  /** Injected clock for the budget (tests); default performance.now. */
  now?: () => number;
}

/** One recommendation: demand name -> the chosen candidate's id, and the objective value. */
export interface Solution {
  assignment: Record<string, string>;
  objective: number;
}

export type SolveResult =
  | {
      status: 'solved';
      solutions: Solution[];
      /** True when the search finished: the solutions are the best `limit` there are. */
      proven: boolean;
      /** When not proven: best objective minus the proven lower bound (for minimize), >= 0. */
      gap?: number;
      stats: { nodes: number; ms: number };
    }
  | {
      status: 'not found';
      /** Why: the demand left without candidates and the constraint that removed its last one, or the constraints that together cannot hold. */
      reason: NotFoundReason;
      stats: { nodes: number; ms: number };
    };

export interface NotFoundReason {
  message: string;
  demand?: string;
  constraint?: string;
  /** True when the search ran out of time before proving there is no solution. */
  timedOut?: boolean;
}
