// The runner with a fake clock: timers from the machine fire as timeout events, survive a
// restart (resume re-arms from the stored deadline), and power effects run through the port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLifecycle, type EffectHandler } from '../../src/lifecycle/runner.js';
import { createPowerEffects, type PowerPort } from '../../src/lifecycle/power-effects.js';
import { DEFAULT_POLICY } from '../../src/lifecycle/machine.js';
import { nullLogger } from '../../src/lib/log.js';
import type { HostRuntime } from '../../src/model/index.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { createMemoryStore, type MemoryStore } from '../fakes/memory-store.js';
import { waitFor } from '../fakes/wait.js';

const host = (over: Partial<HostRuntime> = {}): HostRuntime => ({ id: 'h1', state: 'inactive', bootIndex: 0, checkpoint: 0, power: 'unknown', attempts: 0, since: 0, updatedAt: 0, ...over });
/** Waits for h1's n-th journaled event of this type: the effects (promises on the fake BMC) have run. */
const journaled = (store: MemoryStore, type: string, n: number) =>
  waitFor(async () => (await store.events({ subject: 'h1' })).filter((e) => e.type === type).length >= n, { what: `${n} × ${type}` });

test('a stage timeout retries with a power cycle, then fails, with no real sleeps', async () => {
  const clock = new FakeClock(1_000_000);
  const store = createMemoryStore(clock);
  await store.transact((tx) => tx.put('hosts', 'h1', host()));
  const calls: string[] = [];
  const power: PowerPort = {
    bootPxeOnce: async () => (calls.push('pxe'), 'done'),
    power: async (_h, a) => (calls.push(a), 'done'),
    status: async () => 'on',
  };
  let lc!: ReturnType<typeof createLifecycle>;
  const effects: EffectHandler = createPowerEffects({ power, lifecycle: () => lc, log: nullLogger });
  lc = createLifecycle({ store, clock, log: nullLogger, effects });
  await lc.report('h1', { type: 'provision.requested', workflow: 'wf', boots: 1 });
  await journaled(store, 'power.acked', 1);
  assert.deepEqual(calls, ['pxe', 'cycle']);
  assert.equal(store.get('hosts', 'h1')!.stage, 'dhcp');
  assert.equal(store.get('hosts', 'h1')!.power, 'on');
  clock.advance(DEFAULT_POLICY.stageTimeoutMs.dhcp);
  await journaled(store, 'power.acked', 2);
  assert.equal(store.get('hosts', 'h1')!.attempts, 1);
  assert.deepEqual(calls, ['pxe', 'cycle', 'pxe', 'cycle']);
  for (let k = 0; k < DEFAULT_POLICY.maxAttempts; k++) {
    clock.advance(DEFAULT_POLICY.stageTimeoutMs.dhcp);
    await waitFor(async () => store.get('hosts', 'h1')!.state === 'failed' || (await store.events({ subject: 'h1', types: ['power.acked'] })).length >= k + 3, {
      what: `attempt ${k + 2} powered, or the host given up`,
    });
  }
  const h = store.get('hosts', 'h1')!;
  assert.equal(h.state, 'failed');
  assert.match(h.lastError!, /gave up after 3 attempts/);
  lc.stop();
});

test('after a restart, resume re-arms timers; a deadline that passed fires at once', async () => {
  const clock = new FakeClock(5_000_000);
  const store = createMemoryStore(clock);
  await store.transact((tx) => {
    tx.put('hosts', 'h1', host({ state: 'provisioning', stage: 'kernel', workflow: 'wf', bootsTotal: 1, deadline: 4_000_000 }));
    tx.put('hosts', 'h2', host({ id: 'h2', state: 'provisioning', stage: 'ipxe', workflow: 'wf', bootsTotal: 1, deadline: 5_060_000 }));
  });
  const lc = createLifecycle({ store, clock, log: nullLogger, effects: { run() {} } });
  lc.resume();
  clock.advance(0);
  await waitFor(() => store.get('hosts', 'h1')!.attempts === 1, { what: 'the overdue timer to fire at once' });
  assert.equal(store.get('hosts', 'h2')!.attempts, 0); // its deadline is a minute away on the fake clock
  clock.advance(60_000);
  await waitFor(() => store.get('hosts', 'h2')!.attempts === 1, { what: 'the other timer to fire at its stored deadline' });
  lc.stop();
});

test('a failed PXE override fails the host and skips the power action', async () => {
  const clock = new FakeClock(1_000);
  const store = createMemoryStore(clock);
  await store.transact((tx) => tx.put('hosts', 'h1', host()));
  const calls: string[] = [];
  const power: PowerPort = {
    bootPxeOnce: async () => {
      throw new Error('BMC unreachable');
    },
    power: async (_h, a) => (calls.push(a), 'done'),
    status: async () => 'off',
  };
  let lc!: ReturnType<typeof createLifecycle>;
  lc = createLifecycle({ store, clock, log: nullLogger, effects: createPowerEffects({ power, lifecycle: () => lc, log: nullLogger }) });
  await lc.report('h1', { type: 'provision.requested', workflow: 'wf', boots: 1 });
  // The power action is queued behind the override on the host's chain: it has had its turn
  // (and must have been skipped) by the time the override's failure is recorded.
  await waitFor(() => store.get('hosts', 'h1')!.state === 'failed', { what: 'the host to fail' });
  assert.deepEqual(calls, []);
  assert.match(store.get('hosts', 'h1')!.lastError!, /BMC unreachable/);
  lc.stop();
});
