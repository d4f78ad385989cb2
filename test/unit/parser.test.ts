// parse(): AST shapes for every construct, precedence, attach points, spans, syntax
// diagnostics as rendered for the user, robustness on hostile input, and real-world
// scripts (the seed documents' one-liners and bpftrace's own tools).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Expr, Node, Program, Stmt } from '../../src/ast/nodes.js';
import { printNode } from '../../src/ast/printer.js';
import { walk } from '../../src/ast/walk.js';
import { Diagnostics } from '../../src/diagnostics/diagnostic.js';
import { renderText } from '../../src/diagnostics/render.js';
import { BpfCstParser } from '../../src/parser/grammar.js';
import { MAX_AST_DEPTH, parse } from '../../src/parser/parse.js';
import { SourceFile } from '../../src/source.js';

function parseText(text: string): { program: Program | null; diags: Diagnostics; src: SourceFile } {
  const src = new SourceFile('t.bt', text);
  const diags = new Diagnostics();
  return { program: parse(src, diags), diags, src };
}

/** Parse, insisting on no diagnostics. */
function ok(text: string): Program {
  const { program, diags, src } = parseText(text);
  expect(diags.items.map((d) => renderText(d, src)).join('')).toBe('');
  expect(program).not.toBeNull();
  return program!;
}

/** The statements of `BEGIN { <body> }`, printed. */
function stmts(body: string): string {
  const p = ok(`BEGIN { ${body} }`);
  return p.probes[0]!.body.stmts.map((s: Stmt) => printNode(s)).join('');
}

/** Compact prefix form of an expression, for precedence tables. */
function sx(e: Expr): string {
  switch (e.kind) {
    case 'IntLit': return String(e.value);
    case 'StrLit': return JSON.stringify(e.value);
    case 'BoolLit': return String(e.value);
    case 'PositionalParam': return `$${e.index}`;
    case 'PositionalCount': return '$#';
    case 'Ident': return e.name;
    case 'VarRef': return e.name;
    case 'MapRef': return e.bracketed ? `${e.name}[${e.keys.map(sx).join(', ')}]` : e.name;
    case 'Call': return `${e.name}(${e.args.map(sx).join(', ')})`;
    case 'Binary': return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'Unary': return `(${e.op} ${sx(e.operand)})`;
    case 'Update': return e.prefix ? `(${e.op}pre ${sx(e.target)})` : `(${e.op}post ${sx(e.target)})`;
    case 'Ternary': return `(? ${sx(e.cond)} ${sx(e.then)} ${sx(e.else)})`;
    case 'Cast': return `(cast ${e.type.name}${'*'.repeat(e.type.pointerDepth)} ${sx(e.expr)})`;
    case 'FieldAccess': return `(${e.arrow ? '->' : '.'} ${sx(e.expr)} ${e.field})`;
    case 'Index': return `(index ${sx(e.expr)} ${sx(e.index)})`;
    case 'TupleLit': return `(tuple ${e.elems.map(sx).join(' ')})`;
    case 'TupleIndex': return `(.${e.index} ${sx(e.expr)})`;
    case 'Sizeof': return `(sizeof ${e.arg.kind === 'TypeName' ? e.arg.name : sx(e.arg)})`;
    case 'Offsetof': return `(offsetof ${e.type.name} ${e.field.join('.')})`;
  }
}

function exprOf(text: string): Expr {
  const s = ok(`BEGIN { $r = ${text}; }`).probes[0]!.body.stmts[0]!;
  if (s.kind !== 'AssignStmt') throw new Error('not an assignment');
  return s.value;
}

describe('grammar', () => {
  it("passes chevrotain's grammar validations (skipped at run time for speed)", () => {
    expect(() => new BpfCstParser({ validate: true })).not.toThrow();
  });
});

describe('precedence and associativity', () => {
  it.each([
    ['1 + 2 * 3', '(+ 1 (* 2 3))'],
    ['1 * 2 + 3', '(+ (* 1 2) 3)'],
    ['1 - 2 - 3', '(- (- 1 2) 3)'],
    ['a || b && c', '(|| a (&& b c))'],
    ['a && b || c', '(|| (&& a b) c)'],
    ['a | b ^ c & d', '(| a (^ b (& c d)))'],
    ['a == b < c', '(== a (< b c))'],
    ['a < b << c', '(< a (<< b c))'],
    ['a << b + c', '(<< a (+ b c))'],
    ['a & b == c', '(& a (== b c))'],
    ['-x * y', '(* (- x) y)'],
    ['!a && ~b', '(&& (! a) (~ b))'],
    ['- - x', '(- (- x))'],
    ['*$p + 1', '(+ (* $p) 1)'],
    ['a ? b : c', '(? a b c)'],
    ['a ? b : c ? d : e', '(? a b (? c d e))'],
    ['a ? b ? c : d : e', '(? a (? b c d) e)'],
    ['a || b ? c + 1 : d', '(? (|| a b) (+ c 1) d)'],
    ['(uint8)$x + 1', '(+ (cast uint8 $x) 1)'],
    ['(uint8)($x + 1)', '(cast uint8 (+ $x 1))'],
    ['(struct task_struct *)curtask->mm', '(cast struct task_struct* (-> curtask mm))'],
    ['((struct task_struct *)curtask)->mm', '(-> (cast struct task_struct* curtask) mm)'],
    ['(unsigned long long)$x', '(cast unsigned long long $x)'],
    ['(my_t *)arg0', '(cast my_t* arg0)'],
    ['(x) * 2', '(* x 2)'],
    ['(pid)', 'pid'],
    ['-(int64)$x', '(- (cast int64 $x))'],
    ['(int8)-1', '(cast int8 (- 1))'],
    ['(a, b)', '(tuple a b)'],
    ['((a, b), c)', '(tuple (tuple a b) c)'],
    ['$t.0.1', '(.1 (.0 $t))'],
    ['args->argv[1]', '(index (-> args argv) 1)'],
    ['args.filename', '(. args filename)'],
    ['@m[1][2]', '(index @m[1] 2)'],
    ['@m[a, b]', '@m[a, b]'],
    ['@m[(a, b)]', '@m[(tuple a b)]'],
    ['@[k]', '@[k]'],
    ['@', '@'],
    ['@m[]', '@m[]'],
    ['str(args->filename, 16)', 'str((-> args filename), 16)'],
    ['pid()', 'pid()'],
    ['$1 + $#', '(+ $1 $#)'],
    ['true || false', '(|| true false)'],
    ["'a' + 1", '(+ 97 1)'],
    ['sizeof(struct sock) + sizeof($x)', '(+ (sizeof struct sock) (sizeof $x))'],
    ['sizeof(uint64)', '(sizeof uint64)'],
    ['offsetof(struct sock, __sk_common.skc_family)', '(offsetof struct sock __sk_common.skc_family)'],
    ['attr->config', '(-> attr config)'],
    ['$x++ + 1', '(+ (++post $x) 1)'],
    ['++@x', '(++pre @x)'],
    ['1 - -1', '(- 1 (- 1))'],
    ['a % b / c', '(/ (% a b) c)'],
  ])('%s', (text, expected) => {
    expect(sx(exprOf(text))).toBe(expected);
  });
});

describe('statements', () => {
  it.each([
    ['printf("%d\\n", pid);', 'ExprStmt\n  Call printf\n    StrLit "%d\\n"\n    Ident pid\n'],
    ['exit()', 'ExprStmt\n  Call exit\n'],
    ['delete(@m[k]);', 'ExprStmt\n  Call delete\n    MapRef @m\n      Ident k\n'],
    ['@m[k] = count();', 'Assign =\n  MapRef @m\n    Ident k\n  Call count\n'],
    ['$x = 1;', 'Assign =\n  VarRef $x\n  IntLit 1\n'],
    ...(['+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>='].map((op) => [
      `$x ${op} 2;`,
      `Assign ${op}\n  VarRef $x\n  IntLit 2\n`,
    ]) as [string, string][]),
    ['@x++;', 'ExprStmt\n  Update ++ postfix\n    MapRef @x\n'],
    ['$x--;', 'ExprStmt\n  Update -- postfix\n    VarRef $x\n'],
    ['--@x', 'ExprStmt\n  Update -- prefix\n    MapRef @x\n'],
    [
      'if (a) { x(); } else if (b) { y(); } else { z(); }',
      'If\n  cond: Ident a\n  then: Block\n    ExprStmt\n      Call x\n  else: If\n    cond: Ident b\n    then: Block\n      ExprStmt\n        Call y\n    else: Block\n      ExprStmt\n        Call z\n',
    ],
    ['if (a) { } $y = 1;', 'If\n  cond: Ident a\n  then: Block\nAssign =\n  VarRef $y\n  IntLit 1\n'],
    ['while ($i < 3) { $i++; }', 'While\n  cond: Binary <\n    VarRef $i\n    IntLit 3\n  Block\n    ExprStmt\n      Update ++ postfix\n        VarRef $i\n'],
    ['unroll (4) { @x = 1 }', 'Unroll\n  count: IntLit 4\n  Block\n    Assign =\n      MapRef @x\n      IntLit 1\n'],
    ['unroll ($1) { }', 'Unroll\n  count: PositionalParam $1\n  Block\n'],
    ['for ($kv : @map) { print($kv.0); }', 'For\n  VarRef $kv\n  MapRef @map\n  Block\n    ExprStmt\n      Call print\n        TupleIndex .0\n          VarRef $kv\n'],
    ['for ($i : 0..10) { continue; }', 'For\n  VarRef $i\n  Range\n    IntLit 0\n    IntLit 10\n  Block\n    Continue\n'],
    ['for ($i : 1..$n) { break }', 'For\n  VarRef $i\n  Range\n    IntLit 1\n    VarRef $n\n  Block\n    Break\n'],
    ['return;', 'Return\n'],
    ['return $x + 1;', 'Return\n  Binary +\n    VarRef $x\n    IntLit 1\n'],
    ['let $x;', 'Let $x\n'],
    ['let $x = 1;', 'Let $x\n  IntLit 1\n'],
    ['let $x: uint8 = 1;', 'Let $x\n  Type uint8\n  IntLit 1\n'],
    ['let $s: struct foo *;', 'Let $s\n  Type struct foo *\n'],
    ['let $b: char[16];', 'Let $b\n  Type char[16]\n'],
    ['{ $x = 1; { $y = 2 } }', 'Block\n  Assign =\n    VarRef $x\n    IntLit 1\n  Block\n    Assign =\n      VarRef $y\n      IntLit 2\n'],
    [';; $x = 1;;', 'Assign =\n  VarRef $x\n  IntLit 1\n'],
    ['$x = 0x10 + 017 + 0b11 + 1_000 + 1e3 + 5ul;', 'Assign =\n  VarRef $x\n  Binary +\n    Binary +\n      Binary +\n        Binary +\n          Binary +\n            IntLit 16\n            IntLit 15\n          IntLit 3\n        IntLit 1000\n      IntLit 1000\n    IntLit 5 ul\n'],
    ['$s = "a\\tb\\x41\\101";', 'Assign =\n  VarRef $s\n  StrLit "a\\tbAA"\n'],
  ])('%s', (body, expected) => {
    expect(stmts(body)).toBe(expected);
  });
});

describe('top level', () => {
  it('parses includes, defines, structs, config, macros and probes in any order', () => {
    const p = ok(
      [
        '#!/usr/bin/env bpftrace',
        '#include <linux/sched.h>',
        'config = { max_map_keys = 100; stack_mode = perf; print_maps_on_exit = false; str = "x" }',
        '#define LIMIT 10',
        'struct Foo { int a; char buf[16]; struct Foo *next; unsigned long long big; const char *name; };',
        'union U { u32 x; u64 y; }',
        'macro inc($a, @b, c) { $a + 1 }',
        'BEGIN { @x = LIMIT; }',
        'END, begin, end { }',
      ].join('\n'),
    );
    expect(printNode(p)).toBe(
      [
        'Program',
        '  Include <linux/sched.h>',
        '  Define LIMIT "10"',
        '  Struct Foo',
        '    Field a: int',
        '    Field buf: char[16]',
        '    Field next: struct Foo *',
        '    Field big: unsigned long long',
        '    Field name: char *',
        '  Union U',
        '    Field x: u32',
        '    Field y: u64',
        '  Config max_map_keys',
        '    IntLit 100',
        '  Config stack_mode',
        '    Ident perf',
        '  Config print_maps_on_exit',
        '    BoolLit false',
        '  Config str',
        '    StrLit "x"',
        '  Macro inc($a, @b, c)',
        '    Block',
        '      ExprStmt',
        '        Binary +',
        '          VarRef $a',
        '          IntLit 1',
        '  Probe',
        '    AttachPoint BEGIN -> BEGIN []',
        '    Block',
        '      Assign =',
        '        MapRef @x',
        '        IntLit 10',
        '  Probe',
        '    AttachPoint END -> END []',
        '    AttachPoint begin -> begin []',
        '    AttachPoint end -> end []',
        '    Block',
        '',
      ].join('\n'),
    );
  });

  it('keeps the predicate', () => {
    const p = ok('kprobe:vfs_read /pid == 1 && comm == "bash"/ { }');
    expect(sx(p.probes[0]!.predicate!)).toBe('(&& (== pid 1) (== comm "bash"))');
  });
});

describe('attach points', () => {
  it.each([
    ['tracepoint:syscalls:sys_enter_openat', 'tracepoint', ['syscalls', 'sys_enter_openat']],
    ['t:syscalls:sys_enter_*', 't', ['syscalls', 'sys_enter_*']],
    ['uprobe:/bin/bash:readline', 'uprobe', ['/bin/bash', 'readline']],
    ['uretprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:malloc', 'uretprobe', ['/usr/lib/x86_64-linux-gnu/libc.so.6', 'malloc']],
    ['uprobe:libc:malloc', 'uprobe', ['libc', 'malloc']],
    ['u:./a.out:fib', 'u', ['./a.out', 'fib']],
    ['usdt:/path/bin:provider:probe', 'usdt', ['/path/bin', 'provider', 'probe']],
    ['interval:s:1', 'interval', ['s', '1']],
    ['i:ms:100', 'i', ['ms', '100']],
    ['profile:hz:99', 'profile', ['hz', '99']],
    ['software:cpu-clock:1000000', 'software', ['cpu-clock', '1000000']],
    ['kprobe:do_sys_open+10', 'kprobe', ['do_sys_open+10']],
    ['uprobe:/bin/x:0x1234', 'uprobe', ['/bin/x', '0x1234']],
    ['kfunc:vmlinux:vfs_read', 'kfunc', ['vmlinux', 'vfs_read']],
    ['rawtracepoint:sched_switch', 'rawtracepoint', ['sched_switch']],
    ['watchpoint:0x1234:8:rw', 'watchpoint', ['0x1234', '8', 'rw']],
    ['uprobe:"/path with space/x":"func"', 'uprobe', ['/path with space/x', 'func']],
    ['uprobe:/bin/x:cpp:"ns::f"', 'uprobe', ['/bin/x', 'cpp', 'ns::f']],
    ['kprobe:$1', 'kprobe', ['$1']],
    ['BEGIN', 'BEGIN', []],
    ['END', 'END', []],
    ['begin', 'begin', []],
    ['iter:task', 'iter', ['task']],
    ['uprobe:/bin/bash:*', 'uprobe', ['/bin/bash', '*']],
    ['tracepoint:*:*', 'tracepoint', ['*', '*']],
    ['kprobe:vfs_*', 'kprobe', ['vfs_*']],
    ['usdt:/bin/x:*', 'usdt', ['/bin/x', '*']],
    ['*:foo*', '*', ['foo*']],
  ])('%s', (text, provider, parts) => {
    for (const tail of [' { }', '{}', ' /pid == 1/ { }', '/pid/{}', ',\n  BEGIN {}']) {
      const ap = ok(text + tail).probes[0]!.attachPoints[0]!;
      expect({ text: ap.text, provider: ap.provider, parts: ap.parts }).toEqual({ text, provider, parts });
    }
  });
});

describe('spans', () => {
  const text = 'kprobe:f /pid > 1/ {\n  $x = (uint8)args->count + ($y * 2);\n  @m[comm, 1] = count();\n}';
  const p = ok(text);
  const slices: [string, string][] = [];
  walk(p, (n: Node) => {
    if (n.kind !== 'Program') slices.push([n.kind, text.slice(n.span.start, n.span.end)]);
  });

  it.each([
    ['Probe', text],
    ['AttachPoint', 'kprobe:f'],
    ['Binary', 'pid > 1'],
    ['Block', '{\n  $x = (uint8)args->count + ($y * 2);\n  @m[comm, 1] = count();\n}'],
    ['AssignStmt', '$x = (uint8)args->count + ($y * 2)'],
    ['Binary', '(uint8)args->count + ($y * 2)'],
    ['Cast', '(uint8)args->count'],
    ['FieldAccess', 'args->count'],
    ['Binary', '($y * 2)'],
    ['MapRef', '@m[comm, 1]'],
    ['Call', 'count()'],
  ])('%s covers %j', (kind, slice) => {
    expect(slices).toContainEqual([kind, slice]);
  });

  it('gives calls a nameSpan and fields a fieldSpan', () => {
    walk(p, (n) => {
      if (n.kind === 'Call') expect(text.slice(n.nameSpan.start, n.nameSpan.end)).toBe(n.name);
      if (n.kind === 'FieldAccess') expect(text.slice(n.fieldSpan.start, n.fieldSpan.end)).toBe(n.field);
    });
  });
});

describe('syntax diagnostics', () => {
  function rendered(text: string): string {
    const { diags, src } = parseText(text);
    return diags.items.map((d) => renderText(d, src)).join('');
  }

  it.each([
    [
      'BEGIN { printf("hi") $x = 1; }',
      "t.bt:1:22-24: ERROR: syntax error: unexpected '$x', expecting ';'\nBEGIN { printf(\"hi\") $x = 1; }\n                     ~~\n",
    ],
    [
      'BEGIN { $x = ; }',
      "t.bt:1:14-15: ERROR: syntax error: unexpected ';', expecting an expression\nBEGIN { $x = ; }\n             ~\n",
    ],
    [
      'BEGIN { if $x { } }',
      // One error per line: the missing ')' that follows is an echo of the first.
      "t.bt:1:12-14: ERROR: syntax error: unexpected '$x', expecting '('\nBEGIN { if $x { } }\n           ~~\n",
    ],
    [
      'BEGIN { printf("hello\\n"); ',
      // At the end of input the error points just after the last token.
      't.bt:1:27-28: ERROR: syntax error: unexpected end of file, expecting \'}\'\nBEGIN { printf("hello\\n"); \n                          ~\n',
    ],
    [
      'BEGIN {} }',
      "t.bt:1:10-11: ERROR: syntax error: unexpected '}'\nBEGIN {} }\n         ~\n",
    ],
    [
      'kprobe:f /pid { }',
      "t.bt:1:15-16: ERROR: syntax error: unexpected '{', expecting '/'\nkprobe:f /pid { }\n              ~\n",
    ],
    [
      'kprobe:f, { }',
      "t.bt:1:11-12: ERROR: syntax error: unexpected '{', expecting an attach point\nkprobe:f, { }\n          ~\n",
    ],
    [
      'BEGIN { if (1) { } else @b = 2; }',
      "t.bt:1:25-27: ERROR: syntax error: unexpected '@b', expecting 'if' or '{'\nBEGIN { if (1) { } else @b = 2; }\n                        ~~\n",
    ],
    [
      'BEGIN { printf("a" "b"); }',
      // Adjacent strings are not concatenated.
      "t.bt:1:20-23: ERROR: syntax error: unexpected '\"b\"', expecting ')'\nBEGIN { printf(\"a\" \"b\"); }\n                   ~~~\n",
    ],
    [
      'BEGIN { $a.b = 1; f()++; }',
      't.bt:1:9-13: ERROR: cannot assign to a field\nBEGIN { $a.b = 1; f()++; }\n        ~~~~\n' +
        't.bt:1:19-22: ERROR: cannot assign to a function call\nBEGIN { $a.b = 1; f()++; }\n                  ~~~\n',
    ],
    [
      'BEGIN { for ($x : $y) {} }',
      't.bt:1:19-21: ERROR: syntax error: a for loop iterates over a map or a range, e.g. for ($kv : @m) or for ($i : 0..10)\nBEGIN { for ($x : $y) {} }\n                  ~~\n',
    ],
    ['', 't.bt: ERROR: empty program\nHINT: a program needs at least one probe, e.g. BEGIN { printf("hello\\n"); }\n'],
    [
      'struct X { int a; };\n// only a struct',
      't.bt: ERROR: empty program\nHINT: a program needs at least one probe, e.g. BEGIN { printf("hello\\n"); }\n',
    ],
    ['BEGIN /* open', 't.bt:1:7-9: ERROR: unterminated comment\nBEGIN /* open\n      ~~\n'],
  ])('%j', (text, expected) => {
    expect(rendered(text)).toBe(expected);
  });

  it('reports several errors in one run and keeps the good probes', () => {
    const { program, diags } = parseText(
      'BEGIN { $x = ; $y = 2 }\nEND { @y = 1 +; }\nkprobe:f { printf("a" }\ntracepoint:a:b { $x = 5 5; @z = 1; }\n',
    );
    expect(diags.items.map((d) => [d.code, d.span!.start])).toEqual([
      ['P003', 13],
      ['P003', 38],
      ['P003', 64],
      ['P003', 90],
    ]);
    expect(program!.probes.map((p) => p.attachPoints[0]!.text)).toEqual(['BEGIN', 'END', 'kprobe:f', 'tracepoint:a:b']);
    expect(printNode(program!.probes[0]!.body)).toBe('Block\n  Assign =\n    VarRef $y\n    IntLit 2\n');
  });
});

// ---------------------------------------------------------------- robustness

/** Deterministic LCG so failures reproduce. */
function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s % n;
  };
}

const TOOL_DIRS = ['/usr/sbin', '/usr/share/bpftrace/tools'];
const TOOLS = TOOL_DIRS.filter((d) => existsSync(d)).flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.bt'))
    .map((f) => `${d}/${f}`),
);

const SAMPLE_SCRIPTS = [
  'BEGIN { printf("hello\\n"); exit(); }',
  'tracepoint:syscalls:sys_enter_openat /comm == "bash"/ { @[str(args->filename)] = count(); }',
  'kprobe:vfs_read { @start[tid] = nsecs; } kretprobe:vfs_read /@start[tid]/ { @us = hist((nsecs - @start[tid]) / 1000); delete(@start[tid]); }',
  'interval:s:1 { time("%H:%M:%S\\n"); print(@); clear(@); } END { $x = (uint8)1 ? 2 : 3; }',
  '#include <linux/sched.h>\n#define N 10\nstruct X { int a; }\nuprobe:/bin/bash:readline { $t = (1, "a"); @m[$t.0, $1] = N; for ($i : 0..10) { if ($i > 2) { break; } } }',
];

function checkResult(text: string): void {
  const src = new SourceFile('f.bt', text);
  const diags = new Diagnostics();
  const p = parse(src, diags);
  if (p === null) expect(diags.items.length).toBeGreaterThan(0);
  for (const d of diags.items) {
    if (d.span) {
      expect(d.span.start).toBeLessThanOrEqual(d.span.end);
      expect(d.span.end).toBeLessThanOrEqual(text.length);
    }
    renderText(d, src);
  }
  if (p) {
    walk(p, (n) => {
      if (!(n.span.start >= 0 && n.span.start <= n.span.end && n.span.end <= text.length)) {
        throw new Error(`bad span on ${n.kind}: ${JSON.stringify(n.span)}`);
      }
    });
    printNode(p);
  }
}

describe('robustness', () => {
  it('survives 2000 seeded mutations of real scripts', () => {
    const seeds = [...SAMPLE_SCRIPTS, ...TOOLS.slice(0, 12).map((f) => readFileSync(f, 'utf8'))];
    const r = rng(20240611);
    const ALPHABET = '{}()[]/:;,$@"\'#*\\\n \tabcXYZ019+-=<>!?.~&|^%é\u0000\ufffd';
    for (let i = 0; i < 2000; i++) {
      let s = seeds[r(seeds.length)]!;
      const edits = 1 + r(8);
      for (let k = 0; k < edits; k++) {
        const pos = r(s.length + 1);
        switch (r(5)) {
          case 0: // byte flip
            s = s.slice(0, pos) + ALPHABET[r(ALPHABET.length)] + s.slice(pos + 1);
            break;
          case 1: // truncation
            s = s.slice(0, pos);
            break;
          case 2: // insertion
            s = s.slice(0, pos) + ALPHABET[r(ALPHABET.length)] + s.slice(pos);
            break;
          case 3: // deletion
            s = s.slice(0, pos) + s.slice(pos + 1 + r(20));
            break;
          default: {
            // duplication of a random slice elsewhere
            const from = r(s.length);
            s = s.slice(0, pos) + s.slice(from, from + r(40)) + s.slice(pos);
          }
        }
      }
      try {
        checkResult(s);
      } catch (e) {
        throw new Error(`mutation ${i} failed on ${JSON.stringify(s)}: ${String(e)}`);
      }
    }
  });

  it('survives random bytes', () => {
    const r = rng(7);
    for (let i = 0; i < 50; i++) {
      const bytes = Buffer.from(Array.from({ length: 1 + r(400) }, () => r(256)));
      checkResult(bytes.toString('utf8'));
    }
  });

  it('rejects 10k nested parentheses with one P010 at the first too-deep one', () => {
    const text = 'BEGIN { $x = ' + '('.repeat(10_000) + '1' + ')'.repeat(10_000) + '; }';
    const { program, diags, src } = parseText(text);
    expect(program).toBeNull();
    expect(diags.items.map((d) => d.code)).toEqual(['P010']);
    expect(renderText(diags.items[0]!, src).split('\n')[0]).toBe('t.bt:1:68-69: ERROR: expression nested too deeply');
  });

  it('accepts 50 nested parentheses', () => {
    expect(sx(exprOf('('.repeat(50) + '1' + ')'.repeat(50)))).toBe('1');
  });

  it.each([
    ['10k unary operators', 'BEGIN { $x = ' + '!'.repeat(10_000) + '1; }'],
    ['10k chained ternaries', 'BEGIN { $x = ' + '1 ? 2 : '.repeat(10_000) + '3; }'],
    ['10k nested ternaries', 'BEGIN { $x = ' + '1 ? '.repeat(10_000) + '1' + ' : 2'.repeat(10_000) + '; }'],
    ['10k else-ifs', 'BEGIN { if (1) {} ' + 'else if (1) {} '.repeat(10_000) + '}'],
    ['10k additions', 'BEGIN { $x = 1' + ' + 1'.repeat(10_000) + '; }'],
    ['10k nested blocks', 'BEGIN { ' + '{'.repeat(10_000) + '}'.repeat(10_000) + ' }'],
  ])('turns %s into P010, not a crash', (_name, text) => {
    const { program, diags } = parseText(text);
    expect(program).toBeNull();
    expect(diags.items.map((d) => d.code)).toEqual(['P010']);
  });

  it(`keeps trees up to MAX_AST_DEPTH (${MAX_AST_DEPTH})`, () => {
    const p = ok('BEGIN { $x = 1' + ' + 1'.repeat(400) + '; }');
    expect(p.probes).toHaveLength(1);
  });

  it('parses a 1 MB script', () => {
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 1_000_000; i++) {
      const probe =
        `kprobe:func_${i} /pid != ${i}/ {\n` +
        `  @calls_${i % 50}[comm, ${i}] = count();\n` +
        `  $x = (uint64)arg0 + ${i} * 2; // comment ${i}\n` +
        `  if ($x > ${i}) { printf("%d %s\\n", $x, str(arg1)); } else { @h = hist($x); }\n}\n`;
      parts.push(probe);
      size += probe.length;
    }
    const t0 = Date.now();
    const p = ok(parts.join(''));
    expect(p.probes).toHaveLength(parts.length);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('survives 1 MB of random printable text', () => {
    const r = rng(99);
    const chars = 'abc(){}[]/:;,$@"\'0123456789+-*!=<> \n.#';
    let s = '';
    while (s.length < 1_000_000) s += chars[r(chars.length)];
    checkResult(s);
  });
});

// ---------------------------------------------------------------- real-world scripts

/** The `bpftrace -e '...'` one-liners of the seed documents (typographic quotes undone). */
function seedOneLiners(): string[] {
  const dir = '/work/shared/seeds';
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.txt'))) {
    const text = readFileSync(`${dir}/${f}`, 'utf8')
      .replace(/[\u2018\u2019]/g, "'")
      .replace(/[\u201c\u201d]/g, '"')
      .replace(/\\([_*])/g, '$1'); // markdown escapes in one of the documents
    for (const m of text.matchAll(/bpftrace\s+-e\s+'([^']*)'/g)) out.push(m[1]!);
  }
  return out;
}

/** Classic one-liners in the style of bpftrace's tutorial and reference guide. */
const CLASSIC_ONE_LINERS = [
  'kprobe:do_nanosleep { printf("PID %d sleeping...\\n", pid); }',
  'tracepoint:syscalls:sys_enter_openat { printf("%s %s\\n", comm, str(args->filename)); }',
  'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }',
  'tracepoint:syscalls:sys_exit_read /pid == 18644/ { @bytes = hist(args->ret); }',
  'kretprobe:vfs_read { @bytes = lhist(retval, 0, 2000, 200); }',
  'kprobe:vfs_read { @start[tid] = nsecs; } kretprobe:vfs_read /@start[tid]/ { @ns[comm] = hist(nsecs - @start[tid]); delete(@start[tid]); }',
  'tracepoint:sched:sched* { @[probe] = count(); } interval:s:5 { exit(); }',
  'profile:hz:99 { @[kstack] = count(); }',
  'profile:hz:99 /pid == 189/ { @[ustack(perf, 5)] = count(); }',
  'tracepoint:block:block_rq_issue { @ = hist(args->bytes); }',
  'kprobe:vfs_open { printf("open path: %s\\n", str(((struct path *)arg0)->dentry->d_name.name)); }',
  'uretprobe:/bin/bash:readline { printf("read a line: %s\\n", str(retval)); }',
  't:syscalls:sys_enter_kill /args->sig == 9/ { @[comm] = count(); }',
  'software:faults:1 { @[comm] = count(); }',
  'hardware:cache-misses:1000000 { @[comm, pid] = count(); }',
  'usdt:/usr/sbin/mysqld:mysql:query__start { @query[tid] = str(arg0); }',
  'i:ms:100 { @n++; if (@n > 10) { exit(); } }',
  'tracepoint:syscalls:sys_enter_execve { join(args->argv); }',
  'kprobe:tcp_sendmsg { @bytes[comm] = sum(arg2); } END { print(@bytes, 10); clear(@bytes); }',
  'kfunc:vfs_read { @[comm] = count(); } kretfunc:vfs_read /retval > 0/ { @bytes = stats(retval); }',
  'tracepoint:syscalls:sys_enter_open* { @[probe] = count(); }',
  'BEGIN { @x = (uint32)-1; $s = (int8)0xff; printf("%u %d %s\\n", @x, $s, "x"); exit(); }',
  'kprobe:__x64_sys_* { @[func] = count(); }',
  'uprobe:/lib/x86_64-linux-gnu/libc.so.6:malloc { @sizes = hist(arg0); @total = sum(arg0); }',
  'tracepoint:syscalls:sys_exit_* /retval < 0/ { @errors[probe, -retval] = count(); }',
  'rawtracepoint:sched_switch { @[cpu] = count(); }',
  'kprobe:ksys_write /comm == "bash" && arg2 > 1/ { printf("%s\\n", str(arg1, arg2)); }',
  'BEGIN { $i = 0; while ($i < 5) { printf("%d\\n", $i); $i++; } unroll(3) { @u++ } exit(); }',
];

describe('real-world scripts', () => {
  const oneLiners = seedOneLiners();

  it.each(CLASSIC_ONE_LINERS.map((s) => [s]))('one-liner %s', (script) => {
    expect(ok(script).probes.length).toBeGreaterThan(0);
  });

  it.runIf(existsSync('/work/shared/seeds'))('finds the seed one-liners', () => {
    expect(oneLiners.length).toBeGreaterThanOrEqual(11);
  });

  it.each(oneLiners.map((s) => [s]))('seed one-liner %j', (script) => {
    expect(ok(script).probes.length).toBeGreaterThan(0);
  });

  it.runIf(TOOLS.length > 0).each(TOOLS.map((f) => [f]))('bpftrace tool %s', (file) => {
    expect(ok(readFileSync(file, 'utf8')).probes.length).toBeGreaterThan(0);
  });
});
