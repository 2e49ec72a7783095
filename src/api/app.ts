// createApi(deps) -> the express app, unbound, so tests drive it with supertest (STYLE P5).
import express from 'express';
import type { ApiDeps } from './deps.js';
import { errorMiddleware, notFoundHandler } from './errors.js';
import { hostsRouter } from './operator/hosts.js';
import { sitesRouter } from './operator/sites.js';
import { sotRouter } from './operator/sot.js';
import { actionsRouter } from './operator/actions.js';

export function createApi(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json({ limit: '1mb' }));
  app.get('/v1/health', (_req, res) => {
    res.json({ ok: true, version: deps.version, sot_revision: deps.sot.status().revision ?? null });
  });
  app.get('/v1/services', (_req, res) => {
    res.json(deps.services?.() ?? { dhcp: { state: 'off', reason: 'boot services not started' }, tftp: { state: 'off', reason: 'boot services not started' }, http: { state: 'off', reason: 'boot services not started' } });
  });
  app.use('/v1', sotRouter(deps), sitesRouter(deps), hostsRouter(deps), actionsRouter(deps));
  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.log));
  return app;
}
