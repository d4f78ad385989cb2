// CST -> AST: a plain walker over chevrotain's CST (rule names from ./grammar.ts).
// Input: the CST of `program`, which after error recovery may have missing children;
// the lexer's #include/#define records. Output: the typed, immutable AST of
// src/ast/nodes.ts with half-open spans (parenthesised expressions take the span of
// their parentheses). Reports problems only the tree shape shows (assignment targets,
// for-loop iterables, attach point quoting).
// Must not: throw on a partial CST. A piece the parser could not recognise has already
// been reported as a syntax error, so a builder that finds a child missing returns null
// and its parent drops it.

import type { CstNode, IToken } from 'chevrotain';
import { EOF } from '../lexer/chevrotain.js';
import type {
  AssignOp,
  AssignStmt,
  AttachPoint,
  BinaryOp,
  Block,
  ConfigEntry,
  Define,
  Expr,
  ExprStmt,
  ForStmt,
  IfStmt,
  Include,
  LetStmt,
  MacroDef,
  MapRef,
  Probe,
  Program,
  Span,
  Stmt,
  StructDef,
  StructField,
  TypeName,
  VarRef,
} from '../ast/nodes.js';
import type { Diagnostics } from '../diagnostics/diagnostic.js';
import type { IntPayload } from '../lexer/tokens.js';
import { splitAttachPoint } from './attach-point.js';
import { QUALIFIERS } from './grammar.js';

// ---------------------------------------------------------------- CST access

// A megabyte script makes hundreds of thousands of CST nodes: these helpers avoid
// allocating new arrays on the common path (a key holds only nodes or only tokens).
const NONE: readonly never[] = [];

function nodes(c: CstNode, key: string): readonly CstNode[] {
  return (c.children[key] as CstNode[] | undefined) ?? NONE;
}
function node(c: CstNode | undefined, key: string, i = 0): CstNode | undefined {
  return c ? nodes(c, key)[i] : undefined;
}
/** Tokens under `key`, without the ones error recovery invented. */
function toks(c: CstNode, key: string): readonly IToken[] {
  const all = c.children[key] as IToken[] | undefined;
  if (!all) return NONE;
  for (const t of all) if (t.isInsertedInRecovery) return all.filter((x) => !x.isInsertedInRecovery);
  return all;
}
function tok(c: CstNode | undefined, key: string, i = 0): IToken | undefined {
  return c ? toks(c, key)[i] : undefined;
}

// ---------------------------------------------------------------- spans

function tokSpan(t: IToken | undefined): Span | null {
  if (!t || t.tokenType === EOF || !Number.isFinite(t.startOffset)) return null;
  return { start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
}

/** The smallest span covering all the given ones (missing ones ignored). */
/** The first and last spans of an ordered list: all cover() needs (no huge spreads). */
function ends<T extends { span: Span }>(list: readonly T[]): Span[] {
  return list.length === 0 ? [] : [list[0]!.span, list[list.length - 1]!.span];
}

function cover(...spans: (Span | null | undefined)[]): Span {
  let start = Infinity;
  let end = -Infinity;
  for (const s of spans) {
    if (!s) continue;
    if (s.start < start) start = s.start;
    if (s.end > end) end = s.end;
  }
  return Number.isFinite(start) ? { start, end } : { start: 0, end: 0 };
}

// ---------------------------------------------------------------- tables

const BINARY_LEVELS: Readonly<Record<string, readonly [sub: string, op: string]>> = {
  logicalOr: ['logicalAnd', 'OrOr'],
  logicalAnd: ['bitOr', 'AndAnd'],
  bitOr: ['bitXor', 'Pipe'],
  bitXor: ['bitAnd', 'Caret'],
  bitAnd: ['equality', 'Amp'],
  equality: ['relational', 'EqualityOp'],
  relational: ['shift', 'RelationalOp'],
  shift: ['additive', 'ShiftOp'],
  additive: ['multiplicative', 'AdditiveOp'],
  multiplicative: ['unary', 'MultiplicativeOp'],
};

const BINARY_OPS: ReadonlySet<string> = new Set([
  '||', '&&', '|', '^', '&', '==', '!=', '<', '<=', '>', '>=', '<<', '>>', '+', '-', '*', '/', '%',
]);
const ASSIGN_OPS: ReadonlySet<string> = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=']);

/** How an expression kind is named in "cannot assign to ..." messages. */
const EXPR_WHAT: Readonly<Record<Expr['kind'], string>> = {
  IntLit: 'an integer literal',
  StrLit: 'a string literal',
  BoolLit: 'a boolean literal',
  PositionalParam: 'a positional parameter',
  PositionalCount: '$#',
  Ident: 'a builtin',
  VarRef: 'a variable',
  MapRef: 'a map',
  Call: 'a function call',
  Binary: 'an expression',
  Unary: 'an expression',
  Update: 'an increment or decrement',
  Ternary: 'a conditional expression',
  Cast: 'a cast',
  FieldAccess: 'a field',
  Index: 'an array element',
  TupleLit: 'a tuple',
  TupleIndex: 'a tuple element',
  Sizeof: 'sizeof',
  Offsetof: 'offsetof',
};

export interface LexedDirectives {
  readonly includes: readonly Include[];
  readonly defines: readonly Define[];
}

export class AstBuilder {
  constructor(
    private readonly textLength: number,
    private readonly diags: Diagnostics,
  ) {}

  // ---------------------------------------------------------------- top level

  program(c: CstNode, lexed: LexedDirectives): Program {
    const structs: StructDef[] = [];
    const config: ConfigEntry[] = [];
    const macros: MacroDef[] = [];
    const probes: Probe[] = [];
    for (const item of nodes(c, 'topItem')) {
      const probe = node(item, 'probe');
      const struct = node(item, 'structDef');
      const cfg = node(item, 'configBlock');
      const macro = node(item, 'macroDef');
      if (probe) push(probes, this.probe(probe));
      else if (struct) push(structs, this.structDef(struct));
      else if (cfg) for (const e of nodes(cfg, 'configEntry')) push(config, this.configEntry(e));
      else if (macro) push(macros, this.macroDef(macro));
    }
    return {
      kind: 'Program',
      span: { start: 0, end: this.textLength },
      includes: lexed.includes,
      defines: lexed.defines,
      structs,
      config,
      macros,
      probes,
    };
  }

  private probe(c: CstNode): Probe | null {
    const attachPoints: AttachPoint[] = [];
    for (const t of toks(c, 'AttachPoint')) {
      const span = tokSpan(t);
      if (!span) continue;
      const split = splitAttachPoint(t.image);
      attachPoints.push({ kind: 'AttachPoint', span, text: t.image, provider: split.provider, parts: split.parts });
    }
    const predNode = node(c, 'predicate');
    const predicate = predNode ? this.expr(node(predNode, 'expr')) : null;
    const body = this.block(node(c, 'block'));
    if (attachPoints.length === 0 || !body || (predNode && !predicate)) return null;
    return {
      kind: 'Probe',
      span: cover(attachPoints[0]!.span, body.span),
      attachPoints,
      predicate,
      body,
    };
  }

  private structDef(c: CstNode): StructDef | null {
    const name = tok(c, 'AnyName');
    if (!name) return null;
    const fields: StructField[] = [];
    for (const f of nodes(c, 'structField')) push(fields, this.structField(f));
    const kw = tok(c, 'Struct') ?? tok(c, 'Union');
    return {
      kind: 'StructDef',
      span: cover(tokSpan(kw), tokSpan(tok(c, 'RBrace')), tokSpan(tok(c, 'Semi'))),
      union: tok(c, 'Union') !== undefined,
      name: name.image,
      fields,
    };
  }

  private structField(c: CstNode): StructField | null {
    const name = tok(c, 'AnyName');
    const base = this.typeBase(node(c, 'typeBase'));
    if (!name || !base) return null;
    const arr = node(c, 'arraySuffix');
    const arrayLen = arr ? this.arrayLen(arr) : null;
    const type: TypeName = { ...base, arrayLen, span: cover(base.span, arr ? tokSpan(tok(arr, 'RBracket')) : null) };
    return {
      kind: 'StructField',
      span: cover(base.span, tokSpan(name), tokSpan(tok(c, 'Semi'))),
      name: name.image,
      type,
    };
  }

  private configEntry(c: CstNode): ConfigEntry | null {
    const key = tok(c, 'AnyName');
    if (!key) return null;
    let value: ConfigEntry['value'] | null = null;
    const int = tok(c, 'IntLiteral');
    const str = tok(c, 'StringLiteral');
    const id = tok(c, 'Identifier');
    const t = tok(c, 'True');
    const f = tok(c, 'False');
    if (int) value = this.intLit(int);
    else if (str) value = { kind: 'StrLit', span: tokSpan(str)!, value: String(str.payload ?? '') };
    else if (id) value = { kind: 'Ident', span: tokSpan(id)!, name: id.image };
    else if (t || f) value = { kind: 'BoolLit', span: tokSpan(t ?? f)!, value: t !== undefined };
    if (!value) return null;
    return { kind: 'ConfigEntry', span: cover(tokSpan(key), value.span), key: key.image, value };
  }

  private macroDef(c: CstNode): MacroDef | null {
    const name = tok(c, 'Identifier');
    const body = this.block(node(c, 'block'));
    if (!name || !body) return null;
    const params: string[] = [];
    for (const p of nodes(c, 'macroParam')) {
      const t = tok(p, 'Variable') ?? tok(p, 'MapName') ?? tok(p, 'Identifier');
      if (t) params.push(t.image);
    }
    return { kind: 'MacroDef', span: cover(tokSpan(tok(c, 'Macro')), body.span), name: name.image, params, body };
  }

  // ---------------------------------------------------------------- types

  private typeBase(c: CstNode | undefined): TypeName | null {
    if (!c) return null;
    const kw = tok(c, 'Struct') ?? tok(c, 'Union') ?? tok(c, 'Enum');
    const ids = toks(c, 'Identifier');
    const stars = toks(c, 'Star');
    let name: string;
    const spans: (Span | null)[] = [tokSpan(kw), ...ids.map(tokSpan), ...stars.map(tokSpan)];
    if (kw) {
      const tag = tok(c, 'AnyName');
      if (!tag) return null;
      name = `${kw.image} ${tag.image}`;
      spans.push(tokSpan(tag));
    } else {
      const words = ids.map((t) => t.image);
      if (words.length === 0) return null;
      // Qualifiers do not change the type bpftrace reads: `const char *` is `char *`.
      const core = words.filter((w) => !QUALIFIERS.has(w));
      name = (core.length > 0 ? core : words).join(' ');
    }
    return { kind: 'TypeName', span: cover(...spans), name, pointerDepth: stars.length, arrayLen: null };
  }

  private typeName(c: CstNode | undefined): TypeName | null {
    const base = this.typeBase(node(c, 'typeBase'));
    if (!c || !base) return null;
    const arr = node(c, 'arraySuffix');
    if (!arr) return base;
    return { ...base, arrayLen: this.arrayLen(arr), span: cover(base.span, tokSpan(tok(arr, 'RBracket'))) };
  }

  private arrayLen(c: CstNode): number | null {
    const t = tok(c, 'IntLiteral');
    if (!t) return null;
    const v = (t.payload as IntPayload | undefined)?.value ?? 0n;
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }

  // ---------------------------------------------------------------- statements

  block(c: CstNode | undefined): Block | null {
    if (!c) return null;
    const stmts: Stmt[] = [];
    for (const item of nodes(c, 'stmtItem')) push(stmts, this.stmtItem(item));
    const open = tokSpan(tok(c, 'LBrace'));
    const close = tokSpan(tok(c, 'RBrace'));
    if (!open) return null;
    return { kind: 'Block', span: cover(open, close, ...ends(stmts)), stmts };
  }

  private stmtItem(c: CstNode): Stmt | null {
    const simple = node(c, 'simpleStmt');
    if (simple) return this.simpleStmt(simple);
    const i = node(c, 'ifStmt');
    if (i) return this.ifStmt(i);
    const w = node(c, 'whileStmt');
    if (w) {
      const cond = this.expr(node(w, 'expr'));
      const body = this.block(node(w, 'block'));
      if (!cond || !body) return null;
      return { kind: 'WhileStmt', span: cover(tokSpan(tok(w, 'While')), body.span), cond, body };
    }
    const u = node(c, 'unrollStmt');
    if (u) {
      const count = this.expr(node(u, 'expr'));
      const body = this.block(node(u, 'block'));
      if (!count || !body) return null;
      return { kind: 'UnrollStmt', span: cover(tokSpan(tok(u, 'Unroll')), body.span), count, body };
    }
    const f = node(c, 'forStmt');
    if (f) return this.forStmt(f);
    const b = node(c, 'block');
    if (b) return this.block(b);
    return null; // an empty statement `;`
  }

  private simpleStmt(c: CstNode): Stmt | null {
    const ret = node(c, 'returnStmt');
    if (ret) {
      const e = node(ret, 'expr');
      const value = e ? this.expr(e) : null;
      if (e && !value) return null;
      return { kind: 'ReturnStmt', span: cover(tokSpan(tok(ret, 'Return')), value?.span), value };
    }
    const brk = tok(c, 'Break');
    if (brk) return { kind: 'BreakStmt', span: tokSpan(brk)! };
    const cont = tok(c, 'Continue');
    if (cont) return { kind: 'ContinueStmt', span: tokSpan(cont)! };
    const let_ = node(c, 'letStmt');
    if (let_) return this.letStmt(let_);
    const es = node(c, 'exprStmt');
    if (es) return this.exprStmt(es);
    return null;
  }

  private letStmt(c: CstNode): LetStmt | null {
    const v = tok(c, 'Variable');
    if (!v) return null;
    const variable: VarRef = { kind: 'VarRef', span: tokSpan(v)!, name: v.image };
    const tn = node(c, 'typeName');
    const type = tn ? this.typeName(tn) : null;
    const e = node(c, 'expr');
    const value = e ? this.expr(e) : null;
    if ((tn && !type) || (e && !value)) return null;
    return { kind: 'LetStmt', span: cover(tokSpan(tok(c, 'Let')), variable.span, type?.span, value?.span), variable, type, value };
  }

  private exprStmt(c: CstNode): ExprStmt | AssignStmt | null {
    const exprs = nodes(c, 'expr');
    const target = this.expr(exprs[0]);
    if (!target) return null;
    const opTok = tok(c, 'AssignOp');
    if (!opTok) {
      if (exprs.length > 1) return null; // an assignment whose operator recovery invented
      return { kind: 'ExprStmt', span: target.span, expr: target };
    }
    const value = this.expr(exprs[1]);
    if (!value || !ASSIGN_OPS.has(opTok.image)) return null;
    if (target.kind !== 'MapRef' && target.kind !== 'VarRef') {
      this.diags.error('T013', target.span, { what: EXPR_WHAT[target.kind] });
      return null;
    }
    return { kind: 'AssignStmt', span: cover(target.span, value.span), op: opTok.image as AssignOp, target, value };
  }

  private ifStmt(c: CstNode): IfStmt | null {
    const cond = this.expr(node(c, 'expr'));
    const then = this.block(node(c, 'block', 0));
    if (!cond || !then) return null;
    let else_: Block | IfStmt | null = null;
    if (tok(c, 'Else')) {
      const elif = node(c, 'ifStmt');
      else_ = elif ? this.ifStmt(elif) : this.block(node(c, 'block', 1));
      if (!else_) return null;
    }
    return { kind: 'IfStmt', span: cover(tokSpan(tok(c, 'If')), then.span, else_?.span), cond, then, else: else_ };
  }

  private forStmt(c: CstNode): ForStmt | null {
    const v = tok(c, 'Variable');
    const body = this.block(node(c, 'block'));
    const exprs = nodes(c, 'expr');
    if (!v || !body) return null;
    const variable: VarRef = { kind: 'VarRef', span: tokSpan(v)!, name: v.image };
    const from = this.expr(exprs[0]);
    if (!from) return null;
    let iterable: MapRef | ForStmt['iterable'];
    if (tok(c, 'DotDot')) {
      const to = this.expr(exprs[1]);
      if (!to) return null;
      iterable = { kind: 'Range', span: cover(from.span, to.span), from, to };
    } else if (from.kind === 'MapRef') {
      iterable = from;
    } else {
      this.diags.error('P003', from.span, { detail: 'a for loop iterates over a map or a range, e.g. for ($kv : @m) or for ($i : 0..10)' });
      return null;
    }
    return { kind: 'ForStmt', span: cover(tokSpan(tok(c, 'For')), body.span), variable, iterable, body };
  }

  // ---------------------------------------------------------------- expressions

  expr(c: CstNode | undefined): Expr | null {
    return this.ternary(node(c, 'ternary'));
  }

  private ternary(c: CstNode | undefined): Expr | null {
    if (!c) return null;
    if (!c.children['Question']) return this.binary(node(c, 'logicalOr'));
    const conds = nodes(c, 'logicalOr').map((n) => this.binary(n));
    const thens = nodes(c, 'expr').map((n) => this.expr(n));
    if (conds.length !== thens.length + 1 || conds.includes(null) || thens.includes(null)) return null;
    // Right-associative: `a ? b : c ? d : e` is `a ? b : (c ? d : e)`.
    let acc = conds[conds.length - 1]!;
    for (let i = thens.length - 1; i >= 0; i--) {
      const cond = conds[i]!;
      acc = { kind: 'Ternary', span: cover(cond.span, acc.span), cond, then: thens[i]!, else: acc };
    }
    return acc;
  }

  /** One precedence level: operands left-associated with their operators. */
  private binary(c: CstNode | undefined): Expr | null {
    if (!c) return null;
    if (c.name === 'unary') return this.unary(c);
    const level = BINARY_LEVELS[c.name];
    if (!level) return null;
    const [sub, opKey] = level;
    const operands = nodes(c, sub);
    const ops = (c.children[opKey] as IToken[] | undefined) ?? NONE;
    if (operands.length !== ops.length + 1) return null;
    let acc = this.binary(operands[0]);
    for (let i = 0; i < ops.length && acc; i++) {
      const right = this.binary(operands[i + 1]);
      const op = ops[i]!.image;
      if (!right || !BINARY_OPS.has(op)) return null;
      acc = { kind: 'Binary', span: cover(acc.span, right.span), op: op as BinaryOp, left: acc, right };
    }
    return acc;
  }

  private unary(c: CstNode): Expr | null {
    let acc = this.postfix(node(c, 'postfix'));
    const prefixes = nodes(c, 'unaryPrefix');
    // Apply the innermost (last written) prefix first.
    for (let i = prefixes.length - 1; i >= 0 && acc; i--) {
      const p = prefixes[i]!;
      const tn = node(p, 'typeName');
      if (tn) {
        const type = this.typeName(tn);
        if (!type) return null;
        acc = { kind: 'Cast', span: cover(tokSpan(tok(p, 'LParen')), acc.span), type, expr: acc };
        continue;
      }
      const op = tok(p, 'PrefixOp');
      if (!op) return null;
      const span = cover(tokSpan(op), acc.span);
      if (op.image === '++' || op.image === '--') {
        if (acc.kind !== 'VarRef' && acc.kind !== 'MapRef') {
          this.diags.error('T013', acc.span, { what: EXPR_WHAT[acc.kind] });
          return null;
        }
        acc = { kind: 'Update', span, op: op.image, prefix: true, target: acc };
      } else if (op.image === '-' || op.image === '!' || op.image === '~' || op.image === '*' || op.image === '&') {
        acc = { kind: 'Unary', span, op: op.image, operand: acc };
      } else {
        return null;
      }
    }
    return acc;
  }

  private postfix(c: CstNode | undefined): Expr | null {
    if (!c) return null;
    let acc = this.primary(node(c, 'primary'));
    for (const s of nodes(c, 'postfixSuffix')) {
      if (!acc) return null;
      if (s.children['LBracket']) {
        const index = this.expr(node(s, 'expr'));
        if (!index) return null;
        acc = { kind: 'Index', span: cover(acc.span, index.span, tokSpan(tok(s, 'RBracket'))), expr: acc, index };
      } else if (s.children['Dot'] || s.children['Arrow']) {
        const arrow = s.children['Arrow'] !== undefined;
        const num = tok(s, 'IntLiteral');
        const name = tok(s, 'AnyName');
        if (num && !arrow) {
          const v = (num.payload as IntPayload | undefined)?.value ?? 0n;
          const index = v > 1_000_000n ? 1_000_000 : Number(v);
          acc = { kind: 'TupleIndex', span: cover(acc.span, tokSpan(num)), expr: acc, index };
        } else if (name) {
          const fieldSpan = tokSpan(name)!;
          acc = { kind: 'FieldAccess', span: cover(acc.span, fieldSpan), expr: acc, field: name.image, fieldSpan, arrow };
        } else {
          return null;
        }
      } else {
        const op = tok(s, 'PostfixOp');
        if (!op || (op.image !== '++' && op.image !== '--')) return null;
        if (acc.kind !== 'VarRef' && acc.kind !== 'MapRef') {
          this.diags.error('T013', acc.span, { what: EXPR_WHAT[acc.kind] });
          return null;
        }
        acc = { kind: 'Update', span: cover(acc.span, tokSpan(op)), op: op.image, prefix: false, target: acc };
      }
    }
    return acc;
  }

  private intLit(t: IToken): Expr & { kind: 'IntLit' } {
    const p = (t.payload as IntPayload | undefined) ?? { value: 0n, suffix: '' };
    return { kind: 'IntLit', span: tokSpan(t)!, value: p.value, suffix: p.suffix };
  }

  private primary(c: CstNode | undefined): Expr | null {
    if (!c) return null;
    let t: IToken | undefined;
    if ((t = tok(c, 'IntLiteral')) || (t = tok(c, 'CharLiteral'))) return this.intLit(t);
    if ((t = tok(c, 'StringLiteral'))) return { kind: 'StrLit', span: tokSpan(t)!, value: String(t.payload ?? '') };
    if ((t = tok(c, 'True'))) return { kind: 'BoolLit', span: tokSpan(t)!, value: true };
    if ((t = tok(c, 'False'))) return { kind: 'BoolLit', span: tokSpan(t)!, value: false };
    if ((t = tok(c, 'PositionalParam'))) return { kind: 'PositionalParam', span: tokSpan(t)!, index: Number(t.payload ?? 0) };
    if ((t = tok(c, 'PositionalCount'))) return { kind: 'PositionalCount', span: tokSpan(t)! };
    if ((t = tok(c, 'Variable'))) return { kind: 'VarRef', span: tokSpan(t)!, name: t.image };
    let n: CstNode | undefined;
    if ((n = node(c, 'mapRef'))) return this.mapRef(n);
    if ((n = node(c, 'callOrIdent'))) return this.callOrIdent(n);
    if ((n = node(c, 'parenOrTuple'))) return this.parenOrTuple(n);
    if ((n = node(c, 'sizeofExpr'))) return this.sizeof(n);
    if ((n = node(c, 'offsetofExpr'))) return this.offsetof(n);
    return null;
  }

  private exprList(c: CstNode | undefined): Expr[] | null {
    if (!c) return [];
    const out: Expr[] = [];
    for (const e of nodes(c, 'expr')) {
      const x = this.expr(e);
      if (!x) return null;
      out.push(x);
    }
    return out;
  }

  private mapRef(c: CstNode): MapRef | null {
    const name = tok(c, 'MapName');
    if (!name) return null;
    const bracketed = c.children['LBracket'] !== undefined;
    const keys = this.exprList(node(c, 'exprList'));
    if (!keys) return null;
    return {
      kind: 'MapRef',
      span: cover(tokSpan(name), tokSpan(tok(c, 'RBracket')), ...ends(keys)),
      name: name.image,
      keys,
      bracketed,
    };
  }

  private callOrIdent(c: CstNode): Expr | null {
    const id = tok(c, 'Identifier');
    if (!id) return null;
    const nameSpan = tokSpan(id)!;
    if (c.children['LParen'] === undefined) return { kind: 'Ident', span: nameSpan, name: id.image };
    const args = this.exprList(node(c, 'exprList'));
    if (!args) return null;
    return {
      kind: 'Call',
      span: cover(nameSpan, tokSpan(tok(c, 'RParen')), ...ends(args)),
      name: id.image,
      nameSpan,
      args,
    };
  }

  private parenOrTuple(c: CstNode): Expr | null {
    const elems = this.exprList(node(c, 'exprList'));
    if (!elems || elems.length === 0) return null;
    const span = cover(tokSpan(tok(c, 'LParen')), tokSpan(tok(c, 'RParen')), ...ends(elems));
    if (elems.length === 1) return { ...elems[0]!, span };
    return { kind: 'TupleLit', span, elems };
  }

  private sizeof(c: CstNode): Expr | null {
    const tn = node(c, 'typeName');
    const arg = tn ? this.typeName(tn) : this.expr(node(c, 'expr'));
    if (!arg) return null;
    return { kind: 'Sizeof', span: cover(tokSpan(tok(c, 'Sizeof')), tokSpan(tok(c, 'RParen')), arg.span), arg };
  }

  private offsetof(c: CstNode): Expr | null {
    const type = this.typeName(node(c, 'typeName'));
    const names = toks(c, 'AnyName');
    if (!type || names.length === 0) return null;
    return {
      kind: 'Offsetof',
      span: cover(tokSpan(tok(c, 'Offsetof')), tokSpan(tok(c, 'RParen')), ...names.map(tokSpan)),
      type,
      field: names.map((t) => t.image),
    };
  }
}

function push<T>(list: T[], x: T | null): void {
  if (x !== null) list.push(x);
}
