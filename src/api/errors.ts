// The ONLY place where domain error codes become HTTP statuses (STYLE P6). The `satisfies`
// makes the compiler refuse a new ErrorCode until it has a status here.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ApplianceError, type ErrorCode } from '../model/index.js';
import type { Logger } from '../lib/log.js';

export const STATUS = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  HOST_NOT_FOUND: 404,
  SITE_NOT_FOUND: 404,
  CLUSTER_NOT_FOUND: 404,
  SOT_INVALID: 422,
  SOT_NOT_LOADED: 503,
  TEMPLATE_ERROR: 500,
  FORBIDDEN: 403,
  UNAUTHORIZED: 401,
  CONFLICT: 409,
  ILLEGAL_TRANSITION: 409,
  BMC_UNREACHABLE: 502,
  BMC_AUTH_FAILED: 502,
  BMC_UNSUPPORTED: 501,
  BMC_TIMEOUT: 504,
  STORE_FAILED: 500,
  PLAN_INFEASIBLE: 409,
  UNAVAILABLE: 503,
} as const satisfies Record<ErrorCode, number>;

/** The error body every API surface answers with: { ok: false, code, message, details? }. */
export function errorBody(code: ErrorCode | 'INTERNAL', message: string, details?: Record<string, unknown>) {
  return { ok: false as const, code, message, ...(details ? { details } : {}) };
}

export function errorMiddleware(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof ApplianceError) {
      res.status(STATUS[err.code]).json(errorBody(err.code, err.message, err.details));
      return;
    }
    // express.json() parse failures and oversize bodies carry a client status.
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : undefined;
    if (status) {
      res.status(status).json(errorBody('BAD_REQUEST', status === 413 ? 'request body too large' : `invalid request body: ${err.message}`));
      return;
    }
    log.error('unhandled API error', { method: req.method, path: req.path, error: String(err?.stack ?? err) });
    res.status(500).json(errorBody('INTERNAL', 'internal error'));
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('NOT_FOUND', `no route ${req.method} ${req.path}`));
};
