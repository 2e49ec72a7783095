// Mounts declared routes on express: access check, then params/query/body validated against
// the route's schemas (400 naming the field), then the handler. Also answers 405 with `Allow`
// for a known path with another method, and OPTIONS with the methods a path has.
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { ApplianceError } from '../../model/index.js';
import { expressPath, type AnyRoute, type AuthContext, type Family } from './route.js';
import type { Authenticator } from './authenticate.js';

export function mountRoutes(app: Express, routes: AnyRoute[], auth: Authenticator): void {
  const methodsByPath = new Map<string, Set<string>>();
  for (const r of routes) {
    const path = expressPath(r.path);
    app[r.method](path, routeHandler(r, auth));
    const set = methodsByPath.get(path) ?? new Set();
    set.add(r.method.toUpperCase());
    if (r.method === 'get') set.add('HEAD');
    methodsByPath.set(path, set);
  }
  for (const [path, set] of methodsByPath) {
    const allow = [...set, 'OPTIONS'].join(', ');
    app.options(path, (_req, res) => {
      res.set('Allow', allow).status(204).end();
    });
    app.all(path, (req, _res, next) => {
      next(new ApplianceError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}; allowed: ${allow}`, { allow }));
    });
  }
}

function routeHandler(r: AnyRoute, auth: Authenticator): RequestHandler {
  const okStatus = Number(Object.keys(r.responses).find((s) => Number(s) >= 200 && Number(s) < 300) ?? 200);
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.family = r.family satisfies Family;
    const run = async () => {
      const who: AuthContext | undefined = auth.check(req, r.access, r.family);
      const params = parse(r.params, req.params, 'path');
      const query = parse(r.query, req.query, 'query');
      const body = r.body ? parse(r.body, bodyOf(req, r.bodyOptional ?? false), 'body') : undefined;
      const out = await r.handler({ params, query, body, auth: who, req, res });
      if (out !== undefined && !res.headersSent) res.status(okStatus).json(out);
    };
    run().catch(next);
  };
}

function bodyOf(req: Request, optional: boolean): unknown {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) {
    throw new ApplianceError('UNSUPPORTED_MEDIA_TYPE', `request body must be application/json (got ${String(req.headers['content-type'] ?? 'none').slice(0, 80)})`);
  }
  if (req.body === undefined) return optional ? {} : undefined;
  return req.body;
}

function parse<T extends z.ZodType | undefined>(schema: T, value: unknown, where: 'path' | 'query' | 'body'): T extends z.ZodType ? z.output<T> : Record<string, never> {
  if (!schema) return {} as never;
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (r.success) return r.data as never;
  const issue = r.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? (issue as { keys: string[] }).keys : [];
  const field = [...issue.path.map(String), ...(keys.length ? [keys[0]!] : [])].join('.');
  const what = where === 'body' && value === undefined ? 'a JSON body is required' : issue.code === 'unrecognized_keys' ? `unknown field "${field}"` : `${field ? `"${field}": ` : ''}${issue.message}`;
  throw new ApplianceError('BAD_REQUEST', `invalid ${where === 'path' ? 'path parameter' : where}: ${what}`, { in: where, field: field || null });
}
