// Parse and execution errors: Go's wording, the template file name, line (and column for
// execution errors) both in the message and in TemplateError's fields; hostile templates end
// with a TemplateError instead of hanging or overflowing the stack.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTemplate, TemplateError, TemplateSet, type TemplateOptions } from '../../src/render/template/index.js';

function errorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof TemplateError, `expected TemplateError, got ${String(e)}`);
    return e;
  }
  assert.fail('no error thrown');
}

type ErrRow = [template: string, data: unknown, message: string, line: number];

function errors(title: string, rows: ErrRow[], opts?: TemplateOptions): void {
  describe(title, () => {
    for (const [tpl, data, msg, line] of rows) {
      it(msg, () => {
        const e = errorOf(() => renderTemplate('dir/f.tmpl', tpl, data, opts));
        assert.equal(e.message, msg);
        assert.equal(e.file, 'dir/f.tmpl');
        assert.equal(e.line, line);
      });
    }
  });
}

errors('parse errors', [
  ['line1\n{{ .x ', {}, 'template: dir/f.tmpl:2: unclosed action', 2],
  ['a\n{{ .x\n\n', {}, 'template: dir/f.tmpl:4: unclosed action started at dir/f.tmpl:2', 4],
  ['ok\n{{end}}', {}, 'template: dir/f.tmpl:2: unexpected {{end}}', 2],
  ['{{else}}', {}, 'template: dir/f.tmpl:1: unexpected {{else}}', 1],
  ['x\n\n{{ nope 1 }}', {}, 'template: dir/f.tmpl:3: function "nope" not defined', 3],
  ['{{if 1}}a', {}, 'template: dir/f.tmpl:1: unexpected EOF', 1],
  ['{{if}}{{end}}', {}, 'template: dir/f.tmpl:1: missing value for if', 1],
  ['{{}}', {}, 'template: dir/f.tmpl:1: missing value for command', 1],
  ['{{if 1}}{{else}}{{else}}{{end}}', {}, 'template: dir/f.tmpl:1: expected end; found {{else}}', 1],
  ['{{$x}}', {}, 'template: dir/f.tmpl:1: undefined variable "$x"', 1],
  ['{{if true}}{{$x := 1}}{{end}}{{$x}}', {}, 'template: dir/f.tmpl:1: undefined variable "$x"', 1],
  ['{{define "d"}}{{$x}}{{end}}{{$x := 1}}', {}, 'template: dir/f.tmpl:1: undefined variable "$x"', 1],
  ['{{.x | 1}}', {}, 'template: dir/f.tmpl:1: non executable command in pipeline stage 2', 1],
  ['{{range $i, $e, $f := .}}{{end}}', {}, 'template: dir/f.tmpl:1: too many declarations in range', 1],
  ['{{with $x, $y := .}}{{end}}', {}, 'template: dir/f.tmpl:1: too many declarations in with', 1],
  ['{{range $i, 1}}{{end}}', {}, 'template: dir/f.tmpl:1: range can only initialize variables', 1],
  ['\n{{break}}', {}, 'template: dir/f.tmpl:2: {{break}} outside {{range}}', 2],
  ['{{range .}}{{else}}{{continue}}{{end}}', {}, 'template: dir/f.tmpl:1: {{continue}} outside {{range}}', 1],
  ['{{/* open', {}, 'template: dir/f.tmpl:1: unclosed comment', 1],
  ['{{/* c */ }}', {}, 'template: dir/f.tmpl:1: comment ends before closing delimiter', 1],
  ['{{ "abc }}', {}, 'template: dir/f.tmpl:1: unterminated quoted string', 1],
  ['{{ `abc }}', {}, 'template: dir/f.tmpl:1: unterminated raw quoted string', 1],
  ["{{ 'ab' }}", {}, "template: dir/f.tmpl:1: malformed character constant: 'ab'", 1],
  ['{{ "\\q" }}', {}, 'template: dir/f.tmpl:1: invalid syntax', 1],
  ['{{ 1a }}', {}, 'template: dir/f.tmpl:1: bad number syntax: "1a"', 1],
  ['{{ 99999999999999999999 }}', {}, 'template: dir/f.tmpl:1: integer overflow: "99999999999999999999"', 1],
  ['{{ 1_ }}', {}, 'template: dir/f.tmpl:1: illegal number syntax: "1_"', 1],
  ['{{ (1 }}', {}, 'template: dir/f.tmpl:1: unclosed left paren', 1],
  ['{{ 1) }}', {}, 'template: dir/f.tmpl:1: unexpected right paren', 1],
  ['{{ .x = 1 }}', {}, 'template: dir/f.tmpl:1: unexpected "=" in operand', 1],
  ['{{ "a".x }}', {}, 'template: dir/f.tmpl:1: unexpected . after term "\\"a\\""', 1],
  ['{{template .x}}', {}, 'template: dir/f.tmpl:1: unexpected ".x" in template clause', 1],
  ['{{template "a" .}} {{define "a"}}a{{end}}{{define "b"}}{{define "c"}}{{end}}{{end}}', {}, 'template: dir/f.tmpl:1: unexpected <define> in command', 1],
  ['{{ a-b }}', { }, 'template: dir/f.tmpl:1: bad character U+002D \'-\'', 1],
  ['{{ .x\u0001 }}', {}, 'template: dir/f.tmpl:1: bad character U+0001', 1],
  ['{{ # }}', {}, 'template: dir/f.tmpl:1: unexpected "#" in command', 1],
  ['{{define "a"}}x{{end}}{{define "a"}}y{{end}}', {}, 'template: dir/f.tmpl:1: template: multiple definition of template "a"', 1],
  ['{{ printf "this is a long string" | }}{{ | }}', {}, 'template: dir/f.tmpl:1: unexpected "|" in command', 1],
  ['{{ "a" | "b" }}', {}, 'template: dir/f.tmpl:1: non executable command in pipeline stage 2', 1],
]);

errors('execution errors', [
  ['{{template "missing" .}}', {}, 'template: dir/f.tmpl:1:11: executing "dir/f.tmpl" at <{{template "missing" .}}>: template "missing" not defined', 1],
  ['a\n{{index .l 5}}', { l: [1, 2] }, 'template: dir/f.tmpl:2:2: executing "dir/f.tmpl" at <index .l 5>: error calling index: index out of range: 5', 2],
  ['{{index .l 2}}', { l: [1, 2] }, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <index .l 2>: error calling index: reflect: slice index out of range', 1],
  ['{{index .l "x"}}', { l: [1] }, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <index .l "x">: error calling index: cannot index slice/array with type string', 1],
  ['{{index .m 1}}', { m: {} }, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <index .m 1>: error calling index: value has type int; should be string', 1],
  ['{{index .nil 1}}', { nil: null }, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <index .nil 1>: error calling index: index of untyped nil', 1],
  ['{{index 5 1}}', {}, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <index 5 1>: error calling index: can\'t index item of type int', 1],
  ['x\n  {{if lt .a "x"}}y{{end}}', { a: 1 }, 'template: dir/f.tmpl:2:7: executing "dir/f.tmpl" at <lt .a "x">: error calling lt: incompatible types for comparison: int and string', 2],
  ['{{lt true false}}', {}, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <lt true false>: error calling lt: invalid type for comparison', 1],
  ['{{lt .missing 1}}', {}, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <lt .missing 1>: error calling lt: invalid type for comparison', 1],
  ['{{eq .l .l}}', { l: [1, 'a'] }, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <eq .l .l>: error calling eq: non-comparable type [%!s(int=1) a]: []interface {}', 1],
  ['{{eq 1 "1"}}', {}, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <eq 1 "1">: error calling eq: incompatible types for comparison: int and string', 1],
  ['{{eq 1}}', {}, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <eq 1>: error calling eq: missing argument for comparison', 1],
  ['{{lt 1}}', {}, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <lt>: wrong number of args for lt: want 2 got 1', 1],
  ['{{printf}}', {}, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <printf>: wrong number of args for printf: want at least 1 got 0', 1],
  ['{{printf 3}}', {}, 'template: dir/f.tmpl:1:9: executing "dir/f.tmpl" at <3>: expected string; found 3', 1],
  ['{{printf .n}}', { n: 1 }, 'template: dir/f.tmpl:1:9: executing "dir/f.tmpl" at <.n>: wrong type for value; expected string; got int', 1],
  ['{{printf .missing}}', {}, 'template: dir/f.tmpl:1:9: executing "dir/f.tmpl" at <.missing>: invalid value; expected string', 1],
  ['{{len .n}}', { n: null }, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <len .n>: error calling len: len of nil pointer', 1],
  ['{{len 3}}', {}, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <len 3>: error calling len: len of type int', 1],
  ['{{slice .l 2 1}}', { l: [1, 2] }, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <slice .l 2 1>: error calling slice: invalid slice index: 2 > 1', 1],
  ['{{.a.b}}', { a: null }, 'template: dir/f.tmpl:1:4: executing "dir/f.tmpl" at <.a.b>: nil pointer evaluating interface {}.b', 1],
  ['{{.s.x}}', { s: 'str' }, 'template: dir/f.tmpl:1:4: executing "dir/f.tmpl" at <.s.x>: can\'t evaluate field x in type string', 1],
  ['{{.l.x}}', { l: [] }, 'template: dir/f.tmpl:1:4: executing "dir/f.tmpl" at <.l.x>: can\'t evaluate field x in type []interface {}', 1],
  ['{{.m 1}}', { m: {} }, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <.m>: m is not a method but has arguments', 1],
  ['{{1 2}}', {}, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <1>: can\'t give argument to non-function 1', 1],
  ['{{nil}}', {}, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <nil>: nil is not a command', 1],
  ['{{range .s}}{{end}}', { s: 'abc' }, 'template: dir/f.tmpl:1:8: executing "dir/f.tmpl" at <.s>: range can\'t iterate over abc', 1],
  ['{{range $i, $e := 3}}{{end}}', {}, 'template: dir/f.tmpl:1:18: executing "dir/f.tmpl" at <3>: can\'t use 3 to iterate over more than one variable', 1],
  ['{{$x = 1}}', {}, 'template: dir/f.tmpl:1:7: executing "dir/f.tmpl" at <1>: undefined variable: $x', 1],
  ['{{18446744073709551615}}', {}, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <18446744073709551615>: 18446744073709551615 overflows int', 1],
  ['{{call .s}}', { s: 'x' }, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <call .s>: error calling call: non-function .s of type string', 1],
  ['{{.f}}', { f: () => 1 }, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <{{.f}}>: can\'t print {{.f}} of type func(...interface {}) interface {}', 1],
  ['héllo {{.a.b}}', { a: null }, 'template: dir/f.tmpl:1:11: executing "dir/f.tmpl" at <.a.b>: nil pointer evaluating interface {}.b', 1],
]);

errors('missingkey=error', [
  ['{{.missing}}', {}, 'template: dir/f.tmpl:1:2: executing "dir/f.tmpl" at <.missing>: map has no entry for key "missing"', 1],
  ['{{.a.b}}', { a: {} }, 'template: dir/f.tmpl:1:4: executing "dir/f.tmpl" at <.a.b>: map has no entry for key "b"', 1],
  ['{{$v := .m.x}}', { m: { x: null } }, 'unreachable', 0],
].slice(0, 2) as ErrRow[], { missingKey: 'error' });

errors('missingkey=zero', [
  ['{{.missing.x}}', {}, 'template: dir/f.tmpl:1:10: executing "dir/f.tmpl" at <.missing.x>: nil pointer evaluating interface {}.x', 1],
], { missingKey: 'zero' });

describe('error details', () => {
  it('an error inside a defined template names its file, line and the template', () => {
    const set = new TemplateSet().add('partials.tmpl', 'x\n{{define "p"}}\n  {{.a.b}}{{end}}').add('main', '{{template "p" .}}');
    const e = errorOf(() => set.execute('main', { a: null }));
    assert.equal(e.message, 'template: partials.tmpl:3:6: executing "p" at <.a.b>: nil pointer evaluating interface {}.b');
    assert.deepEqual([e.file, e.line, e.col], ['partials.tmpl', 3, 6]);
  });

  it('user function errors are wrapped with the function name', () => {
    const set = new TemplateSet({ funcs: { fail: () => { throw new Error('boom'); } } }).add('t', '\n{{ fail 1 }}');
    const e = errorOf(() => set.execute('t', {}));
    assert.equal(e.message, 'template: t:2:3: executing "t" at <fail 1>: error calling fail: boom');
    assert.equal(e.col, 3);
  });

  it('and/or evaluate lazily, so a failing operand after the decision is not run', () => {
    const set = new TemplateSet({ funcs: { fail: () => { throw new Error('boom'); } } });
    set.add('t', '{{and 1 (fail)}}');
    assert.match(errorOf(() => set.execute('t', {})).message, /error calling fail: boom$/);
  });

  it('executing an unknown template name', () => {
    const e = errorOf(() => new TemplateSet().execute('nope', {}));
    assert.equal(e.message, 'template: no template "nope" associated with template set');
  });

  it('a failed add leaves the set unchanged', () => {
    const set = new TemplateSet().add('a', '{{define "x"}}1{{end}}');
    errorOf(() => set.add('b', '{{define "x"}}2{{end}}{{end}}'));
    assert.deepEqual(set.names(), ['a', 'x']);
    assert.equal(set.execute('x', {}), '1');
  });

  it('invalid function names are rejected', () => {
    assert.throws(() => new TemplateSet({ funcs: { 'a-b': () => 1 } }), TypeError);
  });
});

describe('hostile templates', () => {
  it('infinite recursion ends with a TemplateError', () => {
    const e = errorOf(() => renderTemplate('hostile', '{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}', {}));
    assert.equal(e.message, 'template: hostile:1:25: executing "r" at <{{template "r" .}}>: exceeded maximum template depth (1000)');
  });

  it('recursion nested in control structures still ends cleanly', () => {
    const tpl = '{{define "r"}}{{range .}}{{with .}}{{if .}}{{template "r" $}}{{end}}{{end}}{{end}}{{end}}{{template "r" .}}';
    const e = errorOf(() => renderTemplate('hostile', tpl, [[[1]]], { maxDepth: 100000 }));
    assert.match(e.message, /^template: hostile:1:\d+: executing "r" at <.*>: /);
  });

  it('runaway loops hit the step budget', () => {
    const e = errorOf(() => renderTemplate('loop', '{{range 100000}}{{range 100000}}{{end}}{{end}}', {}, { maxSteps: 100000 }));
    assert.match(e.message, /exceeded maximum execution steps \(100000\)$/);
  });

  it('the step budget also bounds template fan-out', () => {
    const tpl = '{{define "f"}}{{range 10}}{{template "g"}}{{end}}{{end}}{{define "g"}}{{range 10}}{{template "h"}}{{end}}{{end}}' +
      '{{define "h"}}{{range 1000}}{{end}}{{end}}{{template "f"}}';
    assert.match(errorOf(() => renderTemplate('fan', tpl, {}, { maxSteps: 50000 })).message, /exceeded maximum execution steps/);
  });

  it('huge output hits the output limit', () => {
    const e = errorOf(() => renderTemplate('big', '{{range 1000000}}0123456789{{end}}', {}, { maxOutput: 1000 }));
    assert.match(e.message, /output exceeds the limit of 1000 characters$/);
  });

  it('deeply nested control structures and parentheses are parse errors, not crashes', () => {
    const ifs = '{{if 1}}'.repeat(5000) + '{{end}}'.repeat(5000);
    assert.match(errorOf(() => renderTemplate('deep', ifs, {})).message, /max nesting depth exceeded$/);
    const parens = '{{' + '('.repeat(5000) + '1' + ')'.repeat(5000) + '}}';
    assert.match(errorOf(() => renderTemplate('deep', parens, {})).message, /max expression depth exceeded$/);
  });

  it('self-referencing and very deep data print without crashing', () => {
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    assert.equal(renderTemplate('t', '{{.}}', cyc), 'map[a:1 self:<cycle>]');
    let deep: unknown = [];
    for (let i = 0; i < 200000; i++) deep = [deep];
    const r = (() => {
      try {
        return renderTemplate('t', '{{.}}', deep);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(typeof r === 'string' || r instanceof TemplateError);
  });
});
