// Public API of the Go text/template engine. A TemplateSet is Go's *template.Template family:
// files are parsed once (the costly part) and every {{define}} becomes visible to all
// templates of the set; executions are pure and can run thousands of times on one parse.
import { isEmptyTree, type Tree } from './ast.js';
import { BUILTINS } from './builtins.js';
import { TemplateError } from './errors.js';
import { executeTree, type ExecLimits } from './exec.js';
import type { MissingKey, TemplateFunc } from './eval.js';
import { parseTemplate } from './parser.js';
import { goQuote } from './strconv.js';

export { TemplateError } from './errors.js';
export type { MissingKey, TemplateFunc } from './eval.js';

export interface TemplateOptions {
  /** Functions callable from templates; their names must be known when a template is parsed. */
  funcs?: Record<string, (...args: unknown[]) => unknown>;
  /**
   * Names of functions that will only be supplied per execution (`execute(..., funcs)`), so
   * templates using them parse. Calling one that is not supplied is an execution error.
   */
  funcNames?: readonly string[];
  /** Go's missingkey option: what a missing map key yields. Default 'default' (<no value>). */
  missingKey?: MissingKey;
  /** Maximum nested {{template}} calls (default 1000). */
  maxDepth?: number;
  /** Maximum range iterations plus template calls per execution (default 10,000,000). */
  maxSteps?: number;
  /** Maximum output size in characters (default 64 MiB worth). */
  maxOutput?: number;
}

const DEFAULT_LIMITS: ExecLimits = { maxDepth: 1000, maxSteps: 10_000_000, maxOutput: 64 * 1024 * 1024 };

// Go's goodName: a function name must be an identifier.
const IDENT = /^[\p{L}_][\p{L}\p{Nd}_]*$/u;

function checkFuncs(funcs: Record<string, unknown>): void {
  for (const [name, fn] of Object.entries(funcs)) {
    if (!IDENT.test(name)) throw new TypeError(`function name ${goQuote(name)} is not a valid identifier`);
    if (typeof fn !== 'function') throw new TypeError(`value for ${name} not a function`);
  }
}

export class TemplateSet {
  private trees = new Map<string, Tree>();
  private readonly fns = new Map<string, TemplateFunc>();
  private readonly declared = new Set<string>();
  private readonly missingKey: MissingKey;
  private readonly limits: ExecLimits;

  constructor(opts: TemplateOptions = {}) {
    this.missingKey = opts.missingKey ?? 'default';
    this.limits = {
      maxDepth: opts.maxDepth ?? DEFAULT_LIMITS.maxDepth,
      maxSteps: opts.maxSteps ?? DEFAULT_LIMITS.maxSteps,
      maxOutput: opts.maxOutput ?? DEFAULT_LIMITS.maxOutput,
    };
    if (opts.funcs) this.funcs(opts.funcs);
    for (const n of opts.funcNames ?? []) this.declared.add(n);
  }

  /** Adds (or replaces) functions, like Go's Template.Funcs. Call before parsing templates that use them. */
  funcs(funcs: Record<string, (...args: unknown[]) => unknown>): this {
    checkFuncs(funcs);
    for (const [name, fn] of Object.entries(funcs)) this.fns.set(name, fn);
    return this;
  }

  private hasFunction = (name: string): boolean => this.fns.has(name) || this.declared.has(name) || BUILTINS.has(name);

  /**
   * Parses `text` under `name` (usually its file path); `define`d templates inside become
   * available to every template of the set. A later definition replaces an earlier one, except
   * that an empty body never replaces a non-empty one (Go's rule, which makes {{block}} work).
   * Throws TemplateError; the set is unchanged on error.
   */
  add(name: string, text: string): this {
    const parsed = parseTemplate(name, text, this.hasFunction);
    for (const [n, tree] of parsed) {
      const old = this.trees.get(n);
      if (old && isEmptyTree(tree.root) && !isEmptyTree(old.root)) continue;
      this.trees.set(n, tree);
    }
    return this;
  }

  has(name: string): boolean {
    return this.trees.has(name);
  }

  names(): string[] {
    return [...this.trees.keys()].sort();
  }

  /**
   * Executes the template `name` with `data` (and per-call extra funcs overriding the set's).
   * Throws TemplateError. Pure: same inputs, same output.
   */
  execute(name: string, data: unknown, funcs?: Record<string, (...args: unknown[]) => unknown>): string {
    const tree = this.trees.get(name);
    if (!tree) throw new TemplateError(`template: no template ${goQuote(name)} associated with template set`, name, 0, 0);
    return executeTree(tree, data, {
      ...this.limits,
      trees: this.trees,
      funcs: this.fns,
      callFuncs: funcs,
      missingKey: this.missingKey,
    });
  }

  /** A copy sharing the parsed trees, so per-render funcs or templates can be added cheaply. */
  clone(): TemplateSet {
    const c = new TemplateSet({ missingKey: this.missingKey, ...this.limits });
    c.trees = new Map(this.trees);
    for (const [n, fn] of this.fns) c.fns.set(n, fn);
    for (const n of this.declared) c.declared.add(n);
    return c;
  }
}

/** Convenience: parse and execute one template. */
export function renderTemplate(name: string, text: string, data: unknown, opts?: TemplateOptions): string {
  return new TemplateSet(opts).add(name, text).execute(name, data);
}
