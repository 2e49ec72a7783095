// The Redfish driver against the local mock (test/bmc/redfish-server.ts): sessions, ResetType
// mapping and fallbacks, the one-time boot override with ETag, typed errors, and self-signed TLS
// accepted only for the BMC that asks for it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedfishDriver } from '../../src/bmc/redfish.js';
import type { BmcTarget, PowerController } from '../../src/bmc/types.js';
import { isApplianceError } from '../../src/model/index.js';
import { within } from '../fakes/wait.js';
import { startRedfishMock, type MockOptions, type RedfishMock } from './redfish-server.js';

const mocks: RedfishMock[] = [];
after(async () => {
  await Promise.all(mocks.map((m) => m.close()));
});

async function setup(opts: MockOptions = {}, firmware: 'uefi' | 'bios' = 'uefi'): Promise<{ mock: RedfishMock; d: PowerController; t: BmcTarget }> {
  const mock = await startRedfishMock(opts);
  mocks.push(mock);
  const d = createRedfishDriver({ scheme: opts.tls ? 'https' : 'http', timeoutMs: 2000 });
  const t: BmcTarget = { hostId: 'n1', address: '127.0.0.1', port: mock.port, username: 'root', password: 'calvin', firmware };
  return { mock, d, t };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(isApplianceError(e), `not an ApplianceError: ${String(e)}`);
    return e.code;
  }
  return 'no error';
}

test('session login once, token reused; logout on close', async () => {
  const { mock, d, t } = await setup();
  assert.equal(await d.powerStatus(t), 'off');
  assert.equal(await d.powerStatus(t), 'off');
  const logins = mock.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Sessions'));
  assert.equal(logins.length, 1);
  assert.deepEqual(logins[0]?.body, { UserName: 'root', Password: 'calvin' });
  const gets = mock.requests.filter((r) => r.method === 'GET' && r.path === '/redfish/v1/Systems/1');
  assert.equal(gets.length, 2);
  for (const g of gets) assert.match(String(g.headers['x-auth-token']), /^tok-1-/);
  await d.close?.();
  assert.ok(mock.requests.some((r) => r.method === 'DELETE' && r.path === '/redfish/v1/SessionService/Sessions/1'));
  assert.equal(mock.sessions.size, 0);
});

test('an expired session is replaced by one fresh login', async () => {
  const { mock, d, t } = await setup();
  await d.powerStatus(t);
  mock.sessions.clear(); // the BMC forgot the session (timeout, reboot)
  assert.equal(await d.powerStatus(t), 'off');
  assert.equal(mock.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Sessions')).length, 2);
});

test('power actions map to ResetType values and change PowerState', async () => {
  const { mock, d, t } = await setup();
  await d.power(t, 'on');
  assert.equal(await d.powerStatus(t), 'on');
  await d.power(t, 'cycle');
  await d.power(t, 'reset');
  await d.power(t, 'soft');
  assert.equal(await d.powerStatus(t), 'off');
  await d.power(t, 'cycle'); // off: cycle means power on
  await d.power(t, 'off');
  assert.deepEqual(mock.resets, ['On', 'PowerCycle', 'ForceRestart', 'GracefulShutdown', 'On', 'ForceOff']);
  const post = mock.requests.find((r) => r.method === 'POST' && r.path.endsWith('ComputerSystem.Reset'));
  assert.equal(post?.headers['content-type'], 'application/json');
});

test('cycle falls back to ForceRestart, then ForceOff+On, by AllowableValues (inline or ActionInfo)', async () => {
  const a = await setup({ resetTypes: ['On', 'ForceOff', 'ForceRestart'] });
  a.mock.state.power = 'On';
  await a.d.power(a.t, 'cycle');
  assert.deepEqual(a.mock.resets, ['ForceRestart']);

  const b = await setup({ resetTypes: ['On', 'ForceOff'], allowable: 'actionInfo' });
  b.mock.state.power = 'On';
  await b.d.power(b.t, 'cycle');
  assert.deepEqual(b.mock.resets, ['ForceOff', 'On']);
  assert.equal(b.mock.state.power, 'On');
  assert.ok(b.mock.requests.some((r) => r.path.endsWith('/ResetActionInfo')));
});

test('a ResetType the BMC does not offer, or no Reset action: BMC_UNSUPPORTED', async () => {
  const a = await setup({ resetTypes: ['On', 'ForceOff'] });
  assert.equal(await code(a.d.power(a.t, 'soft')), 'BMC_UNSUPPORTED');
  assert.deepEqual(a.mock.resets, [], 'nothing sent');
  // Without advertised values the preferred type is sent and the BMC's 400 is reported.
  const b = await setup({ resetTypes: ['On'], allowable: 'none' });
  assert.equal(await code(b.d.power(b.t, 'off')), 'BMC_UNSUPPORTED');
  const c = await setup({ noReset: true });
  assert.equal(await code(c.d.power(c.t, 'on')), 'BMC_UNSUPPORTED');
});

test('boot override: Pxe once, UEFI mode, If-Match with the ETag', async () => {
  const { mock, d, t } = await setup();
  await d.bootPxeOnce(t);
  const patch = mock.requests.find((r) => r.method === 'PATCH');
  assert.deepEqual(patch?.body, { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once', BootSourceOverrideMode: 'UEFI' } });
  assert.equal(patch?.headers['if-match'], 'W/"1"');
  assert.equal(mock.state.boot.BootSourceOverrideTarget, 'Pxe');
  assert.equal(mock.state.boot.BootSourceOverrideEnabled, 'Once');
});

test('boot override: Legacy for BIOS hosts, UefiHttp on request, mode omitted when the BMC lacks it', async () => {
  const a = await setup({}, 'bios');
  await a.d.bootPxeOnce(a.t);
  assert.equal(a.mock.state.boot.BootSourceOverrideMode, 'Legacy');
  await a.d.bootPxeOnce({ ...a.t, bootTarget: 'UefiHttp' });
  assert.equal(a.mock.state.boot.BootSourceOverrideTarget, 'UefiHttp');
  const b = await setup({ noBootMode: true });
  await b.d.bootPxeOnce(b.t);
  assert.equal(b.mock.state.boot.BootSourceOverrideTarget, 'Pxe');
  const c = await setup({ bootTargets: ['None', 'Hdd'] });
  assert.equal(await code(c.d.bootPxeOnce(c.t)), 'BMC_UNSUPPORTED');
});

test('boot override: a stale ETag (412) is re-read and sent once more', async () => {
  const { mock, d, t } = await setup();
  mock.faults.stalePatch = 1;
  await d.bootPxeOnce(t);
  const patches = mock.requests.filter((r) => r.method === 'PATCH');
  assert.equal(patches.length, 2);
  assert.equal(patches[1]?.headers['if-match'], `W/"2"`);
  assert.equal(mock.state.boot.BootSourceOverrideTarget, 'Pxe');
});

test('wrong password: BMC_AUTH_FAILED (sessions and Basic), message free of the password', async () => {
  const a = await setup({ pass: 'right-one' });
  const t = { ...a.t, password: 'wrong-secret-pw' };
  await assert.rejects(a.d.powerStatus(t), (e: Error & { code?: string }) => e.code === 'BMC_AUTH_FAILED' && !e.message.includes('wrong-secret-pw'));
  const b = await setup({ pass: 'right-one', sessions: false });
  assert.equal(await code(b.d.powerStatus({ ...b.t, password: 'wrong-secret-pw' })), 'BMC_AUTH_FAILED');
});

test('no session service: Basic auth on every request', async () => {
  const { mock, d, t } = await setup({ sessions: false });
  await d.power(t, 'on');
  assert.equal(mock.state.power, 'On');
  const sys = mock.requests.filter((r) => r.path.startsWith('/redfish/v1/Systems'));
  assert.ok(sys.length >= 2);
  for (const r of sys) assert.equal(r.headers.authorization, `Basic ${Buffer.from('root:calvin').toString('base64')}`);
});

test('unreachable, slow and failing BMCs give typed, retry-classified errors', async () => {
  const { mock, d, t } = await setup();
  const port = mock.port;
  mock.faults.fail500 = 1;
  await assert.rejects(d.powerStatus(t), (e: Error & { code?: string; details?: Record<string, unknown> }) => e.code === 'BMC_UNREACHABLE' && e.details?.retryable === true);
  // A BMC that never answers: only the driver's own timeout can end the call (the bound here is
  // a failure deadline, not a measurement).
  mock.faults.hang = true;
  const slow = createRedfishDriver({ scheme: 'http', timeoutMs: 300 });
  const asked = mock.requests.length;
  assert.equal(await within(code(slow.powerStatus(t)), { timeoutMs: 10_000, what: 'the driver to give up on a silent BMC' }), 'BMC_TIMEOUT');
  assert.ok(mock.requests.length > asked, 'the request reached the BMC, which did not answer');
  mock.faults.hang = false;
  await mock.close();
  assert.equal(await code(createRedfishDriver({ scheme: 'http', timeoutMs: 1000 }).powerStatus({ ...t, port })), 'BMC_UNREACHABLE');
  assert.equal(await code(d.powerStatus({ ...t, systemId: 'nope' })), 'BMC_UNREACHABLE');
});

test('system selection by systemId; unknown id is BMC_UNSUPPORTED', async () => {
  const { d, t } = await setup({ systemId: 'System.Embedded.1' });
  assert.equal(await d.powerStatus({ ...t, systemId: 'System.Embedded.1' }), 'off');
  assert.equal(await code(d.powerStatus({ ...t, systemId: 'other' })), 'BMC_UNSUPPORTED');
  const f = await d.facts?.(t);
  assert.equal(f?.manufacturer, 'Corral Test');
  assert.equal(f?.serialNumber, 'MOCK-0001');
});

const hasOpenssl = spawnSync('sh', ['-c', 'command -v openssl']).status === 0;
test('self-signed HTTPS: refused unless the BMC is insecure; nothing global changes', { skip: hasOpenssl ? undefined : 'openssl not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-rf-tls-'));
  try {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=bmc.test',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const tls = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    const { mock, d, t } = await setup({ tls });
    await assert.rejects(d.powerStatus(t), (e: Error & { code?: string; details?: Record<string, unknown> }) => {
      return e.code === 'BMC_UNREACHABLE' && e.details?.retryable === false && /insecure/.test(e.message);
    });
    assert.equal(await d.powerStatus({ ...t, insecure: true }), 'off');
    await d.power({ ...t, insecure: true }, 'on');
    assert.equal(mock.state.power, 'On');
    // Still refused for everyone else afterwards: the exception was per request.
    await assert.rejects(fetch(`${mock.url}/redfish/v1`), /fetch failed/);
    assert.equal(process.env.NODE_TLS_REJECT_UNAUTHORIZED, undefined);
    await d.close?.();
    assert.equal(mock.sessions.size, 0, 'logout also went through the insecure transport');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
