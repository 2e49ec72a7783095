// Per-host, per-attempt callback secrets. A machine proves a checkpoint (or a request for its
// unattended file) is its own by quoting the secret Corral rendered into its iPXE script:
//   secret = base64url(HMAC-SHA256(key, "corral-callback-v1" NUL hostId NUL attempt))   (RFC 2104, RFC 4648 §5)
// The key is 32 random bytes kept in <data>/callback.key (mode 0600), made at first start and
// reused after restarts, so secrets survive a restart of Corral but not a new boot attempt. The
// secrets themselves are never stored: they are recomputed from the key when a callback arrives.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const CALLBACK_KEY_FILE = 'callback.key';
const KEY_BYTES = 32;
/** base64url of the whole 256-bit MAC: 43 characters, all safe in a URL path, a shell word and a kernel command line. */
const SECRET_RE = /^[A-Za-z0-9_-]{43}$/;
/** How many earlier attempts of the run are tried to tell "stale" from "wrong" (diagnostics only). */
const STALE_LOOKBACK = 16;

export interface CallbackSecrets {
  /** The secret of one boot attempt of a host (see bootAttemptOf in src/lifecycle/machine.ts). */
  secretFor(hostId: string, attempt: string): string;
  /** Constant-time comparison of a secret a client sent with the expected one. */
  matches(given: string, hostId: string, attempt: string): boolean;
  /** Whether the client's secret is one Corral issued for an earlier attempt `<run>.<k>` of this run. */
  isStale(given: string, hostId: string, attempt: string): boolean;
}

/** Whether a path segment has the shape of a secret (a MAC or a boot id does not). */
export function looksLikeSecret(s: string): boolean {
  return SECRET_RE.test(s);
}

export function createCallbackSecrets(key: Buffer): CallbackSecrets {
  if (key.length < KEY_BYTES) throw new Error(`callback key must be at least ${KEY_BYTES} bytes`);
  const key_ = Buffer.from(key);
  const secretFor = (hostId: string, attempt: string) =>
    createHmac('sha256', key_).update(`corral-callback-v1\0${hostId}\0${attempt}`).digest('base64url');
  const equal = (given: string, expected: string) => {
    const a = Buffer.from(given);
    const b = Buffer.from(expected);
    // timingSafeEqual needs equal lengths; the length of a secret is public (always 43).
    return a.length === b.length && timingSafeEqual(a, b);
  };
  return {
    secretFor,
    matches: (given, hostId, attempt) => equal(given, secretFor(hostId, attempt)),
    isStale(given, hostId, attempt) {
      const dot = attempt.lastIndexOf('.');
      const run = attempt.slice(0, dot);
      const serial = Number(attempt.slice(dot + 1));
      if (dot < 0 || !Number.isInteger(serial)) return false;
      for (let k = serial - 1; k >= Math.max(1, serial - STALE_LOOKBACK); k--) if (equal(given, secretFor(hostId, `${run}.${k}`))) return true;
      return false;
    },
  };
}

/**
 * The appliance's callback key from `<dataDir>/callback.key`, created (32 random bytes, hex, mode
 * 0600) when missing. A key file others may read is narrowed to 0600; one of the wrong size is an
 * error rather than silently replaced, since replacing it would invalidate every host in flight.
 */
export async function loadCallbackKey(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, CALLBACK_KEY_FILE);
  const existing = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (existing !== undefined) {
    const key = Buffer.from(existing.trim(), 'hex');
    if (key.length !== KEY_BYTES || existing.trim().length !== KEY_BYTES * 2) throw new Error(`${path}: not a ${KEY_BYTES}-byte hex key; remove it to make a new one (hosts in flight will have to restart their boot)`);
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
    return key;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(KEY_BYTES);
  // Written aside and renamed, so a crash never leaves a truncated key behind.
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(`${key.toString('hex')}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(dataDir, 'r');
  await dir.sync().finally(() => dir.close());
  return key;
}
