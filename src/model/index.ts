// All domain types, in one place (STYLE P3).
export * from './sot.js';
export * from './runtime.js';
export * from './errors.js';
