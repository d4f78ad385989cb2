// printAst: the AST as an indented, readable tree (`--emit ast`, test expectations).
// Input: a Program (or any node via printNode). Output: text, one node per line, two
// spaces per level, children in source order; deterministic, and spans only on request.
// Must not: depend on anything but the node shapes of ./nodes.ts.

import { assertNever, type Node, type TypeName } from './nodes.js';

export interface PrintOptions {
  /** Append ` @start-end` (half-open offsets) to every line. */
  readonly spans?: boolean;
}

export function printAst(p: Node, options: PrintOptions = {}): string {
  return printNode(p, options);
}

/** `struct task_struct **`, `char[16]`, `unsigned int`. */
export function typeText(t: TypeName): string {
  const stars = t.pointerDepth > 0 ? ' ' + '*'.repeat(t.pointerDepth) : '';
  const arr = t.arrayLen !== null ? `[${t.arrayLen}]` : '';
  return t.name + stars + arr;
}

type Child = readonly [label: string | null, node: Node];

function header(n: Node): string {
  switch (n.kind) {
    case 'Program': return 'Program';
    case 'Include': return `Include ${n.text}`;
    case 'Define': return `Define ${n.name} ${JSON.stringify(n.value)}`;
    case 'StructDef': return `${n.union ? 'Union' : 'Struct'} ${n.name}`;
    case 'StructField': return `Field ${n.name}: ${typeText(n.type)}`;
    case 'ConfigEntry': return `Config ${n.key}`;
    case 'MacroDef': return `Macro ${n.name}(${n.params.join(', ')})`;
    case 'Probe': return 'Probe';
    case 'AttachPoint': return `AttachPoint ${n.text} -> ${n.provider} ${JSON.stringify(n.parts)}`;
    case 'Block': return 'Block';
    case 'ExprStmt': return 'ExprStmt';
    case 'AssignStmt': return `Assign ${n.op}`;
    case 'IfStmt': return 'If';
    case 'WhileStmt': return 'While';
    case 'UnrollStmt': return 'Unroll';
    case 'ForStmt': return 'For';
    case 'Range': return 'Range';
    case 'ReturnStmt': return 'Return';
    case 'BreakStmt': return 'Break';
    case 'ContinueStmt': return 'Continue';
    case 'LetStmt': return `Let ${n.variable.name}`;
    case 'IntLit': return `IntLit ${n.value}${n.suffix ? ' ' + n.suffix : ''}`;
    case 'StrLit': return `StrLit ${JSON.stringify(n.value)}`;
    case 'BoolLit': return `BoolLit ${n.value}`;
    case 'PositionalParam': return `PositionalParam $${n.index}`;
    case 'PositionalCount': return 'PositionalCount $#';
    case 'Ident': return `Ident ${n.name}`;
    case 'VarRef': return `VarRef ${n.name}`;
    case 'MapRef': return `MapRef ${n.name}${n.bracketed && n.keys.length === 0 ? '[]' : ''}`;
    case 'Call': return `Call ${n.name}`;
    case 'Binary': return `Binary ${n.op}`;
    case 'Unary': return `Unary ${n.op}`;
    case 'Update': return `Update ${n.op} ${n.prefix ? 'prefix' : 'postfix'}`;
    case 'Ternary': return 'Ternary';
    case 'Cast': return `Cast ${typeText(n.type)}`;
    case 'FieldAccess': return `FieldAccess ${n.arrow ? '->' : '.'}${n.field}`;
    case 'Index': return 'Index';
    case 'TupleLit': return 'Tuple';
    case 'TupleIndex': return `TupleIndex .${n.index}`;
    case 'Sizeof': return 'Sizeof';
    case 'Offsetof': return `Offsetof ${typeText(n.type)}, ${n.field.join('.')}`;
    case 'TypeName': return `Type ${typeText(n)}`;
    default: return assertNever(n);
  }
}

/** Children as printed: labelled where position alone would not say what they are. */
function children(n: Node): Child[] {
  switch (n.kind) {
    case 'Program':
      return [...n.includes, ...n.defines, ...n.structs, ...n.config, ...n.macros, ...n.probes].map((c) => [null, c]);
    case 'StructDef': return n.fields.map((f) => [null, f]);
    case 'ConfigEntry': return [[null, n.value]];
    case 'MacroDef': return [[null, n.body]];
    case 'Probe': {
      const out: Child[] = n.attachPoints.map((a) => [null, a]);
      if (n.predicate) out.push(['pred', n.predicate]);
      out.push([null, n.body]);
      return out;
    }
    case 'Block': return n.stmts.map((s) => [null, s]);
    case 'ExprStmt': return [[null, n.expr]];
    case 'AssignStmt': return [[null, n.target], [null, n.value]];
    case 'IfStmt': {
      const out: Child[] = [['cond', n.cond], ['then', n.then]];
      if (n.else) out.push(['else', n.else]);
      return out;
    }
    case 'WhileStmt': return [['cond', n.cond], [null, n.body]];
    case 'UnrollStmt': return [['count', n.count], [null, n.body]];
    case 'ForStmt': return [[null, n.variable], [null, n.iterable], [null, n.body]];
    case 'Range': return [[null, n.from], [null, n.to]];
    case 'ReturnStmt': return n.value ? [[null, n.value]] : [];
    case 'LetStmt': {
      const out: Child[] = [];
      if (n.type) out.push([null, n.type]);
      if (n.value) out.push([null, n.value]);
      return out;
    }
    case 'MapRef': return n.keys.map((k) => [null, k]);
    case 'Call': return n.args.map((a) => [null, a]);
    case 'Binary': return [[null, n.left], [null, n.right]];
    case 'Unary': return [[null, n.operand]];
    case 'Update': return [[null, n.target]];
    case 'Ternary': return [['cond', n.cond], ['then', n.then], ['else', n.else]];
    case 'Cast': return [[null, n.expr]];
    case 'FieldAccess':
    case 'TupleIndex':
      return [[null, n.expr]];
    case 'Index': return [[null, n.expr], ['index', n.index]];
    case 'TupleLit': return n.elems.map((e) => [null, e]);
    case 'Sizeof': return [[null, n.arg]];
    case 'Include':
    case 'Define':
    case 'StructField':
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
    case 'Offsetof':
    case 'TypeName':
      return [];
    default:
      return assertNever(n);
  }
}

/** Print any node; iterative, so tree depth does not matter. */
export function printNode(root: Node, options: PrintOptions = {}): string {
  const lines: string[] = [];
  const stack: { n: Node; depth: number; label: string | null }[] = [{ n: root, depth: 0, label: null }];
  while (stack.length > 0) {
    const { n, depth, label } = stack.pop()!;
    const span = options.spans ? ` @${n.span.start}-${n.span.end}` : '';
    lines.push('  '.repeat(depth) + (label ? label + ': ' : '') + header(n) + span);
    const kids = children(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ n: kids[i]![1], depth: depth + 1, label: kids[i]![0] });
  }
  return lines.join('\n') + '\n';
}
