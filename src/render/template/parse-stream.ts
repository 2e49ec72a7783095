// The parser's view of the token array: Go's three-token lookahead becomes an index that can
// move back, and errors report the line of the furthest token read, as Go's parser does
// (t.token[0].line). Also Go's item.String for "unexpected X in Y" messages.
import { location, TemplateError } from './errors.js';
import { isKeyword, type Item, type ItemType } from './lexer.js';
import { goQuote, unquote } from './strconv.js';

function itemString(it: Item): string {
  if (it.type === 'eof') return 'EOF';
  if (it.type === 'error') return it.val;
  if (isKeyword(it.type)) return `<${it.val}>`;
  const runes = [...it.val];
  return runes.length > 10 ? goQuote(runes.slice(0, 10).join('')) + '...' : goQuote(it.val);
}

export abstract class TokenStream {
  protected i = 0;
  private far = 0; // furthest item read: Go reports errors on its line
  protected actionLine = 0; // line of the {{ that started the current action

  constructor(
    protected readonly name: string,
    protected readonly text: string,
    private readonly items: Item[],
  ) {}

  protected next(): Item {
    const it = this.items[Math.min(this.i, this.items.length - 1)]!;
    this.i++;
    if (this.i > this.far) this.far = this.i;
    return it;
  }

  protected backup(): void {
    this.i--;
  }

  protected peek(): Item {
    const it = this.next();
    this.backup();
    return it;
  }

  protected nextNonSpace(): Item {
    let it: Item;
    do it = this.next();
    while (it.type === 'space');
    return it;
  }

  protected peekNonSpace(): Item {
    const it = this.nextNonSpace();
    this.backup();
    return it;
  }

  errorf(msg: string): never {
    const it = this.items[Math.min(Math.max(this.far - 1, 0), this.items.length - 1)]!;
    const { col } = location(this.text, it.pos);
    throw new TemplateError(`template: ${this.name}:${it.line}: ${msg}`, this.name, it.line, col);
  }

  protected unexpected(it: Item, context: string): never {
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

  protected expect(type: ItemType, context: string): Item {
    const it = this.nextNonSpace();
    if (it.type !== type) this.unexpected(it, context);
    return it;
  }

  protected unquoted(it: Item): string {
    try {
      return unquote(it.val);
    } catch (e) {
      return this.errorf((e as Error).message);
    }
  }

  /** Registers a tree; two non-empty definitions of one name in one file are an error. */
}
