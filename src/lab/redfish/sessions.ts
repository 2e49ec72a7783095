// Authentication for the lab BMC: the one account, checked in constant time, through Basic auth or a
// Redfish session (DSP0266 "Session management": POST .../Sessions -> X-Auth-Token, idle timeout,
// DELETE = logout). Tokens are kept only as SHA-256 digests, so a lookup compares digests, never the
// secret itself, and a memory dump holds no usable token.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  id: string;
  userName: string;
  lastUsed: number;
}

export interface SessionOptions {
  username: string;
  password: string;
  /** Idle timeout, seconds (SessionService.SessionTimeout; the schema allows 30..86400). */
  timeoutS?: number;
  /** Sessions kept at most; the least recently used one goes first when a new login needs room. */
  max?: number;
  now?: () => number;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Equal-length digests through timingSafeEqual: the time taken says nothing about the input. */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export class SessionStore {
  readonly timeoutS: number;
  private readonly max: number;
  private readonly now: () => number;
  /** Token digest (hex) -> session. */
  private readonly byDigest = new Map<string, Session>();

  constructor(private readonly o: SessionOptions) {
    this.timeoutS = o.timeoutS ?? 1800;
    this.max = o.max ?? 64;
    this.now = o.now ?? Date.now;
  }

  /** Both halves are always compared, so a wrong user name costs as long as a wrong password. */
  checkCredentials(user: string, password: string): boolean {
    const u = sameSecret(user, this.o.username);
    const p = sameSecret(password, this.o.password);
    return u && p;
  }

  /** A new session for valid credentials; the token is returned once and not kept. */
  login(user: string, password: string): { session: Session; token: string } | undefined {
    if (!this.checkCredentials(user, password)) return undefined;
    this.prune();
    while (this.byDigest.size >= this.max) {
      const oldest = [...this.byDigest.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0];
      if (!oldest) break;
      this.byDigest.delete(oldest[0]);
    }
    const token = randomBytes(32).toString('base64url');
    const session: Session = { id: randomBytes(8).toString('hex'), userName: this.o.username, lastUsed: this.now() };
    this.byDigest.set(digest(token).toString('hex'), session);
    return { session, token };
  }

  /** The live session for a token (its idle clock restarts), or undefined. */
  byToken(token: string): Session | undefined {
    const key = digest(token).toString('hex');
    const s = this.byDigest.get(key);
    if (!s) return undefined;
    if (this.expired(s)) {
      this.byDigest.delete(key);
      return undefined;
    }
    s.lastUsed = this.now();
    return s;
  }

  get(id: string): Session | undefined {
    this.prune();
    return this.list().find((s) => s.id === id);
  }

  list(): Session[] {
    this.prune();
    return [...this.byDigest.values()];
  }

  /** Logout; false when there is no such session. */
  delete(id: string): boolean {
    for (const [k, s] of this.byDigest) {
      if (s.id === id) return this.byDigest.delete(k);
    }
    return false;
  }

  private expired(s: Session): boolean {
    return this.now() - s.lastUsed > this.timeoutS * 1000;
  }

  private prune(): void {
    for (const [k, s] of this.byDigest) if (this.expired(s)) this.byDigest.delete(k);
  }
}

/** user:password from an "Authorization: Basic ..." header (RFC 7617), or undefined. */
export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}
