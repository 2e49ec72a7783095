// The auth services every surface shares, built once per appliance (or per test app).
import type { Store } from '../../store/store.js';
import type { Clock } from '../../lib/clock.js';
import { createTokens, type Tokens } from './tokens.js';
import { createUsers, type Users } from './users.js';
import { createLoginLimiter, type LoginLimiter } from './limiter.js';

export interface AuthServices {
  tokens: Tokens;
  users: Users;
  limiter: LoginLimiter;
}

/** Tokens live 30 days unless configured otherwise (null: never expire). */
export const DEFAULT_TOKEN_TTL_MS = 30 * 24 * 3600_000;

export function createAuthServices(store: Store, clock: Clock, opts: { tokenTtlMs?: number | null } = {}): AuthServices {
  const tokens = createTokens({ store, clock, defaultTtlMs: opts.tokenTtlMs === undefined ? DEFAULT_TOKEN_TTL_MS : opts.tokenTtlMs });
  return { tokens, users: createUsers({ store, clock, tokens }), limiter: createLoginLimiter(clock) };
}
