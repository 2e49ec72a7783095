// The lab BMC's HTTPS front: authentication (X-Auth-Token session or Basic), the protocol checks
// DSP0266 asks of every request (OData-Version, $ query parameters, JSON bodies), method checks
// with Allow, ETag/If-None-Match on reads, and Redfish error bodies for every failure. Secrets
// (password, tokens, Authorization) are never logged.

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LabMachine } from '../machine.js';
import { message, errorBody, type Json } from './messages.js';
import { derivedUuid, withEtag, type Ids } from './resources.js';
import { createRoutes, fail, ifMatch, notFound, type Method, type Reply, type Route } from './routes.js';
import { parseBasic, SessionStore } from './sessions.js';

export interface RedfishBmcOptions {
  machine: LabMachine;
  host: string;
  /** 0 = any free port. */
  port: number;
  username: string;
  password: string;
  tls: { key: string | Buffer; cert: string | Buffer };
  /** ComputerSystem (and Chassis) Id; default '1'. */
  systemId?: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface RedfishBmc {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Request bodies this BMC accepts are a few hundred bytes; anything far larger is refused (413). */
const MAX_BODY = 64 * 1024;
const METHODS: readonly Method[] = ['GET', 'POST', 'PATCH', 'DELETE'];

export async function startRedfishBmc(o: RedfishBmcOptions): Promise<RedfishBmc> {
  const systemId = o.systemId ?? '1';
  // Ids go into URIs unescaped, so only URI-safe ones are accepted.
  if (!/^[A-Za-z0-9._-]+$/.test(systemId)) throw new Error(`systemId "${systemId}": letters, digits, '.', '_' and '-' only`);
  if (!o.username || !o.password) throw new Error('username and password are required');
  const log = o.log ?? (() => {});
  const ids: Ids = { system: systemId, manager: 'BMC', chassis: systemId };
  const sessions = new SessionStore({ username: o.username, password: o.password });
  const resolve = createRoutes({ machine: o.machine, ids, sessions, serviceUuid: derivedUuid(o.machine.uuid), log });

  const server: Server = createServer({ key: o.tls.key, cert: o.tls.cert, minVersion: 'TLSv1.2' }, (req, res) => {
    const started = Date.now();
    handle(req, resolve, sessions)
      .catch((e: unknown) => {
        log('redfish handler error', { error: e instanceof Error ? e.message : String(e) });
        return fail(500, message('InternalError'));
      })
      .then((reply) => {
        send(req, res, reply);
        // Reads succeed all the time (Corral polls power state); changes and failures are what matter.
        if ((req.method !== 'GET' && req.method !== 'HEAD') || reply.status >= 400) {
          log('redfish request', { method: req.method, path: pathOf(req.url), status: reply.status, ms: Date.now() - started });
        }
      })
      .catch(() => res.destroy());
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  server.on('clientError', (_e, socket) => socket.destroy());

  await new Promise<void>((ok, bad) => {
    server.once('error', bad);
    server.listen(o.port, o.host, () => {
      server.off('error', bad);
      ok();
    });
  });
  // After listen an 'error' (e.g. out of file descriptors) must not kill the lab daemon.
  server.on('error', (e) => log('redfish server error', { error: e.message }));
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  log('redfish BMC listening', { host: o.host, port, machine: o.machine.name });
  return {
    port,
    url: `https://${host}:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'https://bmc.invalid').pathname;
  } catch {
    return '/';
  }
}

async function handle(req: IncomingMessage, resolve: (p: string) => Route | undefined, sessions: SessionStore): Promise<Reply> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'https://bmc.invalid');
  } catch {
    return fail(400, message('GeneralError'));
  }
  const path = url.pathname;
  const route = resolve(path);
  // HEAD is GET without the body (Node drops it), so it is allowed wherever GET is.
  const method = (req.method === 'HEAD' ? 'GET' : req.method) as Method;
  const open = route?.open?.includes(method) === true && route.methods[method] !== undefined;
  // Credentials come before 404: without them, nothing says which URIs exist.
  if (!open && !authenticated(req, sessions)) {
    return { ...fail(401, message('NoValidSession')), headers: { 'WWW-Authenticate': 'Basic realm="Redfish"' } };
  }
  if (!route) return notFound(path);
  const allow = allowOf(route);
  const handler = METHODS.includes(method) ? route.methods[method] : undefined;
  if (!handler) return { ...fail(405, message('OperationNotAllowed')), headers: { Allow: allow } };
  // DSP0266 "Query parameters": unsupported ones that start with $ get 501; others are ignored.
  if ([...url.searchParams.keys()].some((k) => k.startsWith('$'))) return fail(501, message('QueryNotSupported'));
  // DSP0266 "Request headers": an OData-Version other than 4.0 is refused with 412.
  const odata = req.headers['odata-version'];
  if (odata !== undefined && String(odata).trim() !== '4.0') return fail(412, message('GeneralError'));

  let body: Json = {};
  if (method === 'POST' || method === 'PATCH') {
    const parsed = await readJson(req);
    if ('reply' in parsed) return parsed.reply;
    body = parsed.body;
  } else {
    req.resume();
  }
  const reply = await handler({ method, path, headers: req.headers, body });
  const out: Reply = { ...reply, headers: { Allow: allow, ...reply.headers } };
  // Every resource read carries its entity tag, in the body (@odata.etag) and as ETag.
  if (method === 'GET' && out.status === 200 && out.body && typeof out.body['@odata.id'] === 'string' && !out.etag) {
    const tagged = withEtag(out.body);
    out.body = tagged.body;
    out.etag = tagged.etag;
    const inm = req.headers['if-none-match'];
    if (inm !== undefined && ifMatch(inm, tagged.etag)) return { status: 304, etag: tagged.etag, headers: out.headers ?? {} };
  }
  return out;
}

function authenticated(req: IncomingMessage, sessions: SessionStore): boolean {
  const token = req.headers['x-auth-token'];
  // A token that is present decides alone: a stale session must fail, not fall back to Basic.
  if (typeof token === 'string' && token !== '') return sessions.byToken(token) !== undefined;
  const basic = parseBasic(req.headers.authorization);
  return basic !== undefined && sessions.checkCredentials(basic.user, basic.password);
}

function allowOf(route: Route): string {
  const m = METHODS.filter((x) => route.methods[x]);
  return (m.includes('GET') ? ['GET', 'HEAD', ...m.filter((x) => x !== 'GET')] : m).join(', ');
}

async function readJson(req: IncomingMessage): Promise<{ body: Json } | { reply: Reply }> {
  const tooLarge = (): { reply: Reply } => ({ reply: { status: 413, body: errorBody([message('GeneralError')], `Request body larger than ${MAX_BODY} bytes`), headers: { Connection: 'close' } } });
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) return tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_BODY) return tooLarge();
      chunks.push(c);
    }
  } catch {
    return { reply: fail(400, message('GeneralError')) };
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return { body: {} };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { reply: fail(400, message('MalformedJSON')) };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { reply: fail(400, message('UnrecognizedRequestBody')) };
  return { body: v as Json };
}

function send(req: IncomingMessage, res: ServerResponse, r: Reply): void {
  const headers: Record<string, string> = {
    'OData-Version': '4.0',
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    ...r.headers,
  };
  if (r.etag) headers.ETag = r.etag;
  const text = r.body === undefined || r.status === 204 || r.status === 304 ? undefined : JSON.stringify(r.body);
  if (text !== undefined) {
    headers['Content-Type'] = 'application/json; charset=utf-8';
    headers['Content-Length'] = String(Buffer.byteLength(text));
  }
  // A refused oversized body is not drained: the connection is dropped once the answer is out.
  if (r.headers?.Connection === 'close') res.on('finish', () => req.destroy());
  res.writeHead(r.status, headers);
  res.end(text);
}
