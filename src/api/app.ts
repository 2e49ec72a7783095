// createApi(deps) -> the express app, unbound, so tests drive it with supertest (STYLE P5).
// Order: Host/Origin guard (DNS rebinding, CSRF), JSON body, declared routes (each checks its
// access level and validates its input), 405/404, then the one error mapper.
import express from 'express';
import { sendError, errorMiddleware, notFoundHandler } from './errors.js';
import { ApplianceError } from '../model/index.js';
import type { ApiDeps } from './deps.js';
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
import { usersRoutes } from './operator/users.js';
import { metaRoutes } from './operator/meta.js';
import { tokenRoutes } from './vmpooler/tokens.js';

/** JSON bodies above this are refused with 413 (vmpooler's own limit is 10 KB; SoT-sized bodies never come here). */
export const BODY_LIMIT = '256kb';

export interface CorralApi extends express.Express {
  routes: AnyRoute[];
  auth: AuthServices;
}

export function apiRoutes(deps: ApiDeps, auth: AuthServices): AnyRoute[] {
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
    ...usersRoutes(auth),
    ...tokenRoutes(deps, auth),
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
  const routes = apiRoutes(deps, auth);
  mountRoutes(app, routes, createAuthenticator({ tokens: auth.tokens, requireReadToken: deps.security?.requireReadToken ?? false, log: deps.log }));
  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.log));
  app.routes = routes;
  app.auth = auth;
  return app;
}
