// GET /v1/events: the live event stream (Server-Sent Events) the GUI and scripts watch; the
// machinery is src/api/events/stream.ts. Declared here so it is validated and documented like
// every other route.
import { z } from 'zod';
import { route, type AnyRoute } from '../http/route.js';
import type { EventStream } from '../events/stream.js';
import { eventRequest } from '../events/request.js';

const List = z.union([z.string().max(4096), z.array(z.string().max(4096)).max(64)]);

export function eventsRoutes(stream: EventStream): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/v1/events',
      family: 'operator',
      access: 'read',
      tags: ['events'],
      summary: 'Every lifecycle, service and SoT event as Server-Sent Events; id = journal sequence',
      description:
        'Each event: `id: <seq>`, `event: <type>`, `data: {seq, at, subject, type, site?, data?}`. Reconnect with `Last-Event-ID` (EventSource does it) or `?since=<seq>` to resume without loss. ' +
        'Filters (comma-separated or repeated): host, site, type (exact, or a prefix like `dhcp.*`). Comment heartbeats every 15 s. A client that reads too slowly is disconnected and resumes from the journal.',
      query: z.strictObject({ host: List.optional(), site: List.optional(), type: List.optional(), since: z.string().regex(/^\d{1,15}$/).optional().describe('resume after this seq') }),
      responses: { 200: { description: 'an endless text/event-stream', contentType: 'text/event-stream' } },
      handler: ({ req, res }) => {
        const { filter, lastEventId } = eventRequest(req.query as Record<string, unknown>, req.headers);
        stream.handle(req, res, filter, lastEventId);
        return undefined;
      },
    }),
  ];
}
