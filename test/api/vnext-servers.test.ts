// vNext server types and servers (seed 002) through the routes: hardware classes with free
// counts, launching through the planner (202 + task), all-or-nothing holds, per-project lists
// with paging, ownership (404 for what is not the caller's), HEAD state headers, PATCH, console.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { BIG, MID, bearer, hostOf, launch, serverWorld, type World } from '../servers/world.js';
import { createApi } from '../../src/api/app.js';
import { nullLogger } from '../../src/lib/log.js';

let w: World;
before(async () => {
  w = await serverWorld();
});
after(() => w.cleanup());

const types = async () => (await request(w.app).get('/v1/server_types').set(bearer(w.user)).expect(200)).body.server_types as { id: string; free: number; hosts: number; spec: Record<string, number> }[];
const holds = () => w.store.list('allocations').length;

test('GET /v1/server_types: one type per hardware class, smallest first, with free counts', async () => {
  const all = await types();
  assert.deepEqual(
    all.map((t) => t.id),
    ['c8-m16g-d240g', MID, 'c8-m96g-d960g', 'c8-m128g-d1t', BIG],
  );
  const mid = all.find((t) => t.id === MID)!;
  assert.equal(mid.hosts, 2);
  assert.equal(mid.free, 2);
  assert.deepEqual(mid.spec, { cpu_units: 8, memory_mb: 65536, root_disk_gb: 500 });
  const one = await request(w.app).get(`/v1/server_types/${MID}`).set(bearer(w.user)).expect(200);
  assert.equal(one.body.id, MID);
  await request(w.app).get('/v1/server_types/c1-m1g-d1g').set(bearer(w.user)).expect(404);
  await request(w.app).get('/v1/server_types').expect(401);
});

test('server types page with limit/marker and _links.next', async () => {
  const p1 = await request(w.app).get('/v1/server_types?limit=2').set(bearer(w.user)).expect(200);
  assert.equal(p1.body.server_types.length, 2);
  assert.equal(p1.body._links.next.href, `/v1/server_types?limit=2&marker=${MID}`);
  const p2 = await request(w.app).get(p1.body._links.next.href).set(bearer(w.user)).expect(200);
  assert.equal(p2.body.server_types[0].id, 'c8-m96g-d960g');
  await request(w.app).get('/v1/server_types?marker=nope').set(bearer(w.user)).expect(400);
});

test('POST /v1/projects/{p}/servers: 202 with the server and its CREATE task; the machine is held and provisioned', async () => {
  const before = w.provisions.length;
  const r = await request(w.app).post('/v1/projects/web/servers').set(bearer(w.user)).send({ name: 'web-1', server_type: MID, image: 'rhel', tags: ['tier=front', 'canary'], properties: { owner: 'team-a' } }).expect(202);
  assert.equal(r.headers.location, `/v1/server_tasks/${r.body.task.id}`);
  const s = r.body.server;
  assert.match(s.id, /^[0-9a-f-]{36}$/);
  assert.equal(s.name, 'web-1');
  assert.equal(s.project_id, 'web');
  assert.equal(s.launched_by, 'dev');
  assert.equal(s.server_type_id, MID);
  assert.equal(s.image, 'rhel');
  assert.deepEqual(s.tags, ['tier=front', 'canary']);
  assert.deepEqual(s.properties, { owner: 'team-a' });
  assert.equal(s.virt_state, 'BUILDING');
  assert.equal(s._elevated, undefined, 'users do not see the machine');
  assert.equal(r.body.task.action, 'CREATE');
  assert.equal(r.body.task.state, 'RUNNING');
  assert.deepEqual(r.body.task.items.map((i: { action: string; state: string }) => `${i.action}:${i.state}`), ['SCHEDULING:COMPLETED', 'NETWORKING:WAITING', 'SPAWNING:WAITING']);
  const host = await hostOf(w, s.id);
  assert.ok(['mid1', 'mid2'].includes(host));
  assert.deepEqual(w.provisions.slice(before), [{ host, workflow: 'rhel' }]);
  assert.equal((await types()).find((t) => t.id === MID)!.free, 1);
});

test('sizes instead of a type: the smallest machine that fits is taken', async () => {
  const r = await launch(w, { name: 'db-1', min_memory: '100G', min_disk: '1T', workflow: 'rhel' });
  assert.equal(await hostOf(w, r.server.id), 'big1');
  assert.equal(r.server.server_type_id, 'c8-m128g-d1t');
});

test('not enough machines: 409 with the reason, nothing held, no task', async () => {
  await launch(w, { name: 'web-2', server_type: MID, image: 'rhel' });
  const [h, t] = [holds(), w.store.count('tasks')];
  const r = await request(w.app).post('/v1/projects/web/servers').set(bearer(w.user)).send({ name: 'web-3', server_type: MID, image: 'rhel' }).expect(409);
  assert.equal(r.body.code, 'CONFLICT');
  assert.match(r.body.message, /no free machine of server type c8-m64g-d500g/);
  assert.equal(holds(), h);
  assert.equal(w.store.count('tasks'), t);
  const big = await request(w.app).post('/v1/projects/web/servers').set(bearer(w.user)).send({ name: 'huge', min_memory: '1T', image: 'rhel' }).expect(409);
  assert.match(big.body.message, /meeting min_memory\/min_disk/);
});

test('two launches racing for the last machine of a type: one 202, one 409, one hold', async () => {
  const send = (name: string) => request(w.app).post('/v1/projects/race/servers').set(bearer(w.user)).send({ name, server_type: BIG, image: 'rhel' });
  const codes = (await Promise.all([send('a'), send('b')])).map((r) => r.status).sort();
  assert.deepEqual(codes, [202, 409]);
  assert.equal(w.store.list('allocations').filter((a) => a.hostId === 'big2').length, 1);
});

test('provisioning refused after the hold: the hold and the task are undone, the refusal is the answer', async () => {
  w.refuse.add('mid3');
  const [h, t] = [holds(), w.store.count('tasks')];
  const r = await request(w.app).post('/v1/projects/web/servers').set(bearer(w.user)).send({ name: 'mid', server_type: 'c8-m96g-d960g', image: 'rhel' }).expect(409);
  assert.match(r.body.message, /maintenance/);
  assert.equal(holds(), h);
  assert.equal(w.store.count('tasks'), t);
  w.refuse.delete('mid3');
});

test('bad bodies: 400 naming the field', async () => {
  const post = (body: unknown) => request(w.app).post('/v1/projects/web/servers').set(bearer(w.user)).send(body as object);
  assert.match((await post({ name: 'x', server_type: MID }).expect(400)).body.message, /image is required/);
  assert.match((await post({ name: 'x', image: 'centos' }).expect(400)).body.message, /not a workflow of the SoT/);
  assert.match((await post({ name: 'x', image: 'rhel', workflow: 'wipe' }).expect(400)).body.message, /give one/);
  assert.match((await post({ name: 'x', image: 'rhel', server_type: 'c2-m2g-d2g' }).expect(400)).body.message, /not a hardware class/);
  assert.match((await post({ name: 'x', image: 'rhel', min_memory: 'lots' }).expect(400)).body.message, /min_memory/);
  await post({ name: '-bad-', image: 'rhel' }).expect(400);
  await post({ name: 'x', image: 'rhel', flavor: 'm1.small' }).expect(400);
  await post({ name: 'x', image: 'rhel', tags: ['two words'] }).expect(400);
  await request(w.app).post('/v1/projects/no%20spaces/servers').set(bearer(w.user)).send({ name: 'x', image: 'rhel' }).expect(400);
  await request(w.app).post('/v1/projects/web/servers').send({ name: 'x', image: 'rhel' }).expect(401);
});

test('a name is unique in its project (409), not across projects', async () => {
  const r = await request(w.app).post('/v1/projects/web/servers').set(bearer(w.user)).send({ name: 'web-1', image: 'rhel' }).expect(409);
  assert.match(r.body.message, /already has a server named web-1/);
});

test('lists per project: the caller\'s own servers; an admin sees everyone\'s; paged', async () => {
  const mine = await request(w.app).get('/v1/projects/web/servers').set(bearer(w.user)).expect(200);
  const names = mine.body.servers.map((s: { name: string }) => s.name);
  assert.deepEqual(names, ['web-1', 'db-1', 'web-2']);
  assert.equal(mine.body._links.self.href, '/v1/projects/web/servers');
  assert.equal((await request(w.app).get('/v1/projects/web/servers').set(bearer(w.eve)).expect(200)).body.servers.length, 0);
  assert.equal((await request(w.app).get('/v1/projects/web/servers').set(bearer(w.admin)).expect(200)).body.servers.length, 3);
  const p1 = await request(w.app).get('/v1/projects/web/servers?limit=2').set(bearer(w.user)).expect(200);
  assert.equal(p1.body.servers.length, 2);
  const p2 = await request(w.app).get(p1.body._links.next.href).set(bearer(w.user)).expect(200);
  assert.deepEqual(p2.body.servers.map((s: { name: string }) => s.name), ['web-2']);
  assert.equal(p2.body._links.next, undefined);
  const all = await request(w.app).get('/v1/servers?project=race').set(bearer(w.user)).expect(200);
  assert.equal(all.body.servers.length, 1);
});

test('GET/HEAD /v1/servers/{id}: the owner and admins; others get 404; state headers', async () => {
  const id = (await request(w.app).get('/v1/projects/web/servers').set(bearer(w.user))).body.servers[0].id;
  const r = await request(w.app).get(`/v1/servers/${id}`).set(bearer(w.user)).expect(200);
  assert.equal(r.headers['x-openstack-compute-server-virt-state'], 'BUILDING');
  assert.equal(r.headers['x-openstack-compute-server-power-state'], r.body.power_state);
  const head = await request(w.app).head(`/v1/servers/${id}`).set(bearer(w.user)).expect(200);
  assert.equal(head.headers['x-openstack-compute-server-virt-state'], 'BUILDING');
  assert.equal(head.headers['x-corral-lifecycle-state'], 'inactive');
  await request(w.app).get(`/v1/servers/${id}`).set(bearer(w.eve)).expect(404);
  await request(w.app).head(`/v1/servers/${id}`).set(bearer(w.eve)).expect(404);
  await request(w.app).get('/v1/servers/00000000-0000-4000-8000-000000000000').set(bearer(w.user)).expect(404);
  await request(w.app).get('/v1/servers/not-a-uuid').set(bearer(w.user)).expect(400);
});

test('PATCH /v1/servers/{id}: name, tags, properties; the name stays unique; others 404', async () => {
  const list = (await request(w.app).get('/v1/projects/web/servers').set(bearer(w.user))).body.servers;
  const id = list[0].id;
  const r = await request(w.app).patch(`/v1/servers/${id}`).set(bearer(w.user)).send({ name: 'web-01', tags: ['tier=back'], properties: {} }).expect(200);
  assert.equal(r.body.name, 'web-01');
  assert.deepEqual(r.body.tags, ['tier=back']);
  assert.deepEqual(r.body.properties, {});
  await request(w.app).patch(`/v1/servers/${id}`).set(bearer(w.user)).send({ name: 'web-2' }).expect(409);
  await request(w.app).patch(`/v1/servers/${id}`).set(bearer(w.user)).send({ image: 'wipe' }).expect(400);
  await request(w.app).patch(`/v1/servers/${id}`).set(bearer(w.eve)).send({ name: 'mine' }).expect(404);
  const admin = await request(w.app).patch(`/v1/servers/${id}`).set(bearer(w.admin)).send({ tags: [] }).expect(200);
  assert.deepEqual(admin.body.tags, []);
});

test('console_log: the machine\'s journal since the launch when no console is captured; the capture when there is', async () => {
  const id = (await request(w.app).get('/v1/projects/web/servers').set(bearer(w.user))).body.servers[0].id;
  const host = await hostOf(w, id);
  await w.move(host, 'provisioning', 'dhcp');
  const r = await request(w.app).get(`/v1/servers/${id}/console_log?lines=1`).set(bearer(w.user)).expect(200);
  assert.equal(r.headers['x-console-source'], 'journal');
  assert.match(r.headers['content-type'] ?? '', /text\/plain/);
  assert.match(r.text, /test\.moved new_state=provisioning new_stage=dhcp\n$/);
  await request(w.app).get(`/v1/servers/${id}/console_log`).set(bearer(w.eve)).expect(404);
  const dir = mkdtempSync(join(tmpdir(), 'corral-console-'));
  try {
    writeFileSync(join(dir, `${host}.log`), 'BIOS\r\nPXE\r\nanaconda\r\n');
    const app = createApi({ sot: w.live, store: w.store, clock: w.clock, log: nullLogger, version: 'test', auth: w.app.auth, consoleDir: dir });
    const c = await request(app).get(`/v1/servers/${id}/console_log?lines=2`).set(bearer(w.user)).expect(200);
    assert.equal(c.headers['x-console-source'], 'console');
    assert.equal(c.text, 'PXE\nanaconda\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
