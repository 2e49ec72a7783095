// HAS plans over Corral's inventory (seed 004). A plan moves through HAS's status machine:
//   template -> translating -> translated -> solving -> solved -> [reserving ->] done
//   or -> not found (no solution) / error (a template the translator refuses, a lost reservation)
// Every status is written to the store with a journal event, so plans, their answers and the
// hosts they hold survive a restart; plans caught mid-way are taken up again from their
// template at start (HAS resets a plan stuck in `solving` the same way).
//
// Plans are worked one at a time in arrival order: the solver is exact and fast, and one at a
// time means a plan's candidates are the hosts free when it is translated, and its reservation
// cannot race another plan's.
import { randomUUID } from 'node:crypto';
import { ApplianceError, type Plan, type PlanStatus, type Sot } from '../model/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { Store } from '../store/store.js';
import type { SolverRunner } from './run-solver.js';
import { freePredicate, holdHosts, releaseHolds } from './holds.js';
import { checkSyntax, planProblem, recommendations, hostsOf } from './pipeline.js';

export interface PlanRequest {
  name?: string | undefined;
  id?: string | undefined;
  transactionId?: string | undefined;
  template: unknown;
  limit?: number | undefined;
  /** Minutes (HAS). */
  timeout?: number | undefined;
  reserve?: boolean | undefined;
}

export interface PlanServiceDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  /** The SoT being served (throws SOT_NOT_LOADED before the first good load). */
  served: () => Sot;
  solver: SolverRunner;
}

export interface PlanService {
  create(req: PlanRequest, owner?: string): Promise<Plan>;
  get(id: string): Plan;
  list(): Plan[];
  /** Releases what the plan holds and forgets it. */
  remove(id: string): Promise<void>;
  /** Resolves when every queued plan has reached a final status (tests, shutdown). */
  idle(): Promise<void>;
  /** Takes up plans a previous run left unfinished. */
  resume(): void;
}

/** RFC 3986 §2.3 unreserved characters: HAS's plan_name_type. */
const NAME = /^[A-Za-z0-9._~-]+$/;
/** HAS's wording for a refused name (seed 004, "API Errors"). */
const nameError = (name: string) =>
  `-> name -> ${name} did not pass validation against callable: plan_name_type (must contain only uppercase and lowercase letters, decimal digits, hyphens, periods, underscores, and tildes [RFC 3986, Section 2.3])`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** HAS's default and Corral's cap for the solver's budget: a plan never searches for longer. */
const DEFAULT_TIMEOUT_MIN = 1;
const MAX_TIMEOUT_MS = 10 * 60_000;
/** A reservation lost to a concurrent hold is retried from translation this many times. */
const RESERVE_ATTEMPTS = 3;

const FINAL: PlanStatus[] = ['done', 'not found', 'error'];

export function createPlanService(deps: PlanServiceDeps): PlanService {
  const queue: string[] = [];
  let working: Promise<void> | undefined;

  async function setStatus(id: string, status: PlanStatus, patch: Partial<Plan> = {}, data: Record<string, unknown> = {}): Promise<Plan | undefined> {
    return deps.store.transact((tx) => {
      const p = tx.get('plans', id);
      if (!p) return undefined; // deleted meanwhile
      const next: Plan = { ...p, ...patch, status, updatedAt: deps.clock.now() };
      tx.put('plans', id, next);
      tx.event({ subject: `plan:${id}`, type: `plan.${status.replace(' ', '_')}`, data: { name: p.name, ...data } });
      return next;
    });
  }

  async function work(id: string): Promise<void> {
    for (let attempt = 1; attempt <= RESERVE_ATTEMPTS; attempt++) {
      const p = await setStatus(id, 'translating');
      if (!p) return;
      let built: ReturnType<typeof planProblem>;
      try {
        built = planProblem(p.template, deps.served(), freePredicate(deps.store));
      } catch (e) {
        await setStatus(id, 'error', { message: (e as Error).message }, { message: (e as Error).message });
        return;
      }
      if (!(await setStatus(id, 'translated'))) return;
      if (!(await setStatus(id, 'solving'))) return;
      const result = await deps.solver(built.problem, { limit: p.limit, timeoutMs: p.timeoutMs });
      if (result.status === 'not found') {
        const message = result.reason.message;
        await setStatus(id, 'not found', { message, recommendations: [] }, { message, ms: Math.round(result.stats.ms) });
        return;
      }
      const recs = recommendations(built, result.solutions);
      const solved = await setStatus(
        id,
        'solved',
        {
          recommendations: recs,
          objectives: result.solutions.map((s) => s.objective),
          proven: result.proven,
          ...(result.gap !== undefined && { gap: result.gap }),
          message: result.proven ? `Plan ${p.name} is solved.` : `Plan ${p.name} is solved: best found within the timeout, not proven optimal (gap ${round(result.gap ?? 0)}).`,
        },
        { recommendations: recs.length, proven: result.proven, ms: Math.round(result.stats.ms) },
      );
      if (!solved) return;
      const hosts = hostsOf(built, result.solutions[0]!);
      if (!solved.reserve || hosts.length === 0) {
        await setStatus(id, 'done');
        return;
      }
      if (!(await setStatus(id, 'reserving'))) return;
      try {
        await deps.store.transact((tx) => {
          const cur = tx.get('plans', id);
          if (!cur) return;
          holdHosts(tx, deps.store, { kind: 'plan', planId: id, owner: cur.owner }, hosts, deps.clock.now());
          tx.put('plans', id, { ...cur, status: 'done', held: hosts, updatedAt: deps.clock.now() });
          tx.event({ subject: `plan:${id}`, type: 'plan.done', data: { name: cur.name, held: hosts } });
        });
        return;
      } catch (e) {
        if (!(e instanceof ApplianceError) || e.code !== 'CONFLICT') throw e;
        deps.log.info('plan reservation lost a host to another holder; solving again', { plan: id, attempt, reason: e.message });
        if (attempt === RESERVE_ATTEMPTS) await setStatus(id, 'error', { message: `reservation failed: ${e.message}` }, { message: e.message });
      }
    }
  }

  function kick(): void {
    if (working) return;
    working = (async () => {
      while (queue.length > 0) {
        const id = queue.shift()!;
        try {
          await work(id);
        } catch (e) {
          deps.log.error('plan failed', { plan: id, error: (e as Error).message });
          await setStatus(id, 'error', { message: `internal error: ${(e as Error).message}` }).catch(() => undefined);
        }
      }
    })().finally(() => {
      working = undefined;
      if (queue.length > 0) kick();
    });
  }

  const svc: PlanService = {
    async create(req, owner) {
      if (req.name !== undefined && !NAME.test(req.name)) throw new ApplianceError('BAD_REQUEST', nameError(req.name));
      if (req.id !== undefined && !UUID.test(req.id)) throw new ApplianceError('BAD_REQUEST', `-> id -> ${req.id} is not a valid UUID`);
      checkSyntax(req.template);
      const id = (req.id ?? randomUUID()).toLowerCase();
      const name = req.name ?? id;
      const limit = Math.max(1, Math.floor(req.limit ?? 1));
      const timeoutMs = Math.min(MAX_TIMEOUT_MS, Math.max(1, (req.timeout ?? DEFAULT_TIMEOUT_MIN) * 60_000));
      const now = deps.clock.now();
      const plan: Plan = {
        id,
        name,
        status: 'template',
        createdAt: now,
        updatedAt: now,
        ...(req.transactionId && { transactionId: req.transactionId }),
        template: req.template,
        limit,
        timeoutMs,
        reserve: req.reserve ?? wantsReservation(req.template),
        recommendations: [],
        ...(owner && { owner }),
      };
      await deps.store.transact((tx) => {
        if (tx.get('plans', id)) throw new ApplianceError('BAD_REQUEST', `a plan with id ${id} already exists`);
        if (deps.store.list('plans').some((p) => p.name === name)) throw new ApplianceError('BAD_REQUEST', `a plan named ${name} already exists (plan names are unique)`);
        tx.put('plans', id, plan);
        tx.event({ subject: `plan:${id}`, type: 'plan.template', data: { name, ...(owner && { by: owner }) } });
      });
      queue.push(id);
      kick();
      return plan;
    },
    get(id) {
      const p = deps.store.get('plans', id);
      if (!p) throw new ApplianceError('PLAN_NOT_FOUND', `plan ${id} not found`);
      return p;
    },
    list: () => deps.store.list('plans').sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)),
    async remove(id) {
      await deps.store.transact((tx) => {
        const p = tx.get('plans', id);
        if (!p) throw new ApplianceError('PLAN_NOT_FOUND', `plan ${id} not found`);
        const released = releaseHolds(tx, deps.store, id);
        tx.del('plans', id);
        tx.event({ subject: `plan:${id}`, type: 'plan.deleted', data: { name: p.name, released } });
      });
      const i = queue.indexOf(id);
      if (i >= 0) queue.splice(i, 1);
    },
    async idle() {
      while (working) await working;
    },
    resume() {
      for (const p of svc.list()) if (!FINAL.includes(p.status) && !queue.includes(p.id)) queue.push(p.id);
      kick();
    },
  };
  return svc;
}

/** HAS reserves what a template's `reservations` section names; Corral holds the plan's hosts then. */
function wantsReservation(template: unknown): boolean {
  return typeof template === 'object' && template !== null && 'reservations' in template;
}

const round = (n: number) => Math.round(n * 1000) / 1000;
