// Recursive-descent parser producing the trees of one template file, structured like Go's
// text/template/parse so that error messages and their line numbers match. Errors are thrown
// as TemplateError "template: <file>:<line>: <message>"; the line is that of the furthest
// token read, which is what Go reports.
import type {
  ArgNode, BranchNode, CommandNode, ListNode, Node, PipeNode, TemplateNode, Tree, VariableNode,
} from './ast.js';
import { isEmptyTree, nodeString } from './ast.js';
import { location, TemplateError } from './errors.js';
import { isKeyword, lex, type Item, type ItemType } from './lexer.js';
import { parseNumber } from './numparse.js';
import { goQuote, unquote } from './strconv.js';

// Go allows 10000 nested parentheses; JS stacks are smaller, so nesting of both parentheses
// and control structures is capped lower to fail with a clean error, not a stack overflow.
const MAX_DEPTH = 1000;

/** end and else are markers returned by itemList; they never appear in a finished tree. */
type Marker = { type: 'end'; pos: number } | { type: 'else'; pos: number };

function itemString(it: Item): string {
  if (it.type === 'eof') return 'EOF';
  if (it.type === 'error') return it.val;
  if (isKeyword(it.type)) return `<${it.val}>`;
  const runes = [...it.val];
  return runes.length > 10 ? goQuote(runes.slice(0, 10).join('')) + '...' : goQuote(it.val);
}

class Parser {
  private i = 0;
  private far = 0; // furthest item read: Go reports errors on its line
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private depth = 0;
  private actionLine = 0;
  readonly trees = new Map<string, Tree>();

  constructor(
    private readonly name: string,
    private readonly text: string,
    private readonly items: Item[],
    private readonly hasFunction: (name: string) => boolean,
  ) {}

  private next(): Item {
    const it = this.items[Math.min(this.i, this.items.length - 1)]!;
    this.i++;
    if (this.i > this.far) this.far = this.i;
    return it;
  }

  private backup(): void {
    this.i--;
  }

  private peek(): Item {
    const it = this.next();
    this.backup();
    return it;
  }

  private nextNonSpace(): Item {
    let it: Item;
    do it = this.next();
    while (it.type === 'space');
    return it;
  }

  private peekNonSpace(): Item {
    const it = this.nextNonSpace();
    this.backup();
    return it;
  }

  errorf(msg: string): never {
    const it = this.items[Math.min(Math.max(this.far - 1, 0), this.items.length - 1)]!;
    const { col } = location(this.text, it.pos);
    throw new TemplateError(`template: ${this.name}:${it.line}: ${msg}`, this.name, it.line, col);
  }

  private unexpected(it: Item, context: string): never {
    if (it.type === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== it.line) {
        extra = ` in action started at ${this.name}:${this.actionLine}`;
        if (it.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(it.val + extra);
    }
    this.errorf(`unexpected ${itemString(it)} in ${context}`);
  }

  private expect(type: ItemType, context: string): Item {
    const it = this.nextNonSpace();
    if (it.type !== type) this.unexpected(it, context);
    return it;
  }

  private unquoted(it: Item): string {
    try {
      return unquote(it.val);
    } catch (e) {
      return this.errorf((e as Error).message);
    }
  }

  /** Registers a tree; two non-empty definitions of one name in one file are an error. */
  private addTree(name: string, root: ListNode): void {
    const old = this.trees.get(name);
    if (old && !isEmptyTree(old.root)) {
      if (!isEmptyTree(root)) this.errorf(`template: multiple definition of template ${goQuote(name)}`);
      return;
    }
    this.trees.set(name, { name, parseName: this.name, text: this.text, root });
  }

  /** Parses a nested tree ({{define}} or {{block}} body) with its own variable scope. */
  private subTree(name: string, context: string): void {
    const [vars, rangeDepth] = [this.vars, this.rangeDepth];
    [this.vars, this.rangeDepth] = [['$'], 0];
    const [root, end] = this.itemList();
    if (end.type !== 'end') this.errorf(`unexpected ${markerString(end)} in ${context}`);
    this.addTree(name, root);
    [this.vars, this.rangeDepth] = [vars, rangeDepth];
  }

  parse(): void {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const save = this.i;
        this.next();
        if (this.nextNonSpace().type === 'define') {
          const name = this.unquoted(this.expectString('define clause'));
          this.expect('rightDelim', 'define clause');
          this.subTree(name, 'define clause');
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return this.errorf(`unexpected ${markerString(n)}`);
      root.nodes.push(n);
    }
    this.addTree(this.name, root);
  }

  private expectString(context: string): Item {
    const it = this.nextNonSpace();
    if (it.type !== 'string' && it.type !== 'rawString') this.unexpected(it, context);
    return it;
  }

  private itemList(): [ListNode, Marker] {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    return this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | Marker {
    const it = this.nextNonSpace();
    if (it.type === 'text') return { type: 'text', pos: it.pos, text: it.val };
    if (it.type !== 'leftDelim') this.unexpected(it, 'input');
    this.actionLine = it.line;
    try {
      return this.action();
    } finally {
      this.actionLine = 0;
    }
  }

  private action(): Node | Marker {
    const it = this.nextNonSpace();
    switch (it.type) {
      case 'block': return this.blockControl();
      case 'break':
      case 'continue': return this.loopControl(it);
      case 'else': return this.elseControl();
      case 'end': return { type: 'end', pos: this.expect('rightDelim', 'end').pos };
      case 'if':
      case 'range':
      case 'with': return this.control(it.type);
      case 'template': return this.templateControl();
    }
    this.backup();
    const first = this.peek();
    return { type: 'action', pos: first.pos, pipe: this.pipeline('command', 'rightDelim') };
  }

  private loopControl(it: Item): Node {
    const t = it.type as 'break' | 'continue';
    const tok = this.nextNonSpace();
    if (tok.type !== 'rightDelim') this.unexpected(tok, `{{${t}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${t}}} outside {{range}}`);
    return { type: t, pos: it.pos };
  }

  private elseControl(): Marker {
    const p = this.peekNonSpace();
    // "{{else if ...}}" and "{{else with ...}}" leave the keyword pending for control().
    if (p.type === 'if' || p.type === 'with') return { type: 'else', pos: p.pos };
    return { type: 'else', pos: this.expect('rightDelim', 'else').pos };
  }

  private control(type: BranchNode['type']): BranchNode {
    if (++this.depth > MAX_DEPTH) this.errorf('max nesting depth exceeded');
    const mark = this.vars.length;
    const pipe = this.pipeline(type, 'rightDelim');
    if (type === 'range') this.rangeDepth++;
    const [list, next] = this.itemList();
    if (type === 'range') this.rangeDepth--;
    let elseList: ListNode | null = null;
    if (next.type === 'else') {
      const kw = this.peek().type;
      if ((type === 'if' || type === 'with') && kw === type) {
        // {{else if b}}..{{end}} is {{else}}{{if b}}..{{end}}{{end}}: one {{end}} closes both.
        this.next();
        elseList = { type: 'list', pos: next.pos, nodes: [this.control(type)] };
      } else {
        const [els, end] = this.itemList();
        if (end.type !== 'end') this.errorf(`expected end; found ${markerString(end)}`);
        elseList = els;
      }
    }
    this.vars.length = mark;
    this.depth--;
    return { type, pos: pipe.pos, pipe, list, elseList };
  }

  private blockControl(): TemplateNode {
    const it = this.nextNonSpace();
    const name = this.templateName(it, 'block clause');
    const pipe = this.pipeline('block clause', 'rightDelim');
    this.subTree(name, 'block clause');
    return { type: 'template', pos: it.pos, name, pipe };
  }

  private templateControl(): TemplateNode {
    const it = this.nextNonSpace();
    const name = this.templateName(it, 'template clause');
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline('template clause', 'rightDelim');
    }
    return { type: 'template', pos: it.pos, name, pipe };
  }

  private templateName(it: Item, context: string): string {
    if (it.type !== 'string' && it.type !== 'rawString') this.unexpected(it, context);
    return this.unquoted(it);
  }

  /** declarations? command ('|' command)* up to `end`. */
  private pipeline(context: string, end: ItemType): PipeNode {
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
  private declarations(pipe: PipeNode, context: string): void {
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

  private command(): CommandNode {
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
  private operand(): ArgNode | null {
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

  private term(): ArgNode | null {
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

function markerString(m: Marker): string {
  return m.type === 'end' ? '{{end}}' : '{{else}}';
}

/**
 * Parses the template file `name`; returns every tree it defines (the file's own top level
 * under `name`, plus {{define}} and {{block}} bodies). Throws TemplateError.
 */
export function parseTemplate(name: string, text: string, hasFunction: (fn: string) => boolean): Map<string, Tree> {
  const items = lex(text, { breakOK: !hasFunction('break'), continueOK: !hasFunction('continue') });
  const p = new Parser(name, text, items, hasFunction);
  try {
    p.parse();
  } catch (e) {
    // A template nested beyond what the JS stack holds still fails as a TemplateError.
    if (e instanceof RangeError) p.errorf('template nesting too deep');
    throw e;
  }
  return p.trees;
}
