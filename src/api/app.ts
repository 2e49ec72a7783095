// createApi(deps) -> the express app, unbound, so tests drive it with supertest (STYLE P5).
// Order: Host/Origin guard (DNS rebinding, CSRF), JSON body, declared routes (each checks its
// access level and validates its input), 405/404, then the one error mapper.
import type { IncomingMessage } from 'node:http';
import express from 'express';
import { sendError, errorMiddleware, notFoundHandler } from './errors.js';
import { ApplianceError } from '../model/index.js';
import { servedSot, type ApiDeps } from './deps.js';
import type { AnyRoute } from './http/route.js';
import { mountRoutes } from './http/registry.js';
import { createAuthenticator } from './http/authenticate.js';
import { buildOpenApi } from './http/openapi.js';
import { docsPage } from './http/docs-page.js';
import { checkBrowserRequest, applianceNames } from './auth/guards.js';
import { createAuthServices, type AuthServices } from './auth/services.js';
import { hostsRoutes } from './operator/hosts.js';
import { sitesRoutes } from './operator/sites.js';
import { sotRoutes } from './operator/sot.js';
import { actionsRoutes } from './operator/actions.js';
import { rolesRoutes } from './operator/roles.js';
import { usersRoutes } from './operator/users.js';
import { metaRoutes } from './operator/meta.js';
import { tokenRoutes } from './vmpooler/tokens.js';
import { vmpoolerRoutes } from './vmpooler/index.js';
import { eventsRoutes } from './operator/events.js';
import { consoleRoutes } from './operator/console.js';
import { bootRoutes } from './operator/boot.js';
import { createEventStream, hostSiteFrom, type EventStream } from './events/stream.js';
import { planRoutes } from './has/plans.js';
import { versionsRoutes } from './has/versions.js';
import { clusterRoutes } from './operator/cluster.js';
import { vnextRoutes } from './vnext/index.js';
import { createPlanService, type PlanService } from '../plans/service.js';
import { inlineSolver } from '../plans/run-solver.js';
import { mountGui } from './gui/serve.js';

/** JSON bodies above this are refused with 413 (vmpooler's own limit is 10 KB; SoT-sized bodies never come here). */
export const BODY_LIMIT = '256kb';

export interface CorralApi extends express.Express {
  routes: AnyRoute[];
  auth: AuthServices;
  /** The event stream behind GET /v1/events; close() it with the server. */
  events: EventStream;
  plans: PlanService;
}

export function apiRoutes(deps: ApiDeps, auth: AuthServices, events: EventStream, plans: PlanService): AnyRoute[] {
  let doc: Record<string, unknown> | undefined;
  let html: string | undefined;
  const routes: AnyRoute[] = [];
  const docFn = () => (doc ??= buildOpenApi(routes, { version: deps.version }));
  const htmlFn = () => (html ??= docsPage(docFn()));
  routes.push(
    ...metaRoutes(deps, docFn, htmlFn),
    ...sotRoutes(deps),
    ...sitesRoutes(deps),
    ...hostsRoutes(deps),
    ...actionsRoutes(deps),
    ...bootRoutes(deps),
    ...consoleRoutes(deps),
    ...rolesRoutes(deps),
    ...usersRoutes(auth),
    ...tokenRoutes(deps, auth),
    ...vmpoolerRoutes(deps, auth),
    ...eventsRoutes(events),
    ...versionsRoutes(),
    ...planRoutes(plans),
    ...clusterRoutes(deps),
    ...vnextRoutes(deps),
  );
  return routes;
}

export function createApi(deps: ApiDeps): CorralApi {
  const auth = deps.auth ?? createAuthServices(deps.store, deps.clock);
  const names = deps.security?.names ?? applianceNames([], { includeInterfaces: false });
  const app = express() as CorralApi;
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use((req, res, next) => {
    const refusal = checkBrowserRequest(req, names);
    if (!refusal) return next();
    deps.log.warn('request refused', { reason: refusal.message, ip: req.socket.remoteAddress, method: req.method });
    sendError(res, 'operator', new ApplianceError(refusal.status === 400 ? 'BAD_REQUEST' : 'FORBIDDEN', refusal.message));
  });
  app.use(express.json({ limit: BODY_LIMIT }));
  mountGui(app); // the operator GUI's page and assets under /ui (gui/serve.ts); `/` is has/versions.ts
  const events = deps.events ?? createEventStream({ store: deps.store, hostSite: hostSiteFrom(deps), clock: deps.clock, log: deps.log.child({ component: 'events' }) });
  const plans = deps.plans ?? createPlanService({ store: deps.store, clock: deps.clock, log: deps.log.child({ component: 'plans' }), served: () => servedSot(deps), solver: inlineSolver });
  const routes = apiRoutes(deps, auth, events, plans);
  const onError = errorMiddleware(deps.log);
  // GETs a route matches are served before express's dispatch (registry.ts): they skip the
  // middleware above, so the guard is handed over too. A new middleware here must be as well.
  const front = { admits: (req: IncomingMessage) => checkBrowserRequest(req, names) === undefined, onError };
  mountRoutes(app, routes, createAuthenticator({ tokens: auth.tokens, requireReadToken: deps.security?.requireReadToken ?? false, log: deps.log }), front);
  app.use(notFoundHandler);
  app.use(onError);
  app.routes = routes;
  app.auth = auth;
  app.events = events;
  app.plans = plans;
  return app;
}
