// The Store contract, run against both the lowdb store and the in-memory fake, so the fake that
// other modules test with behaves like the real thing.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/lowdb-store.js';
import type { HostEvent } from '../../src/model/index.js';
import type { Store } from '../../src/store/store.js';
import { MemoryStore } from '../fakes/memory-store.js';
import { TestClock, host, removeTempDirs, tempDir } from './helpers.js';

const impls: Array<{ name: string; open(clock: TestClock): Promise<Store> }> = [
  { name: 'lowdb store', open: async (clock) => openStore({ dir: await tempDir(), clock }) },
  { name: 'memory fake', open: async (clock) => new MemoryStore(clock) },
];

after(removeTempDirs);

for (const impl of impls) {
  describe(`Store contract: ${impl.name}`, () => {
    const withStore = async (fn: (s: Store, clock: TestClock) => Promise<void>) => {
      const clock = new TestClock();
      const s = await impl.open(clock);
      try {
        await fn(s, clock);
      } finally {
        await s.close();
      }
    };

    it('put, get, del, list, count', () =>
      withStore(async (s) => {
        await s.transact((tx) => {
          tx.put('hosts', 'h1', host('h1'));
          tx.put('hosts', 'h2', host('h2', 'active'));
          tx.put('meta', 'version', 3);
        });
        assert.equal(s.count('hosts'), 2);
        assert.equal(s.get('hosts', 'h2')?.state, 'active');
        assert.equal(s.get('meta', 'version'), 3);
        assert.deepEqual(s.list('hosts').map((h) => h.id).sort(), ['h1', 'h2']);
        await s.transact((tx) => tx.del('hosts', 'h1'));
        assert.equal(s.get('hosts', 'h1'), undefined);
        assert.equal(s.count('hosts'), 1);
        assert.equal(s.count('leases'), 0);
      }));

    it('changes are visible at once, the promise resolves with fn result', () =>
      withStore(async (s) => {
        const p = s.transact((tx) => {
          tx.put('hosts', 'h1', host('h1'));
          return 'done';
        });
        assert.equal(s.get('hosts', 'h1')?.id, 'h1'); // applied before the commit resolves
        assert.equal(await p, 'done');
      }));

    it('a transaction reads its own staged writes', () =>
      withStore(async (s) => {
        const seen = await s.transact((tx) => {
          tx.put('hosts', 'h1', host('h1', 'active'));
          const a = tx.get('hosts', 'h1')?.state;
          tx.del('hosts', 'h1');
          return [a, tx.get('hosts', 'h1')];
        });
        assert.deepEqual(seen, ['active', undefined]);
        assert.equal(s.get('hosts', 'h1'), undefined);
      }));

    it('a transaction that throws applies nothing and rejects with its error', () =>
      withStore(async (s) => {
        await s.transact((tx) => tx.put('hosts', 'h1', host('h1')));
        const boom = new Error('boom');
        await assert.rejects(
          s.transact((tx) => {
            tx.put('hosts', 'h1', host('h1', 'failed'));
            tx.put('hosts', 'h2', host('h2'));
            tx.event({ subject: 'h1', type: 'x' });
            throw boom;
          }),
          (e) => e === boom,
        );
        assert.equal(s.get('hosts', 'h1')?.state, 'discovered');
        assert.equal(s.get('hosts', 'h2'), undefined);
        assert.deepEqual(await s.events(), []);
        assert.equal(s.lastSeq(), 0);
      }));

    it('values are deep-copied on put and on get', () =>
      withStore(async (s) => {
        const h = host('h1');
        h.role = { name: 'web', version: '1', settings: { a: 1 } };
        await s.transact((tx) => tx.put('hosts', 'h1', h));
        h.role.settings!['a'] = 2; // caller mutates its object after put
        const got = s.get('hosts', 'h1')!;
        assert.equal(got.role?.settings?.['a'], 1);
        got.state = 'failed'; // caller mutates what get returned
        assert.equal(s.get('hosts', 'h1')?.state, 'discovered');
        const listed = s.list('hosts')[0]!;
        listed.state = 'failed';
        assert.equal(s.get('hosts', 'h1')?.state, 'discovered');
        const data = { n: 1 };
        await s.transact((tx) => tx.event({ subject: 'h1', type: 't', data }));
        data.n = 2;
        const [e] = await s.events();
        assert.equal(e?.data?.['n'], 1);
      }));

    it('getText: the record as JSON text, the same while it is unchanged, another once changed', () =>
      withStore(async (s) => {
        assert.ok(s.getText, 'both stores keep records as text');
        const text = (id: string) => s.getText!('hosts', id);
        assert.equal(text('h1'), undefined);
        await s.transact((tx) => tx.put('hosts', 'h1', host('h1')));
        const t1 = text('h1');
        assert.deepEqual(JSON.parse(t1!), s.get('hosts', 'h1'));
        await s.transact((tx) => tx.put('hosts', 'h2', host('h2')));
        assert.equal(text('h1'), t1);
        await s.transact((tx) => tx.put('hosts', 'h1', { ...s.get('hosts', 'h1')!, state: 'active' }));
        assert.notEqual(text('h1'), t1);
        assert.equal(JSON.parse(text('h1')!).state, 'active');
        await s.transact((tx) => tx.del('hosts', 'h1'));
        assert.equal(text('h1'), undefined);
      }));

    it('events: monotonic seq, stamped time, oldest first, filters', () =>
      withStore(async (s, clock) => {
        await s.transact((tx) => {
          tx.event({ subject: 'h1', type: 'discovered' });
          tx.event({ subject: 'h2', type: 'discovered', at: 5 });
        });
        clock.t += 1000;
        await s.transact((tx) => tx.event({ subject: 'h1', type: 'state', data: { to: 'active' } }));
        await s.transact((tx) => tx.event({ subject: 'appliance', type: 'started' }));
        const all = await s.events();
        assert.deepEqual(all.map((e) => e.seq), [1, 2, 3, 4]);
        assert.equal(all[0]!.at, 1_700_000_000_000);
        assert.equal(all[1]!.at, 5);
        assert.equal(all[2]!.at, 1_700_000_001_000);
        assert.deepEqual(all[2]!.data, { to: 'active' });
        assert.equal(s.lastSeq(), 4);
        assert.deepEqual((await s.events({ subject: 'h1' })).map((e) => e.seq), [1, 3]);
        assert.deepEqual((await s.events({ afterSeq: 2 })).map((e) => e.seq), [3, 4]);
        assert.deepEqual((await s.events({ types: ['discovered'] })).map((e) => e.seq), [1, 2]);
        assert.deepEqual((await s.events({ subject: 'h1', types: ['state'] })).map((e) => e.seq), [3]);
        assert.deepEqual((await s.events({ limit: 2, afterSeq: 1 })).map((e) => e.seq), [2, 3]);
        assert.deepEqual((await s.events({ limit: 2, newest: true })).map((e) => e.seq), [3, 4]);
        assert.deepEqual((await s.events({ subject: 'h1', limit: 1, newest: true })).map((e) => e.seq), [3]);
        assert.deepEqual(await s.events({ subject: 'nobody' }), []);
        assert.deepEqual(await s.events({ limit: 0 }), []);
      }));

    it('a read-only transaction resolves too', () =>
      withStore(async (s) => {
        await s.transact((tx) => tx.put('hosts', 'h1', host('h1')));
        assert.equal(await s.transact((tx) => tx.get('hosts', 'h1')?.id), 'h1');
      }));

    it('refuses misuse: async fn, nested transact, unknown collection, using tx after fn', () =>
      withStore(async (s) => {
        await assert.rejects(
          s.transact(async (tx) => tx.put('hosts', 'h1', host('h1'))),
          /synchronous/,
        );
        assert.equal(s.get('hosts', 'h1'), undefined);
        await assert.rejects(s.transact(() => s.transact(() => 1)), /inside a transaction/);
        await assert.rejects(s.transact((tx) => tx.put('nope' as 'hosts', 'x', host('x'))), /unknown store collection/);
        let kept: Parameters<Parameters<Store['transact']>[0]>[0] | undefined;
        await s.transact((tx) => {
          kept = tx;
        });
        assert.throws(() => kept!.put('hosts', 'late', host('late')), /already finished/);
        assert.equal(s.count('hosts'), 0);
      }));

    it('subscribe: each commit with events, in seq order, durable and visible before transact resolves', () =>
      withStore(async (s) => {
        await s.transact((tx) => tx.event({ subject: 'h0', type: 'before' })); // before subscribing: not told
        const calls: HostEvent[][] = [];
        const lastSeqs: number[] = [];
        const reads: Promise<HostEvent[]>[] = [];
        const off = s.subscribe((events) => {
          calls.push(events);
          // What a listener is told of is already what lastSeq() and events() show.
          lastSeqs.push(s.lastSeq());
          reads.push(s.events({ afterSeq: events[0]!.seq - 1 }));
        });
        await s.transact((tx) => {
          tx.put('hosts', 'h1', host('h1'));
          tx.event({ subject: 'h1', type: 'a', data: { n: 1 } });
          tx.event({ subject: 'h1', type: 'b' });
        });
        assert.equal(calls.length, 1, 'told before the transaction resolved');
        await s.transact((tx) => tx.put('hosts', 'h2', host('h2'))); // no event: no call
        await s.transact((tx) => tx.get('hosts', 'h1')); // read-only: no call
        await assert.rejects(
          s.transact((tx) => {
            tx.event({ subject: 'h1', type: 'never' });
            throw new Error('boom');
          }),
        );
        const burst = [1, 2, 3].map((i) => s.transact((tx) => tx.event({ subject: `h${i}`, type: 'c' })));
        await Promise.all(burst);
        off();
        await s.transact((tx) => tx.event({ subject: 'h1', type: 'after' }));
        const told = calls.flat();
        assert.deepEqual(told.map((e) => [e.seq, e.type]), [[2, 'a'], [3, 'b'], [4, 'c'], [5, 'c'], [6, 'c']]);
        assert.deepEqual(told[0]!.data, { n: 1 });
        assert.equal(typeof told[0]!.at, 'number');
        // The burst may be one group commit or three: either way each call ends at lastSeq().
        assert.deepEqual(lastSeqs, calls.map((events) => events[events.length - 1]!.seq));
        assert.deepEqual((await reads[0]!).map((e) => e.seq), [2, 3]);
      }));

    it('subscribe: a throwing listener breaks neither the commit nor the other listeners', () =>
      withStore(async (s) => {
        const got: number[] = [];
        s.subscribe(() => {
          throw new Error('listener bug');
        });
        s.subscribe((events) => got.push(...events.map((e) => e.seq)));
        await s.transact((tx) => tx.event({ subject: 'h1', type: 'a' }));
        await s.transact((tx) => {
          tx.put('hosts', 'h1', host('h1'));
          tx.event({ subject: 'h1', type: 'b' });
        });
        assert.deepEqual(got, [1, 2]);
        assert.equal(s.get('hosts', 'h1')?.id, 'h1');
        assert.deepEqual((await s.events()).map((e) => e.type), ['a', 'b']);
      }));

    it('subscribe: an unsubscribe during a call stops later listeners; the same function twice is told twice', () =>
      withStore(async (s) => {
        const got: string[] = [];
        const twice = (events: HostEvent[]) => got.push(`twice:${events[0]!.seq}`);
        let offLast: () => void = () => {};
        const offFirst = s.subscribe((events) => {
          got.push(`first:${events[0]!.seq}`);
          offLast();
        });
        s.subscribe(twice);
        s.subscribe(twice);
        offLast = s.subscribe((events) => got.push(`last:${events[0]!.seq}`));
        await s.transact((tx) => tx.event({ subject: 'h1', type: 'a' }));
        offFirst();
        await s.transact((tx) => tx.event({ subject: 'h1', type: 'b' }));
        assert.deepEqual(got, ['first:1', 'twice:1', 'twice:1', 'twice:2', 'twice:2']);
      }));

    it('close refuses further transactions', () =>
      withStore(async (s) => {
        await s.close();
        await assert.rejects(s.transact((tx) => tx.put('hosts', 'h1', host('h1'))), { code: 'STORE_FAILED' });
      }));
  });
}
