// What every API surface is given (STYLE P5): nothing is imported as a singleton.
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { LiveSot } from '../sot/live.js';
import type { Store } from '../store/store.js';
import type { Host, Sot } from '../model/index.js';
import { ApplianceError } from '../model/index.js';
import type { Lifecycle } from '../lifecycle/runner.js';
import type { Orchestrator } from '../lifecycle/orchestrator.js';
import type { PowerPort } from '../lifecycle/power-effects.js';
import type { AuthServices } from './auth/services.js';
import type { EventStream } from './events/stream.js';
import type { PlanService } from '../plans/service.js';

export interface ApiSecurity {
  /** Operator reads need a token too (the API listens beyond loopback). */
  requireReadToken: boolean;
  /** Names and addresses the appliance answers to (Host header check); see auth/guards.ts. */
  names: ReadonlySet<string>;
}

export interface ApiDeps {
  sot: LiveSot;
  store: Store;
  clock: Clock;
  log: Logger;
  version: string;
  /** Boot services status (null when serve runs without them). */
  services?: () => unknown;
  /** Base URL of the boot HTTP service, for previews of rendered files. */
  bootUrl?: () => string | undefined;
  lifecycle?: Lifecycle;
  orchestrator?: Orchestrator;
  power?: PowerPort;
  /** Users, tokens, login throttle; built over `store` when absent. */
  auth?: AuthServices;
  /** Default: loopback names only, reads open. */
  security?: Partial<ApiSecurity>;
  /** The GET /v1/events machinery; built over `store` when absent. */
  events?: EventStream;
  /** HAS plans and reservations; built over `store` (solving in place) when absent. */
  plans?: PlanService;
  /** Folder of captured serial consoles, <host>.log each (GET /v1/hosts/{id}/console). */
  consoleDir?: string;
}

/** The SoT being served, or 503 until a first good load. */
export function servedSot(deps: Pick<ApiDeps, 'sot'>): Sot {
  const sot = deps.sot.current();
  if (!sot) {
    const last = deps.sot.status().lastAttempt;
    const n = last?.problems.filter((p) => p.severity === 'error').length ?? 0;
    throw new ApplianceError('SOT_NOT_LOADED', last ? `no valid SoT loaded yet: ${n} problem(s), see GET /v1/sot` : 'the SoT is still loading');
  }
  return sot;
}

/** The served SoT's host `id`, or HOST_NOT_FOUND (404). */
export function servedHost(deps: ApiDeps, id: string): Host {
  servedSot(deps);
  const h = deps.sot.index().hostsById.get(id);
  if (!h) throw new ApplianceError('HOST_NOT_FOUND', `host "${id}" not found`);
  return h;
}

/** A service the appliance may run without (tests, API-only use), or UNAVAILABLE (503). */
export function running<T>(service: T | undefined, what: string): T {
  if (!service) throw new ApplianceError('UNAVAILABLE', `${what} is not running in this appliance`);
  return service;
}
