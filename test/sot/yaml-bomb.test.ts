// Nested YAML aliases ("billion laughs"): a few hundred bytes that expand to billions of values
// are a problem at the file and line of the first alias, and a live reload keeps serving the last
// good SoT. Ordinary aliases still load.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSot } from '../../src/sot/load.js';
import { createLiveSot } from '../../src/sot/live.js';
import { systemClock } from '../../src/lib/clock.js';
import { nullLogger } from '../../src/lib/log.js';
import { BASE, writeSot } from './helpers.js';

const levels = 'bcdefghi'.split('');
const BOMB = `id: rack2\nmetadata:\n  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${levels
  .map((l, i) => `  ${l}: &${l} [${Array(9).fill(`*${i === 0 ? 'a' : levels[i - 1]}`).join(',')}]`)
  .join('\n')}\n`;

test('an alias bomb is a problem at file:line; ordinary aliases load', async () => {
  assert.ok(BOMB.length < 600, `a small file (${BOMB.length} bytes)`);
  const bad = writeSot({ ...BASE, 'sites/s1/bomb.yml': BOMB });
  try {
    const res = await loadSot(bad.dir);
    const p = res.problems.find((x) => /alias/.test(x.message));
    assert.ok(p, JSON.stringify(res.problems));
    assert.equal(p.severity, 'error');
    assert.match(p.file, /sites\/s1\/bomb\.yml$/);
    assert.equal(p.line, 4);
  } finally {
    bad.cleanup();
  }
  const ok = writeSot({ ...BASE, 'sites/s1/shared.yml': 'id: rack3\nmetadata:\n  base: &base {row: 1, power: a}\n  copy: *base\n' });
  try {
    const res = await loadSot(ok.dir);
    assert.deepEqual(res.problems.filter((x) => x.severity === 'error'), []);
  } finally {
    ok.cleanup();
  }
});

test('a reload that brings a bomb keeps the last good SoT serving', { timeout: 60_000 }, async () => {
  const w = writeSot(BASE);
  const live = createLiveSot({ root: w.dir, clock: systemClock, log: nullLogger, pollMs: 0 });
  try {
    assert.ok(await live.reload());
    const revision = live.current()!.revision;
    writeFileSync(join(w.dir, 'sites/s1/bomb.yml'), BOMB);
    assert.equal(await live.reload(), false);
    assert.equal(live.current()!.revision, revision, 'still serving the last good SoT');
    assert.ok(live.status().lastAttempt?.problems.some((p) => /alias/.test(p.message)));
  } finally {
    live.stop();
    w.cleanup();
  }
});
