// ONAP HAS's plans API (seed 004) over Corral's planner: create a plan from a homing template,
// read it (status, recommendations), delete it. Errors answer with HAS's envelope (envelope.ts).
//
// Shapes. The seed documents the create answer as {"plan": {...}}; HAS's controller returns the
// plan's fields bare, and GET answers {"plans": [...]}. Clients of either exist, so both shapes
// are in every answer: the plan's fields, `plan` (the same object) and, on GET, `plans`.
import { z } from 'zod';
import type { Request } from 'express';
import { ApplianceError, type Plan } from '../../model/index.js';
import { route, type AnyRoute } from '../http/route.js';
import type { PlanService } from '../../plans/service.js';

/** HAS's numbers arrive as numbers or strings ("num_solution": "2"). */
const Count = z.union([z.number().int().min(1).max(100), z.string().regex(/^\d{1,3}$/).transform(Number)]);
const Minutes = z.union([z.number().positive().max(1440), z.string().regex(/^\d{1,4}(\.\d+)?$/).transform(Number)]);

const CreateBody = z.strictObject({
  name: z.string().max(255).optional().describe('unique; RFC 3986 unreserved characters only'),
  id: z.string().max(64).optional().describe('UUID; assigned when absent'),
  transaction_id: z.string().max(255).optional(),
  template: z.unknown().describe('the homing template: a mapping, or its JSON/YAML text'),
  template_url: z.string().max(2048).optional().describe('not supported (as in HAS): send `template`'),
  files: z.record(z.string(), z.unknown()).optional().describe('not supported (as in HAS)'),
  timeout: Minutes.optional().describe('solver budget in minutes (default 1, at most 10)'),
  limit: Count.optional().describe('recommendations wanted (default 1)'),
  num_solution: Count.optional().describe("HAS's controller name for `limit`"),
  reserve: z.boolean().optional().describe("Corral: hold the recommended hosts (default: when the template has a `reservations` section)"),
});

const PlanId = z.strictObject({ id: z.string().min(1).max(64) });

/** A plan as HAS shows it, with Corral's optimality facts beside. */
export function planView(p: Plan, base: string) {
  const answered = p.status === 'solved' || p.status === 'reserving' || p.status === 'done';
  return {
    name: p.name,
    id: p.id,
    ...(p.transactionId && { transaction_id: p.transactionId }),
    status: p.status,
    ...(p.message && { message: p.message }),
    ...(answered && { recommendations: p.recommendations }),
    links: [{ href: `${base}/v1/plans/${p.id}`, rel: 'self' }],
    ...(answered && p.proven !== undefined && { proven_optimal: p.proven }),
    ...(p.gap !== undefined && { gap: p.gap }),
    ...(answered && p.objectives && { objectives: p.objectives }),
    ...(p.held && { reserved_hosts: p.held }),
  };
}

/** The URL base a client reached us by (Host is one of the appliance's names: the guard checked). */
export const baseOf = (req: Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}`;

const withPlan = <T extends object>(v: T) => ({ ...v, plan: v });

export function planRoutes(plans: PlanService): AnyRoute[] {
  const common = { family: 'has', tags: ['plans (HAS)'] } as const;
  return [
    route({
      ...common,
      method: 'get',
      path: '/v1/plans/healthcheck',
      access: 'public',
      summary: "HAS's health check",
      responses: { 200: { description: '{"status": "OK"}' } },
      handler: () => ({ status: 'OK' }),
    }),
    route({
      ...common,
      method: 'post',
      path: '/v1/plans',
      access: 'user',
      summary: 'Create a plan from a homing template',
      description:
        'Answers 201 with the plan in status `template`; poll GET /v1/plans/{id} as it moves to `done` (or `not found`, `error`). ' +
        'homing_template_version 2016-11-01, 2017-10-10 or 2018-02-01. A template the server cannot read (bad YAML, a duplicate key) is a 400; ' +
        'one it reads but cannot translate (unknown constraint, undefined demand) ends in status `error` with `message`.',
      body: CreateBody,
      responses: { 201: { description: 'the plan (its fields, and the same under `plan`)' }, 400: { description: 'bad name, id, body or template text' } },
      handler: async ({ body, auth, req }) => {
        if (body.template === undefined) throw badRequest(body.template_url ? 'template_url is not supported: send the template itself' : '-> template -> a template is required');
        const limit = body.limit ?? body.num_solution;
        const p = await plans.create(
          { name: body.name, id: body.id, transactionId: body.transaction_id, template: body.template, limit, timeout: body.timeout, reserve: body.reserve },
          auth?.user,
        );
        return withPlan(planView(p, baseOf(req)));
      },
    }),
    route({
      ...common,
      method: 'get',
      path: '/v1/plans',
      access: 'read',
      summary: 'Every plan',
      responses: { 200: { description: '{"plans": [...]}' } },
      handler: ({ req }) => ({ plans: plans.list().map((p) => planView(p, baseOf(req))) }),
    }),
    route({
      ...common,
      method: 'get',
      path: '/v1/plans/{id}',
      access: 'read',
      params: PlanId,
      summary: 'One plan: status, message, recommendations',
      responses: { 200: { description: '{"plans": [plan], "plan": plan}' }, 404: { description: 'no such plan' } },
      handler: ({ params, req }) => {
        const v = planView(plans.get(params.id), baseOf(req));
        return { plans: [v], plan: v };
      },
    }),
    route({
      ...common,
      method: 'delete',
      path: '/v1/plans/{id}',
      access: 'user',
      params: PlanId,
      summary: 'Delete a plan, releasing the hosts it holds',
      responses: { 204: { description: 'deleted (no body)' }, 404: { description: 'no such plan' } },
      handler: async ({ params, res }) => {
        await plans.remove(params.id);
        res.status(204).end();
        return undefined;
      },
    }),
  ];
}

const badRequest = (message: string) => new ApplianceError('BAD_REQUEST', message);
