// vmpooler's token routes (seed 003, /api/v1/token): HTTP Basic with a Corral user creates,
// lists and revokes tokens; a token's own details are readable by whoever holds its value.
// Corral keeps only token hashes, so listings name tokens by their first 8 characters.
import { z } from 'zod';
import type { Request } from 'express';
import { ApplianceError, type User } from '../../model/index.js';
import { route, type AnyRoute } from '../http/route.js';
import type { ApiDeps } from '../deps.js';
import type { AuthServices } from '../auth/services.js';
import { isExpired } from '../auth/tokens.js';
import { phaseOf } from '../../pools/model.js';

/** vmpooler's time format: "2015-04-28 19:17:47 -0700" (UTC here). */
export function vmpoolerTime(ms: number | undefined): string {
  if (ms === undefined) return 'never';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' +0000');
}

/** RFC 7617 Basic credentials, or undefined when absent or malformed. */
export function basicCredentials(req: Pick<Request, 'headers'>): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0) return undefined;
  return { user: text.slice(0, i), password: text.slice(i + 1) };
}

const CHALLENGE = 'Basic realm="Authentication required"';

/** Checks Basic credentials with the failed-login throttle; the user, or throws 401/429. */
export async function basicLogin(auth: AuthServices, req: Request, log: ApiDeps['log']): Promise<User> {
  const ip = req.socket.remoteAddress ?? 'unknown';
  const wait = auth.limiter.retryAfter(ip);
  if (wait > 0) throw new ApplianceError('TOO_MANY_REQUESTS', `too many failed logins from this address; retry in ${wait} s`, { retry_after: wait });
  const cred = basicCredentials(req);
  if (!cred) throw new ApplianceError('UNAUTHORIZED', 'HTTP Basic credentials required', { challenge: CHALLENGE });
  const user = await auth.users.login(cred.user, cred.password);
  if (!user) {
    auth.limiter.fail(ip);
    // Never the password; the name only as typed, truncated.
    log.warn('login failed', { user: cred.user.slice(0, 64), ip });
    throw new ApplianceError('UNAUTHORIZED', 'wrong user name or password', { challenge: CHALLENGE });
  }
  auth.limiter.succeed(ip);
  return user;
}

const TokenParam = z.strictObject({ token: z.string().max(256).describe('the token value') });
const OkBody = z.object({ ok: z.boolean() });

export function tokenRoutes(deps: ApiDeps, auth: AuthServices): AnyRoute[] {
  /**
   * The hosts checked out with this token and not yet returned or expired: vmpooler lists the
   * VMs of its pools' running sets whose `token:token` is this token (lib/vmpooler/api/v3.rb,
   * GET /token/:token), so a user's other tokens, vNext servers and plan holds are not among them.
   * Read from the store's check-outs, so a return, an expiry and a restart are reflected as they are.
   */
  const running = (hash: string) =>
    deps.store
      .list('allocations')
      .filter((a) => a.tokenHash === hash && phaseOf(a) === 'checkout')
      .sort((x, y) => x.createdAt - y.createdAt || (x.hostId < y.hostId ? -1 : x.hostId > y.hostId ? 1 : 0))
      .map((a) => a.hostId);
  return [
    route({
      method: 'get',
      path: '/api/v1/token',
      family: 'vmpooler',
      access: 'public',
      basicAuth: true,
      tags: ['tokens'],
      summary: 'List your tokens (HTTP Basic), keyed by their first 8 characters',
      responses: { 200: { description: '{"ok": true, "<token prefix>": {"created", "last", "expires"}}', schema: OkBody }, 401: { description: 'no or wrong credentials' }, 404: { description: 'the user has no tokens' } },
      handler: async ({ req }) => {
        const user = await basicLogin(auth, req, deps.log);
        const list = auth.tokens.listFor(user.name);
        if (list.length === 0) throw new ApplianceError('NOT_FOUND', 'no tokens');
        const out: Record<string, unknown> = { ok: true };
        for (const t of list) out[t.prefix] = { created: vmpoolerTime(t.createdAt), last: vmpoolerTime(t.lastUsedAt), expires: t.expiresAt ? vmpoolerTime(t.expiresAt) : 'never' };
        return out;
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/token',
      family: 'vmpooler',
      access: 'public',
      basicAuth: true,
      tags: ['tokens'],
      summary: 'Create a token (HTTP Basic); the token is shown once',
      responses: { 200: { description: '{"ok": true, "token": "<32 chars>"}', schema: z.object({ ok: z.literal(true), token: z.string() }) }, 401: { description: 'no or wrong credentials' }, 429: { description: 'too many failed logins from this address' } },
      handler: async ({ req }) => {
        const user = await basicLogin(auth, req, deps.log);
        const { token } = await auth.tokens.create(user.name, user.role);
        return { ok: true, token };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/token/{token}',
      family: 'vmpooler',
      access: 'public',
      tags: ['tokens'],
      params: TokenParam,
      summary: "A token's user, times and the hosts checked out with it (the token value is the credential)",
      description:
        'As vmpooler answers it: `last` only once the token has been used, `vms` only while a host checked out with this token is held ' +
        '(returned and expired check-outs drop out). Corral adds `expires` for a token that expires.',
      responses: { 200: { description: '{"ok": true, "<token>": {"user", "created", "last"?, "expires"?, "vms"?: {"running": ["<hostname>", ...]}}}', schema: OkBody }, 404: { description: 'unknown, revoked or expired token' } },
      handler: ({ params }) => {
        const t = auth.tokens.get(params.token);
        if (!t || isExpired(t, deps.clock.now())) throw new ApplianceError('NOT_FOUND', 'no such token');
        const vms = running(t.hash);
        // vmpooler answers the token's Redis hash as it is (user, created, and last once
        // validate_token has set it), then adds vms.running only when it found one: the keys
        // a client sees are the same here.
        return {
          ok: true,
          [params.token]: {
            user: t.user,
            created: vmpoolerTime(t.createdAt),
            ...(t.lastUsedAt !== undefined && { last: vmpoolerTime(t.lastUsedAt) }),
            ...(t.expiresAt !== undefined && { expires: vmpoolerTime(t.expiresAt) }),
            ...(vms.length > 0 && { vms: { running: vms } }),
          },
        };
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/token/{token}',
      family: 'vmpooler',
      access: 'public',
      basicAuth: true,
      tags: ['tokens'],
      params: TokenParam,
      summary: 'Revoke a token (HTTP Basic: its owner, or an admin; or the token itself as X-AUTH-TOKEN/Bearer)',
      responses: { 200: { description: '{"ok": true}', schema: OkBody }, 401: { description: 'no or wrong credentials, or no such token of yours (as vmpooler answers)' } },
      handler: async ({ req, params }) => {
        // Whoever holds a token may give it up with it (the GUI's log-out): no password needed.
        const own = req.get('x-auth-token') ?? /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
        if (own !== undefined && own === params.token && auth.tokens.get(own)) {
          await auth.tokens.revoke(own);
          return { ok: true };
        }
        const user = await basicLogin(auth, req, deps.log);
        const t = auth.tokens.get(params.token);
        if (!t || (t.user !== user.name && user.role !== 'admin')) throw new ApplianceError('UNAUTHORIZED', 'no such token of yours', { challenge: CHALLENGE });
        await auth.tokens.revoke(params.token);
        return { ok: true };
      },
    }),
  ];
}
