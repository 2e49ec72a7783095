// Store reopen time against the length of the history (bench/store.ts runs it): the segmented
// journal (snapshot + last segment + sidecar metadata) beside the layout before rotation (one
// journal.jsonl that open scans whole to rebuild the event index).
//
// How the history is made, quickly and honestly: the files are written directly, line by line, in
// the store's own format (the same transaction lines transact() journals: one host record put and
// one state event each, 10,000 hosts), not through 1M transactions. The new layout is cut into
// segments with the store's rotation rule (a new segment once one has passed segmentBytes), and
// its sidecars are written with the store's own writeIndexFile; state.json is a snapshot taken at
// the end (what close() leaves). The old layout is the same lines in one journal.jsonl with a
// pre-rotation state.json, opened by the store code of the commit before rotation (git archive
// of PRE_ROTATION); without git, by today's code, which reads that layout the same way.

import { execSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, symlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostRuntime } from '../src/model/index.js';
import { Aggregator } from '../src/store/aggregates.js';
import { writeFileDurably } from '../src/store/durable-file.js';
import { DEFAULT_SEGMENT_BYTES, openStore } from '../src/store/lowdb-store.js';
import { emptyMaps, encodeImage, type StateImage } from '../src/store/schema.js';
import { ColumnBuilder, segmentFile, writeIndexFile } from '../src/store/segments.js';

const PRE_ROTATION = 'dbd29e7a94f721844bd3d7a2e34c118b141b4a3f';
const SEGMENT_BYTES = DEFAULT_SEGMENT_BYTES;
const STATES = ['inactive', 'provisioning', 'active', 'reclaiming'] as const;
const T0 = Date.UTC(2026, 0, 1);

type Opener = (o: { dir: string }) => Promise<{ lastSeq(): number; close(): Promise<void>; events(q?: object): Promise<unknown[]> }>;

function hostRecord(i: number, n: number, at: number): HostRuntime {
  const id = `host-${String(i).padStart(5, '0')}`;
  return {
    id, state: STATES[n % 4]!, bootIndex: 0, checkpoint: 0, workflow: 'ubuntu-24.04-k8s-worker',
    desiredFingerprint: 'sha256:2f9c0d6a4e3b1f7a8c5d9e0b1a2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e',
    role: { name: 'k8s-worker', version: '1.4.2', settings: { pool: 'general', rack: `r${i % 40}` } },
    power: 'on', attempts: n, since: at, lastIp: `10.0.${(i >> 8) & 255}.${i & 255}`, updatedAt: at,
  };
}

class Out {
  private buf: string[] = [];
  private pending = 0;
  size = 0;
  constructor(readonly fh: FileHandle) {}
  async write(s: string): Promise<void> {
    this.buf.push(s);
    this.pending += s.length;
    this.size += Buffer.byteLength(s);
    if (this.pending > 4 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    await this.fh.write(this.buf.join(''));
    this.buf = [];
    this.pending = 0;
  }
  async close(): Promise<void> {
    await this.flush();
    await this.fh.close();
  }
}

const header = (t: number) => JSON.stringify({ corral: 'journal', schemaVersion: 1, createdAt: T0, segment: t }) + '\n';

/** Writes `events` transactions into both layouts, and a snapshot at the end of each. */
async function generate(oldDir: string, newDir: string, events: number, hosts: number): Promise<void> {
  const old = new Out(await open(join(oldDir, 'journal.jsonl'), 'w'));
  await old.write(header(1).replace(',"segment":1', ''));
  let seg = new Out(await open(join(newDir, segmentFile(1)), 'w'));
  let segT = 1;
  let cols = new ColumnBuilder(1);
  await seg.write(header(1));
  const attempts = new Uint32Array(hosts);
  const last = new Map<string, string>();
  for (let t = 1; t <= events; t++) {
    if (seg.size >= SEGMENT_BYTES) {
      await seg.close();
      cols.meta.bytes = seg.size;
      await writeIndexFile(newDir, cols.meta, cols.build());
      segT = t;
      cols = new ColumnBuilder(t);
      seg = new Out(await open(join(newDir, segmentFile(t)), 'w'));
      await seg.write(header(t));
    }
    const i = (t * 7919) % hosts;
    const at = T0 + t * 100;
    const rec = JSON.stringify(hostRecord(i, ++attempts[i]!, at));
    const id = `host-${String(i).padStart(5, '0')}`;
    last.set(id, rec);
    const ev = `{"seq":${t},"at":${at},"subject":"${id}","type":"state","data":{"from":"${STATES[(attempts[i]! + 3) % 4]}","to":"${STATES[attempts[i]! % 4]}"}}`;
    const line = `{"t":${t},"at":${at},"ops":[{"c":"hosts","id":"${id}","v":${rec}}],"ev":[${ev}]}\n`;
    const offset = seg.size;
    await seg.write(line);
    await old.write(line);
    cols.event({ seq: t, subject: id, type: 'state', offset, length: Buffer.byteLength(line), index: 0 });
    cols.tx(t, at, seg.size);
  }
  await old.close();
  await seg.close();
  const data = emptyMaps();
  for (const [id, json] of last) data.hosts.set(id, json);
  const base = { schemaVersion: 1, journalSeq: events, savedAt: T0, data };
  const oldImage: StateImage = { ...base, journalOffset: old.size };
  const newImage: StateImage = { ...base, journalOffset: seg.size, journalSegment: segT, eventSeq: events, aggregates: new Aggregator().state() };
  await writeFileDurably(join(oldDir, 'state.json'), encodeImage(oldImage));
  await writeFileDurably(join(newDir, 'state.json'), encodeImage(newImage));
}

/** The pre-rotation store code, or undefined when git cannot give it. */
async function oldOpener(tmp: string): Promise<Opener | undefined> {
  const root = join(tmp, 'pre-rotation');
  try {
    await mkdir(root);
    execSync(`git archive ${PRE_ROTATION} src/store src/model src/lib package.json | tar -x -C ${root}`, { stdio: 'ignore' });
    await symlink(join(process.cwd(), 'node_modules'), join(root, 'node_modules'));
    return ((await import(join(root, 'src/store/lowdb-store.ts'))) as { openStore: Opener }).openStore;
  } catch {
    return undefined;
  }
}

/**
 * Opens three times (the machine is shared: the median is steadier than one run); the queries
 * are timed on the last open, each the first of its kind on that open (cold caches).
 */
async function timeOpen(open: Opener, dir: string, subject: string): Promise<{ openMs: number; historyMs: number; tailMs: number; lastSeq: number }> {
  const runs: number[] = [];
  for (let i = 0; i < 2; i++) {
    const t = performance.now();
    const s = await open({ dir });
    runs.push(performance.now() - t);
    await s.close();
  }
  const t0 = performance.now();
  const s = await open({ dir });
  runs.push(performance.now() - t0);
  const openMs = runs.sort((x, y) => x - y)[1]!;
  const lastSeq = s.lastSeq();
  const t1 = performance.now();
  await s.events({ afterSeq: lastSeq - 100 });
  const tailMs = performance.now() - t1;
  const t2 = performance.now();
  await s.events({ subject });
  const historyMs = performance.now() - t2;
  await s.close();
  return { openMs, historyMs, tailMs, lastSeq };
}

export async function benchReopen(sizes: number[], hosts: number, tmp: string): Promise<string[]> {
  const old = await oldOpener(tmp);
  const summary: string[] = [];
  console.log(`reopen vs history length (${hosts} hosts, segments of ${SEGMENT_BYTES >> 20} MiB; old layout opened by ${old ? `the pre-rotation code (${PRE_ROTATION.slice(0, 7)})` : "today's code (no git)"})`);
  for (const n of sizes) {
    const dir = await mkdtemp(join(tmp, `reopen-${n}-`));
    const [oldDir, newDir] = [join(dir, 'old'), join(dir, 'new')];
    await Promise.all([mkdir(oldDir), mkdir(newDir)]);
    const g0 = performance.now();
    await generate(oldDir, newDir, n, hosts);
    const genS = (performance.now() - g0) / 1000;
    const subject = 'host-00042';
    const a = await timeOpen(old ?? (openStore as unknown as Opener), oldDir, subject);
    const b = await timeOpen(openStore as unknown as Opener, newDir, subject);
    if (a.lastSeq !== n || b.lastSeq !== n) throw new Error(`lastSeq ${a.lastSeq} / ${b.lastSeq}, expected ${n}`);
    const ratio = a.openMs / b.openMs;
    console.log(
      `  ${n} events (written in ${genS.toFixed(1)} s): reopen old ${a.openMs.toFixed(0)} ms, segmented ${b.openMs.toFixed(0)} ms = ${ratio.toFixed(1)}x faster | ` +
        `last 100 events ${a.tailMs.toFixed(1)} / ${b.tailMs.toFixed(1)} ms | one host's history (first query, loads all sidecars) ${a.historyMs.toFixed(0)} / ${b.historyMs.toFixed(0)} ms`,
    );
    summary.push(`${n}: ${a.openMs.toFixed(0)}->${b.openMs.toFixed(0)} ms (${ratio.toFixed(1)}x)`);
    await rm(dir, { recursive: true, force: true });
  }
  return summary;
}
