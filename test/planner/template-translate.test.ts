// The HAS homing-template translator: HAS's csit cases and documented examples, with HAS's messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTemplate, TemplateError, translate } from '../../src/planner/template/index.js';
import { fixture, fixtureJson, testInventory } from './fixtures/sot.js';

const inv = testInventory();
const base = (over: Record<string, unknown> = {}) => ({
  homing_template_version: '2017-10-10',
  locations: { customer_loc: { latitude: 32.9, longitude: -97.0 } },
  demands: { vG: [{ inventory_provider: 'corral', inventory_type: 'host' }], vMux: [{ inventory_type: 'site' }] },
  ...over,
});
const fails = (template: unknown, message: string | RegExp) =>
  assert.throws(() => translate(template, inv), (e: unknown) => {
    assert.ok(e instanceof TemplateError, String(e));
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });

describe('HAS csit plans', () => {
  it('plan_with_wrong_version: error listing the versions', () => {
    fails(fixtureJson('plan_with_wrong_version.json'), 'conductor_template_version must be one of: 2016-11-01, 2017-10-10, 2018-02-01, 2020-08-13');
  });
  it('plan_without_demand_section: error', () => {
    fails(fixtureJson('plan_without_demand_section.json'), 'demand is not provided in the template');
  });
  it('plan_with_wrong_distance_constraint (no type): error', () => {
    fails(fixtureJson('plan_with_wrong_distance_constraint.json'), "Unsupported type 'None' found in constraint named 'distance-vg'");
  });
  it('plan_with_lati_and_longi: translates, cloud = Corral sites, no objective', () => {
    const t = translate(fixtureJson('plan_with_lati_and_longi.json'), inv);
    assert.equal(t.flavour, 'BASE');
    assert.deepEqual(t.locations.customer_loc, { latitude: 45.395968, longitude: -71.135344 });
    assert.deepEqual(t.problem.demands[0]!.candidates.map((c) => [c.id, c.inventoryType]), [['dal', 'cloud'], ['nyc', 'cloud'], ['sfo', 'cloud']]);
    assert.equal(t.problem.objective, undefined);
    assert.deepEqual(t.problem.constraints, []);
  });
});

describe('template strings', () => {
  it('a duplicate YAML key names its line as HAS does', () => {
    fails(fixture('duplicate_key.yaml'), 'Template has a duplicate key on line 5: vG:');
    assert.throws(() => parseTemplate('{"a": 1,\n "a": 2}'), { message: 'Template has a duplicate key on line 2: "a": 2}' });
  });
  it('alias bombs and oversized strings are refused', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
    assert.throws(() => parseTemplate(bomb), TemplateError);
    assert.throws(() => parseTemplate(' '.repeat(1_000_001)), /larger than/);
  });
  it('a JSON string is a template', () => {
    const t = translate(JSON.stringify(fixtureJson('plan_with_lati_and_longi.json')), inv);
    assert.equal(t.version, '2017-10-10');
  });
});

describe('validation messages', () => {
  it('undefined demands in a constraint', () => {
    fails(base({ constraints: { c: { type: 'zone', demands: ['vG', 'vX'], properties: { qualifier: 'same', category: 'site' } } } }), "Undefined Demand(s) ['vX'] in Constraint 'c'");
  });
  it('required properties and their values', () => {
    fails(base({ constraints: { z: { type: 'zone', demands: ['vG', 'vMux'], properties: { qualifier: 'same' } } } }), "Required property 'category' not found in constraint named 'z'");
    fails(base({ constraints: { z: { type: 'zone', demands: ['vG', 'vMux'], properties: { qualifier: '', category: 'site' } } } }), "No value specified for property 'qualifier' in constraint named 'z'");
  });
  it('qualifier values', () => {
    fails(base({ constraints: { z: { type: 'zone', demands: ['vG', 'vMux'], properties: { qualifier: 'near', category: 'site' } } } }),
      "Property 'qualifier' value 'near' unsupported in constraint named 'z' (must be one of ['same', 'different'])");
  });
  it('unsupported and foreign types', () => {
    fails(base({ constraints: { c: { type: 'teleport', demands: 'vG' } } }), "Unsupported type 'teleport' found in constraint named 'c'");
    fails(base({ constraints: { c: { type: 'hpa', demands: 'vG', properties: { evaluate: [{}] } } } }), /needs a HAS plug-in/);
  });
  it('optimization shape', () => {
    fails(base({ optimization: { maximize: { sum: [] } } }), "Optimization must contain a single goal of 'minimize'.");
    fails(base({ optimization: { minimize: { product: [] } } }), "Optimization goal 'minimize' must contain a single function of 'sum'.");
    fails(base({ optimization: { minimize: { sum: [{ distance_between: ['vG', 'vMux', 'x'] }] } } }), "Optimization 'distance_between' arguments must be a list of length two.");
    fails(base({ optimization: { minimize: { sum: [{ distance_between: ['nowhere', 'vG'] }] } } }),
      "Optimization 'distance_between' arguments ['nowhere', 'vG'] must include one valid demand name and one valid location name.");
    fails(base({ optimization: { minimize: { sum: [{ product: [2, { latency_between: ['customer_loc', 'vG'] }] }] } } }), /latency_between/);
  });
  it('required and excluded candidates that overlap', () => {
    fails(base({ demands: { vG: [{ inventory_type: 'host', required_candidates: [{ inventory_type: 'host', candidate_id: ['d1', 'n1'] }], excluded_candidates: [{ inventory_type: 'host', candidate_id: 'n1' }] }] } }),
      'Required candidate list and excluded candidate list are not mutually exclusive for demand vG');
  });
  it('unknown inventory types, invalid keys and sections', () => {
    fails(base({ demands: { vG: [{ inventory_type: 'service' }] } }), 'Unknown inventory type service specified for demand vG');
    fails(base({ demands: { vG: [{ provider: 'aai' }] } }), 'Demand vG has an invalid key provider');
    fails(base({ demands: { vG: [{ inventory_provider: 'aai' }] } }), 'Inventory type not specified for demand vG');
    fails(base({ constraints: [] }), 'Constraint section must be a dictionary');
    fails(base({ locations: { l: { address: 'x' } } }), 'Location l has an invalid key address');
  });
  it('a location nothing resolves is named', () => {
    fails(base({ locations: { far: { host_name: 'nohost' } } }), 'Unable to resolve location far');
    fails(base({ locations: { far: { clli_code: 'XXXXXX00' } } }), 'Unable to resolve location far');
  });
  it('no candidate left', () => {
    fails(base({ demands: { vG: [{ inventory_type: 'host', filtering_attributes: { arch: 'arm64' } }] } }), 'Unable to find any candidate for demand vG');
    fails(base({ demands: { vG: [{ inventory_type: 'host', required_candidates: [{ inventory_type: 'host', candidate_id: 'd3' }] }] } }), 'Unable to find any required candidate for demand vG');
  });
});

describe('parameters', () => {
  it('get_param by name and by path, anywhere', () => {
    const t = translate(base({
      parameters: { where: { coords: [10, 20] }, rack: 'r1', km: '< 100 km', loc: 'l' },
      locations: { l: { latitude: { get_param: ['where', 'coords', 0] }, longitude: { get_param: ['where', 'coords', 1] } } },
      constraints: {
        r: { type: 'attribute', demands: 'vG', properties: { evaluate: { rack: { get_param: 'rack' } } } },
        d: { type: 'distance_to_location', demands: 'vMux', properties: { distance: { get_param: 'km' }, location: 'l' } },
      },
      optimization: { minimize: { sum: [{ distance_between: [{ get_param: 'loc' }, 'vG'] }] } },
    }), inv);
    assert.deepEqual(t.locations.l, { latitude: 10, longitude: 20 });
    assert.deepEqual(t.problem.constraints, [
      { kind: 'attribute', name: 'r_vG', demands: ['vG'], attribute: 'rack', anyOf: ['r1'] },
      { kind: 'distance_to_location', name: 'd_vMux', demands: ['vMux'], point: { latitude: 10, longitude: 20 }, op: 'lt', km: 100 },
    ]);
    assert.deepEqual(t.problem.objective?.terms.map((x) => x.kind), ['distance_to_point', 'cost']);
  });
  it('an undefined parameter names its path', () => {
    fails(base({ constraints: { r: { type: 'attribute', demands: 'vG', properties: { evaluate: { rack: { get_param: 'nope' } } } } } }),
      "Parameter 'nope' undefined in path constraints > r > properties > evaluate > rack");
    fails(base({ demands: { vG: [{ inventory_type: { get_param: 'kind' } }] } }), "Parameter 'kind' undefined in path demands > vG[0] > inventory_type");
  });
});
