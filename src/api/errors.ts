// The ONLY place where domain error codes become HTTP statuses (STYLE P6). The `satisfies`
// makes the compiler refuse a new ErrorCode until it has a status here. Each route family
// answers with its own envelope: Corral's operator plane `{ok:false, code, message}`, the
// vmpooler surface vmpooler's `{ok:false}` (seed 003), so its clients parse what they expect.
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { ApplianceError, type ErrorCode } from '../model/index.js';
import type { Logger } from '../lib/log.js';
import type { Family } from './http/route.js';
import { hasErrorBody, isHasPath, methodNotAllowed } from './has/envelope.js';

export const STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  HOST_NOT_FOUND: 404,
  SITE_NOT_FOUND: 404,
  CLUSTER_NOT_FOUND: 404,
  ROLE_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  PLAN_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  ILLEGAL_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SOT_INVALID: 422,
  TOO_MANY_REQUESTS: 429,
  TEMPLATE_ERROR: 500,
  STORE_FAILED: 500,
  BMC_UNSUPPORTED: 501,
  BMC_UNREACHABLE: 502,
  BMC_AUTH_FAILED: 502,
  SOT_NOT_LOADED: 503,
  UNAVAILABLE: 503,
  BMC_TIMEOUT: 504,
} as const satisfies Record<ErrorCode, number>;

/** Corral's error body: { ok: false, code, message, details? }. */
export function errorBody(code: ErrorCode | 'INTERNAL', message: string, details?: Record<string, unknown>) {
  return { ok: false as const, code, message, ...(details && Object.keys(details).length ? { details } : {}) };
}

/** Details that become headers, not body fields. */
const HEADER_DETAILS = ['challenge', 'allow', 'retry_after'] as const;

export function sendError(res: Response, family: Family, err: ApplianceError): void {
  const status = STATUS[err.code];
  const d = { ...err.details };
  if (typeof d.challenge === 'string') res.set('WWW-Authenticate', d.challenge);
  if (typeof d.allow === 'string') res.set('Allow', d.allow);
  if (d.retry_after !== undefined) res.set('Retry-After', String(d.retry_after));
  for (const k of HEADER_DETAILS) delete d[k];
  if (family === 'has') {
    if (status === 401) {
      res.status(401).end();
      return;
    }
    const explanation = err.code === 'METHOD_NOT_ALLOWED' && res.req?.method ? methodNotAllowed(res.req.method) : err.message;
    res.status(status).json(hasErrorBody(status, explanation));
    return;
  }
  if (family === 'vmpooler') {
    // vmpooler answers 401/404 with a bare {"ok":false}; other failures may say why.
    res.status(status).json(status === 401 || status === 404 ? { ok: false } : { ok: false, message: err.message });
    return;
  }
  res.status(status).json(errorBody(err.code, err.message, d));
}

/** express.json() failures (malformed JSON, body over the limit) as typed errors. */
function fromParser(err: { status?: number; type?: string; message?: string }): ApplianceError | undefined {
  if (typeof err?.status !== 'number' || err.status < 400 || err.status >= 500) return undefined;
  if (err.status === 413) return new ApplianceError('PAYLOAD_TOO_LARGE', 'request body too large');
  if (err.status === 415) return new ApplianceError('UNSUPPORTED_MEDIA_TYPE', `unsupported body encoding: ${err.message}`);
  return new ApplianceError('BAD_REQUEST', err.type === 'entity.parse.failed' ? `malformed JSON body: ${err.message}` : `invalid request body: ${err.message}`);
}

export function errorMiddleware(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const family: Family = res.locals.family ?? familyOf(req.path);
    const typed = err instanceof ApplianceError ? err : fromParser(err);
    if (typed) return sendError(res, family, typed);
    log.error('unhandled API error', { method: req.method, path: req.path, error: String(err?.stack ?? err) });
    if (family === 'vmpooler') res.status(500).json({ ok: false });
    else if (family === 'has') res.status(500).json(hasErrorBody(500, 'internal error'));
    else res.status(500).json(errorBody('INTERNAL', 'internal error'));
  };
}

/** The family of a path no route claimed (unknown routes, 405s, body parser failures). */
function familyOf(path: string): Family {
  if (path.startsWith('/api/v1/')) return 'vmpooler';
  return isHasPath(path) ? 'has' : 'operator';
}

export const notFoundHandler: RequestHandler = (req, res) => {
  const family = familyOf(req.path);
  sendError(res, family, new ApplianceError('NOT_FOUND', `no route ${req.method} ${req.path}`));
};
