// Who is calling: a token in `X-AUTH-TOKEN` (vmpooler's header, seed 003) or
// `Authorization: Bearer` (RFC 6750), checked against the route's access level. The source
// address is never an identity: loopback only decides whether operator reads are open.
import type { Request } from 'express';
import { ApplianceError } from '../../model/index.js';
import type { Logger } from '../../lib/log.js';
import type { Tokens } from '../auth/tokens.js';
import type { Access, AuthContext, Family } from './route.js';

export interface Authenticator {
  /** The caller for `access`, or throws UNAUTHORIZED (401) / FORBIDDEN (403). */
  check(req: Request, access: Access, family: Family): AuthContext | undefined;
}

export function tokenFrom(req: Pick<Request, 'headers'>): string | undefined {
  const x = req.headers['x-auth-token'];
  if (typeof x === 'string' && x.trim()) return x.trim();
  const a = req.headers.authorization;
  if (typeof a === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(a);
    if (m) return m[1];
  }
  return undefined;
}

export function createAuthenticator(deps: { tokens: Tokens; requireReadToken: boolean; log: Logger }): Authenticator {
  return {
    check(req, access, family) {
      if (access === 'public') return undefined;
      const token = tokenFrom(req);
      if (token === undefined) {
        if (access === 'read' && !deps.requireReadToken) return undefined;
        throw unauthorized(family, 'a token is required (X-AUTH-TOKEN or Authorization: Bearer; POST /api/v1/token makes one)');
      }
      const who = deps.tokens.verify(token);
      if ('error' in who) {
        // Logged without the token: an address and a reason only.
        deps.log.warn('API auth failed', { reason: who.error === 'expired' ? 'expired token' : 'unknown token', ip: req.socket.remoteAddress, method: req.method, path: req.path });
        throw unauthorized(family, who.error === 'expired' ? 'the token has expired' : 'the token is not valid (unknown or revoked)');
      }
      if (access === 'admin' && who.role !== 'admin') {
        throw new ApplianceError('FORBIDDEN', `user "${who.user}" is not an admin; this operation needs an admin token`);
      }
      return who;
    },
  };
}

function unauthorized(family: Family, message: string): ApplianceError {
  return new ApplianceError('UNAUTHORIZED', message, { challenge: family === 'vmpooler' ? 'Basic realm="Authentication required"' : 'Bearer realm="corral"' });
}
