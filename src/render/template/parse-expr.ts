// The expression grammar of actions: pipelines with declarations, commands, operands with
// field chains, and terms (literals, fields, variables, functions, parenthesized pipelines).
import type { ArgNode, CommandNode, PipeNode, VariableNode } from './ast.js';
import { nodeString } from './ast.js';
import type { Item, ItemType } from './lexer.js';
import { parseNumber } from './numparse.js';
import { TokenStream } from './parse-stream.js';
import { goQuote } from './strconv.js';

// Go allows 10000 nested parentheses; JS stacks are smaller, so nesting of both parentheses
// and control structures is capped lower to fail with a clean error, not a stack overflow.
export const MAX_DEPTH = 1000;

export abstract class ExprParser extends TokenStream {
  protected vars: string[] = ['$']; // variables in scope, for "undefined variable" checks
  protected depth = 0;

  constructor(name: string, text: string, items: Item[], private readonly hasFunction: (name: string) => boolean) {
    super(name, text, items);
  }

  /** declarations? command ('|' command)* up to `end`. */
  protected pipeline(context: string, end: ItemType): PipeNode {
    const pipe: PipeNode = { type: 'pipe', pos: this.peekNonSpace().pos, isAssign: false, decl: [], cmds: [] };
    this.declarations(pipe, context);
    for (;;) {
      const it = this.nextNonSpace();
      if (it.type === end) break;
      switch (it.type) {
        case 'bool': case 'charConstant': case 'complex': case 'dot': case 'field': case 'identifier':
        case 'number': case 'nil': case 'rawString': case 'string': case 'variable': case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(it, context);
      }
    }
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]?.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
    return pipe;
  }

  /** "$x :=", "$x =", and range's "$i, $e :=". */
  protected declarations(pipe: PipeNode, context: string): void {
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') return;
      const at = this.i;
      this.next();
      const nxt = this.peekNonSpace();
      const decl: VariableNode = { type: 'variable', pos: v.pos, idents: v.val.split('.') };
      if (nxt.type === 'assign' || nxt.type === 'declare') {
        pipe.isAssign = nxt.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push(decl);
        this.vars.push(v.val);
        return;
      }
      if (nxt.type === 'char' && nxt.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(decl);
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().type;
          if (p === 'variable' || p === 'rightDelim' || p === 'rightParen') continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      this.i = at; // just a variable used as an argument
      return;
    }
  }

  protected command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const op = this.operand();
      if (op) cmd.args.push(op);
      const it = this.next();
      if (it.type === 'space') continue;
      if (it.type === 'rightDelim' || it.type === 'rightParen') this.backup();
      else if (it.type !== 'pipe') this.unexpected(it, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  /** A term possibly followed by .Field accesses. */
  protected operand(): ArgNode | null {
    const node = this.term();
    if (!node || this.peek().type !== 'field') return node;
    const pos = this.peek().pos; // Go positions the chain at its first trailing field
    const fields: string[] = [];
    while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
    switch (node.type) {
      case 'field':
        return { type: 'field', pos, idents: [...node.idents, ...fields] };
      case 'variable':
        return { type: 'variable', pos, idents: [...node.idents, ...fields] };
      case 'bool': case 'string': case 'number': case 'nil': case 'dot':
        return this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
    }
    return { type: 'chain', pos, node, fields };
  }

  protected term(): ArgNode | null {
    const it = this.nextNonSpace();
    const pos = it.pos;
    switch (it.type) {
      case 'identifier':
        if (!this.hasFunction(it.val)) this.errorf(`function ${goQuote(it.val)} not defined`);
        return { type: 'identifier', pos, name: it.val };
      case 'dot': return { type: 'dot', pos };
      case 'nil': return { type: 'nil', pos };
      case 'field': return { type: 'field', pos, idents: it.val.slice(1).split('.') };
      case 'bool': return { type: 'bool', pos, value: it.val === 'true' };
      case 'string':
      case 'rawString': return { type: 'string', pos, quoted: it.val, text: this.unquoted(it) };
      case 'variable': {
        const idents = it.val.split('.');
        if (!this.vars.includes(idents[0]!)) this.errorf(`undefined variable ${goQuote(idents[0]!)}`);
        return { type: 'variable', pos, idents };
      }
      case 'number':
      case 'charConstant':
      case 'complex': {
        const n = parseNumber(it.val, it.type === 'charConstant');
        if (typeof n === 'string') this.errorf(n);
        return { type: 'number', pos, text: it.val, value: n.value, overflow: n.overflow };
      }
      case 'leftParen': {
        if (++this.depth > MAX_DEPTH) this.errorf('max expression depth exceeded');
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
        this.depth--;
        return pipe;
      }
    }
    this.backup();
    return null;
  }
}
