// The plan's steps between the API and the pure planner: the template's syntax (checked when
// the plan is posted: HAS answers a YAML it cannot read with 400), its translation over the
// inventory free right now, and the solver's answer as HAS recommendations.
import { ApplianceError, type Sot } from '../model/index.js';
import { parseTemplate, translate, recommend, TemplateError, type Template, type Translation } from '../planner/template/index.js';
import { inventoryFrom } from '../planner/inventory.js';
import type { Solution } from '../planner/types.js';
import type { Inventory } from '../planner/template/model.js';

export interface Built {
  translation: Translation;
  inventory: Inventory;
}

/** The template as a mapping, or BAD_REQUEST with HAS's wording (duplicate keys, bad YAML). */
export function checkSyntax(template: unknown): Template {
  try {
    return parseTemplate(template);
  } catch (e) {
    if (e instanceof TemplateError) throw new ApplianceError('BAD_REQUEST', e.message);
    throw e;
  }
}

/** Translates over the SoT's hosts that nothing holds (holds.ts freePredicate). Throws the translator's message as an Error. */
export function planProblem(template: unknown, sot: Sot, isFree: (hostId: string) => boolean): Built & { problem: Built['translation']['problem'] } {
  const inventory = inventoryFrom(sot, { isFree });
  const translation = translate(parseTemplate(template), inventory);
  return { translation, inventory, problem: translation.problem };
}

export function recommendations(built: Built, solutions: Solution[]): unknown[] {
  return solutions.map((s) => recommend(built.translation.problem, s, built.inventory));
}

/** The inventory hosts a solution places demands on (what a reservation holds). */
export function hostsOf(built: Built, solution: Solution): string[] {
  const out = new Set<string>();
  for (const d of built.translation.problem.demands) {
    const id = solution.assignment[d.name];
    const c = id === undefined ? undefined : d.candidates.find((x) => x.id === id);
    if (c?.inventoryType === 'host' && c.exclusive) out.add(c.id);
  }
  return [...out];
}
