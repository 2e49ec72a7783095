// The live event stream (src/api/events) over a real socket: a node:http server on 127.0.0.1
// calls handle() the way the router does (eventRequest), and the clients read the bytes with a
// parser that follows the WHATWG HTML "Server-sent events" interpretation rules.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../../src/lib/clock.js';
import { nullLogger } from '../../src/lib/log.js';
import type { HostEvent } from '../../src/model/index.js';
import { openStore } from '../../src/store/lowdb-store.js';
import type { Store } from '../../src/store/store.js';
import { createEventStream, type EventStream, type EventStreamDeps } from '../../src/api/events/stream.js';
import { eventRequest } from '../../src/api/events/request.js';
import { FakeClock } from '../fakes/fake-clock.js';
import { MemoryStore } from '../fakes/memory-store.js';
import { removeTempDirs, tempDir } from '../store/helpers.js';
import { SseClient, type SseMessage } from './events-client.js';

after(removeTempDirs);

const SITES: Record<string, string> = { h1: 'east', h2: 'east', h3: 'west' };

interface Harness {
  store: Store;
  stream: EventStream;
  /** The server side of each request, in arrival order. */
  responses: http.ServerResponse[];
  url(query?: string): string;
  connect(query?: string, opts?: Parameters<typeof SseClient.connect>[1]): Promise<SseClient>;
  close(): Promise<void>;
}

async function harness(opts: { store?: Store; clock?: Clock } & Partial<Pick<EventStreamDeps, 'heartbeatMs' | 'maxBuffered' | 'batchMs' | 'recentEvents'>> = {}): Promise<Harness> {
  const store = opts.store ?? new MemoryStore();
  const stream = createEventStream({
    store,
    hostSite: (id) => SITES[id],
    clock: opts.clock ?? systemClock,
    log: nullLogger,
    batchMs: opts.batchMs ?? 0,
    ...(opts.heartbeatMs !== undefined && { heartbeatMs: opts.heartbeatMs }),
    ...(opts.maxBuffered !== undefined && { maxBuffered: opts.maxBuffered }),
    ...(opts.recentEvents !== undefined && { recentEvents: opts.recentEvents }),
  });
  const responses: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    responses.push(res);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query: Record<string, string[]> = {};
    for (const k of new Set(url.searchParams.keys())) query[k] = url.searchParams.getAll(k);
    const { filter, lastEventId } = eventRequest(query, req.headers);
    stream.handle(req, res, filter, lastEventId);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = (query = '') => `http://127.0.0.1:${port}/v1/events${query}`;
  const clients: SseClient[] = [];
  return {
    store,
    stream,
    responses,
    url,
    async connect(query, o) {
      const c = await SseClient.connect(url(query), o);
      clients.push(c);
      return c;
    },
    async close() {
      stream.close();
      for (const c of clients) c.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await store.close();
    },
  };
}

const ids = (ms: SseMessage[]) => ms.map((m) => Number(m.id));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** One transaction per entry: [subject, type, data?]. */
async function commit(store: Store, ...events: Array<[string, string, Record<string, unknown>?]>): Promise<number> {
  await store.transact((tx) => {
    for (const [subject, type, data] of events) tx.event({ subject, type, ...(data && { data }) });
  });
  return store.lastSeq();
}

describe('event stream', () => {
  it('sends every committed event once, in order, with id = seq and the documented payload', async () => {
    const h = await harness({ store: await openStore({ dir: await tempDir() }) });
    try {
      await commit(h.store, ['h1', 'before.connect']);
      await commit(h.store, ['h2', 'before.connect']);
      const a = await h.connect();
      const b = await h.connect();
      assert.equal(a.status, 200);
      assert.equal(a.headers['content-type'], 'text/event-stream');
      assert.equal(a.headers['cache-control'], 'no-store');
      assert.equal(a.headers['x-accel-buffering'], 'no');
      // Concurrent transactions (group commits of several) and single ones, 1-3 events each.
      const burst = range(1, 60).map((i) =>
        h.store.transact((tx) => {
          for (let k = 0; k <= i % 3; k++) tx.event({ subject: `h${(i % 4) + 1}`, type: k === 0 ? 'dhcp.offered' : 'tftp.sent', at: 1_700_000_000_000 + i, data: { i, k } });
        }),
      );
      await Promise.all(burst);
      const last = await commit(h.store, ['appliance', 'sot.loaded', { revision: 'abc' }]);
      await Promise.all([a.waitForSeq(last), b.waitForSeq(last)]);

      const journal = await h.store.events({ afterSeq: 2 });
      for (const c of [a, b]) {
        assert.equal(c.parser.retry, 2000);
        assert.deepEqual(ids(c.events), journal.map((e) => e.seq));
        c.events.forEach((m, i) => {
          const e = journal[i]!;
          assert.equal(m.type, e.type);
          assert.deepEqual(JSON.parse(m.data), {
            seq: e.seq,
            at: new Date(e.at).toISOString(),
            subject: e.subject,
            type: e.type,
            ...(SITES[e.subject] && { site: SITES[e.subject] }),
            ...(e.data && { data: e.data }),
          });
        });
      }
    } finally {
      await h.close();
    }
  });

  it('a client that joined without an id is told its position, so its first reconnect loses nothing', async () => {
    const h = await harness();
    try {
      await commit(h.store, ['h1', 'a'], ['h1', 'b']);
      const c = await h.connect();
      // No event yet, but the preamble set the last event ID (an id block without data).
      assert.equal(c.parser.lastEventId, '2');
      assert.equal(c.events.length, 0);
      c.close();
      await commit(h.store, ['h2', 'while.away']);
      const again = await h.connect('', { lastEventId: c.parser.lastEventId });
      await again.waitForSeq(3);
      assert.deepEqual(ids(again.events), [3]);
    } finally {
      await h.close();
    }
  });

  it('filters by host, site and type (exact, and prefixes ending in .*)', async () => {
    const h = await harness();
    try {
      const queries = {
        host: '?host=h1',
        hosts: '?host=h2&host=h3',
        site: '?site=east',
        prefix: '?type=dhcp.*',
        exact: '?type=power.state,sot.loaded',
        siteAndType: '?site=west&type=dhcp.*',
        appliance: '?host=appliance',
        discovered: '?site=north',
        all: '?type=*',
      };
      const clients = Object.fromEntries(await Promise.all(Object.entries(queries).map(async ([k, q]) => [k, await h.connect(q)] as const)));
      await commit(h.store, ['h1', 'dhcp.offered'], ['h2', 'dhcp.acked']); // 1, 2
      await commit(h.store, ['h3', 'dhcp.offered']); // 3
      await commit(h.store, ['h1', 'power.state', { power: 'on' }]); // 4
      await commit(h.store, ['appliance', 'sot.loaded', { revision: 'r1' }]); // 5
      // Not in the SoT: the site it was recorded with counts.
      await commit(h.store, ['mac-aa', 'host.discovered', { site: 'north' }]); // 6
      await commit(h.store, ['h3', 'dhcpx.other'], ['h2', 'dhcp']); // 7, 8: neither starts with "dhcp."
      // Last, one event each filter takes, so every client knows it has all it will get.
      await commit(h.store, ['h1', 'dhcp.end'], ['h3', 'dhcp.end'], ['appliance', 'sot.loaded'], ['mac-aa', 'dhcp.end', { site: 'north' }]); // 9-12
      const expected: Record<keyof typeof queries, number[]> = {
        host: [1, 4, 9],
        hosts: [2, 3, 7, 8, 10],
        site: [1, 2, 4, 8, 9],
        prefix: [1, 2, 3, 9, 10, 12],
        exact: [4, 5, 11],
        siteAndType: [3, 10],
        appliance: [5, 11],
        discovered: [6, 12],
        all: range(1, 12),
      };
      for (const [k, want] of Object.entries(expected)) {
        const c = clients[k]!;
        await c.waitForSeq(want[want.length - 1]!);
        assert.deepEqual(ids(c.events), want, k);
      }
      assert.equal(JSON.parse(clients['discovered']!.events[0]!.data).site, 'north');
    } finally {
      await h.close();
    }
  });

  it('Last-Event-ID (or ?since=) resumes after a disconnect with exactly the missing events, while commits go on', async () => {
    const h = await harness({ store: await openStore({ dir: await tempDir() }) });
    try {
      await commit(h.store, ['h1', 'old']);
      const got: SseMessage[] = [];
      let reconnects = 0;
      let producing = true;
      // Commits keep coming, 1-3 per transaction and several in flight, until the consumer
      // has reconnected enough times.
      const producer = (async () => {
        for (let i = 0; producing; i++) {
          await Promise.all(range(0, i % 3).map((k) => commit(h.store, [`h${(i % 3) + 1}`, 'tick', { i, k }], ...(k === 1 ? [['h2', 'tock'] as [string, string]] : []))));
        }
      })();
      let c = await h.connect();
      const start = Number(c.parser.firstId); // from the preamble
      while (reconnects < 6) {
        // Take some events, then drop the connection mid-stream and come back from the last id.
        const target = (got.length > 0 ? Number(got[got.length - 1]!.id) : start) + 15;
        await c.waitForSeq(target);
        got.push(...c.events);
        c.close();
        const last = c.parser.lastEventId;
        c = reconnects % 2 === 0 ? await h.connect('', { lastEventId: last }) : await h.connect(`?since=${last}`);
        reconnects++;
      }
      producing = false;
      await producer;
      const end = h.store.lastSeq();
      await c.waitForSeq(end);
      got.push(...c.events);
      assert.deepEqual(ids(got), range(start + 1, end), 'every event once, in order');
      const journal = await h.store.events({ afterSeq: start });
      assert.deepEqual(got.map((m) => JSON.parse(m.data).data), journal.map((e) => e.data));
    } finally {
      await h.close();
    }
  });

  it('a resume longer than a page, with live events piling up meanwhile, has no gap and no duplicate', async () => {
    const inner = new MemoryStore();
    for (let i = 0; i < 12; i++) await inner.transact((tx) => range(1, 100).forEach((n) => tx.event({ subject: 'h1', type: 'old', data: { n } })));
    // The first journal read is held until more than a page of live events has come in.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reading!: () => void;
    const firstRead = new Promise<void>((r) => (reading = r));
    let reads = 0;
    const store: Store = Object.assign(Object.create(inner) as Store, {
      events: async (q?: Parameters<Store['events']>[0]) => {
        const result = inner.events(q); // the position is taken now, as the real store does
        if (reads++ === 0) {
          reading();
          await gate;
        }
        return result;
      },
    });
    // Nothing kept in memory: every page comes from the journal.
    const h = await harness({ store, recentEvents: 0 });
    try {
      // The first page is short (it reaches the end of the journal), but while it is being read
      // more than a page of live events comes in: too many to hold, so they are let go and
      // must be read from the journal after all.
      const c = await h.connect('', { lastEventId: '1000' });
      await firstRead;
      for (let i = 0; i < 300; i++) await commit(inner, ['h2', 'live', { i }], ['h3', 'live', { i }]); // 1201-1800
      release();
      await c.waitForSeq(1800);
      // How many journal pages that takes depends on how the fan-outs were batched (timing on a
      // loaded machine); what must hold is the result: every event once, in order.
      assert.deepEqual(ids(c.events), range(1001, 1800));
      assert.ok(reads >= 1);
    } finally {
      await h.close();
    }
  });

  it('a client back after a short break catches up from memory, without reading the journal', async () => {
    const inner = new MemoryStore();
    let reads = 0;
    const store: Store = Object.assign(Object.create(inner) as Store, {
      events: (q?: Parameters<Store['events']>[0]) => {
        reads++;
        return inner.events(q);
      },
    });
    await commit(inner, ['h1', 'before.start']); // before the stream: never kept
    const h = await harness({ store, recentEvents: 100 });
    try {
      const c = await h.connect();
      for (let i = 0; i < 30; i++) await commit(inner, ['h1', 'tick', { i }], ['h2', 'tock', { i }]); // 2-61
      await c.waitForSeq(61);
      c.close();
      for (let i = 0; i < 30; i++) await commit(inner, ['h3', 'away', { i }]); // 62-91
      const back = await h.connect('?host=h2,h3', { lastEventId: '41' });
      await back.waitForSeq(91);
      assert.deepEqual(ids(back.events), [...range(42, 61).filter((n) => n % 2 === 1), ...range(62, 91)]);
      assert.equal(reads, 0);
      // A position older than what is kept is read from the journal.
      const old = await h.connect('', { lastEventId: '0' });
      await old.waitForSeq(91);
      assert.deepEqual(ids(old.events), range(1, 91));
      assert.equal(reads, 1);
    } finally {
      await h.close();
    }
  });

  it('a resume with a filter replays only matching events; an id past the end means "from now"', async () => {
    const h = await harness();
    try {
      await commit(h.store, ['h1', 'dhcp.offered'], ['h2', 'tftp.sent'], ['h3', 'dhcp.acked']);
      const c = await h.connect('?type=dhcp.*', { lastEventId: '1' });
      await commit(h.store, ['h1', 'dhcp.acked'], ['h1', 'x']);
      await c.waitForSeq(4);
      assert.deepEqual(ids(c.events), [3, 4]);
      const ahead = await h.connect('', { lastEventId: '999' });
      await commit(h.store, ['h2', 'dhcp.offered']);
      await ahead.waitForSeq(6);
      assert.deepEqual(ids(ahead.events), [6]);
    } finally {
      await h.close();
    }
  });

  it('sends a comment heartbeat every heartbeatMs of the injected clock', async () => {
    const clock = new FakeClock();
    const h = await harness({ clock, heartbeatMs: 1000 });
    try {
      const c = await h.connect();
      clock.advance(999);
      await commit(h.store, ['h1', 'a']);
      await c.waitForSeq(1);
      assert.deepEqual(c.comments, []);
      clock.advance(1);
      await c.waitForComments(1);
      clock.advance(3000);
      await c.waitForComments(4);
      await commit(h.store, ['h1', 'b']);
      await c.waitForSeq(2);
      assert.deepEqual(c.comments, ['ping', 'ping', 'ping', 'ping']);
      assert.deepEqual(ids(c.events), [1, 2]);
    } finally {
      await h.close();
    }
  });

  it('gathers commits for batchMs under load; the first after a quiet spell goes out at once', async () => {
    const clock = new FakeClock();
    const h = await harness({ clock, batchMs: 50 });
    try {
      const c = await h.connect();
      await commit(h.store, ['h1', 'a']);
      assert.equal(h.stream.stats().fanouts, 1, 'written before the commit resolved');
      await commit(h.store, ['h1', 'b']);
      await commit(h.store, ['h1', 'c']);
      assert.equal(h.stream.stats().fanouts, 1, 'held for the batch window');
      clock.advance(50);
      assert.equal(h.stream.stats().fanouts, 2);
      await c.waitForSeq(3);
      assert.deepEqual(ids(c.events), [1, 2, 3]);
      clock.advance(1000);
      await commit(h.store, ['h1', 'd']);
      assert.equal(h.stream.stats().fanouts, 3, 'quiet again: at once');
    } finally {
      await h.close();
    }
  });

  it('cuts off a client that stops reading, keeps serving the others, and the cut one resumes without loss', async () => {
    const h = await harness({ maxBuffered: 256 << 10 });
    try {
      const slow = await h.connect();
      slow.pause();
      const normal = await h.connect();
      const big = 'x'.repeat(32 << 10);
      let seq = 0;
      // Paced by the normal client only: the paused one fills its socket, then Corral's buffer.
      for (let i = 0; i < 2000 && h.stream.clients() === 2; i++) {
        seq = await commit(h.store, ['h1', 'big', { big, i }]);
        await normal.waitForSeq(seq);
      }
      assert.equal(h.stream.clients(), 1, 'the paused client was cut off');
      assert.equal(h.stream.stats().cutSlow, 1);
      // It reads what reached its socket before the cut, then finds the stream ended.
      slow.resume();
      await slow.untilEnd();
      assert.ok(slow.lastSeq < seq, 'it did not get everything');
      const more = await commit(h.store, ['h1', 'after.cut']);
      await normal.waitForSeq(more);
      assert.deepEqual(ids(normal.events), range(1, more));
      // Reconnecting from what it last got brings back everything it missed.
      const back = await h.connect('', { lastEventId: slow.parser.lastEventId });
      await back.waitForSeq(more);
      assert.deepEqual([...ids(slow.events), ...ids(back.events)], range(1, more));
    } finally {
      await h.close();
    }
  });

  it('close() ends every stream, and later requests are refused', async () => {
    const h = await harness();
    try {
      const a = await h.connect();
      const b = await h.connect('?host=h1', { lastEventId: '0' });
      assert.equal(h.stream.clients(), 2);
      await commit(h.store, ['h1', 'last']);
      await Promise.all([a.waitForSeq(1), b.waitForSeq(1)]);
      h.stream.close();
      await Promise.all([a.untilEnd(), b.untilEnd()]);
      assert.equal(h.stream.clients(), 0);
      await commit(h.store, ['h1', 'after.close']); // nobody listens any more; nothing breaks
      const refused = await h.connect();
      assert.equal(refused.status, 503);
      assert.deepEqual(ids(a.events), [1]);
    } finally {
      await h.close();
    }
  });

  it('a disconnected client is forgotten', async () => {
    const h = await harness();
    try {
      const c = await h.connect();
      assert.equal(h.stream.clients(), 1);
      const closed = once(h.responses[0]!, 'close');
      c.close();
      await closed;
      assert.equal(h.stream.clients(), 0);
      await commit(h.store, ['h1', 'x']);
      assert.equal(h.stream.stats().opened, 1);
    } finally {
      await h.close();
    }
  });
});

describe('event stream parts', () => {
  it('eventRequest: comma-separated or repeated lists; Last-Event-ID wins over since', async () => {
    assert.deepEqual(eventRequest({ host: 'a,b', site: ['s1', 's2,s3'], type: ' dhcp.* ,', since: '7' }, {}), {
      filter: { host: ['a', 'b'], site: ['s1', 's2', 's3'], type: ['dhcp.*'] },
      lastEventId: 7,
    });
    assert.equal(eventRequest({ since: '7' }, { 'last-event-id': '9' }).lastEventId, 9);
    assert.equal(eventRequest({ since: ['7'] }, {}).lastEventId, 7);
    assert.equal(eventRequest({ since: '-1' }, { 'last-event-id': 'abc' }).lastEventId, undefined);
    assert.deepEqual(eventRequest({}, {}), { filter: {}, lastEventId: undefined });
  });

  it('frames: a type with a line break cannot break the framing; a bad time is null', async () => {
    const { prepareEvent } = await import('../../src/api/events/frame.js');
    const e: HostEvent = { seq: 3, at: 8.64e15 + 1, subject: 'h1', type: 'a\nid: 99', data: { s: 'x\ny' } };
    const text = prepareEvent(e, undefined).frame.toString();
    assert.equal(text, `id: 3\nevent: a id: 99\ndata: {"seq":3,"at":null,"subject":"h1","type":"a\\nid: 99","data":{"s":"x\\ny"}}\n\n`);
  });
});
