// Recursive-descent parser producing the trees of one template file, structured like Go's
// text/template/parse so that error messages and their line numbers match: this part handles
// text, {{define}}, control structures and template invocations; expressions are in
// parse-expr.ts. Errors are thrown as TemplateError "template: <file>:<line>: <message>".
import type { BranchNode, ListNode, Node, PipeNode, TemplateNode, Tree } from './ast.js';
import { isEmptyTree } from './ast.js';
import { lex, type Item } from './lexer.js';
import { ExprParser, MAX_DEPTH } from './parse-expr.js';
import { goQuote } from './strconv.js';

/** end and else are markers returned by itemList; they never appear in a finished tree. */
type Marker = { type: 'end'; pos: number } | { type: 'else'; pos: number };

class Parser extends ExprParser {
  private rangeDepth = 0;
  readonly trees = new Map<string, Tree>();

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
