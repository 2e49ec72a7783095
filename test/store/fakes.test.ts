// The store fakes other modules test with (the memory fake also runs the contract suite).

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { BrokenStore } from '../fakes/broken-store.js';
import { MemoryStore } from '../fakes/memory-store.js';
import { host } from './helpers.js';

it('BrokenStore rejects every transaction with STORE_FAILED and changes nothing', async () => {
  const seed = new MemoryStore();
  await seed.transact((tx) => tx.put('hosts', 'h1', host('h1')));
  const s = new BrokenStore(seed);
  let ran = false;
  await assert.rejects(
    s.transact((tx) => {
      ran = true;
      tx.put('hosts', 'h2', host('h2'));
    }),
    { name: 'ApplianceError', code: 'STORE_FAILED' },
  );
  assert.equal(ran, false);
  assert.equal(s.attempts, 1);
  assert.equal(s.get('hosts', 'h1')?.id, 'h1');
  assert.equal(s.count('hosts'), 1);
  await s.close();
});

it('MemoryStore counts commits and shows events once committed', async () => {
  const s = new MemoryStore({ now: () => 42 });
  const p = s.transact((tx) => tx.event({ subject: 'h1', type: 'x' }));
  assert.equal(s.lastSeq(), 0);
  await p;
  assert.equal(s.lastSeq(), 1);
  assert.equal((await s.events())[0]?.at, 42);
  await s.transact((tx) => tx.get('hosts', 'h1')); // read-only: nothing to commit
  assert.equal(s.commits, 1);
});

it('MemoryStore keeps what subscribers throw, for tests to look at', async () => {
  const s = new MemoryStore();
  const bug = new Error('listener bug');
  s.subscribe(() => {
    throw bug;
  });
  await s.transact((tx) => tx.event({ subject: 'h1', type: 'x' }));
  assert.deepEqual(s.listenerErrors, [bug]);
});
