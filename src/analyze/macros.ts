// Macro expansion (newer bpftrace): `macro name($x, @m, y) { ... }`.
// A call of a macro as a statement is replaced by the macro's statements; a call inside
// an expression is replaced by the macro's value, which must be its only statement (an
// expression). Parameters are substituted by the call's arguments ($x and bare names
// by expressions, @m by the map passed); other variables in the body are renamed so they
// cannot collide with the caller's. New nodes keep the span of the call they expand.

import type { Block, Call, Expr, MacroDef, Program, Span, Stmt } from '../ast/nodes.js';
import type { Diagnostics } from '../diagnostics/diagnostic.js';

const MAX_DEPTH = 32;

type AnyNode = { readonly kind: string; readonly span: Span } & Record<string, unknown>;

export class MacroExpander {
  private readonly macros = new Map<string, MacroDef>();
  private counter = 0;

  constructor(
    program: Program,
    private readonly diags: Diagnostics,
  ) {
    for (const m of program.macros) this.macros.set(m.name, m);
  }

  get empty(): boolean {
    return this.macros.size === 0;
  }

  expandBlock(b: Block, depth = 0): Block {
    if (this.empty) return b;
    const stmts: Stmt[] = [];
    for (const s of b.stmts) {
      if (s.kind === 'ExprStmt' && s.expr.kind === 'Call' && this.macros.has(s.expr.name)) {
        const body = this.instantiate(s.expr, depth);
        if (body) stmts.push(...this.expandBlock(body, depth + 1).stmts);
        continue;
      }
      stmts.push(this.walk(s, depth) as Stmt);
    }
    return { ...b, stmts };
  }

  /** Expand macro calls inside any node (expressions, nested blocks). */
  private walk(n: unknown, depth: number): unknown {
    if (Array.isArray(n)) return n.map((x) => this.walk(x, depth));
    if (n === null || typeof n !== 'object') return n;
    const node = n as AnyNode;
    if (node.kind === 'Block') return this.expandBlock(node as unknown as Block, depth);
    if (node.kind === 'Call' && this.macros.has((node as unknown as Call).name)) {
      const body = this.instantiate(node as unknown as Call, depth);
      if (!body) return node;
      const last = body.stmts[body.stmts.length - 1];
      if (body.stmts.length !== 1 || !last || last.kind !== 'ExprStmt') {
        this.diags.error('T010', node.span, { fn: (node as unknown as Call).name });
        return node;
      }
      return this.walk(last.expr, depth + 1);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === 'span' ? v : this.walk(v, depth);
    return out;
  }

  /** The macro body with parameters bound to the call's arguments. */
  private instantiate(call: Call, depth: number): Block | null {
    const m = this.macros.get(call.name)!;
    if (depth > MAX_DEPTH) {
      this.diags.error('P010', call.span);
      return null;
    }
    if (call.args.length !== m.params.length) {
      this.diags.error('T002', call.span, { fn: call.name, expected: m.params.length, actual: call.args.length });
      return null;
    }
    const exprs = new Map<string, Expr>();
    const maps = new Map<string, string>();
    m.params.forEach((p, i) => {
      const a = call.args[i]!;
      if (p.startsWith('@')) {
        if (a.kind !== 'MapRef') this.diags.error('T015', a.span, { fn: call.name });
        else maps.set(p, a.name);
      } else {
        exprs.set(p, a);
      }
    });
    const id = this.counter++;
    const rename = (name: string) => `$__${call.name}_${id}_${name.slice(1)}`;
    const subst = (n: unknown): unknown => {
      if (Array.isArray(n)) return n.map(subst);
      if (n === null || typeof n !== 'object') return n;
      const node = n as AnyNode;
      if (node.kind === 'VarRef') {
        const name = node.name as string;
        return exprs.get(name) ?? { ...node, name: rename(name), span: call.span };
      }
      if (node.kind === 'Ident' && exprs.has(node.name as string)) return exprs.get(node.name as string);
      if (node.kind === 'MapRef' && maps.has(node.name as string)) {
        return { ...node, name: maps.get(node.name as string), keys: subst(node.keys), span: call.span };
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = k === 'span' ? call.span : subst(v);
      return out;
    };
    return subst(m.body) as Block;
  }
}
