// `GET /servers/{id}/console_log?lines=N` (seed 002: plain text, default 65536 lines). The
// machine's captured serial console (the same <console-dir>/<host>.log files GET
// /v1/hosts/{id}/console serves) when there is one; else the machine's journal since the server
// was launched, one line per event, so a user sees how the install goes either way. The
// journal is cut at the launch: a user never reads what the machine did for someone else.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { Allocation, HostEvent } from '../model/index.js';
import type { Store } from '../store/store.js';

/** Bytes read from the end of a console file at most: enough for many thousand lines. */
const MAX_BYTES = 4 * 1024 * 1024;

/** The last `n` lines of `text` (a trailing newline ends the last line, it starts none). */
export function lastLines(text: string, n: number): string {
  const lines = text.replace(/\r/g, '').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-n).join('\n') + (lines.length ? '\n' : '');
}

/** One journal event as a console line: "2024-01-01T00:00:00.000Z checkpoint new_state=active". */
export function eventLine(e: HostEvent): string {
  const data = Object.entries(e.data ?? {})
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`);
  return [new Date(e.at).toISOString(), e.type, ...data].join(' ');
}

function readTail(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const want = Math.min(size, MAX_BYTES);
    const buf = Buffer.alloc(want);
    const n = want ? readSync(fd, buf, 0, want, size - want) : 0;
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export async function consoleLog(deps: { store: Store; consoleDir?: string | undefined }, a: Allocation, lines: number): Promise<{ source: 'console' | 'journal'; text: string }> {
  const safe = !a.hostId.includes('/') && !a.hostId.startsWith('.');
  const captured = deps.consoleDir && safe ? readTail(join(deps.consoleDir, `${a.hostId}.log`)) : undefined;
  if (captured !== undefined) return { source: 'console', text: lastLines(captured, lines) };
  const events = (await deps.store.events({ subject: a.hostId })).filter((e) => e.at >= a.createdAt);
  return { source: 'journal', text: lastLines(events.map(eventLine).join('\n'), lines) };
}
