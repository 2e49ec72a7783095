// Child process of kill.test.ts: opens the store in the given directory and runs concurrent
// host state transitions until it is killed (or, as a bound, until its time is up). Each line
// "ack <host> <attempts>" is printed right after that transaction's promise resolved, i.e. after
// it was acknowledged as durable. stdout is a pipe, which Node writes synchronously on Linux, so
// a printed ack reaches the parent even if the kill comes right after.
//
// Usage: node --import tsx test/store/kill-child.ts <dir> [hosts] [workers] [maxMs] [compact]
// With "compact", journal segments are tiny and retention keeps only a few of them, so rotation,
// sidecar writes and segment drops run all the time and the kills land in them too.

import { openStore } from '../../src/store/lowdb-store.js';
import type { LifecycleState, Mac } from '../../src/model/index.js';
import { host } from './helpers.js';

const [dir, hostsArg = '1000', workersArg = '32', maxMsArg = '20000', mode] = process.argv.slice(2);
if (!dir) throw new Error('usage: kill-child.ts <dir> [hosts] [workers] [maxMs]');
const hosts = Number(hostsArg);
const workers = Number(workersArg);
const deadline = Date.now() + Number(maxMsArg);
const cycle: LifecycleState[] = ['inactive', 'provisioning', 'active', 'reclaiming'];

// Snapshot very often, so kills also land in the middle of snapshot writes.
const compact = mode === 'compact' ? { segmentBytes: 4096, compactIntervalMs: 2, retention: { maxAgeMs: 0, maxBytes: 40_000 } } : {};
const store = await openStore({ dir, snapshotEvery: 3, snapshotIntervalMs: 20, ...compact });
if (store.count('hosts') < hosts) {
  await store.transact((tx) => {
    for (let i = 0; i < hosts; i++) if (!tx.get('hosts', `h${i}`)) tx.put('hosts', `h${i}`, host(`h${i}`));
  });
}
process.stdout.write('ready\n');

/** One transition: host, event and lease change together, so a partial apply would show. */
function bump(id: string): Promise<number> {
  return store.transact((tx) => {
    const h = tx.get('hosts', id)!;
    h.attempts += 1;
    h.state = cycle[h.attempts % cycle.length]!;
    h.updatedAt = Date.now();
    tx.put('hosts', id, h);
    tx.event({ subject: id, type: 'bump', data: { attempts: h.attempts } });
    // The lease exists exactly when attempts is not a multiple of 5, and records attempts.
    if (h.attempts % 5 === 0) tx.del('leases', `l-${id}`);
    else tx.put('leases', `l-${id}`, { mac: '02:00:00:00:00:01' as Mac, ip: '10.0.0.1', subnet: 'lab', siteId: 's', hostId: id, start: h.attempts, expires: 0, state: 'bound' });
    return h.attempts;
  });
}

async function worker(): Promise<void> {
  while (Date.now() < deadline) {
    const id = `h${Math.floor(Math.random() * hosts)}`;
    const attempts = await bump(id);
    process.stdout.write(`ack ${id} ${attempts}\n`);
  }
}

await Promise.all(Array.from({ length: workers }, worker));
await store.close();
