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

/** A list read item by item (`at(i)` is undefined past its end), with its items found by id. */
export interface Listing<T> {
  at(i: number): T | undefined;
  positionOf(id: string): number | undefined;
}

/**
 * One page of the items `keep` accepts, after `marker`, reading only from the marker on and only
 * until the page is full and one more accepted item shows there is a next page: a page costs its
 * own size, not the list's. The marker must be an accepted item; an unknown one is a 400 (the
 * item may be gone: start again without it).
 */
export function scanPage<T>(list: Listing<T>, idOf: (t: T) => string, opts: { limit: number; marker?: string | undefined; keep?: ((t: T) => boolean) | undefined }): Paged<T> {
  const keep = opts.keep ?? (() => true);
  let i = 0;
  if (opts.marker !== undefined) {
    const pos = list.positionOf(opts.marker);
    const at = pos === undefined ? undefined : list.at(pos);
    if (at === undefined || idOf(at) !== opts.marker || !keep(at)) throw unknownMarker(opts.marker);
    i = pos! + 1;
  }
  const items: T[] = [];
  for (let t = list.at(i); t !== undefined; t = list.at(++i)) {
    if (!keep(t)) continue;
    if (items.length === opts.limit) return { items, next: idOf(items[items.length - 1]!) };
    items.push(t);
  }
  return { items };
}

function unknownMarker(marker: string): ApplianceError {
  return new ApplianceError('BAD_REQUEST', `marker "${marker.slice(0, 64)}" is not an item of this list (any more)`, { field: 'marker' });
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
