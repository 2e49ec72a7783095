// THE KILL TEST: a child process hammers the store and is killed with SIGKILL at a random
// moment, several rounds on the same directory. After each kill the store must open, hold every
// transaction the child saw acknowledged, and be internally consistent (each transaction's host
// update, event and lease change are all there or all absent). The child snapshots every few
// commits, so kills also hit snapshot writes.

import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore, type CorralStore } from '../../src/store/lowdb-store.js';
import { within } from '../fakes/wait.js';
import { removeTempDirs, tempDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const ROUNDS = 6;
const HOSTS = 1000;

after(removeTempDirs);

interface Round {
  acks: Array<[string, number]>;
  tempFilesAtKill: number;
  segmentsAtKill: number;
}

/**
 * Runs the child until `ready`, lets it acknowledge a random number (10-3,000) of transactions,
 * kills it, and returns what it acknowledged. Counted in acknowledgements rather than a random
 * sleep, so every round does work however slow the machine, and the kill still lands at an
 * arbitrary point of the 32 workers' commits and the snapshots among them.
 */
async function runAndKill(dir: string, mode = '', maxAcks = 3000): Promise<Round> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'kill-child.ts'), dir, String(HOSTS), '32', '20000', mode], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const target = 10 + Math.floor(Math.random() * (maxAcks - 9));
  let out = '';
  let err = '';
  let lines = 0; // complete lines: "ready", then one per acknowledged transaction
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const enough = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString();
      out += text;
      for (const ch of text) if (ch === '\n') lines++;
      if (out.startsWith('ready\n') && lines - 1 >= target) resolve();
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) after ${Math.max(0, lines - 1)} of ${target} acks: ${err}`)));
  });
  try {
    await within(enough, { timeoutMs: 30_000, what: `${target} acknowledged transactions` });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  const names = await readdir(dir);
  const tempFilesAtKill = names.filter((f) => f.includes('.tmp-')).length;
  const segmentsAtKill = names.filter((f) => /^journal\.\d+\.jsonl$/.test(f)).length;
  // Only complete lines: a line cut by the kill was not fully printed, so it is not counted.
  const acks = out
    .split('\n')
    .slice(0, -1)
    .filter((l) => l.startsWith('ack '))
    .map((l) => {
      const [, id, n] = l.split(' ');
      return [id!, Number(n)] as [string, number];
    });
  return { acks, tempFilesAtKill, segmentsAtKill };
}

async function checkFilesReadable(dir: string): Promise<void> {
  JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
  const files = (await readdir(dir)).filter((f) => f.startsWith('journal.'));
  assert.ok(files.some((f) => f.endsWith('.jsonl')), 'a journal segment exists');
  for (const f of files) {
    const lines = (await readFile(join(dir, f), 'utf8')).split('\n');
    assert.equal(lines.pop(), '', `${f} ends with a complete line`);
    for (const l of lines) if (!f.endsWith('.idx')) JSON.parse(l);
  }
  assert.deepEqual((await readdir(dir)).filter((f) => f.includes('.tmp-')), [], 'temp files cleaned');
}

async function checkConsistent(s: CorralStore, acked: Map<string, number>): Promise<void> {
  for (const [id, n] of acked) {
    const h = s.get('hosts', id);
    assert.ok(h && h.attempts >= n, `${id}: acknowledged attempts ${n}, stored ${h?.attempts}`);
  }
  for (const h of s.list('hosts')) {
    const bumps = await s.events({ subject: h.id, types: ['bump'] });
    assert.equal(bumps.length, h.attempts, `${h.id}: one event per stored transition`);
    assert.deepEqual(bumps.map((e) => e.data?.['attempts']), Array.from({ length: h.attempts }, (_, i) => i + 1));
    const lease = s.get('leases', `l-${h.id}`);
    if (h.attempts % 5 === 0) assert.equal(lease, undefined, `${h.id}: lease deleted with the transition`);
    else assert.equal(lease?.start, h.attempts, `${h.id}: lease written with the transition`);
  }
}

it('kill -9 at random moments loses nothing acknowledged and leaves readable files', { timeout: 180_000 }, async (t) => {
  const dir = await tempDir('corral-kill-');
  const acked = new Map<string, number>();
  let total = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const { acks, tempFilesAtKill } = await runAndKill(dir);
    for (const [id, n] of acks) acked.set(id, Math.max(acked.get(id) ?? 0, n));
    total += acks.length;
    const s = await openStore({ dir });
    try {
      await checkConsistent(s, acked);
      const st = s.stats();
      t.diagnostic(`round ${round}: ${acks.length} acks, ${st.events} events in journal, snapshot temp files at kill: ${tempFilesAtKill}`);
    } finally {
      await s.close();
    }
    await checkFilesReadable(dir);
  }
  assert.ok(total > ROUNDS * 10, `the child should have acknowledged work (got ${total})`);
});

/**
 * With retention the old events are gone, so the check is: every acknowledged record is there;
 * seqs never restarted or skipped (each transition has exactly one event, so the newest seq is
 * the sum of all hosts' attempts); what is kept is a gap-free run of seqs ending at the newest,
 * each host's kept transitions are the last ones it made; the aggregates have seen every event.
 */
async function checkRetained(s: CorralStore, acked: Map<string, number>): Promise<number> {
  let sum = 0;
  for (const [id, n] of acked) {
    const h = s.get('hosts', id);
    assert.ok(h && h.attempts >= n, `${id}: acknowledged attempts ${n}, stored ${h?.attempts}`);
  }
  for (const h of s.list('hosts')) {
    sum += h.attempts;
    const kept = (await s.events({ subject: h.id, types: ['bump'] })).map((e) => e.data?.['attempts'] as number);
    assert.deepEqual(kept, Array.from({ length: kept.length }, (_, i) => h.attempts - kept.length + 1 + i), `${h.id}: kept transitions are its last ones`);
    const lease = s.get('leases', `l-${h.id}`);
    assert.equal(lease === undefined, h.attempts % 5 === 0, `${h.id}: lease written with the transition`);
  }
  assert.equal(s.lastSeq(), sum, 'the newest seq counts every transition ever made');
  const all = await s.events();
  assert.ok(all.length > 0 && all.at(-1)!.seq === sum, 'the newest events are kept');
  assert.deepEqual(all.map((e) => e.seq), Array.from({ length: all.length }, (_, i) => all[0]!.seq + i), 'no hole in the kept history');
  assert.equal(s.aggregates().throughSeq, sum, 'aggregates have seen every event, dropped ones included');
  return all.length;
}

it('kill -9 during rotation, sidecar writes and retention drops loses nothing acknowledged', { timeout: 240_000 }, async (t) => {
  const dir = await tempDir('corral-kill-compact-');
  const acked = new Map<string, number>();
  const deadline = Date.now() + 150_000; // bounded on a slow, shared machine: fewer rounds, never a hang
  let rounds = 0;
  let dropped = 0;
  for (let round = 1; round <= 20 && Date.now() < deadline; round++) {
    const { acks, tempFilesAtKill, segmentsAtKill } = await runAndKill(dir, 'compact', 1500);
    for (const [id, n] of acks) acked.set(id, Math.max(acked.get(id) ?? 0, n));
    const s = await openStore({ dir, segmentBytes: 4096, retention: { maxAgeMs: 0, maxBytes: 40_000 } });
    try {
      const kept = await checkRetained(s, acked);
      dropped = s.lastSeq() - kept;
      t.diagnostic(`round ${round}: ${acks.length} acks, ${segmentsAtKill} segments and ${tempFilesAtKill} temp files at kill, ${kept} events kept of ${s.lastSeq()}`);
    } finally {
      await s.close();
    }
    await checkFilesReadable(dir);
    rounds = round;
  }
  assert.ok(rounds >= 5, `at least 5 rounds ran (${rounds})`);
  assert.ok(dropped > 0, 'retention dropped history during the rounds');
});
