// Token kinds of the template lexer, and the keywords, shared by the lexer and the parser.

export type ItemType =
  | 'error' | 'bool' | 'char' | 'charConstant' | 'complex' | 'assign' | 'declare' | 'eof'
  | 'field' | 'identifier' | 'leftDelim' | 'leftParen' | 'number' | 'pipe' | 'rawString'
  | 'rightDelim' | 'rightParen' | 'space' | 'string' | 'text' | 'variable'
  // keywords
  | 'block' | 'break' | 'continue' | 'dot' | 'define' | 'else' | 'end' | 'if' | 'nil'
  | 'range' | 'template' | 'with';

export interface Item {
  type: ItemType;
  pos: number; // UTF-16 offset of the item in the input
  val: string;
  line: number; // line at the start of the item
}

export const KEYWORDS: ReadonlyMap<string, ItemType> = new Map<string, ItemType>([
  ['.', 'dot'], ['block', 'block'], ['break', 'break'], ['continue', 'continue'], ['define', 'define'],
  ['else', 'else'], ['end', 'end'], ['if', 'if'], ['nil', 'nil'], ['range', 'range'],
  ['template', 'template'], ['with', 'with'],
]);

const KEYWORD_TYPES: ReadonlySet<ItemType> = new Set(KEYWORDS.values());

/** Keyword items print as <word> in parse errors, like Go's item.String. */
export function isKeyword(t: ItemType): boolean {
  return KEYWORD_TYPES.has(t);
}
