// Custom settings given with a role assignment (PUT /v1/hosts/{id}/roles/{role}): resmgr takes a
// JSON object whose keys are a subset of the role's customizable_settings and merges it over the
// host's previous values (research/seed-apis.md §3.1). Corral also checks a value against the
// setting's declared `type` when it knows the type (integer, number, string, boolean, list, map,
// size); any other type is taken as given.
import { ApplianceError, type Role } from '../model/index.js';

const SIZE = /^\d+(\.\d+)?\s*([KMGTPE]i?B?|B)?$/i;

function typeProblem(spec: unknown, v: unknown): string | undefined {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return undefined;
  const s = spec as { type?: unknown; min?: unknown; max?: unknown };
  const range = (n: number) =>
    typeof s.min === 'number' && n < s.min ? `must be at least ${s.min}` : typeof s.max === 'number' && n > s.max ? `must be at most ${s.max}` : undefined;
  switch (s.type) {
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) ? range(v) : 'must be an integer';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? range(v) : 'must be a number';
    case 'string':
      return typeof v === 'string' ? undefined : 'must be a string';
    case 'boolean':
    case 'bool':
      return typeof v === 'boolean' ? undefined : 'must be true or false';
    case 'list':
      return Array.isArray(v) ? undefined : 'must be a list';
    case 'map':
      return v && typeof v === 'object' && !Array.isArray(v) ? undefined : 'must be a map';
    case 'size':
      return (typeof v === 'number' && v >= 0) || (typeof v === 'string' && SIZE.test(v)) ? undefined : 'must be a size such as 4G';
    default:
      return undefined;
  }
}

/**
 * The host's custom settings after this request: `given` checked against the role's
 * customizable_settings and merged over `previous` (the host's values for the same role).
 * Throws BAD_REQUEST naming the first offending key.
 */
export function mergeSettings(role: Role, given: Record<string, unknown>, previous: Record<string, unknown> | undefined): Record<string, unknown> {
  const allowed = role.customizableSettings;
  for (const [k, v] of Object.entries(given)) {
    if (!Object.hasOwn(allowed, k)) {
      const names = Object.keys(allowed);
      throw new ApplianceError('BAD_REQUEST', `"${k.slice(0, 64)}" is not a customizable setting of role "${role.name}" (${names.length ? `it has: ${names.join(', ')}` : 'it has none'})`, { in: 'body', field: k });
    }
    const why = typeProblem(allowed[k], v);
    if (why) throw new ApplianceError('BAD_REQUEST', `setting "${k}" of role "${role.name}" ${why}`, { in: 'body', field: k });
  }
  return { ...previous, ...given };
}
