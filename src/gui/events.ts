// The live event stream (GET /v1/events, Server-Sent Events) read with fetch(), not EventSource:
// beyond loopback the route needs a token, and EventSource cannot send headers. Resumes with
// Last-Event-ID (the journal seq) after any break, so nothing is lost or seen twice.
import { authHeaders, toLogin } from './api';
import { conn } from './state';

export interface CorralEvent {
  seq: number;
  at: string;
  subject: string;
  type: string;
  site?: string;
  data?: Record<string, any>;
}

type Listener = (events: CorralEvent[]) => void;
const listeners = new Set<Listener>();
/** The newest events, newest last (the dashboard's live list). */
export const recent: CorralEvent[] = [];
const RECENT = 200;
/** On first connect, replay this many events so the dashboard is not empty. */
const BACKLOG = 100;

let started = false;
let retryMs = 2000;

export function onEvents(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function startEvents(): void {
  if (started) return;
  started = true;
  void loop();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function loop(): Promise<void> {
  for (;;) {
    let refused = false;
    try {
      refused = (await connectOnce()) === 'unauthorized';
    } catch {
      /* network error: reconnect below */
    }
    // A 401 is the login page's business (the appliance did answer); anything else: it is down.
    conn.set(refused ? { stream: 'down' } : { stream: 'down', apiDown: true });
    await sleep(retryMs);
  }
}

async function connectOnce(): Promise<'unauthorized' | void> {
  const last = conn.get().lastSeq;
  const ctl = new AbortController();
  const headers: Record<string, string> = { Accept: 'text/event-stream', ...authHeaders() };
  if (last !== undefined) headers['Last-Event-ID'] = String(last);
  const res = await fetch('/v1/events', { headers, signal: ctl.signal, cache: 'no-store', credentials: 'omit' });
  if (res.status === 401) {
    toLogin();
    return 'unauthorized';
  }
  if (!res.ok || !res.body) return;
  conn.set({ stream: 'live', apiDown: false });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    const cut = buf.lastIndexOf('\n\n');
    if (cut < 0) continue;
    const batch: CorralEvent[] = [];
    for (const frame of buf.slice(0, cut).split('\n\n')) {
      const f = parseFrame(frame);
      if (f.retry) retryMs = f.retry;
      if (f.event) batch.push(f.event);
      if (f.id !== undefined) {
        // The stream opens with its current position. The first time, step back a little
        // (reconnect from id - BACKLOG) so there is history to show.
        if (conn.get().lastSeq === undefined && f.id > 0 && !f.event) {
          conn.set({ lastSeq: Math.max(0, f.id - BACKLOG) });
          ctl.abort();
          return;
        }
        conn.set({ lastSeq: f.id });
      }
    }
    buf = buf.slice(cut + 2);
    if (batch.length) deliver(batch);
  }
}

function parseFrame(frame: string): { id?: number; retry?: number; event?: CorralEvent } {
  let id: number | undefined;
  let retry: number | undefined;
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'id' && /^\d+$/.test(value)) id = Number(value);
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
    else if (field === 'data') data.push(value);
  }
  let event: CorralEvent | undefined;
  if (data.length) {
    try {
      event = JSON.parse(data.join('\n')) as CorralEvent;
    } catch {
      /* not ours */
    }
  }
  return { id, retry, event };
}

function deliver(batch: CorralEvent[]): void {
  recent.push(...batch);
  if (recent.length > RECENT) recent.splice(0, recent.length - RECENT);
  for (const l of listeners) l(batch);
}
