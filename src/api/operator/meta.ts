// The appliance itself: health, boot services, and the API's own description.
import { route, type AnyRoute } from '../http/route.js';
import type { ApiDeps } from '../deps.js';

export function metaRoutes(deps: ApiDeps, doc: () => Record<string, unknown>, docsHtml: () => string): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/v1/health',
      family: 'operator',
      access: 'public',
      tags: ['appliance'],
      summary: 'Version and served SoT revision',
      responses: { 200: { description: '{ok, version, sot_revision}' } },
      handler: () => ({ ok: true, version: deps.version, sot_revision: deps.sot.status().revision ?? null }),
    }),
    route({
      method: 'get',
      path: '/v1/services',
      family: 'operator',
      access: 'read',
      tags: ['appliance'],
      summary: 'Boot services (DHCP, TFTP, boot HTTP, IPv6 RA): running or off and why, with counters; SoT settings that need a restart',
      responses: { 200: { description: 'services, and restart_needed: [{field, from, to, file, line}]' } },
      handler: () => {
        const notStarted = { state: 'off', reason: 'boot services not started' };
        const services = (deps.services?.() as Record<string, unknown> | null | undefined) ?? { dhcp: notStarted, tftp: notStarted, http: notStarted, ipv6_ra: notStarted };
        return { ...services, restart_needed: deps.sot.status().restartNeeded ?? [] };
      },
    }),
    route({ method: 'get', path: '/openapi.json', family: 'operator', access: 'public', tags: ['appliance'], summary: 'This API as an OpenAPI 3.1 document', responses: { 200: { description: 'the document' } }, handler: doc }),
    route({
      method: 'get',
      path: '/docs',
      family: 'operator',
      access: 'public',
      tags: ['appliance'],
      summary: 'This API as a readable page (works offline)',
      responses: { 200: { description: 'HTML', contentType: 'text/html' } },
      handler: ({ res }) => {
        res.type('html').set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'").send(docsHtml());
      },
    }),
  ];
}
