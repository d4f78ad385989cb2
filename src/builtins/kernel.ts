// Functions about addresses, memory and the system: ksym, usym, kaddr, uaddr, uptr,
// kptr, buf, reg, ntop, pton, macaddr, strerror, bswap, cgroupid, cgroup_path, signal,
// override, debugf, strftime, has_key, len, path, sizeof-like helpers.

import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { constants } from 'node:os';
import type { BuiltinFn, GenCtx, InferCtx } from './spec.js';
import type { Call, MapRef } from '../ast/nodes.js';
import { S64, U64, isInt, tyToString, type Ty } from '../types/ty.js';
import { isUserPtr } from './strings.js';

/** Values computed at compile time (kaddr, uaddr, cgroupid, pton), keyed by call. */
const CONSTS = new WeakMap<Call, bigint | Uint8Array>();

function intArg(ctx: InferCtx, call: Call, i: number): Ty {
  const a = call.args[i]!;
  const t = ctx.typeOf(a);
  if (t.k !== 'void' && !isInt(t) && t.k !== 'ptr' && t.k !== 'bool') {
    ctx.error('T003', a.span, { fn: call.name, index: i + 1, expected: 'an integer or pointer', actual: tyToString(t) });
  }
  return t;
}

function strLitArg(ctx: InferCtx, call: Call, i: number): string | null {
  const a = call.args[i]!;
  const s = ctx.constStr(a);
  if (s === null) ctx.error('T003', a.span, { fn: call.name, index: i + 1, expected: 'a string literal', actual: tyToString(ctx.typeOf(a)) });
  return s;
}

let kallsyms: Map<string, bigint> | null = null;
function kernelSymbolAddress(name: string): bigint | null {
  if (!kallsyms) {
    kallsyms = new Map();
    try {
      for (const line of readFileSync('/proc/kallsyms', 'utf8').split('\n')) {
        const [addr, , sym] = line.split(' ');
        if (sym && !kallsyms.has(sym)) kallsyms.set(sym, BigInt('0x' + addr));
      }
    } catch {
      /* unreadable: reported as not found */
    }
  }
  return kallsyms.get(name) ?? null;
}

const REGS: Record<string, string> = {
  ip: 'ip', pc: 'ip', sp: 'sp', bp: 'bp', fp: 'bp', ax: 'ax', bx: 'bx', cx: 'cx', dx: 'dx', si: 'si', di: 'di',
  r8: 'r8', r9: 'r9', r10: 'r10', r11: 'r11', r12: 'r12', r13: 'r13', r14: 'r14', r15: 'r15', flags: 'flags', orig_ax: 'orig_ax',
};
/** User-space <asm/ptrace.h> spells x86-64 registers with an r (rip, rsp ...). */
function ptRegsField(reg: string): string {
  const r = REGS[reg]!;
  if (/^r\d+$/.test(r)) return r;
  if (r === 'flags') return 'eflags';
  if (r === 'orig_ax') return 'orig_rax';
  return `r${r}`;
}

const SIGNALS: Record<string, number> = Object.fromEntries(Object.entries(constants.signals).map(([k, v]) => [k, v as number]));

function fn(def: Omit<BuiltinFn, 'kind'>): BuiltinFn {
  return { kind: 'fn', ...def };
}

function readFn(g: GenCtx, t: Ty): string {
  return isUserPtr(t, g.provider.kind) ? 'bpf_probe_read_user' : 'bpf_probe_read_kernel';
}

export const KERNEL_FNS: readonly BuiltinFn[] = [
  fn({
    name: 'ksym',
    doc: 'Kernel symbol name of an address',
    signature: 'ksym(addr)',
    minArgs: 1,
    maxArgs: 1,
    infer(ctx, call) {
      intArg(ctx, call, 0);
      return { k: 'ksym' };
    },
    emit: (g, call) => `(__u64)(${g.scalar(call.args[0]!)})`,
  }),
  fn({
    name: 'usym',
    doc: 'User symbol name of an address in the current process',
    signature: 'usym(addr)',
    minArgs: 1,
    maxArgs: 1,
    infer(ctx, call) {
      intArg(ctx, call, 0);
      return { k: 'usym' };
    },
    emitInto(g, call, dst) {
      g.w.ln(`${dst}.f0 = (__u64)(${g.scalar(call.args[0]!)});`);
      g.w.ln(`${dst}.f1 = rt_pid();`);
    },
  }),
  fn({
    name: 'kaddr',
    doc: 'Address of a kernel symbol (resolved when the script is compiled)',
    signature: 'kaddr("symbol")',
    minArgs: 1,
    maxArgs: 1,
    infer(ctx, call) {
      const s = strLitArg(ctx, call, 0);
      if (s !== null) {
        const a = kernelSymbolAddress(s);
        if (a === null) ctx.error('N007', call.args[0]!.span, { name: s, path: '/proc/kallsyms' });
        else CONSTS.set(call, a);
      }
      return U64;
    },
    emit: (_g, call) => `${(CONSTS.get(call) as bigint | undefined) ?? 0n}ULL`,
  }),
  fn({
    name: 'uaddr',
    doc: 'Address of a symbol in the traced binary (uprobe/usdt probes)',
    signature: 'uaddr("symbol")',
    minArgs: 1,
    maxArgs: 1,
    providers: ['uprobe', 'uretprobe', 'usdt'],
    infer(ctx, call) {
      const s = strLitArg(ctx, call, 0);
      if (s !== null) {
        const a = ctx.userSymbolAddress(s);
        if (a === null) ctx.error('N007', call.args[0]!.span, { name: s, path: 'the traced binary' });
        else CONSTS.set(call, a);
      }
      return { k: 'ptr', to: 'void', pointee: null, user: true };
    },
    emit: (_g, call) => `${(CONSTS.get(call) as bigint | undefined) ?? 0n}ULL`,
  }),
  ...(['uptr', 'kptr'] as const).map((name) =>
    fn({
      name,
      doc: `Mark an address as a ${name === 'uptr' ? 'user' : 'kernel'}-space pointer`,
      signature: `${name}(addr)`,
      minArgs: 1,
      maxArgs: 1,
      infer(ctx, call) {
        const t = intArg(ctx, call, 0);
        if (t.k === 'ptr') return { ...t, user: name === 'uptr' };
        return { k: 'ptr', to: 'void', pointee: null, user: name === 'uptr' };
      },
      emit: (g, call) => `(__u64)(${g.scalar(call.args[0]!)})`,
    }),
  ),
  fn({
    name: 'buf',
    doc: 'Read len bytes (or the array) at an address as a buffer, printed with %r',
    signature: 'buf(addr[, len])',
    minArgs: 1,
    maxArgs: 2,
    infer(ctx, call) {
      const t = ctx.typeOf(call.args[0]!);
      if (call.args[1]) {
        intArg(ctx, call, 1);
        const n = ctx.constInt(call.args[1]);
        return { k: 'buf', size: n !== null ? Math.max(1, Math.min(Number(n), 1024)) : ctx.strlen };
      }
      if (t.k === 'array') return { k: 'buf', size: t.len * (t.elem.k === 'int' ? t.elem.bits / 8 : 8) };
      if (t.k === 'str') return { k: 'buf', size: t.size };
      ctx.error('T002', call.span, { fn: 'buf', expected: '2 (an address needs a length)', actual: 1 });
      return { k: 'buf', size: 1 };
    },
    emitInto(g, call, dst) {
      const out = g.ty(call) as Extract<Ty, { k: 'buf' }>;
      const a = call.args[0]!;
      const t = g.ty(a);
      const n = g.tmp('n');
      if (call.args[1]) {
        g.w.ln(`__u32 ${n} = (__u32)(${g.scalar(call.args[1])});`);
        g.w.ln(`if (${n} > ${out.size})`);
        g.w.ln(`\t${n} = ${out.size};`);
      } else {
        g.w.ln(`__u32 ${n} = ${out.size};`);
      }
      g.w.ln(`*(__u32 *)${dst} = ${n};`);
      const src = t.k === 'array' || t.k === 'str' ? `&${g.lvalue(a)}` : `(const void *)(${g.scalar(a)})`;
      g.w.ln(`${g.checked(`${readFn(g, t)}(&${dst}[4], ${n}, ${src})`, 'probe_read', call.span)};`);
    },
  }),
  fn({
    name: 'reg',
    doc: 'Value of a CPU register in the probe context: reg("ip"), reg("sp") ...',
    signature: 'reg("name")',
    minArgs: 1,
    maxArgs: 1,
    providers: ['kprobe', 'kretprobe', 'uprobe', 'uretprobe', 'usdt', 'profile', 'software', 'hardware', 'interval'],
    infer(ctx, call) {
      const s = strLitArg(ctx, call, 0);
      if (s !== null && !(s in REGS)) ctx.error('T003', call.args[0]!.span, { fn: 'reg', index: 1, expected: `a register (${Object.keys(REGS).join(', ')})`, actual: `"${s}"` });
      return U64;
    },
    emit(g, call) {
      const r = ptRegsField(g.constStr(call.args[0]!));
      const regs = g.provider.ctx === 'perf_event' ? `((struct pt_regs *)&((struct bpf_perf_event_data *)${g.ctxName})->regs)` : `((struct pt_regs *)${g.ctxName})`;
      return `(__u64)${regs}->${r}`;
    },
  }),
  fn({
    name: 'ntop',
    doc: 'Text form of an IPv4 or IPv6 address: ntop(addr) or ntop(af, addr)',
    signature: 'ntop([af, ]addr)',
    minArgs: 1,
    maxArgs: 2,
    infer(ctx, call) {
      for (const a of call.args) ctx.typeOf(a);
      return { k: 'inet', size: 16 };
    },
    emitInto(g, call, dst) {
      const addr = call.args[call.args.length - 1]!;
      const t = g.ty(addr);
      const af = call.args.length === 2 ? g.scalar(call.args[0]!) : t.k === 'array' && t.len * sizeOfElem(t) === 16 ? '10' : '2';
      g.w.ln(`*(__u32 *)${dst} = (__u32)(${af});`);
      g.w.ln(`__builtin_memset(&${dst}[4], 0, 16);`);
      if (t.k === 'array') {
        g.w.ln(`__builtin_memcpy(&${dst}[4], &${g.lvalue(addr)}, ${Math.min(16, t.len * sizeOfElem(t))});`);
      } else if (t.k === 'ptr') {
        const n = g.tmp('n');
        g.w.ln(`__u32 ${n} = *(__u32 *)${dst} == 10 ? 16 : 4;`);
        g.w.ln(`${g.checked(`${readFn(g, t)}(&${dst}[4], ${n} & 31, (const void *)(${g.scalar(addr)}))`, 'probe_read', call.span)};`);
      } else {
        const v = g.tmp('a');
        g.w.ln(`__u32 ${v} = (__u32)(${g.scalar(addr)});`);
        g.w.ln(`__builtin_memcpy(&${dst}[4], &${v}, 4);`);
      }
    },
  }),
  fn({
    name: 'pton',
    doc: 'Binary form of an IPv4 (as an integer array) or IPv6 address literal',
    signature: 'pton("addr")',
    minArgs: 1,
    maxArgs: 1,
    infer(ctx, call) {
      const s = strLitArg(ctx, call, 0);
      const v = s === null ? 0 : isIP(s);
      if (s !== null && v === 0) ctx.error('T003', call.args[0]!.span, { fn: 'pton', index: 1, expected: 'an IPv4 or IPv6 address', actual: `"${s}"` });
      if (s !== null && v) CONSTS.set(call, ipBytes(s, v));
      return { k: 'array', elem: { k: 'int', bits: 8, signed: false }, len: v === 6 ? 16 : 4 };
    },
    emitInto(g, call, dst) {
      const bytes = (CONSTS.get(call) as Uint8Array | undefined) ?? new Uint8Array(4);
      bytes.forEach((b, i) => g.w.ln(`((__u8 *)&${dst})[${i}] = ${b};`));
    },
  }),
  fn({
    name: 'macaddr',
    doc: 'Text form of a 6-byte MAC address',
    signature: 'macaddr(addr)',
    minArgs: 1,
    maxArgs: 1,
    infer(ctx, call) {
      ctx.typeOf(call.args[0]!);
      return { k: 'macaddr' };
    },
    emitInto(g, call, dst) {
      const a = call.args[0]!;
      const t = g.ty(a);
      if (t.k === 'array') g.w.ln(`__builtin_memcpy(${dst}, &${g.lvalue(a)}, 6);`);
      else g.w.ln(`${g.checked(`${readFn(g, t)}(${dst}, 6, (const void *)(${g.scalar(a)}))`, 'probe_read', call.span)};`);
    },
  }),
  fn({
    name: 'strerror',
    doc: 'Text of an errno value',
    signature: 'strerror(errno)',
    minArgs: 1,
    maxArgs: 1,
    infer(ctx, call) {
      intArg(ctx, call, 0);
      return { k: 'strerror' };
    },
    emit: (g, call) => `(__u64)(${g.scalar(call.args[0]!)})`,
  }),
  fn({
    name: 'bswap',
    doc: 'Reverse the byte order of an integer (by its width)',
    signature: 'bswap(n)',
    minArgs: 1,
    maxArgs: 1,
    infer(ctx, call) {
      const t = intArg(ctx, call, 0);
      return t.k === 'int' ? t : S64;
    },
    emit(g, call) {
      const t = g.ty(call.args[0]!);
      const bits = t.k === 'int' ? t.bits : 64;
      const x = g.scalar(call.args[0]!);
      if (bits === 8) return `(${x})`;
      return `((__u64)__builtin_bswap${bits}((__u${bits})(${x})))`;
    },
  }),
  fn({
    name: 'cgroupid',
    doc: 'cgroup v2 ID of a cgroup path (resolved when compiling)',
    signature: 'cgroupid("/sys/fs/cgroup/...")',
    minArgs: 1,
    maxArgs: 1,
    infer(ctx, call) {
      const s = strLitArg(ctx, call, 0);
      if (s !== null) {
        try {
          CONSTS.set(call, BigInt(statSync(s, { bigint: true }).ino));
        } catch (e) {
          ctx.error('E010', call.args[0]!.span, { path: s, reason: (e as Error).message });
        }
      }
      return U64;
    },
    emit: (_g, call) => `${(CONSTS.get(call) as bigint | undefined) ?? 0n}ULL`,
  }),
  fn({
    name: 'cgroup_path',
    doc: 'Path of a cgroup ID (resolved in user space)',
    signature: 'cgroup_path(id)',
    minArgs: 1,
    maxArgs: 2,
    infer(ctx, call) {
      intArg(ctx, call, 0);
      return { k: 'cgroup_path' };
    },
    emit: (g, call) => `(__u64)(${g.scalar(call.args[0]!)})`,
  }),
  fn({
    name: 'signal',
    doc: 'Send a signal to the current task (needs --unsafe)',
    signature: 'signal(SIGNAME | "SIGNAME" | num)',
    minArgs: 1,
    maxArgs: 1,
    unsafe: true,
    statement: true,
    providers: ['kprobe', 'kretprobe', 'uprobe', 'uretprobe', 'usdt', 'tracepoint', 'rawtracepoint', 'profile', 'interval', 'software', 'hardware', 'kfunc', 'kretfunc'],
    infer(ctx, call) {
      const a = call.args[0]!;
      const name = a.kind === 'Ident' ? a.name : ctx.constStr(a);
      if (name !== null && a.kind !== 'IntLit') {
        const n = name.startsWith('SIG') ? name : `SIG${name}`;
        if (!(n in SIGNALS)) ctx.error('T003', a.span, { fn: 'signal', index: 1, expected: 'a signal name like SIGKILL', actual: name });
      } else {
        intArg(ctx, call, 0);
      }
      return { k: 'void' };
    },
    emit(g, call) {
      const a = call.args[0]!;
      const name = a.kind === 'Ident' ? a.name : a.kind === 'StrLit' ? a.value : null;
      const sig = name !== null ? String(SIGNALS[name.startsWith('SIG') ? name : `SIG${name}`] ?? 0) : g.scalar(a);
      g.w.ln(`bpf_send_signal(${sig});`);
      return '';
    },
  }),
  fn({
    name: 'override',
    doc: 'Override the return value of a kprobed function (needs --unsafe)',
    signature: 'override(rc)',
    minArgs: 1,
    maxArgs: 1,
    unsafe: true,
    statement: true,
    providers: ['kprobe'],
    infer(ctx, call) {
      intArg(ctx, call, 0);
      return { k: 'void' };
    },
    emit(g, call) {
      g.w.ln(`bpf_override_return((struct pt_regs *)${g.ctxName}, (__u64)(${g.scalar(call.args[0]!)}));`);
      return '';
    },
  }),
  fn({
    name: 'debugf',
    doc: 'bpf_printk to the kernel trace pipe (at most 3 arguments)',
    signature: 'debugf(fmt, args...)',
    minArgs: 1,
    maxArgs: 4,
    statement: true,
    infer(ctx, call) {
      strLitArg(ctx, call, 0);
      call.args.slice(1).forEach((_a, i) => intArg(ctx, call, i + 1));
      return { k: 'void' };
    },
    emit(g, call) {
      const fmt = g.constStr(call.args[0]!);
      const args = call.args.slice(1).map((a) => `(__u64)(${g.scalar(a)})`);
      g.w.ln(`bpf_printk(${JSON.stringify(fmt)}${args.map((a) => `, ${a}`).join('')});`);
      return '';
    },
  }),
  fn({
    name: 'strftime',
    doc: 'A timestamp printed with a strftime format (%f: microseconds)',
    signature: 'strftime(fmt, nsecs)',
    minArgs: 2,
    maxArgs: 2,
    infer(ctx, call) {
      const f = strLitArg(ctx, call, 0);
      intArg(ctx, call, 1);
      return { k: 'timestamp', fmt: f ?? '%H:%M:%S' };
    },
    emit: (g, call) => `(__u64)(${g.scalar(call.args[1]!)})`,
  }),
  fn({
    name: 'has_key',
    doc: 'True (1) when a map has the key',
    signature: 'has_key(@map, key)',
    minArgs: 2,
    maxArgs: 2,
    mapArgs: [0],
    infer(ctx, call) {
      const m = call.args[0]!;
      if (m.kind !== 'MapRef') ctx.error('T015', m.span, { fn: 'has_key' });
      else ctx.typeOf({ ...m, keys: [call.args[1]!] } as MapRef);
      return S64;
    },
    emit(g, call) {
      const m = g.map((call.args[0] as MapRef).name);
      const key = g.mapKey((call.args[0] as MapRef).name, [call.args[1]!]);
      return `(bpf_map_lookup_elem(&${m.cname}, &${key}) != 0)`;
    },
  }),
  fn({
    name: 'len',
    doc: 'Number of entries of a map (counted in the kernel)',
    signature: 'len(@map)',
    minArgs: 1,
    maxArgs: 1,
    mapArgs: [0],
    infer(ctx, call) {
      const a = call.args[0]!;
      if (a.kind !== 'MapRef' || a.keys.length > 0) ctx.error('T015', a.span, { fn: 'len' });
      else ctx.typeOf(a);
      return S64;
    },
    emit: (g, call) => `(__s64)rt_map_len(&${g.map((call.args[0] as MapRef).name).cname})`,
  }),
  fn({
    name: 'path',
    doc: 'Full path of a struct path * (kfunc probes on allowed functions)',
    signature: 'path(struct path *)',
    minArgs: 1,
    maxArgs: 2,
    providers: ['kfunc', 'kretfunc', 'iter'],
    infer(ctx, call) {
      ctx.typeOf(call.args[0]!);
      return { k: 'str', size: ctx.strlen };
    },
    emitInto(g, call, dst) {
      const out = g.ty(call) as Extract<Ty, { k: 'str' }>;
      g.w.ln(`bpf_d_path((struct path *)(${g.scalar(call.args[0]!)}), ${dst}, ${out.size});`);
    },
  }),
];

function sizeOfElem(t: Extract<Ty, { k: 'array' }>): number {
  return t.elem.k === 'int' ? t.elem.bits / 8 : 8;
}

function ipBytes(s: string, v: number): Uint8Array {
  if (v === 4) return Uint8Array.from(s.split('.').map(Number));
  const [head, tail] = s.split('::') as [string, string | undefined];
  const parse = (x: string | undefined) => (x ? x.split(':').filter(Boolean).map((h) => parseInt(h, 16)) : []);
  const a = parse(head);
  const b = parse(tail);
  const words = tail === undefined ? a : [...a, ...new Array(8 - a.length - b.length).fill(0), ...b];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

