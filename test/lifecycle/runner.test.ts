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
import { createMemoryStore } from '../fakes/memory-store.js';

const host = (over: Partial<HostRuntime> = {}): HostRuntime => ({ id: 'h1', state: 'inactive', bootIndex: 0, checkpoint: 0, power: 'unknown', attempts: 0, since: 0, updatedAt: 0, ...over });
const flush = () => new Promise((r) => setImmediate(r));

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
  for (let i = 0; i < 5; i++) await flush();
  assert.deepEqual(calls, ['pxe', 'cycle']);
  assert.equal(store.get('hosts', 'h1')!.stage, 'dhcp');
  assert.equal(store.get('hosts', 'h1')!.power, 'on');
  clock.advance(DEFAULT_POLICY.stageTimeoutMs.dhcp);
  for (let i = 0; i < 5; i++) await flush();
  assert.equal(store.get('hosts', 'h1')!.attempts, 1);
  assert.deepEqual(calls, ['pxe', 'cycle', 'pxe', 'cycle']);
  for (let k = 0; k < DEFAULT_POLICY.maxAttempts; k++) {
    clock.advance(DEFAULT_POLICY.stageTimeoutMs.dhcp);
    for (let i = 0; i < 5; i++) await flush();
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
  for (let i = 0; i < 5; i++) await flush();
  assert.equal(store.get('hosts', 'h1')!.attempts, 1, 'overdue timer fired at once');
  assert.equal(store.get('hosts', 'h2')!.attempts, 0);
  clock.advance(60_000);
  for (let i = 0; i < 5; i++) await flush();
  assert.equal(store.get('hosts', 'h2')!.attempts, 1, 'the other fired at its stored deadline');
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
  for (let i = 0; i < 5; i++) await flush();
  assert.deepEqual(calls, []);
  assert.equal(store.get('hosts', 'h1')!.state, 'failed');
  assert.match(store.get('hosts', 'h1')!.lastError!, /BMC unreachable/);
  lc.stop();
});
