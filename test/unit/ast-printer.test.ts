// printAst (the `--emit ast` format) and the traversal helpers of src/ast/walk.ts.

import { describe, expect, it } from 'vitest';
import type { Node, Program } from '../../src/ast/nodes.js';
import { printAst, typeText } from '../../src/ast/printer.js';
import { childrenOf, isExpr, walk, walkExprs } from '../../src/ast/walk.js';
import { Diagnostics } from '../../src/diagnostics/diagnostic.js';
import { parse } from '../../src/parser/parse.js';
import { SourceFile } from '../../src/source.js';

function program(text: string): Program {
  const diags = new Diagnostics();
  const p = parse(new SourceFile('t.bt', text), diags);
  expect(diags.items).toEqual([]);
  return p!;
}

const SCRIPT = 'kprobe:f /pid > 1/ { @m[comm] = count(); $t = (1, "a"); print($t.1); }';

describe('printAst', () => {
  it('prints an indented tree without spans by default', () => {
    expect(printAst(program(SCRIPT))).toBe(
      [
        'Program',
        '  Probe',
        '    AttachPoint kprobe:f -> kprobe ["f"]',
        '    pred: Binary >',
        '      Ident pid',
        '      IntLit 1',
        '    Block',
        '      Assign =',
        '        MapRef @m',
        '          Ident comm',
        '        Call count',
        '      Assign =',
        '        VarRef $t',
        '        Tuple',
        '          IntLit 1',
        '          StrLit "a"',
        '      ExprStmt',
        '        Call print',
        '          TupleIndex .1',
        '            VarRef $t',
        '',
      ].join('\n'),
    );
  });

  it('adds half-open spans on request', () => {
    const lines = printAst(program('BEGIN { $x = 1; }'), { spans: true }).split('\n');
    expect(lines).toEqual([
      'Program @0-17',
      '  Probe @0-17',
      '    AttachPoint BEGIN -> BEGIN [] @0-5',
      '    Block @6-17',
      '      Assign = @8-14',
      '        VarRef $x @8-10',
      '        IntLit 1 @13-14',
      '',
    ]);
  });

  it('is deterministic', () => {
    expect(printAst(program(SCRIPT))).toBe(printAst(program(SCRIPT)));
  });

  it.each([
    ['(struct task_struct **)0', 'struct task_struct **'],
    ['(char[16])0', 'char[16]'],
    ['(unsigned  int)0', 'unsigned int'],
    ['(uint8)0', 'uint8'],
  ])('typeText of %s', (cast, text) => {
    const stmt = program(`BEGIN { $x = ${cast}; }`).probes[0]!.body.stmts[0]!;
    if (stmt.kind !== 'AssignStmt' || stmt.value.kind !== 'Cast') throw new Error('expected a cast');
    expect(typeText(stmt.value.type)).toBe(text);
  });
});

describe('walk', () => {
  const p = program(SCRIPT);

  it('lists children in source order', () => {
    const probe = p.probes[0]!;
    expect(childrenOf(probe).map((n) => n.kind)).toEqual(['AttachPoint', 'Binary', 'Block']);
    const assign = probe.body.stmts[0]!;
    expect(childrenOf(assign).map((n) => n.kind)).toEqual(['MapRef', 'Call']);
  });

  it('visits every node in pre-order with its parent', () => {
    const seen: string[] = [];
    walk(p, (n: Node, parent: Node | null) => {
      seen.push(`${parent?.kind ?? '-'}>${n.kind}`);
    });
    expect(seen).toEqual([
      '->Program',
      'Program>Probe',
      'Probe>AttachPoint',
      'Probe>Binary',
      'Binary>Ident',
      'Binary>IntLit',
      'Probe>Block',
      'Block>AssignStmt',
      'AssignStmt>MapRef',
      'MapRef>Ident',
      'AssignStmt>Call',
      'Block>AssignStmt',
      'AssignStmt>VarRef',
      'AssignStmt>TupleLit',
      'TupleLit>IntLit',
      'TupleLit>StrLit',
      'Block>ExprStmt',
      'ExprStmt>Call',
      'Call>TupleIndex',
      'TupleIndex>VarRef',
    ]);
  });

  it('skips children when the visitor returns false', () => {
    const kinds: string[] = [];
    walk(p, (n) => {
      kinds.push(n.kind);
      return n.kind !== 'Block';
    });
    expect(kinds).toEqual(['Program', 'Probe', 'AttachPoint', 'Binary', 'Ident', 'IntLit', 'Block']);
  });

  it('walkExprs visits only expressions', () => {
    const names: string[] = [];
    walkExprs(p, (e) => names.push(e.kind));
    expect(names).toEqual([
      'Binary', 'Ident', 'IntLit', 'MapRef', 'Ident', 'Call', 'VarRef', 'TupleLit', 'IntLit', 'StrLit', 'Call',
      'TupleIndex', 'VarRef',
    ]);
    expect(isExpr(p.probes[0]!.body)).toBe(false);
  });

  function chain(depth: number): Node {
    let e: Node = { kind: 'IntLit', span: { start: 0, end: 1 }, value: 1n, suffix: '' };
    for (let i = 0; i < depth; i++) e = { kind: 'Unary', span: { start: 0, end: 1 }, op: '-', operand: e as never };
    return e;
  }

  it('does not recurse: a 100k-deep chain is walked', () => {
    let count = 0;
    walk(chain(100_000), () => {
      count++;
    });
    expect(count).toBe(100_001);
  });

  it('prints deep trees without recursion', () => {
    const lines = printAst(chain(20_000)).split('\n');
    expect(lines).toHaveLength(20_002);
    expect(lines[20_000]).toBe('  '.repeat(20_000) + 'IntLit 1');
  });
});
