// Corral's inventory as candidates, inline candidates, filters, and the recommendation shape.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recommend, translate } from '../../src/planner/template/index.js';
import { testInventory } from './fixtures/sot.js';

const G = 2 ** 30;
const T = 2 ** 40;
const inv = testInventory();
const tpl = (demands: Record<string, unknown>, over: Record<string, unknown> = {}) => ({ homing_template_version: '2017-10-10', demands, ...over });

describe('inventory', () => {
  it('only free hosts are candidates, with attributes in base units', () => {
    const hosts = inv.candidates('host')!;
    assert.deepEqual(hosts.map((h) => h.id), ['d1', 'd2', 'n1', 's1']);
    const d1 = hosts[0]!;
    assert.equal(d1.exclusive, true);
    assert.equal(d1.inventoryType, 'host');
    assert.deepEqual(d1.point, { latitude: 32.7767, longitude: -96.797 });
    assert.deepEqual(
      { ...d1.attributes },
      {
        memory: 128 * G, disk: 2 * T, cpus: 16, gpus: undefined, arch: 'x86_64', firmware: 'uefi', site: 'dal', cluster: 'web', site_cluster: 'dal/web',
        rack: 'r1', site_rack: 'dal/r1', region: 'us-south', country: 'US', complex: 'dal1', clli: 'DLLSTX55', free_hosts: 1, tags: 'gpu,ssd',
        'label.rack': 'r1', 'label.zone': 'z1', 'tag.gpu': true, 'tag.ssd': true,
      },
    );
    // Host labels win over the site's metadata: n1's own point, s1's own complex.
    assert.deepEqual(hosts[2]!.point, { latitude: 40.75, longitude: -73.99 });
    assert.equal(hosts[3]!.attributes.complex, 'sfo-annex');
  });
  it('clusters and sites count their free hosts and are not exclusive', () => {
    const clusters = inv.candidates('cluster')!;
    assert.deepEqual(clusters.map((c) => [c.id, c.attributes.free_hosts, c.exclusive]), [['dal/web', 2, false], ['nyc/web', 1, false], ['sfo/web', 1, false]]);
    const sites = inv.candidates('site')!;
    assert.deepEqual(sites.map((s) => [s.id, s.attributes.free_hosts, s.point?.latitude]), [['dal', 2, 32.7767], ['nyc', 1, 40.7128], ['sfo', 1, 37.7749]]);
    assert.equal(inv.candidates('cloud')![0]!.inventoryType, 'cloud');
    assert.equal(inv.candidates('vfmodule'), undefined);
  });
  it('host names and CLLI codes resolve to points', () => {
    assert.deepEqual(inv.resolveLocation({ host_name: 'n1' }), { latitude: 40.75, longitude: -73.99, region: 'us-east', country: 'US', complex: 'nyc1' });
    assert.deepEqual(inv.resolveLocation({ clli_code: 'NYCMNY01' }), { latitude: 40.7128, longitude: -74.006, region: 'us-east', country: 'US', complex: 'nyc1' });
    assert.equal(inv.resolveLocation({ clli_code: 'NONE0000' }), undefined);
  });
});

describe('demands', () => {
  it('required, excluded and filtering attributes narrow the inventory', () => {
    const t = translate(tpl({
      a: [{ inventory_type: 'host', required_candidates: [{ inventory_type: 'host', candidate_id: ['d1', 'n1', 'd3'] }] }],
      e: [{ inventory_type: 'host', excluded_candidates: [{ candidate_id: ['d1', 'd2'] }] }],
      b: [{ inventory_type: 'host', filtering_attributes: { site: 'dal', memory: ['32G', '64G'] } }],
      c: [{ inventory_type: 'site', region: 'us-west' }],
      d: [{ inventory_type: 'cluster', filtering_attributes: { 'cloud-region': ['nyc', 'sfo'] } }],
    }), inv);
    assert.deepEqual(t.problem.demands.map((d) => [d.name, d.candidates.map((c) => c.id)]), [['a', ['d1', 'n1']], ['e', ['n1', 's1']], ['b', ['d2']], ['c', ['sfo']], ['d', ['nyc/web', 'sfo/web']]]);
  });
  it('inline candidates: cost, uniqueness, point and extra attributes; several requirement blocks', () => {
    const t = translate(tpl({
      vG: [
        { inventory_provider: 'aai', candidates: [
          { candidate_id: 'NYCNY55', inventory_type: 'cloud', cost: '100', location_id: 'NYCNY55', location_type: 'azure', latitude: '40.7128', longitude: '-74.0060',
            complex_name: 'ny_one', country: 'USA', cloud_owner: 'att-aic', physical_location_id: 'NYCNY55', uniqueness: 'true' },
          { candidate_id: 'edge-1', inventory_type: 'cloud' },
        ] },
        { inventory_type: 'site', default_cost: 5, service_resource_id: 'svc-1' },
      ],
    }), inv);
    const [ny, edge, dal] = t.problem.demands[0]!.candidates;
    assert.deepEqual(ny, {
      id: 'NYCNY55', inventoryType: 'cloud', locationId: 'NYCNY55', locationType: 'azure', point: { latitude: 40.7128, longitude: -74.006 }, cost: 100, exclusive: true,
      attributes: { location_id: 'NYCNY55', location_type: 'azure', complex: 'ny_one', country: 'USA', cloud_owner: 'att-aic', clli: 'NYCNY55', site: 'NYCNY55' },
      view: { candidate_id: 'NYCNY55', inventory_type: 'cloud', location_type: 'azure', location_id: 'NYCNY55', cloud_owner: 'att-aic', physical_location_id: 'NYCNY55' },
    });
    assert.equal(edge!.cost, 0);
    assert.equal(edge!.exclusive, false);
    assert.equal(dal!.id, 'dal');
    assert.equal(dal!.cost, 5);
    assert.equal((dal!.view as { service_resource_id?: string }).service_resource_id, 'svc-1');
    assert.equal(t.problem.demands[0]!.candidates.length, 5);
  });
});

describe('recommend', () => {
  it('one HAS element per demand: candidate, location and host attributes, passthrough', () => {
    const t = translate(tpl({
      vG: [{ inventory_type: 'host', service_resource_id: 'r-1', passthrough_attributes: { role: 'vg', site: 'ignored: HAS never overwrites' } }],
      vMux: [{ candidates: [{ candidate_id: 'c1', inventory_type: 'cloud', location_id: 'L1', location_type: 'aic', cloud_owner: 'att' }] }],
    }), inv);
    const rec = recommend(t.problem, { assignment: { vG: 'd1', vMux: 'c1' }, objective: 0 }, inv);
    assert.deepEqual(rec, {
      vG: {
        inventory_provider: 'corral', service_resource_id: 'r-1',
        candidate: { candidate_id: 'd1', inventory_type: 'host', location_type: 'site', location_id: 'dal', is_rehome: 'false', cloud_owner: 'corral', host_id: 'd1' },
        attributes: { 'physical-location-id': 'DLLSTX55', cloud_owner: 'corral', host_id: 'd1', site: 'dal', cluster: 'web', rack: 'r1', role: 'vg' },
      },
      vMux: {
        inventory_provider: 'corral', service_resource_id: null,
        candidate: { candidate_id: 'c1', inventory_type: 'cloud', location_type: 'aic', location_id: 'L1', is_rehome: 'false', cloud_owner: 'att' },
        attributes: { 'physical-location-id': null, cloud_owner: 'att' },
      },
    });
    assert.throws(() => recommend(t.problem, { assignment: { vG: 'zz', vMux: 'c1' }, objective: 0 }), /does not list/);
  });
});
