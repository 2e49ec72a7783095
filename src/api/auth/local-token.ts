// The appliance's own admin token for the local CLI and the desktop app: created at first
// start in a 0600 file in the data folder, so whoever can read the data folder (root, the
// service user) acts as admin, and nobody else — not a process that merely reaches loopback.
import { chmodSync, openSync, readFileSync, writeSync, closeSync, renameSync, fsyncSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Tokens } from './tokens.js';
import { looksLikeToken } from './tokens.js';

export const LOCAL_TOKEN_FILE = 'admin.token';
export const LOCAL_ADMIN_USER = 'local-admin';

export function localTokenPath(dataDir: string): string {
  return join(dataDir, LOCAL_TOKEN_FILE);
}

/** Reads the token file if present and well-formed. */
export function readLocalToken(dataDir: string): string | undefined {
  try {
    const t = readFileSync(localTokenPath(dataDir), 'utf8').trim();
    return looksLikeToken(t) ? t : undefined;
  } catch {
    return undefined;
  }
}

/** Reuses the file's token while the store knows it; otherwise mints one and writes the file. */
export async function ensureLocalToken(dataDir: string, tokens: Tokens): Promise<string> {
  const path = localTokenPath(dataDir);
  const existing = readLocalToken(dataDir);
  if (existing && !('error' in tokens.verify(existing))) {
    // Keep it private even if someone loosened it.
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return existing;
  }
  const { token } = await tokens.create(LOCAL_ADMIN_USER, 'admin', { ttlMs: null });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, token + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return token;
}
