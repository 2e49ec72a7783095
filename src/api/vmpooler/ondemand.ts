// vmpooler's on-demand requests (seed 003 "Ondemand VM operations"): POST asks (201), GET polls
// (202 while pending, 200 when ready, failed or deleted), DELETE gives the hosts back. The pool
// manager fills requests (src/pools/decide.ts); these routes only record and read them.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Response } from 'express';
import { route, type AnyRoute, type AuthContext } from '../http/route.js';
import { servedSot, type ApiDeps } from '../deps.js';
import { poolsNamed, readSettings, holdId } from '../../pools/model.js';
import { ondemandKey, readOndemand, storedRequest, type OndemandRequest } from '../../pools/ondemand.js';
import { returnInTx } from '../../pools/checkout.js';
import { OkBody, answer, countOf, domainOf } from './common.js';

const IdParam = z.strictObject({ id: z.string().min(1).max(100) });

export function ondemandRoutes(deps: ApiDeps): AnyRoute[] {
  const create = async (asked: [string, unknown][], requestId: unknown, who: AuthContext | undefined, res: Response) => {
    const sot = servedSot(deps);
    const settings = readSettings(deps.store);
    const counts = asked.map(([name, v]) => ({ name, count: countOf(v) }));
    if (counts.length === 0 || counts.some((c) => c.count === undefined) || (requestId !== undefined && typeof requestId !== 'string')) return answer(res, 400, { ok: false, message: 'JSON payload could not be parsed' });
    const unknown = counts.filter((c) => poolsNamed(sot, c.name).length === 0).map((c) => c.name);
    if (unknown.length) return answer(res, 404, { ok: false, bad_templates: unknown });
    const max = settings.maxOndemandPerRequest;
    if (counts.some((c) => c.count! > max)) return answer(res, 403, { ok: false, message: `requested amount of instances exceeds the maximum ${max}` });
    const id = (requestId as string | undefined) ?? randomUUID();
    const now = deps.clock.now();
    const entries = counts.map((c) => {
      const pool = poolsNamed(sot, c.name)[0]!;
      return { name: c.name, pool: pool.name, count: c.count!, lifetime: pool.defaultLifetime };
    });
    const r: OndemandRequest = { id, entries: entries.map(({ lifetime: _l, ...e }) => e), hosts: {}, status: 'pending', ...(who && { owner: who.user, tokenHash: who.tokenHash }), createdAt: now, ttl: settings.ondemandTtl, lifetime: Math.min(...entries.map((e) => e.lifetime)) };
    const dup = await deps.store.transact((tx) => {
      if (readOndemand(tx, id)) return true;
      tx.put('meta', ondemandKey(id), storedRequest(r));
      tx.event({ subject: 'appliance', type: 'pool.ondemand.requested', at: now, data: { request: id, entries: r.entries } });
      return false;
    });
    if (dup) return answer(res, 409, { ok: false, request_id: id, message: `request_id '${id}' has already been created` });
    return answer(res, 201, { ok: true, request_id: id });
  };
  const created = { 201: { description: '{"ok": true, "request_id": "<uuid>"}', schema: OkBody }, 400: { description: '{"ok": false, "message": "JSON payload could not be parsed"}' }, 401: { description: 'no or bad token' }, 403: { description: 'more than the per-request maximum of one pool' }, 404: { description: '{"ok": false, "bad_templates": [...]}' }, 409: { description: 'that request_id exists' } };

  return [
    route({
      method: 'post',
      path: '/api/v1/ondemandvm',
      family: 'vmpooler',
      access: 'user',
      tags: ['vmpooler'],
      body: z.record(z.string(), z.unknown()),
      bodyOptional: true,
      summary: 'Ask for hosts on demand ({"pool": "N", "request_id"?: "..."}); poll GET /api/v1/ondemandvm/{id}',
      responses: created,
      handler: ({ body, auth, res }) => {
        const { request_id, ...rest } = body;
        return create(Object.entries(rest), request_id, auth, res);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/ondemandvm/{pools}',
      family: 'vmpooler',
      access: 'user',
      tags: ['vmpooler'],
      params: z.strictObject({ pools: z.string().min(1).max(2000).describe('names joined by "+", one per host') }),
      summary: 'Ask for hosts on demand, one per name in the path (a+a+b)',
      responses: created,
      handler: ({ params, auth, res }) => {
        const m = new Map<string, number>();
        for (const n of params.pools.split(/[+ ]/).filter(Boolean)) m.set(n, (m.get(n) ?? 0) + 1);
        return create([...m], undefined, auth, res);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/ondemandvm/{id}',
      family: 'vmpooler',
      access: 'public',
      tags: ['vmpooler'],
      params: IdParam,
      summary: 'How an on-demand request is doing: 202 while hosts are installed, 200 with the host names when ready',
      responses: { 200: { description: '{"ok": true, "request_id", "ready": true, "<name>": {"hostname": [...]}, "domain"} (or failed/deleted with a message)', schema: OkBody }, 202: { description: '{"ok": true, "request_id", "ready": false, "<name>": {"ready": "1", "pending": "3"}}' }, 404: { description: "{\"ok\": false, \"message\": \"no request found for request_id '<id>'\"}" } },
      handler: ({ params, res }) => {
        const r = readOndemand(deps.store, params.id);
        if (!r) return answer(res, 404, { ok: false, message: `no request found for request_id '${params.id}'` });
        const base = { ok: true, request_id: r.id };
        if (r.status === 'failed') return answer(res, 200, { ok: false, request_id: r.id, ready: false, message: `The request failed to provision instances within the configured ondemand_request_ttl '${Math.round(r.ttl / 60)}'` });
        if (r.status === 'deleted') return answer(res, 200, { ok: false, request_id: r.id, ready: false, message: 'The request has been deleted' });
        if (r.status === 'ready') {
          const sot = servedSot(deps);
          const first = Object.values(r.hosts).flat()[0];
          const domain = domainOf(sot, first ? deps.sot.index().hostsById.get(first) : undefined, deps.store);
          // vmpooler answers on-demand host names as an array, even for one.
          return answer(res, 200, { ...base, ready: true, ...Object.fromEntries(r.entries.map((e) => [e.name, { hostname: r.hosts[e.name] ?? [] }])), ...(domain && { domain }) });
        }
        const out: Record<string, unknown> = { ...base, ready: false };
        for (const e of r.entries) {
          const ready = (r.hosts[e.name] ?? []).filter((h) => deps.store.get('hosts', h)?.state === 'active').length;
          // String counts, as vmpooler answers them.
          out[e.name] = { ready: String(ready), pending: String(e.count - ready) };
        }
        return answer(res, 202, out);
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/ondemandvm/{id}',
      family: 'vmpooler',
      access: 'user',
      tags: ['vmpooler'],
      params: IdParam,
      summary: 'Delete an on-demand request: its hosts are wiped and go back to their pools',
      responses: { 200: { description: '{"ok": true} (+ "message" when already deleted)', schema: OkBody }, 401: { description: 'no or bad token, or the request is another user\'s' }, 404: { description: 'no such request' } },
      handler: async ({ params, auth, res }) => {
        const r = readOndemand(deps.store, params.id);
        if (!r) return answer(res, 404, { ok: false, message: `no request found for request_id '${params.id}'` });
        if (r.owner && auth && r.owner !== auth.user && auth.role !== 'admin') return answer(res, 401, { ok: false });
        if (r.status === 'deleted') return { ok: true, message: 'the request has already been deleted' };
        const now = deps.clock.now();
        await deps.store.transact((tx) => {
          for (const h of Object.values(r.hosts).flat()) {
            const c = tx.get('allocations', holdId('checkout', h));
            if (c) returnInTx(tx, c, now, 'on-demand request deleted');
          }
          tx.put('meta', ondemandKey(r.id), storedRequest({ ...r, status: 'deleted', endedAt: now }));
          tx.event({ subject: 'appliance', type: 'pool.ondemand.deleted', at: now, data: { request: r.id } });
        });
        return { ok: true };
      },
    }),
  ];
}
