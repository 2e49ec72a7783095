// The error catalogue: every ErrorCode has a status in the one table, each family's envelope
// has its seed's shape, every code is raised somewhere in the source (none is dead), and bad
// input of every kind gets its documented status instead of a crash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { STATUS, errorMiddleware } from '../../src/api/errors.js';
import { ApplianceError, type ErrorCode } from '../../src/model/index.js';
import { nullLogger } from '../../src/lib/log.js';
import { testApi, type TestApi } from './support.js';

const CODES = Object.keys(STATUS) as ErrorCode[];

test('every code maps to an HTTP error status, in each family\'s envelope', async () => {
  for (const family of ['operator', 'vmpooler', 'has'] as const) {
    const app = express();
    app.get('/:code', (req, res, next) => {
      res.locals.family = family;
      next(new ApplianceError(req.params.code as ErrorCode, `boom ${req.params.code}`));
    });
    app.use(errorMiddleware(nullLogger));
    for (const code of CODES) {
      const res = await request(app).get(`/${code}`);
      assert.equal(res.status, STATUS[code], code);
      assert.ok(res.status >= 400 && res.status < 600, code);
      if (family === 'operator') assert.deepEqual(res.body, { ok: false, code, message: `boom ${code}` });
      else if (family === 'vmpooler') assert.equal(res.body.ok, false);
      // HAS (seed 004): 401 has no body; every other error {title, explanation, code, error{message, type}}.
      else if (res.status === 401) assert.equal(res.text, '');
      else {
        assert.equal(res.body.code, res.status, code);
        assert.equal(res.body.explanation, code === 'METHOD_NOT_ALLOWED' ? 'The GET method is not allowed.' : `boom ${code}`);
        assert.match(res.body.error.type, /^HTTP[A-Z]/, code);
        assert.ok(res.body.title && res.body.error.message, code);
      }
    }
  }
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('every code is raised somewhere in src/ (no dead entries in the table)', () => {
  const root = new URL('../../src', import.meta.url).pathname;
  // Every source but the two declarations (the ErrorCode union and the status table).
  const text = sources(root)
    .filter((p) => !p.endsWith('model/errors.ts'))
    .map((p) => readFileSync(p, 'utf8').replace(/export const STATUS = \{[\s\S]*?\n\}/, ''))
    .join('\n');
  for (const code of CODES) assert.ok(text.includes(`'${code}'`), `${code} is never raised`);
});

let t: TestApi;
before(async () => {
  t = await testApi();
});
after(() => t.cleanup());

test('bad bodies: malformed JSON, wrong type, unknown field, missing body, wrong media type, too large', async () => {
  const post = (body: string, type = 'application/json') => request(t.app).post('/v1/hosts/h1/power').set('X-AUTH-TOKEN', t.admin).set('Content-Type', type).send(body);
  const malformed = await post('{"action": ').expect(400);
  assert.equal(malformed.body.code, 'BAD_REQUEST');
  assert.match(malformed.body.message, /malformed JSON/);
  const wrongType = await post('{"action": 5}').expect(400);
  assert.equal(wrongType.body.details.field, 'action');
  const unknown = await post('{"action": "on", "force": true}').expect(400);
  assert.match(unknown.body.message, /unknown field "force"/);
  assert.equal(unknown.body.details.field, 'force');
  const missing = await request(t.app).post('/v1/hosts/h1/power').set('X-AUTH-TOKEN', t.admin).expect(400);
  assert.match(missing.body.message, /JSON body is required/);
  await post('action=on', 'application/x-www-form-urlencoded').expect(415);
  const big = await post(JSON.stringify({ action: 'on', pad: 'x'.repeat(400_000) })).expect(413);
  assert.equal(big.body.code, 'PAYLOAD_TOO_LARGE');
  const arr = await post('[1,2]').expect(400);
  assert.equal(arr.body.code, 'BAD_REQUEST');
});

test('bad queries and paths: 400 naming the parameter; unknown ids 404', async () => {
  const q = await request(t.app).get('/v1/hosts?limit=abc').expect(400);
  assert.equal(q.body.details.field, 'limit');
  const unk = await request(t.app).get('/v1/hosts?colour=red').expect(400);
  assert.match(unk.body.message, /unknown field "colour"/);
  await request(t.app).get('/v1/hosts?marker=nope&limit=5').expect(400);
  await request(t.app).get('/v1/hosts/%00x').expect(400);
  const nf = await request(t.app).get('/v1/hosts/zzz').expect(404);
  assert.equal(nf.body.code, 'HOST_NOT_FOUND');
  await request(t.app).post('/v1/hosts/zzz/provision').set('X-AUTH-TOKEN', t.admin).expect(404);
});

test('unknown route 404 in each family envelope; wrong method 405 with Allow; OPTIONS lists methods', async () => {
  const r = await request(t.app).get('/v1/nothing').expect(404);
  assert.equal(r.body.code, 'NOT_FOUND');
  await request(t.app).get('/api/v1/nothing').expect(404, { ok: false });
  const m = await request(t.app).put('/v1/hosts/h1/power').set('X-AUTH-TOKEN', t.admin).expect(405);
  assert.equal(m.body.code, 'METHOD_NOT_ALLOWED');
  assert.match(m.headers.allow, /POST/);
  const d = await request(t.app).delete('/v1/sites').expect(405);
  assert.match(d.headers.allow, /GET, HEAD/);
  const o = await request(t.app).options('/v1/hosts/h1').expect(204);
  assert.match(o.headers.allow, /GET/);
});

test('paging: limit and marker walk the whole list once, with _links.next until the end', async () => {
  const seen: string[] = [];
  let url: string | undefined = '/v1/hosts?limit=1';
  for (let i = 0; url && i < 10; i++) {
    const page: request.Response = await request(t.app).get(url).expect(200);
    seen.push(...page.body.hosts.map((h: { id: string }) => h.id));
    assert.match(page.body._links.self.href, /^\/v1\/hosts/);
    url = page.body._links.next?.href;
  }
  assert.deepEqual(seen, ['h1', 'h2']);
  const filtered = await request(t.app).get('/v1/hosts?limit=10&label=nope=1').expect(200);
  assert.deepEqual(filtered.body.hosts, []);
  await request(t.app).get('/v1/hosts?label=nokey').expect(400);
  assert.equal((await request(t.app).get('/v1/hosts?state=inactive&state=active').expect(200)).body.length, 2);
});

test('a reload of a broken SoT is 422 SOT_INVALID naming file:line, and the last good revision keeps serving', async () => {
  const { writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const good = (await request(t.app).get('/v1/sot').expect(200)).body.revision;
  const bad = join(t.live.current()!.root, 'workflows/bad.yml');
  writeFileSync(bad, 'id: bad\nworkflow: [\n');
  try {
    const res = await request(t.app).post('/v1/sot/reload').set('X-AUTH-TOKEN', t.admin).expect(422);
    assert.equal(res.body.code, 'SOT_INVALID');
    assert.equal(res.body.details.revision, good);
    assert.ok(res.body.details.problems.some((p: { file: string; line: number }) => p.file === 'workflows/bad.yml' && p.line > 0));
    await request(t.app).get('/v1/hosts/h1').expect(200);
  } finally {
    rmSync(bad);
  }
  await request(t.app).post('/v1/sot/reload').set('X-AUTH-TOKEN', t.admin).expect(200);
});
