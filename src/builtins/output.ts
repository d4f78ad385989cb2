// Output and control functions: printf, print, time, exit, clear, zero, delete, system,
// cat, join, errorf/warnf-like helpers. Everything that reaches user space goes through
// the one event channel: the program reserves a record in the ring buffer with the event
// id (manifest.events[id] says what it is), fills the arguments, and submits it.

import type { BuiltinFn, GenCtx, InferCtx } from './spec.js';
import type { Call, Expr, MapRef } from '../ast/nodes.js';
import { isAgg, tyToString } from '../types/ty.js';
import { storageTy } from '../analyze/storage.js';
import type { EventKind } from '../codegen/manifest.js';
import { checkFormat } from '../analyze/format-check.js';
import { isUserPtr } from './strings.js';

/** Reserve an event, fill its payload from `args`, submit. */
export function emitEvent(
  g: GenCtx,
  kind: EventKind,
  call: Call,
  args: readonly Expr[],
  extra: { format?: string; map?: number; top?: number; div?: number } = {},
): void {
  const tys = args.map((a) => storageTy(g.ty(a)));
  const id = g.event(kind, call.span, { k: 'tuple', elems: tys }, extra);
  if (args.length === 0) {
    g.w.ln(`rt_emit_simple(${id}, ${g.progIndex});`);
    return;
  }
  const ev = g.tmp('ev');
  g.w.ln(`struct ${g.eventStruct(id)} *${ev} = rt_reserve(sizeof(*${ev}), ${id}, ${g.progIndex});`);
  g.w.open(`if (${ev}) {`);
  args.forEach((a, i) => g.into(a, `${ev}->a${i}`, tys[i]!));
  g.w.ln(`rt_submit(${ev});`);
  g.w.close();
}

function formatArg(ctx: InferCtx, call: Call, fn: string): string | null {
  const f = call.args[0];
  if (!f) return null;
  const s = ctx.constStr(f);
  if (s === null) {
    ctx.error('T003', f.span, { fn, index: 1, expected: 'a string literal', actual: tyToString(ctx.typeOf(f)) });
    return null;
  }
  return s;
}

function printfLike(name: string, kind: EventKind, doc: string, extra: Partial<BuiltinFn> = {}): BuiltinFn {
  return {
    kind: 'fn',
    name,
    doc,
    signature: `${name}(fmt, args...)`,
    minArgs: 1,
    maxArgs: 64,
    statement: true,
    infer(ctx, call) {
      const fmt = formatArg(ctx, call, name);
      const argTys = call.args.slice(1).map((a) => ctx.typeOf(a));
      call.args.slice(1).forEach((a, i) => {
        if (isAgg(argTys[i]!)) ctx.error('T014', a.span, { name: a.kind === 'MapRef' ? a.name : 'value' });
      });
      if (fmt !== null) {
        for (const p of checkFormat(fmt, argTys)) ctx.error('T008', call.args[0]!.span, { detail: p });
      }
      return { k: 'void' };
    },
    emit(g, call) {
      emitEvent(g, kind, call, call.args.slice(1), { format: g.constStr(call.args[0]!) });
      return '';
    },
    ...extra,
  };
}

function mapArg(ctx: InferCtx, call: Call, fn: string): MapRef | null {
  const a = call.args[0];
  if (!a || a.kind !== 'MapRef') {
    ctx.error('T015', (a ?? call).span, { fn });
    return null;
  }
  return a;
}

function mapAction(name: 'clear' | 'zero', doc: string): BuiltinFn {
  return {
    kind: 'fn',
    name,
    doc,
    signature: `${name}(@map)`,
    minArgs: 1,
    maxArgs: 1,
    statement: true,
    mapArgs: [0],
    infer(ctx, call) {
      const m = mapArg(ctx, call, name);
      if (m && m.keys.length > 0) ctx.error('T015', m.span, { fn: name });
      else if (m) ctx.typeOf(m);
      return { k: 'void' };
    },
    emit(g, call) {
      const m = g.map((call.args[0] as MapRef).name);
      emitEvent(g, name, call, [], { map: m.index });
      return '';
    },
  };
}

export const OUTPUT_FNS: readonly BuiltinFn[] = [
  printfLike('printf', 'printf', 'Print formatted text (bpftrace format specifiers)'),
  printfLike('system', 'system', 'Run a shell command (needs --unsafe)', { unsafe: true }),
  printfLike('cat', 'cat', 'Print the contents of a file'),
  {
    kind: 'fn',
    name: 'print',
    doc: 'Print a map (optionally the top N entries, values divided by div) or a value',
    signature: 'print(@map[, top[, div]]) | print(value)',
    minArgs: 1,
    maxArgs: 3,
    statement: true,
    mapArgs: [0],
    infer(ctx, call) {
      const a = call.args[0]!;
      if (a.kind === 'MapRef' && a.keys.length === 0) {
        ctx.typeOf(a); // registers use
        for (const i of [1, 2]) {
          const x = call.args[i];
          if (x && ctx.constInt(x) === null) ctx.error('T007', x.span, { what: `print() ${i === 1 ? 'top' : 'div'}` });
        }
        return { k: 'void' };
      }
      if (call.args.length > 1) ctx.error('T002', call.span, { fn: 'print', expected: 1, actual: call.args.length });
      const t = ctx.typeOf(a);
      if (isAgg(t)) ctx.error('T014', a.span, { name: a.kind === 'MapRef' ? a.name : 'value' });
      return { k: 'void' };
    },
    emit(g, call) {
      const a = call.args[0]!;
      if (a.kind === 'MapRef' && a.keys.length === 0) {
        const m = g.map(a.name);
        const top = call.args[1] ? Number(g.constInt(call.args[1])) : 0;
        const div = call.args[2] ? Number(g.constInt(call.args[2])) : 0;
        emitEvent(g, 'print_map', call, [], { map: m.index, top, div });
      } else {
        emitEvent(g, 'print_value', call, [a]);
      }
      return '';
    },
  },
  mapAction('clear', 'Delete every entry of a map'),
  mapAction('zero', 'Set every value of a map to zero'),
  {
    kind: 'fn',
    name: 'delete',
    doc: 'Delete map entries: delete(@m[k]), delete(@m, k), delete(@a[k], @b[k])',
    signature: 'delete(@map[key], ...)',
    minArgs: 1,
    maxArgs: 64,
    statement: true,
    mapArgs: [0],
    infer(ctx, call) {
      const a = call.args[0]!;
      if (a.kind !== 'MapRef') {
        ctx.error('T015', a.span, { fn: 'delete' });
        return { k: 'void' };
      }
      ctx.typeOf(a);
      // delete(@m, key): the newer form; otherwise every argument is a map element.
      if (a.keys.length === 0 && call.args.length === 2 && call.args[1]!.kind !== 'MapRef') {
        ctx.typeOf(call.args[1]!);
        return { k: 'void' };
      }
      for (const x of call.args.slice(1)) {
        if (x.kind !== 'MapRef') ctx.error('T015', x.span, { fn: 'delete' });
        else ctx.typeOf(x);
      }
      return { k: 'void' };
    },
    emit(g, call) {
      const a = call.args[0] as MapRef;
      const pairs: [string, readonly Expr[]][] =
        a.keys.length === 0 && call.args.length === 2 && call.args[1]!.kind !== 'MapRef'
          ? [[a.name, [call.args[1]!]]]
          : call.args.map((x) => [(x as MapRef).name, (x as MapRef).keys]);
      for (const [name, keys] of pairs) {
        const m = g.map(name);
        const key = g.mapKey(name, keys);
        g.w.ln(`${g.checked(`bpf_map_delete_elem(&${m.cname}, &${key})`, 'map_delete_elem', call.span)};`);
      }
      return '';
    },
  },
  {
    kind: 'fn',
    name: 'exit',
    doc: 'Stop tracing (END probes run and maps print); optional exit code',
    signature: 'exit([code])',
    minArgs: 0,
    maxArgs: 1,
    statement: true,
    infer(ctx, call) {
      if (call.args[0]) ctx.typeOf(call.args[0]);
      return { k: 'void' };
    },
    emit(g, call) {
      const code: Expr = call.args[0] ?? { kind: 'IntLit', span: call.span, value: 0n, suffix: '' };
      emitEvent(g, 'exit', call, call.args[0] ? [code] : []);
      g.leaveProbe();
      return '';
    },
  },
  {
    kind: 'fn',
    name: 'time',
    doc: 'Print the current time (strftime format, default "%H:%M:%S\\n")',
    signature: 'time([fmt])',
    minArgs: 0,
    maxArgs: 1,
    statement: true,
    infer(ctx, call) {
      if (call.args[0]) formatArg(ctx, call, 'time');
      return { k: 'void' };
    },
    emit(g, call) {
      const format = call.args[0] ? g.constStr(call.args[0]) : '%H:%M:%S\n';
      emitEvent(g, 'time', call, [], { format });
      return '';
    },
  },
  {
    kind: 'fn',
    name: 'join',
    doc: 'Print the strings of a NULL-terminated array of string pointers (e.g. argv), joined',
    signature: 'join(char **array[, sep])',
    minArgs: 1,
    maxArgs: 2,
    statement: false,
    infer(ctx, call) {
      ctx.typeOf(call.args[0]!);
      if (call.args[1] && ctx.constStr(call.args[1]) === null) {
        ctx.error('T003', call.args[1].span, { fn: 'join', index: 2, expected: 'a string literal', actual: 'an expression' });
      }
      const sep = call.args[1] ? (ctx.constStr(call.args[1]) ?? ' ') : ' ';
      return { k: 'joined', args: JOIN_ARGS, argLen: JOIN_ARGLEN, sep };
    },
    emitInto(g, call, dst) {
      const t = g.ty(call.args[0]!);
      const user = isUserPtr(t, g.provider.kind);
      const base = g.tmp('argv');
      const i = g.tmp('i');
      const p = g.tmp('p');
      g.w.ln(`__u64 ${base} = ${g.scalar(call.args[0]!)};`);
      g.w.ln('#pragma unroll');
      g.w.open(`for (int ${i} = 0; ${i} < ${JOIN_ARGS}; ${i}++) {`);
      g.w.ln(`__u64 ${p} = 0;`);
      g.w.ln(`${g.checked(`bpf_probe_read_${user ? 'user' : 'kernel'}(&${p}, sizeof(${p}), (const void *)(${base} + ${i} * 8))`, 'probe_read', call.span)};`);
      g.w.open(`if (!${p}) {`);
      g.w.ln(`${dst}[${i} * ${JOIN_ARGLEN}] = 0;`);
      g.w.ln('break;');
      g.w.close();
      g.w.ln(`${g.checked(`bpf_probe_read_${user ? 'user' : 'kernel'}_str(&${dst}[${i} * ${JOIN_ARGLEN}], ${JOIN_ARGLEN}, (const void *)${p})`, 'probe_read_str', call.span)};`);
      g.w.close();
    },
    emit(g, call) {
      // join() as a statement prints the joined arguments on a line (bpftrace 0.17).
      emitEvent(g, 'join', call, [call]);
      return '';
    },
  },
];

/** join(): bpftrace reads up to 16 arguments of up to 1024 bytes; we keep it verifier-sized. */
export const JOIN_ARGS = 16;
export const JOIN_ARGLEN = 64;

