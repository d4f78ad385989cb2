// Generic traversal of the AST for later phases.
// Input: any AST node. Output: its children in source order (forEachChild), or visits of
// every node / every expression below it (walk, walkExprs).
// Must not: mutate nodes. walk and walkExprs use an explicit stack, so they never recurse
// however deep the tree (parse() caps depth anyway, see MAX_AST_DEPTH).

import { assertNever, type Expr, type Node } from './nodes.js';

/** Call `fn` on each direct child of `node`, in source order. Exhaustive over node kinds. */
export function forEachChild(node: Node, fn: (child: Node) => void): void {
  switch (node.kind) {
    case 'Program':
      for (const n of node.includes) fn(n);
      for (const n of node.defines) fn(n);
      for (const n of node.structs) fn(n);
      for (const n of node.config) fn(n);
      for (const n of node.macros) fn(n);
      for (const n of node.probes) fn(n);
      return;
    case 'Include':
    case 'Define':
    case 'AttachPoint':
    case 'BreakStmt':
    case 'ContinueStmt':
    case 'IntLit':
    case 'StrLit':
    case 'BoolLit':
    case 'PositionalParam':
    case 'PositionalCount':
    case 'Ident':
    case 'VarRef':
    case 'TypeName':
      return;
    case 'StructDef':
      for (const f of node.fields) fn(f);
      return;
    case 'StructField':
      fn(node.type);
      return;
    case 'ConfigEntry':
      fn(node.value);
      return;
    case 'MacroDef':
      fn(node.body);
      return;
    case 'Probe':
      for (const a of node.attachPoints) fn(a);
      if (node.predicate) fn(node.predicate);
      fn(node.body);
      return;
    case 'Block':
      for (const s of node.stmts) fn(s);
      return;
    case 'ExprStmt':
      fn(node.expr);
      return;
    case 'AssignStmt':
      fn(node.target);
      fn(node.value);
      return;
    case 'IfStmt':
      fn(node.cond);
      fn(node.then);
      if (node.else) fn(node.else);
      return;
    case 'WhileStmt':
      fn(node.cond);
      fn(node.body);
      return;
    case 'UnrollStmt':
      fn(node.count);
      fn(node.body);
      return;
    case 'ForStmt':
      fn(node.variable);
      fn(node.iterable);
      fn(node.body);
      return;
    case 'Range':
      fn(node.from);
      fn(node.to);
      return;
    case 'ReturnStmt':
      if (node.value) fn(node.value);
      return;
    case 'LetStmt':
      fn(node.variable);
      if (node.type) fn(node.type);
      if (node.value) fn(node.value);
      return;
    case 'MapRef':
      for (const k of node.keys) fn(k);
      return;
    case 'Call':
      for (const a of node.args) fn(a);
      return;
    case 'Binary':
      fn(node.left);
      fn(node.right);
      return;
    case 'Unary':
      fn(node.operand);
      return;
    case 'Update':
      fn(node.target);
      return;
    case 'Ternary':
      fn(node.cond);
      fn(node.then);
      fn(node.else);
      return;
    case 'Cast':
      fn(node.type);
      fn(node.expr);
      return;
    case 'FieldAccess':
    case 'TupleIndex':
      fn(node.expr);
      return;
    case 'Index':
      fn(node.expr);
      fn(node.index);
      return;
    case 'TupleLit':
      for (const e of node.elems) fn(e);
      return;
    case 'Sizeof':
      fn(node.arg);
      return;
    case 'Offsetof':
      fn(node.type);
      return;
    default:
      assertNever(node);
  }
}

/** The direct children of `node` as an array. */
export function childrenOf(node: Node): Node[] {
  const out: Node[] = [];
  forEachChild(node, (c) => out.push(c));
  return out;
}

/**
 * Pre-order traversal of `root` and everything below it. `visit` may return false to
 * skip a node's children.
 */
export function walk(root: Node, visit: (node: Node, parent: Node | null) => boolean | void): void {
  const stack: { n: Node; parent: Node | null }[] = [{ n: root, parent: null }];
  while (stack.length > 0) {
    const { n, parent } = stack.pop()!;
    if (visit(n, parent) === false) continue;
    const kids = childrenOf(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ n: kids[i]!, parent: n });
  }
}

const EXPR_KINDS: ReadonlySet<string> = new Set<Expr['kind']>([
  'IntLit', 'StrLit', 'BoolLit', 'PositionalParam', 'PositionalCount', 'Ident', 'VarRef', 'MapRef', 'Call',
  'Binary', 'Unary', 'Update', 'Ternary', 'Cast', 'FieldAccess', 'Index', 'TupleLit', 'TupleIndex', 'Sizeof',
  'Offsetof',
]);

export function isExpr(node: Node): node is Expr {
  return EXPR_KINDS.has(node.kind);
}

/** Visit every expression at or below `root` in pre-order, with its parent node. */
export function walkExprs(root: Node, fn: (expr: Expr, parent: Node | null) => void): void {
  walk(root, (n, parent) => {
    if (isExpr(n)) fn(n, parent);
  });
}
