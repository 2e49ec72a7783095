// translate -> solve -> recommend on the test SoT, with answers worked out by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { haversineKm } from '../../src/planner/geo.js';
import { solve } from '../../src/planner/solve.js';
import { recommend, translate } from '../../src/planner/template/index.js';
import { fixture, fixtureJson, testInventory } from './fixtures/sot.js';

const inv = testInventory();
const plan = (template: unknown, limit = 1) => {
  const t = translate(template, inv);
  const r = solve(t.problem, { limit });
  return { t, r, recs: r.status === 'solved' ? r.solutions.map((s) => recommend(t.problem, s, inv)) : [] };
};
const assignments = (r: ReturnType<typeof solve>) => (r.status === 'solved' ? r.solutions.map((s) => s.assignment) : r.reason.message);

describe('end to end', () => {
  it('vCPE example: same complex, within 1243 mi, big host, weighted distance', () => {
    const { t, r, recs } = plan(fixture('vcpe_zone_distance.yaml'));
    assert.deepEqual(assignments(r), [{ vGMuxInfra: 'dal', vG: 'd1' }]);
    // 2 x (km + cost 0) to Dallas for the site, 6 x km for the host at the site's point.
    const km = haversineKm(t.locations.customer_loc!, { latitude: 32.7767, longitude: -96.797 });
    assert.ok(r.status === 'solved' && Math.abs(r.solutions[0]!.objective - 8 * km) < 1e-6);
    assert.equal(recs[0]!.vG!.attributes.role, 'vg');
    assert.equal(recs[0]!.vG!.candidate.host_id, 'd1');
    assert.equal(recs[0]!.vGMuxInfra!.candidate.location_id, 'dal');
  });
  it('lat/long plan with an objective picks the nearest cloud (site)', () => {
    const t = fixtureJson('plan_with_lati_and_longi.json');
    t.optimization = { minimize: { sum: [{ distance_between: ['customer_loc', 'vG'] }] } };
    // The customer (45.39, -71.13) is nearest New York of the three sites.
    assert.deepEqual(assignments(plan(t).r), [{ vG: 'nyc' }]);
  });
  it('plan_with_short_distance_constraint: "< 1 km" leaves nothing: not found', () => {
    const t = fixtureJson('plan_with_lati_and_longi.json');
    t.constraints = { 'distance-vg': { type: 'distance_to_location', demands: ['vG'], properties: { distance: '< 1 km', location: 'customer_loc' } } };
    const { r } = plan(t);
    assert.equal(r.status, 'not found');
  });
  it('hosts are exclusive; zone different rack; reserved d3 never chosen', () => {
    const t = {
      homing_template_version: '2017-10-10',
      locations: { dal: { clli_code: 'DLLSTX55' } },
      demands: { a: [{ inventory_type: 'host', filtering_attributes: { site: 'dal' } }], b: [{ inventory_type: 'host', filtering_attributes: { site: 'dal' } }] },
      constraints: { spread: { type: 'zone', demands: ['a', 'b'], properties: { qualifier: 'different', category: 'rack' } } },
    };
    const { r } = plan(t, 5);
    // d1 (r1) and d2 (r2) are the only free Dallas hosts. a and b are interchangeable, so the
    // two orders are one recommendation (distinct up to swaps of interchangeable demands).
    assert.deepEqual(assignments(r), [{ a: 'd1', b: 'd2' }]);
  });
  it('instance_fit counts free hosts: only Dallas has two', () => {
    const t = {
      homing_template_version: '2017-10-10',
      demands: { pool: [{ inventory_type: 'site' }] },
      constraints: { fit: { type: 'instance_fit', demands: 'pool', properties: { count: 2 } } },
    };
    assert.deepEqual(assignments(plan(t, 3).r), [{ pool: 'dal' }]);
  });
  it('GENERIC objective: nearest host to New York', () => {
    assert.deepEqual(assignments(plan(fixtureJson('generic_objective.json')).r), [{ vG: 'n1' }]);
  });
});
