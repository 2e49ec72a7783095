// Store.subscribe on the lowdb store, beyond the contract suite: one call per group commit (not
// per transaction), nothing told of a write that failed, listener errors logged.

import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger, LogFields } from '../../src/lib/log.js';
import type { HostEvent } from '../../src/model/index.js';
import { openStore } from '../../src/store/lowdb-store.js';
import { host, removeTempDirs, tempDir } from './helpers.js';

after(removeTempDirs);

function recordingLogger(): Logger & { errors: Array<[string, LogFields | undefined]> } {
  const errors: Array<[string, LogFields | undefined]> = [];
  const log: Logger = { debug() {}, info() {}, warn() {}, error: (m, f) => void errors.push([m, f]), child: () => log };
  return Object.assign(log, { errors });
}

it('transactions sharing a group commit are told in one call, in seq order', async () => {
  const s = await openStore({ dir: await tempDir() });
  const calls: number[][] = [];
  s.subscribe((events) => calls.push(events.map((e) => e.seq)));
  // Started in the same turn of the event loop: one disk commit (see group-commit.ts).
  await Promise.all([1, 2, 3].map((i) => s.transact((tx) => tx.event({ subject: `h${i}`, type: 'x' }))));
  await s.transact((tx) => {
    tx.event({ subject: 'h1', type: 'y' });
    tx.event({ subject: 'h2', type: 'y' });
  });
  assert.equal(s.stats().commits, 2);
  assert.deepEqual(calls, [[1, 2, 3], [4, 5]]);
  await s.close();
});

it('a failed disk write tells nothing, and the listener errors are logged, not thrown', async () => {
  let failNext = false;
  const log = recordingLogger();
  const s = await openStore({
    dir: await tempDir(),
    log,
    testHooks: {
      beforeAppend() {
        if (failNext) throw new Error('EIO');
      },
    },
  });
  const told: HostEvent[] = [];
  s.subscribe((events) => told.push(...events));
  s.subscribe(() => {
    throw new Error('listener bug');
  });
  await s.transact((tx) => tx.event({ subject: 'h1', type: 'kept' }));
  failNext = true;
  await assert.rejects(
    s.transact((tx) => {
      tx.put('hosts', 'h1', host('h1'));
      tx.event({ subject: 'h1', type: 'lost' });
    }),
    { code: 'STORE_FAILED' },
  );
  assert.deepEqual(told.map((e) => e.type), ['kept']);
  assert.deepEqual(
    log.errors.filter(([m]) => m.startsWith('store event listener')),
    [['store event listener failed (ignored)', { error: 'listener bug' }]],
  );
  await s.close();
});
