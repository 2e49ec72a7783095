// The API describes itself: the generated OpenAPI 3.1 document is valid (checked by an
// independent validator), every route the app registers is in it, and /docs renders it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { testApi, type TestApi } from './support.js';

let t: TestApi;
before(async () => {
  t = await testApi();
});
after(() => t.cleanup());

test('GET /openapi.json is a valid OpenAPI 3.1 document', async () => {
  const doc = (await request(t.app).get('/openapi.json').expect(200)).body;
  assert.equal(doc.openapi, '3.1.0');
  const res = await new Validator().validate(doc);
  assert.equal(res.valid, true, JSON.stringify(res.errors, null, 2)?.slice(0, 3000));
});

/** Every (method, path) express has a handler for, read from its router. */
function registered(app: TestApi['app']): Set<string> {
  const out = new Set<string>();
  const stack = (app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router.stack;
  for (const layer of stack) {
    if (!layer.route) continue;
    // app.all() layers (the 405 answers) claim every method: not routes of their own.
    if (Object.keys(layer.route.methods).length > 8) continue;
    for (const [m, on] of Object.entries(layer.route.methods)) {
      if (!on || m === '_all' || m === 'options') continue;
      out.add(`${m} ${layer.route.path.replace(/:([A-Za-z_]\w*)/g, '{$1}')}`);
    }
  }
  return out;
}

test('no undocumented route: every registered route is in the document, with its access level', async () => {
  const doc = (await request(t.app).get('/openapi.json').expect(200)).body;
  const documented = new Set<string>();
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { 'x-corral-access': string }>>)) {
    for (const [m, op] of Object.entries(ops)) {
      documented.add(`${m} ${path}`);
      assert.ok(['public', 'read', 'user', 'admin'].includes(op['x-corral-access']), `${m} ${path} access`);
    }
  }
  const reg = registered(t.app);
  assert.ok(reg.size >= 20, `found ${reg.size} routes`);
  for (const r of reg) assert.ok(documented.has(r), `${r} is served but not documented`);
  for (const d of documented) assert.ok(reg.has(d), `${d} is documented but not served`);
  // Mutations are never public except the vmpooler token routes (HTTP Basic).
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { 'x-corral-access': string; security: unknown[] }>>)) {
    for (const [m, op] of Object.entries(ops)) {
      if (m === 'get') continue;
      assert.ok(op['x-corral-access'] !== 'public' || JSON.stringify(op.security).includes('basicAuth'), `${m} ${path} is an unauthenticated mutation`);
    }
  }
});

test('request schemas are documented as they are enforced', async () => {
  const doc = (await request(t.app).get('/openapi.json').expect(200)).body;
  const power = doc.paths['/v1/hosts/{id}/power'].post;
  assert.deepEqual(power.requestBody.content['application/json'].schema.properties.action.enum, ['on', 'off', 'soft', 'cycle', 'reset', 'status']);
  assert.equal(power.requestBody.content['application/json'].schema.additionalProperties, false);
  assert.ok(power.parameters.some((p: { name: string; in: string }) => p.name === 'id' && p.in === 'path'));
  const list = doc.paths['/v1/hosts'].get;
  for (const q of ['limit', 'marker', 'site', 'state', 'label']) assert.ok(list.parameters.some((p: { name: string }) => p.name === q), q);
});

test('/docs is a readable page with every path, and no external resource', async () => {
  const res = await request(t.app).get('/docs').expect(200);
  assert.match(res.headers['content-type'], /text\/html/);
  assert.match(res.text, /\/v1\/hosts\/\{id\}\/power/);
  assert.match(res.text, /\/api\/v1\/token/);
  assert.doesNotMatch(res.text, /<script|https?:\/\/(?!127)/);
  assert.match(res.headers['content-security-policy'], /default-src 'none'/);
});
