// analyze: AST -> typed program. Resolves attach points (providers, wildcards, targets)
// into programs and attach cookies, desugars (`@x++`, `$x += 1`), and infers the type of
// every expression into a side table, checking builtin availability per provider and
// map key/value consistency across the whole script.
// Input: the Program, the SourceFile, options and a ResolveEnv (system metadata).
// Output: TypedProgram, or diagnostics in `diags`. Must not: emit C or touch BPF.

import type {
  AssignStmt,
  AttachPoint,
  Block,
  Call,
  Expr,
  MapRef,
  Probe,
  Program,
  Span,
  Stmt,
  VarRef,
} from '../ast/nodes.js';
import { assertNever } from '../ast/nodes.js';
import type { Diagnostics } from '../diagnostics/diagnostic.js';
import type { DiagCode } from '../diagnostics/catalogue.js';
import { didYouMean } from '../diagnostics/suggest.js';
import { findProvider, PROVIDERS, ResolveError, type Provider, type ResolveEnv, type ResolvedPoint } from '../providers/providers.js';
import { allNames, findFn, findVar } from '../builtins/index.js';
import type { BuiltinFn, InferCtx } from '../builtins/spec.js';
import { S64, U64, isAgg, isInt, tyToString, type IntBits, type StackMode, type Ty } from '../types/ty.js';
import { storageTy } from './storage.js';
import { desugarBlock } from './desugar.js';
import { MacroExpander } from './macros.js';
import { constInt, constStr, isNumeric } from './const-eval.js';
import { byteLength } from '../runtime/value.js';

export interface AnalyzeOptions {
  /** Positional parameters ($1 is params[0]). */
  readonly params: readonly string[];
  readonly strlen: number;
  readonly unsafe: boolean;
  readonly mapKeysMax: number;
  readonly stackMode: StackMode;
}

export interface MapInfo {
  readonly name: string;
  readonly cname: string;
  readonly index: number;
  key: Ty | null;
  value: Ty;
  readonly span: Span;
  assigned: boolean;
}

export interface ProgramUnit {
  readonly index: number;
  readonly prog: string;
  readonly probe: Probe;
  readonly provider: Provider;
  readonly points: readonly { readonly point: ResolvedPoint; readonly cookie: number }[];
  /** Set when the program's context is one tracepoint's format (it uses `args`). */
  readonly tracepoint: { readonly category: string; readonly name: string } | null;
}

export interface TypedProgram {
  readonly ast: Program;
  readonly units: readonly ProgramUnit[];
  readonly types: ReadonlyMap<Expr, Ty>;
  readonly maps: readonly MapInfo[];
  readonly mapsByName: ReadonlyMap<string, MapInfo>;
  /** Variable types per probe. */
  readonly vars: ReadonlyMap<Probe, ReadonlyMap<string, Ty>>;
  /** Desugared bodies per probe. */
  readonly bodies: ReadonlyMap<Probe, Block>;
  readonly attachNames: readonly { readonly probe: string; readonly func: string }[];
  readonly probeCount: number;
  readonly params: readonly string[];
  readonly options: AnalyzeOptions;
  readonly env: ResolveEnv;
  /** Kernel struct fields the program reads (for the C declarations codegen emits). */
  readonly btfUses: readonly { readonly struct: string; readonly path: readonly string[] }[];
  /** Identifiers that name kernel enum constants (from BTF), with their values. */
  readonly enumConsts: ReadonlyMap<Expr, bigint>;
  /** Structs and unions defined in the script: C name -> fields in order. */
  readonly scriptStructs: ReadonlyMap<string, readonly { readonly name: string; readonly ty: Ty }[]>;
  /** Function arguments by name for kfunc/kretfunc/rawtracepoint units (index = ctx slot). */
  readonly funcArgs: ReadonlyMap<ProgramUnit, readonly { readonly name: string; readonly ty: Ty }[]>;
}

const VOID: Ty = { k: 'void' };

export function analyze(ast: Program, env: ResolveEnv, opts: AnalyzeOptions, diags: Diagnostics): TypedProgram | null {
  if (ast.probes.length === 0) {
    diags.error('P007', ast.span);
    return null;
  }
  const attachNames: { probe: string; func: string }[] = [];
  const units: ProgramUnit[] = [];
  let probeCount = 0;
  const bodies = new Map<Probe, Block>();
  const macros = new MacroExpander(ast, diags);
  for (const probe of ast.probes) {
    bodies.set(probe, desugarBlock(macros.expandBlock(probe.body)));
  }
  // ---- attach points -> programs
  for (const probe of ast.probes) {
    const groups = new Map<Provider, { point: ResolvedPoint; cookie: number }[]>();
    for (const ap of probe.attachPoints) {
      const provider = findProvider(ap.provider);
      if (!provider) {
        const providerSpan = { start: ap.span.start, end: ap.span.start + ap.provider.length };
        diags.error('N001', providerSpan, { name: ap.provider, known: PROVIDERS.map((p) => p.names[0]).join(', ') }, didYouMean(ap.provider, PROVIDERS.flatMap((p) => p.names)));
        continue;
      }
      const parts = substituteParams(ap, opts.params, diags);
      if (!parts) continue;
      let points: ResolvedPoint[];
      try {
        points = provider.resolve(parts, env, ap.text);
      } catch (e) {
        if (e instanceof ResolveError) {
          diags.error(e.code, ap.span, e.args, resolveHints(e, ap, env));
          continue;
        }
        throw e;
      }
      const list = groups.get(provider) ?? [];
      for (const point of points) {
        list.push({ point, cookie: attachNames.length });
        attachNames.push({ probe: point.probe, func: point.func });
      }
      groups.set(provider, list);
    }
    const usesArgs = bodyUses(probe, 'args');
    for (const [provider, pts] of groups) {
      if ((provider.kind === 'tracepoint' && usesArgs) || provider.ctx === 'fentry') {
        for (const p of pts) {
          units.push(mkUnit(units.length, probe, provider, [p], p.point.tracepoint ?? null));
        }
      } else {
        units.push(mkUnit(units.length, probe, provider, pts, null));
      }
      probeCount += provider.kind === 'begin' || provider.kind === 'end' ? 1 : pts.length;
    }
  }
  if (diags.hasErrors) return null;

  const checker = new Checker(ast, env, opts, diags, units, bodies);
  checker.run();
  if (diags.hasErrors) return null;
  return {
    ast,
    units,
    types: checker.types,
    maps: checker.mapList,
    mapsByName: checker.maps,
    vars: checker.probeVars,
    bodies,
    attachNames,
    probeCount,
    params: opts.params,
    options: opts,
    env,
    btfUses: checker.btfUses,
    enumConsts: checker.enumConsts,
    scriptStructs: checker.scriptStructs,
    funcArgs: checker.funcArgs,
  };
}

function mkUnit(index: number, probe: Probe, provider: Provider, points: ProgramUnit['points'], tracepoint: ProgramUnit['tracepoint']): ProgramUnit {
  return { index, prog: `probe_${index}`, probe, provider, points, tracepoint };
}

function resolveHints(e: ResolveError, ap: AttachPoint, env: ResolveEnv): string[] {
  if (e.code === 'N004') {
    const [cat, name] = ap.parts;
    try {
      const names = env.tracepoints().filter((t) => t.category === cat).map((t) => `${t.category}:${t.name}`);
      const all = names.length ? names : env.tracepoints().map((t) => `${t.category}:${t.name}`);
      return didYouMean(`${cat}:${name}`, all);
    } catch {
      return [];
    }
  }
  return [];
}

/** `$1` in attach points is replaced by the parameter's text. */
function substituteParams(ap: AttachPoint, params: readonly string[], diags: Diagnostics): string[] | null {
  const out: string[] = [];
  for (const part of ap.parts) {
    let bad = false;
    const s = part.replace(/\$(\d+)/g, (_m, d: string) => {
      const i = Number(d);
      if (i < 1 || i > params.length) {
        diags.error('N010', ap.span, { index: i });
        bad = true;
        return '';
      }
      return params[i - 1]!;
    });
    if (bad) return null;
    out.push(s);
  }
  return out;
}

/** Does the probe's body (or predicate) mention identifier `name`? */
function bodyUses(probe: Probe, name: string): boolean {
  let found = false;
  const visit = (n: unknown): void => {
    if (found || n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) {
      n.forEach(visit);
      return;
    }
    const o = n as { kind?: string; name?: string };
    if (o.kind === 'Ident' && o.name === name) {
      found = true;
      return;
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'span') visit(v);
  };
  visit(probe.predicate);
  visit(probe.body);
  return found;
}

// ------------------------------------------------------------------ type checking

class Checker implements InferCtx {
  readonly types = new Map<Expr, Ty>();
  readonly maps = new Map<string, MapInfo>();
  readonly mapList: MapInfo[] = [];
  readonly probeVars = new Map<Probe, Map<string, Ty>>();
  readonly btfUses: { struct: string; path: string[] }[] = [];
  private readonly btfUseKeys = new Set<string>();
  readonly funcArgs = new Map<ProgramUnit, { name: string; ty: Ty }[]>();
  readonly scriptStructs = new Map<string, { name: string; ty: Ty }[]>();
  readonly enumConsts = new Map<Expr, bigint>();
  /** When false, problems are not reported (collection passes). */
  private reporting = false;
  private changed = false;
  private unit!: ProgramUnit;
  private vars!: Map<string, Ty>;
  private inAssign = false;
  private loopDepth = 0;
  /** Variables assigned so far in the probe being checked (in statement order). */
  private assignedSoFar = new Set<string>();

  constructor(
    readonly ast: Program,
    readonly env: ResolveEnv,
    readonly opts: AnalyzeOptions,
    readonly diags: Diagnostics,
    readonly units: readonly ProgramUnit[],
    readonly bodies: ReadonlyMap<Probe, Block>,
  ) {}

  get provider(): Provider {
    return this.unit.provider;
  }
  get strlen(): number {
    return this.opts.strlen;
  }
  get unsafe(): boolean {
    return this.opts.unsafe;
  }
  userSymbolAddress(name: string): bigint | null {
    const p = this.unit.points.find((x) => x.point.spec && 'path' in x.point.spec);
    if (!p || !p.point.spec || !('path' in p.point.spec)) return null;
    return this.env.symbolAddress(p.point.spec.path, name);
  }
  get stackMode(): StackMode {
    return this.opts.stackMode;
  }
  get inMapAssign(): boolean {
    return this.inAssign;
  }

  /** Lay out the structs the script defines (C rules), so casts to them can be read. */
  private defineStructs(): void {
    this.reporting = true;
    for (const s of this.ast.structs) {
      const cname = `${s.union ? 'union' : 'struct'} ${s.name}`;
      const fields: { name: string; ty: Ty }[] = [];
      for (const f of s.fields) {
        let t = this.typeName(f.type.name, f.type.pointerDepth, f.type.span, true);
        if (!t) continue;
        if (f.type.arrayLen !== null) t = { k: 'array', elem: t, len: f.type.arrayLen };
        fields.push({ name: f.name, ty: t });
      }
      this.scriptStructs.set(cname, fields);
    }
    this.reporting = false;
  }

  run(): void {
    this.defineStructs();
    // Collection passes: learn map and variable types from every assignment, in any
    // order of probes, until nothing changes; then one reporting pass.
    for (let pass = 0; pass < 6; pass++) {
      this.changed = false;
      this.pass();
      if (!this.changed) break;
    }
    this.reporting = true;
    this.pass();
    for (const m of this.mapList) {
      if (!m.assigned) {
        const assigned = this.mapList.filter((x) => x.assigned).map((x) => x.name);
        this.diags.error('N014', m.span, { name: m.name }, didYouMean(m.name, assigned));
      }
    }
  }

  private pass(): void {
    const seenProbes = new Set<Probe>();
    for (const unit of this.units) {
      this.unit = unit;
      this.types.clear();
      if (!this.probeVars.has(unit.probe)) this.probeVars.set(unit.probe, new Map());
      this.vars = this.probeVars.get(unit.probe)!;
      // A probe split in several programs is reported once.
      const quiet = seenProbes.has(unit.probe);
      const wasReporting = this.reporting;
      if (quiet) this.reporting = false;
      seenProbes.add(unit.probe);
      this.assignedSoFar = new Set();
      if (unit.provider.kind === 'kretfunc') this.functionArgs();
      if (unit.probe.predicate) {
        const t = this.typeOf(unit.probe.predicate);
        if (!isInt(t) && t.k !== 'bool' && t.k !== 'void' && t.k !== 'ptr') {
          this.error('T016', unit.probe.predicate.span, { type: tyToString(t) });
        }
      }
      this.block(this.bodies.get(unit.probe)!);
      this.reporting = wasReporting;
    }
    // Keep the types of the first unit of every probe for codegen: re-run quietly so the
    // side table covers all units' expressions (they share nodes per probe).
    if (this.reporting) {
      const was = this.reporting;
      this.reporting = false;
      this.types.clear();
      const done = new Set<Probe>();
      for (const unit of this.units) {
        if (done.has(unit.probe)) continue;
        done.add(unit.probe);
        this.unit = unit;
        this.vars = this.probeVars.get(unit.probe)!;
        if (unit.probe.predicate) this.typeOf(unit.probe.predicate);
        this.block(this.bodies.get(unit.probe)!);
      }
      this.reporting = was;
    }
  }

  error(code: DiagCode, span: Span, args: Record<string, string | number> = {}, hints: readonly string[] = []): void {
    if (this.reporting) this.diags.error(code, span, args, hints);
  }

  // ---------------------------------------------------------------- statements

  private block(b: Block): void {
    for (const s of b.stmts) this.stmt(s);
  }

  private stmt(s: Stmt): void {
    switch (s.kind) {
      case 'ExprStmt': {
        const e = s.expr;
        if (e.kind === 'Call') {
          const fn = findFn(e.name);
          if (fn?.aggregation) {
            this.error('T006', e.span, { fn: e.name });
            return;
          }
        }
        this.typeOf(e);
        return;
      }
      case 'AssignStmt':
        this.assign(s);
        return;
      case 'IfStmt': {
        this.cond(s.cond);
        this.block(s.then);
        if (s.else) {
          if (s.else.kind === 'IfStmt') this.stmt(s.else);
          else this.block(s.else);
        }
        return;
      }
      case 'WhileStmt':
        this.cond(s.cond);
        this.loopDepth++;
        this.block(s.body);
        this.loopDepth--;
        return;
      case 'UnrollStmt': {
        const n = this.constInt(s.count);
        if (n === null) this.error('T007', s.count.span, { what: 'unroll count' });
        else if (n < 1n || n > 100n) this.error('T025', s.count.span, { count: String(n) });
        this.block(s.body);
        return;
      }
      case 'ForStmt': {
        if (s.iterable.kind === 'Range') {
          for (const e of [s.iterable.from, s.iterable.to]) {
            const t = this.typeOf(e);
            if (!isInt(t)) this.error('T003', e.span, { fn: 'for range', index: 1, expected: 'an integer', actual: tyToString(t) });
          }
          this.setVar(s.variable, S64, s.variable.span);
        } else {
          const m = this.maps.get(s.iterable.name);
          if (m) {
            // Aggregations are per-CPU: a loop sees this CPU's count/sum/min/max slot.
            let v = m.value;
            if (v.k === 'count') v = U64;
            else if (v.k === 'sum' || v.k === 'min' || v.k === 'max') v = S64;
            else if (isAgg(v)) this.error('T014', s.iterable.span, { name: m.name });
            this.setVar(s.variable, { k: 'tuple', elems: [m.key ?? S64, v] }, s.variable.span);
          } else this.typeOf(s.iterable);
        }
        this.loopDepth++;
        this.block(s.body);
        this.loopDepth--;
        return;
      }
      case 'ReturnStmt':
        if (s.value) this.typeOf(s.value);
        return;
      case 'BreakStmt':
      case 'ContinueStmt':
        if (this.loopDepth === 0) this.error('T024', s.span, { kw: s.kind === 'BreakStmt' ? 'break' : 'continue' });
        return;
      case 'LetStmt': {
        if (s.value) {
          const t = this.typeOf(s.value);
          this.setVar(s.variable, s.type ? this.typeName(s.type.name, s.type.pointerDepth) ?? t : t, s.span);
        } else if (s.type) {
          const t = this.typeName(s.type.name, s.type.pointerDepth);
          if (t) this.setVar(s.variable, t, s.span);
        }
        return;
      }
      case 'Block':
        this.block(s);
        return;
      default:
        assertNever(s, 'statement');
    }
  }

  private cond(e: Expr): void {
    const t = this.typeOf(e);
    if (!isInt(t) && t.k !== 'bool' && t.k !== 'void' && t.k !== 'ptr') this.error('T016', e.span, { type: tyToString(t) });
  }

  private assign(s: AssignStmt): void {
    if (s.op !== '=') throw new Error('internal error: compound assignment not desugared');
    const target = s.target;
    if (target.kind === 'VarRef') {
      const t = this.typeOf(s.value);
      if (isAgg(t) && s.value.kind !== 'MapRef') this.error('T014', s.value.span, { name: 'value' });
      if (t.k === 'void' && this.reporting && s.value.kind === 'Call' && returnsNothing(s.value.name)) this.error('T013', s.value.span, { what: `the result of ${s.value.name}()` });
      this.setVar(target, t, s.span);
      return;
    }
    // map assignment
    let valueTy: Ty;
    const v = s.value;
    const fn = v.kind === 'Call' ? findFn(v.name) : undefined;
    if (fn?.aggregation && v.kind === 'Call') {
      this.inAssign = true;
      valueTy = this.callType(v, fn);
      this.inAssign = false;
      this.types.set(v, valueTy);
    } else {
      valueTy = this.typeOf(v);
      if (isAgg(valueTy)) this.error('T014', v.span, { name: v.kind === 'MapRef' ? v.name : 'value' });
      if (valueTy.k === 'void' && v.kind === 'Call' && this.reporting && returnsNothing(v.name)) this.error('T013', v.span, { what: `the result of ${v.name}()` });
    }
    this.mapUse(target, valueTy, true);
  }

  private setVar(v: VarRef, t: Ty, span: Span): void {
    this.assignedSoFar.add(v.name);
    if (t.k === 'void') return;
    const st = storageTy(t);
    const old = this.vars.get(v.name);
    if (!old) {
      this.vars.set(v.name, st);
      this.changed = true;
      return;
    }
    const merged = this.merge(old, st, span, `variable ${v.name}`);
    if (JSON.stringify(merged) !== JSON.stringify(old)) {
      this.vars.set(v.name, merged);
      this.changed = true;
    }
  }

  /** Unify two types of the same storage (map value, variable): strings take the larger size. */
  private merge(a: Ty, b: Ty, span: Span, what: string): Ty {
    if (a.k === 'str' && b.k === 'str') return a.size >= b.size ? a : b;
    if (a.k === 'int' && b.k === 'int') return a;
    if ((a.k === 'int' && b.k === 'bool') || (a.k === 'bool' && b.k === 'int')) return a;
    if (a.k === 'tuple' && b.k === 'tuple' && a.elems.length === b.elems.length) {
      return { k: 'tuple', elems: a.elems.map((x, i) => this.merge(x, b.elems[i]!, span, what)) };
    }
    if (a.k === b.k && JSON.stringify(a) === JSON.stringify(b)) return a;
    if (a.k === 'ptr' && (b.k === 'ptr' || b.k === 'int')) return a;
    if (a.k === b.k && !isAgg(a)) return a;
    this.error('T001', span, { what, expected: tyToString(a), actual: tyToString(b) });
    return a;
  }

  private mapUse(m: MapRef, valueTy: Ty | null, isAssign: boolean): MapInfo {
    let keyTy: Ty | null = null;
    if (m.keys.length === 1) keyTy = storageTy(this.typeOf(m.keys[0]!));
    else if (m.keys.length > 1) keyTy = { k: 'tuple', elems: m.keys.map((k) => storageTy(this.typeOf(k))) };
    if (keyTy) {
      if (keyTy.k === 'void' || (keyTy.k === 'tuple' && keyTy.elems.some((e) => e.k === 'void'))) keyTy = null;
      else if (isAgg(keyTy)) this.error('T014', m.keys[0]!.span, { name: 'aggregation' });
    }
    let info = this.maps.get(m.name);
    if (!info) {
      const idx = this.mapList.length;
      info = {
        name: m.name,
        cname: cMapName(m.name, this.mapList),
        index: idx,
        key: keyTy,
        value: valueTy ? storageTy(valueTy) : VOID,
        span: m.span,
        assigned: isAssign,
      };
      this.maps.set(m.name, info);
      this.mapList.push(info);
      this.changed = true;
    } else {
      if (isAssign && !info.assigned) {
        info.assigned = true;
        this.changed = true;
      }
      const keyless = m.keys.length === 0;
      const infoKeyless = info.key === null && !this.mapHasKeys(info);
      if (this.reporting && keyless !== infoKeyless && info.key !== null) {
        this.error('T005', m.span, { name: m.name, actual: m.keys.length, expected: info.key.k === 'tuple' ? info.key.elems.length : 1 });
      }
      if (keyTy) {
        if (!info.key) {
          info.key = keyTy;
          this.changed = true;
        } else {
          const merged = this.mergeKey(info, keyTy, m);
          if (JSON.stringify(merged) !== JSON.stringify(info.key)) {
            info.key = merged;
            this.changed = true;
          }
        }
      }
      if (valueTy && valueTy.k !== 'void') {
        const st = storageTy(valueTy);
        if (info.value.k === 'void') {
          info.value = st;
          this.changed = true;
        } else {
          const merged = this.merge(info.value, st, m.span, `map ${m.name} value`);
          if (JSON.stringify(merged) !== JSON.stringify(info.value)) {
            info.value = merged;
            this.changed = true;
          }
        }
      }
    }
    if (m.keys.length > 0) this.keyedMaps.add(m.name);
    return info;
  }

  private readonly keyedMaps = new Set<string>();
  private mapHasKeys(info: MapInfo): boolean {
    return this.keyedMaps.has(info.name);
  }

  private mergeKey(info: MapInfo, k: Ty, m: MapRef): Ty {
    const old = info.key!;
    const arity = (t: Ty) => (t.k === 'tuple' && m.keys.length !== 1 ? t.elems.length : 1);
    if (arity(old) !== arity(k) && m.keys.length > 1 !== (old.k === 'tuple')) {
      this.error('T005', m.span, { name: m.name, actual: m.keys.length, expected: old.k === 'tuple' ? old.elems.length : 1 });
      return old;
    }
    return this.merge(old, k, m.span, `map ${m.name} key`);
  }

  // ---------------------------------------------------------------- expressions

  typeOf(e: Expr): Ty {
    const cached = this.types.get(e);
    if (cached) return cached;
    const t = this.infer(e);
    this.types.set(e, t);
    return t;
  }

  private infer(e: Expr): Ty {
    switch (e.kind) {
      case 'IntLit':
        return e.value > 0x7fffffffffffffffn ? U64 : S64;
      case 'StrLit':
        return { k: 'str', size: byteLength(e.value) + 1 };
      case 'BoolLit':
        return { k: 'bool' };
      case 'PositionalParam': {
        const v = this.opts.params[e.index - 1];
        if (v !== undefined && !isNumeric(v)) {
          this.error('T003', e.span, { fn: `$${e.index}`, index: 1, expected: 'a number', actual: `"${v}"` }, [`Try using str($${e.index}).`]);
        }
        return S64;
      }
      case 'PositionalCount':
        return S64;
      case 'Ident': {
        if (!findVar(e.name) && !findFn(e.name) && e.name !== 'args') {
          const v = this.enumConstant(e.name);
          if (v !== null) {
            this.enumConsts.set(e, v);
            return S64;
          }
        }
        return this.ident(e.name, e.span);
      }
      case 'VarRef': {
        const t = this.vars.get(e.name);
        if (!t) {
          this.error('N009', e.span, { name: e.name }, didYouMean(e.name, this.vars.keys()));
          return VOID;
        }
        if (!this.assignedSoFar.has(e.name) && this.loopDepth === 0) this.error('N020', e.span, { name: e.name });
        return t;
      }
      case 'MapRef': {
        // A whole map passed to print/clear/zero/len...: no key to check.
        if (this.allowAggRead && e.keys.length === 0 && this.maps.has(e.name)) return this.maps.get(e.name)!.value;
        const info = this.mapUse(e, null, false);
        if (isAgg(info.value) && this.reporting && !this.allowAggRead) {
          this.error('T014', e.span, { name: e.name });
        }
        return info.value;
      }
      case 'Call':
        return this.call(e);
      case 'Binary':
        return this.binary(e);
      case 'Unary': {
        const t = this.typeOf(e.operand);
        if (e.op === '&') {
          // Taking addresses of script values is not supported (they live in BPF registers).
          this.error('T026', e.span, { op: '&', type: tyToString(t) });
          return S64;
        }
        if (e.op === '!') {
          if (t.k !== 'void' && !isInt(t) && t.k !== 'bool' && t.k !== 'ptr' && !scalarLike(t)) {
            this.error('T026', e.span, { op: '!', type: tyToString(t) });
          }
          return S64;
        }
        if (e.op === '*') {
          if (t.k === 'ptr') return t.pointee ?? S64;
          if (isInt(t)) return S64;
          this.error('T011', e.operand.span, { what: tyToString(t) });
          return S64;
        }
        if (!isInt(t) && t.k !== 'bool' && t.k !== 'void') this.error('T026', e.span, { op: e.op, type: tyToString(t) });
        return t.k === 'int' ? { k: 'int', bits: 64, signed: e.op === '-' ? true : t.signed } : S64;
      }
      case 'Update':
        // `$y = $x++` and friends: bpftrace only allows ++/-- as statements.
        this.error('T013', e.span, { what: `${e.target.name} with ${e.op} inside an expression (use it as a statement)` });
        return S64;
      case 'Ternary': {
        this.cond(e.cond);
        const a = this.typeOf(e.then);
        const b = this.typeOf(e.else);
        if (a.k === 'void') return b;
        if (b.k === 'void') return a;
        if (a.k === 'str' && b.k === 'str') return a.size >= b.size ? a : b;
        if ((isInt(a) || a.k === 'bool') && (isInt(b) || b.k === 'bool')) return this.arith(a, b);
        if (a.k !== b.k) this.error('T004', e.span, { op: '?:', left: tyToString(a), right: tyToString(b) });
        return a;
      }
      case 'Cast': {
        const inner = this.typeOf(e.expr);
        const t = this.typeName(e.type.name, e.type.pointerDepth, e.type.span);
        if (!t) return VOID;
        if (e.type.arrayLen !== null) return { k: 'array', elem: t, len: e.type.arrayLen };
        if (inner.k === 'str' || inner.k === 'tuple') this.error('T009', e.span, { from: tyToString(inner), to: tyToString(t) });
        return t;
      }
      case 'FieldAccess':
        return this.field(e);
      case 'Index': {
        const t = this.typeOf(e.expr);
        const it = this.typeOf(e.index);
        if (!isInt(it)) this.error('T003', e.index.span, { fn: '[]', index: 1, expected: 'an integer', actual: tyToString(it) });
        if (t.k === 'array') return t.elem;
        if (t.k === 'ptr') return t.pointee ?? U64;
        if (t.k === 'str') return { k: 'int', bits: 8, signed: true };
        this.error('T011', e.expr.span, { what: tyToString(t) });
        return VOID;
      }
      case 'TupleLit':
        return { k: 'tuple', elems: e.elems.map((x) => storageTy(this.typeOf(x))) };
      case 'TupleIndex': {
        const t = this.typeOf(e.expr);
        if (t.k !== 'tuple') {
          if (t.k !== 'void') this.error('T012', e.span, { index: e.index, type: tyToString(t) });
          return VOID;
        }
        if (e.index >= t.elems.length) {
          this.error('T012', e.span, { index: e.index, type: tyToString(t) });
          return VOID;
        }
        return t.elems[e.index]!;
      }
      case 'Sizeof': {
        if (e.arg.kind !== 'TypeName') this.typeOf(e.arg);
        return U64;
      }
      case 'Offsetof':
        return U64;
      default:
        return assertNever(e, 'expression');
    }
  }

  /** A kernel enum constant (TCP_SYN_SENT, SKB_DROP_REASON_...) from BTF, or null. */
  private enumConstant(name: string): bigint | null {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) return null;
    try {
      const v = this.env.kernelBtf().enumerator(name)?.value;
      if (v !== undefined) return v;
    } catch {
      /* no BTF: try the table below */
    }
    return KERNEL_DEFINES[name] ?? null;
  }

  /** Set while typing the arguments of functions that take maps (print, clear, len ...). */
  private allowAggRead = false;

  private ident(name: string, span: Span): Ty {
    if (name === 'args') {
      if (!this.provider.hasArgs) this.error('N008', span, { builtin: 'args', provider: this.provider.names[0]! });
      return { k: 'record', name: 'args', size: 0, align: 8 };
    }
    const v = findVar(name) ?? (name.match(/^arg\d+$/) || name.match(/^sarg\d+$/) ? undefined : undefined);
    if (!v) {
      const fn = findFn(name);
      if (fn && fn.minArgs === 0) return this.callType({ kind: 'Call', span, name, nameSpan: span, args: [] }, fn);
      this.error('N002', span, { name }, didYouMean(name, allNames()));
      return VOID;
    }
    if ((v.providers && !v.providers.includes(this.provider.kind)) || (v.available && !v.available(this.provider))) {
      this.error('N008', span, { builtin: name, provider: this.provider.names[0]! });
    }
    return v.type(this);
  }

  private call(e: Call): Ty {
    const v = findVar(e.name);
    if (v && e.args.length === 0 && !findFn(e.name)) return this.ident(e.name, e.span);
    const fn = findFn(e.name);
    if (!fn) {
      // The arguments are not checked: what they should be is unknown.
      this.error('N002', e.nameSpan, { name: e.name }, didYouMean(e.name, allNames()));
      return VOID;
    }
    if (fn.aggregation) {
      this.error('T006', e.span, { fn: e.name });
      return VOID;
    }
    return this.callType(e, fn);
  }

  private callType(e: Call, fn: BuiltinFn): Ty {
    if (e.args.length < fn.minArgs || e.args.length > fn.maxArgs) {
      const expected = fn.minArgs === fn.maxArgs ? String(fn.minArgs) : fn.maxArgs === Infinity || fn.maxArgs >= 64 ? `at least ${fn.minArgs}` : `${fn.minArgs} to ${fn.maxArgs}`;
      this.error('T002', e.span, { fn: fn.name, expected, actual: e.args.length });
      return VOID;
    }
    if (fn.providers && !fn.providers.includes(this.provider.kind)) {
      this.error('T022', e.nameSpan, { fn: fn.name, where: fn.providers.join(', ') + ' probes' });
      return VOID;
    }
    if (fn.unsafe && !this.unsafe) this.error('T021', e.nameSpan, { fn: fn.name });
    const wasAllow = this.allowAggRead;
    this.allowAggRead = (fn.mapArgs?.length ?? 0) > 0;
    const t = fn.infer(this, e);
    this.allowAggRead = wasAllow;
    return t;
  }

  private binary(e: Extract<Expr, { kind: 'Binary' }>): Ty {
    const a = this.typeOf(e.left);
    const b = this.typeOf(e.right);
    if (a.k === 'void' || b.k === 'void') return S64;
    // An aggregation operand was already reported (T014): no second error.
    if (isAgg(a) || isAgg(b)) return S64;
    const cmp = ['==', '!=', '<', '<=', '>', '>='].includes(e.op);
    if (a.k === 'str' || b.k === 'str') {
      if (a.k === 'str' && b.k === 'str' && (e.op === '==' || e.op === '!=')) return S64;
      this.error('T004', e.span, { op: e.op, left: tyToString(a), right: tyToString(b) });
      return S64;
    }
    if (a.k === 'tuple' || b.k === 'tuple') {
      if (a.k === 'tuple' && b.k === 'tuple' && (e.op === '==' || e.op === '!=')) return S64;
      this.error('T004', e.span, { op: e.op, left: tyToString(a), right: tyToString(b) });
      return S64;
    }
    const okA = isInt(a) || a.k === 'bool' || a.k === 'ptr' || scalarLike(a);
    const okB = isInt(b) || b.k === 'bool' || b.k === 'ptr' || scalarLike(b);
    if (!okA || !okB) {
      this.error('T004', e.span, { op: e.op, left: tyToString(a), right: tyToString(b) });
      return S64;
    }
    if (cmp || e.op === '&&' || e.op === '||') return S64;
    if ((e.op === '/' || e.op === '%') && this.constInt(e.right) === 0n) this.error('T017', e.right.span);
    if (a.k === 'ptr' && (e.op === '+' || e.op === '-')) return a;
    return this.arith(a, b);
  }

  private arith(a: Ty, b: Ty): Ty {
    const sa = a.k === 'int' ? a.signed : true;
    const sb = b.k === 'int' ? b.signed : true;
    return { k: 'int', bits: 64, signed: sa && sb };
  }

  private field(e: Extract<Expr, { kind: 'FieldAccess' }>): Ty {
    const base = e.expr;
    if (base.kind === 'Ident' && base.name === 'args') {
      this.typeOf(base);
      if (!this.provider.hasArgs) return VOID;
      const tp = this.unit.tracepoint;
      if (this.provider.kind === 'tracepoint' && tp) {
        let fields: readonly { name: string; ty: Ty }[];
        try {
          fields = this.env.tracepointFields(tp.category, tp.name);
        } catch (err) {
          this.error('N004', e.span, { name: `${tp.category}:${tp.name}` });
          return VOID;
        }
        const f = fields.find((x) => x.name === e.field);
        if (!f) {
          this.error('N011', e.fieldSpan, { field: e.field, type: `tracepoint:${tp.category}:${tp.name} args` }, didYouMean(e.field, fields.map((x) => x.name)));
          return VOID;
        }
        return f.ty;
      }
      const params = this.functionArgs();
      if (params) {
        const p = params.find((x) => x.name === e.field);
        if (!p) {
          this.error('N011', e.fieldSpan, { field: e.field, type: `${this.unit.points[0]?.point.probe ?? 'probe'} args` }, didYouMean(e.field, params.map((x) => x.name)));
          return VOID;
        }
        return p.ty;
      }
      this.error('N008', e.span, { builtin: 'args', provider: this.provider.names[0]! });
      return VOID;
    }
    const t = this.typeOf(base);
    if (t.k === 'void') {
      // A function without a value (exit(), print() ...); other void bases were reported.
      if (base.kind === 'Call') this.error(e.arrow ? 'T011' : 'T018', base.span, { what: `${base.name}(), which has no value,` });
      return VOID;
    }
    let rec: string | null = null;
    if (t.k === 'ptr' && /^(struct|union) /.test(t.to)) rec = t.to;
    else if (t.k === 'record') rec = t.name;
    if (rec === null) {
      this.error(t.k === 'ptr' ? 'T018' : e.arrow ? 'T011' : 'T018', base.span, { what: tyToString(t) });
      return VOID;
    }
    const own = this.scriptStructs.get(rec);
    if (own) {
      const f = own.find((x) => x.name === e.field);
      if (!f) {
        this.error('N011', e.fieldSpan, { field: e.field, type: rec }, didYouMean(e.field, own.map((x) => x.name)));
        return VOID;
      }
      // Pointers read out of user memory point into user memory.
      if (f.ty.k === 'ptr' && t.k === 'ptr' && t.user) return { ...f.ty, user: true };
      return f.ty;
    }
    return this.btfField(rec, e.field, e.fieldSpan);
  }

  /** Type of field `name` of kernel struct `rec` ('struct task_struct'), via BTF. */
  private btfField(rec: string, name: string, span: Span): Ty {
    let btf;
    try {
      btf = this.env.kernelBtf();
    } catch {
      this.error('E005', span);
      return VOID;
    }
    const st = btf.findStruct(rec);
    if (!st) {
      this.error('N012', span, { name: rec });
      return VOID;
    }
    const f = btf.field(st.id, name);
    if (!f) {
      this.error('N011', span, { field: name, type: rec }, didYouMean(name, btf.fields(st.id).map((x) => x.name)));
      return VOID;
    }
    const key = `${rec}.${name}`;
    if (!this.btfUseKeys.has(key)) {
      this.btfUseKeys.add(key);
      this.btfUses.push({ struct: rec.replace(/^struct /, ''), path: [name] });
    }
    return btf.toTy(f.type);
  }

  /** kfunc/kretfunc/rawtracepoint `args` from BTF function prototypes. */
  private functionArgs(): { name: string; ty: Ty }[] | null {
    const k = this.provider.kind;
    if (k !== 'kfunc' && k !== 'kretfunc' && k !== 'rawtracepoint') return null;
    const cached = this.funcArgs.get(this.unit);
    if (cached) return cached;
    let btf;
    try {
      btf = this.env.kernelBtf();
    } catch {
      return null;
    }
    const fn = this.unit.points[0]?.point.func ?? '';
    const sig = k === 'rawtracepoint' ? btf.rawTracepointProto(fn) : btf.funcProto(fn);
    if (!sig) return null;
    const params = sig.params.map((p, i) => ({ name: p.name || `arg${i}`, ty: btf.toTy(p.type) }));
    if (k === 'kretfunc' && sig.ret !== 0) params.push({ name: 'retval', ty: btf.toTy(sig.ret) });
    this.funcArgs.set(this.unit, params);
    return params;
  }

  /** Type of a written type name (casts, let). */
  private typeName(name: string, ptr: number, span?: Span, inStruct = false): Ty | null {
    const ints: Record<string, [IntBits, boolean]> = {
      int8: [8, true], int16: [16, true], int32: [32, true], int64: [64, true],
      uint8: [8, false], uint16: [16, false], uint32: [32, false], uint64: [64, false],
      char: [8, true], 'signed char': [8, true], 'unsigned char': [8, false], short: [16, true], 'unsigned short': [16, false],
      int: [32, true], 'signed int': [32, true], signed: [32, true], unsigned: [32, false], 'unsigned int': [32, false],
      long: [64, true], 'long int': [64, true], 'unsigned long': [64, false], 'long long': [64, true], 'unsigned long long': [64, false],
      u8: [8, false], u16: [16, false], u32: [32, false], u64: [64, false], s8: [8, true], s16: [16, true], s32: [32, true], s64: [64, true],
      __u8: [8, false], __u16: [16, false], __u32: [32, false], __u64: [64, false], __s8: [8, true], __s16: [16, true], __s32: [32, true], __s64: [64, true],
      size_t: [64, false], ssize_t: [64, true], pid_t: [32, true], uid_t: [32, false], gid_t: [32, false],
    };
    if (ptr > 0) {
      const inner = ptr === 1 && !/^(struct|union|enum) /.test(name) ? this.typeName(name, 0) : null;
      // A cast in a user-space probe makes a user pointer.
      const user = !inStruct && this.unit !== undefined && ['uprobe', 'uretprobe', 'usdt'].includes(this.provider.kind);
      return { k: 'ptr', to: name + '*'.repeat(ptr - 1), pointee: inner && inner.k === 'int' ? inner : null, user };
    }
    const own = this.scriptStructs.get(name);
    if (own) return { k: 'record', name, size: 0, align: 8 };
    if (name in ints) {
      const [bits, signed] = ints[name]!;
      return { k: 'int', bits, signed };
    }
    if (name === 'bool') return { k: 'bool' };
    if (name === 'string') return { k: 'str', size: this.strlen };
    if (span) this.error('N012', span, { name });
    return null;
  }

  // ---------------------------------------------------------------- constants

  constInt(e: Expr): bigint | null {
    return constInt(e, { params: this.opts.params, enumConsts: this.enumConsts });
  }

  constStr(e: Expr): string | null {
    return constStr(e, { params: this.opts.params, enumConsts: this.enumConsts });
  }
}

/**
 * Kernel #define constants the bundled bpftrace tools use, for when kernel headers are
 * not installed (bpftrace reads them from the headers; BTF has enums, not #defines).
 */
const KERNEL_DEFINES: Record<string, bigint> = {
  AF_UNSPEC: 0n, AF_UNIX: 1n, AF_LOCAL: 1n, AF_INET: 2n, AF_INET6: 10n, AF_NETLINK: 16n, AF_PACKET: 17n,
  TASK_RUNNING: 0n, TASK_INTERRUPTIBLE: 1n, TASK_UNINTERRUPTIBLE: 2n, __TASK_STOPPED: 4n, __TASK_TRACED: 8n,
  EXIT_DEAD: 16n, EXIT_ZOMBIE: 32n, TASK_PARKED: 64n, TASK_DEAD: 128n, TASK_WAKEKILL: 256n, TASK_NOLOAD: 1024n,
  O_RDONLY: 0n, O_WRONLY: 1n, O_RDWR: 2n, O_CREAT: 64n, O_EXCL: 128n, O_TRUNC: 512n, O_APPEND: 1024n,
  SIGKILL: 9n, SIGTERM: 15n, SIGINT: 2n, SIGSTOP: 19n, SIGCONT: 18n, SIGSEGV: 11n,
  PAGE_SIZE: 4096n, PAGE_SHIFT: 12n,
};

/** A function that exists and returns nothing (printf, exit ...): its result cannot be used. */
function returnsNothing(name: string): boolean {
  const fn = findFn(name);
  return !!fn && !!fn.statement && !fn.aggregation;
}

function scalarLike(t: Ty): boolean {
  return ['ksym', 'kaddr', 'username', 'func', 'probe', 'timestamp', 'cgroup_path', 'strerror'].includes(t.k);
}


/** C name of a map: map_<name>; `@` -> `map_`; disambiguated if needed. */
function cMapName(name: string, existing: readonly MapInfo[]): string {
  const base = `map_${name.slice(1)}`;
  let c = base;
  let i = 1;
  while (existing.some((m) => m.cname === c)) c = `${base}_${i++}`;
  return c;
}
