// The translator's one entry point: template (dict or string) + inventory -> the solver's Problem.
// Order as HAS's Translator.translate: validate the outline, resolve parameters, then locations,
// demands, optimization, constraints; the first problem found is the error.
import { buildConstraints } from './constraints.js';
import { buildDemands } from './demands.js';
import { resolveLocations } from './locations.js';
import type { Inventory, Translation } from './model.js';
import { buildObjective } from './objective.js';
import { resolveParams } from './params.js';
import { parseTemplate } from './parse.js';
import { validateSections } from './validate.js';

export function translate(template: unknown, inventory: Inventory): Translation {
  const s = validateSections(parseTemplate(template));
  const p = s.parameters;
  const locations = resolveLocations(resolveParams(s.locations, p, 'locations') as Record<string, unknown>, inventory);
  const demandDefs = resolveParams(s.demands, p, 'demands') as Record<string, unknown>;
  const demands = buildDemands(demandDefs, inventory);
  const objective = buildObjective(resolveParams(s.optimization, p, 'optimization') as Record<string, unknown>, s.flavour, { demands: demandDefs, locations });
  const constraints = buildConstraints(resolveParams(s.constraints, p, 'constraints') as Record<string, unknown>, locations);
  const problem = objective ? { demands, constraints, objective } : { demands, constraints };
  return { version: s.version, flavour: s.flavour, problem, locations };
}
