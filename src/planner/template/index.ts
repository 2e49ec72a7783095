// The HAS homing-template translator: what the plans API calls (parseTemplate -> translate ->
// solve -> recommend). See each module for the HAS behaviour it follows.
export { parseTemplate, MAX_TEMPLATE_CHARS, MAX_ALIAS_COUNT } from './parse.js';
export { translate } from './translate.js';
export { recommend } from './recommend.js';
export { VERSIONS } from './validate.js';
export { TemplateError } from './model.js';
export type { Inventory, LocationRef, Recommendation, RecommendationEntry, ResolvedLocation, Template, Translation } from './model.js';
