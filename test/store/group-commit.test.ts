// GroupCommit on its own: batching, ordering, and what a failed flush does.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCommit } from '../../src/store/group-commit.js';

const wrap = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

/** A promise the test opens: marks "the flush has started" and holds a flush until released. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

it('entries submitted while a flush runs go together into the next one', async () => {
  const batches: number[][] = [];
  const started = gate();
  const release = gate();
  const gc = new GroupCommit<number>(
    async (b) => {
      batches.push(b);
      if (batches.length > 1) return;
      started.open();
      await release.opened;
    },
    () => assert.fail('no failure expected'),
    wrap,
  );
  const first = [1, 2, 3].map((n) => gc.submit(n)); // same tick: one batch
  await started.opened; // the first flush is now in progress, and stays so until released
  const second = [4, 5, 6, 7].map((n) => gc.submit(n));
  release.open();
  await Promise.all([...first, ...second]);
  assert.deepEqual(batches, [[1, 2, 3], [4, 5, 6, 7]]);
  assert.equal(gc.flushes, 2);
  assert.equal(gc.entries, 7);
  assert.equal(gc.largestBatch, 4);
  await gc.idle();
});

it('a failed flush rejects its batch and everything queued, hands them over in order, and stops', async () => {
  let lostSeen: number[] = [];
  let calls = 0;
  const started = gate();
  const release = gate();
  const gc = new GroupCommit<number>(
    async () => {
      calls++;
      started.open();
      await release.opened;
      throw new Error('EIO');
    },
    (_err, lost) => (lostSeen = lost),
    (e) => new Error(`wrapped: ${(e as Error).message}`),
  );
  const a = gc.submit(1);
  await started.opened; // the flush of [1] is running
  const b = gc.submit(2);
  const c = gc.submit(3);
  release.open();
  for (const p of [a, b, c]) await assert.rejects(p, /wrapped: EIO/);
  assert.deepEqual(lostSeen, [1, 2, 3]);
  assert.equal(calls, 1, '2 and 3 are never written after a failure');
  await assert.rejects(gc.submit(4), /wrapped: EIO/);
  assert.match(gc.failed?.message ?? '', /EIO/);
  await gc.idle();
});
