// The validators of a served file and what a request's conditional and Range headers make of
// them (RFC 9110 §8.8 validators, §13 conditional requests, §14 range requests). Pure: the
// built-in asset server (static-file.ts) and its tests use it; nginx, when it serves the
// assets (boot/assets-nginx.ts), applies the same rules itself.
import type { IncomingHttpHeaders } from 'node:http';

export interface Validators {
  /** Strong entity tag, nginx's form ("<mtime hex>-<size hex>"): switching servers keeps client caches valid. */
  etag: string;
  /** Last-Modified, whole seconds (HTTP dates have no finer resolution, RFC 9110 §5.6.7). */
  lastModified: Date;
}

export function validators(st: { mtimeMs: number; size: number }): Validators {
  const secs = Math.floor(st.mtimeMs / 1000);
  return { etag: `"${secs.toString(16)}-${st.size.toString(16)}"`, lastModified: new Date(secs * 1000) };
}

/** Entity tags of an If-None-Match / If-Match list; '*' stays '*'. */
function tags(list: string): string[] {
  return list.split(',').map((t) => t.trim()).filter(Boolean);
}

const opaque = (tag: string) => tag.replace(/^W\//, '');

/**
 * GET/HEAD answered 304 Not Modified? If-None-Match uses the weak comparison (§13.1.2); only
 * when it is absent does If-Modified-Since count (§13.1.3, and §13.2.2's order).
 */
export function notModified(method: string | undefined, h: IncomingHttpHeaders, v: Validators): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const inm = h['if-none-match'];
  if (inm !== undefined) return tags(inm).some((t) => t === '*' || opaque(t) === opaque(v.etag));
  const ims = h['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  // An invalid date is ignored (§13.1.3).
  return Number.isFinite(since) && v.lastModified.getTime() <= since;
}

export type RangeChoice = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

/**
 * What to send for a Range header on a file of `size` bytes (RFC 9110 §14.2):
 * - one byte range (`a-b`, `a-`, `-n`): 206 with that range, clipped to the file;
 * - several ranges: the whole file as 200 — a server MAY ignore Range (§14.2), and a
 *   multipart/byteranges body is something no boot client asks for;
 * - another unit than bytes, or an If-Range that no longer matches (§13.1.5): the whole file;
 * - a malformed bytes range, or one starting past the end: 416 (§15.5.17), as nginx does.
 */
export function chooseRange(h: IncomingHttpHeaders, size: number, v: Validators): RangeChoice {
  const range = h.range?.trim();
  if (!range) return { kind: 'full' };
  if (!/^bytes=/i.test(range)) return { kind: 'full' };
  if (!ifRangeHolds(h['if-range'] as string | undefined, v)) return { kind: 'full' };
  const spec = range.slice(6).trim();
  if (spec.includes(',')) return { kind: 'full' };
  const m = /^(\d*)\s*-\s*(\d*)$/.exec(spec);
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'unsatisfiable' };
  let start: number;
  let end = size - 1;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return { kind: 'unsatisfiable' };
    start = Math.max(0, size - suffix);
  } else {
    start = Number(m[1]);
    if (m[2] !== '') {
      const last = Number(m[2]);
      if (last < start) return { kind: 'unsatisfiable' };
      end = Math.min(end, last);
    }
  }
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}

/** If-Range (§13.1.5): absent, or naming the current representation by strong ETag or exact date. */
function ifRangeHolds(ifRange: string | undefined, v: Validators): boolean {
  if (ifRange === undefined) return true;
  const t = ifRange.trim();
  if (t.startsWith('"') || t.startsWith('W/')) return t === v.etag; // strong comparison: a weak tag never matches
  const date = Date.parse(t);
  return Number.isFinite(date) && date === v.lastModified.getTime();
}
