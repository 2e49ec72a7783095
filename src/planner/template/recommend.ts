// A solver Solution -> one HAS recommendation element (conductor/solver/service.py builds the
// same dict per demand; the provider is Corral, not the hard-coded "aai").
import type { Problem, Solution } from '../types.js';
import type { CandidateView, Inventory, Recommendation, RecommendationEntry } from './model.js';

/**
 * `_inventory` is accepted for the plans API's call shape; the candidates already carry what a
 * recommendation shows (their `view`), so nothing is looked up again.
 */
export function recommend(problem: Problem, solution: Solution, _inventory?: Inventory): Recommendation {
  const out: Recommendation = {};
  for (const demand of problem.demands) {
    const id = solution.assignment[demand.name];
    if (id === undefined) throw new Error(`solution has no candidate for demand ${demand.name}`);
    const c = demand.candidates.find((x) => x.id === id);
    if (!c) throw new Error(`solution names candidate ${id}, which demand ${demand.name} does not list`);
    const v = (c.view ?? { candidate_id: c.id, inventory_type: c.inventoryType }) as unknown as CandidateView;
    const entry: RecommendationEntry = {
      inventory_provider: 'corral',
      service_resource_id: v.service_resource_id ?? null,
      candidate: {
        candidate_id: c.id,
        inventory_type: c.inventoryType,
        location_type: c.locationType ?? v.location_type ?? null,
        location_id: c.locationId ?? v.location_id ?? null,
        // Corral never re-homes an existing placement (HAS: "false" unless a speed change).
        is_rehome: 'false',
      },
      attributes: { 'physical-location-id': v.physical_location_id ?? null },
    };
    if (v.cloud_owner !== undefined) {
      entry.candidate.cloud_owner = v.cloud_owner;
      entry.attributes.cloud_owner = v.cloud_owner;
    }
    if (v.host_id !== undefined) {
      entry.candidate.host_id = v.host_id;
      entry.attributes.host_id = v.host_id;
    }
    for (const k of ['site', 'cluster', 'rack'] as const) if (v[k] !== undefined) entry.attributes[k] = v[k];
    // HAS adds passthrough attributes without overwriting what the recommendation already says.
    for (const [k, val] of Object.entries(v.passthrough ?? {})) if (!Object.hasOwn(entry.attributes, k)) entry.attributes[k] = val;
    out[demand.name] = entry;
  }
  return out;
}
