// Password hashing: scrypt (RFC 7914) with a per-user random salt, compared in constant time.
// Parameters are stored with each hash so they can be raised later without breaking old users.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { User } from '../../model/index.js';

/** N=2^15, r=8, p=1: ~32 MiB and tens of ms per check, the cost OWASP suggests for scrypt. */
export const SCRYPT_PARAMS = { N: 1 << 15, r: 8, p: 1, keylen: 32 } as const;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, keylen, { ...opts, maxmem: 128 * opts.N! * opts.r! * 2 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: User['scrypt'] = SCRYPT_PARAMS): Promise<Pick<User, 'passwordHash' | 'salt' | 'scrypt'>> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, params.keylen, { N: params.N, r: params.r, p: params.p });
  return { passwordHash: key.toString('base64'), salt: salt.toString('base64'), scrypt: { ...params } };
}

export async function verifyPassword(user: Pick<User, 'passwordHash' | 'salt' | 'scrypt'>, password: string): Promise<boolean> {
  const expected = Buffer.from(user.passwordHash, 'base64');
  const key = await scrypt(password, Buffer.from(user.salt, 'base64'), expected.length, { N: user.scrypt.N, r: user.scrypt.r, p: user.scrypt.p });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** What a password must be: long enough to resist guessing, short enough to hash cheaply. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 8) return 'password must have at least 8 characters';
  if (password.length > 1024) return 'password must have at most 1024 characters';
  return undefined;
}
