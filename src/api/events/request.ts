// What the router passes to EventStream.handle(), read from a GET /v1/events request:
//   ?host=a,b&site=s&type=dhcp.*,power.state   (comma-separated, or the parameter repeated)
//   Last-Event-ID: <seq>   header, set by EventSource when it reconnects
//   ?since=<seq>           the same, for clients that cannot set headers
// The header wins when both are there: an EventSource reconnecting keeps its first URL (with
// the old `since`) but sends the id of the last event it got.

import type { IncomingHttpHeaders } from 'node:http';
import type { EventFilter } from './filter.js';
import { parseEventId } from './frame.js';

export interface EventRequest {
  filter: EventFilter;
  lastEventId: number | undefined;
}

export function eventRequest(query: Record<string, unknown>, headers: IncomingHttpHeaders): EventRequest {
  const filter: EventFilter = {};
  for (const key of ['host', 'site', 'type'] as const) {
    const values = list(query[key]);
    if (values.length > 0) filter[key] = values;
  }
  const since = query['since'];
  const lastEventId = parseEventId(headers['last-event-id']) ?? parseEventId(Array.isArray(since) ? since[0] : since);
  return { filter, lastEventId };
}

function list(v: unknown): string[] {
  const parts = Array.isArray(v) ? v : [v];
  return parts.flatMap((p) => (typeof p === 'string' ? p.split(',') : [])).map((s) => s.trim()).filter((s) => s !== '');
}
