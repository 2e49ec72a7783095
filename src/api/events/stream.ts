// GET /v1/events: every committed journal event (lifecycle, services, SoT) as a Server-Sent
// Events stream (WHATWG HTML, "Server-sent events"), `id:` = journal seq. The router parses the
// request and calls handle(); this module owns the clients.
//
// Resume without loss: a client that sends Last-Event-ID (or ?since=) first gets the journal
// events after it, page by page (store.events), then the live ones. Live events that arrive
// during that replay are held for the client and those it already got from the journal are
// dropped, so there is no gap and no duplicate. If too many arrive while it replays, they are
// let go and the replay simply reads the journal further: they are all in it.
//
// Fan-out: the store tells of each durable commit once (Store.subscribe); each event is
// serialised once, then each client gets one write per fan-out (the frames it wants,
// concatenated; clients without a filter all share the same buffer). That is still one writev
// per client: a fan-out to 1,000 clients took about 12 ms in bench/events.ts, so commits are
// gathered: at most one fan-out per `batchMs` (the first commit after a quiet spell goes out at
// once), and fan-outs spaced at least 4x their own duration apart (up to 250 ms), so writing
// to clients takes about a fifth of the event loop at most, however many there are, unless the
// event rate is so high that this would leave the clients ever further behind. The newest events stay
// encoded in memory (recent.ts), so a client that comes back after a short break catches up
// without reading the journal.
//
// Slow clients: a client whose unsent bytes pass `maxBuffered` is disconnected. Its EventSource
// reconnects with Last-Event-ID and replays what it missed from the journal, so nothing is lost,
// and no client can hold memory without bound or hold up the others.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { HostEvent } from '../../model/index.js';
import type { LiveSot } from '../../sot/live.js';
import type { Store } from '../../store/store.js';
import { compileFilter, type EventFilter, type EventMatcher } from './filter.js';
import { HEARTBEAT, preamble, prepareEvent, type PreparedEvent } from './frame.js';
import { RecentEvents } from './recent.js';

export type { EventFilter } from './filter.js';
export { parseEventId } from './frame.js';

export interface EventStreamDeps {
  store: Store;
  /** The site of a host id (undefined for unknown ids and for "appliance"). */
  hostSite: (hostId: string) => string | undefined;
  clock: Clock;
  log: Logger;
  /** Comment heartbeat interval (default 15 s). */
  heartbeatMs?: number;
  /** Unsent bytes after which a client is disconnected (default 1 MiB). */
  maxBuffered?: number;
  /** Gather commits for at most this long before writing to clients (default 20 ms; 0 = every commit at once). */
  batchMs?: number;
  /** Newest events kept encoded for clients that catch up (default 20,000). */
  recentEvents?: number;
  /** The reconnection delay sent to clients (`retry:`, default 2 s). */
  retryMs?: number;
}

export interface EventStreamStats {
  clients: number;
  /** Streams opened, and cut off for reading too slowly, since start. */
  opened: number;
  cutSlow: number;
  /** Fan-outs (writes to every interested client), events fanned out, and the time they took (ms). */
  fanouts: number;
  events: number;
  fanoutMs: number;
}

export interface EventStream {
  /** Serves one GET /v1/events; `lastEventId` = Last-Event-ID (or ?since=), absent = live only. */
  handle(req: IncomingMessage, res: ServerResponse, filter: EventFilter, lastEventId?: number): void;
  clients(): number;
  stats(): EventStreamStats;
  /** Ends every stream and stops listening (appliance shutdown). */
  close(): void;
}

/** Journal events read per page while a client catches up; also how many live ones it may hold meanwhile. */
const REPLAY_PAGE = 500;
/** Fan-outs are spaced this many times their own duration apart (at most 1/(1+4) of the loop)... */
const FANOUT_SPACING = 4;
/** ...once they take this long (ms); below it, batchMs alone decides. */
const FANOUT_SLOW_MS = 1;
/**
 * ...but never more than this apart. A fan-out's cost also grows with the bytes it carries, and
 * those grow with the gap: past some event rate the gap would feed on itself and the clients
 * fall ever further behind. Capped, the lag stays bounded and the loop pays more instead.
 */
const FANOUT_MAX_GAP_MS = 250;

interface Client {
  res: ServerResponse;
  match: EventMatcher | undefined;
  /** Every event with seq <= pos was sent to this client or filtered out: it never gets it (again). */
  pos: number;
  /** While catching up from the journal: the live events it wants, held (undefined once live). */
  held: PreparedEvent[] | undefined;
  /** The held events were let go (too many): the replay must read the journal once more. */
  overflowed: boolean;
  gone: boolean;
}

export function createEventStream(deps: EventStreamDeps): EventStream {
  const heartbeatMs = deps.heartbeatMs ?? 15_000;
  const maxBuffered = deps.maxBuffered ?? 1 << 20;
  const batchMs = deps.batchMs ?? 20;
  const retryMs = deps.retryMs ?? 2000;
  const log = deps.log;
  const clients = new Set<Client>();
  const counters = { opened: 0, cutSlow: 0, fanouts: 0, events: 0, fanoutMs: 0 };
  /** Committed events not yet written to the clients. */
  let queued: PreparedEvent[] = [];
  const recent = new RecentEvents(deps.recentEvents ?? 20_000);
  /** Highest seq handed to the clients (written, held or filtered out). */
  let fanned = deps.store.lastSeq();
  /** Earliest time (injected clock) of the next fan-out. */
  let nextFanout = -Infinity;
  let fanoutTimer: TimerHandle | undefined;
  let heartbeat: TimerHandle | undefined;
  let closed = false;

  const prepare = (e: HostEvent): PreparedEvent => prepareEvent(e, siteOf(e, deps.hostSite));

  const unsubscribe = deps.store.subscribe((events) => {
    if (closed) return;
    const prepared = events.map(prepare);
    recent.add(prepared);
    for (const p of prepared) queued.push(p);
    if (fanoutTimer) return; // already scheduled: this commit goes with it
    const wait = nextFanout - deps.clock.now();
    if (wait <= 0) fanout();
    else fanoutTimer = deps.clock.setTimeout(fanout, wait);
  });

  function fanout(): void {
    fanoutTimer?.cancel();
    fanoutTimer = undefined;
    const events = queued;
    queued = [];
    if (events.length === 0) return;
    const started = performance.now();
    fanned = events[events.length - 1]!.seq;
    counters.fanouts++;
    counters.events += events.length;
    let shared: Buffer | undefined;
    for (const c of clients) {
      if (c.held) {
        hold(c, events);
        continue;
      }
      // The cheap, common case: no filter and nothing here sent already.
      if (!c.match && events[0]!.seq > c.pos) {
        shared ??= concatFrames(events);
        c.pos = fanned;
        send(c, shared);
        continue;
      }
      const wanted = events.filter((e) => e.seq > c.pos && (!c.match || c.match(e)));
      c.pos = Math.max(c.pos, fanned);
      if (wanted.length > 0) send(c, concatFrames(wanted));
    }
    // Measured in real time: it is the event loop's time that is being shared out.
    const took = performance.now() - started;
    counters.fanoutMs += took;
    nextFanout = deps.clock.now() + (took >= FANOUT_SLOW_MS ? Math.max(batchMs, Math.min(FANOUT_MAX_GAP_MS, FANOUT_SPACING * took)) : batchMs);
  }

  function hold(c: Client, events: PreparedEvent[]): void {
    for (const e of events) if (!c.match || c.match(e)) c.held!.push(e);
    if (c.held!.length > REPLAY_PAGE) {
      c.held = [];
      c.overflowed = true;
    }
  }

  function send(c: Client, chunk: Buffer): void {
    if (c.gone) return;
    if (c.res.destroyed) return drop(c);
    // node:http corks the socket and writes on the next tick; corking here instead makes the
    // write (one writev: chunk size, frames, CRLF) happen now, so fanout() measures its real cost.
    const socket = c.res.socket;
    socket?.cork();
    c.res.write(chunk);
    socket?.uncork();
    if (c.res.writableLength > maxBuffered) {
      counters.cutSlow++;
      log.info('event stream client reads too slowly: disconnected (it resumes with Last-Event-ID)', { buffered: c.res.writableLength, position: c.pos });
      drop(c);
      c.res.destroy();
    }
  }

  function drop(c: Client): void {
    c.gone = true;
    c.held = undefined;
    clients.delete(c);
  }

  /** Journal events after `from`, page by page (from memory while they are kept), then live: see the header. */
  async function catchUp(c: Client, from: number): Promise<void> {
    let cursor = from;
    for (;;) {
      c.overflowed = false;
      // Kept events are read synchronously: nothing can be committed between the read and the
      // checks below. The journal read is asynchronous: what comes in meanwhile is held.
      const page = recent.after(cursor, REPLAY_PAGE) ?? (await deps.store.events({ afterSeq: cursor, limit: REPLAY_PAGE })).map(prepare);
      if (c.gone) return;
      const frames: Buffer[] = [];
      for (const p of page) if (!c.match || c.match(p)) frames.push(p.frame);
      if (page.length > 0) cursor = page[page.length - 1]!.seq;
      c.pos = cursor;
      // Paced by the socket: the next page is read only once this one is on its way.
      if (frames.length > 0 && !c.res.write(Buffer.concat(frames))) await drained(c.res);
      if (c.gone || c.res.destroyed) return drop(c);
      // A short page reached the end of the journal as it was when the page was read; anything
      // committed since was held for this client, unless the hold overflowed.
      if (page.length < REPLAY_PAGE && !c.overflowed) break;
    }
    const held = c.held!.filter((e) => e.seq > c.pos);
    c.held = undefined;
    // Events up to `fanned` were either in the pages or held; later ones reach it by fan-out.
    c.pos = Math.max(c.pos, fanned);
    if (held.length > 0) send(c, concatFrames(held));
  }

  function beat(): void {
    heartbeat = deps.clock.setTimeout(() => {
      for (const c of clients) send(c, HEARTBEAT);
      beat();
    }, heartbeatMs);
  }
  beat();

  return {
    handle(req, res, filter, lastEventId) {
      if (closed) {
        res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '5' });
        res.end('shutting down\n');
        return;
      }
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        // nginx buffers proxied responses unless told not to; a buffered stream is not live.
        'X-Accel-Buffering': 'no',
      });
      // A position past the end of the journal (another appliance's, or a restored data
      // folder) is taken as "now", so the events from now on are not skipped as already seen.
      const resume = lastEventId !== undefined && Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? Math.min(lastEventId, deps.store.lastSeq()) : undefined;
      const c: Client = { res, match: compileFilter(filter), pos: resume ?? fanned, held: resume === undefined ? undefined : [], overflowed: false, gone: false };
      clients.add(c);
      counters.opened++;
      res.on('close', () => drop(c));
      res.on('error', () => drop(c));
      req.socket.setNoDelay(true);
      res.write(preamble(retryMs, c.pos));
      if (resume !== undefined) {
        catchUp(c, resume).catch((e: unknown) => {
          log.warn('event stream replay failed; disconnecting the client', { error: e instanceof Error ? e.message : String(e), position: c.pos });
          drop(c);
          res.destroy();
        });
      }
    },
    clients: () => clients.size,
    stats: () => ({ clients: clients.size, ...counters }),
    close() {
      if (closed) return;
      fanout(); // what was committed before the shutdown still goes out
      closed = true;
      unsubscribe();
      fanoutTimer?.cancel();
      heartbeat?.cancel();
      for (const c of [...clients]) {
        drop(c);
        c.res.end();
      }
    },
  };
}

/**
 * The hostSite the router gives: a host's site from the SoT, else the site a discovered
 * machine was seen on (its runtime record).
 */
export function hostSiteFrom(deps: { sot: Pick<LiveSot, 'index'>; store: Pick<Store, 'get'> }): (hostId: string) => string | undefined {
  return (id) => deps.sot.index().hostsById.get(id)?.siteId ?? deps.store.get('hosts', id)?.discoveredSite;
}

function siteOf(e: HostEvent, hostSite: (id: string) => string | undefined): string | undefined {
  if (e.subject === 'appliance') return undefined;
  let site: string | undefined;
  try {
    site = hostSite(e.subject);
  } catch {
    // Never let a lookup fail the fan-out (that would leave a gap); the event just has no site.
  }
  if (site !== undefined) return site;
  // A host gone from the SoT still has the site it was recorded with (host.added, host.discovered).
  const recorded = e.data?.['site'];
  return typeof recorded === 'string' ? recorded : undefined;
}

function concatFrames(events: PreparedEvent[]): Buffer {
  return events.length === 1 ? events[0]!.frame : Buffer.concat(events.map((e) => e.frame));
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
