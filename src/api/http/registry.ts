// Mounts declared routes on express: access check, then params/query/body validated against
// the route's schemas (400 naming the field), then the handler. Also answers 405 with `Allow`
// for a known path with another method, and OPTIONS with the methods a path has.
//
// GETs are also served by a front in front of express's dispatch (see serveGetsFirst): the same
// checks and handlers, without express's per-request cost.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { ApplianceError } from '../../model/index.js';
import { expressPath, type AnyRoute, type AuthContext, type Family, type RouteContext } from './route.js';
import type { Authenticator } from './authenticate.js';

/**
 * A response body already serialised as JSON, as pieces that concatenate to the document.
 * Handlers return it for views they keep serialised (hosts: views.ts); it is sent exactly as
 * `res.json()` sends the value it stands for (same headers, same bytes). The pieces are joined
 * into writes of about 64 KB, never one large string; a large body gives the event loop back
 * between writes.
 */
export class JsonText {
  readonly parts: readonly string[];
  constructor(parts: string | readonly string[]) {
    this.parts = typeof parts === 'string' ? [parts] : parts;
  }
}

/** What the front needs from the app (app.ts) to answer exactly as the express path would. */
export interface FrontOptions {
  /** The Host/Origin guard lets the request through; a refused one takes the express path, which answers and logs it. */
  admits(req: IncomingMessage): boolean;
  /** The app's error handler, for failures of requests the front took. */
  onError: ErrorRequestHandler;
}

export function mountRoutes(app: Express, routes: AnyRoute[], auth: Authenticator, front?: FrontOptions): void {
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
  if (front) serveGetsFirst(app, routes, auth, front);
}

function routeHandler(r: AnyRoute, auth: Authenticator): RequestHandler {
  const okStatus = successStatus(r);
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.family = r.family satisfies Family;
    const run = async () => {
      const who: AuthContext | undefined = auth.check(req, r.access, r.family);
      const params = parse(r.params, req.params, 'path');
      const query = parse(r.query, req.query, 'query');
      const body = r.body ? parse(r.body, bodyOf(req, r.bodyOptional ?? false), 'body') : undefined;
      const out = await r.handler({ params, query, body, auth: who, req, res });
      if (out === undefined || res.headersSent) return;
      if (!(out instanceof JsonText)) {
        res.status(okStatus).json(out);
        return;
      }
      // What res.json() does with a value, given its text.
      res.status(okStatus);
      if (!res.get('Content-Type')) res.set('Content-Type', 'application/json');
      if (out.parts.length === 1) res.send(out.parts[0]);
      else await writeBody(res.set('Content-Length', String(byteLength(out.parts))), out.parts);
    };
    run().catch(next);
  };
}

const successStatus = (r: AnyRoute) => Number(Object.keys(r.responses).find((s) => Number(s) >= 200 && Number(s) < 300) ?? 200);

// ---------------------------------------------------------------------------------------------
// The front. Measured with 10,000 hosts (bench/api.ts), express 5's own dispatch costs more CPU
// than all the rest of a host read: app.handle swaps the prototypes of req and res (slow objects
// from then on, more garbage), builds a final handler, and the router walks its layers calling
// next() through each. At 100 connections that alone put p50 above 10 ms. So GETs without a body
// whose path a declared route matches are answered here, before express: the same guard, access
// check, schemas and handler, and the response res.json() would write. Everything else (other
// methods, HEAD, bodies, unusual URLs, a request the guard refuses, unknown paths) takes the
// express path unchanged, as does anything a handler does with `req`/`res`: touching either
// turns them into express's objects first, as app.handle would have.

interface Compiled {
  route: AnyRoute;
  /** Lowercase static segments; null where the route takes a parameter. */
  segments: (string | null)[];
  names: string[];
  okStatus: number;
  /**
   * The front may answer: a GET without a body schema, whose path is plain segments and whole
   * parameters. A request that could reach another route first goes to express.
   */
  front: boolean;
}

/** Request paths the front matches itself: express would see the same segments, undecoded. */
const PLAIN_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/;
/** Query strings parseurl takes as they are (it re-parses anything with these). */
const PLAIN_QUERY = /^[^\s#\u00a0\ufeff]*$/;

function serveGetsFirst(app: Express, routes: AnyRoute[], auth: Authenticator, opts: FrontOptions): void {
  // Every GET route in declaration order: express takes the first that matches, so must the front.
  const table: Compiled[] = routes
    .filter((r) => r.method === 'get')
    .map((r) => {
      const segments = r.path.split('/').slice(1);
      const param = (s: string) => /^\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(s);
      return {
        route: r,
        segments: segments.map((s) => (param(s) ? null : s.toLowerCase())),
        names: segments.filter(param).map((s) => s.slice(1, -1)),
        okStatus: successStatus(r),
        front: !r.body && segments.every((s) => param(s) || /^[A-Za-z0-9._~-]+$/.test(s)),
      };
    });
  const appWithHandle = app as Express & { handle(req: IncomingMessage, res: ServerResponse, next?: NextFunction): void };
  const viaExpress = appWithHandle.handle.bind(app);
  // express's app function calls app.handle for every request.
  appWithHandle.handle = (req, res, next) => {
    // With `next`, the app is mounted inside another one: leave it to express.
    const m = next ? undefined : frontMatch(req, table);
    if (!m || !opts.admits(req)) return viaExpress(req, res, next);
    void serveFront(app, auth, opts, m, req, res);
  };
}

interface FrontMatch {
  c: Compiled;
  params: Record<string, string>;
  /** The path as express's req.path gives it. */
  path: string;
  search: string;
}

function frontMatch(req: IncomingMessage, table: Compiled[]): FrontMatch | undefined {
  const h = req.headers;
  if (req.method !== 'GET' || h['content-length'] !== undefined || h['transfer-encoding'] !== undefined) return undefined;
  // Conditional GETs: res.json() may answer 304 to `If-None-Match: *`.
  if (h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined) return undefined;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const search = q < 0 ? '' : url.slice(q + 1);
  if (!PLAIN_PATH.test(path) || !PLAIN_QUERY.test(search)) return undefined;
  // express's routes match with or without one trailing slash.
  const segs = (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).split('/');
  for (const c of table) {
    if (c.segments.length !== segs.length - 1) continue;
    // Its match is express's to decide, and it comes first.
    if (!c.front) return undefined;
    let ok = true;
    for (let i = 0; i < c.segments.length && ok; i++) {
      const want = c.segments[i] as string | null;
      const got = segs[i + 1]!;
      ok = want === null ? got !== '' : got.length === want.length && got.toLowerCase() === want;
    }
    if (!ok) continue;
    const params: Record<string, string> = {};
    let n = 0;
    c.segments.forEach((s, i) => {
      if (s === null) params[c.names[n++]!] = segs[i + 1]!;
    });
    return { c, params, path, search };
  }
  return undefined;
}

async function serveFront(app: Express, auth: Authenticator, opts: FrontOptions, m: FrontMatch, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const r = m.c.route;
  try {
    // The authenticator logs a refusal with req.path, an express getter: the raw request carries
    // the same value as its own property.
    (req as { path?: string }).path = m.path;
    const who = auth.check(req as Request, r.access, r.family);
    const params = parse(r.params, m.params, 'path');
    const query = parse(r.query, parseQueryString(m.search), 'query');
    const out = await r.handler(new FrontContext(params, query, who, app, m, req, res));
    if (out === undefined || res.headersSent) return;
    const parts = out instanceof JsonText ? out.parts : [JSON.stringify(out)];
    await writeJson(res, m.c.okStatus, parts);
  } catch (err) {
    toExpressObjects(app, req, res, m);
    try {
      opts.onError(err, req as Request, res as Response, () => undefined);
    } catch {
      // What express's final handler does when even the error handler fails.
      req.socket.destroy();
    }
  }
}

/**
 * A handler's context on the front: `req` and `res` become express's objects when first touched.
 * A class, not an object literal with getters: V8 allocated those literals straight into the old
 * generation, where each kept its request alive through the next scavenges (measured: ~3 MB
 * promoted and a 15 ms pause every 60 ms under load).
 */
class FrontContext implements RouteContext<Record<string, unknown>, Record<string, unknown>, unknown> {
  readonly body = undefined;
  constructor(
    readonly params: Record<string, unknown>,
    readonly query: Record<string, unknown>,
    readonly auth: AuthContext | undefined,
    private readonly app: Express,
    private readonly m: FrontMatch,
    private readonly rawReq: IncomingMessage,
    private readonly rawRes: ServerResponse,
  ) {}
  get req(): Request {
    toExpressObjects(this.app, this.rawReq, this.rawRes, this.m);
    return this.rawReq as Request;
  }
  get res(): Response {
    toExpressObjects(this.app, this.rawReq, this.rawRes, this.m);
    return this.rawRes as Response;
  }
}

/** What app.handle and the router do to req and res before a handler sees them. */
function toExpressObjects(app: Express, req: IncomingMessage, res: ServerResponse, m: FrontMatch): void {
  const ereq = req as Request;
  const eres = res as Response;
  if (ereq.res === eres) return;
  ereq.res = eres;
  eres.req = ereq;
  Object.setPrototypeOf(req, app.request);
  Object.setPrototypeOf(res, app.response);
  eres.locals ??= Object.create(null) as Response['locals'];
  eres.locals.family = m.c.route.family;
  ereq.originalUrl ??= req.url ?? '';
  ereq.baseUrl = '';
  ereq.params = m.params;
  // express.json() leaves this on a request without a body.
  if (!Object.hasOwn(ereq, 'body')) ereq.body = undefined;
}

/** The bytes res.json() writes: same status, headers (no ETag: the app disables it) and body. */
async function writeJson(res: ServerResponse, status: number, parts: readonly string[]): Promise<void> {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': byteLength(parts) });
  if (parts.length === 1) res.end(parts[0]);
  else await writeBody(res, parts);
}

const byteLength = (parts: readonly string[]) => parts.reduce((n, p) => n + Buffer.byteLength(p), 0);

/**
 * Bytes per write. Each write's string is short-lived and stays in V8's young generation (under
 * its ~128 KB large-object size): a body built as one 10 MB string costs more in fresh memory
 * and page faults than in serialising, and pieces kept for the whole response are copied by
 * every scavenge.
 */
const WRITE_BYTES = 64 * 1024;
/** Bodies above this give the event loop back between writes. */
const YIELD_ABOVE = 256 * 1024;

async function writeBody(res: ServerResponse, parts: readonly string[]): Promise<void> {
  const total = parts.reduce((n, p) => n + p.length, 0);
  for (let i = 0; i < parts.length; ) {
    let n = 0;
    const start = i;
    while (i < parts.length && (n === 0 || n + parts[i]!.length <= WRITE_BYTES)) n += parts[i++]!.length;
    if (res.destroyed) return;
    const flowing = res.write(i - start === 1 ? parts[start]! : parts.slice(start, i).join(''));
    if (!flowing) await drained(res);
    else if (total > YIELD_ABOVE) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  res.end();
}

/** Resolves when the socket takes more (or the response is gone). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
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
