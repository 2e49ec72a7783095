// Journal rotation and retention: segments, events() across them, reopen after each step,
// retention by age (injected clock) and by size, aggregates surviving dropped history, torn tails.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openStore, type CorralStore, type OpenStoreOptions } from '../../src/store/lowdb-store.js';
import { waitFor } from '../fakes/wait.js';
import { TestClock, crashCopy, host, removeTempDirs, tempDir } from './helpers.js';

after(removeTempDirs);

const SMALL = { segmentBytes: 4096, compactIntervalMs: 5, retention: { maxAgeMs: 0, maxBytes: 0 } } satisfies Partial<OpenStoreOptions>;

/** n transactions, each a host put and one 'tick' event (about 250 bytes of journal). */
async function ticks(s: CorralStore, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await s.transact((tx) => {
      tx.put('hosts', `h${i % 10}`, { ...host(`h${i % 10}`), attempts: i });
      tx.event({ subject: `h${i % 10}`, type: i % 3 === 0 ? 'tock' : 'tick', data: { i } });
    });
  }
}

async function segments(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => /^journal\.\d+\.jsonl$/.test(f)).sort();
}

describe('journal rotation', () => {
  it('splits the journal; events() works across segments and after reopen; seqs continue', async () => {
    const dir = await tempDir();
    const s = await openStore({ dir, ...SMALL });
    await ticks(s, 200);
    const st = s.stats();
    assert.ok(st.rotations >= 5, `rotations: ${st.rotations}`);
    assert.equal(st.segments, (await segments(dir)).length);
    const check = async (r: CorralStore) => {
      assert.deepEqual((await r.events()).map((e) => e.seq), Array.from({ length: 200 }, (_, i) => i + 1));
      assert.deepEqual((await r.events({ afterSeq: 37, limit: 5 })).map((e) => e.seq), [38, 39, 40, 41, 42]);
      assert.deepEqual((await r.events({ subject: 'h3' })).map((e) => e.data?.['i']), Array.from({ length: 20 }, (_, k) => 3 + 10 * k));
      assert.deepEqual((await r.events({ subject: 'h3', types: ['tock'], afterSeq: 100 })).map((e) => e.data?.['i']), [123, 153, 183]);
      assert.equal((await r.events({ afterSeq: 195 })).length, 5);
      // newest: the last N, across segment boundaries, still oldest first
      assert.deepEqual((await r.events({ limit: 45, newest: true })).map((e) => e.seq), Array.from({ length: 45 }, (_, i) => 156 + i));
      assert.deepEqual((await r.events({ subject: 'h3', limit: 4, newest: true })).map((e) => e.data?.['i']), [163, 173, 183, 193]);
      assert.deepEqual((await r.events({ subject: 'h3', types: ['tock'], limit: 2, newest: true, afterSeq: 150 })).map((e) => e.data?.['i']), [153, 183]);
      assert.deepEqual((await r.events({ afterSeq: 197, limit: 10, newest: true })).map((e) => e.seq), [198, 199, 200]);
      assert.equal(r.lastSeq(), 200);
      assert.equal(r.get('hosts', 'h7')?.attempts, 197);
    };
    await check(s);
    await s.close();
    // Closed segments got their sidecar index (in the background, or at the latest by close).
    const names = await readdir(dir);
    assert.ok(names.filter((f) => f.endsWith('.idx')).length >= 1, 'sidecar indexes written');
    const r = await openStore({ dir, ...SMALL });
    await check(r);
    await r.transact((tx) => tx.event({ subject: 'h3', type: 'again' }));
    assert.equal(r.lastSeq(), 201);
    await r.close();
  });

  it('open reads only the snapshot and the last segment, not the closed ones', async () => {
    const dir = await tempDir();
    const s = await openStore({ dir, ...SMALL });
    await ticks(s, 100);
    await s.close();
    const segs = await segments(dir);
    // Overwrite the oldest segment with same-size garbage: open must not notice (it never reads
    // it), and only a query that needs it fails.
    const first = join(dir, segs[0]!);
    await writeFile(first, Buffer.alloc((await stat(first)).size, 120));
    const r = await openStore({ dir, ...SMALL });
    assert.equal(r.lastSeq(), 100);
    assert.equal(r.get('hosts', 'h9')?.attempts, 99);
    assert.equal((await r.events({ afterSeq: 95 })).length, 5);
    await assert.rejects(r.events());
    await r.close();
  });

  it('a torn tail of the last segment is cut off; earlier acknowledged events survive', async () => {
    const dir = await tempDir();
    const s = await openStore({ dir, ...SMALL });
    await ticks(s, 120);
    const copy = await crashCopy(dir); // kill -9 now: no final snapshot
    await s.close();
    const last = join(copy, (await segments(copy)).at(-1)!);
    const good = (await stat(last)).size;
    await appendFile(last, '{"t":121,"at":1,"ops":[],"ev":[{"seq":121,"at":1,"subject":"h1","ty');
    const r = await openStore({ dir: copy, ...SMALL });
    assert.equal(r.lastSeq(), 120);
    assert.equal((await r.events()).length, 120);
    assert.equal((await stat(last)).size, good);
    await ticks(r, 1, 120);
    assert.deepEqual((await r.events({ afterSeq: 119 })).map((e) => e.seq), [120, 121]);
    await r.close();
  });

  it('a sidecar lost in a crash right after a rotation is rebuilt from its segment', async () => {
    const dir = await tempDir();
    const s = await openStore({ dir, ...SMALL });
    await ticks(s, 80);
    await s.close();
    for (const f of (await readdir(dir)).filter((f) => f.endsWith('.idx'))) await unlink(join(dir, f));
    const r = await openStore({ dir, ...SMALL });
    assert.deepEqual((await r.events({ subject: 'h1' })).map((e) => e.data?.['i']), [1, 11, 21, 31, 41, 51, 61, 71]);
    await waitFor(async () => (await readdir(dir)).some((f) => f.endsWith('.idx')), { what: 'sidecars written again' });
    await r.close();
  });

  it('a pre-rotation journal.jsonl becomes segment 1 and its history is aggregated', async () => {
    const dir = await tempDir();
    const ev = (seq: number, at: number, type: string, data: object) => ({ seq, at, subject: 'h1', type, data });
    const lines = [
      { corral: 'journal', schemaVersion: 1, createdAt: 1 },
      { t: 1, at: 1000, ops: [{ c: 'hosts', id: 'h1', v: host('h1') }], ev: [ev(1, 1000, 'provision.requested', { new_state: 'provisioning', new_stage: 'power' })] },
      { t: 2, at: 61_000, ops: [], ev: [ev(2, 61_000, 'checkpoint', { new_state: 'active', new_stage: null })] },
    ];
    await writeFile(join(dir, 'journal.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = await openStore({ dir, ...SMALL });
    assert.equal(r.lastSeq(), 2);
    const day = r.aggregates().days['1970-01-01'];
    assert.deepEqual(day?.provisioned, { count: 1, totalMs: 60_000, minMs: 60_000, maxMs: 60_000 });
    assert.deepEqual(day?.boots, { count: 1, totalMs: 60_000, minMs: 60_000, maxMs: 60_000 });
    await r.close();
    assert.ok(!(await readdir(dir)).includes('journal.jsonl'));
  });
});

/** One provisioning run of `id`: requested at `at`, two boots, active `ms` later. */
async function provision(s: CorralStore, id: string, at: number, ms: number): Promise<void> {
  const ev = (type: string, t: number, data: Record<string, unknown>) => s.transact((tx) => tx.event({ subject: id, type, at: t, data }));
  await ev('provision.requested', at, { new_state: 'provisioning', new_stage: 'power' });
  await ev('power.acked', at + 10, { new_state: 'provisioning', new_stage: 'dhcp' });
  await ev('checkpoint', at + ms / 2, { new_state: 'provisioning', new_stage: 'power' }); // boot 2 starts
  await ev('checkpoint', at + ms, { new_state: 'active', new_stage: null });
  await s.transact((tx) => tx.event({ subject: 'appliance', type: 'vm.tagged', at: at + ms, data: { pool: 'ubuntu', tags: { team: 'qa', jira: 'X-1' } } }));
}

describe('journal retention', () => {
  it('by size: oldest segments go once a snapshot covers them; aggregates and seqs survive', async () => {
    const dir = await tempDir();
    const clock = new TestClock(Date.UTC(2024, 0, 1));
    const opts = { dir, clock, ...SMALL, retention: { maxAgeMs: 0, maxBytes: 12_000 } };
    const s = await openStore(opts);
    for (let i = 0; i < 30; i++) await provision(s, `h${i}`, clock.t + i * 1000, 60_000);
    await ticks(s, 150);
    await waitFor(() => s.stats().droppedSegments > 0 && s.stats().journalBytes <= 12_000 + 4096 * 2, { what: 'segments dropped' });
    const kept = await s.events();
    assert.ok(kept.length < 300 && kept[0]!.seq > 1, `kept ${kept.length} events from seq ${kept[0]?.seq}`);
    assert.deepEqual(kept.map((e) => e.seq), Array.from({ length: kept.length }, (_, i) => kept[0]!.seq + i), 'no hole in what is kept');
    const agg = s.aggregates();
    const day = agg.days['2024-01-01']!;
    assert.equal(day.provisioned.count, 30);
    assert.equal(day.provisioned.totalMs, 30 * 60_000);
    assert.equal(day.boots.count, 60);
    assert.equal(day.boots.totalMs, 30 * 60_000);
    assert.deepEqual(day.tags, { ubuntu: { team: { qa: 30 }, jira: { 'X-1': 30 } } });
    await s.close();
    const r = await openStore(opts);
    assert.deepEqual(r.aggregates(), agg, 'aggregates survive the reopen');
    assert.equal(r.lastSeq(), 300);
    assert.equal((await r.events())[0]!.seq, kept[0]!.seq);
    await r.transact((tx) => tx.event({ subject: 'h1', type: 'after' }));
    assert.equal(r.lastSeq(), 301, 'seq numbers never restart');
    assert.equal(r.get('hosts', 'h9')?.attempts, 149);
    await r.close();
  });

  it('by age with an injected clock: segments older than maxAgeMs are dropped', async () => {
    const dir = await tempDir();
    const clock = new TestClock(Date.UTC(2024, 0, 1));
    const day = 24 * 3600_000;
    const opts = { dir, clock, ...SMALL, retention: { maxAgeMs: 2 * day, maxBytes: 0 } };
    const s = await openStore(opts);
    await ticks(s, 60);
    clock.t += day;
    await ticks(s, 60, 60);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(s.stats().droppedSegments, 0, 'nothing is old enough yet');
    clock.t += 2 * day; // the first day's segments are now 3 days old, the second day's 2
    await ticks(s, 60, 120);
    await waitFor(() => s.stats().droppedSegments > 0, { what: 'old segments dropped' });
    const first = (await s.events({ limit: 1 }))[0]!;
    // Whole segments go: day 1's last segment also holds day 2 commits, so it stays.
    assert.ok(first.seq > 1 && first.seq <= 61, `day 1 dropped up to its last segment (oldest kept: seq ${first.seq})`);
    assert.equal((await s.events({ afterSeq: 60 })).length, 120, 'day 2 and later all kept');
    assert.equal(s.lastSeq(), 180);
    await s.close();
    const r = await openStore(opts);
    assert.equal((await r.events({ limit: 1 }))[0]!.seq, first.seq);
    assert.equal((await r.events({ subject: 'h5' })).at(-1)?.data?.['i'], 175);
    await r.close();
    const doc = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
    assert.equal(doc.eventSeq, 180);
  });
});
