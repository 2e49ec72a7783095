// perTurn (src/lib/per-turn.ts): what is pushed during one event-loop turn is handed on once, at
// its end; flush hands on at once, clear drops.
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { test } from 'node:test';
import { perTurn } from '../../src/lib/per-turn.js';

test('one hand-on per turn, in push order; flush now; clear drops; nothing for an empty turn', async () => {
  const got: number[][] = [];
  const b = perTurn<number>((items) => got.push(items));
  b.push(1);
  b.push(2);
  b.push(3);
  assert.deepEqual(got, [], 'not before the end of the turn');
  await nextTurn();
  assert.deepEqual(got, [[1, 2, 3]]);
  b.push(4);
  b.flush();
  assert.deepEqual(got, [[1, 2, 3], [4]], 'flush hands on at once');
  await nextTurn();
  assert.equal(got.length, 2, 'the turn\'s end finds nothing left');
  b.push(5);
  b.clear();
  b.push(6);
  await nextTurn();
  assert.deepEqual(got.at(-1), [6], 'what was cleared is gone; what came after goes');
});
