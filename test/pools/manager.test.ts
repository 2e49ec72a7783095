// The pool manager over a fake orchestrator and a fake clock: fills to size with bounded
// installs, replaces failed hosts, expires check-outs with no call, never takes held hosts,
// keeps API overrides across a new manager over the same store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLiveSot } from '../../src/sot/live.js';
import { syncHostRecords } from '../../src/lifecycle/sync.js';
import { nullLogger } from '../../src/lib/log.js';
import { createPoolManager } from '../../src/pools/manager.js';
import { checkOut, checkoutOf, returnInTx } from '../../src/pools/checkout.js';
import { OVERRIDES_KEY, poolHolds, phaseOf } from '../../src/pools/model.js';
import { holdHosts } from '../../src/plans/holds.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { createMemoryStore } from '../fakes/memory-store.js';
import { writeSot } from '../sot/helpers.js';
import { POOL_SOT, become, fakeOrchestrator } from './world.js';

async function world(files = POOL_SOT) {
  const clock = new FakeClock();
  const w = writeSot(files);
  const sot = createLiveSot({ root: w.dir, clock, log: nullLogger, pollMs: 0 });
  assert.ok(await sot.reload());
  const store = createMemoryStore(clock);
  await syncHostRecords(store, sot.current()!, clock.now());
  const orch = fakeOrchestrator();
  const make = () => createPoolManager({ sot, store, orchestrator: orch, clock, log: nullLogger }, { maxConcurrent: 1, askGraceMs: 1000 });
  const m = make();
  return { clock, sot, store, orch, m, make, cleanup: () => (sot.stop(), w.cleanup()) };
}

const phases = (store: Parameters<typeof poolHolds>[0]) => Object.fromEntries([...poolHolds(store)].map(([h, a]) => [h, phaseOf(a)]));

test('fills a pool to size, one install at a time, and only with hosts its selector takes', async () => {
  const { store, orch, m, cleanup } = await world();
  m.start();
  await m.settle();
  assert.deepEqual(orch.calls, [{ op: 'provision', host: 'p1', workflow: 'rhel' }], 'bound of 1: one install');
  await become(store, 'p1', 'provisioning', 'rhel');
  await m.settle();
  assert.equal(orch.calls.length, 1, 'still one in flight');
  await become(store, 'p1', 'active', 'rhel');
  await m.settle();
  assert.deepEqual(orch.calls.at(-1), { op: 'provision', host: 'p2', workflow: 'rhel' });
  await become(store, 'p2', 'active', 'rhel');
  await m.settle();
  assert.equal(orch.calls.length, 2, 'size 2 reached: nothing more');
  assert.deepEqual(phases(store), { p1: 'pool', p2: 'pool' });
  assert.ok(!orch.calls.some((c) => c.host === 'small' || c.host === 'h1'), 'small (8G) and the auto site host are never taken');
  await m.stop();
  cleanup();
});

test('a failed install is let go for an operator and another host is taken', async () => {
  const { store, orch, m, cleanup } = await world();
  m.start();
  await m.settle();
  await become(store, 'p1', 'failed', 'rhel');
  await m.settle();
  assert.deepEqual(orch.calls.map((c) => c.host), ['p1', 'p2']);
  assert.equal(phases(store).p1, undefined, 'p1 is no longer held');
  assert.equal(store.get('hosts', 'p1')?.state, 'failed', 'left as it is');
  await m.stop();
  cleanup();
});

test('never takes a host a plan holds, nor one with an API role', async () => {
  const { store, orch, m, clock, cleanup } = await world();
  await store.transact((tx) => holdHosts(tx, store, { kind: 'plan', planId: 'plan-1' }, ['p1'], clock.now()));
  await store.transact((tx) => tx.put('hosts', 'p2', { ...store.get('hosts', 'p2')!, role: { name: 'web', version: '1' } }));
  m.start();
  await m.settle();
  assert.deepEqual(orch.calls.map((c) => c.host), ['p3']);
  await m.stop();
  cleanup();
});

test('check-out, expiry on the clock with no call, wipe, then installed again to ready', async () => {
  const { store, orch, m, clock, sot, cleanup } = await world();
  m.start();
  await m.settle();
  await become(store, 'p1', 'active', 'rhel');
  await m.settle();
  await become(store, 'p2', 'active', 'rhel');
  await m.settle();
  clock.advance(1000);
  const got = await checkOut(store, sot.current()!, { wants: [{ name: 'centos', count: 1 }], owner: 'dev', now: clock.now() });
  assert.equal(got.centos!.length, 1);
  const host = got.centos![0]!;
  await m.settle();
  assert.equal(phases(store)[host], 'checkout');
  // Lifetime 2 h from check-out: nothing at 1h59, wiped at 2h.
  clock.advance(2 * 3600_000 - 1000);
  await m.settle();
  assert.ok(!orch.calls.some((c) => c.op === 'reclaim'));
  clock.advance(1000);
  await m.settle();
  assert.deepEqual(orch.calls.find((c) => c.op === 'reclaim'), { op: 'reclaim', host, workflow: 'wipe' });
  assert.equal(phases(store)[host], 'wipe');
  // Meanwhile the pool refilled (p3): once wiped, p1 is not needed and is let go.
  assert.deepEqual(orch.calls.find((c) => c.host === 'p3'), { op: 'provision', host: 'p3', workflow: 'rhel' });
  await become(store, 'p3', 'active', 'rhel');
  await become(store, host, 'reclaiming', 'wipe');
  await m.settle();
  await become(store, host, 'inactive', 'wipe');
  await m.settle();
  assert.equal(phases(store)[host], undefined, 'wiped and let go');
  // Two more check-outs: the refill takes the wiped host again and installs it.
  await checkOut(store, sot.current()!, { wants: [{ name: 'el7', count: 2 }], now: clock.now() });
  await m.settle();
  assert.deepEqual(orch.calls.at(-1), { op: 'provision', host: 'p1', workflow: 'rhel' });
  assert.equal(phases(store).p1, 'pool');
  await m.stop();
  cleanup();
});

test('a host returned right after its install is wiped at once, not after the ask grace', async () => {
  const { store, orch, m, clock, sot, cleanup } = await world();
  m.start();
  await m.settle();
  await become(store, 'p1', 'provisioning', 'rhel');
  await become(store, 'p1', 'active', 'rhel');
  await m.settle();
  await become(store, 'p2', 'provisioning', 'rhel');
  await become(store, 'p2', 'active', 'rhel');
  await m.settle();
  // All within the grace of the installs' asks (1 s here): the clock has not moved.
  const got = await checkOut(store, sot.current()!, { wants: [{ name: 'centos', count: 1 }], owner: 'dev', now: clock.now() });
  const host = got.centos![0]!;
  await store.transact((tx) => returnInTx(tx, checkoutOf(store, host)!, clock.now(), 'returned'));
  await m.settle();
  assert.deepEqual(orch.calls.find((c) => c.op === 'reclaim'), { op: 'reclaim', host, workflow: 'wipe' }, 'the install took effect: its ask no longer holds the wipe back');
  await m.stop();
  cleanup();
});

test('overrides in the store outlive the manager: a new one over the same store keeps them', async () => {
  const { store, orch, make, m, cleanup } = await world();
  await store.transact((tx) => tx.put('meta', OVERRIDES_KEY, { size: { 'centos-7-x86_64': 1 }, template: {}, resetAt: {} }));
  m.start();
  await m.settle();
  await become(store, 'p1', 'active', 'rhel');
  await m.settle();
  await m.stop();
  const again = make();
  again.start();
  await again.settle();
  assert.deepEqual(orch.calls.map((c) => c.host), ['p1'], 'size 1 from the override: no second host');
  // Lowering to 0 wipes the ready host and lets it go once wiped.
  await store.transact((tx) => {
    tx.put('meta', OVERRIDES_KEY, { size: { 'centos-7-x86_64': 0 }, template: {}, resetAt: {} });
    tx.event({ subject: 'appliance', type: 'pool.config', data: {} });
  });
  await again.settle();
  assert.deepEqual(orch.calls.at(-1), { op: 'reclaim', host: 'p1', workflow: 'wipe' });
  await become(store, 'p1', 'inactive', 'wipe');
  await again.settle();
  assert.deepEqual(phases(store), {});
  await again.stop();
  cleanup();
});

test('stop() ends the periodic look: no timer left', async () => {
  const { clock, m, cleanup } = await world();
  m.start();
  await m.settle();
  assert.ok(clock.pending > 0);
  await m.stop();
  assert.equal(clock.pending, 0);
  cleanup();
});
