// API tokens (vmpooler's token model, seed 003): random, shown once, stored only as sha256.
// A token carries its user's role; it may expire; its last use is recorded (lazily: a read
// must not cost a disk write, so last-use times are flushed in batches).
import { createHash, randomBytes } from 'node:crypto';
import type { ApiToken, UserRole } from '../../model/index.js';
import type { Store } from '../../store/store.js';
import type { Clock, TimerHandle } from '../../lib/clock.js';
import type { AuthContext } from '../http/route.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * 32 characters of [a-z0-9], the first a letter a-y, as vmpooler's tokens look (clients and
 * scripts that validate the format keep working); ~165 bits of entropy.
 */
export function generateToken(): string {
  const bytes = randomBytes(64);
  let out = ALPHABET[bytes[0]! % 25]!;
  for (let i = 1; out.length < 32; i++) {
    const b = bytes[i]!;
    if (b < 252) out += ALPHABET[b % 36]; // 252 = 7 × 36: no modulo bias
  }
  return out;
}

/** Whether a token (or what is remembered of it) has passed its expiry; no expiry = never. */
export function isExpired(t: { expiresAt?: number }, now: number): boolean {
  return t.expiresAt !== undefined && t.expiresAt <= now;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A token's shape, checked before any lookup (garbage never reaches the store). */
export function looksLikeToken(s: string): boolean {
  return /^[a-z0-9]{32}$/.test(s);
}

export interface Tokens {
  create(user: string, role: UserRole, opts?: { ttlMs?: number | null; subject?: string }): Promise<{ token: string; record: ApiToken }>;
  /** The token's auth context, or why not. Records the use. */
  verify(token: string): AuthContext | { error: 'unknown' | 'expired' };
  get(token: string): ApiToken | undefined;
  listFor(user: string): ApiToken[];
  revoke(token: string): Promise<boolean>;
  /** Removes every token of a user (user removed). */
  revokeAll(user: string): Promise<number>;
  /** Writes pending last-use times now. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** Tokens remembered as verified (in memory only), the oldest forgotten first. */
const VERIFIED_MAX = 10_000;

export function createTokens(deps: { store: Store; clock: Clock; defaultTtlMs: number | null; flushMs?: number }): Tokens {
  const lastUse = new Map<string, number>();
  const verified = new Map<string, { ctx: AuthContext; text: string; expiresAt?: number }>();
  let timer: TimerHandle | undefined;
  const flushMs = deps.flushMs ?? 30_000;

  const flush = async () => {
    timer = undefined;
    if (lastUse.size === 0) return;
    const batch = [...lastUse];
    lastUse.clear();
    await deps.store.transact((tx) => {
      for (const [hash, at] of batch) {
        const t = tx.get('tokens', hash);
        if (t && (t.lastUsedAt ?? 0) < at) tx.put('tokens', hash, { ...t, lastUsedAt: at });
      }
    });
  };
  const touch = (hash: string) => {
    lastUse.set(hash, deps.clock.now());
    timer ??= deps.clock.setTimeout(() => void flush().catch(() => undefined), flushMs);
  };

  return {
    async create(user, role, opts = {}) {
      const token = generateToken();
      const now = deps.clock.now();
      const ttl = opts.ttlMs === undefined ? deps.defaultTtlMs : opts.ttlMs;
      const record: ApiToken = { hash: tokenHash(token), prefix: token.slice(0, 8), user, role, createdAt: now, ...(ttl !== null && { expiresAt: now + ttl }) };
      await deps.store.transact((tx) => {
        tx.put('tokens', record.hash, record);
        // The journal names the token by its prefix only.
        tx.event({ subject: opts.subject ?? 'appliance', type: 'token.created', at: now, data: { user, role, token: record.prefix, expires_at: record.expiresAt ?? null } });
      });
      return { token, record };
    },
    verify(token) {
      if (!looksLikeToken(token)) return { error: 'unknown' };
      // Seen before: its record's stored text unchanged means not revoked, not replaced; no
      // hashing or parsing on the hot path of every authenticated request.
      const hit = verified.get(token);
      if (hit && deps.store.getText && deps.store.getText('tokens', hit.ctx.tokenHash) === hit.text) {
        if (isExpired(hit, deps.clock.now())) return { error: 'expired' };
        touch(hit.ctx.tokenHash);
        return hit.ctx;
      }
      const hash = tokenHash(token);
      const t = deps.store.get('tokens', hash);
      if (!t) return { error: 'unknown' };
      if (isExpired(t, deps.clock.now())) return { error: 'expired' };
      touch(hash);
      const ctx: AuthContext = { user: t.user, role: t.role, tokenHash: hash };
      const text = deps.store.getText?.('tokens', hash);
      if (text !== undefined) {
        if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
        verified.set(token, { ctx, text, ...(t.expiresAt !== undefined && { expiresAt: t.expiresAt }) });
      }
      return ctx;
    },
    get(token) {
      if (!looksLikeToken(token)) return undefined;
      const t = deps.store.get('tokens', tokenHash(token));
      if (!t) return undefined;
      const pending = lastUse.get(t.hash);
      return pending && pending > (t.lastUsedAt ?? 0) ? { ...t, lastUsedAt: pending } : t;
    },
    listFor(user) {
      return deps.store.list('tokens').filter((t) => t.user === user);
    },
    async revoke(token) {
      if (!looksLikeToken(token)) return false;
      const hash = tokenHash(token);
      return deps.store.transact((tx) => {
        const t = tx.get('tokens', hash);
        if (!t) return false;
        tx.del('tokens', hash);
        tx.event({ subject: 'appliance', type: 'token.revoked', data: { user: t.user, token: t.prefix } });
        lastUse.delete(hash);
        return true;
      });
    },
    async revokeAll(user) {
      return deps.store.transact((tx) => {
        let n = 0;
        for (const t of deps.store.list('tokens')) {
          if (t.user !== user) continue;
          tx.del('tokens', t.hash);
          lastUse.delete(t.hash);
          n++;
        }
        if (n) tx.event({ subject: 'appliance', type: 'token.revoked', data: { user, count: n } });
        return n;
      });
    },
    flush,
    async stop() {
      timer?.cancel();
      await flush().catch(() => undefined);
    },
  };
}
