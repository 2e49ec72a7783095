// vmpooler's pool configuration through the API (seed 003 "Managing pool configuration via
// API"): sizes and templates (here: the workflow a pool installs) changed at run time, reset,
// restart. Changes are kept in the store's meta (src/pools/model.ts), so they outlive restarts
// as vmpooler's do in redis, and are journaled, which wakes the pool manager.
import { z } from 'zod';
import type { Response } from 'express';
import { route, type AnyRoute } from '../http/route.js';
import { servedSot, type ApiDeps } from '../deps.js';
import { currentPools } from '../../pools/checkout.js';
import { OVERRIDES_KEY, inPool, readOverrides, readSettings, type PoolOverrides } from '../../pools/model.js';
import { OkBody, answer, countOf, hours } from './common.js';

const Body = z.record(z.string(), z.unknown());
const gated = { 405: { description: '{"ok": false}: experimental_features is off (meta "vmpooler:settings")' } };

export function configRoutes(deps: ApiDeps): AnyRoute[] {
  /** 405 unless experimental features are on (seed: "A 405 is returned ..."). */
  const closed = (res: Response) => (readSettings(deps.store).experimentalFeatures ? undefined : answer(res, 405, { ok: false }));
  const save = (o: PoolOverrides, what: string, data: Record<string, unknown>) =>
    deps.store.transact((tx) => {
      tx.put('meta', OVERRIDES_KEY, o);
      tx.event({ subject: 'appliance', type: `pool.${what}`, at: deps.clock.now(), data });
    });
  const known = (name: string) => servedSot(deps).pools.some((p) => p.name === name);

  return [
    route({
      method: 'get',
      path: '/api/v1/config',
      family: 'vmpooler',
      access: 'public',
      tags: ['vmpooler'],
      summary: 'The pools as they run (SoT with the API overrides)',
      responses: { 200: { description: '{"pool_configuration": [...], "status": {"ok": true}}', schema: z.object({ pool_configuration: z.array(z.unknown()) }).passthrough() } },
      handler: () => {
        const sot = servedSot(deps);
        return {
          pool_configuration: currentPools(sot, deps.store).map((p) => ({
            name: p.pool.name,
            alias: p.pool.aliases,
            template: p.workflow ?? null,
            ...(p.pool.role && { role: p.pool.role }),
            size: p.size,
            provider: 'corral',
            capacity: sot.hosts.filter((h) => inPool(sot, p.pool, h)).length,
            lifetime: hours(p.pool.defaultLifetime),
            max_lifetime: hours(p.pool.maxLifetime),
            template_ready: p.workflow !== undefined && sot.workflows.some((w) => w.id === p.workflow),
          })),
          status: { ok: true },
        };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/config/poolsize',
      family: 'vmpooler',
      access: 'admin',
      tags: ['vmpooler'],
      body: Body,
      summary: 'Change pool sizes ({"pool": "N"}); kept across restarts',
      responses: { 200: { description: '{"ok": true}: nothing to change', schema: OkBody }, 201: { description: '{"ok": true}: changed' }, 400: { description: '{"ok": false, "not_configured": [...]}: unknown pool or not a whole number >= 0' }, 401: { description: 'no or bad token' }, 403: { description: 'not an admin' }, ...gated },
      handler: async ({ body, res }) => {
        if (closed(res)) return undefined;
        const o = readOverrides(deps.store);
        const sizes = currentPools(servedSot(deps), deps.store);
        const bad = Object.entries(body).filter(([k, v]) => !known(k) || (countOf(v) === undefined && v !== 0 && v !== '0')).map(([k]) => k);
        if (bad.length || Object.keys(body).length === 0) return answer(res, 400, { ok: false, not_configured: bad });
        let changed = false;
        for (const [k, v] of Object.entries(body)) {
          const n = Number(v);
          if (sizes.find((p) => p.pool.name === k)?.size === n) continue;
          o.size[k] = n;
          changed = true;
        }
        if (changed) await save(o, 'poolsize', { sizes: body });
        return answer(res, changed ? 201 : 200, { ok: true });
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/config/poolsize/{pool}',
      family: 'vmpooler',
      access: 'admin',
      tags: ['vmpooler'],
      params: z.strictObject({ pool: z.string().max(100) }),
      summary: "Drop a pool's size override: back to the SoT's size",
      responses: { 200: { description: '{"ok": true}: no override', schema: OkBody }, 201: { description: '{"ok": true, "pool_size_before_overrides", "pool_size_before_reset"}' }, 401: { description: 'no or bad token' }, 403: { description: 'not an admin' }, 404: { description: 'unknown pool' }, ...gated },
      handler: async ({ params, res }) => {
        if (closed(res)) return undefined;
        const pool = servedSot(deps).pools.find((p) => p.name === params.pool);
        if (!pool) return answer(res, 404, { ok: false });
        const o = readOverrides(deps.store);
        const before = o.size[pool.name];
        if (before === undefined) return answer(res, 200, { ok: true });
        delete o.size[pool.name];
        await save(o, 'poolsize', { reset: pool.name });
        return answer(res, 201, { ok: true, pool_size_before_overrides: pool.size, pool_size_before_reset: before });
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/config/pooltemplate',
      family: 'vmpooler',
      access: 'admin',
      tags: ['vmpooler'],
      body: Body,
      summary: 'Change the workflow pools install ({"pool": "<workflow id>"}); ready and pending hosts are wiped and replaced',
      responses: { 200: { description: '{"ok": true}: nothing to change', schema: OkBody }, 201: { description: '{"ok": true}: changed' }, 400: { description: '{"ok": false, "bad_templates": [...]}: not a workflow of the SoT' }, 401: { description: 'no or bad token' }, 403: { description: 'not an admin' }, 404: { description: '{"ok": false, "bad_templates": [...]}: unknown pool' }, ...gated },
      handler: async ({ body, res }) => {
        if (closed(res)) return undefined;
        const sot = servedSot(deps);
        const unknown = Object.keys(body).filter((k) => !known(k));
        if (unknown.length) return answer(res, 404, { ok: false, bad_templates: unknown });
        const bad = Object.entries(body).filter(([, v]) => typeof v !== 'string' || !sot.workflows.some((w) => w.id === v)).map(([k]) => k);
        if (bad.length || Object.keys(body).length === 0) return answer(res, 400, { ok: false, bad_templates: bad });
        const o = readOverrides(deps.store);
        const cur = currentPools(sot, deps.store);
        let changed = false;
        for (const [k, v] of Object.entries(body) as [string, string][]) {
          if (cur.find((p) => p.pool.name === k)?.workflow === v) continue;
          o.template[k] = v;
          changed = true;
        }
        if (changed) await save(o, 'pooltemplate', { templates: body });
        return answer(res, changed ? 201 : 200, { ok: true });
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/poolreset',
      family: 'vmpooler',
      access: 'admin',
      tags: ['vmpooler'],
      body: Body,
      summary: 'Wipe and replace the ready and pending hosts of pools ({"pool": "1"})',
      responses: { 201: { description: '{"ok": true}', schema: OkBody }, 400: { description: '{"ok": false}: empty body' }, 401: { description: 'no or bad token' }, 403: { description: 'not an admin' }, 404: { description: '{"ok": false, "bad_pools": [...]}: unknown pool' }, ...gated },
      handler: async ({ body, res }) => {
        if (closed(res)) return undefined;
        const names = Object.keys(body);
        if (names.length === 0) return answer(res, 400, { ok: false });
        const unknown = names.filter((k) => !known(k));
        if (unknown.length) return answer(res, 404, { ok: false, bad_pools: unknown });
        const o = readOverrides(deps.store);
        for (const k of names) o.resetAt[k] = deps.clock.now();
        await save(o, 'poolreset', { pools: names });
        return { ok: true };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/restart',
      family: 'vmpooler',
      access: 'admin',
      tags: ['vmpooler'],
      summary: 'Restart the pool manager (it forgets what it asked for and looks at every pool again); the appliance keeps running',
      responses: { 200: { description: '{"ok": true, "message": "Restarting ..."}', schema: OkBody }, 401: { description: 'no or bad token' }, 403: { description: 'not an admin' } },
      handler: async () => {
        await deps.store.transact((tx) => tx.event({ subject: 'appliance', type: 'pool.restart', at: deps.clock.now(), data: {} }));
        return { ok: true, message: 'Restarting ...' };
      },
    }),
  ];
}
