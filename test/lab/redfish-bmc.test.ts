// The lab Redfish BMC (src/lab/redfish) over real HTTPS against an in-memory machine: the protocol
// (DSP0266 auth, sessions, ETag/If-Match, errors, garbage), Corral's own Redfish driver, and two
// independent clients, DMTF's redfishtool and OpenStack's sushy, each asserted on the machine.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedfishDriver } from '../../src/bmc/redfish.js';
import type { BmcTarget } from '../../src/bmc/types.js';
import { startRedfishBmc, type RedfishBmc } from '../../src/lab/redfish/index.js';
import { SessionStore } from '../../src/lab/redfish/sessions.js';
import { selfSignedCert, type SelfSignedCert } from '../../src/lab/tls.js';
import { FakeMachine, type FakeMachineOptions } from './fake-machine.js';

const USER = 'admin';
const PASS = 'lab-Secret-7f3k';
const HERE = dirname(fileURLToPath(import.meta.url));

// Missing tools skip with the Debian package to install, except in CI as root, where the test
// command installs them: there a missing tool is a failure, never a silent skip.
const STRICT = process.env.CI === 'true' && process.getuid?.() === 0;
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore', timeout: 10_000 }).status === 0;
const sushyPython = ['/usr/bin/python3', 'python3'].find((py) => spawnSync(py, ['-c', 'import sushy'], { stdio: 'ignore', timeout: 20_000 }).status === 0);
const tools = { openssl: has('openssl'), redfishtool: has('redfishtool'), sushy: sushyPython !== undefined };
const PKG = { openssl: 'openssl', redfishtool: 'redfishtool', sushy: 'python3-sushy' } as const;

function needs(...names: Array<keyof typeof tools>): { skip?: string } {
  const missing = names.filter((n) => !tools[n]);
  if (missing.length === 0 || STRICT) return {};
  return { skip: missing.map((n) => `${n} not installed (Debian package ${PKG[n]})`).join('; ') };
}
function requireTools(...names: Array<keyof typeof tools>): void {
  for (const n of names) assert.ok(tools[n], `${n} missing: install the Debian package ${PKG[n]} (CI as root must not skip)`);
}

const dir = mkdtempSync(join(tmpdir(), 'corral-rf-bmc-'));
let tlsCache: SelfSignedCert | undefined;
const tls = () => (tlsCache ??= selfSignedCert(join(dir, 'tls')));
const open: RedfishBmc[] = [];
after(async () => {
  await Promise.all(open.map((b) => b.close()));
  rmSync(dir, { recursive: true, force: true });
});

interface Lab {
  bmc: RedfishBmc;
  m: FakeMachine;
  logs: string[];
  call: (method: string, path: string, o?: CallOpts) => Promise<Res>;
}

async function lab(machine: FakeMachineOptions = {}, systemId?: string): Promise<Lab> {
  const m = new FakeMachine(machine);
  const logs: string[] = [];
  const bmc = await startRedfishBmc({ machine: m, host: '127.0.0.1', port: 0, username: USER, password: PASS, tls: tls(), ...(systemId && { systemId }), log: (msg, f) => logs.push(`${msg} ${JSON.stringify(f ?? {})}`) });
  open.push(bmc);
  return { bmc, m, logs, call: (method, path, o) => call(bmc.port, method, path, o) };
}

interface CallOpts {
  /** 'basic' (default): the right credentials; 'none'; a token; or explicit user/password. */
  auth?: 'basic' | 'none' | { token: string } | { user: string; pass: string };
  body?: unknown;
  /** Sent as is (not JSON-encoded). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}
interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, any>;
}

/** One HTTPS request that trusts only the lab certificate (whose SAN names 127.0.0.1); bounded at 5 s. */
function call(port: number, method: string, path: string, o: CallOpts = {}): Promise<Res> {
  const headers: Record<string, string> = { Accept: 'application/json', ...o.headers };
  const auth = o.auth ?? 'basic';
  if (auth === 'basic') headers.Authorization = basic(USER, PASS);
  else if (auth !== 'none' && 'token' in auth) headers['X-Auth-Token'] = auth.token;
  else if (auth !== 'none') headers.Authorization = basic(auth.user, auth.pass);
  const payload = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
  if (payload !== undefined) headers['Content-Type'] ??= 'application/json';
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, ca: tls().cert, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, any> = {};
        try {
          json = text ? JSON.parse(text) : {};
        } catch {
          json = {};
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 5 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const SYS = '/redfish/v1/Systems/1';
const RESET = `${SYS}/Actions/ComputerSystem.Reset`;

/** The Redfish error body shape (DSP0266 "Error responses"); returns the message ids. */
function redfishError(r: Res, status: number): string[] {
  assert.equal(r.status, status, r.text);
  const err = r.json.error;
  assert.ok(err, `no error object: ${r.text}`);
  assert.match(err.code, /^Base\.1\.\d+\.\w+$/);
  assert.equal(typeof err.message, 'string');
  assert.ok(Array.isArray(err['@Message.ExtendedInfo']) && err['@Message.ExtendedInfo'].length > 0);
  return err['@Message.ExtendedInfo'].map((m: { MessageId: string }) => m.MessageId.replace(/^Base\.1\.\d+\./, ''));
}

test('self-signed certificate: made once with openssl, reused, remade when unusable', { ...needs('openssl') }, () => {
  requireTools('openssl');
  const d = join(dir, 'tls-reuse');
  const a = selfSignedCert(d);
  assert.match(a.cert, /BEGIN CERTIFICATE/);
  assert.equal(statSync(a.keyPath).mode & 0o077, 0, 'key readable by its owner only');
  assert.equal(selfSignedCert(d).cert, a.cert, 'reused');
  writeFileSync(a.keyPath, 'not a key');
  const b = selfSignedCert(d);
  assert.notEqual(b.cert, a.cert, 'a broken pair is replaced');
  assert.equal(readFileSync(b.certPath, 'utf8'), b.cert);
});

test('sessions expire after SessionTimeout idle; the least recently used goes when the store is full', () => {
  let now = 0;
  const s = new SessionStore({ username: 'u', password: 'p', timeoutS: 60, max: 2, now: () => now });
  assert.equal(s.login('u', 'wrong'), undefined);
  assert.equal(s.login('U', 'p'), undefined);
  const a = s.login('u', 'p')!;
  now += 59_000;
  assert.equal(s.byToken(a.token)?.id, a.session.id, 'use restarts the idle clock');
  now += 59_000;
  assert.ok(s.byToken(a.token));
  now += 61_000;
  assert.equal(s.byToken(a.token), undefined, 'expired');
  const b = s.login('u', 'p')!;
  now += 1;
  const c = s.login('u', 'p')!;
  now += 1;
  s.byToken(b.token);
  const d = s.login('u', 'p')!;
  assert.deepEqual(s.list().map((x) => x.id).sort(), [b.session.id, d.session.id].sort(), 'c, least recently used, was evicted');
  assert.equal(s.byToken(c.token), undefined);
});

test('/redfish and the service root are public and link everything clients walk', { ...needs('openssl') }, async () => {
  requireTools('openssl');
  const { call, m, bmc } = await lab();
  const v = await call('GET', '/redfish', { auth: 'none' });
  assert.deepEqual(v.json, { v1: '/redfish/v1/' });
  for (const path of ['/redfish/v1/', '/redfish/v1']) {
    const r = await call('GET', path, { auth: 'none' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['odata-version'], '4.0');
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.equal(r.json['@odata.id'], '/redfish/v1/');
    assert.match(r.json.RedfishVersion, /^1\.\d+\.\d+$/);
    assert.match(r.json.UUID, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(r.json.UUID, m.uuid, 'the service UUID is not the system UUID');
    assert.equal(r.json.Systems['@odata.id'], '/redfish/v1/Systems');
    assert.equal(r.json.Managers['@odata.id'], '/redfish/v1/Managers');
    assert.equal(r.json.Chassis['@odata.id'], '/redfish/v1/Chassis');
    assert.equal(r.json.SessionService['@odata.id'], '/redfish/v1/SessionService');
    assert.equal(r.json.Links.Sessions['@odata.id'], '/redfish/v1/SessionService/Sessions');
  }
  assert.equal((await call('GET', '/redfish/v1/odata', { auth: 'none' })).status, 200);
  const taken = { machine: m, host: '127.0.0.1', port: bmc.port, username: USER, password: PASS, tls: tls() };
  await assert.rejects(startRedfishBmc(taken), /EADDRINUSE/);
  await assert.rejects(startRedfishBmc({ ...taken, port: 0, systemId: '../x' }), /systemId/);
});

test('credentials: 401 with a Redfish error without or with wrong ones, before revealing 404s', { ...needs('openssl') }, async () => {
  requireTools('openssl');
  const { call } = await lab();
  for (const auth of ['none', { user: USER, pass: 'wrong' }, { user: 'root', pass: PASS }, { token: 'not-a-token' }] as const) {
    const r = await call('GET', SYS, { auth });
    assert.deepEqual(redfishError(r, 401), ['NoValidSession']);
    assert.match(String(r.headers['www-authenticate']), /^Basic /);
  }
  assert.equal((await call('GET', '/redfish/v1/Nowhere', { auth: 'none' })).status, 401);
  assert.equal((await call('GET', '/redfish/v1/SessionService', { auth: 'none' })).status, 401);
  assert.equal((await call('GET', SYS, { headers: { Authorization: 'Basic !!!' }, auth: 'none' })).status, 401);
  assert.equal((await call('GET', SYS)).status, 200);
  // A token that is present decides: a bad one does not fall back to a good Basic header.
  const both = await call('GET', SYS, { headers: { 'X-Auth-Token': 'stale' } });
  assert.equal(both.status, 401);
});

test('sessions: login -> 201 + X-Auth-Token + Location, use, list, logout; the password is never echoed or logged', { ...needs('openssl') }, async () => {
  requireTools('openssl');
  const { call, logs } = await lab();
  const S = '/redfish/v1/SessionService/Sessions';
  assert.deepEqual(redfishError(await call('POST', S, { auth: 'none', body: { UserName: USER, Password: 'nope' } }), 401), ['NoValidSession']);
  assert.deepEqual(redfishError(await call('POST', S, { auth: 'none', body: { UserName: USER } }), 400), ['PropertyMissing']);
  assert.deepEqual(redfishError(await call('POST', S, { auth: 'none', body: { UserName: USER, Password: 7 } }), 400), ['PropertyValueTypeError']);
  const login = await call('POST', S, { auth: 'none', body: { UserName: USER, Password: PASS } });
  assert.equal(login.status, 201, login.text);
  const token = String(login.headers['x-auth-token']);
  const location = String(login.headers.location);
  assert.ok(token.length >= 32);
  assert.match(location, /^\/redfish\/v1\/SessionService\/Sessions\/[0-9a-f]+$/);
  assert.equal(login.json['@odata.id'], location);
  assert.equal(login.json.UserName, USER);
  assert.ok(!login.text.includes(PASS));

  const sys = await call('GET', SYS, { auth: { token } });
  assert.equal(sys.status, 200);
  const s = await call('GET', location, { auth: { token } });
  assert.equal(s.json.Id, login.json.Id);
  assert.equal(s.json.Password, undefined);
  const list = await call('GET', S, { auth: { token } });
  assert.deepEqual(list.json.Members, [{ '@odata.id': location }]);
  assert.equal((await call('GET', '/redfish/v1/SessionService', { auth: { token } })).json.SessionTimeout, 1800);

  assert.equal((await call('DELETE', location, { auth: { token } })).status, 204);
  assert.equal((await call('GET', SYS, { auth: { token } })).status, 401, 'logged out');
  assert.deepEqual(redfishError(await call('DELETE', location), 404), ['ResourceMissingAtURI']);
  const all = logs.join('\n');
  assert.ok(!all.includes(PASS) && !all.includes(token), 'no secret in the log');
});

test('ComputerSystem: schema properties, Links, Reset action, ETag equal to @odata.etag', { ...needs('openssl') }, async () => {
  requireTools('openssl');
  const { call, m } = await lab({ firmware: 'bios', memoryMiB: 3072, cpus: 2 });
  const r = await call('GET', SYS);
  const b = r.json;
  assert.equal(b['@odata.id'], SYS);
  assert.match(b['@odata.type'], /^#ComputerSystem\.v1_\d+_\d+\.ComputerSystem$/);
  assert.equal(b.Id, '1');
  assert.equal(b.Name, m.name);
  assert.equal(b.UUID, m.uuid);
  assert.equal(b.PowerState, 'Off');
  assert.deepEqual(b.Status, { State: 'Enabled', Health: 'OK' });
  assert.equal(b.Boot.BootSourceOverrideEnabled, 'Disabled');
  assert.equal(b.Boot.BootSourceOverrideTarget, 'None');
  assert.deepEqual(b.Boot['BootSourceOverrideTarget@Redfish.AllowableValues'], ['None', 'Pxe', 'Hdd']);
  assert.equal(b.Boot.BootSourceOverrideMode, 'Legacy');
  assert.equal(b.MemorySummary.TotalSystemMemoryGiB, 3);
  assert.equal(b.ProcessorSummary.Count, 2);
  assert.deepEqual(b.Links.ManagedBy, [{ '@odata.id': '/redfish/v1/Managers/BMC' }]);
  assert.deepEqual(b.Links.Chassis, [{ '@odata.id': '/redfish/v1/Chassis/1' }]);
  const reset = b.Actions['#ComputerSystem.Reset'];
  assert.equal(reset.target, RESET);
  assert.deepEqual(reset['ResetType@Redfish.AllowableValues'], ['On', 'ForceOn', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'PowerCycle', 'PushPowerButton']);
  assert.match(String(r.headers.etag), /^W\/"[0-9a-f]+"$/);
  assert.equal(b['@odata.etag'], r.headers.etag);
  assert.equal(r.headers.allow, 'GET, HEAD, PATCH');

  const coll = await call('GET', '/redfish/v1/Systems');
  assert.deepEqual(coll.json.Members, [{ '@odata.id': SYS }]);
  assert.equal(coll.json['Members@odata.count'], 1);
  for (const p of ['/redfish/v1/Managers/BMC', '/redfish/v1/Chassis/1', '/redfish/v1/Managers', '/redfish/v1/Chassis', `${SYS}/EthernetInterfaces/1`]) {
    const x = await call('GET', p);
    assert.equal(x.status, 200, p);
    assert.equal(x.json['@odata.id'], p);
  }
  assert.equal((await call('GET', `${SYS}/EthernetInterfaces/1`)).json.MACAddress, m.mac);
  const mgr = (await call('GET', '/redfish/v1/Managers/BMC')).json;
  assert.equal(mgr.ManagerType, 'BMC');
  assert.deepEqual(mgr.Links.ManagerForServers, [{ '@odata.id': SYS }]);
  assert.equal((await call('GET', '/redfish/v1/Chassis/1')).json.ChassisType, 'RackMount');

  const custom = await lab({}, 'System.Embedded.1');
  assert.equal((await custom.call('GET', '/redfish/v1/Systems/System.Embedded.1')).json.Id, 'System.Embedded.1');
  assert.equal((await custom.call('GET', SYS)).status, 404);
});

test('ETag: stable while nothing changes, new after a boot change, a power change, or a change made on the machine', { ...needs('openssl') }, async () => {
  requireTools('openssl');
  const { call, m } = await lab();
  const tag = async () => String((await call('GET', SYS)).headers.etag);
  const t0 = await tag();
  assert.equal(await tag(), t0);
  const notModified = await call('GET', SYS, { headers: { 'If-None-Match': t0 } });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.text, '');
  assert.equal((await call('PATCH', SYS, { body: { Boot: { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'Pxe' } } })).status, 200);
  const t1 = await tag();
  assert.notEqual(t1, t0);
  assert.equal((await call('POST', RESET, { body: { ResetType: 'On' } })).status, 204);
  const t2 = await tag();
  assert.notEqual(t2, t1);
  await m.powerOff(); // e.g. the guest powered itself off
  assert.notEqual(await tag(), t2);
});

test('PATCH Boot: Pxe/Once, Hdd/Continuous and Disabled reach the machine; the answer is the new resource', { ...needs('openssl') }, async () => {
  requireTools('openssl');
  const { call, m } = await lab();
  const once = await call('PATCH', SYS, { body: { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI' } } });
  assert.equal(once.status, 200, once.text);
  assert.deepEqual(m.override, { device: 'pxe', once: true });
  assert.equal(once.json.Boot.BootSourceOverrideEnabled, 'Once');
  assert.equal(once.json.Boot.BootSourceOverrideTarget, 'Pxe');
  assert.equal(once.headers.etag, once.json['@odata.etag']);

  await call('PATCH', SYS, { body: { Boot: { BootSourceOverrideTarget: 'Hdd', BootSourceOverrideEnabled: 'Continuous' } } });
  assert.deepEqual(m.override, { device: 'disk', once: false });
  const off = await call('PATCH', SYS, { body: { Boot: { BootSourceOverrideEnabled: 'Disabled' } } });
  assert.equal(m.override, undefined);
  assert.equal(off.json.Boot.BootSourceOverrideEnabled, 'Disabled');
  assert.equal(off.json.Boot.BootSourceOverrideTarget, 'Hdd', 'the last target is still shown');
  // Re-arming with Enabled alone uses that remembered target, as BMCs do.
  await call('PATCH', SYS, { body: { Boot: { BootSourceOverrideEnabled: 'Once' } } });
  assert.deepEqual(m.override, { device: 'disk', once: true });
  await call('PATCH', SYS, { body: { Boot: { BootSourceOverrideTarget: 'None' } } });
  assert.equal(m.override, undefined, 'target None means boot normally');

  // Writable and read-only together: the writable part applies, the rest is reported.
  const mixed = await call('PATCH', SYS, { body: { Boot: { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'Pxe' }, Name: 'renamed' } });
  assert.equal(mixed.status, 200);
  assert.deepEqual(m.override, { device: 'pxe', once: true });
  assert.equal(mixed.json.Name, m.name);
  assert.match(mixed.json['@Message.ExtendedInfo'][0].MessageId, /PropertyNotWritable$/);
});

test('PATCH Boot: bad values are 400 naming the property, and change nothing', { ...needs('openssl') }, async () => {
  requireTools('openssl');
  const { call, m } = await lab({ firmware: 'uefi' });
  m.override = { device: 'disk', once: false };
  const cases: Array<[unknown, string, string?]> = [
    [{ Boot: { BootSourceOverrideTarget: 'Floppy', BootSourceOverrideEnabled: 'Once' } }, 'PropertyValueNotInList', 'BootSourceOverrideTarget'],
    [{ Boot: { BootSourceOverrideEnabled: 'Sometimes' } }, 'PropertyValueNotInList', 'BootSourceOverrideEnabled'],
    [{ Boot: { BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'Legacy' } }, 'PropertyValueNotInList', 'BootSourceOverrideMode'],
    [{ Boot: { BootSourceOverrideTarget: 5 } }, 'PropertyValueTypeError', 'BootSourceOverrideTarget'],
    [{ Boot: 'Pxe' }, 'PropertyValueTypeError', 'Boot'],
    [{ PowerState: 'On' }, 'PropertyNotWritable', 'PowerState'],
    [{ Bogus: 1 }, 'PropertyUnknown', 'Bogus'],
    [{ constructor: 1 }, 'PropertyUnknown', 'constructor'],
    [{ Boot: { BootSourceOverrideFoo: 'x' } }, 'PropertyUnknown', 'BootSourceOverrideFoo'],
    [{}, 'EmptyJSON'],
  ];
  for (const [body, id, prop] of cases) {
    const r = await call('PATCH', SYS, { body });
    const ids = redfishError(r, 400);
    assert.equal(ids[0], id, JSON.stringify(body));
    if (prop) {
      const info = r.json.error['@Message.ExtendedInfo'][0];
      assert.ok(info.Message.includes(prop), `${info.Message} names ${prop}`);
      assert.ok(info.RelatedProperties[0].endsWith(`/${prop}`), JSON.stringify(info.RelatedProperties));
    }
  }
  assert.deepEqual(m.override, { device: 'disk', once: false }, 'untouched');
  assert.ok(!m.calls.some((c) => c.startsWith('setBootOverride')));
});

test('If-Match: a stale ETag is 412 and changes nothing; the current one (weak or strong form) or * applies', { ...needs('openssl') }, async () => {
  requireTools('openssl');
  const { call, m } = await lab();
  const tag = String((await call('GET', SYS)).headers.etag);
  await m.powerOn(); // the resource changes under the client
  const body = { Boot: { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'Pxe' } };
  assert.deepEqual(redfishError(await call('PATCH', SYS, { body, headers: { 'If-Match': tag } }), 412), ['PreconditionFailed']);
  assert.equal(m.override, undefined);
  const fresh = String((await call('GET', SYS)).headers.etag);
  assert.equal((await call('PATCH', SYS, { body, headers: { 'If-Match': fresh } })).status, 200);
  assert.deepEqual(m.override, { device: 'pxe', once: true });
  const strong = String((await call('GET', SYS)).headers.etag).replace(/^W\//, '');
  assert.equal((await call('PATCH', SYS, { body: { Boot: { BootSourceOverrideEnabled: 'Disabled' } }, headers: { 'If-Match': `"x", ${strong}` } })).status, 200);
  assert.equal((await call('PATCH', SYS, { body, headers: { 'If-Match': '*' } })).status, 200);
});

test('ComputerSystem.Reset: each ResetType drives the machine; a one-time PXE override is consumed and reads Disabled again', { ...needs('openssl') }, async () => {
  requireTools('openssl');
  const { call, m } = await lab();
  const reset = async (t: string) => assert.equal((await call('POST', RESET, { body: { ResetType: t } })).status, 204, t);
  await call('PATCH', SYS, { body: { Boot: { BootSourceOverrideEnabled: 'Once', BootSourceOverrideTarget: 'Pxe' } } });
  await reset('On');
  assert.equal(m.power, 'On');
  assert.deepEqual(m.boots, ['pxe']);
  const after = (await call('GET', SYS)).json;
  assert.equal(after.PowerState, 'On');
  assert.equal(after.Boot.BootSourceOverrideEnabled, 'Disabled');
  await reset('ForceRestart');
  assert.deepEqual(m.boots, ['pxe', 'default'], 'the override was used once');
  await reset('GracefulShutdown');
  assert.equal(m.power, 'Off');
  await reset('GracefulShutdown'); // already off: nothing to press
  await reset('PowerCycle'); // off: powers on
  await reset('PowerCycle'); // on: resets
  await reset('ForceOff');
  await reset('ForceOn');
  await reset('PushPowerButton'); // on: ACPI button
  await reset('PushPowerButton'); // off: power up
  assert.deepEqual(m.calls, ['setBootOverride(pxe,once)', 'powerOn', 'reset', 'shutdown', 'powerOn', 'reset', 'powerOff', 'powerOn', 'shutdown', 'powerOn']);
  assert.equal(m.power, 'On');
});

test('ComputerSystem.Reset: bad requests are 400 and do nothing; a failing machine is 500 and the BMC stays up', { ...needs('openssl') }, async () => {
  requireTools('openssl');
  const { call, m, logs } = await lab();
  const bad: Array<[unknown, string]> = [
    [{}, 'ActionParameterMissing'],
    [{ ResetType: 'Nmi' }, 'ActionParameterValueNotInList'],
    [{ ResetType: 'on' }, 'ActionParameterValueNotInList'],
    [{ ResetType: 5 }, 'ActionParameterValueTypeError'],
    [{ ResetType: 'On', Delay: 3 }, 'ActionParameterUnknown'],
  ];
  for (const [body, id] of bad) assert.deepEqual(redfishError(await call('POST', RESET, { body }), 400), [id], JSON.stringify(body));
  assert.deepEqual(redfishError(await call('POST', RESET, { raw: '' }), 400), ['ActionParameterMissing']);
  assert.deepEqual(m.calls, []);
  m.failNext = new Error('qemu: cannot start');
  assert.deepEqual(redfishError(await call('POST', RESET, { body: { ResetType: 'On' } }), 500), ['InternalError']);
  assert.ok(logs.some((l) => l.includes('qemu: cannot start')));
  assert.equal((await call('POST', RESET, { body: { ResetType: 'On' } })).status, 204);
  assert.equal(m.power, 'On');
});

test('unknown paths 404, wrong methods 405 with Allow, garbage bodies 400/413, unsupported $query 501, OData-Version 412', { ...needs('openssl') }, async () => {
  requireTools('openssl');
  const { call, bmc } = await lab();
  assert.deepEqual(redfishError(await call('GET', '/redfish/v1/Nowhere'), 404), ['ResourceMissingAtURI']);
  assert.equal((await call('GET', '/redfish/v1/Systems/2')).status, 404);
  assert.equal((await call('GET', '/redfish/v2/')).status, 404);
  const del = await call('DELETE', SYS);
  assert.deepEqual(redfishError(del, 405), ['OperationNotAllowed']);
  assert.equal(del.headers.allow, 'GET, HEAD, PATCH');
  assert.equal((await call('GET', RESET)).headers.allow, 'POST');
  assert.equal((await call('PUT', SYS, { body: {} })).status, 405);
  assert.equal((await call('POST', '/redfish/v1/', { body: {} })).status, 405);
  assert.equal((await call('POST', '/redfish/v1/', { auth: 'none', body: {} })).status, 401, 'only GET of the root is public');

  for (const raw of ['{', '{"Boot": }', 'null', '\u0000\u00ff\u0001garbage', Buffer.from([0xff, 0xfe, 0x00, 0x7b])]) {
    const r = await call('PATCH', SYS, { raw });
    assert.equal(r.status, 400, String(raw));
    assert.ok(['MalformedJSON', 'UnrecognizedRequestBody'].includes(redfishError(r, 400)[0]!));
  }
  assert.deepEqual(redfishError(await call('PATCH', SYS, { raw: '["Boot"]' }), 400), ['UnrecognizedRequestBody']);
  assert.deepEqual(redfishError(await call('POST', RESET, { raw: '"On"' }), 400), ['UnrecognizedRequestBody']);
  assert.deepEqual(redfishError(await call('POST', '/redfish/v1/SessionService/Sessions', { auth: 'none', raw: '{"UserName":' }), 400), ['MalformedJSON']);
  const big = await call('PATCH', SYS, { raw: `{"Name":"${'x'.repeat(200_000)}"}` }).catch((e: Error) => e);
  if (!(big instanceof Error)) assert.equal(big.status, 413); // or the connection was cut mid-upload

  assert.deepEqual(redfishError(await call('GET', `${SYS}?$expand=*`), 501), ['QueryNotSupported']);
  assert.equal((await call('GET', `${SYS}?only=ignored`)).status, 200);
  assert.equal((await call('GET', SYS, { headers: { 'OData-Version': '5.0' } })).status, 412);
  const head = await call('HEAD', SYS);
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  assert.ok(head.headers.etag);
  assert.equal((await call('GET', `${SYS}/`)).status, 200, 'a trailing slash names the same resource');
  assert.equal((await call('GET', SYS)).status, 200, 'still serving');
  assert.ok(bmc.url.startsWith('https://127.0.0.1:'));
});

test("Corral's Redfish driver: PXE once, power on, status, facts, power off, logout", { ...needs('openssl') }, async () => {
  requireTools('openssl');
  for (const firmware of ['uefi', 'bios'] as const) {
    const { bmc, m, call } = await lab({ firmware });
    const d = createRedfishDriver({ timeoutMs: 5000 });
    const t: BmcTarget = { hostId: 'n1', address: '127.0.0.1', port: bmc.port, username: USER, password: PASS, insecure: true, firmware };
    await d.bootPxeOnce(t);
    assert.deepEqual(m.override, { device: 'pxe', once: true });
    await d.power(t, 'on');
    assert.deepEqual(m.boots, ['pxe']);
    assert.equal(m.override, undefined, 'consumed by the power-on');
    assert.equal(await d.powerStatus(t), 'on');
    const facts = await d.facts?.(t);
    assert.equal(facts?.uuid, m.uuid);
    assert.equal(facts?.powerState, 'On');
    await d.power(t, 'cycle');
    await d.power(t, 'soft');
    assert.equal(await d.powerStatus(t), 'off');
    await d.power(t, 'on');
    await d.power(t, 'off');
    assert.equal(await d.powerStatus(t), 'off');
    assert.deepEqual(m.calls, ['setBootOverride(pxe,once)', 'powerOn', 'reset', 'shutdown', 'powerOn', 'powerOff']);
    await d.close?.();
    assert.equal((await call('GET', '/redfish/v1/SessionService/Sessions')).json['Members@odata.count'], 0, 'logged out');
    // Without `insecure` the self-signed certificate is refused.
    await assert.rejects(createRedfishDriver({ timeoutMs: 5000 }).powerStatus({ ...t, insecure: false }), /insecure|certificate/i);
  }
});

/** Runs a client with a bounded wait; proxies are bypassed for the loopback BMC. */
function run(file: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost', ...env };
  // python-requests lets these override verify=False; the BMC's certificate is self-signed.
  delete base.REQUESTS_CA_BUNDLE;
  delete base.CURL_CA_BUNDLE;
  return new Promise((resolve) => {
    execFile(file, args, { env: base, timeout: 60_000, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test("DMTF redfishtool: setBootOverride Once Pxe and reset On (Basic and Session auth) reach the machine", { ...needs('openssl', 'redfishtool') }, async () => {
  requireTools('openssl', 'redfishtool');
  for (const authMode of ['Basic', 'Session']) {
    const { bmc, m, call } = await lab();
    // Credentials go through a config file (mode 0600), not argv where ps would show them.
    const cfg = join(dir, `redfishtool-${authMode}.json`);
    writeFileSync(cfg, JSON.stringify({ user: USER, password: PASS }), { mode: 0o600 });
    const rt = (...args: string[]) => run('redfishtool', ['-r', `127.0.0.1:${bmc.port}`, '-c', cfg, '-S', 'Always', '-A', authMode, '-T', '10', ...args]);
    const boot = await rt('Systems', 'setBootOverride', 'Once', 'Pxe');
    assert.equal(boot.code, 0, boot.stderr);
    assert.deepEqual(m.override, { device: 'pxe', once: true });
    const on = await rt('Systems', 'reset', 'On');
    assert.equal(on.code, 0, on.stderr);
    assert.equal(m.power, 'On');
    assert.deepEqual(m.boots, ['pxe']);
    assert.equal(m.override, undefined);
    const ps = await rt('Systems', '-1', 'get', '-P', 'PowerState');
    assert.equal(ps.code, 0, ps.stderr);
    assert.deepEqual(JSON.parse(ps.stdout), { PowerState: 'On' });
    const bootNow = await rt('Systems', '-1', 'get', '-P', 'Boot');
    assert.equal(JSON.parse(bootNow.stdout).Boot.BootSourceOverrideEnabled, 'Disabled');
    for (const walk of [['root'], ['versions'], ['Managers', '-1'], ['Chassis', '-1'], ['SessionService']]) {
      const r = await rt(...walk);
      assert.equal(r.code, 0, `${walk.join(' ')}: ${r.stderr}`);
    }
    const refused = await rt('Systems', 'reset', 'Nmi');
    assert.notEqual(refused.code, 0, 'Nmi is not offered');
    const off = await rt('Systems', 'reset', 'ForceOff');
    assert.equal(off.code, 0, off.stderr);
    assert.equal(m.power, 'Off');
    assert.equal((await call('GET', '/redfish/v1/SessionService/Sessions')).json['Members@odata.count'], 0, 'redfishtool logged out');
  }
});

test('OpenStack sushy: set_system_boot_options(PXE, ONCE) and reset_system(ON) reach the machine', { ...needs('openssl', 'sushy') }, async () => {
  requireTools('openssl', 'sushy');
  const { bmc, m, call } = await lab({ firmware: 'bios' });
  const r = await run(sushyPython!, [join(HERE, 'redfish-clients.py'), 'sushy', bmc.url, USER], { RF_PASSWORD: PASS });
  assert.equal(r.code, 0, r.stderr);
  const seen = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(seen.systemId, '1');
  assert.equal(seen.uuid, m.uuid);
  assert.equal(seen.powerBefore, 'Off');
  assert.equal(seen.mode, 'Legacy');
  assert.deepEqual(seen.allowedTargets, ['Hdd', 'None', 'Pxe']);
  assert.ok(seen.allowedResets.includes('On') && !seen.allowedResets.includes('Nmi'));
  assert.deepEqual(seen.bootAfterPatch, ['Once', 'Pxe']);
  assert.equal(seen.powerAfter, 'On');
  assert.deepEqual(seen.bootAfterPowerOn, ['Disabled', 'Pxe']);
  assert.deepEqual(seen.managers, ['BMC']);
  assert.deepEqual(seen.chassis, ['1']);
  assert.deepEqual(seen.macs, [m.mac]);
  assert.deepEqual(m.calls, ['setBootOverride(pxe,once)', 'powerOn']);
  assert.deepEqual(m.boots, ['pxe']);
  assert.equal((await call('GET', '/redfish/v1/SessionService/Sessions')).json['Members@odata.count'], 0, 'sushy logged out');
});
