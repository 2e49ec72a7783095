// vmpooler's VM operations (seed 003 "VM operations", "Adding additional disk(s)", "VM
// snapshots") over pools of bare-metal hosts: list pools, check out (all or none), query,
// modify (lifetime, tags), return. A check-out is a hold (src/pools/checkout.ts); the pool
// manager wipes and re-installs what comes back.
import { z } from 'zod';
import { ApplianceError } from '../../model/index.js';
import { route, type AnyRoute, type AuthContext } from '../http/route.js';
import { servedSot, type ApiDeps } from '../deps.js';
import type { AuthServices } from '../auth/services.js';
import { checkOut, currentPools, poolHoldOf, checkoutOf, returnInTx } from '../../pools/checkout.js';
import { phaseOf, readSettings, vmState } from '../../pools/model.js';
import { OkBody, answer, countOf, domainOf, hostnameField, hours } from './common.js';
import { activeQemuProvider } from '../../pools/qemu/provider.js';
import { addDisk, revertSnapshot, takeSnapshot, vmRecordOf } from '../../pools/qemu/ops.js';

const HostParam = z.strictObject({ hostname: z.string().min(1).max(253).describe('the host name (as check-out answered it)') });
const TAG_KEY = /^[A-Za-z0-9_.-]{1,50}$/;
const TAG_VALUE = /^[\w\s\-.@:/]{0,255}$/;

export function vmRoutes(deps: ApiDeps, _auth: AuthServices): AnyRoute[] {
  /** Check out `wants`, answering as vmpooler: keyed by the requested names, plus `domain`. */
  const checkoutAnswer = async (wants: { name: string; count: number }[], who: AuthContext | undefined, res: Parameters<typeof answer>[0]) => {
    const sot = servedSot(deps);
    try {
      const got = await checkOut(deps.store, sot, { wants, owner: who?.user, tokenHash: who?.tokenHash, now: deps.clock.now() });
      const out: Record<string, unknown> = { ok: true };
      for (const [name, hosts] of Object.entries(got)) out[name] = { hostname: hostnameField(hosts) };
      const first = Object.values(got)[0]?.[0];
      const domain = domainOf(sot, first ? deps.sot.index().hostsById.get(first) : undefined, deps.store);
      if (domain) out.domain = domain;
      return out;
    } catch (e) {
      // All or none (seed: "Returns either all requested VMs or no VMs"): the transaction applied nothing.
      if (e instanceof ApplianceError && e.code === 'UNAVAILABLE') return answer(res, 503, { ok: false });
      throw e;
    }
  };

  return [
    route({
      method: 'get',
      path: '/api/v1/vm',
      family: 'vmpooler',
      access: 'public',
      tags: ['vmpooler'],
      summary: 'The pools, by name (SoT order)',
      responses: { 200: { description: '["pool", ...]', schema: z.array(z.string()) } },
      handler: () => servedSot(deps).pools.map((p) => p.name),
    }),
    route({
      method: 'post',
      path: '/api/v1/vm',
      family: 'vmpooler',
      // vmpooler takes check-outs without a token unless auth is configured; Corral always has
      // auth and serves no unauthenticated mutation, so an X-AUTH-TOKEN is needed (vmfloaty sends one).
      access: 'user',
      tags: ['vmpooler'],
      summary: 'Check out hosts of several pools at once: all of them or none',
      description: 'Body: {"<pool or alias>": count} (counts may be strings). The hosts are checked out to the X-AUTH-TOKEN\'s user (GET /api/v1/token/{token} lists them).',
      body: z.record(z.string(), z.unknown()),
      bodyOptional: true,
      responses: {
        200: { description: '{"ok": true, "<name>": {"hostname": "h" | ["h", ...]}, "domain": "..."}', schema: OkBody },
        400: { description: 'a count that is not 1..100' },
        401: { description: 'no or bad X-AUTH-TOKEN' },
        404: { description: 'empty body, or a name that is no pool or alias' },
        503: { description: '{"ok": false}: some pool cannot fill its part; nothing was checked out' },
      },
      handler: async ({ body, auth: who, res }) => {
        const wants = Object.entries(body).map(([name, v]) => ({ name, count: countOf(v) }));
        if (wants.length === 0) throw new ApplianceError('NOT_FOUND', 'no pools requested');
        const bad = wants.filter((w) => w.count === undefined).map((w) => w.name);
        if (bad.length) return answer(res, 400, { ok: false, message: `invalid count for ${bad.join(', ')}: a whole number 1..100` });
        return checkoutAnswer(wants as { name: string; count: number }[], who, res);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/vm/{pools}',
      family: 'vmpooler',
      access: 'user',
      tags: ['vmpooler'],
      params: z.strictObject({ pools: z.string().min(1).max(2000).describe('pool or alias names joined by "+", one per host') }),
      summary: 'Check out hosts: one per name in the path (a+a+b), all of them or none',
      responses: {
        200: { description: '{"ok": true, "<name>": {"hostname": ...}, "domain": "..."}', schema: OkBody },
        401: { description: 'no or bad X-AUTH-TOKEN' },
        404: { description: 'a name that is no pool or alias' },
        503: { description: '{"ok": false}: not enough ready hosts; nothing was checked out' },
      },
      handler: async ({ params, auth: who, res }) => {
        const wants: { name: string; count: number }[] = [];
        // express decodes "+" in a path as itself; a client may also send it as a space.
        for (const name of params.pools.split(/[+ ]/).filter(Boolean)) {
          const w = wants.find((x) => x.name === name);
          if (w) w.count++;
          else wants.push({ name, count: 1 });
        }
        if (wants.length === 0) throw new ApplianceError('NOT_FOUND', 'no pools requested');
        return checkoutAnswer(wants, who, res);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/vm/{hostname}',
      family: 'vmpooler',
      access: 'public',
      tags: ['vmpooler'],
      params: HostParam,
      summary: "A pool host: its pool (template), lifetime, hours running and left, state, tags, address",
      responses: { 200: { description: '{"ok": true, "<hostname>": {template, lifetime, running, remaining, state, tags, ip, domain, host, disk, snapshots}}', schema: OkBody }, 404: { description: 'not a host of a pool' } },
      handler: ({ params }) => {
        const sot = servedSot(deps);
        const a = poolHoldOf(deps.store, params.hostname);
        const host = deps.sot.index().hostsById.get(params.hostname);
        const p = a && currentPools(sot, deps.store).find((x) => x.pool.name === a.pool);
        if (!a || !host || !p) throw new ApplianceError('NOT_FOUND', 'not a pool host');
        const rt = deps.store.get('hosts', host.id);
        const out = phaseOf(a) === 'checkout';
        const lifetime = out ? a.lifetime : p.pool.defaultLifetime;
        const running = out ? Math.max(0, (deps.clock.now() - a.createdAt) / 1000) : 0;
        const domain = domainOf(sot, host, deps.store);
        const ip = host.interfaces.find((i) => i.type === 'physical' && i.ipv4)?.ipv4 ?? rt?.lastIp;
        return {
          ok: true,
          [host.id]: {
            template: p.pool.name,
            lifetime: hours(lifetime),
            running: hours(running),
            remaining: lifetime > 0 ? hours(Math.max(0, lifetime - running)) : null,
            ...(out && { start_time: new Date(a.createdAt).toISOString(), ...(lifetime > 0 && { end_time: new Date(a.createdAt + lifetime * 1000).toISOString() }) }),
            state: vmState(a, rt, p),
            tags: a.tags,
            ...(ip && { ip }),
            ...(domain && { domain, fqdn: `${host.id}.${domain}` }),
            // vmpooler's "host" is the hypervisor; a bare-metal host runs on itself, in its site and cluster.
            host: `${host.siteId}/${host.clusterId}`,
            // Only a qemu VM's check-out has any (src/pools/qemu/ops.ts).
            disk: (out && vmRecordOf(deps.store, a)?.disks.map((d) => `+${d.sizeGb}gb`)) || [],
            snapshots: (out && vmRecordOf(deps.store, a)?.snapshots.map((x) => x.id)) || [],
          },
        };
      },
    }),
    route({
      method: 'put',
      path: '/api/v1/vm/{hostname}',
      family: 'vmpooler',
      access: 'user',
      tags: ['vmpooler'],
      params: HostParam,
      body: z.record(z.string(), z.unknown()),
      bodyOptional: true,
      summary: 'Change a checked-out host: lifetime (whole hours from check-out, up to the pool\'s max) and tags',
      responses: {
        200: { description: '{"ok": true}', schema: OkBody },
        400: { description: '{"ok": false, "failure": [...]}: a lifetime that is not a whole number of hours in 1..max, a tag not allowed, an unknown parameter' },
        401: { description: 'no or bad X-AUTH-TOKEN' },
        404: { description: 'not a checked-out host (or not yours)' },
      },
      handler: async ({ params, body, auth: who, res }) => {
        const a = checkoutOf(deps.store, params.hostname);
        if (!a || (a.owner && who && a.owner !== who.user && who.role !== 'admin')) throw new ApplianceError('NOT_FOUND', 'not checked out');
        const pool = servedSot(deps).pools.find((p) => p.name === a.pool);
        const failure: string[] = [];
        let lifetime: number | undefined;
        let tags: Record<string, string> | undefined;
        for (const [k, v] of Object.entries(body)) {
          if (k === 'lifetime') {
            const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
            const max = Math.floor((pool?.maxLifetime ?? 0) / 3600);
            if (!Number.isInteger(n) || n <= 0) failure.push(`lifetime must be a whole number of hours above 0, got ${JSON.stringify(v)}`);
            else if (n > max) failure.push(`lifetime of ${n} hours exceeds the pool's maximum of ${max} hours`);
            else lifetime = n * 3600;
          } else if (k === 'tags') {
            if (typeof v !== 'object' || v === null || Array.isArray(v)) failure.push('tags must be an object of strings');
            else {
              const allowed = readSettings(deps.store).allowedTags;
              tags = {};
              for (const [tk, tv] of Object.entries(v)) {
                if (!TAG_KEY.test(tk) || typeof tv !== 'string' || !TAG_VALUE.test(tv)) failure.push(`invalid tag ${JSON.stringify(tk)}`);
                else if (allowed && !allowed.includes(tk)) failure.push(`You provided unsupported tags (${tk})`);
                else tags[tk] = tv;
              }
            }
          } else failure.push(`unknown parameter ${JSON.stringify(k)}`);
        }
        if (failure.length) return answer(res, 400, { ok: false, failure });
        const at = deps.clock.now();
        await deps.store.transact((tx) => {
          const cur = tx.get('allocations', a.id);
          if (!cur) throw new ApplianceError('NOT_FOUND', 'not checked out');
          tx.put('allocations', a.id, { ...cur, ...(lifetime !== undefined && { lifetime }), ...(tags && { tags: { ...cur.tags, ...tags } }) });
          // Tag counts per pool and day feed GET /summary (src/store/aggregates.ts).
          if (tags && Object.keys(tags).length) tx.event({ subject: a.hostId, type: 'pool.tagged', at, data: { pool: a.pool, tags } });
          if (lifetime !== undefined) tx.event({ subject: a.hostId, type: 'pool.lifetime', at, data: { pool: a.pool, lifetime } });
        });
        return { ok: true };
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/vm/{hostname}',
      family: 'vmpooler',
      access: 'user',
      tags: ['vmpooler'],
      params: HostParam,
      summary: 'Return a checked-out host: it is wiped, installed again and made ready',
      responses: {
        200: { description: '{"ok": true}', schema: OkBody },
        401: { description: 'checked out with a token: that user\'s (or an admin\'s) X-AUTH-TOKEN is needed' },
        404: { description: 'not a checked-out host' },
      },
      handler: async ({ params, auth: who }) => {
        const a = checkoutOf(deps.store, params.hostname);
        if (!a) throw new ApplianceError('NOT_FOUND', 'not checked out');
        if (a.owner) {
          if (!who || (who.user !== a.owner && who.role !== 'admin')) throw new ApplianceError('UNAUTHORIZED', 'checked out by another user', { challenge: 'Basic realm="Authentication required"' });
        }
        await deps.store.transact((tx) => {
          const cur = tx.get('allocations', a.id);
          if (!cur) throw new ApplianceError('NOT_FOUND', 'not checked out');
          returnInTx(tx, cur, deps.clock.now(), 'returned');
        });
        return { ok: true };
      },
    }),
    ...disksAndSnapshots(deps),
  ];
}

/**
 * Disks and snapshots (seed 003 "Adding additional disk(s)", "VM snapshots"): real on a qemu
 * pool's VMs (src/pools/qemu: QMP hot-plug, internal qcow2 snapshots), answered 202 once done
 * so the next GET /vm/<hostname> shows them. A bare-metal host has the disks it has and no
 * snapshots: the routes exist (vmfloaty calls them) and answer 400 with why, after the checks
 * vmpooler makes first.
 */
function disksAndSnapshots(deps: ApiDeps): AnyRoute[] {
  /** The caller's check-out of a qemu VM and the provider running it; throws the vmpooler answers otherwise. */
  const target = (hostname: string, who: { user: string; role: string } | undefined, what: string) => {
    const a = checkoutOf(deps.store, hostname);
    if (!a || (a.owner && who && a.owner !== who.user && who.role !== 'admin')) throw new ApplianceError('NOT_FOUND', 'not checked out');
    if (servedSot(deps).pools.find((p) => p.name === a.pool)?.provider !== 'qemu') throw new ApplianceError('BAD_REQUEST', `${what} are not available: ${hostname} is a bare-metal host, not a VM`);
    const provider = activeQemuProvider();
    if (!provider) throw new ApplianceError('UNAVAILABLE', 'the qemu provider is not running');
    return { a, ops: { store: deps.store, now: () => deps.clock.now(), provider } };
  };
  const responses = (what: string) => ({
    202: { description: 'done: GET /api/v1/vm/{hostname} shows it', schema: OkBody },
    400: { description: `{"ok": false, "message": "..."}: ${what} are not available on bare-metal hosts${what === 'added disks' ? ', or a size that is not 1..2048' : ''}` },
    401: { description: 'no or bad X-AUTH-TOKEN' },
    404: { description: `not a checked-out host${what === 'snapshots' ? ' (or no such snapshot of it)' : ''}` },
    409: { description: 'the VM is powered off' },
    503: { description: 'the qemu provider is not running, or QEMU refused' },
  });
  return [
    route({
      method: 'post',
      path: '/api/v1/vm/{hostname}/disk/{size}',
      family: 'vmpooler',
      access: 'user',
      tags: ['vmpooler'],
      params: z.strictObject({ hostname: z.string().min(1).max(253), size: z.string().max(16).describe('GB, 1..2048') }),
      summary: 'Hot-add a disk of {size} GB to a checked-out qemu VM (bare-metal hosts: 400)',
      responses: responses('added disks'),
      handler: async ({ params, auth: who, res }) => {
        const { a, ops } = target(params.hostname, who, 'added disks');
        const size = /^\d{1,4}$/.test(params.size) ? Number(params.size) : NaN;
        if (!(size >= 1 && size <= 2048)) return answer(res, 400, { ok: false, message: `size must be a whole number of GB 1..2048, got ${JSON.stringify(params.size)}` });
        await addDisk(ops, a, size);
        return answer(res, 202, { ok: true, [a.hostId]: { disk: `+${size}gb` } });
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/vm/{hostname}/snapshot',
      family: 'vmpooler',
      access: 'user',
      tags: ['vmpooler'],
      params: HostParam,
      summary: 'Snapshot a checked-out qemu VM (disks and memory); answers its id (bare-metal hosts: 400)',
      responses: responses('snapshots'),
      handler: async ({ params, auth: who, res }) => {
        const { a, ops } = target(params.hostname, who, 'snapshots');
        const id = await takeSnapshot(ops, a);
        return answer(res, 202, { ok: true, [a.hostId]: { snapshot: id } });
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/vm/{hostname}/snapshot/{snapshot}',
      family: 'vmpooler',
      access: 'user',
      tags: ['vmpooler'],
      params: z.strictObject({ hostname: z.string().min(1).max(253), snapshot: z.string().max(64) }),
      summary: 'Revert a checked-out qemu VM to one of its snapshots (bare-metal hosts: 400)',
      responses: responses('snapshots'),
      handler: async ({ params, auth: who, res }) => {
        const { a, ops } = target(params.hostname, who, 'snapshots');
        await revertSnapshot(ops, a, params.snapshot);
        return answer(res, 202, { ok: true });
      },
    }),
  ];
}
