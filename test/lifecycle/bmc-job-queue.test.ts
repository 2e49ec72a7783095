// The power stage's clock starts when the host's BMC job starts, not when it is queued: a host
// behind 50 slow jobs waits for its BMC (no deadline, no timer) and does not time out; the
// registry's global bound holds for jobs. Fake clock, fake BMC (bmc-job-world.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY } from '../../src/lifecycle/machine.js';
import { bmcJobWorld } from './bmc-job-world.js';

test('a host queued behind 50 slow jobs does not time out: its clock starts with its job', async () => {
  // One command at a time, 1 s each: 51 jobs of 3 commands take 153 s, past the 60 s power stage.
  const w = await bmcJobWorld({ hosts: 51, latencyMs: 1000, maxConcurrent: 1 });
  try {
    for (const id of w.ids) await w.lc.report(id, { type: 'provision.requested', workflow: 'wf', boots: 1 });
    await w.advance(100_000, 250);
    // 100 s in: the last host is still queued for its BMC, visibly so, and without a clock.
    const last = w.rt('h51');
    assert.equal(last.stage, 'power');
    assert.equal(last.deadline, undefined, 'no power-stage deadline while queued');
    assert.equal((await w.events('h51', 'provision.requested'))[0]!.data?.bmc_job, 'queued');
    assert.equal((await w.events('h51', 'power.started')).length, 0);

    await w.advance(60_000, 250);
    for (const id of w.ids) {
      assert.equal(w.rt(id).stage, 'dhcp', `${id} powered`);
      assert.equal(w.rt(id).attempts, 0, `${id} never retried`);
      assert.equal((await w.events(id, 'timeout')).length, 0, `${id} never timed out`);
    }
    const started = (await w.events('h51', 'power.started'))[0]!;
    assert.equal(started.at, w.t0 + 150_000, 'the last job began after the 50 before it (3 s each)');
    assert.equal(w.cmds.length, 51 * 3, 'one job of three commands per host');
  } finally {
    w.stop();
  }
});

test('a started job that hangs past the power stage times out from its start, not from its queueing', async () => {
  const w = await bmcJobWorld({ hosts: 2, latencyMs: 30_000, maxConcurrent: 1, policy: { stageTimeoutMs: { ...DEFAULT_POLICY.stageTimeoutMs, power: 60_000 } } });
  try {
    await w.lc.report('h1', { type: 'provision.requested', workflow: 'wf', boots: 1 });
    await w.lc.report('h2', { type: 'provision.requested', workflow: 'wf', boots: 1 });
    // h1's job: 3 × 30 s = 90 s, past its 60 s clock: it times out at 60 s and is retried.
    await w.advance(61_000, 500);
    assert.equal(w.rt('h1').attempts, 1, 'h1 timed out 60 s after its job began');
    assert.equal(w.rt('h2').attempts, 0, 'h2, queued behind it all along, has no clock yet');
    assert.equal(w.rt('h2').deadline, undefined);
    // h1's stale job ends at 90 s: its power.acked belongs to an older attempt and is dropped.
    await w.advance(30_000, 500);
    const h2Start = (await w.events('h2', 'power.started'))[0]!;
    assert.equal(h2Start.at, w.t0 + 90_000);
    assert.equal(w.rt('h2').deadline, w.t0 + 90_000 + 60_000);
    assert.equal((await w.events('h1', 'power.acked')).length, 0, "the superseded job's outcome is not reported");
  } finally {
    w.stop();
  }
});

test('concurrency bound: never more than maxConcurrent commands in flight, and all of it used', async () => {
  const w = await bmcJobWorld({ hosts: 40, latencyMs: 700, maxConcurrent: 4 });
  try {
    for (const id of w.ids) await w.lc.report(id, { type: 'provision.requested', workflow: 'wf', boots: 1 });
    await w.advance(30_000, 100);
    assert.equal(w.peakInFlight(), 4);
    for (const id of w.ids) assert.equal(w.rt(id).stage, 'dhcp', `${id} powered`);
    // Each host's commands ran back to back: a job keeps its slot from its first command to its last.
    for (const id of w.ids) {
      const mine = w.cmds.filter((c) => c.host === id);
      for (let i = 1; i < mine.length; i++) assert.equal(mine[i]!.start, mine[i - 1]!.end, `${id}: command ${i} followed at once`);
    }
  } finally {
    w.stop();
  }
});

test('resume() after runs began leaves a queued host alone: no clock until its job starts', async () => {
  // The appliance calls resume() once its services are up; an early plan may have queued jobs by then.
  const w = await bmcJobWorld({ hosts: 3, latencyMs: 30_000, maxConcurrent: 1 });
  try {
    await w.lc.report('h1', { type: 'provision.requested', workflow: 'wf', boots: 1 });
    await w.lc.report('h2', { type: 'provision.requested', workflow: 'wf', boots: 1 });
    // h3's boot start is applied but not yet durable when resume() runs.
    const h3 = w.lc.report('h3', { type: 'provision.requested', workflow: 'wf', boots: 1 });
    w.lc.resume();
    await h3;
    await w.advance(1000);
    for (const id of w.ids) assert.equal((await w.events(id, 'timeout')).length, 0, `${id} not timed out by resume`);
    assert.equal(w.rt('h3').deadline, undefined);
  } finally {
    w.stop();
  }
});

test('a queued job whose host moved on (maintenance) powers nothing when its turn comes', async () => {
  const w = await bmcJobWorld({ hosts: 2, latencyMs: 1000, maxConcurrent: 1 });
  try {
    await w.lc.report('h1', { type: 'provision.requested', workflow: 'wf', boots: 1 });
    await w.lc.report('h2', { type: 'provision.requested', workflow: 'wf', boots: 1 });
    await w.lc.report('h2', { type: 'maintenance.enter', reason: 'operator' });
    await w.advance(10_000);
    assert.deepEqual(w.cmds.map((c) => c.host), ['h1', 'h1', 'h1'], "h2's BMC was never touched");
    assert.equal(w.rt('h2').state, 'maintenance');
    assert.equal((await w.events('h2', 'power.started')).length, 0);
    assert.equal((await w.events('h2', 'power.acked')).length, 0);
  } finally {
    w.stop();
  }
});
