// HAS plans (seed 004) and Vaquero's cluster request (seed 000) through the routes: shapes,
// codes, the status machine to a known answer, reservations holding hosts, and the refusals.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { testApi, type TestApi } from './support.js';
import { PLANNER_SOT } from './plans-world.js';
import { createPlanService } from '../../src/plans/service.js';
import { inlineSolver } from '../../src/plans/run-solver.js';
import { servedSot } from '../../src/api/deps.js';
import { nullLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import type { Orchestrator } from '../../src/lifecycle/orchestrator.js';

let t: TestApi;
const provisioned: { host: string; workflow: string | undefined }[] = [];

before(async () => {
  const orchestrator = {
    requestProvision: async (host: string, o?: { workflow?: string }) => {
      provisioned.push({ host, workflow: o?.workflow });
      return undefined;
    },
  } as unknown as Orchestrator;
  t = await testApi({ files: PLANNER_SOT, deps: { orchestrator } });
});
after(() => t.cleanup());

const bearer = (tok: string) => ({ Authorization: `Bearer ${tok}` });

/** Three inline cloud regions; the customer is in Fort Worth: Dallas is nearest. */
const NEAREST = {
  homing_template_version: '2017-10-10',
  parameters: { lat: 32.75, lon: -97.33 },
  locations: { customer: { latitude: { get_param: 'lat' }, longitude: { get_param: 'lon' } } },
  demands: {
    vG: [
      {
        inventory_provider: 'aai',
        inventory_type: 'cloud',
        candidates: [
          { candidate_id: 'chi', inventory_type: 'cloud', location_id: 'chi', latitude: 41.88, longitude: -87.63 },
          { candidate_id: 'dal', inventory_type: 'cloud', location_id: 'dal', latitude: 32.78, longitude: -96.8 },
          { candidate_id: 'nyc', inventory_type: 'cloud', location_id: 'nyc', latitude: 40.71, longitude: -74.0 },
        ],
      },
    ],
  },
  optimization: { minimize: { sum: [{ distance_between: ['customer', 'vG'] }] } },
};

/** Two hosts of the inventory with at least 64G, in different racks. */
const HOSTS = (reservations: boolean) => ({
  homing_template_version: '2018-02-01',
  demands: { a: [{ inventory_type: 'host' }], b: [{ inventory_type: 'host' }] },
  constraints: {
    big: { type: 'threshold', demands: ['a', 'b'], properties: { evaluate: [{ attribute: 'memory', operator: 'gte', threshold: 64, unit: 'G' }] } },
    apart: { type: 'zone', demands: ['a', 'b'], properties: { qualifier: 'different', category: 'rack' } },
  },
  ...(reservations && { reservations: { service_model: 'corral' } }),
});

async function settle(id: string) {
  await t.app.plans.idle();
  const r = await request(t.app).get(`/v1/plans/${id}`).set(bearer(t.user)).expect(200);
  return r.body.plans[0] as Record<string, unknown>;
}

test('POST /v1/plans: 201 with the plan in `template`, then `done` with the nearest candidate', async () => {
  const r = await request(t.app).post('/v1/plans').set(bearer(t.user)).send({ name: 'nearest', template: NEAREST, transaction_id: 'tx-1' }).expect(201);
  assert.equal(r.body.status, 'template');
  assert.equal(r.body.name, 'nearest');
  assert.match(r.body.id, /^[0-9a-f-]{36}$/);
  const { plan, ...bare } = r.body;
  assert.deepEqual(plan, bare, 'the seed\'s {"plan": {...}} and HAS\'s bare fields say the same');
  assert.match(r.body.links[0].href, new RegExp(`/v1/plans/${r.body.id}$`));
  const p = await settle(r.body.id);
  assert.equal(p.status, 'done');
  assert.equal(p.transaction_id, 'tx-1');
  const rec = (p.recommendations as Record<string, { candidate: { candidate_id: string } }>[])[0]!;
  assert.equal(rec.vG!.candidate.candidate_id, 'dal');
  assert.equal(p.proven_optimal, true);
  assert.equal(p.reserved_hosts, undefined, 'nothing held without reservations');
});

test('YAML template text, limit as num_solution string: recommendations in score order', async () => {
  const yaml = `homing_template_version: 2017-10-10
locations:
  customer: {latitude: 32.75, longitude: -97.33}
demands:
  vG:
    - inventory_type: cloud
      candidates:
        - {candidate_id: chi, inventory_type: cloud, location_id: chi, latitude: 41.88, longitude: -87.63}
        - {candidate_id: dal, inventory_type: cloud, location_id: dal, latitude: 32.78, longitude: -96.8}
        - {candidate_id: nyc, inventory_type: cloud, location_id: nyc, latitude: 40.71, longitude: -74.0}
optimization:
  minimize:
    sum:
      - distance_between: [customer, vG]
`;
  const r = await request(t.app).post('/v1/plans').set(bearer(t.user)).send({ name: 'three', template: yaml, num_solution: '3' }).expect(201);
  const p = await settle(r.body.id);
  assert.equal(p.status, 'done');
  const ids = (p.recommendations as Record<string, { candidate: { candidate_id: string } }>[]).map((x) => x.vG!.candidate.candidate_id);
  assert.deepEqual(ids, ['dal', 'chi', 'nyc']);
  const obj = p.objectives as number[];
  assert.ok(obj[0]! < obj[1]! && obj[1]! < obj[2]!, `objectives ascend: ${obj.join(', ')}`);
});

test('a duplicate YAML key is a 400 in HAS\'s envelope, naming the line', async () => {
  const r = await request(t.app).post('/v1/plans').set(bearer(t.user)).send({ template: 'homing_template_version: 2017-10-10\ndemands: {}\ndemands: {}\n' }).expect(400);
  assert.equal(r.body.title, 'Bad Request');
  assert.equal(r.body.code, 400);
  assert.equal(r.body.error.type, 'HTTPBadRequest');
  assert.match(r.body.explanation, /^Template has a duplicate key on line 3: /);
});

test('a name outside RFC 3986 unreserved characters: 400 with HAS\'s explanation', async () => {
  const r = await request(t.app).post('/v1/plans').set(bearer(t.user)).send({ name: 'pl an', template: NEAREST }).expect(400);
  assert.equal(
    r.body.explanation,
    '-> name -> pl an did not pass validation against callable: plan_name_type (must contain only uppercase and lowercase letters, decimal digits, hyphens, periods, underscores, and tildes [RFC 3986, Section 2.3])',
  );
  assert.equal(r.body.error.message, 'The server could not comply with the request since it is either malformed or otherwise incorrect.');
});

test('a wrong homing_template_version: 201, then status error with HAS\'s message', async () => {
  const r = await request(t.app).post('/v1/plans').set(bearer(t.user)).send({ template: { ...NEAREST, homing_template_version: '2015-01-01' } }).expect(201);
  const p = await settle(r.body.id);
  assert.equal(p.status, 'error');
  assert.match(String(p.message), /must be one of: 2016-11-01, 2017-10-10, 2018-02-01/);
});

test('no candidate survives: `not found` naming the constraint', async () => {
  const tpl = HOSTS(false);
  tpl.constraints.big.properties.evaluate[0]!.threshold = 4096;
  const r = await request(t.app).post('/v1/plans').set(bearer(t.user)).send({ template: tpl }).expect(201);
  const p = await settle(r.body.id);
  assert.equal(p.status, 'not found');
  assert.match(String(p.message), /big/);
});

test('reservations hold the hosts; a second plan gets others; DELETE releases them', async () => {
  const first = await request(t.app).post('/v1/plans').set(bearer(t.user)).send({ name: 'held-1', template: HOSTS(true) }).expect(201);
  const p1 = await settle(first.body.id);
  assert.equal(p1.status, 'done');
  const held1 = p1.reserved_hosts as string[];
  assert.equal(held1.length, 2);
  assert.deepEqual(t.store.list('allocations').map((a) => a.hostId).sort(), [...held1].sort());
  const second = await request(t.app).post('/v1/plans').set(bearer(t.user)).send({ name: 'held-2', template: HOSTS(true) }).expect(201);
  const p2 = await settle(second.body.id);
  assert.equal(p2.status, 'done');
  const held2 = p2.reserved_hosts as string[];
  assert.equal(held2.filter((h) => held1.includes(h)).length, 0, `no host twice: ${held1} / ${held2}`);
  // A role cannot take a reserved host.
  await request(t.app).delete(`/v1/plans/${second.body.id}`).set(bearer(t.user)).expect(204).expect((r) => assert.equal(r.text, ''));
  await request(t.app).delete(`/v1/plans/${first.body.id}`).set(bearer(t.user)).expect(204);
  assert.equal(t.store.list('allocations').length, 0);
  await request(t.app).get(`/v1/plans/${first.body.id}`).set(bearer(t.user)).expect(404);
});

test('HAS errors: unknown plan 404, other methods 405 with Allow, OPTIONS 204, no token 401 without a body', async () => {
  const nf = await request(t.app).get('/v1/plans/00000000-0000-4000-8000-000000000000').set(bearer(t.user)).expect(404);
  assert.equal(nf.body.title, 'Not Found');
  assert.equal(nf.body.error.type, 'HTTPNotFound');
  const m = await request(t.app).put('/v1/plans').set(bearer(t.user)).send({}).expect(405);
  assert.equal(m.body.explanation, 'The PUT method is not allowed.');
  assert.equal(m.body.error.type, 'HTTPMethodNotAllowed');
  assert.match(String(m.headers.allow), /GET/);
  assert.match(String(m.headers.allow), /POST/);
  const o = await request(t.app).options('/v1/plans/abc').expect(204);
  assert.match(String(o.headers.allow), /DELETE/);
  const u = await request(t.app).post('/v1/plans').send({ template: NEAREST }).expect(401);
  assert.equal(u.text, '');
  assert.ok(u.headers['www-authenticate']);
});

test('GET / answers HAS\'s versions document', async () => {
  const r = await request(t.app).get('/').set('Accept', 'application/json').expect(200);
  assert.equal(r.body.versions[0].id, 'v1');
  assert.equal(r.body.versions[0]['media-types'][0].type, 'application/vnd.ecomp.homing-v1+json');
});

test('cluster request: the smallest fitting hosts, spread when asked, held and provisioned with the workflow; too many is a 409 holding nothing', async () => {
  provisioned.length = 0;
  // 64G+ hosts: mid1, mid2, big1 in r1; big2 in r2; mid3 in r3. Spread over racks, the two
  // smallest are mid1 and mid3 (not mid1 and mid2, which share r1).
  const spread = await request(t.app).post('/v1/cluster').set(bearer(t.user)).send({ hosts: 2, min_memory: '64G', workflow: 'rhel', anti_affinity: 'rack' }).expect(201);
  assert.deepEqual((spread.body.hosts as { id: string }[]).map((h) => h.id).sort(), ['mid1', 'mid3']);
  const r = await request(t.app).post('/v1/cluster').set(bearer(t.user)).send({ hosts: 2, min_memory: '64G', min_disk: '500G', workflow: 'rhel' }).expect(201);
  const ids = (r.body.hosts as { id: string }[]).map((h) => h.id).sort();
  assert.deepEqual(ids, ['big1', 'mid2'], 'the smallest free hosts that fit, not the 256G one');
  assert.equal(r.body.status, 'provisioning');
  assert.deepEqual(provisioned.map((p) => p.host).sort(), ['big1', 'mid1', 'mid2', 'mid3']);
  assert.ok(provisioned.every((p) => p.workflow === 'rhel'));
  assert.equal(r.headers.location, `/v1/cluster/${r.body.id}`);
  const before = t.store.list('allocations').length;
  const no = await request(t.app).post('/v1/cluster').set(bearer(t.user)).send({ hosts: 4, min_memory: '64G', workflow: 'rhel' }).expect(409);
  assert.match(no.body.message, /only 1 free host\(s\) meet min_memory \(4 wanted\)/);
  assert.equal(t.store.list('allocations').length, before, 'nothing held by the refused request');
  const role = await request(t.app).put('/v1/hosts/mid1/roles/web').set(bearer(t.admin)).send({}).expect(409);
  assert.match(role.body.message, /held by cluster/);
  const got = await request(t.app).get(`/v1/cluster/${r.body.id}`).set(bearer(t.user)).expect(200);
  assert.equal(got.body.hosts.length, 2);
  await request(t.app).delete(`/v1/cluster/${r.body.id}`).set(bearer(t.user)).expect(200);
  await request(t.app).delete(`/v1/cluster/${spread.body.id}`).set(bearer(t.user)).expect(200);
  assert.equal(t.store.list('allocations').length, 0);
  await request(t.app).post('/v1/cluster').set(bearer(t.user)).send({ hosts: 1, workflow: 'nope' }).expect(400);
  await request(t.app).post('/v1/cluster').send({ hosts: 1, workflow: 'rhel' }).expect(401);
});

test('a plan left mid-way by a restart is worked again from its template', async () => {
  const now = Date.now();
  await t.store.transact((tx) =>
    tx.put('plans', '11111111-2222-4333-8444-555555555555', { id: '11111111-2222-4333-8444-555555555555', name: 'stuck', status: 'solving', createdAt: now, updatedAt: now, template: NEAREST, limit: 1, timeoutMs: 60_000, reserve: false, recommendations: [] }),
  );
  const svc = createPlanService({ store: t.store, clock: systemClock, log: nullLogger, served: () => servedSot({ sot: t.live }), solver: inlineSolver });
  svc.resume();
  await svc.idle();
  const p = svc.get('11111111-2222-4333-8444-555555555555');
  assert.equal(p.status, 'done');
  assert.equal((p.recommendations[0] as Record<string, { candidate: { candidate_id: string } }>).vG!.candidate.candidate_id, 'dal');
});
