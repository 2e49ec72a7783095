// A check-out runs inside a store transaction that holds up every other write, and every store
// read parses a record: it must read each pool host once, not once per sort comparison (found by
// bench/checkout.ts: ~20,000 host parses per check-out from a pool of 1,000, 74-166 check-outs/s).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLiveSot } from '../../src/sot/live.js';
import { syncHostRecords } from '../../src/lifecycle/sync.js';
import { nullLogger } from '../../src/lib/log.js';
import { checkOut } from '../../src/pools/checkout.js';
import { holdId } from '../../src/pools/model.js';
import type { HostRuntime } from '../../src/model/index.js';
import type { Store } from '../../src/store/store.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { createMemoryStore } from '../fakes/memory-store.js';
import { writeSot } from '../sot/helpers.js';
import { POOL_SOT } from './world.js';

const N = 200;

function bigPool(): Record<string, string> {
  let rack = 'id: big\n';
  for (let i = 0; i < N; i++) {
    rack += `---\nname: b${i}\ninterfaces:\n  - {type: physical, mac: "52:54:00:00:0${3 + (i >> 8)}:${(i & 255).toString(16).padStart(2, '0')}", subnet: big}\nhardware: {cpu_cores: 8, memory: 64G, disks: [{size: 500G}]}\n`;
  }
  return {
    ...POOL_SOT,
    'sites/big/env.yml': 'id: big\nname: Big\nmode: on-demand\nsubnets:\n  - id: big\n    cidr: 10.3.0.0/16\nagents:\n  - name: a\n    asset_server: {addr: 10.3.0.2, port: 8080, scheme: http}\n    dhcp_mode: server\n',
    'sites/big/rack.yml': rack,
    'pools/big.yml': `name: big\nworkflow: rhel\nsize: ${N}\nselector: {site: big}\n`,
  };
}

test('a check-out from a pool of 200 reads each host once, and still hands out the oldest ready first', async () => {
  const clock = new FakeClock();
  const w = writeSot(bigPool());
  const sot = createLiveSot({ root: w.dir, clock, log: nullLogger, pollMs: 0 });
  assert.ok(await sot.reload(), JSON.stringify(sot.status().lastAttempt?.problems.slice(0, 3)));
  const store = createMemoryStore(clock);
  await syncHostRecords(store, sot.current()!, clock.now());
  // Every host installed and held by the pool; ready since a shuffled time; b7 still installing.
  await store.transact((tx) => {
    for (let i = 0; i < N; i++) {
      const id = `b${i}`;
      const since = 1_000_000 + ((i * 37) % N) * 1000;
      tx.put('hosts', id, { ...(tx.get('hosts', id) as HostRuntime), state: id === 'b7' ? 'provisioning' : 'active', workflow: 'rhel', since });
      tx.put('allocations', holdId('pool', id), { id: holdId('pool', id), hostId: id, kind: 'checkout', pool: 'big', tags: {}, createdAt: 0, lifetime: 0 });
    }
  });
  let hostReads = 0;
  const counting: Store = Object.create(store, {
    get: { value: (c: Parameters<Store['get']>[0], id: string) => ((c === 'hosts' && hostReads++), store.get(c, id)) },
  });
  const got = await checkOut(counting, sot.current()!, { wants: [{ name: 'big', count: 3 }], owner: 'dev', now: clock.now() });
  assert.ok(hostReads <= N, `${hostReads} host reads for ${N} pool hosts`);
  // since = ((i*37) % 200): 0 for b0, then i*37 ≡ 1 (mod 200) at i = 173, ≡ 2 at i = 146.
  assert.deepEqual(got.big, ['b0', 'b173', 'b146']);
  // Two names in one check-out: the second does not get what the first took in the same transaction.
  const both = await checkOut(store, sot.current()!, { wants: [{ name: 'big', count: 1 }, { name: 'big', count: 1 }], now: clock.now() });
  assert.deepEqual(both.big, ['b119', 'b92']);
  sot.stop();
  w.cleanup();
});
