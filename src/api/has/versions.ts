// GET / for HAS clients: the list of Homing API versions (seed 004, "API versions"). A browser
// asking for HTML is not a HAS client; the operator GUI answers it where it is served.
import { route, type AnyRoute } from '../http/route.js';
import { baseOf } from './plans.js';
import { sendGuiIndex, wantsHtml } from '../gui/serve.js';

export function versionsRoutes(): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/',
      family: 'has',
      access: 'public',
      tags: ['plans (HAS)'],
      summary: 'Homing API versions (HAS)',
      responses: { 200: { description: '{"versions": [{status, id, updated, media-types, links}]}' } },
      // Content negotiation: Accept with text/html is a browser, which gets the GUI's page.
      handler: ({ req, res }) => wantsHtml(req) ? sendGuiIndex(res) : ({
        versions: [
          {
            status: 'EXPERIMENTAL',
            id: 'v1',
            updated: '2016-11-01T00:00:00Z',
            'media-types': [{ base: 'application/json', type: 'application/vnd.ecomp.homing-v1+json' }],
            links: [{ href: `${baseOf(req)}/v1`, rel: 'self' }, { href: `${baseOf(req)}/docs`, type: 'text/html', rel: 'describedby' }],
          },
        ],
      }),
    }),
  ];
}
