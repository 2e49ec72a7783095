// Typed domain errors. Domain code throws ApplianceError with a code from ErrorCode; only
// src/api/errors.ts turns codes into HTTP statuses (and the compiler checks it covers them all).

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'HOST_NOT_FOUND'
  | 'SITE_NOT_FOUND'
  | 'CLUSTER_NOT_FOUND'
  | 'SOT_INVALID'
  | 'SOT_NOT_LOADED'
  | 'TEMPLATE_ERROR'
  | 'FORBIDDEN'
  | 'UNAUTHORIZED'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'TOO_MANY_REQUESTS'
  | 'ROLE_NOT_FOUND'
  | 'USER_NOT_FOUND'
  | 'PLAN_NOT_FOUND'
  | 'CONFLICT'
  | 'ILLEGAL_TRANSITION'
  | 'BMC_UNREACHABLE'
  | 'BMC_AUTH_FAILED'
  | 'BMC_UNSUPPORTED'
  | 'BMC_TIMEOUT'
  | 'STORE_FAILED'
  | 'UNAVAILABLE';

export class ApplianceError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApplianceError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

export function isApplianceError(e: unknown): e is ApplianceError {
  return e instanceof ApplianceError;
}
