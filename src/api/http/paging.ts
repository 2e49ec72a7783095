// Lists page as vNext proposes (seed 002): `limit` and `marker` (the id of the last item of the
// previous page) in, `_links.next` out. Asked without either, a list keeps its seed shape (a
// bare array, as resmgr's GET /v1/hosts answers).
import { z } from 'zod';
import { ApplianceError } from '../../model/index.js';

export const MAX_LIMIT = 1000;

export const PagingQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).optional().describe(`page size (1-${MAX_LIMIT}); with limit or marker the answer is {<items>, _links}`),
  marker: z.string().max(256).optional().describe('id of the last item of the previous page'),
};

export interface Paged<T> {
  items: T[];
  next?: string;
}

/**
 * One page of `ids` after `marker`. `positionOf` finds the marker in O(1) when the caller has an
 * index; an unknown marker is a 400 (the item may be gone: start again without it).
 */
export function pageOf<T>(ids: readonly T[], idOf: (t: T) => string, opts: { limit?: number | undefined; marker?: string | undefined; positionOf?: (id: string) => number | undefined }): Paged<T> {
  let start = 0;
  if (opts.marker !== undefined) {
    let pos = opts.positionOf?.(opts.marker);
    if (pos === undefined || idOf(ids[pos]!) !== opts.marker) pos = ids.findIndex((t) => idOf(t) === opts.marker);
    if (pos < 0) throw new ApplianceError('BAD_REQUEST', `marker "${opts.marker.slice(0, 64)}" is not an item of this list (any more)`, { field: 'marker' });
    start = pos + 1;
  }
  const limit = opts.limit ?? MAX_LIMIT;
  const items = ids.slice(start, start + limit);
  const more = start + limit < ids.length;
  return { items, ...(more && items.length ? { next: idOf(items[items.length - 1]!) } : {}) };
}

/** `_links` for a paged answer: self and next as hrefs relative to the API root. */
export function pageLinks(path: string, query: Record<string, unknown>, next: string | undefined) {
  const qs = (marker: string | undefined) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (k === 'marker' || v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) p.append(k, String(one));
    }
    if (marker !== undefined) p.set('marker', marker);
    const s = p.toString();
    return s ? `${path}?${s}` : path;
  };
  return { self: { href: qs(query.marker as string | undefined) }, ...(next !== undefined && { next: { href: qs(next) } }) };
}
