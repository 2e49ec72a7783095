// Reading and writing the settings file (IO only; the checks are in settings-json.ts).
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from './errors.js';
import type { ServeValues } from './options.js';
import { formatSettingsJson, parseSettingsJson } from './settings-json.js';

/** The file's settings, or undefined when there is no file yet (a first run). */
export function readSettingsFile(path: string): ServeValues | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`${path}: cannot read (${(e as Error).message})`);
  }
  return parseSettingsJson(text, path);
}

/** Writes atomically (temp file + rename), so a crash never leaves half a file to trip the next start. */
export function writeSettingsFile(path: string, v: ServeValues): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, formatSettingsJson(v));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
