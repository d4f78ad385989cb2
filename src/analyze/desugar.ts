// Desugaring: `@x++`, `$x--` (as statements) and compound assignments (`$x += e`,
// `@m[k] <<= e`) become plain assignments. New nodes carry the span of the sugar they
// replace; the input AST is never modified.

import type { AssignStmt, BinaryOp, Block, Expr, IfStmt, Stmt } from '../ast/nodes.js';

export function desugarBlock(b: Block): Block {
  return { ...b, stmts: b.stmts.map(desugarStmt) };
}

function desugarStmt(s: Stmt): Stmt {
  switch (s.kind) {
    case 'ExprStmt': {
      const e = s.expr;
      if (e.kind === 'Update') {
        const one: Expr = { kind: 'IntLit', span: e.span, value: 1n, suffix: '' };
        const value: Expr = { kind: 'Binary', span: e.span, op: e.op === '++' ? '+' : '-', left: e.target, right: one };
        const a: AssignStmt = { kind: 'AssignStmt', span: s.span, op: '=', target: e.target, value };
        return a;
      }
      return s;
    }
    case 'AssignStmt': {
      if (s.op === '=') return s;
      const op = s.op.slice(0, -1) as BinaryOp;
      const value: Expr = { kind: 'Binary', span: s.span, op, left: s.target, right: s.value };
      return { ...s, op: '=', value };
    }
    case 'IfStmt':
      return desugarIf(s);
    case 'WhileStmt':
    case 'UnrollStmt':
    case 'ForStmt':
      return { ...s, body: desugarBlock(s.body) };
    case 'Block':
      return desugarBlock(s);
    default:
      return s;
  }
}

function desugarIf(s: IfStmt): IfStmt {
  return {
    ...s,
    then: desugarBlock(s.then),
    else: s.else === null ? null : s.else.kind === 'IfStmt' ? desugarIf(s.else) : desugarBlock(s.else),
  };
}
