// The scanner: token streams of representative inputs, literal decoding, the
// preprocessor subset, and lexical diagnostics as the user sees them.

import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/diagnostics/diagnostic.js';
import { renderText } from '../../src/diagnostics/render.js';
import { decodeEscapes, parseIntLiteral } from '../../src/lexer/literals.js';
import { evalCondition } from '../../src/lexer/preprocessor.js';
import { tokenize } from '../../src/lexer/tokenize.js';
import type { IntPayload } from '../../src/lexer/tokens.js';
import { SourceFile } from '../../src/source.js';

/** `Type(image)` for each token, space separated. */
function show(text: string): string {
  return tokenize(text)
    .tokens.map((t) => `${t.tokenType.name}(${t.image})`)
    .join(' ');
}

/** Rendered diagnostics of tokenizing `text`. */
function lexErrors(text: string): string {
  const diags = new Diagnostics();
  tokenize(text, diags);
  const src = new SourceFile('t.bt', text);
  return diags.items.map((d) => renderText(d, src)).join('');
}

describe('tokens', () => {
  it.each([
    ['BEGIN { exit(); }', 'AttachPoint(BEGIN) LBrace({) Identifier(exit) LParen(() RParen()) Semi(;) RBrace(})'],
    [
      'uprobe:/bin/bash:readline /pid == 1/ { }',
      'AttachPoint(uprobe:/bin/bash:readline) PredSlash(/) Identifier(pid) EqEq(==) IntLiteral(1) PredSlash(/) LBrace({) RBrace(})',
    ],
    ['BEGIN/pid/{}', 'AttachPoint(BEGIN) PredSlash(/) Identifier(pid) PredSlash(/) LBrace({) RBrace(})'],
    [
      'kprobe:a,\n  kprobe:b{}',
      'AttachPoint(kprobe:a) Comma(,) AttachPoint(kprobe:b) LBrace({) RBrace(})',
    ],
    // Inside a predicate a parenthesised `/` is a division.
    [
      'i:s:1 /($x / 2) > 1/ {}',
      'AttachPoint(i:s:1) PredSlash(/) LParen(() Variable($x) Div(/) IntLiteral(2) RParen()) Gt(>) IntLiteral(1) PredSlash(/) LBrace({) RBrace(})',
    ],
    // The same characters inside a block are ordinary tokens.
    [
      'BEGIN { t:x }',
      'AttachPoint(BEGIN) LBrace({) Identifier(t) Colon(:) Identifier(x) RBrace(})',
    ],
    [
      'BEGIN { @m[$1, $#] += $x->f.g; @ = 1; }',
      'AttachPoint(BEGIN) LBrace({) MapName(@m) LBracket([) PositionalParam($1) Comma(,) PositionalCount($#) RBracket(]) CompoundAssign(+=) Variable($x) Arrow(->) Identifier(f) Dot(.) Identifier(g) Semi(;) MapName(@) Assign(=) IntLiteral(1) Semi(;) RBrace(})',
    ],
    [
      'BEGIN { a <<= b >>= c << d >> e <= f >= g != h == i && j || k; }',
      'AttachPoint(BEGIN) LBrace({) Identifier(a) CompoundAssign(<<=) Identifier(b) CompoundAssign(>>=) Identifier(c) Shl(<<) Identifier(d) Shr(>>) Identifier(e) Le(<=) Identifier(f) Ge(>=) Identifier(g) NotEq(!=) Identifier(h) EqEq(==) Identifier(i) AndAnd(&&) Identifier(j) OrOr(||) Identifier(k) Semi(;) RBrace(})',
    ],
    [
      'BEGIN { $i++; --@x; for ($i : 0..10) {} $t.0.1 }',
      'AttachPoint(BEGIN) LBrace({) Variable($i) PlusPlus(++) Semi(;) MinusMinus(--) MapName(@x) Semi(;) For(for) LParen(() Variable($i) Colon(:) IntLiteral(0) DotDot(..) IntLiteral(10) RParen()) LBrace({) RBrace(}) Variable($t) Dot(.) IntLiteral(0) Dot(.) IntLiteral(1) RBrace(})',
    ],
    [
      'struct Foo { char buf[16]; } config = { a = 1 } macro m($a) { $a }',
      'Struct(struct) Identifier(Foo) LBrace({) Identifier(char) Identifier(buf) LBracket([) IntLiteral(16) RBracket(]) Semi(;) RBrace(}) Config(config) Assign(=) LBrace({) Identifier(a) Assign(=) IntLiteral(1) RBrace(}) Macro(macro) Identifier(m) LParen(() Variable($a) RParen()) LBrace({) Variable($a) RBrace(})',
    ],
    [
      "BEGIN { if (true) { } else { while (false) { unroll(2) { let $x = sizeof(int) + offsetof(struct a, b) + 'c'; return; } } } }",
      "AttachPoint(BEGIN) LBrace({) If(if) LParen(() True(true) RParen()) LBrace({) RBrace(}) Else(else) LBrace({) While(while) LParen(() False(false) RParen()) LBrace({) Unroll(unroll) LParen(() IntLiteral(2) RParen()) LBrace({) Let(let) Variable($x) Assign(=) Sizeof(sizeof) LParen(() Identifier(int) RParen()) Plus(+) Offsetof(offsetof) LParen(() Struct(struct) Identifier(a) Comma(,) Identifier(b) RParen()) Plus(+) CharLiteral('c') Semi(;) Return(return) Semi(;) RBrace(}) RBrace(}) RBrace(}) RBrace(})",
    ],
    // Comments anywhere, shebang on line 1, `\`-newline continues a line.
    [
      '#!/usr/bin/env bpftrace\n// c\nBEGIN /* x */ { $a = 1 + \\\n 2; // tail\n}',
      'AttachPoint(BEGIN) LBrace({) Variable($a) Assign(=) IntLiteral(1) Plus(+) IntLiteral(2) Semi(;) RBrace(})',
    ],
  ])('%j', (text, expected) => {
    expect(show(text)).toBe(expected);
  });

  it('skips a byte order mark before the shebang', () => {
    expect(show('\ufeff#!/usr/bin/bpftrace\nBEGIN {}')).toBe('AttachPoint(BEGIN) LBrace({) RBrace(})');
  });

  it('gives every token its exact source offsets', () => {
    const text = 'kprobe:f /pid/ { @x[comm] = "s\\n"; }';
    for (const t of tokenize(text).tokens) {
      expect(text.slice(t.startOffset, (t.endOffset ?? 0) + 1)).toBe(t.image);
    }
  });
});

describe('attach point extents', () => {
  it.each([
    ['uprobe:/bin/bash:readline /pid/ {}', 'uprobe:/bin/bash:readline'],
    ['uprobe:/bin/bash:readline{}', 'uprobe:/bin/bash:readline'],
    ['u:./a.out:fib/pid/{}', 'u:./a.out:fib'],
    ['uprobe:~/bin/x:f {}', 'uprobe:~/bin/x:f'],
    ['uprobe:"/path with space/x":"func" {}', 'uprobe:"/path with space/x":"func"'],
    ['kprobe:do_sys_open+10,kprobe:x{}', 'kprobe:do_sys_open+10'],
    ['software:cpu-clock:1000000{}', 'software:cpu-clock:1000000'],
    ['tracepoint:syscalls:sys_enter_[ab]*{}', 'tracepoint:syscalls:sys_enter_[ab]*'],
    ['*:foo* {}', '*:foo*'],
    ['kprobe:$1 {}', 'kprobe:$1'],
  ])('%j', (text, ap) => {
    expect(tokenize(text).tokens[0]!.image).toBe(ap);
  });
});

describe('integer literals', () => {
  it.each([
    ['0', 0n, ''],
    ['42', 42n, ''],
    ['0x1F', 31n, ''],
    ['0X1f', 31n, ''],
    ['0o17', 15n, ''],
    ['017', 15n, ''],
    ['0b101', 5n, ''],
    ['1_000_000', 1000000n, ''],
    ['1e6', 1000000n, ''],
    ['5e0', 5n, ''],
    ['10u', 10n, 'u'],
    ['10UL', 10n, 'UL'],
    ['10ll', 10n, 'll'],
    ['0x1Full', 31n, 'ull'],
    ['18446744073709551615', 18446744073709551615n, ''],
    ['0xffffffffffffffff', 18446744073709551615n, ''],
    ['1e19', 10000000000000000000n, ''],
  ])('%s = %s', (text, value, suffix) => {
    expect(parseIntLiteral(text)).toEqual({ ok: true, value, suffix });
  });

  it.each([
    ['18446744073709551616', 'range'],
    ['0x10000000000000000', 'range'],
    ['1e20', 'range'],
    ['1e999999999', 'range'],
    ['9'.repeat(5000), 'range'],
    ['08', 'invalid'],
    ['0x', 'invalid'],
    ['12abc', 'invalid'],
    ['1_', 'invalid'],
    ['10uu', 'invalid'],
    ['0b102', 'invalid'],
  ])('%s is %s', (text, problem) => {
    expect(parseIntLiteral(text)).toEqual({ ok: false, problem });
  });

  it('carries value and suffix on the token', () => {
    const [t] = tokenize('BEGIN { 0x10ul }').tokens.filter((x) => x.tokenType.name === 'IntLiteral');
    expect(t!.payload as IntPayload).toEqual({ value: 16n, suffix: 'ul' });
  });
});

describe('string escapes', () => {
  it.each([
    ['plain %d', 'plain %d'],
    ['a\\nb\\tc\\rd', 'a\nb\tc\rd'],
    ['q\\"q\\\'q\\\\', 'q"q\'q\\'],
    ['\\0\\a\\b\\f\\v\\e', '\0\x07\b\f\v\x1b'],
    ['\\x41\\x4a2', 'AJ2'],
    ['\\101\\0101', 'A\x081'],
    ['中文 ok', '中文 ok'],
  ])('%j', (body, value) => {
    expect(decodeEscapes(body)).toEqual({ value, bad: [] });
  });

  it('reports an unknown escape and keeps it', () => {
    expect(decodeEscapes('a\\qb')).toEqual({ value: 'a\\qb', bad: [{ offset: 1, length: 2, text: '\\q' }] });
  });

  it('puts the decoded value on the token', () => {
    const t = tokenize('BEGIN { "x\\ty" }').tokens.find((x) => x.tokenType.name === 'StringLiteral')!;
    expect(t.payload).toBe('x\ty');
    expect(t.image).toBe('"x\\ty"');
  });

  it('turns char literals into integers', () => {
    const codes = tokenize("BEGIN { 'a' + '\\n' + '\\x41' }")
      .tokens.filter((x) => x.tokenType.name === 'CharLiteral')
      .map((t) => (t.payload as IntPayload).value);
    expect(codes).toEqual([97n, 10n, 65n]);
  });
});

describe('preprocessor', () => {
  it('records #include and #define and expands defines with the use-site span', () => {
    const text = '#include <linux/sched.h>\n#include "my.h"\n#define N (2 + 3)\nBEGIN { $x = N; }';
    const r = tokenize(text);
    expect(r.includes.map((i) => [i.text, text.slice(i.span.start, i.span.end)])).toEqual([
      ['<linux/sched.h>', '#include <linux/sched.h>'],
      ['"my.h"', '#include "my.h"'],
    ]);
    expect(r.defines.map((d) => [d.name, d.value])).toEqual([['N', '(2 + 3)']]);
    const use = text.indexOf('N;');
    const expanded = r.tokens.slice(4, 9);
    expect(expanded.map((t) => t.image)).toEqual(['(', '2', '+', '3', ')']);
    for (const t of expanded) expect([t.startOffset, t.endOffset]).toEqual([use, use]);
  });

  it('expands macros that use later macros, and stops at self reference', () => {
    expect(show('#define A B + 1\n#define B 7\n#define S S\nBEGIN { A; S }')).toBe(
      'AttachPoint(BEGIN) LBrace({) IntLiteral(7) Plus(+) IntLiteral(1) Semi(;) Identifier(S) RBrace(})',
    );
  });

  it('evaluates conditionals; BPFTRACE_HAVE_BTF is defined', () => {
    const text = [
      '#ifndef BPFTRACE_HAVE_BTF',
      '#include <linux/socket.h>',
      '#else',
      '#include <sys/socket.h>',
      '#endif',
      '#if 0',
      '  garbage that is never lexed "',
      '#elif defined(BPFTRACE_HAVE_BTF) && 2 > 1',
      '#define X 1',
      '#else',
      '#define X 2',
      '#endif',
      '#ifdef NOPE',
      '#if 1',
      '#define Y 1',
      '#endif',
      '#endif',
      'BEGIN { X }',
    ].join('\n');
    const diags = new Diagnostics();
    const r = tokenize(text, diags);
    expect(diags.items).toEqual([]);
    expect(r.includes.map((i) => i.text)).toEqual(['<sys/socket.h>']);
    expect(r.defines.map((d) => `${d.name}=${d.value}`)).toEqual(['X=1']);
  });

  it('takes predefined macros from the options', () => {
    const r = tokenize('#ifdef BPFTRACE_HAVE_BTF\n#define Z 1\n#endif\nBEGIN{}', new Diagnostics(), { predefined: {} });
    expect(r.defines).toEqual([]);
  });

  it.each([
    ['1', 1n],
    ['0 || 2', 1n],
    ['(1 + 2) * 3 == 9', 1n],
    ['!defined(FOO)', 1n],
    ['defined FOO', 0n],
    ['BAR > 5 ? 10 : 20', 10n],
    ['UNKNOWN', 0n],
    ['0x10 >> 2', 4n],
  ])('#if %s', (cond, value) => {
    expect(evalCondition(cond, (n) => (n === 'BAR' ? '6' : undefined))).toBe(value);
  });

  it.each([
    ['1 +', 'unexpected end of condition'],
    ['(1', "missing ')'"],
    ['1 / 0', 'division by zero'],
    ['', 'empty condition'],
  ])('#if %j fails: %s', (cond, message) => {
    expect(evalCondition(cond, () => undefined)).toBe(message);
  });
});

describe('lexical diagnostics', () => {
  it.each([
    [
      'BEGIN { "abc }',
      't.bt:1:9-15: ERROR: unterminated string literal\nBEGIN { "abc }\n        ~~~~~~\n',
    ],
    ['BEGIN /* x', 't.bt:1:7-9: ERROR: unterminated comment\nBEGIN /* x\n      ~~\n'],
    [
      'BEGIN { $x = 99999999999999999999; }',
      't.bt:1:14-34: ERROR: integer literal out of range: 99999999999999999999\nBEGIN { $x = 99999999999999999999; }\n             ~~~~~~~~~~~~~~~~~~~~\nHINT: integers are at most 64 bits\n',
    ],
    [
      'BEGIN { $x = 1.5; }',
      't.bt:1:14-17: ERROR: invalid integer literal 1.5\nBEGIN { $x = 1.5; }\n             ~~~\nHINT: floating point numbers are not supported\n',
    ],
    [
      'BEGIN { printf("\\q"); }',
      't.bt:1:17-19: ERROR: invalid escape sequence \\q in string\nBEGIN { printf("\\q"); }\n                ~~\n',
    ],
    ['BEGIN { # }', "t.bt:1:9-10: ERROR: unexpected character '#'\nBEGIN { # }\n        ~\n"],
    ['BEGIN { $x = `\x01`; }', "t.bt:1:14-17: ERROR: unexpected character '`'\nBEGIN { $x = `\x01`; }\n             ~~~\n"],
    ['BEGIN { \ufffd }', 't.bt:1:9-10: ERROR: the script is not valid UTF-8 text\nBEGIN { \ufffd }\n        ~\n'],
    [
      "BEGIN { 'ab' }",
      "t.bt:1:9-13: ERROR: invalid character literal 'ab'\nBEGIN { 'ab' }\n        ~~~~\nHINT: a character literal holds exactly one character, e.g. 'a' or '\\n'\n",
    ],
    [
      'uprobe:"/bin/x:f {}',
      't.bt:1:1-20: ERROR: invalid attach point uprobe:"/bin/x:f {}\nuprobe:"/bin/x:f {}\n~~~~~~~~~~~~~~~~~~~\nHINT: a quoted part needs its closing "\n',
    ],
    ['#pragma once\nBEGIN {}', 't.bt:1:1-13: ERROR: unknown preprocessor directive #pragma\n#pragma once\n~~~~~~~~~~~~\n'],
    [
      '#define F(x) x\nBEGIN {}',
      't.bt:1:1-15: ERROR: function-like macro F is not supported\n#define F(x) x\n~~~~~~~~~~~~~~\nHINT: only object-like macros are expanded: #define NAME text\n',
    ],
    ['#endif\nBEGIN {}', 't.bt:1:1-7: ERROR: preprocessor conditional: #endif without #if\n#endif\n~~~~~~\n'],
    [
      '#ifdef X\nBEGIN {}',
      't.bt:1:1-9: ERROR: preprocessor conditional: unterminated conditional (missing #endif)\n#ifdef X\n~~~~~~~~\n',
    ],
    [
      '#define BAD 1.5\nBEGIN { BAD }',
      't.bt:1:13-16: ERROR: invalid integer literal 1.5\n#define BAD 1.5\n            ~~~\nHINT: floating point numbers are not supported\n',
    ],
    ['BEGIN { $0 }', 't.bt:1:9-11: ERROR: syntax error: positional parameters start at $1\nBEGIN { $0 }\n        ~~\n'],
  ])('%j', (text, rendered) => {
    expect(lexErrors(text)).toBe(rendered);
  });

  it('says nothing about a #define that is never used', () => {
    expect(lexErrors('#define ONLY_FOR_C 1.5 # x\nBEGIN {}')).toBe('');
  });

  it('reports a run of bad characters once', () => {
    const diags = new Diagnostics();
    tokenize('BEGIN { \\\\\\` }', diags);
    expect(diags.items.map((d) => [d.code, d.span])).toEqual([['P001', { start: 8, end: 12 }]]);
  });

  it('stops at MAX_NESTING with P010 on the paren that goes too deep', () => {
    const diags = new Diagnostics();
    const text = 'BEGIN { $x = ' + '('.repeat(10_000) + '1' + ')'.repeat(10_000) + '; }';
    const r = tokenize(text, diags);
    expect(r.tooDeep).toBe(true);
    expect(diags.items.map((d) => d.code)).toEqual(['P010']);
    const at = diags.items[0]!.span!;
    expect(text.slice(at.start, at.end)).toBe('(');
    // 600 budget, 2 for the probe's brace, 11 per parenthesis: the 54th still fits.
    expect(at.start - text.indexOf('(')).toBe(54);
  });
});
