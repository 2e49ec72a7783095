// vmpooler's v1 API (seed 003) over Corral's pools, under /api/v1 (the token routes are in tokens.ts).
import type { AnyRoute } from '../http/route.js';
import type { ApiDeps } from '../deps.js';
import type { AuthServices } from '../auth/services.js';
import { vmRoutes } from './vm.js';
import { statusRoutes } from './status.js';
import { configRoutes } from './config.js';
import { ondemandRoutes } from './ondemand.js';

export function vmpoolerRoutes(deps: ApiDeps, auth: AuthServices): AnyRoute[] {
  return [...vmRoutes(deps, auth), ...statusRoutes(deps), ...configRoutes(deps), ...ondemandRoutes(deps)];
}
