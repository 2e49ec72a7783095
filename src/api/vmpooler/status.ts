// vmpooler's status and metrics (seed 003 "Status and metrics"): live counts per pool from the
// holds and the hosts' lifecycle, install ("clone") and boot durations and tag counts per day
// from the store's history aggregates (src/store/aggregates.ts; all events ever, dropped ones too).
import { z } from 'zod';
import { ApplianceError } from '../../model/index.js';
import { route, type AnyRoute } from '../http/route.js';
import { servedSot, type ApiDeps } from '../deps.js';
import { currentPools } from '../../pools/checkout.js';
import { poolHolds, vmState, type VmState } from '../../pools/model.js';
import { readAggregates, type DayAggregate, type DurationStats } from '../../store/aggregates.js';
import { answer } from './common.js';

const SECTIONS = ['capacity', 'queue', 'clone', 'boot', 'pools', 'status'] as const;
const round = (n: number) => Math.round(n * 100) / 100;
const DAY_MS = 86_400_000;
const today = (now: number) => new Date(now).toISOString().slice(0, 10);

function counts(deps: ApiDeps) {
  const sot = servedSot(deps);
  const pools = currentPools(sot, deps.store);
  const holds = poolHolds(deps.store);
  const per = new Map(pools.map((p) => [p.pool.name, { pending: 0, ready: 0, running: 0, completed: 0, failed: 0 } as Record<VmState, number>]));
  for (const a of holds.values()) {
    const p = pools.find((x) => x.pool.name === a.pool);
    const c = per.get(a.pool!);
    if (p && c) c[vmState(a, deps.store.get('hosts', a.hostId), p)]++;
  }
  return { pools, per };
}

/** Duration stats in seconds, as vmpooler shows them. */
const seconds = (s: DurationStats) => ({ average: s.count ? round(s.totalMs / s.count / 1000) : 0, min: round(s.minMs / 1000), max: round(s.maxMs / 1000), total: round(s.totalMs / 1000) });

export function statusRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/v1/status',
      family: 'vmpooler',
      access: 'public',
      tags: ['vmpooler'],
      query: z.object({ view: z.string().max(200).optional().describe('comma-separated sections: capacity, queue, clone, boot, pools, status') }),
      summary: 'Live status: capacity, queue, install (clone) and boot durations today, pools, empty pools',
      responses: { 200: { description: '{capacity, queue, clone, boot, pools, status}; "status" always', schema: z.object({ status: z.object({ ok: z.boolean(), message: z.string() }).passthrough() }).passthrough() } },
      handler: async ({ query }) => {
        const want = new Set(query.view ? query.view.split(',').map((s) => s.trim()) : SECTIONS);
        const { pools, per } = counts(deps);
        const sum = (k: VmState) => [...per.values()].reduce((n, c) => n + c[k], 0);
        const ready = sum('ready');
        const total = pools.reduce((n, p) => n + p.size, 0);
        const out: Record<string, unknown> = {};
        if (want.has('capacity')) out.capacity = { current: ready, total, percent: total ? round((ready / total) * 100) : 0 };
        if (want.has('queue')) {
          const q = { pending: sum('pending'), cloning: sum('pending'), booting: 0, ready, running: sum('running'), completed: sum('completed') };
          out.queue = { ...q, total: q.pending + q.ready + q.running + q.completed };
        }
        if (want.has('clone') || want.has('boot')) {
          const day = (await readAggregates(deps.store)).days[today(deps.clock.now())];
          const show = (s: DurationStats | undefined) => ({ duration: s ? { average: seconds(s).average, min: seconds(s).min, max: seconds(s).max } : { average: 0, min: 0, max: 0 }, count: { total: s?.count ?? 0 } });
          if (want.has('clone')) out.clone = show(day?.provisioned);
          if (want.has('boot')) out.boot = show(day?.boots);
        }
        if (want.has('pools')) out.pools = Object.fromEntries(pools.map((p) => [p.pool.name, { ready: per.get(p.pool.name)!.ready, running: per.get(p.pool.name)!.running, pending: per.get(p.pool.name)!.pending, max: p.size, alias: p.pool.aliases }]));
        const empty = pools.filter((p) => p.size > 0 && per.get(p.pool.name)!.ready === 0).map((p) => p.pool.name);
        out.status = empty.length ? { ok: false, message: `Found ${empty.length} empty pools.`, empty } : { ok: true, message: 'Battle station fully armed and operational.' };
        return out;
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/poolstat',
      family: 'vmpooler',
      access: 'public',
      tags: ['vmpooler'],
      query: z.object({ pool: z.string().max(2000).optional().describe('comma-separated pool names or aliases') }),
      summary: 'Ready hosts, size and aliases of some pools (fast)',
      responses: { 200: { description: '{"pools": {"<pool>": {"ready", "max", "alias"}}}', schema: z.object({ pools: z.record(z.string(), z.unknown()) }) } },
      handler: ({ query }) => {
        const names = new Set((query.pool ?? '').split(',').map((s) => s.trim()).filter(Boolean));
        const { pools, per } = counts(deps);
        const picked = pools.filter((p) => names.has(p.pool.name) || p.pool.aliases.some((a) => names.has(a)));
        return { pools: Object.fromEntries(picked.map((p) => [p.pool.name, { ready: per.get(p.pool.name)!.ready, max: p.size, alias: p.pool.aliases }])) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/totalrunning',
      family: 'vmpooler',
      access: 'public',
      tags: ['vmpooler'],
      summary: 'How many hosts are checked out',
      responses: { 200: { description: '{"running": N}', schema: z.object({ running: z.number() }) } },
      handler: () => ({ running: [...counts(deps).per.values()].reduce((n, c) => n + c.running, 0) }),
    }),
    ...[undefined, '{section}', '{section}/{key}'].map((tail) =>
      route({
        method: 'get',
        path: `/api/v1/summary${tail ? `/${tail}` : ''}`,
        family: 'vmpooler',
        access: 'public',
        tags: ['vmpooler'],
        ...(tail && { params: z.object({ section: z.string().max(20), key: z.string().max(100).optional() }) }),
        query: z.object({ from: z.string().max(40).optional(), to: z.string().max(40).optional() }),
        summary: tail ? 'One section of the summary (boot, clone or tag), or one key of it' : 'Install (clone) and boot durations and tag counts, overall and per day, from..to (UTC days, inclusive)',
        responses: { 200: { description: '{boot, clone, tag, daily: [{date, boot, clone, tag}]}', schema: z.object({}).passthrough() }, 400: { description: '{"ok": false, "message": ...}: a bad date or range' }, 404: { description: 'an unknown section' } },
        handler: async ({ query, params, res }) => {
          const p = (params ?? {}) as { section?: string; key?: string };
          if (p.section !== undefined && !['boot', 'clone', 'tag'].includes(p.section)) throw new ApplianceError('NOT_FOUND', 'no such section');
          const now = deps.clock.now();
          const from = query.from ?? today(now);
          const to = query.to ?? today(now);
          // Worded as vmpooler words them (lib/vmpooler/api/v1.rb summary).
          for (const d of [from, to]) if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) return answer(res, 400, { ok: false, message: `Invalid date format '${d}', must match YYYY-MM-DD.` });
          if (to < from) return answer(res, 400, { ok: false, message: "Date range is invalid, 'to' cannot come before 'from'." });
          if (from > today(now)) return answer(res, 400, { ok: false, message: "'from' must be in the past." });
          const agg = (await readAggregates(deps.store)).days;
          const days: { date: string; d: DayAggregate | undefined }[] = [];
          for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && days.length < 3660; t += DAY_MS) days.push({ date: today(t), d: agg[today(t)] });
          return summarize(days, p.section, p.key);
        },
      }),
    ),
  ];
}

type Day = { date: string; d: DayAggregate | undefined };

/** vmpooler's summary shape: overall (average/min/max/total of the days) and daily. */
function summarize(days: Day[], section?: string, key?: string): Record<string, unknown> {
  const daily = days.map(({ date, d }) => ({
    date,
    boot: durations(d?.boots),
    clone: durations(d?.provisioned),
    tag: tagCounts(d ? [d] : []),
  }));
  const overall = (k: 'boot' | 'clone', s: (d: DayAggregate) => DurationStats) => {
    const all = days.map((x) => x.d && s(x.d)).filter((x): x is DurationStats => !!x && x.count > 0);
    const merged = all.reduce<DurationStats>((m, x) => ({ count: m.count + x.count, totalMs: m.totalMs + x.totalMs, minMs: m.count ? Math.min(m.minMs, x.minMs) : x.minMs, maxMs: Math.max(m.maxMs, x.maxMs) }), { count: 0, totalMs: 0, minMs: 0, maxMs: 0 });
    const perDay = daily.map((x) => (x[k].count.total as number));
    return {
      duration: seconds(merged),
      count: { average: perDay.length ? round(perDay.reduce((a, b) => a + b, 0) / perDay.length) : 0, min: Math.min(...perDay), max: Math.max(...perDay), total: merged.count },
    };
  };
  const all: Record<string, unknown> = {
    boot: overall('boot', (d) => d.boots),
    clone: overall('clone', (d) => d.provisioned),
    tag: tagCounts(days.flatMap((x) => (x.d ? [x.d] : []))),
  };
  if (!section) return { ...all, daily };
  const pick = (v: unknown) => (key ? { [key]: (v as Record<string, unknown>)[key] ?? {} } : v);
  return { [section]: pick(all[section]), daily: daily.map((x) => ({ date: x.date, [section]: pick(x[section as 'boot']) })) };
}

function durations(s: DurationStats | undefined) {
  return { duration: s ? seconds(s) : { average: 0, min: 0, max: 0, total: 0 }, count: { total: s?.count ?? 0 } };
}

/** tag key -> value -> count, with a total per key, over every pool (vmpooler counts tags globally). */
function tagCounts(days: DayAggregate[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const d of days)
    for (const byKey of Object.values(d.tags))
      for (const [k, vals] of Object.entries(byKey))
        for (const [v, n] of Object.entries(vals)) {
          const o = (out[k] ??= { total: 0 });
          o[v] = (o[v] ?? 0) + n;
          o.total = (o.total ?? 0) + n;
        }
  return out;
}
