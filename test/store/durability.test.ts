// What the lowdb store keeps on disk: reopen, replay, group commit, versions, lock, damaged files
// and failed writes.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFile, open, readFile, readdir, rename, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type CorralStore } from '../../src/store/lowdb-store.js';
import { waitFor } from '../fakes/wait.js';
import { TestClock, crashCopy, host, removeTempDirs, tempDir } from './helpers.js';

after(removeTempDirs);

/** The first journal segment (a store that never rotated has only this one). */
const J1 = 'journal.000000000001.jsonl';

/** fn's result and how many bytes it read through file handles (fs/promises) meanwhile. */
async function bytesRead<T>(fn: () => Promise<T>): Promise<{ result: T; bytes: number }> {
  const probe = await open(fileURLToPath(import.meta.url));
  const proto = Object.getPrototypeOf(probe) as { read: (...a: unknown[]) => Promise<{ bytesRead: number }> };
  await probe.close();
  const read = proto.read;
  let bytes = 0;
  proto.read = async function (this: unknown, ...a: unknown[]) {
    const r = await read.apply(this, a);
    bytes += r.bytesRead;
    return r;
  };
  try {
    return { result: await fn(), bytes };
  } finally {
    proto.read = read;
  }
}

async function fill(s: CorralStore, n: number, state: 'active' | 'failed' = 'active'): Promise<void> {
  for (let i = 0; i < n; i++) {
    await s.transact((tx) => {
      tx.put('hosts', `h${i}`, host(`h${i}`, state));
      tx.event({ subject: `h${i}`, type: 'state', data: { to: state } });
    });
  }
}

describe('lowdb store on disk', () => {
  it('reopen after close restores records and events (from the snapshot)', async () => {
    const dir = await tempDir();
    const s = await openStore({ dir, clock: new TestClock() });
    await fill(s, 20);
    await s.transact((tx) => tx.del('hosts', 'h3'));
    await s.close();
    const doc = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
    assert.equal(doc.schemaVersion, 1);
    assert.equal(doc.journalSeq, 21);
    assert.equal(Object.keys(doc.data.hosts).length, 19);

    const r = await openStore({ dir });
    assert.equal(r.count('hosts'), 19);
    assert.equal(r.get('hosts', 'h3'), undefined);
    assert.equal(r.get('hosts', 'h7')?.state, 'active');
    assert.equal(r.lastSeq(), 20);
    assert.deepEqual((await r.events({ subject: 'h5' })).map((e) => e.type), ['state']);
    // New commits continue the numbering.
    await r.transact((tx) => tx.event({ subject: 'h1', type: 'again' }));
    assert.deepEqual((await r.events({ subject: 'h1' })).map((e) => e.seq), [2, 21]);
    await r.close();
  });

  it('reopen after a crash replays the journal (no final snapshot), on top of an older snapshot', async () => {
    const dir = await tempDir();
    const s = await openStore({ dir, snapshotEvery: 5 });
    await fill(s, 12); // one commit each: snapshots after commits 5 and 10 (in the background)
    await waitFor(() => s.stats().snapshots >= 2, { what: 'the two background snapshots' });
    await fill(s, 2, 'failed');
    assert.equal(s.stats().snapshots, 2, 'background snapshots written');
    const copy = await crashCopy(dir); // as if kill -9 now
    await s.close();
    const doc = JSON.parse(await readFile(join(copy, 'state.json'), 'utf8'));
    // The second snapshot starts after commit 10 and, being in the background, may include
    // commits 11-12 that landed meanwhile; commits 13-14 (h1, h2 failed) come from the journal.
    assert.ok(doc.journalSeq >= 10 && doc.journalSeq <= 12, `snapshot at ${doc.journalSeq}`);

    const r = await openStore({ dir: copy });
    assert.equal(r.count('hosts'), 12);
    assert.equal(r.get('hosts', 'h1')?.state, 'failed');
    assert.equal(r.get('hosts', 'h11')?.state, 'active');
    assert.equal(r.get('hosts', 'h2')?.state, 'active');
    assert.equal(r.lastSeq(), 14);
    assert.equal((await r.events()).length, 14);
    await r.close();
  });

  it('rebuilds everything from the journal alone when state.json is moved away', async () => {
    const dir = await tempDir();
    const s = await openStore({ dir });
    await fill(s, 10);
    await s.close();
    await rename(join(dir, 'state.json'), join(dir, 'state.json.moved'));
    const r = await openStore({ dir });
    assert.equal(r.count('hosts'), 10);
    assert.equal(r.lastSeq(), 10);
    await r.close();
  });

  it('group commit: many concurrent transactions share few disk writes', async () => {
    const dir = await tempDir();
    const s = await openStore({ dir });
    const before = s.stats().commits;
    const n = 500;
    const all = Array.from({ length: n }, (_, i) =>
      s.transact((tx) => {
        tx.put('hosts', `h${i}`, host(`h${i}`));
        tx.event({ subject: `h${i}`, type: 'created' });
        return i;
      }),
    );
    assert.deepEqual(await Promise.all(all), Array.from({ length: n }, (_, i) => i));
    const st = s.stats();
    assert.ok(st.commits - before < n / 10, `expected batching, got ${st.commits - before} commits for ${n}`);
    assert.ok(st.largestBatch > 10);
    assert.equal(st.transactions, n);
    await s.close();
    const lines = (await readFile(join(dir, J1), 'utf8')).trim().split('\n');
    assert.equal(lines.length, n + 1); // header + one line per transaction
  });

  it('rejects data written by a newer schema, in state.json and in the journal', async () => {
    const dir = await tempDir();
    const s = await openStore({ dir });
    await fill(s, 2);
    await s.close();
    const path = join(dir, 'state.json');
    const doc = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...doc, schemaVersion: 99 }));
    await assert.rejects(openStore({ dir }), { code: 'STORE_FAILED', message: /schema version 99.*newer Corral/ });
    await writeFile(path, JSON.stringify(doc)); // back to v1: opens again (the lock was released)
    await (await openStore({ dir })).close();

    const dir2 = await tempDir();
    await writeFile(join(dir2, 'journal.jsonl'), JSON.stringify({ corral: 'journal', schemaVersion: 2 }) + '\n');
    await assert.rejects(openStore({ dir: dir2 }), /schema version 2/);
  });

  it('only one process may open a data directory; a stale lock is taken over', async () => {
    const dir = await tempDir();
    const s = await openStore({ dir });
    await assert.rejects(openStore({ dir }), { code: 'STORE_FAILED', message: /in use.*pid/ });
    await s.close();
    // A lock left by a process that died (kill -9): its pid no longer exists.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    await writeFile(join(dir, 'store.lock'), JSON.stringify({ pid: dead, host: hostname(), since: 1 }));
    await writeFile(join(dir, `store.lock.${dead}.x1`), 'left by a kill between create and link');
    const r = await openStore({ dir });
    await r.close();
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('store.lock')), [], 'stale files gone, lock released');
  });

  it('lock staleness: live pid, reboot, reused pid, other host, old heartbeat', async () => {
    const dir = await tempDir();
    const lock = join(dir, 'store.lock');
    const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '')).trim();
    const write = (h: object, ageMs = 0) =>
      writeFile(lock, JSON.stringify({ since: 1, bootId, ...h })).then(() => {
        const t = new Date(Date.now() - ageMs);
        return utimes(lock, t, t);
      });
    const opens = async () => (await openStore({ dir })).close().then(() => true);
    const alive = process.ppid; // the test runner: certainly running

    await write({ pid: alive, host: hostname() });
    await assert.rejects(openStore({ dir }), /in use/);
    await write({ pid: alive, host: 'elsewhere' });
    await assert.rejects(openStore({ dir }), /in use/);
    await write({ pid: alive, host: 'elsewhere' }, 60_000); // no heartbeat for a minute
    assert.ok(await opens());
    if (bootId) {
      await write({ pid: alive, host: hostname(), bootId: 'an-earlier-boot' }); // pid reused after a reboot
      assert.ok(await opens());
    }
    await write({ pid: process.pid, host: hostname() }); // our pid, from a former process (containers)
    assert.ok(await opens());
  });

  it('a torn journal tail is cut off; complete entries are kept', async () => {
    const dir = await tempDir();
    const s = await openStore({ dir });
    await fill(s, 5);
    const copy = await crashCopy(dir);
    await s.close();
    const journal = join(copy, J1);
    const good = (await stat(journal)).size;
    await appendFile(journal, '{"t":6,"at":1,"ops":[{"c":"hosts","id":"h9","v":{"id":"h9","sta');
    const r = await openStore({ dir: copy });
    assert.equal(r.count('hosts'), 5);
    assert.equal(r.get('hosts', 'h9'), undefined);
    assert.equal((await stat(journal)).size, good);
    await r.transact((tx) => tx.put('hosts', 'h9', host('h9'))); // appends cleanly after the cut
    await r.close();
    const again = await openStore({ dir: copy });
    assert.equal(again.count('hosts'), 6);
    await again.close();
  });

  it('garbage in the middle of the journal is reported, not silently dropped', async () => {
    const dir = await tempDir();
    const s = await openStore({ dir });
    await fill(s, 3);
    await s.close();
    const journal = join(dir, J1);
    const lines = (await readFile(journal, 'utf8')).split('\n');
    lines[2] = '{"t":2, garbage';
    await writeFile(journal, lines.join('\n'));
    await assert.rejects(openStore({ dir }), { code: 'STORE_FAILED', message: /corrupt at byte \d+/ });
  });

  it('a leftover snapshot temp file is removed; a damaged state.json is a clear error', async () => {
    const dir = await tempDir();
    const s = await openStore({ dir });
    await fill(s, 3);
    await s.close();
    await writeFile(join(dir, 'state.json.tmp-12345-1'), '{"schemaVersion":1,"jour');
    const r = await openStore({ dir });
    assert.equal(r.count('hosts'), 3);
    await r.close();
    assert.deepEqual((await readdir(dir)).filter((f) => f.includes('.tmp-')), []);

    const path = join(dir, 'state.json');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, text.length / 2)); // cannot come from our own writes
    await assert.rejects(openStore({ dir }), { code: 'STORE_FAILED', message: /not valid JSON.*journal/ });
  });

  it('a failed disk write rejects with STORE_FAILED, is undone in memory, and stops writes', async () => {
    const dir = await tempDir();
    let failNext = false;
    const s = await openStore({
      dir,
      testHooks: {
        beforeAppend: () => {
          if (failNext) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        },
      },
    });
    await fill(s, 2);
    failNext = true;
    const a = s.transact((tx) => {
      tx.put('hosts', 'h0', host('h0', 'failed'));
      tx.event({ subject: 'h0', type: 'state' });
    });
    const b = s.transact((tx) => tx.del('hosts', 'h1'));
    assert.equal(s.get('hosts', 'h0')?.state, 'failed'); // visible while pending
    await assert.rejects(a, { code: 'STORE_FAILED', message: /ENOSPC/ });
    await assert.rejects(b, { code: 'STORE_FAILED' });
    assert.equal(s.get('hosts', 'h0')?.state, 'active', 'rolled back to the acknowledged state');
    assert.equal(s.get('hosts', 'h1')?.state, 'active');
    assert.equal(s.lastSeq(), 2);
    assert.equal(s.stats().failed, true);
    failNext = false;
    await assert.rejects(s.transact((tx) => tx.put('hosts', 'h5', host('h5'))), { code: 'STORE_FAILED' });
    assert.equal(s.get('hosts', 'h5'), undefined);
    await s.close();
    const r = await openStore({ dir });
    assert.equal(r.get('hosts', 'h0')?.state, 'active');
    assert.equal(r.count('hosts'), 2);
    await r.transact((tx) => tx.put('hosts', 'h5', host('h5'))); // a reopened store writes again
    await r.close();
  });

  it('lists one host history among many events by reading its own journal lines only', async () => {
    const dir = await tempDir();
    const s = await openStore({ dir });
    const hosts = 1000;
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        Array.from({ length: hosts }, (_, i) => s.transact((tx) => tx.event({ subject: `h${i}`, type: 'tick', data: { round } }))),
      );
    }
    // What makes it fast, measured in bytes rather than milliseconds: the history comes from the
    // index's positions, so the journal is read near h500's 20 lines, not through.
    const journalBytes = s.stats().journalBytes;
    const { result: hist, bytes } = await bytesRead(() => s.events({ subject: 'h500' }));
    assert.deepEqual(hist.map((e) => e.data?.['round']), Array.from({ length: 20 }, (_, i) => i));
    assert.ok(bytes > 0 && bytes < journalBytes / 10, `read ${bytes} of ${journalBytes} journal bytes for one host's history`);
    assert.equal((await s.events({ afterSeq: 19_990 })).length, 10);
    await s.close();
  });
});

describe('lowdb store: first open', () => {
  it('creates the files; a journal torn while writing its header is started again', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'journal.jsonl'), '{"corral":"jour');
    const s = await openStore({ dir });
    assert.equal(s.count('hosts'), 0);
    await s.transact((tx) => tx.put('hosts', 'h1', host('h1')));
    await s.close();
    const [head, first] = (await readFile(join(dir, J1), 'utf8')).split('\n');
    assert.deepEqual(JSON.parse(head!).schemaVersion, 1);
    assert.equal(JSON.parse(first!).t, 1);
    // The pre-rotation journal.jsonl became the first segment.
    assert.deepEqual((await readdir(dir)).sort(), [J1, 'state.json']);
  });
});
