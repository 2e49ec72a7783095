// Expression evaluation for the executor: pipelines, commands, field chains, variables and
// function calls, following text/template/exec.go step by step (including where `this.node`
// is updated, since that decides what an error message points at). Values follow the mapping
// in values.ts; `null` results are turned into "no value" after each command, as Go digs the
// nil out of an interface{} result.
import type { AnyNode, ArgNode, ChainNode, CommandNode, FieldNode, IdentifierNode, NumberNode, PipeNode, Tree, VariableNode } from './ast.js';
import { nodeString } from './ast.js';
import { BUILTINS, type Builtin, type ParamKind } from './builtins.js';
import { location, TemplateError } from './errors.js';
import { goQuote } from './strconv.js';
import { isTrue, MISSING, typeName } from './values.js';

export type TemplateFunc = (...args: unknown[]) => unknown;
export type MissingKey = 'default' | 'zero' | 'error';

// Prototypes whose members are not template methods: plain data has no methods in Go.
const DATA_PROTOS = new Set<unknown>([Object.prototype, Array.prototype, Map.prototype, Date.prototype, Function.prototype, null]);

/** A method or getter found on a user class prototype (Go: a method of a struct type). */
function protoMember(obj: object, name: string): { fn: TemplateFunc } | { value: unknown } | null {
  if (name === 'constructor') return null;
  for (let p: unknown = Object.getPrototypeOf(obj); !DATA_PROTOS.has(p); p = Object.getPrototypeOf(p)) {
    const d = Object.getOwnPropertyDescriptor(p, name);
    if (!d) continue;
    if (typeof d.value === 'function') return { fn: d.value as TemplateFunc };
    return { value: (obj as Record<string, unknown>)[name] };
  }
  return null;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export abstract class Evaluator {
  node: AnyNode | null = null;
  protected names: string[] = ['$'];
  protected values: unknown[];

  constructor(
    protected tmpl: Tree,
    data: unknown,
    protected readonly setFuncs: ReadonlyMap<string, TemplateFunc>,
    protected readonly callFuncs: Readonly<Record<string, TemplateFunc>> | undefined,
    protected readonly missingKey: MissingKey,
  ) {
    this.values = [data];
  }

  errorf(msg: string): never {
    const t = this.tmpl;
    if (!this.node) throw new TemplateError(`template: ${t.name}: ${msg}`, t.parseName, 0, 0);
    const { line, col } = location(t.text, this.node.pos);
    const at = `executing ${goQuote(t.name)} at <${nodeString(this.node)}>`;
    throw new TemplateError(`template: ${t.parseName}:${line}:${col}: ${at}: ${msg}`, t.parseName, line, col);
  }

  // Variables: a stack of (name, value); blocks pop back to a mark when they end.
  protected mark(): number {
    return this.names.length;
  }

  protected pop(mark: number): void {
    this.names.length = mark;
    this.values.length = mark;
  }

  protected push(name: string, v: unknown): void {
    this.names.push(name);
    this.values.push(v);
  }

  protected setVar(name: string, v: unknown): void {
    const i = this.names.lastIndexOf(name);
    if (i < 0) this.errorf(`undefined variable: ${name}`);
    this.values[i] = v;
  }

  protected setTopVar(n: number, v: unknown): void {
    this.values[this.values.length - n] = v;
  }

  private varValue(name: string): unknown {
    const i = this.names.lastIndexOf(name);
    if (i < 0) this.errorf(`undefined variable: ${name}`);
    return this.values[i];
  }

  evalPipeline(dot: unknown, pipe: PipeNode | null): unknown {
    if (pipe === null) return undefined;
    this.node = pipe;
    let v: unknown = MISSING;
    for (const cmd of pipe.cmds) {
      v = this.evalCommand(dot, cmd, v);
      if (v === null) v = undefined; // a nil interface{} result is "no value"
    }
    for (const d of pipe.decl) {
      if (pipe.isAssign) this.setVar(d.idents[0]!, v);
      else this.push(d.idents[0]!, v);
    }
    return v;
  }

  private notAFunction(args: readonly ArgNode[] | null, final: unknown): void {
    if ((args !== null && args.length > 1) || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString(args?.[0] ?? this.node!)}`);
    }
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: unknown): unknown {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field': return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain': return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier': return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'variable': return this.evalVariableNode(dot, first, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
    }
    this.node = first;
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool': return first.value;
      case 'dot': return dot;
      case 'number': return this.idealConstant(first);
      case 'string': return first.text;
    }
    return this.errorf('nil is not a command');
  }

  private idealConstant(n: NumberNode): unknown {
    this.node = n;
    if (n.overflow) this.errorf(`${n.text} overflows int`);
    return n.value;
  }

  private evalFieldNode(dot: unknown, f: FieldNode, args: readonly ArgNode[] | null, final: unknown): unknown {
    this.node = f;
    return this.evalFieldChain(dot, dot, f, f.idents, 0, args, final);
  }

  private evalChainNode(dot: unknown, c: ChainNode, args: readonly ArgNode[] | null, final: unknown): unknown {
    this.node = c;
    if (c.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(c)}`);
    const recv = this.evalArg(dot, 'any', c.node);
    return this.evalFieldChain(dot, recv, c, c.fields, 0, args, final);
  }

  private evalVariableNode(dot: unknown, v: VariableNode, args: readonly ArgNode[] | null, final: unknown): unknown {
    this.node = v;
    const value = this.varValue(v.idents[0]!);
    if (v.idents.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.idents, 1, args, final);
  }

  private evalFieldChain(
    dot: unknown, recv: unknown, node: AnyNode, idents: string[], from: number,
    args: readonly ArgNode[] | null, final: unknown,
  ): unknown {
    const last = idents.length - 1;
    for (let i = from; i < last; i++) recv = this.evalField(dot, idents[i]!, node, null, MISSING, recv);
    return this.evalField(dot, idents[last]!, node, args, final, recv);
  }

  /** .Field on a value: a map key, or a method of a user class (called with the arguments). */
  private evalField(
    dot: unknown, name: string, node: AnyNode, args: readonly ArgNode[] | null, final: unknown, recv: unknown,
  ): unknown {
    if (recv === undefined) {
      if (this.missingKey === 'error') this.errorf(`nil data; no entry for key ${goQuote(name)}`);
      return undefined;
    }
    if (recv === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    if (typeof recv === 'object' && !Array.isArray(recv) && !(recv instanceof Date)) {
      const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
      if (!DATA_PROTOS.has(Object.getPrototypeOf(recv))) {
        const m = protoMember(recv, name);
        if (m && 'fn' in m) return this.callFunc(dot, m.fn, recv, node, name, args, final);
        if (m) {
          if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
          return m.value;
        }
      }
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      const v = recv instanceof Map ? recv.get(name) : Object.hasOwn(recv, name) ? (recv as Record<string, unknown>)[name] : undefined;
      if (v !== undefined) return v;
      if (this.missingKey === 'zero') return null; // the zero value of interface{}
      if (this.missingKey === 'error') this.errorf(`map has no entry for key ${goQuote(name)}`);
      return undefined;
    }
    return this.errorf(`can't evaluate field ${name} in type ${typeName(recv)}`);
  }

  private evalFunction(dot: unknown, id: IdentifierNode, cmd: AnyNode, args: readonly ArgNode[] | null, final: unknown): unknown {
    this.node = id;
    const name = id.name;
    const fn = this.callFuncs !== undefined && Object.hasOwn(this.callFuncs, name) ? this.callFuncs[name] : this.setFuncs.get(name);
    if (typeof fn === 'function') return this.callFunc(dot, fn, undefined, cmd, name, args, final);
    const b = BUILTINS.get(name);
    if (b === undefined) return this.errorf(`${goQuote(name)} is not a defined function`);
    return this.callBuiltin(dot, b, cmd, name, args, final);
  }

  /** A user function or method: every argument is an interface{}. */
  private callFunc(
    dot: unknown, fn: TemplateFunc, self: unknown, node: AnyNode, name: string, args: readonly ArgNode[] | null, final: unknown,
  ): unknown {
    const argv: unknown[] = [];
    if (args !== null) for (let k = 1; k < args.length; k++) argv.push(this.evalArg(dot, 'any', args[k]!));
    if (final !== MISSING) argv.push(final);
    try {
      return fn.apply(self, argv);
    } catch (e) {
      this.node = node;
      return this.errorf(`error calling ${name}: ${message(e)}`);
    }
  }

  private callBuiltin(dot: unknown, b: Builtin, node: AnyNode, name: string, args: readonly ArgNode[] | null, final: unknown): unknown {
    const nargs = args === null ? 0 : args.length - 1;
    const numIn = nargs + (final === MISSING ? 0 : 1);
    if (b.variadic && numIn < b.fixed) this.errorf(`wrong number of args for ${name}: want at least ${b.fixed} got ${nargs}`);
    if (!b.variadic && numIn !== b.fixed) this.errorf(`wrong number of args for ${name}: want ${b.fixed} got ${numIn}`);
    if (name === 'and' || name === 'or') {
      // Short-circuit: stop at the first argument that decides, and return it.
      let v: unknown;
      for (let k = 1; k <= nargs; k++) {
        v = this.evalArg(dot, 'value', args![k]!);
        if (isTrue(v) === (name === 'or')) return v;
      }
      return final === MISSING ? v : final;
    }
    const rest: ParamKind = b.first === 'string' ? 'any' : b.first;
    const argv: unknown[] = [];
    for (let k = 1; k <= nargs; k++) argv.push(this.evalArg(dot, k === 1 ? b.first : rest, args![k]!));
    if (final !== MISSING) argv.push(this.validate(final, numIn === 1 ? b.first : rest));
    const callee = nargs > 0 ? nodeString(args![1]!) : '<func>';
    try {
      return b.fn(argv, callee);
    } catch (e) {
      this.node = node;
      return this.errorf(`error calling ${name}: ${message(e)}`);
    }
  }

  /** Checks a value against a string parameter (printf's format); other kinds take anything. */
  private validate(v: unknown, kind: ParamKind): unknown {
    if (kind !== 'string') return v;
    if (v === undefined) this.errorf('invalid value; expected string');
    if (typeof v !== 'string') this.errorf(`wrong type for value; expected string; got ${v === null ? 'interface {}' : typeName(v)}`);
    return v;
  }

  private evalArg(dot: unknown, kind: ParamKind, n: ArgNode): unknown {
    this.node = n;
    switch (n.type) {
      case 'dot': return this.validate(dot, kind);
      case 'nil':
        if (kind === 'string') this.errorf('cannot assign nil to string');
        return kind === 'value' ? undefined : null;
      case 'field': return this.validate(this.evalFieldNode(dot, n, null, MISSING), kind);
      case 'variable': return this.validate(this.evalVariableNode(dot, n, null, MISSING), kind);
      case 'pipe': return this.validate(this.evalPipeline(dot, n), kind);
      case 'identifier': return this.validate(this.evalFunction(dot, n, n, null, MISSING), kind);
      case 'chain': return this.validate(this.evalChainNode(dot, n, null, MISSING), kind);
    }
    if (kind === 'string' && n.type !== 'string') this.errorf(`expected string; found ${nodeString(n)}`);
    switch (n.type) {
      case 'bool': return n.value;
      case 'number': return this.idealConstant(n);
      default: return n.text;
    }
  }
}
