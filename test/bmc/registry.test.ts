// The registry with fake drivers and a fake clock: one command at a time per BMC, parallel across
// BMCs, the global limit, timeouts, retries with exponential backoff (never after auth failures,
// never a cycle whose answer was lost), ssh/custom refused, and no password in logs or argv.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createBmcRegistry, type BmcRef } from '../../src/bmc/registry.js';
import { createIpmiDriver, type IpmiExec } from '../../src/bmc/ipmi.js';
import { createRedfishDriver } from '../../src/bmc/redfish.js';
import type { BmcTarget, PowerController } from '../../src/bmc/types.js';
import { createLogger, nullLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import { ApplianceError, type BmcType } from '../../src/model/index.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { startRedfishMock, type RedfishMock } from './redfish-server.js';

const flush = async () => {
  for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
};

function ref(address: string, type: BmcType = 'ipmi', password = 'pw'): BmcRef {
  return { type, target: { hostId: `h-${address}`, address, username: 'admin', password, firmware: 'bios' } };
}

/** A driver whose every call waits for release() (or fails as told), recording starts and ends. */
function gatedDriver() {
  const events: string[] = [];
  const gates: Array<{ name: string; open: () => void; fail: (e: Error) => void }> = [];
  let active = 0;
  let maxActive = 0;
  const op = (name: string) => (t: BmcTarget) => {
    active++;
    maxActive = Math.max(maxActive, active);
    events.push(`start ${t.address} ${name}`);
    return new Promise<never>((resolve, reject) => {
      const done = () => {
        active--;
        events.push(`end ${t.address} ${name}`);
      };
      gates.push({ name: `${t.address} ${name}`, open: () => (done(), resolve(undefined as never)), fail: (e) => (done(), reject(e)) });
    });
  };
  const driver: PowerController = {
    powerStatus: (t) => op('status')(t).then(() => 'on' as const),
    power: (t, a) => op(a)(t),
    bootPxeOnce: (t) => op('bootPxe')(t),
  };
  return { driver, events, gates, stats: () => ({ active, maxActive }) };
}

test('one command at a time per BMC, in order; different BMCs in parallel', async () => {
  const g = gatedDriver();
  const reg = createBmcRegistry({ clock: systemClock, log: nullLogger, drivers: { ipmi: g.driver } });
  const a1 = reg.bootPxeOnce(ref('10.0.0.1'));
  const a2 = reg.power(ref('10.0.0.1'), 'cycle');
  const b1 = reg.powerStatus(ref('10.0.0.2'));
  await flush();
  assert.deepEqual(g.events, ['start 10.0.0.1 bootPxe', 'start 10.0.0.2 status']);
  assert.equal(reg.stats().busyBmcs, 2);
  g.gates.shift()!.open();
  await a1;
  await flush();
  assert.deepEqual(g.events.slice(2), ['end 10.0.0.1 bootPxe', 'start 10.0.0.1 cycle']);
  for (const gate of g.gates.splice(0)) gate.open();
  await Promise.all([a2, b1]);
  await flush(); // the BMC is let go just after the caller hears the result
  assert.equal(reg.stats().busyBmcs, 0);
});

test('global limit: never more than maxConcurrent commands in flight', async () => {
  const g = gatedDriver();
  const reg = createBmcRegistry({ clock: systemClock, log: nullLogger, maxConcurrent: 2, drivers: { ipmi: g.driver } });
  const all = Array.from({ length: 6 }, (_, i) => reg.powerStatus(ref(`10.0.1.${i}`)));
  for (let round = 0; round < 10; round++) {
    await flush();
    assert.ok(g.stats().active <= 2);
    g.gates.shift()?.open();
  }
  await Promise.all(all);
  assert.equal(g.stats().maxActive, 2);
  assert.equal(g.events.filter((e) => e.startsWith('end')).length, 6);
});

/** A driver failing with the given errors in turn, then succeeding; records call times. */
function scriptedDriver(clock: FakeClock, errors: ApplianceError[]) {
  const calls: number[] = [];
  const next = async () => {
    calls.push(clock.now());
    const e = errors.shift();
    if (e) throw e;
  };
  const driver: PowerController = { powerStatus: () => next().then(() => 'off' as const), power: next, bootPxeOnce: next };
  return { driver, calls };
}

const unreachable = () => new ApplianceError('BMC_UNREACHABLE', 'no answer', { retryable: true });

test('retries unreachable BMCs with exponential backoff', async () => {
  const clock = new FakeClock();
  const t0 = clock.now();
  const s = scriptedDriver(clock, [unreachable(), unreachable()]);
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  const reg = createBmcRegistry({ clock, log, backoffMs: 100, retries: 3, drivers: { ipmi: s.driver } });
  const p = reg.power(ref('10.0.0.3'), 'on');
  await flush();
  assert.equal(s.calls.length, 1);
  clock.advance(99);
  await flush();
  assert.equal(s.calls.length, 1, 'not before the backoff');
  clock.advance(1);
  await flush();
  clock.advance(200);
  await flush();
  await p;
  assert.deepEqual(s.calls.map((c) => c - t0), [0, 100, 300]);
  const done = JSON.parse(lines.find((l) => l.includes('"outcome":"ok"'))!);
  assert.deepEqual([done.host, done.bmc, done.op, done.attempts, done.durationMs], ['h-10.0.0.3', '10.0.0.3:623', 'power.on', 3, 300]);
});

test('gives up after the retries; never retries an auth failure', async () => {
  const clock = new FakeClock();
  const s = scriptedDriver(clock, [unreachable(), unreachable(), unreachable()]);
  const reg = createBmcRegistry({ clock, log: nullLogger, backoffMs: 10, retries: 2, drivers: { ipmi: s.driver } });
  const p = assert.rejects(reg.powerStatus(ref('10.0.0.4')), { code: 'BMC_UNREACHABLE' });
  for (let i = 0; i < 5; i++) {
    await flush();
    clock.advance(100);
  }
  await p;
  assert.equal(s.calls.length, 3);

  const auth = scriptedDriver(clock, [new ApplianceError('BMC_AUTH_FAILED', 'bad password', { retryable: false })]);
  const reg2 = createBmcRegistry({ clock, log: nullLogger, backoffMs: 10, drivers: { ipmi: auth.driver } });
  await assert.rejects(reg2.power(ref('10.0.0.4'), 'on'), { code: 'BMC_AUTH_FAILED' });
  assert.equal(auth.calls.length, 1);
});

test('timeout: caller told promptly; the BMC stays held until the command ends; no retry of a cycle', async () => {
  const clock = new FakeClock();
  const g = gatedDriver();
  const reg = createBmcRegistry({ clock, log: nullLogger, timeoutMs: 1000, backoffMs: 10, drivers: { ipmi: g.driver } });
  const cycle = reg.power(ref('10.0.0.5'), 'cycle');
  const next = reg.powerStatus(ref('10.0.0.5'));
  await flush();
  clock.advance(1000);
  await assert.rejects(cycle, { code: 'BMC_TIMEOUT' });
  await flush();
  assert.deepEqual(g.events, ['start 10.0.0.5 cycle'], 'the next command waits for the hung one');
  g.gates.shift()!.open(); // the hung command finally ends
  await flush();
  assert.deepEqual(g.events.slice(1), ['end 10.0.0.5 cycle', 'start 10.0.0.5 status'], 'cycle was not repeated');
  // A status that times out is repeated (harmless), once the first try has ended.
  clock.advance(1000);
  await flush();
  g.gates.shift()!.open();
  await flush();
  clock.advance(10);
  await flush();
  assert.equal(g.events.at(-1), 'start 10.0.0.5 status');
  g.gates.shift()!.open();
  assert.equal(await next, 'on');
});

test('ssh and custom BMCs are refused as BMC_UNSUPPORTED without calling a driver', async () => {
  const clock = new FakeClock();
  const s = scriptedDriver(clock, []);
  const reg = createBmcRegistry({ clock, log: nullLogger, drivers: { ipmi: s.driver, redfish: s.driver } });
  await assert.rejects(reg.power(ref('10.0.0.6', 'ssh'), 'on'), /not driven by Corral/);
  await assert.rejects(reg.power(ref('10.0.0.6', 'custom'), 'on'), { code: 'BMC_UNSUPPORTED' });
  assert.equal(s.calls.length, 0);
});

const mocks: RedfishMock[] = [];
after(async () => {
  await Promise.all(mocks.map((m) => m.close()));
});

test('the password never reaches a log line, an error message or ipmitool argv', async () => {
  const PW = 'Corral-Secret-9000';
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
  const argvs: string[][] = [];
  let mode: 'ok' | 'auth' | 'down' = 'ok';
  const exec: IpmiExec = async (_f, args, opts) => {
    argvs.push(args);
    assert.equal(opts.env.IPMI_PASSWORD, PW);
    if (mode === 'auth') return { exitCode: 1, stdout: '', stderr: '> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n', timedOut: false };
    if (mode === 'down') return { exitCode: 1, stdout: '', stderr: 'Get Auth Capabilities error\nError: Unable to establish IPMI v2 / RMCP+ session\n', timedOut: false };
    return { exitCode: 0, stdout: 'Chassis Power is on\n', stderr: '', timedOut: false };
  };
  const mock = await startRedfishMock({ pass: 'other-password' });
  mocks.push(mock);
  const reg = createBmcRegistry({ clock: systemClock, log, retries: 1, backoffMs: 5, drivers: { ipmi: createIpmiDriver({ exec }), redfish: createRedfishDriver({ scheme: 'http', timeoutMs: 2000 }) } });
  const ipmi = ref('10.0.0.7', 'ipmi', PW);
  const errors: string[] = [];
  const keep = (p: Promise<unknown>) => p.catch((e: Error) => void errors.push(`${e.message} ${JSON.stringify(e)}`));
  await reg.powerStatus(ipmi);
  await reg.bootPxeOnce(ipmi);
  mode = 'auth';
  await keep(reg.power(ipmi, 'cycle'));
  mode = 'down';
  await keep(reg.power(ipmi, 'on'));
  const rf: BmcRef = { type: 'redfish', target: { hostId: 'r1', address: '127.0.0.1', port: mock.port, username: 'root', password: PW, firmware: 'uefi' } };
  await keep(reg.powerStatus(rf));
  await reg.close();
  assert.equal(errors.length, 3);
  assert.ok(lines.length >= 5, `log lines: ${lines.length}`);
  assert.ok(lines.some((l) => l.includes('BMC_AUTH_FAILED')) && lines.some((l) => l.includes('"outcome":"ok"')));
  for (const text of [...lines, ...errors]) assert.ok(!text.includes(PW), `leak: ${text}`);
  assert.ok(argvs.length >= 5);
  for (const a of argvs) assert.ok(!a.join(' ').includes(PW), `argv leak: ${a.join(' ')}`);
});
