// Go template language features, table-driven: each row is [template, data, expected output]
// with the output Go's text/template produces for map[string]interface{} data.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTemplate, TemplateSet } from '../../src/render/template/index.js';

type Row = [template: string, data: unknown, want: string];

function table(title: string, rows: Row[]): void {
  describe(title, () => {
    for (const [tpl, data, want] of rows) {
      it(JSON.stringify(tpl), () => assert.equal(renderTemplate('t', tpl, data), want));
    }
  });
}

table('text, trim markers and comments', [
  ['plain text only\n', {}, 'plain text only\n'],
  ['', {}, ''],
  ['a  {{- 1 -}}  b', {}, 'a1b'],
  ['{{23 -}} < {{- 45}}', {}, '23<45'],
  ['a \t\r\n{{- "x"}}', {}, 'ax'],
  ['{{"x" -}}\n\n\t b', {}, 'xb'],
  ['{{-3}}', {}, '-3'],
  ['{{- -3 -}}', {}, '-3'],
  ['a {{-\n"x"\n-}} b', {}, 'axb'],
  ['x {{- 1}} {{2 -}} y', {}, 'x1 2y'],
  ['a {{/* comment */}} b', {}, 'a  b'],
  ['a {{- /* comment */ -}} b', {}, 'ab'],
  ['x{{/* multi\nline {{ .not.parsed }} */}}y', {}, 'xy'],
  ['a\n{{- /* c */}}\nb', {}, 'a\nb'],
  ['{{"{{"}} and {{"}}"}}', {}, '{{ and }}'],
  ['{ {single} }', {}, '{ {single} }'],
]);

table('literals', [
  ['{{"a\\tb\\u00e9\\x41\\101\\"q\\""}}', {}, 'a\tbéAA"q"'],
  ['{{`raw \\n {{ }} "quote"`}}', {}, 'raw \\n {{ }} "quote"'],
  ['{{`multi\nline`}}', {}, 'multi\nline'],
  ['{{"\\xc3\\xa9t\\u00e9"}}', {}, 'été'],
  ["{{'a'}} {{'\\n'}} {{'\\u00e9'}} {{'é'}}", {}, '97 10 233 233'],
  ['{{0x1F}} {{0X1f}} {{0o17}} {{0b101}} {{1_000}} {{017}} {{0}}', {}, '31 31 15 5 1000 15 0'],
  ['{{1.5}} {{-2}} {{+3}} {{3.0}} {{2.50}} {{.5}} {{1e3}} {{1_0.5}}', {}, '1.5 -2 3 3 2.5 0.5 1000 10.5'],
  ['{{0.1}} {{1e-7}} {{123456.5}} {{1234567.5}} {{1e100}}', {}, '0.1 1e-07 123456.5 1.2345675e+06 1e+100'],
  ['{{9223372036854775807}} {{-9223372036854775808}}', {}, '9223372036854775807 -9223372036854775808'],
  ['{{0x1p4}} {{0x1.8p1}}', {}, '16 3'],
  ['{{true}} {{false}}', {}, 'true false'],
]);

table('fields, chains and dot', [
  ['{{.}}', 'scalar', 'scalar'],
  ['{{.a.b.c}}', { a: { b: { c: 'deep' } } }, 'deep'],
  ['{{.a.b.c}}', {}, '<no value>'],
  ['{{(.a).b}}', { a: { b: 'x' } }, 'x'],
  ['{{(index .l 1).name}}', { l: [{ name: 'a' }, { name: 'b' }] }, 'b'],
  ['{{ .l }}', { l: ['a', 'b'] }, '[a b]'],
  ['{{ $.a }}{{ $.b }}', { b: 'D' }, '<no value>D'],
  ['{{ $ }}', 'D', 'D'],
  ['{{with .a}}{{$.b}}{{.}}{{end}}', { a: 1, b: 2 }, '21'],
  ['{{.a.b}}', { a: new Map([['b', 'from a Map']]) }, 'from a Map'],
]);

table('variables and scoping', [
  ['{{$x := "a"}}{{$x}}', {}, 'a'],
  ['{{$x := 1}}{{$x = 2}}{{$x}}', {}, '2'],
  ['{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}', {}, '2'],
  ['{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}', {}, '21'],
  ['{{$x := 1}}{{range .l}}{{$x := .}}{{$x}}{{end}}{{$x}}', { l: [7, 8] }, '781'],
  ['{{$n := 0}}{{range .l}}{{$n = .}}{{end}}{{$n}}', { l: [1, 2, 3] }, '3'],
  ['{{range .l}}{{$.name}}{{end}}', { name: 'n', l: [1, 2] }, 'nn'],
  ['{{with $x := .a}}{{$x}}{{.}}{{end}}', { a: 'v' }, 'vv'],
  ['{{if $x := .a}}yes{{else}}{{$x}}{{end}}', { a: 0 }, '0'],
  ['{{$a, $b := 1, 2}}', {}, 'unreachable'],
]
  // The last row is a parse error in Go; it is covered by the error tests instead.
  .slice(0, -1) as Row[]);

table('if / else if / else', [
  ['{{if .a}}A{{end}}', { a: true }, 'A'],
  ['{{if .a}}A{{else}}B{{end}}', { a: false }, 'B'],
  ['{{if eq .n 1}}one{{else if eq .n 2}}two{{else}}many{{end}}', { n: 1 }, 'one'],
  ['{{if eq .n 1}}one{{else if eq .n 2}}two{{else}}many{{end}}', { n: 2 }, 'two'],
  ['{{if eq .n 1}}one{{else if eq .n 2}}two{{else}}many{{end}}', { n: 3 }, 'many'],
  ['{{if .a}}a{{else if .b}}b{{else if .c}}c{{end}}', { c: 1 }, 'c'],
  ['{{if 0}}x{{end}}{{if ""}}x{{end}}{{if .l}}x{{end}}{{if .m}}x{{end}}{{if .z}}x{{end}}', { l: [], m: {}, z: null }, ''],
  ['{{if 1}}a{{end}}{{if "0"}}b{{end}}{{if .l}}c{{end}}{{if .m}}d{{end}}{{if 0.5}}e{{end}}', { l: [0], m: { k: 0 } }, 'abcde'],
  ['{{if not .a}}not{{end}}', {}, 'not'],
]);

table('with / else with', [
  ['{{with .a}}{{.}}{{end}}', { a: 'x' }, 'x'],
  ['{{with .a}}{{.}}{{else}}none{{end}}', {}, 'none'],
  ['{{with .a}}A{{else with .b}}B{{.}}{{else}}C{{end}}', { b: 7 }, 'B7'],
  ['{{with .a}}A{{else with .b}}B{{.}}{{else}}C{{end}}', {}, 'C'],
  ['{{with .a}}{{with .b}}{{.}}{{end}}{{end}}', { a: { b: 'nested' } }, 'nested'],
]);

table('range', [
  ['{{range .l}}[{{.}}]{{end}}', { l: ['a', 'b'] }, '[a][b]'],
  ['{{range $i, $e := .l}}{{$i}}={{$e}} {{end}}', { l: ['a', 'b'] }, '0=a 1=b '],
  ['{{range $e := .l}}{{$e}}{{end}}', { l: [1, 2] }, '12'],
  ['{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}', { m: { b: 2, a: 1, C: 3 } }, 'C=3;a=1;b=2;'],
  ['{{range .m}}{{.}}{{end}}', { m: { z: 1, y: 2 } }, '21'],
  ['{{range .l}}x{{else}}empty{{end}}', { l: [] }, 'empty'],
  ['{{range .missing}}x{{else}}empty{{end}}', {}, 'empty'],
  ['{{range .m}}x{{else}}empty{{end}}', { m: {} }, 'empty'],
  ['{{range 3}}{{.}}{{end}}', {}, '012'],
  ['{{range $i := 4}}{{$i}}{{end}}', {}, '0123'],
  ['{{range 0}}x{{else}}none{{end}}', {}, 'none'],
  ['{{range -2}}x{{else}}none{{end}}', {}, 'none'],
  ['{{range .l}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}', { l: [1, 2, 3, 4] }, '12'],
  ['{{range .l}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}', { l: [1, 2, 3] }, '13'],
  ['{{range .l}}{{break}}{{else}}else{{end}}|{{range 2}}{{break}}{{else}}else{{end}}', { l: [1] }, '|'],
  ['{{range .l}}{{continue}}{{else}}else{{end}}!', { l: [1, 2] }, '!'],
  ['{{range .a}}{{range .}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}};{{end}}', { a: [[1, 2, 3], [4]] }, '1;4;'],
  ['{{range $i, $e := .l}}{{with $e}}{{if $i}},{{end}}{{.}}{{end}}{{end}}', { l: ['a', '', 'c'] }, 'a,c'],
  ['{{range .l}}{{.x}}{{end}}', { l: [{ x: 1 }, {}, { x: 3 }] }, '1<no value>3'],
  ['{{range $i, $e := .l}}{{end}}{{$i}}', { l: [1] }, 'unreachable'],
].slice(0, -1) as Row[]);

table('define, template and block', [
  ['{{define "a"}}A{{.}}{{end}}{{template "a" 5}}', {}, 'A5'],
  ['{{define "a"}}[{{.}}]{{end}}{{template "a"}}', {}, '[<no value>]'],
  ['{{define "a"}}{{template "b" .x}}{{end}}{{define "b"}}<{{.}}>{{end}}{{template "a" .}}', { x: 'y' }, '<y>'],
  ['{{block "b" .}}default {{.}}{{end}}!', 'D', 'default D!'],
  ['{{define "list"}}{{range .}}{{.}},{{end}}{{end}}{{template "list" .l}}', { l: [1, 2] }, '1,2,'],
  ['{{$x := 1}}{{define "v"}}{{$}}{{end}}{{template "v" 2}}{{$x}}', {}, '21'],
]);

table('pipelines', [
  ['{{.x | printf "%q"}}', { x: 'hi' }, '"hi"'],
  ['{{"a" | printf "%s-%s" "b"}}', {}, 'b-a'],
  ['{{.l | len}}', { l: [1, 2, 3] }, '3'],
  ['{{.s | len | printf "%03d"}}', { s: 'abcd' }, '004'],
  ['{{"x" | html | printf "<%s>"}}', {}, '<x>'],
  ['{{.missing | print}}', {}, '<nil>'],
  ['{{(printf "%d" 1) | printf "%s%s" "0"}}', {}, '01'],
  ['{{$v := "p" | printf "%s!"}}{{$v}}', {}, 'p!'],
]);

describe('template sets', () => {
  it('a later file redefines a block; an empty body does not replace', () => {
    const set = new TemplateSet().add('base', '<{{block "content" .}}default{{end}}>');
    assert.equal(set.execute('base', {}), '<default>');
    set.add('override', '{{define "content"}}custom {{.}}{{end}}');
    assert.equal(set.execute('base', 'x'), '<custom x>');
    set.add('empty', '{{define "content"}}  {{end}}');
    assert.equal(set.execute('base', 'x'), '<custom x>');
  });

  it('templates call each other across files', () => {
    const set = new TemplateSet().add('a.tmpl', '{{define "A"}}A{{template "B" .}}{{end}}').add('b.tmpl', '{{define "B"}}B{{.}}{{end}}');
    set.add('main', '{{template "A" 1}}');
    assert.equal(set.execute('main', null), 'AB1');
  });

  it('break and continue are ordinary names when functions use them', () => {
    const set = new TemplateSet({ funcs: { break: () => 'B' } }).add('t', '{{break}}');
    assert.equal(set.execute('t', {}), 'B');
  });

  it('methods of class instances are called, plain-object functions need call', () => {
    class Host {
      constructor(readonly name: string) {}
      Greet(who: unknown): string {
        return `hi ${String(who)} from ${this.name}`;
      }
      get Upper(): string {
        return this.name.toUpperCase();
      }
    }
    const data = { h: new Host('h1'), fn: (a: number, b: number) => a * b };
    const out = renderTemplate('t', '{{.h.Greet "x"}}|{{.h.name}}|{{.h.Upper}}|{{call .fn 6 7}}', data);
    assert.equal(out, 'hi x from h1|h1|H1|42');
  });
});
