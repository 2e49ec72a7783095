// Constraints, units and objectives as the solver receives them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TemplateError, translate } from '../../src/planner/template/index.js';
import { parseThreshold, toBase } from '../../src/planner/template/units.js';
import type { Constraint } from '../../src/planner/types.js';
import { fixture, fixtureJson, testInventory } from './fixtures/sot.js';

const G = 2 ** 30;
const T = 2 ** 40;
const inv = testInventory();
const base = (over: Record<string, unknown> = {}) => ({
  homing_template_version: '2018-02-01',
  locations: { customer_loc: { latitude: 32.9, longitude: -97.0 } },
  demands: { vG: [{ inventory_type: 'host' }], vMux: [{ inventory_type: 'site' }] },
  ...over,
});
const constraintsOf = (constraints: Record<string, unknown>): Constraint[] => translate(base({ constraints }), inv).problem.constraints;

describe('units', () => {
  it('sizes are binary, as the SoT reads them', () => {
    assert.equal(toBase('64G', undefined, 't'), 64 * G);
    assert.equal(toBase(64, 'GB', 't'), 64 * G);
    assert.equal(toBase(64, 'GiB', 't'), 64 * G);
    assert.equal(toBase('512M', undefined, 't'), 512 * 2 ** 20);
    assert.equal(toBase('1T', undefined, 't'), T);
    assert.equal(toBase('1.5 TiB', undefined, 't'), 1.5 * T);
    assert.equal(toBase(12, undefined, 't'), 12);
    assert.throws(() => toBase('64G', 'km', 't'), TemplateError);
    assert.throws(() => toBase('64 parsecs', undefined, 't'), /Unknown unit 'parsecs'/);
    assert.throws(() => toBase('10 km', undefined, 't', 'size'), /not a size unit/);
  });
  it('threshold strings: operators, units converted (mi too), ranges', () => {
    assert.deepEqual(parseThreshold('< 250 km', 'distance', 't'), [{ op: 'lt', value: 250 }]);
    assert.deepEqual(parseThreshold('<=100 mi', 'distance', 't'), [{ op: 'lte', value: 160.9344 }]);
    assert.deepEqual(parseThreshold('>= 500 m', 'distance', 't'), [{ op: 'gte', value: 0.5 }]);
    assert.deepEqual(parseThreshold('120', 'distance', 't'), [{ op: 'eq', value: 120 }]);
    assert.deepEqual(parseThreshold('10-20 km', 'distance', 't'), [{ op: 'gte', value: 10 }, { op: 'lte', value: 20 }]);
    assert.throws(() => parseThreshold('< 5 Gbps', 'distance', 't'), /not a distance unit/);
    assert.throws(() => parseThreshold('< 5 furlongs', 'distance', 't'), /Unknown part 'furlongs'/);
    assert.throws(() => parseThreshold('< km', 'distance', 't'), /Value\/range missing/);
    assert.throws(() => parseThreshold('< 10-20 km', 'distance', 't'), /not supported with range/);
  });
});

describe('constraints', () => {
  it('threshold: split per demand, units to bytes', () => {
    assert.deepEqual(constraintsOf({
      big: { type: 'threshold', demands: ['vG', 'vMux'], properties: { evaluate: [
        { attribute: 'memory', operator: 'gte', threshold: 64, unit: 'G' },
        { attribute: 'disk', operator: 'gt', threshold: '500G' },
        { attribute: 'vcpus', operator: 'gte', threshold: 8 },
      ] } },
    }), [
      { kind: 'threshold', name: 'big_vG', demands: ['vG'], attribute: 'memory', op: 'gte', value: 64 * G },
      { kind: 'threshold', name: 'big_vG', demands: ['vG'], attribute: 'disk', op: 'gt', value: 500 * G },
      { kind: 'threshold', name: 'big_vG', demands: ['vG'], attribute: 'cpus', op: 'gte', value: 8 },
      { kind: 'threshold', name: 'big_vMux', demands: ['vMux'], attribute: 'memory', op: 'gte', value: 64 * G },
      { kind: 'threshold', name: 'big_vMux', demands: ['vMux'], attribute: 'disk', op: 'gt', value: 500 * G },
      { kind: 'threshold', name: 'big_vMux', demands: ['vMux'], attribute: 'cpus', op: 'gte', value: 8 },
    ]);
    assert.throws(() => constraintsOf({ t: { type: 'threshold', demands: 'vG', properties: { evaluate: [{ attribute: 'memory', operator: 'ge', threshold: 1 }] } } }),
      { message: "Operator 'ge' unsupported in constraint named 't' (must be one of ['gte', 'lte', 'gt', 'lt', 'eq'])" });
  });
  it('attribute: HAS names mapped, any/all/plain/comparison, tags', () => {
    assert.deepEqual(constraintsOf({
      a: { type: 'attribute', demands: 'vG', properties: { evaluate: {
        'cloud-region': { any: ['dal', 'nyc'] }, complex_name: 'dal1', memory: { gte: '64G' }, tags: { all: ['gpu', 'ssd'] }, 'label.zone': { all: ['z1'] },
      } } },
    }), [
      { kind: 'attribute', name: 'a_vG', demands: ['vG'], attribute: 'site', anyOf: ['dal', 'nyc'] },
      { kind: 'attribute', name: 'a_vG', demands: ['vG'], attribute: 'complex', anyOf: ['dal1'] },
      { kind: 'threshold', name: 'a_vG', demands: ['vG'], attribute: 'memory', op: 'gte', value: 64 * G },
      { kind: 'attribute', name: 'a_vG', demands: ['vG'], attribute: 'tag.gpu', anyOf: [true] },
      { kind: 'attribute', name: 'a_vG', demands: ['vG'], attribute: 'tag.ssd', anyOf: [true] },
      { kind: 'attribute', name: 'a_vG', demands: ['vG'], attribute: 'label.zone', allOf: ['z1'] },
    ]);
    assert.throws(() => constraintsOf({ a: { type: 'attribute', demands: 'vG', properties: { evaluate: { site: { regex: 'd.*' } } } } }), /Operator 'regex' unsupported/);
  });
  it('distances: km, miles converted, ranges, between demands', () => {
    assert.deepEqual(constraintsOf({
      near: { type: 'distance_to_location', demands: ['vG'], properties: { distance: '< 100 mi', location: 'customer_loc' } },
      pair: { type: 'distance_between_demands', demands: ['vG', 'vMux'], properties: { distance: '10-250 km' } },
    }), [
      { kind: 'distance_to_location', name: 'near_vG', demands: ['vG'], point: { latitude: 32.9, longitude: -97.0 }, op: 'lt', km: 160.9344 },
      { kind: 'distance_between_demands', name: 'pair', demands: ['vG', 'vMux'], op: 'gte', km: 10 },
      { kind: 'distance_between_demands', name: 'pair', demands: ['vG', 'vMux'], op: 'lte', km: 250 },
    ]);
    assert.throws(() => constraintsOf({ p: { type: 'distance_between_demands', demands: 'vG', properties: { distance: '< 1 km' } } }), /at least two demands/);
    assert.throws(() => constraintsOf({ p: { type: 'distance_to_location', demands: 'vG', properties: { distance: '< 1 km', location: 'moon' } } }),
      { message: 'Location moon in Constraint p is undefined' });
  });
  it('zone: HAS categories and Corral levels to attributes', () => {
    const zone = (category: string, qualifier = 'same') => constraintsOf({ z: { type: 'zone', demands: ['vG', 'vMux'], properties: { qualifier, category } } })[0];
    assert.deepEqual(zone('complex'), { kind: 'zone', name: 'z', demands: ['vG', 'vMux'], qualifier: 'same', attribute: 'complex' });
    assert.equal(zone('region')!.kind === 'zone' && zone('region')!.attribute, 'region');
    const attr = (c: string) => { const z = zone(c, 'different'); return z?.kind === 'zone' ? z.attribute : undefined; };
    assert.equal(attr('disaster'), 'label.zone');
    assert.equal(attr('site'), 'site');
    assert.equal(attr('cluster'), 'site_cluster');
    assert.equal(attr('rack'), 'site_rack');
    assert.equal(attr('power_feed'), 'label.power_feed');
  });
  it('zone with a location and category country', () => {
    const t = translate(base({
      locations: { hq: { clli_code: 'dllstx55' } },
      constraints: { z: { type: 'zone', demands: ['vG', 'vMux'], properties: { qualifier: 'same', category: 'country', location: 'hq' } } },
    }), inv);
    assert.deepEqual(t.problem.constraints[1], { kind: 'attribute', name: 'z', demands: ['vG', 'vMux'], attribute: 'country', anyOf: ['US'] });
  });
  it('inventory_group and instance_fit', () => {
    assert.deepEqual(constraintsOf({
      g: { type: 'inventory_group', demands: ['vG', 'vMux'] },
      fit: { type: 'instance_fit', demands: ['vMux'], properties: { controller: 'corral', request: { count: 2 } } },
      fit1: { type: 'instance_fit', demands: ['vMux'] },
    }), [
      { kind: 'inventory_group', name: 'g', demands: ['vG', 'vMux'], attribute: 'inventory_group' },
      { kind: 'instance_fit', name: 'fit_vMux', demands: ['vMux'], count: 2 },
      { kind: 'instance_fit', name: 'fit1_vMux', demands: ['vMux'], count: 1 },
    ]);
    assert.throws(() => constraintsOf({ g: { type: 'inventory_group', demands: ['vG'] } }), /exactly two demands/);
    assert.throws(() => constraintsOf({ f: { type: 'instance_fit', demands: 'vG', properties: { count: 0 } } }), /at least 1/);
  });
});

describe('optimization', () => {
  it('BASE: product weights distributed over a nested sum; cost added to each location distance', () => {
    const t = translate(fixture('vcpe_zone_distance.yaml'), inv);
    const p = { latitude: 32.89748, longitude: -97.040443 };
    assert.deepEqual(t.problem.objective, {
      goal: 'minimize',
      terms: [
        { kind: 'distance_to_point', demand: 'vGMuxInfra', point: p, weight: 2 },
        { kind: 'cost', demand: 'vGMuxInfra', weight: 2 },
        { kind: 'distance_to_point', demand: 'vG', point: p, weight: 6 },
        { kind: 'cost', demand: 'vG', weight: 6 },
      ],
    });
    // 1243 mi is 2000.4 km.
    const near = t.problem.constraints.find((c) => c.name === 'near_customer_vG');
    assert.ok(near?.kind === 'distance_to_location' && Math.abs(near.km - 2000.4) < 0.1);
  });
  it('BASE: a demand-to-demand distance is Corral\'s extension, km only', () => {
    const t = translate(base({ optimization: { minimize: { sum: [{ product: ['0.5', { distance_between: ['vG', 'vMux'] }] }] } } }), inv);
    assert.deepEqual(t.problem.objective?.terms, [{ kind: 'distance_between', demands: ['vG', 'vMux'], weight: 0.5 }]);
  });
  it('GENERIC (2020-08-13): sums, weights, normalization; min/max refused', () => {
    const t = translate(fixtureJson('generic_objective.json'), inv);
    assert.equal(t.flavour, 'GENERIC');
    assert.deepEqual(t.problem.objective, {
      goal: 'minimize',
      terms: [
        { kind: 'distance_to_point', demand: 'vG', point: { latitude: 40.7128, longitude: -74.006 }, weight: 1 },
        { kind: 'attribute', demand: 'vG', attribute: 'cpus', weight: -2 / 64 },
      ],
    });
    const g = fixtureJson('generic_objective.json');
    (g.optimization as { operation_function: { operator: string } }).operation_function.operator = 'max';
    assert.throws(() => translate(g, inv), /operator 'max' is not supported/);
  });
});
