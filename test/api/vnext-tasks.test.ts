// vNext server tasks (seed 002) through the routes: the CREATE task follows the machine's
// lifecycle to COMPLETED, ABORTED on failed, TIMED_OUT on the clock; REBUILD, MOVE, TERMINATE
// act through the orchestrator, power actions through the BMC; refusals say why.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { MID, bearer, hostOf, launch, serverWorld, taskIn, type World } from '../servers/world.js';

let w: World;
before(async () => {
  w = await serverWorld();
});
after(() => w.cleanup());

const HOUR = 3_600_000;
const post = (id: string, body: object, token = w.user) => request(w.app).post(`/v1/servers/${id}/tasks`).set(bearer(token)).send(body);
const items = (t: { items: { action: string; state: string }[] }) => t.items.map((i) => `${i.action}:${i.state}`);

/** A server whose CREATE completed (its machine active). */
async function activeServer(name: string, body: Record<string, unknown> = { server_type: MID, image: 'rhel' }) {
  const r = await launch(w, { name, ...body });
  const host = await hostOf(w, r.server.id);
  await w.move(host, 'provisioning', 'power');
  await w.move(host, 'active');
  await taskIn(w, r.task.id, 'COMPLETED');
  return { id: r.server.id, host };
}

/** TERMINATE and wipe, so later tests find the machine free again. */
async function release(id: string, host: string) {
  const t = await post(id, { action: 'TERMINATE' }, w.admin).expect(202);
  await w.move(host, 'reclaiming', 'dhcp');
  await w.move(host, 'inactive');
  await taskIn(w, t.body.id, 'COMPLETED');
}

test('CREATE: RUNNING, items follow the run stages, COMPLETED when the machine is active', async () => {
  const r = await launch(w, { name: 'c1', server_type: 'c8-m16g-d240g', image: 'rhel' });
  const host = await hostOf(w, r.server.id);
  await w.move(host, 'provisioning', 'dhcp');
  const t1 = await taskIn(w, r.task.id, 'RUNNING');
  await w.move(host, 'provisioning', 'installing');
  const mid = await (async () => {
    for (let i = 0; i < 100; i++) {
      const t = (await request(w.app).get(`/v1/server_tasks/${r.task.id}`).set(bearer(w.user))).body;
      if (t.items[2].state === 'RUNNING') return t;
      await new Promise((res) => setTimeout(res, 10));
    }
    throw new Error('SPAWNING never ran');
  })();
  assert.deepEqual(items(mid), ['SCHEDULING:COMPLETED', 'NETWORKING:COMPLETED', 'SPAWNING:RUNNING']);
  assert.ok(t1);
  await w.move(host, 'active');
  const done = await taskIn(w, r.task.id, 'COMPLETED');
  assert.deepEqual(items(done), ['SCHEDULING:COMPLETED', 'NETWORKING:COMPLETED', 'SPAWNING:COMPLETED']);
  assert.ok(done.ended_at);
  const s = await request(w.app).get(`/v1/servers/${r.server.id}`).set(bearer(w.user)).expect(200);
  assert.equal(s.body.virt_state, 'ACTIVE');
  assert.equal(s.body.task, null);
  await release(r.server.id, host);
});

test('CREATE: ABORTED when the machine fails, with the machine\'s error; the server shows ERROR', async () => {
  const r = await launch(w, { name: 'c2', server_type: 'c8-m96g-d960g', image: 'rhel' });
  const host = await hostOf(w, r.server.id);
  await w.move(host, 'provisioning', 'kernel');
  await w.move(host, 'failed', undefined, 'kernel fetch timed out');
  const t = await taskIn(w, r.task.id, 'ABORTED');
  assert.match(t.message ?? '', /failed: kernel fetch timed out/);
  assert.deepEqual(items(t), ['SCHEDULING:COMPLETED', 'NETWORKING:ABORTED', 'SPAWNING:WAITING']);
  const s = await request(w.app).get(`/v1/servers/${r.server.id}`).set(bearer(w.user)).expect(200);
  assert.equal(s.body.virt_state, 'ERROR');
  await release(r.server.id, host);
});

test('CREATE: TIMED_OUT on the clock when the machine never gets there', async () => {
  const r = await launch(w, { name: 'c3', server_type: 'c8-m128g-d1t', image: 'rhel' });
  w.clock.advance(3 * HOUR + 1);
  const t = await taskIn(w, r.task.id, 'TIMED_OUT');
  assert.match(t.message ?? '', /no outcome within 180 min/);
  await release(r.server.id, await hostOf(w, r.server.id));
});

test('REBUILD with another image: waits for the run, then COMPLETED; the server shows the new image', async () => {
  const { id, host } = await activeServer('r1');
  const before = w.provisions.length;
  const r = await post(id, { action: 'REBUILD', image: 'wf' }).expect(202);
  assert.equal(r.headers.location, `/v1/server_tasks/${r.body.id}`);
  assert.deepEqual(w.provisions.slice(before), [{ host, workflow: 'wf' }]);
  await w.move(host, 'active'); // a state from before the run: does not count
  await new Promise((res) => setTimeout(res, 20));
  assert.equal((await taskIn(w, r.body.id, 'RUNNING')).state, 'RUNNING');
  await post(id, { action: 'REBOOT' }).expect(409);
  await w.move(host, 'provisioning', 'installing');
  await w.move(host, 'active');
  await taskIn(w, r.body.id, 'COMPLETED');
  const s = await request(w.app).get(`/v1/servers/${id}`).set(bearer(w.user)).expect(200);
  assert.equal(s.body.image, 'wf');
  await post(id, { action: 'REBUILD', image: 'centos' }).expect(400);
  await post(id, { action: 'REBOOT', image: 'wf' }).expect(400);
  await release(id, host);
});

test('power actions go through the BMC: POWER_OFF -> SHUTDOWN, POWER_ON, REBOOT cycles; no BMC -> ABORTED', async () => {
  const { id, host } = await activeServer('p1');
  const off = await post(id, { action: 'POWER_OFF' }).expect(202);
  await taskIn(w, off.body.id, 'COMPLETED');
  assert.deepEqual(w.powers.at(-1), { host, action: 'off' });
  const s = await request(w.app).head(`/v1/servers/${id}`).set(bearer(w.user)).expect(200);
  assert.equal(s.headers['x-openstack-compute-server-power-state'], 'SHUTDOWN');
  assert.equal(s.headers['x-openstack-compute-server-virt-state'], 'STOPPED');
  await taskIn(w, (await post(id, { action: 'POWER_ON' }).expect(202)).body.id, 'COMPLETED');
  await taskIn(w, (await post(id, { action: 'REBOOT' }).expect(202)).body.id, 'COMPLETED');
  assert.deepEqual(w.powers.slice(-2).map((p) => p.action), ['on', 'cycle']);
  w.manual.add(host);
  const t = await taskIn(w, (await post(id, { action: 'HARD_REBOOT' }).expect(202)).body.id, 'ABORTED');
  assert.match(t.message ?? '', /no BMC Corral can drive/);
  w.manual.delete(host);
  await w.move(host, 'provisioning', 'dhcp');
  assert.match((await post(id, { action: 'POWER_OFF' }).expect(409)).body.message, /would break the run/);
  await w.move(host, 'active');
  await release(id, host);
});

test('MOVE: another free machine of the same type is provisioned; then the server is there and the old one is wiped', async () => {
  const mids = w.store.list('allocations').filter((a) => a.hostId === 'mid1' || a.hostId === 'mid2');
  assert.equal(mids.length, 0);
  const { id, host } = await activeServer('m1');
  const other = host === 'mid1' ? 'mid2' : 'mid1';
  const r = await post(id, { action: 'MOVE' }).expect(202);
  assert.equal(w.provisions.at(-1)!.host, other);
  assert.equal(w.store.list('allocations').filter((a) => a.serverId === id).length, 2, 'both machines held during the move');
  assert.equal(await hostOf(w, id), host, 'the server stays where it is until the move completes');
  await w.move(other, 'provisioning', 'dhcp');
  await w.move(other, 'active');
  const t = await taskIn(w, r.body.id, 'COMPLETED');
  assert.deepEqual(items(t), ['SCHEDULING:COMPLETED', 'MIGRATING:COMPLETED', 'FINALIZING:COMPLETED']);
  assert.equal(await hostOf(w, id), other);
  assert.deepEqual(w.reclaims.at(-1), { host, workflow: 'wipe' });
  assert.equal(w.store.list('allocations').filter((a) => a.serverId === id).length, 1);
  // No other free machine of the type now (the old one is being wiped and held by nobody, but not inactive yet).
  await w.move(host, 'reclaiming');
  assert.match((await post(id, { action: 'MOVE' }).expect(409)).body.message, /no free machine of server type/);
  await w.move(host, 'inactive');
  await release(id, other);
});

test('TERMINATE: wipe, then the hold is released; the server is gone, its tasks stay readable', async () => {
  const { id, host } = await activeServer('t1', { server_type: MID, image: 'rhel' });
  const free = async () => (await request(w.app).get(`/v1/server_types/${MID}`).set(bearer(w.user))).body.free as number;
  const freeBefore = await free();
  const r = await post(id, { action: 'TERMINATE' }).expect(202);
  assert.deepEqual(w.reclaims.at(-1), { host, workflow: 'wipe' });
  await w.move(host, 'reclaiming', 'dhcp');
  const s = await request(w.app).get(`/v1/servers/${id}`).set(bearer(w.user)).expect(200);
  assert.equal(s.body.virt_state, 'TERMINATED');
  await w.move(host, 'inactive');
  const t = await taskIn(w, r.body.id, 'COMPLETED');
  assert.deepEqual(items(t), ['TERMINATING:COMPLETED', 'RELEASING:COMPLETED']);
  await request(w.app).get(`/v1/servers/${id}`).set(bearer(w.user)).expect(404);
  assert.equal(w.store.list('allocations').some((a) => a.hostId === host), false);
  assert.equal(await free(), freeBefore + 1);
  await request(w.app).get(`/v1/server_tasks/${r.body.id}`).set(bearer(w.user)).expect(200);
  await request(w.app).get(`/v1/server_tasks/${r.body.id}`).set(bearer(w.eve)).expect(404);
});

test('TERMINATE supersedes a running task (ABORTED); other actions wait (409)', async () => {
  const r = await launch(w, { name: 'sup', server_type: MID, image: 'rhel' });
  assert.match((await post(r.server.id, { action: 'REBUILD' }).expect(409)).body.message, /CREATE\) running/);
  const term = await post(r.server.id, { action: 'TERMINATE' }).expect(202);
  const create = await taskIn(w, r.task.id, 'ABORTED');
  assert.equal(create.message, 'superseded by TERMINATE');
  const host = w.reclaims.at(-1)!.host;
  await w.move(host, 'reclaiming');
  await w.move(host, 'inactive');
  await taskIn(w, term.body.id, 'COMPLETED');
});

test('actions with no bare-metal meaning: 400 with why; unknown or malformed: 400', async () => {
  const { id } = await activeServer('n1');
  assert.match((await post(id, { action: 'RESTORE' }).expect(400)).body.message, /nothing to restore/);
  assert.match((await post(id, { action: 'RESIZE' }).expect(400)).body.message, /MOVE/);
  assert.match((await post(id, { action: 'SNAPSHOT' }).expect(400)).body.message, /workflows/);
  assert.match((await post(id, { action: 'FLY' }).expect(400)).body.message, /unknown action FLY/);
  await post(id, { action: 'reboot' }).expect(400);
  await post(id, {}).expect(400);
  await post(id, { action: 'REBOOT', force: true }).expect(400);
});

test('ownership: another user can neither act on a server nor read its tasks; an admin can', async () => {
  const { id } = await activeServer('o1', { server_type: 'c8-m16g-d240g', image: 'rhel' });
  await post(id, { action: 'REBOOT' }, w.eve).expect(404);
  await request(w.app).get(`/v1/servers/${id}/tasks`).set(bearer(w.eve)).expect(404);
  const a = await post(id, { action: 'REBOOT' }, w.admin).expect(202);
  assert.equal(a.body.created_by, 'ops');
  const done = await taskIn(w, a.body.id, 'COMPLETED');
  assert.ok(done);
  const mine = await request(w.app).get(`/v1/server_tasks/${a.body.id}`).set(bearer(w.user)).expect(200);
  assert.equal(mine.body.server_id, id, 'the owner sees tasks an admin ran on the server');
});

test('a server\'s tasks: oldest first, paged, filtered by state; a task\'s items', async () => {
  const { id } = await activeServer('h1', { server_type: 'c8-m256g-d2t', image: 'rhel' });
  await taskIn(w, (await post(id, { action: 'POWER_ON' }).expect(202)).body.id, 'COMPLETED');
  const all = await request(w.app).get(`/v1/servers/${id}/tasks`).set(bearer(w.user)).expect(200);
  assert.deepEqual(all.body.tasks.map((t: { action: string }) => t.action), ['CREATE', 'POWER_ON']);
  const p1 = await request(w.app).get(`/v1/servers/${id}/tasks?limit=1`).set(bearer(w.user)).expect(200);
  assert.equal(p1.body.tasks.length, 1);
  assert.ok(p1.body._links.next.href.includes(`marker=${p1.body.tasks[0].id}`));
  const running = await request(w.app).get(`/v1/servers/${id}/tasks?state=RUNNING`).set(bearer(w.user)).expect(200);
  assert.equal(running.body.tasks.length, 0);
  await request(w.app).get(`/v1/servers/${id}/tasks?state=DONE`).set(bearer(w.user)).expect(400);
  const its = await request(w.app).get(`/v1/server_tasks/${all.body.tasks[0].id}/items`).set(bearer(w.user)).expect(200);
  assert.deepEqual(its.body.items.map((i: { action: string }) => i.action), ['SCHEDULING', 'NETWORKING', 'SPAWNING']);
  await request(w.app).get('/v1/server_tasks/00000000-0000-4000-8000-000000000000').set(bearer(w.user)).expect(404);
});

test('without BMC control or an orchestrator: 503', async () => {
  const bare = await serverWorld({ power: false });
  try {
    const r = await launch(bare, { name: 'x', image: 'rhel' });
    const host = (await request(bare.app).get(`/v1/servers/${r.server.id}`).set(bearer(bare.admin))).body._elevated.host;
    await bare.move(host, 'provisioning');
    await bare.move(host, 'active');
    await taskIn(bare, r.task.id, 'COMPLETED');
    assert.match((await request(bare.app).post(`/v1/servers/${r.server.id}/tasks`).set(bearer(bare.user)).send({ action: 'REBOOT' }).expect(503)).body.message, /BMC control/);
  } finally {
    bare.cleanup();
  }
});
