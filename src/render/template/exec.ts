// Walks a parsed tree and writes the output, like text/template's state.walk. Control flow for
// {{break}}/{{continue}} is a return code instead of Go's panics. Hostile templates are bounded
// three ways: template call depth, a step budget (range iterations + template calls) and an
// output size limit; a JS stack overflow is still reported as a TemplateError.
import type { BranchNode, ListNode, Node, TemplateNode, Tree } from './ast.js';
import { nodeString } from './ast.js';
import { Evaluator, type MissingKey, type TemplateFunc } from './eval.js';
import { formatValue } from './fmt.js';
import { goQuote } from './strconv.js';
import { isTrue, kindOf, sortedEntries, typeName } from './values.js';

const NORMAL = 0;
const BREAK = 1;
const CONTINUE = 2;
type Flow = typeof NORMAL | typeof BREAK | typeof CONTINUE;

export interface ExecLimits {
  /** Maximum nesting of {{template}} calls (Go: 100000, too deep for a JS stack). */
  maxDepth: number;
  /** Maximum range iterations plus template calls in one execution. */
  maxSteps: number;
  /** Maximum output length in UTF-16 code units. */
  maxOutput: number;
}

export interface ExecContext extends ExecLimits {
  trees: ReadonlyMap<string, Tree>;
  funcs: ReadonlyMap<string, TemplateFunc>;
  callFuncs?: Readonly<Record<string, TemplateFunc>>;
  missingKey: MissingKey;
}

class Executor extends Evaluator {
  out = '';
  private depth = 0;
  private steps = 0;

  constructor(
    tmpl: Tree,
    data: unknown,
    private readonly ctx: ExecContext,
  ) {
    super(tmpl, data, ctx.funcs, ctx.callFuncs, ctx.missingKey);
  }

  private write(s: string): void {
    this.out += s;
    if (this.out.length > this.ctx.maxOutput) this.errorf(`output exceeds the limit of ${this.ctx.maxOutput} characters`);
  }

  private step(): void {
    if (++this.steps > this.ctx.maxSteps) this.errorf(`exceeded maximum execution steps (${this.ctx.maxSteps})`);
  }

  walkList(dot: unknown, list: ListNode): Flow {
    for (const n of list.nodes) {
      const f = this.walk(dot, n);
      if (f !== NORMAL) return f;
    }
    return NORMAL;
  }

  private walk(dot: unknown, n: Node): Flow {
    this.node = n;
    switch (n.type) {
      case 'text':
        this.write(n.text);
        return NORMAL;
      case 'action': {
        // Variables declared by an action persist to the end of the enclosing block and are not printed.
        const v = this.evalPipeline(dot, n.pipe);
        if (n.pipe.decl.length === 0) this.printValue(n, v);
        return NORMAL;
      }
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, n);
      case 'range':
        return this.walkRange(dot, n);
      case 'template':
        this.walkTemplate(dot, n);
        return NORMAL;
      case 'break':
        return BREAK;
      case 'continue':
        return CONTINUE;
      case 'list':
        return this.walkList(dot, n);
    }
  }

  private printValue(n: Node, v: unknown): void {
    this.node = n;
    if (v === undefined || v === null) return this.write('<no value>');
    if (typeof v === 'function') this.errorf(`can't print ${nodeString(n)} of type ${typeName(v)}`);
    this.write(formatValue(v));
  }

  private walkIfOrWith(dot: unknown, n: BranchNode): Flow {
    const mark = this.mark();
    const v = this.evalPipeline(dot, n.pipe);
    let f: Flow = NORMAL;
    if (isTrue(v)) f = this.walkList(n.type === 'with' ? v : dot, n.list);
    else if (n.elseList) f = this.walkList(dot, n.elseList);
    this.pop(mark);
    return f;
  }

  private walkRange(dot: unknown, r: BranchNode): Flow {
    this.node = r;
    const outer = this.mark();
    const val = this.evalPipeline(dot, r.pipe);
    const mark = this.mark();
    const { decl, isAssign } = r.pipe;
    // One iteration: bind the element (and index) then run the body; true means {{break}}.
    let ran = false; // no iteration at all means {{else}}
    const one = (index: unknown, elem: unknown): boolean => {
      ran = true;
      this.step();
      if (decl.length > 0) {
        if (isAssign) this.setVar(decl[0]!.idents[0]!, decl.length > 1 ? index : elem);
        else this.setTopVar(1, elem);
      }
      if (decl.length > 1) {
        if (isAssign) this.setVar(decl[1]!.idents[0]!, elem);
        else this.setTopVar(2, index);
      }
      const f = this.walkList(elem, r.list);
      this.pop(mark);
      return f === BREAK;
    };
    switch (kindOf(val)) {
      case 'int': {
        // Go 1.22: range over an integer n yields 0..n-1, with at most one variable.
        if (decl.length > 1) this.errorf(`can't use ${formatValue(val)} to iterate over more than one variable`);
        const n = Number(val);
        for (let i = 0; i < n; i++) if (one(undefined, i)) break;
        break;
      }
      case 'slice': {
        const a = val as unknown[];
        for (let i = 0; i < a.length; i++) if (one(i, a[i] ?? null)) break;
        break;
      }
      case 'map':
        for (const [k, v] of sortedEntries(val as object)) if (one(k, v ?? null)) break;
        break;
      case 'invalid':
      case 'nil':
        break; // like a nil map: no iterations, take {{else}}
      default:
        this.errorf(`range can't iterate over ${formatValue(val)}`);
    }
    let f: Flow = NORMAL;
    // Go's range swallows a {{break}} raised anywhere inside it, {{else}} included.
    if (!ran && r.elseList) f = this.walkList(dot, r.elseList) === CONTINUE ? CONTINUE : NORMAL;
    this.pop(outer);
    return f;
  }

  private walkTemplate(dot: unknown, t: TemplateNode): void {
    this.node = t;
    const tmpl = this.ctx.trees.get(t.name);
    if (!tmpl) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth >= this.ctx.maxDepth) this.errorf(`exceeded maximum template depth (${this.ctx.maxDepth})`);
    this.step();
    const newDot = this.evalPipeline(dot, t.pipe);
    const saved = { tmpl: this.tmpl, names: this.names, values: this.values };
    // No dynamic scoping: the called template sees only $ (its dot).
    this.tmpl = tmpl;
    this.names = ['$'];
    this.values = [newDot];
    this.depth++;
    this.walkList(newDot, tmpl.root);
    this.depth--;
    ({ tmpl: this.tmpl, names: this.names, values: this.values } = saved);
    this.node = t;
  }
}

/** Executes `tree` with `data` as dot and $. Throws TemplateError. */
export function executeTree(tree: Tree, data: unknown, ctx: ExecContext): string {
  const dot = data === null ? undefined : data;
  const ex = new Executor(tree, dot, ctx);
  try {
    ex.walkList(dot, tree.root);
  } catch (e) {
    if (e instanceof RangeError) ex.errorf(`execution too deep: ${e.message}`);
    throw e;
  }
  return ex.out;
}
