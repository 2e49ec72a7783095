// resmgr's surface (seed 001) over a real lifecycle and orchestrator: roles and their active
// versions, a role assigned (the host is provisioned with the role's workflow and its role_status
// goes converging -> ok as the lifecycle hears checkpoints; retrying and failed on timeouts),
// removed (wiped back to inactive), conflicts, and what survives a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { POLICY, nextEvent, rolesWorld, type ReopenableWorld, type World } from './roles-world.js';
import { roleTag } from '../../src/roles/assignment.js';

const put = (w: World, path: string, body?: unknown) => {
  const r = request(w.app).put(path).set('X-AUTH-TOKEN', w.admin);
  return body === undefined ? r : r.send(body as object);
};
const del = (w: World, path: string) => request(w.app).delete(path).set('X-AUTH-TOKEN', w.admin);
const getHost = async (w: World, id: string) => (await request(w.app).get(`/v1/hosts/${id}`).expect(200)).body;
const events = async (w: World, id: string, type: string) => (await w.store.events({ subject: id })).filter((e) => e.type === type);

/** The lifecycle hears the host's next checkpoint (the boot's last, unless it declares more). */
const checkpoint = (w: World, id: string, boot: string) => w.lifecycle.report(id, { type: 'checkpoint', boot });

test('GET /v1/roles and /v1/roles/{name}: seed shape with versions; unknown role 404', async () => {
  const w = await rolesWorld();
  try {
    const list = (await request(w.app).get('/v1/roles').expect(200)).body;
    assert.deepEqual(
      list.map((r: { name: string }) => r.name),
      ['db', 'web'],
    );
    const web = (await request(w.app).get('/v1/roles/web').expect(200)).body;
    assert.equal(web.name, 'web');
    assert.equal(web.display_name, 'Web server');
    assert.equal(web.description, 'nginx on Test OS');
    assert.equal(web.active_version, '1.0');
    assert.equal(web.active_version_source, 'sot');
    assert.deepEqual(web.versions, [
      { version: '1.0', workflow: 'wf', description: 'first' },
      { version: '2.0', workflow: 'wf2', description: null },
    ]);
    assert.deepEqual(web.default_settings, { workers: 2 });
    const nf = await request(w.app).get('/v1/roles/nope').expect(404);
    assert.equal(nf.body.code, 'ROLE_NOT_FOUND');
  } finally {
    w.cleanup();
  }
});

test('admin routes: no token 401, a user token 403', async () => {
  const w = await rolesWorld();
  try {
    await request(w.app).put('/v1/hosts/n1/roles/web').expect(401);
    await request(w.app).delete('/v1/hosts/n1/roles/web').expect(401);
    await request(w.app).delete('/v1/hosts/n1').expect(401);
    await request(w.app).put('/v1/roles/web').send({ active_version: '2.0' }).expect(401);
    for (const r of [
      request(w.app).put('/v1/hosts/n1/roles/web'),
      request(w.app).delete('/v1/hosts/n1/roles/web'),
      request(w.app).delete('/v1/hosts/n1'),
      request(w.app).put('/v1/roles/web').send({ active_version: '2.0' }),
    ]) {
      const res = await r.set('X-AUTH-TOKEN', w.user).expect(403);
      assert.equal(res.body.code, 'FORBIDDEN');
    }
    assert.equal((await getHost(w, 'n1')).roles.length, 0, 'nothing was assigned');
  } finally {
    w.cleanup();
  }
});

test('a host without a role is unauthorized: no responding, last_response_time or role_status', async () => {
  const w = await rolesWorld();
  try {
    const h = await getHost(w, 'n1');
    assert.equal(h.id, 'n1');
    assert.equal(h.lifecycle_state, 'inactive', "Corral's lifecycle state stays");
    assert.equal(h.state, 'inactive');
    assert.deepEqual(h.roles, []);
    assert.deepEqual(h.info, { hostname: 'n1.lab.example', os_family: null, arch: 'x86_64', os_info: null });
    assert.ok(!('role_status' in h));
    // n3 declares role web in the SoT, but was never provisioned: not assigned yet.
    assert.deepEqual((await getHost(w, 'n3')).roles, []);
    const list = (await request(w.app).get('/v1/hosts').expect(200)).body;
    assert.ok(list.every((x: { state: string; info: object }) => x.state && x.info));
  } finally {
    w.cleanup();
  }
});

test('PUT role: the host is provisioned with the role workflow; converging -> ok through its checkpoint; same version again is a no-op', async () => {
  const w = await rolesWorld();
  try {
    const res = await put(w, '/v1/hosts/n1/roles/web').expect(200);
    assert.equal(res.body.lifecycle_state, 'provisioning');
    assert.equal(res.body.state, 'activating');
    assert.deepEqual(res.body.roles, ['web']);
    assert.equal(res.body.role_status, 'converging');
    assert.equal(res.body.info.responding, true);
    assert.equal(res.body.info.last_response_time, null);
    assert.deepEqual(w.effects, ['n1:bootPxe', 'n1:power:cycle']);
    const rt = w.store.get('hosts', 'n1')!;
    assert.equal(rt.workflow, 'wf');
    assert.deepEqual(rt.role, { name: 'web', version: '1.0' });
    const started = await events(w, 'n1', 'provision.requested');
    assert.equal(started.length, 1);
    assert.equal(started[0]!.data!.role, 'web');
    assert.equal(started[0]!.data!.role_version, '1.0');

    await w.lifecycle.report('n1', { type: 'dhcp.acked', ip: '10.2.0.11' });
    assert.equal((await getHost(w, 'n1')).role_status, 'converging');
    await checkpoint(w, 'n1', 'b1');
    const done = await getHost(w, 'n1');
    assert.equal(done.lifecycle_state, 'active');
    assert.equal(done.state, 'active');
    assert.equal(done.role_status, 'ok');
    assert.deepEqual(done.info, { hostname: 'n1.lab.example', os_family: 'Linux', arch: 'x86_64', os_info: 'Test OS 1.2 Final', responding: true, last_response_time: null });
    assert.ok(w.store.get('hosts', 'n1')!.appliedFingerprint!.endsWith(`/${roleTag({ name: 'web', version: '1.0' })}`), 'the applied fingerprint names the role version');

    const again = await put(w, '/v1/hosts/n1/roles/web').expect(200);
    assert.equal(again.body.state, 'active');
    assert.equal(again.body.role_status, 'ok');
    assert.equal((await events(w, 'n1', 'provision.requested')).length, 1, 'no second run');
    assert.equal((await events(w, 'n1', 'role.assigned')).length, 1);
  } finally {
    w.cleanup();
  }
});

test('retrying after a timeout, then failed; PUT again re-applies', async () => {
  const w = await rolesWorld();
  try {
    await put(w, '/v1/hosts/n2/roles/db', { max_conn: 10 }).expect(200);
    assert.deepEqual(w.store.get('hosts', 'n2')!.role, { name: 'db', version: '5', settings: { max_conn: 10 } });
    let seen = nextEvent(w.store, (e) => e.subject === 'n2' && e.type === 'timeout');
    w.clock.advance(POLICY.stageTimeoutMs.power);
    await seen;
    const retrying = await getHost(w, 'n2');
    assert.equal(retrying.lifecycle_state, 'provisioning');
    assert.equal(retrying.role_status, 'retrying');
    assert.equal(retrying.info.responding, false, 'nothing heard since the retry began');
    assert.match(retrying.info.last_response_time, /^\d{4}-\d\d-\d\dT/);
    await w.lifecycle.report('n2', { type: 'power.acked', action: 'cycle' });
    assert.equal((await getHost(w, 'n2')).info.responding, true, 'the new attempt answered');
    assert.equal((await getHost(w, 'n2')).role_status, 'retrying');

    seen = nextEvent(w.store, (e) => e.subject === 'n2' && e.type === 'timeout');
    w.clock.advance(POLICY.stageTimeoutMs.dhcp);
    await seen;
    const failed = await getHost(w, 'n2');
    assert.equal(failed.lifecycle_state, 'failed');
    assert.equal(failed.state, 'inactive');
    assert.equal(failed.role_status, 'failed');
    assert.equal(failed.info.responding, false);

    const again = await put(w, '/v1/hosts/n2/roles/db').expect(200);
    assert.equal(again.body.role_status, 'converging');
    assert.deepEqual(w.store.get('hosts', 'n2')!.role!.settings, { max_conn: 10 }, 'settings kept when none are given');
    assert.equal((await events(w, 'n2', 'provision.requested')).length, 2);
  } finally {
    w.cleanup();
  }
});

test('custom settings: a subset of customizable_settings, typed; else 400 and nothing assigned', async () => {
  const w = await rolesWorld();
  try {
    const bad = await put(w, '/v1/hosts/n2/roles/db', { nope: 1 }).expect(400);
    assert.equal(bad.body.code, 'BAD_REQUEST');
    assert.match(bad.body.message, /"nope" is not a customizable setting of role "db" \(it has: max_conn, tags\)/);
    assert.match((await put(w, '/v1/hosts/n2/roles/db', { max_conn: 1000 }).expect(400)).body.message, /at most 100/);
    assert.match((await put(w, '/v1/hosts/n2/roles/db', { tags: 'x' }).expect(400)).body.message, /must be a list/);
    await put(w, '/v1/hosts/n2/roles/db', [1, 2]).expect(400);
    assert.equal(w.store.get('hosts', 'n2')!.role, undefined);
    assert.equal(w.store.get('hosts', 'n2')!.state, 'inactive');
  } finally {
    w.cleanup();
  }
});

test('409 RoleUpdateConflict: converging host, a second role, a role the SoT decides', async () => {
  const w = await rolesWorld();
  try {
    await put(w, '/v1/hosts/n1/roles/web').expect(200);
    const busy = await put(w, '/v1/hosts/n1/roles/web').expect(409);
    assert.equal(busy.body.code, 'CONFLICT');
    assert.match(busy.body.message, /^RoleUpdateConflict: Cannot add role web to host n1 in the current state\. It is provisioning/);
    assert.equal(busy.body.details.reason, 'busy');
    const delBusy = await del(w, '/v1/hosts/n1/roles/web').expect(409);
    assert.match(delBusy.body.message, /^RoleUpdateConflict: Cannot remove role web from host n1 in the current state\./);
    await del(w, '/v1/hosts/n1').expect(409);
    await checkpoint(w, 'n1', 'b1');

    const second = await put(w, '/v1/hosts/n1/roles/db').expect(409);
    assert.match(second.body.message, /^RoleUpdateConflict: Cannot add role db to host n1 in the current state\. It has role web: a bare-metal host runs one operating system/);
    assert.equal(second.body.details.reason, 'one_role');
    const declared = await put(w, '/v1/hosts/n3/roles/db').expect(409);
    assert.match(declared.body.message, /It has role web \(declared in the SoT, sites\/lab\/rack\.yml:\d+\)/);
    const auto = await put(w, '/v1/hosts/a1/roles/web').expect(409);
    assert.equal(auto.body.details.reason, 'sot_decides');
    assert.match(auto.body.message, /Site auto provisions from the SoT \(mode: auto\)/);

    assert.equal((await put(w, '/v1/hosts/zzz/roles/web').expect(404)).body.code, 'HOST_NOT_FOUND');
    assert.equal((await put(w, '/v1/hosts/n2/roles/zzz').expect(404)).body.code, 'ROLE_NOT_FOUND');
    assert.equal(w.store.get('hosts', 'n1')!.role!.name, 'web');
  } finally {
    w.cleanup();
  }
});

test('active version: PUT /v1/roles sets it; hosts keep theirs until the role is put again (upgrade re-provisions)', async () => {
  const w = await rolesWorld();
  try {
    await put(w, '/v1/hosts/n1/roles/web').expect(200);
    await checkpoint(w, 'n1', 'b1');
    await put(w, '/v1/roles/web', { active_version: '9.9' }).expect(400);
    await put(w, '/v1/roles/nope', { active_version: '1.0' }).expect(404);
    const role = await put(w, '/v1/roles/web', { active_version: '2.0' }).expect(200);
    assert.equal(role.body.active_version, '2.0');
    assert.equal(role.body.active_version_source, 'api');
    assert.equal((await getHost(w, 'n1')).role_status, 'ok', 'the host keeps 1.0 until the role is re-applied');
    assert.equal(w.store.get('hosts', 'n1')!.role!.version, '1.0');

    const up = await put(w, '/v1/hosts/n1/roles/web').expect(200);
    assert.equal(up.body.lifecycle_state, 'provisioning');
    assert.equal(up.body.role_status, 'converging');
    const rt = w.store.get('hosts', 'n1')!;
    assert.deepEqual(rt.role, { name: 'web', version: '2.0' });
    assert.equal(rt.workflow, 'wf2');
    const assigned = await events(w, 'n1', 'role.assigned');
    assert.equal(assigned.at(-1)!.data!.previous_version, '1.0');
    await checkpoint(w, 'n1', 'b1');
    assert.equal((await getHost(w, 'n1')).role_status, 'converging', 'second boot of wf2');
    await checkpoint(w, 'n1', 'b2');
    assert.equal((await getHost(w, 'n1')).role_status, 'converging', 'b2 declares 2 checkpoints');
    await checkpoint(w, 'n1', 'b2');
    assert.equal((await getHost(w, 'n1')).role_status, 'ok');

    // Back to the SoT's own version: the override is dropped.
    const back = await put(w, '/v1/roles/web', { active_version: '1.0' }).expect(200);
    assert.equal(back.body.active_version_source, 'sot');
    assert.deepEqual(w.store.get('meta', 'role-versions'), {});
  } finally {
    w.cleanup();
  }
});

test('DELETE role: an installed host is wiped back to inactive; a role it lacks is a 200 no-op; unknown host 404', async () => {
  const w = await rolesWorld();
  try {
    await put(w, '/v1/hosts/n1/roles/web').expect(200);
    await checkpoint(w, 'n1', 'b1');
    const none = await del(w, '/v1/hosts/n1/roles/db').expect(200);
    assert.deepEqual(none.body.roles, ['web']);
    await del(w, '/v1/hosts/zzz/roles/web').expect(404);

    const res = await del(w, '/v1/hosts/n1/roles/web').expect(200);
    assert.equal(res.body.lifecycle_state, 'reclaiming');
    assert.equal(res.body.state, 'activating');
    assert.deepEqual(res.body.roles, []);
    assert.ok(!('role_status' in res.body) && !('responding' in res.body.info));
    assert.equal(w.store.get('hosts', 'n1')!.workflow, 'wipe');
    await checkpoint(w, 'n1', 'bw');
    const after = await getHost(w, 'n1');
    assert.equal(after.lifecycle_state, 'inactive');
    assert.equal(after.state, 'inactive');
    assert.equal(after.info.os_info, null);
    assert.equal((await events(w, 'n1', 'role.removed')).length, 1);

    // A role the SoT declares is the SoT's.
    const sot = await del(w, '/v1/hosts/n3/roles/web').expect(409);
    assert.equal(sot.body.details.reason, 'declared_in_sot');
  } finally {
    w.cleanup();
  }
});

test('DELETE /v1/hosts/{id}: inactive is a no-op; active is wiped; a role never applied is only forgotten', async () => {
  const w = await rolesWorld({ stormLimit: 0 });
  try {
    const noop = await del(w, '/v1/hosts/n4').expect(200);
    assert.equal(noop.body.state, 'inactive');
    assert.equal((await events(w, 'n4', 'role.removed')).length, 0);

    // The storm limit holds n2's run back: the role is assigned, converging, not started.
    const queued = await put(w, '/v1/hosts/n2/roles/db').expect(200);
    assert.equal(queued.body.state, 'inactive');
    assert.equal(queued.body.role_status, 'converging');
    assert.match(w.orchestrator.waiting().get('n2')!, /boot storm limit 0/);
    const forgot = await del(w, '/v1/hosts/n2').expect(200);
    assert.deepEqual(forgot.body.roles, []);
    assert.equal(forgot.body.state, 'inactive', 'nothing installed: nothing to wipe');
    assert.equal(w.store.get('hosts', 'n2')!.role, undefined);
  } finally {
    w.cleanup();
  }
  const v = await rolesWorld();
  try {
    // n3 declares web in the SoT: PUT re-applies it; DELETE host wipes it.
    const r = await put(v, '/v1/hosts/n3/roles/web').expect(200);
    assert.equal(r.body.lifecycle_state, 'provisioning');
    assert.equal(v.store.get('hosts', 'n3')!.role, undefined, 'the SoT keeps the declaration');
    await checkpoint(v, 'n3', 'b1');
    assert.deepEqual((await getHost(v, 'n3')).roles, ['web']);
    assert.equal((await getHost(v, 'n3')).role_status, 'ok');
    assert.equal((await put(v, '/v1/hosts/n3/roles/web').expect(200)).body.state, 'active', 'applied at the active version: no-op');
    const gone = await del(v, '/v1/hosts/n3').expect(200);
    assert.equal(gone.body.lifecycle_state, 'reclaiming');
    await checkpoint(v, 'n3', 'bw');
    const after = await getHost(v, 'n3');
    assert.equal(after.state, 'inactive');
    assert.deepEqual(after.roles, []);
  } finally {
    v.cleanup();
  }
});

test('restart: assignments, applied versions and active-version overrides persist; a queued assignment starts', async () => {
  let w: ReopenableWorld = await rolesWorld({ stormLimit: 0 });
  try {
    await put(w, '/v1/roles/web', { active_version: '2.0' }).expect(200);
    await put(w, '/v1/hosts/n2/roles/db').expect(200);
    assert.equal(w.store.get('hosts', 'n2')!.state, 'inactive', 'held back by the storm limit');

    w = await w.reopen();
    assert.equal((await request(w.app).get('/v1/roles/web').expect(200)).body.active_version, '2.0');
    await w.orchestrator.reconcile();
    assert.equal(w.store.get('hosts', 'n2')!.state, 'provisioning', 'the stored assignment is a standing request');
    const started = await events(w, 'n2', 'provision.requested');
    assert.match(String(started[0]!.data!.reason), /role db 5 assigned/);
    await checkpoint(w, 'n2', 'b1');

    w = await w.reopen();
    const h = await getHost(w, 'n2');
    assert.equal(h.role_status, 'ok');
    assert.deepEqual(h.roles, ['db']);
    await put(w, '/v1/hosts/n2/roles/db').expect(200);
    assert.equal(w.store.get('hosts', 'n2')!.state, 'active', 'same version after a restart: no-op');
    assert.equal((await events(w, 'n2', 'provision.requested')).length, 1);
    // A host given web now gets the active version set before the restart.
    await put(w, '/v1/hosts/n1/roles/web').expect(200);
    assert.equal(w.store.get('hosts', 'n1')!.workflow, 'wf2');
  } finally {
    w.cleanup();
  }
});
