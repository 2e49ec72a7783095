// Shared by the vNext routes (seed 002): the caller, the list shape with vNext paging
// ({<items>: [...], _links: {self, next}}, always, as vNext lists answer), and schemas.
import { z } from 'zod';
import { ApplianceError } from '../../model/index.js';
import type { AuthContext } from '../http/route.js';
import { pageLinks, scanPage, MAX_LIMIT } from '../http/paging.js';
import type { Caller } from '../../servers/service.js';

export function callerOf(auth: AuthContext | undefined): Caller {
  // Every vNext route has access 'user': the registry refused the request without a token.
  if (!auth) throw new ApplianceError('UNAUTHORIZED', 'a token is needed');
  return { user: auth.user, admin: auth.role === 'admin' };
}

/** `items` as one vNext page under `key`: limit (default: all, at most MAX_LIMIT) after marker. */
export function vnextPage<T, V>(key: string, path: string, query: { limit?: number | undefined; marker?: string | undefined } & Record<string, unknown>, items: T[], idOf: (t: T) => string, view: (t: T) => V) {
  const pos = new Map(items.map((t, i) => [idOf(t), i]));
  const page = scanPage({ at: (i) => items[i], positionOf: (id) => pos.get(id) }, idOf, { limit: query.limit ?? MAX_LIMIT, marker: query.marker });
  return { [key]: page.items.map(view), _links: pageLinks(path, query, page.next) };
}

/** vNext hostnames (RFC 1123 label-ish, dots allowed): unique per project. */
export const ServerName = z.string().min(1).max(63).regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'letters, digits, dots and dashes, not at the ends').describe('hostname, unique in its project');

/** A namespace the caller picks: Corral keeps no project records (docs/api.md "vNext servers"). */
export const Project = z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash, underscore');

/** vNext tags are strings; Corral reads "key=value" as a pair and a bare word as a key with an empty value. */
export const Tags = z.array(z.string().min(1).max(255).regex(/^[^\s,]+$/, 'no spaces or commas')).max(64);
export const Properties = z.record(z.string().min(1).max(64), z.string().max(1024)).refine((r) => Object.keys(r).length <= 64, 'at most 64 properties');

/** "64G", "500GB", "1T", or a number of GiB, as the SoT and POST /v1/cluster read sizes. */
export const Size = z.union([z.string().max(32), z.number().nonnegative()]).describe('"64G", "500G", "1T"; a bare number is GiB');

export const ServerId = z.strictObject({ id: z.uuid().describe('server id') });
export const TaskId = z.strictObject({ id: z.uuid().describe('server task id') });
