// Builtin functions, fmt verbs and value printing, table-driven against Go's output for
// map[string]interface{} data (JSON-like values).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTemplate, type TemplateOptions } from '../../src/render/template/index.js';

type Row = [template: string, data: unknown, want: string];

function table(title: string, rows: Row[], opts?: TemplateOptions): void {
  describe(title, () => {
    for (const [tpl, data, want] of rows) {
      it(JSON.stringify(tpl), () => assert.equal(renderTemplate('t', tpl, data, opts), want));
    }
  });
}

const D = {
  s: 'str',
  n: 42,
  f: 1.5,
  neg: -7,
  t: true,
  nil: null,
  l: ['a', 'b', 'c'],
  nums: [1, 2, 3],
  m: { b: 2, a: 1 },
  nested: { l: [1, [2, 3]], m: { x: null } },
  empty: [],
};

table('printing values (%v) and <no value> vs <nil>', [
  ['{{.s}} {{.n}} {{.f}} {{.neg}} {{.t}}', D, 'str 42 1.5 -7 true'],
  ['{{.l}} {{.nums}} {{.m}} {{.empty}}', D, '[a b c] [1 2 3] map[a:1 b:2] []'],
  ['{{.nested}}', D, 'map[l:[1 [2 3]] m:map[x:<nil>]]'],
  ['{{.missing}}', D, '<no value>'],
  ['{{.nil}}', D, '<no value>'],
  ['{{print .missing}} {{print .nil}} {{print nil}}', D, '<nil> <nil> <nil>'],
  ['{{printf "%v|%s|%d" nil nil nil}}', D, '<nil>|%!s(<nil>)|%!d(<nil>)'],
  ['{{printf "%v" .nil}} {{printf "%v" .missing}}', D, '<nil> <nil>'],
  ['{{.x.y.z}}', D, '<no value>'],
  ['{{$v := .missing}}{{$v.y}}', D, '<no value>'],
  ['{{index .m "zz"}}', D, '<no value>'],
  ['{{.big}} {{.huge}} {{.tiny}}', { big: 1e15, huge: 1e21, tiny: 1e-5 }, '1000000000000000 1e+21 1e-05'],
  ['{{.when}}', { when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 120)) }, '2024-01-02 03:04:05.12 +0000 UTC'],
]);

table('missingkey=zero (interface maps still print <no value>)', [
  ['{{.missing}}', {}, '<no value>'],
  ['{{if .missing}}y{{else}}n{{end}}', {}, 'n'],
  ['{{printf "%v" .missing}}', {}, '<nil>'],
], { missingKey: 'zero' });

table('print, println, printf spacing and verbs', [
  ['{{print "a" "b" 1 2 "c"}}', {}, 'ab1 2c'],
  ['{{print 1 2 "a" 3 4}}', {}, '1 2a3 4'],
  ['{{println "a" 1 2}}', {}, 'a 1 2\n'],
  ['{{print}}|{{println}}', {}, '|\n'],
  ['{{printf "%s %d %v %t" "x" 5 .l true}}', D, 'x 5 [a b c] true'],
  ['{{printf "%5s|%-5s|%.2s|%5.1s|" "ab" "ab" "abc" "xyz"}}', {}, '   ab|ab   |ab|    x|'],
  ['{{printf "%q %+q %#q %q" "a\\"b\\n" "é" "ab" .nums}}', D, '"a\\"b\\n" "\\u00e9" `ab` [\'\\x01\' \'\\x02\' \'\\x03\']'],
  ['{{printf "%x %X % x %#x %x" "hi" "hi" "hi" "hi" 255}}', {}, '6869 6869 68 69 0x6869 ff'],
  ['{{printf "%05d|%+05d|%x|%X|%#o|%o|%O|%b|%#b" -42 42 -255 255 8 8 8 5 5}}', {}, '-0042|+0042|-ff|FF|010|10|0o10|101|0b101'],
  ['{{printf "%6d|%-6d|% d|% d|%.3d|%.0d|" 42 42 5 -5 7 0}}', {}, '    42|42    | 5|-5|007||'],
  ['{{printf "%c%c %3c|%-4q|%U %#U" 72 105 65 66 0x1F600 65}}', {}, "Hi   A|'B' |U+1F600 U+0041 'A'"],
  ['{{printf "%f %.2f %8.3f %-8.2f| %+.1f %08.3f" 3.14159 3.14159 3.14159 2.5 2.0 -3.14159}}', {}, '3.141590 3.14    3.142 2.50    | +2.0 -003.142'],
  ['{{printf "%e %E %.3e %g %G %.3g %g" 1234.5678 1234.5678 1234.5 0.000012345 1e-7 1234.5678 100000.0}}', {}, '1.234568e+03 1.234568E+03 1.234e+03 1.2345e-05 1E-07 1.23e+03 100000'],
  ['{{printf "%.0f %.0f %.0f %.1f %.2f %.2f" 0.5 1.5 2.5 0.25 1.005 0.125}}', {}, '0 2 2 0.2 1.00 0.12'],
  ['{{printf "%#g %#.3g %#.0f %#e" 1.0 2.0 3.0 1.0}}', {}, '1.00000 2.00 3. 1.000000e+00'],
  ['{{printf "%v %.1f %5.2f" .f .f .f}}', D, '1.5 1.5  1.50'],
  ['{{printf "%d %s" 1.5 5}}', {}, '%!d(float64=1.5) %!s(int=5)'],
  ['{{printf "%s" .nums}} {{printf "%d" .nested.l}}', D, '[%!s(int=1) %!s(int=2) %!s(int=3)] [1 [2 3]]'],
  ['{{printf "%5d" .nums}}', D, '[    1     2     3]'],
  ['{{printf "%q" .l}} {{printf "%v" .m}} {{printf "%#v" .l}}', D, '["a" "b" "c"] map[a:1 b:2] []interface {}{"a", "b", "c"}'],
  ['{{printf "%T %T %T %T %T %T %T" 1 1.5 "s" true .l .m nil}}', D, 'int float64 string bool []interface {} map[string]interface {} <nil>'],
  ['{{printf "%d %d" 1}}', {}, '1 %!d(MISSING)'],
  ['{{printf "a" 1 "b" nil}}', {}, 'a%!(EXTRA int=1, string=b, <nil>)'],
  ['{{printf "%[2]d %[1]d %d" 1 2}}', {}, '2 1 2'],
  ['{{printf "%[3]d" 1}} {{printf "%[0]d" 1}}', {}, '%!d(BADINDEX) %!d(BADINDEX)'],
  ['{{printf "%*d|%-*d|%.*f" 5 1 4 2 2 3.14159}}', {}, '    1|2   |3.14'],
  ['{{printf "%*d" "x" 1}} {{printf "%.*d" "x" 1}}', {}, '%!(BADWIDTH)1 %!(BADPREC)1'],
  ['{{printf "%"}} {{printf "abc%5"}} {{printf "%z %!" 1}}', {}, '%!(NOVERB) abc%!(NOVERB) %!z(int=1) %!!(MISSING)'],
  ['{{printf "100%%"}} {{printf "%5%"}}', {}, '100% %'],
  ['{{printf "%t %v %5t|" true false true}}', {}, 'true false  true|'],
  ['{{printf "%t" 1}}', {}, '%!t(int=1)'],
  ['{{printf "%s" .when}}', { when: new Date(0) }, '1970-01-01 00:00:00 +0000 UTC'],
  ['{{printf "%v" .inf}} {{printf "%5.1f|%f" .nan .ninf}}', { inf: Infinity, nan: NaN, ninf: -Infinity }, '+Inf   NaN|-Inf'],
]);

// Rows taken from the expectations of Go's own fmt tests (fmt_test.go).
table('fmt edge cases from Go\'s fmt tests', [
  ['{{printf "%05s|%08q|%-8q|%.1q|%.1x|%10.1q" "abc" "abc" "abc" "日本語" "日本語" "日本語日本語"}}', {}, '00abc|000"abc"|"abc"   |"日"|e6|       "日"'],
  ['{{printf "%U|%#14.6U|%#-14.6U|%#.2U|%+U" -1 8984 8984 120 120}}', {}, "U+FFFFFFFFFFFFFFFF|  U+002318 '⌘'|U+002318 '⌘'  |U+0078 'x'|U+0078"],
  ['{{printf "%.d|%6.0d|%06.0d|%010d|%020.8d|%-#20.8x|%#X" 0 0 0 -12345 -1234 0x1234abc 0}}', {}, '|      |      |-000012345|           -00001234|0x01234abc          |0X0'],
  ['{{printf "%+07.2f|%-07.2f|%+.3g|% .3g|%#.0f|%#.0e|%#.0g|%#.4g|%#.4g" 1.0 -1.0 0.0 1.0 1.0 1.0 1100000.0 0.0 0.012}}', {}, '+001.00|-1.00  |+0| 1|1.|1.e+00|1.e+06|0.000|0.01200'],
  ['{{printf "%#g|%#g|%#g|%20f|%20.8f|%g|%g" 1e-323 123456.0 1234567.0 12345678901.23456789 1.23456789e-3 1.23456789e20 -1e-9}}', {}, '1.00000e-323|123456.|1.234567e+06|  12345678901.234568|          0.00123457|1.23456789e+20|-1e-09'],
  ['{{printf "% 20F|%+020e|%-020f|% -20g" .inf .inf .ninf .nan}}', { inf: Infinity, ninf: -Infinity, nan: NaN }, '                 Inf|                +Inf|-Inf                | NaN                '],
  ['{{printf "%q|%q|%010q|%+010q" -1 56448 8984 8984}}', {}, "'�'|'�'|0000000'⌘'|00'\\u2318'"],
]);

table('and, or, not', [
  ['{{and 1 0 2}} {{and 1 2}} {{or 0 "" "z"}} {{or 0 ""}}', {}, '0 2 z '],
  ['{{and .t .s}} {{or .nil .s}} {{not .t}} {{not .missing}}', D, 'str str false true'],
  ['{{if and .t (not .nil)}}yes{{end}}', D, 'yes'],
  ['{{and false (fail)}} {{or true (fail)}}', {}, 'false true'],
  ['{{"piped" | and 1}} {{"piped" | and 0}}', {}, 'piped 0'],
], { funcs: { fail: () => { throw new Error('boom'); } } });

table('comparison functions', [
  ['{{eq "a" "a"}} {{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}', {}, 'true true true true true false'],
  ['{{eq .n 42}} {{eq .s "str"}} {{eq .t true}} {{eq .n 1 2 42}} {{eq .s "x" "y"}}', D, 'true true true true false'],
  ['{{eq .missing nil}} {{eq .nil nil}} {{eq .missing "x"}} {{ne .nil 1}}', D, 'true true false true'],
  ['{{lt "B" "a"}} {{lt "a" "é"}} {{lt "\\uFFFF" "\\U0001F600"}} {{lt -1 0}}', {}, 'true true true true'],
  ['{{eq .f 1.5}} {{lt 1.5 2.5}} {{eq 3 3}}', D, 'true true true'],
]);

// Deliberate deviations: JS numbers do not say whether data was an int or a float64, so
// numbers compare with each other and float verbs format integral numbers (Go would report
// "incompatible types for comparison" / %!f(int=2) for an int and a float64).
table('documented deviations for JS numbers', [
  ['{{lt .f 2}} {{gt .n 41.5}} {{eq 2 2.0}}', D, 'true true true'],
  ['{{printf "%.2f %g" .n 100000}}', D, '42.00 100000'],
]);

table('len, index, slice', [
  ['{{len .s}} {{len "héllo"}} {{len .l}} {{len .m}} {{len .empty}}', D, '3 6 3 2 0'],
  ['{{index .l 1}} {{index .nums 0}} {{index .m "b"}} {{index .nested "l" 1 0}}', D, 'b 1 2 2'],
  ['{{index "abc" 1}} {{index .l}}', D, '98 [a b c]'],
  ['{{index .nested.m "x"}}|{{index .m "nope"}}', D, '<no value>|<no value>'],
  ['{{slice .l 1}} {{slice .l 1 2}} {{slice .l}} {{slice .l 0 3 3}} {{slice .l 3}}', D, '[b c] [b] [a b c] [a b c] []'],
  ['{{slice "hello" 1 3}} {{slice "héllo" 3}} {{slice "" 0}}', {}, 'el llo '],
]);

table('html, js, urlquery', [
  ['{{html "<a href=\\"x\\">O\'Neil & co</a>"}}', {}, '&lt;a href=&#34;x&#34;&gt;O&#39;Neil &amp; co&lt;/a&gt;'],
  ['{{js "alert(\'x<y\') = \\"é\\"\\n\\\\"}}', {}, 'alert(\\\'x\\u003Cy\\\') \\u003D \\"é\\"\\u000A\\\\'],
  ['{{urlquery "a b&c=d/é?~*"}}', {}, 'a+b%26c%3Dd%2F%C3%A9%3F~%2A'],
  ['{{html .missing}} {{html 1 2 "x"}} {{js .n}}', D, '&lt;no value&gt; 1 2x 42'],
  ['{{.s | urlquery}}', D, 'str'],
]);

describe('user functions and call', () => {
  const funcs = {
    fail: (): never => {
      throw new Error('boom');
    },
    join: (sep: unknown, ...parts: unknown[]) => parts.join(String(sep)),
    upper: (s: unknown) => String(s).toUpperCase(),
    nothing: () => undefined,
    kind: (v: unknown) => (v === undefined ? 'undefined' : v === null ? 'null' : typeof v),
  };
  const rows: Row[] = [
    ['{{join "-" "a" "b" "c"}}', {}, 'a-b-c'],
    ['{{.s | upper}} {{upper .s | printf "%q"}}', D, 'STR "STR"'],
    ['{{nothing}}', {}, '<no value>'],
    ['{{kind .missing}} {{kind .nil}} {{kind nil}} {{kind 1}} {{kind .l}}', D, 'undefined null null number object'],
    ['{{call .fn 6 7}} {{call .fn 2 .n}}', { fn: (a: number, b: number) => a * b, n: 3 }, '42 6'],
  ];
  for (const [tpl, data, want] of rows) {
    it(JSON.stringify(tpl), () => assert.equal(renderTemplate('t', tpl, data, { funcs }), want));
  }
});
