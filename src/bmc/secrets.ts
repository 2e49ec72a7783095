// Resolves a SoT SecretRef (inline / environment variable / file) to its value. Errors name the
// variable or the file so the operator can fix the SoT, but never contain the value itself.

import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { ApplianceError, type SecretRef } from '../model/index.js';

export interface SecretContext {
  /** Relative `file:` references are resolved against this folder (the SoT root). */
  baseDir: string;
  /** The environment to read `env:` references from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** What the secret is for, used in error messages ("BMC password of host n1"). */
  purpose?: string;
}

export async function resolveSecret(ref: SecretRef, ctx: SecretContext): Promise<string> {
  const what = ctx.purpose ?? 'secret';
  switch (ref.kind) {
    case 'inline':
      return ref.value;
    case 'env': {
      const v = (ctx.env ?? process.env)[ref.name];
      if (v === undefined) throw fail(`${what}: environment variable ${ref.name} is not set`, { env: ref.name });
      return v;
    }
    case 'file': {
      const path = isAbsolute(ref.path) ? ref.path : resolve(ctx.baseDir, ref.path);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'read error';
        throw fail(`${what}: cannot read secret file ${path} (${code})`, { file: path });
      }
      // A trailing newline is how editors and `echo` write files, never part of a password.
      return text.replace(/\r?\n$/, '');
    }
  }
}

// BMC_AUTH_FAILED: without the credential no login can succeed, and retrying cannot help.
function fail(message: string, details: Record<string, unknown>): ApplianceError {
  return new ApplianceError('BMC_AUTH_FAILED', message, { ...details, retryable: false });
}
