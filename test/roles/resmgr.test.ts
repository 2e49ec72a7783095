// The pure resmgr derivations (seed 001): state, roles, role_status, responding, os info; role
// assignments (tags, pending runs, the workflow they decide), settings checks, active versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Host, HostRuntime, LifecycleState, Role, Sot } from '../../src/model/index.js';
import { hostRoles, osInfo, resmgrHostFields, resmgrState, responding, roleStatus } from '../../src/roles/resmgr.js';
import { canonicalJson, desiredWorkflow, fingerprintIsFor, roleApplied, roleRunPending, roleTag } from '../../src/roles/assignment.js';
import { mergeSettings } from '../../src/roles/settings.js';
import { activeVersionFn, effectiveActiveVersion, withOverride } from '../../src/roles/versions.js';
import { desiredFingerprint } from '../../src/lifecycle/fingerprint.js';
import { sotOfHost } from '../../src/sot/owner.js';
import { loadFiles } from '../sot/helpers.js';
import { ROLES_SOT } from '../api/roles-world.js';

const rt = (over: Partial<HostRuntime> = {}): HostRuntime => ({ id: 'h', state: 'inactive', bootIndex: 0, checkpoint: 0, power: 'unknown', attempts: 0, since: 0, updatedAt: 5_000, ...over });
const WEB = { name: 'web', version: '1.0' };
const tagged = (a: { name: string; version: string; settings?: Record<string, unknown> }) => `0123456789abcdef/${roleTag(a)}`;

const rolesSot = () => loadFiles(ROLES_SOT);

test('resmgr state: activating in a run, active when installed, inactive otherwise', () => {
  const table: [LifecycleState | undefined, string][] = [
    [undefined, 'inactive'],
    ['inactive', 'inactive'],
    ['discovered', 'inactive'],
    ['failed', 'inactive'],
    ['maintenance', 'inactive'],
    ['provisioning', 'activating'],
    ['reclaiming', 'activating'],
    ['active', 'active'],
  ];
  for (const [state, want] of table) assert.equal(resmgrState(state), want, String(state));
});

test('role_status from the lifecycle', () => {
  const table: [string, HostRuntime, string][] = [
    ['first attempt', rt({ state: 'provisioning', stage: 'dhcp', role: WEB }), 'converging'],
    ['a boot retried', rt({ state: 'provisioning', stage: 'dhcp', attempts: 1, role: WEB }), 'retrying'],
    ['being wiped', rt({ state: 'reclaiming', stage: 'power' }), 'converging'],
    ['gave up', rt({ state: 'failed', role: WEB, desiredFingerprint: tagged(WEB) }), 'failed'],
    ['installed with it', rt({ state: 'active', role: WEB, desiredFingerprint: tagged(WEB), appliedFingerprint: tagged(WEB) }), 'ok'],
    ['installed, a new role waiting to start', rt({ state: 'active', role: { name: 'db', version: '5' }, desiredFingerprint: tagged(WEB), appliedFingerprint: tagged(WEB) }), 'converging'],
    ['assigned, waiting to start', rt({ role: WEB }), 'converging'],
    ['in maintenance, installed', rt({ state: 'maintenance', role: WEB, desiredFingerprint: tagged(WEB), appliedFingerprint: tagged(WEB) }), 'ok'],
    ['SoT role, active', rt({ state: 'active', appliedFingerprint: 'x', desiredFingerprint: 'x' }), 'ok'],
  ];
  for (const [name, r, want] of table) assert.equal(roleStatus(r), want, name);
});

test('responding: false once failed, or while a retried boot has not been heard from', () => {
  assert.equal(responding(undefined), true);
  assert.equal(responding(rt({ state: 'active' })), true);
  assert.equal(responding(rt({ state: 'provisioning', stage: 'power' })), true, 'first attempt: waiting for the BMC, not yet late');
  assert.equal(responding(rt({ state: 'provisioning', stage: 'power', attempts: 1 })), false);
  assert.equal(responding(rt({ state: 'provisioning', stage: 'kernel', attempts: 1 })), true, 'the retry was answered');
  assert.equal(responding(rt({ state: 'failed' })), false);
});

test('roles: the API role, else the SoT role once Corral runs it; none for a discovered machine', async () => {
  const sot = await rolesSot();
  const n1 = sot.hosts.find((h) => h.id === 'n1')!;
  const n3 = sot.hosts.find((h) => h.id === 'n3')!;
  assert.deepEqual(hostRoles(n1, undefined), []);
  assert.deepEqual(hostRoles(n1, rt({ role: WEB })), ['web']);
  assert.deepEqual(hostRoles(n3, rt()), [], 'declared, never provisioned: unauthorized');
  assert.deepEqual(hostRoles(n3, rt({ state: 'provisioning' })), ['web']);
  assert.deepEqual(hostRoles(n3, rt({ state: 'failed' })), ['web']);
  assert.deepEqual(hostRoles(undefined, rt({ state: 'discovered' })), []);
});

test('host fields: unauthorized hosts omit responding, last_response_time and role_status; os from the workflow run', async () => {
  const sot = await rolesSot();
  const n1 = sot.hosts.find((h) => h.id === 'n1')!;
  assert.equal(sotOfHost(n1), sot, 'loadSot adopts its hosts');
  const bare = resmgrHostFields(n1, rt(), sot);
  assert.deepEqual(bare, { state: 'inactive', info: { hostname: 'n1.lab.example', os_family: null, arch: 'x86_64', os_info: null }, roles: [] });
  const failed = resmgrHostFields(n1, rt({ state: 'failed', workflow: 'wf2', role: WEB, updatedAt: Date.UTC(2025, 0, 2) }), sot);
  assert.deepEqual(failed, {
    state: 'inactive',
    info: { hostname: 'n1.lab.example', os_family: 'Linux', arch: 'x86_64', os_info: 'Test OS 1.2 Final', responding: false, last_response_time: '2025-01-02T00:00:00.000Z' },
    roles: ['web'],
    role_status: 'failed',
  });
  const n2 = sot.hosts.find((h) => h.id === 'n2')!;
  assert.equal(resmgrHostFields(n2, rt(), sot).info.hostname, 'n2', 'no interface hostname: the host name');
  const disc = resmgrHostFields(undefined, rt({ id: 'mac-52', state: 'discovered', workflow: 'wf' }), undefined);
  assert.deepEqual(disc, { state: 'inactive', info: { hostname: 'mac-52', os_family: null, arch: null, os_info: null }, roles: [] });
});

test('os_info joins name, version and release, skipping what is missing', () => {
  const os = { id: 'c', name: 'centos', majorVersion: '6', minorVersion: '4', releaseName: 'Final', kernel: '', initrd: [], cmdline: [], raw: {} };
  assert.equal(osInfo(os), 'centos 6.4 Final');
  assert.equal(osInfo({ ...os, minorVersion: undefined, releaseName: undefined }), 'centos 6');
  assert.equal(osInfo({ ...os, majorVersion: undefined, minorVersion: undefined, releaseName: undefined }), 'centos');
});

test('assignments: tags ignore key order, name the settings; pending until a run for them starts', () => {
  assert.equal(roleTag({ name: 'db', version: '5', settings: { a: 1, b: { y: 2, x: 1 } } }), roleTag({ name: 'db', version: '5', settings: { b: { x: 1, y: 2 }, a: 1 } }));
  assert.notEqual(roleTag({ name: 'db', version: '5', settings: { a: 1 } }), roleTag({ name: 'db', version: '5', settings: { a: 2 } }));
  assert.notEqual(roleTag(WEB), roleTag({ name: 'web', version: '2.0' }));
  assert.equal(canonicalJson({ b: [1, { d: 1, c: 2 }], a: undefined }), '{"b":[1,{"c":2,"d":1}]}');
  assert.equal(fingerprintIsFor(tagged(WEB), WEB), true);
  assert.equal(fingerprintIsFor('0123456789abcdef', WEB), false);
  assert.equal(roleRunPending(rt({ role: WEB })), true);
  assert.equal(roleRunPending(rt({ role: WEB, desiredFingerprint: tagged(WEB) })), false, 'a run for it started (then was wiped, say)');
  assert.equal(roleRunPending(rt({ state: 'active', role: WEB, desiredFingerprint: tagged({ name: 'web', version: '0.9' }) })), true, 'an upgrade waiting');
  assert.equal(roleRunPending(rt({ state: 'failed', role: WEB })), false, 'a failed host is not retried by itself');
  assert.equal(roleRunPending(rt({ state: 'maintenance', role: WEB })), false);
  assert.equal(roleRunPending(rt({ state: 'provisioning', role: WEB })), false);
  assert.equal(roleRunPending(rt()), false);
  assert.equal(roleApplied(rt({ state: 'active', role: WEB, appliedFingerprint: tagged(WEB) })), true);
  assert.equal(roleApplied(rt({ state: 'active', role: { ...WEB, settings: { workers: 3 } }, appliedFingerprint: tagged(WEB) })), false, 'new settings re-apply');
});

test('the workflow a host runs: its API role, else the SoT; fingerprints unchanged for hosts without one', async () => {
  const sot = await rolesSot();
  const byId = (id: string) => sot.hosts.find((h) => h.id === id)!;
  assert.equal(desiredWorkflow(sot, byId('n1')), undefined);
  assert.equal(desiredWorkflow(sot, byId('n1'), { name: 'web', version: '2.0' })!.id, 'wf2');
  assert.equal(desiredWorkflow(sot, byId('n4'), { name: 'web', version: '2.0' })!.id, 'wf2', 'an API role wins over the SoT workflow');
  assert.equal(desiredWorkflow(sot, byId('n4'))!.id, 'wf');
  assert.equal(desiredWorkflow(sot, byId('n3'))!.id, 'wf', 'SoT role at its active version');
  const web = sot.roles.find((r) => r.name === 'web')!;
  const override = activeVersionFn({ web: { version: '2.0', sotVersion: '1.0', at: 0 } });
  assert.equal(override(web), '2.0');
  assert.equal(desiredWorkflow(sot, byId('n3'), undefined, override)!.id, 'wf2');
  assert.equal(desiredWorkflow(sot, byId('n1'), { name: 'web', version: '7' }), undefined, 'a version the SoT lost');

  const n4 = byId('n4');
  const plain = desiredFingerprint(sot, n4)!;
  assert.match(plain, /^[0-9a-f]{16}$/, 'no tag without an API role');
  const withRole = desiredFingerprint(sot, n4, { assignment: WEB })!;
  assert.ok(fingerprintIsFor(withRole, WEB));
  assert.notEqual(desiredFingerprint(sot, byId('n3')), desiredFingerprint(sot, byId('n3'), { activeVersion: override }), 'the active version is part of a SoT role host\'s fingerprint');
});

test('custom settings: keys of customizable_settings, checked by declared type, merged over the previous ones', () => {
  const role = { name: 'db', customizableSettings: { max_conn: { type: 'integer', min: 1, max: 100 }, tags: { type: 'list' }, mem: { type: 'size' }, free: 'anything', on: { type: 'boolean' } } } as unknown as Role;
  assert.deepEqual(mergeSettings(role, { max_conn: 5 }, { tags: ['a'] }), { tags: ['a'], max_conn: 5 });
  assert.deepEqual(mergeSettings(role, { free: { any: 1 }, mem: '4G', on: false }, undefined), { free: { any: 1 }, mem: '4G', on: false });
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ nope: 1 }, /"nope" is not a customizable setting of role "db"/],
    [{ max_conn: 0 }, /at least 1/],
    [{ max_conn: 2.5 }, /integer/],
    [{ max_conn: '5' }, /integer/],
    [{ tags: {} }, /list/],
    [{ mem: 'lots' }, /size/],
    [{ on: 'yes' }, /true or false/],
  ];
  for (const [given, msg] of bad) assert.throws(() => mergeSettings(role, given, undefined), (e: Error & { code?: string }) => e.code === 'BAD_REQUEST' && msg.test(e.message), JSON.stringify(given));
  assert.throws(() => mergeSettings({ ...role, customizableSettings: {} }, { a: 1 }, undefined), /it has none/);
});

test('active versions: an override wins until the SoT changes its own; setting the SoT version drops it', async () => {
  const sot = await rolesSot();
  const web = sot.roles.find((r) => r.name === 'web')!;
  assert.deepEqual(effectiveActiveVersion(web, undefined), { version: '1.0', source: 'sot' });
  assert.deepEqual(effectiveActiveVersion(web, { version: '2.0', sotVersion: '1.0', at: 1 }), { version: '2.0', source: 'api' });
  assert.deepEqual(effectiveActiveVersion(web, { version: '2.0', sotVersion: '0.5', at: 1 }), { version: '1.0', source: 'sot' }, 'the SoT changed since');
  assert.deepEqual(effectiveActiveVersion(web, { version: '3.0', sotVersion: '1.0', at: 1 }), { version: '1.0', source: 'sot' }, 'a version the SoT no longer has');
  const set = withOverride(sot, {}, web, '2.0', 7, 'ops');
  assert.deepEqual(set, { web: { version: '2.0', sotVersion: '1.0', at: 7, by: 'ops' } });
  assert.deepEqual(withOverride(sot, set, web, '1.0', 8), {});
  const db = sot.roles.find((r) => r.name === 'db')!;
  const stale = { gone: { version: '1', sotVersion: '1', at: 1 }, web: { version: '2.0', sotVersion: '0.1', at: 1 } };
  assert.deepEqual(Object.keys(withOverride(sot, stale, db, '5', 9)), [], 'void overrides are dropped at the next change');
});

// A Host built by hand (not through loadSot) has no SoT to find: the fields still come, without OS facts.
test('a host never adopted by a SoT gets no os facts, not an error', () => {
  const h = { id: 'x', name: 'x', interfaces: [], hardware: { arch: 'arm64' }, role: { name: 'r' } } as unknown as Host;
  const f = resmgrHostFields(h, rt({ state: 'active', workflow: 'wf' }), sotOfHost(h));
  assert.deepEqual(f.info, { hostname: 'x', os_family: null, arch: 'arm64', os_info: null, responding: true, last_response_time: null });
});
