// Parse tree of a Go template, mirroring text/template/parse node kinds. Every node keeps the
// UTF-16 offset where Go would place it, so execution errors can report Go's line:column, and
// nodeString renders nodes the way Go's String methods do for the "at <...>" error context.
import { goQuote } from './strconv.js';

export interface FieldNode { type: 'field'; pos: number; idents: string[] }
/** idents[0] is the variable name including '$'; the rest are chained fields. */
export interface VariableNode { type: 'variable'; pos: number; idents: string[] }
/** (pipeline).Field1.Field2 or fn.Field: a term followed by field accesses. */
export interface ChainNode { type: 'chain'; pos: number; node: ArgNode; fields: string[] }
export interface DotNode { type: 'dot'; pos: number }
export interface NilNode { type: 'nil'; pos: number }
export interface BoolNode { type: 'bool'; pos: number; value: boolean }
export interface NumberNode {
  type: 'number';
  pos: number;
  text: string;
  value: number | bigint;
  /** A uint64 that does not fit int64: an execution error when used, as in Go. */
  overflow: boolean;
}
export interface StringNode { type: 'string'; pos: number; quoted: string; text: string }
export interface IdentifierNode { type: 'identifier'; pos: number; name: string }
export interface CommandNode { type: 'command'; pos: number; args: ArgNode[] }
export interface PipeNode { type: 'pipe'; pos: number; isAssign: boolean; decl: VariableNode[]; cmds: CommandNode[] }

export type ArgNode =
  | FieldNode | VariableNode | ChainNode | DotNode | NilNode | BoolNode | NumberNode
  | StringNode | IdentifierNode | PipeNode;

export interface TextNode { type: 'text'; pos: number; text: string }
export interface ActionNode { type: 'action'; pos: number; pipe: PipeNode }
export interface BranchNode {
  type: 'if' | 'range' | 'with';
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export interface TemplateNode { type: 'template'; pos: number; name: string; pipe: PipeNode | null }
export interface BreakNode { type: 'break'; pos: number }
export interface ContinueNode { type: 'continue'; pos: number }
export interface ListNode { type: 'list'; pos: number; nodes: Node[] }

export type Node = TextNode | ActionNode | BranchNode | TemplateNode | BreakNode | ContinueNode | ListNode;

/** Anything execution can be "at" when an error occurs. */
export type AnyNode = Node | ArgNode | CommandNode;

/** One parsed template: a file's top level, or a {{define}}/{{block}} body. */
export interface Tree {
  name: string;
  /** The file the tree was parsed from: Go's ParseName, used in error locations. */
  parseName: string;
  /** The whole source text of that file, for computing line and column. */
  text: string;
  root: ListNode;
}

function pipeString(p: PipeNode): string {
  let s = '';
  if (p.decl.length > 0) s = p.decl.map(nodeString).join(', ') + ' := ';
  return s + p.cmds.map(nodeString).join(' | ');
}

function argString(a: ArgNode): string {
  return a.type === 'pipe' ? `(${pipeString(a)})` : nodeString(a);
}

/** Go's Node.String(). */
export function nodeString(n: AnyNode): string {
  switch (n.type) {
    case 'text':
      return n.text;
    case 'action':
      return `{{${pipeString(n.pipe)}}}`;
    case 'if':
    case 'range':
    case 'with': {
      const els = n.elseList ? '{{else}}' + nodeString(n.elseList) : '';
      return `{{${n.type} ${pipeString(n.pipe)}}}${nodeString(n.list)}${els}{{end}}`;
    }
    case 'template':
      return `{{template ${goQuote(n.name)}${n.pipe ? ' ' + pipeString(n.pipe) : ''}}}`;
    case 'break':
      return '{{break}}';
    case 'continue':
      return '{{continue}}';
    case 'list':
      return n.nodes.map(nodeString).join('');
    case 'pipe':
      return pipeString(n);
    case 'command':
      return n.args.map(argString).join(' ');
    case 'field':
      return n.idents.map((i) => '.' + i).join('');
    case 'variable':
      return n.idents.join('.');
    case 'chain':
      return argString(n.node) + n.fields.map((f) => '.' + f).join('');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'identifier':
      return n.name;
  }
}

/** Go's IsEmptyTree: only white space (and comments, which we drop). */
export function isEmptyTree(n: Node): boolean {
  if (n.type === 'list') return n.nodes.every(isEmptyTree);
  return n.type === 'text' && n.text.trim() === '';
}
