// One journal event as a Server-Sent Events frame, encoded once and then written to every client
// that wants it (WHATWG HTML, "Server-sent events", §9.2.6 "Interpreting an event stream"):
//
//   id: <seq>\nevent: <type>\ndata: <json>\n\n
//
// `id` is the journal seq, so the browser's EventSource sends it back as Last-Event-ID when it
// reconnects and the stream resumes right after it. The JSON never holds a raw newline
// (JSON.stringify escapes them), so one `data:` line carries it whole.

import type { HostEvent } from '../../model/index.js';

/** An event ready for fan-out: what the filters look at, and the bytes to write. */
export interface PreparedEvent {
  seq: number;
  subject: string;
  type: string;
  site: string | undefined;
  frame: Buffer;
}

/** The `data:` payload of a frame. */
export interface EventPayload {
  seq: number;
  /** ISO 8601 (UTC); null if the journal holds a time no Date can show. */
  at: string | null;
  subject: string;
  type: string;
  site?: string;
  data?: Record<string, unknown>;
}

export function prepareEvent(e: HostEvent, site: string | undefined): PreparedEvent {
  const payload: EventPayload = { seq: e.seq, at: isoTime(e.at), subject: e.subject, type: e.type };
  if (site !== undefined) payload.site = site;
  if (e.data !== undefined) payload.data = e.data;
  // A CR or LF in the type would end the field early and change the meaning of the frame.
  const type = e.type.replace(/[\r\n]/g, ' ');
  const frame = Buffer.from(`id: ${e.seq}\nevent: ${type}\ndata: ${JSON.stringify(payload)}\n\n`, 'utf8');
  return { seq: e.seq, subject: e.subject, type: e.type, site, frame };
}

/**
 * The first bytes of every stream: the reconnection delay, and the position the client is at.
 * A block with `id:` and no `data:` dispatches no event but does set the EventSource's last event
 * ID (§9.2.6, "dispatch the event", steps 1-2), so a client that connected without one and
 * lost the connection before any event reached it still resumes from where it joined.
 */
export function preamble(retryMs: number, position: number): Buffer {
  return Buffer.from(`retry: ${retryMs}\nid: ${position}\n\n`, 'utf8');
}

/** A comment line (ignored by clients): keeps idle connections and the proxies on the way open. */
export const HEARTBEAT = Buffer.from(': ping\n\n', 'utf8');

/**
 * A Last-Event-ID header value or a `since` query parameter as a seq: decimal digits only
 * (what this stream sends as ids), otherwise undefined (treated as "no position": live only).
 */
export function parseEventId(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function isoTime(at: number): string | null {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
