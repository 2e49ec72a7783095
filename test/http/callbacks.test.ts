// The callback rules without a socket: which checkpoint fits which attempt, what a checkpoint
// journals from its query, how refusals are logged and what a log shows of a callback URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callbackData, checkpointVerdict, configVerdict, createRefusalLog, MAX_QUERY_PARAMS, redactPath, REFUSAL_STATUS, type Caller } from '../../src/boot/callbacks.js';
import type { Host, HostRuntime, Sot } from '../../src/model/index.js';
import { createLogger } from '../../src/lib/log.js';

const sot = { boots: [{ id: 'b1', checkpoints: 2 }, { id: 'b2', checkpoints: 1 }] } as unknown as Sot;

function caller(rt: Partial<HostRuntime>, discovered = false): Caller {
  const full: HostRuntime = { id: 'h1', state: 'provisioning', bootIndex: 0, checkpoint: 0, power: 'on', attempts: 0, since: 0, updatedAt: 0, checkpointsPerBoot: [2, 1], ...rt };
  const bootId = ['b1', 'b2'][full.bootIndex];
  return { sot, host: { id: 'h1' } as Host, mac: '52:54:00:00:00:01' as never, rt: full, workflow: undefined, bootIndex: full.bootIndex, bootId, attempt: '0.1', secret: 's', discovered };
}

test('checkpoint verdicts: next accepted, repeats acknowledged, the rest refused', () => {
  const rows: [string, Caller, string, string | undefined, unknown][] = [
    ['n absent = the next', caller({}), 'b1', undefined, { accept: 1, checkpoints: 2 }],
    ['n = the next', caller({ checkpoint: 1 }), 'b1', '2', { accept: 2, checkpoints: 2 }],
    ['a repeat', caller({ checkpoint: 1 }), 'b1', '1', { repeat: 1 }],
    ['skipping ahead', caller({}), 'b1', '2', { refused: 'out_of_sequence', hostId: 'h1' }],
    ['n = 0', caller({}), 'b1', '0', { refused: 'out_of_sequence', hostId: 'h1' }],
    ['n not a number', caller({}), 'b1', '1e3', { refused: 'out_of_sequence', hostId: 'h1' }],
    ['another boot', caller({}), 'b2', undefined, { refused: 'wrong_boot', hostId: 'h1' }],
    ['a boot not in the workflow', caller({}), 'no-such-boot', '999', { refused: 'wrong_boot', hostId: 'h1' }],
    ['second boot', caller({ bootIndex: 1 }), 'b2', undefined, { accept: 1, checkpoints: 1 }],
    ['host in no run', caller({ state: 'inactive' }), 'b1', undefined, { refused: 'not_busy', hostId: 'h1' }],
    ['failed host, late checkpoint', caller({ state: 'failed', checkpoint: 1 }), 'b1', undefined, { refused: 'not_busy', hostId: 'h1' }],
    ['run over: the same URL is a retry of the last', caller({ state: 'active', bootIndex: 1, checkpoint: 1 }), 'b2', undefined, { repeat: 1 }],
    ['run over: a new checkpoint', caller({ state: 'active', bootIndex: 1, checkpoint: 1 }), 'b2', '2', { refused: 'not_busy', hostId: 'h1' }],
    ['reclaiming', caller({ state: 'reclaiming', checkpointsPerBoot: [1] }), 'b1', undefined, { accept: 1, checkpoints: 1 }],
    ['discovered: up to the boot\'s count', caller({ state: 'discovered', checkpoint: 1, checkpointsPerBoot: undefined }, true), 'b1', undefined, { accept: 2, checkpoints: 2 }],
    ['discovered: beyond it', caller({ state: 'discovered', checkpoint: 2 }, true), 'b1', '3', { refused: 'out_of_sequence', hostId: 'h1' }],
  ];
  for (const [name, c, boot, n, want] of rows) assert.deepEqual(checkpointVerdict(c, boot, n), want, name);
});

test('the unattended file: only in a run (or a discovery boot), only for the current boot', () => {
  assert.equal(configVerdict(caller({}), 'b1'), undefined);
  assert.equal(configVerdict(caller({}), null), undefined);
  assert.deepEqual(configVerdict(caller({}), 'b2'), { refused: 'wrong_boot', hostId: 'h1' });
  assert.deepEqual(configVerdict(caller({ state: 'active' }), 'b1'), { refused: 'not_busy', hostId: 'h1' });
  assert.equal(configVerdict(caller({ state: 'discovered' }, true), 'b1'), undefined);
});

test('who-refusals answer 403, when-refusals 409', () => {
  assert.deepEqual(
    Object.entries(REFUSAL_STATUS).filter(([, s]) => s === 403).map(([r]) => r),
    ['missing_secret', 'bad_secret', 'stale_secret', 'unknown_host'],
  );
});

test('a checkpoint journals at most 8 short query parameters and counts the rest', () => {
  const q = new URLSearchParams();
  for (let i = 0; i < 20; i++) q.append(`k${i}`, 'v'.repeat(i * 20));
  q.append('bad key', 'x');
  q.append('k0', 'again');
  const d = callbackData(q, '10.0.0.5');
  assert.equal(d.ip, '10.0.0.5');
  const kept = Object.keys(d).filter((k) => k.startsWith('q_') && k !== 'q_dropped');
  assert.equal(kept.length, MAX_QUERY_PARAMS);
  assert.equal(d.q_k0, '');
  assert.equal(d.q_dropped, 20 + 2 - MAX_QUERY_PARAMS);
  assert.ok(JSON.stringify(d).length < 8 * (32 + 256 + 8) + 64);
  assert.deepEqual(callbackData(new URLSearchParams('mac=52:54:00:00:00:01&ip=10.1.0.11&uptime=6.4'), '10.1.0.11'), {
    ip: '10.1.0.11',
    q_mac: '52:54:00:00:00:01',
    q_ip: '10.1.0.11',
    q_uptime: '6.4',
  });
});

test('refusal log: once per key per interval, then with the count it held back; bounded', () => {
  const lines: string[] = [];
  let t = 0;
  const log = createRefusalLog(createLogger({ write: (l) => lines.push(l) }), () => t, 60_000, 3);
  for (let i = 0; i < 10; i++) log('h1', { reason: 'bad_secret' });
  log('h2', { reason: 'bad_secret' });
  assert.equal(lines.length, 2);
  t = 59_999;
  log('h1', {});
  assert.equal(lines.length, 2);
  t = 60_000;
  log('h1', {});
  assert.equal(lines.length, 3);
  assert.equal(JSON.parse(lines[2]!).suppressed, 10);
  for (const k of ['a', 'b', 'c', 'd']) log(k, {});
  assert.equal(lines.length, 7, 'a full table is forgotten, not grown');
});

test('logs show callback URLs without their secret', () => {
  const s = 'Q'.repeat(43);
  assert.equal(redactPath(`/checkpoint/${s}/52:54:00:00:00:01/b1/2?mac=x`), '/checkpoint/<secret>/52:54:00:00:00:01/b1/2');
  assert.equal(redactPath(`//config//${s}/52:54:00:00:00:01?boot=b1`), '/config/<secret>/52:54:00:00:00:01');
  assert.equal(redactPath(`/%63heckpoint/${s}/m/b`), '/%63heckpoint/<secret>/m/b');
  assert.equal(redactPath('/files/vmlinuz'), '/files/vmlinuz');
});
