// One BMC job per host per boot attempt (src/lifecycle/power-effects.ts): PXE-once and power in
// one job of the BMC registry, started and reported once; a retry is a new job (a cycle); a job
// that fails fails the attempt once. Fake clock, fake BMC (bmc-job-world.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplianceError } from '../../src/model/index.js';
import { DEFAULT_POLICY } from '../../src/lifecycle/machine.js';
import { bmcJobWorld, opsOf } from './bmc-job-world.js';

const jobLines = (w: { logs: { msg: string; fields: Record<string, unknown> | undefined }[] }, host: string) => w.logs.filter((l) => l.msg === 'bmc job' && l.fields?.host === host);

test('one job per attempt: PXE-once, status and power on in one job, back to back; started, then reported once', async () => {
  const w = await bmcJobWorld({ hosts: 2, latencyMs: 1000, maxConcurrent: 1 });
  try {
    await w.lc.report('h1', { type: 'provision.requested', workflow: 'wf', boots: 1 });
    await w.lc.report('h2', { type: 'provision.requested', workflow: 'wf', boots: 1 });
    await w.advance(6000);
    for (const id of ['h1', 'h2']) {
      // The machine was off: a cycle of it would be refused, so the job powers it on.
      assert.deepEqual(opsOf(w.cmds, id), ['bootPxe', 'status', 'power.on']);
      assert.equal(w.rt(id).stage, 'dhcp');
      assert.equal((await w.events(id, 'power.acked')).length, 1, 'reported once');
      assert.equal((await w.events(id, 'power.started')).length, 1);
      assert.equal(jobLines(w, id).length, 1, 'one registry job');
    }
    // h1's three commands ran together, h2's only after them: no other command got between.
    assert.deepEqual(
      w.cmds.map((c) => `${c.host} ${c.op}`),
      ['h1 bootPxe', 'h1 status', 'h1 power.on', 'h2 bootPxe', 'h2 status', 'h2 power.on'],
    );
    const h2Start = (await w.events('h2', 'power.started'))[0]!;
    assert.equal(h2Start.at, w.t0 + 3000, "h2's job started when h1's ended");
    assert.equal(h2Start.data?.queued_ms, 3000);
  } finally {
    w.stop();
  }
});

test('a retry is a new job: PXE-once and a cycle of the machine that is on', async () => {
  const w = await bmcJobWorld({ hosts: 1, latencyMs: 1000, maxConcurrent: 4 });
  try {
    await w.lc.report('h1', { type: 'provision.requested', workflow: 'wf', boots: 1 });
    await w.advance(3000);
    assert.equal(w.rt('h1').stage, 'dhcp');
    await w.advance(DEFAULT_POLICY.stageTimeoutMs.dhcp); // no DHCP ever: the stage times out
    await w.advance(3000);
    const h = w.rt('h1');
    assert.equal(h.attempts, 1);
    assert.equal(h.bootAttempt, 2);
    assert.equal(h.stage, 'dhcp');
    assert.deepEqual(opsOf(w.cmds, 'h1'), ['bootPxe', 'status', 'power.on', 'bootPxe', 'status', 'power.cycle']);
    assert.equal(jobLines(w, 'h1').length, 2);
    const started = await w.events('h1', 'power.started');
    assert.deepEqual(
      started.map((e) => e.data?.attempt),
      [`${h.runStartedAt}.1`, `${h.runStartedAt}.2`],
      'each job started the clock of its own attempt',
    );
    // The ack names the effect the machine asked for (a cycle), whatever the job did for an off machine.
    assert.deepEqual((await w.events('h1', 'power.acked')).map((e) => e.data?.action), ['cycle', 'cycle']);
  } finally {
    w.stop();
  }
});

test('a job that fails fails the attempt once, and the power command after a failed PXE-once never runs', async () => {
  const auth = () => new ApplianceError('BMC_AUTH_FAILED', 'bad password', { retryable: false });
  const w = await bmcJobWorld({ hosts: 2, latencyMs: 500, maxConcurrent: 2, fail: (host, op) => (host === 'h1' && op === 'bootPxe') || (host === 'h2' && op === 'power.on') ? auth() : undefined });
  try {
    await w.lc.report('h1', { type: 'provision.requested', workflow: 'wf', boots: 1 });
    await w.lc.report('h2', { type: 'provision.requested', workflow: 'wf', boots: 1 });
    await w.advance(5000);
    assert.deepEqual(opsOf(w.cmds, 'h1'), ['bootPxe']);
    assert.deepEqual(opsOf(w.cmds, 'h2'), ['bootPxe', 'status', 'power.on']);
    for (const id of ['h1', 'h2']) {
      assert.equal(w.rt(id).state, 'failed');
      assert.match(w.rt(id).lastError!, /power control failed: bad password/);
      assert.equal((await w.events(id, 'power.failed')).length, 1, 'one outcome');
      assert.equal((await w.events(id, 'power.acked')).length, 0);
    }
  } finally {
    w.stop();
  }
});

test('an unreachable BMC is retried inside the job; giving up fails the attempt once', async () => {
  const down = () => new ApplianceError('BMC_UNREACHABLE', 'no answer', { retryable: true });
  const w = await bmcJobWorld({ hosts: 1, latencyMs: 200, maxConcurrent: 1, retries: 2, fail: (_h, op) => (op === 'status' ? down() : undefined) });
  try {
    await w.lc.report('h1', { type: 'provision.requested', workflow: 'wf', boots: 1 });
    await w.advance(5000, 50);
    assert.deepEqual(opsOf(w.cmds, 'h1'), ['bootPxe', 'status', 'status', 'status']);
    assert.equal(w.rt('h1').state, 'failed');
    assert.equal((await w.events('h1', 'power.failed')).length, 1);
  } finally {
    w.stop();
  }
});
