// The Ty union: every type a bpftrace expression, map key or map value can have, with
// its byte layout. The layout here is THE layout: codegen emits C structs with exactly
// these sizes and offsets (natural alignment, like clang for BPF), and the runtime
// decoder (src/runtime/decode.ts) reads kernel bytes back with the same functions.
// Must not: know about AST nodes or codegen naming.

export type IntBits = 8 | 16 | 32 | 64;

export type AggKind = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'stats' | 'hist' | 'lhist';

export type Ty =
  | { readonly k: 'void' }
  | { readonly k: 'int'; readonly bits: IntBits; readonly signed: boolean }
  | { readonly k: 'bool' } // 1 byte; printed as true/false (newer bpftrace)
  /** NUL-padded char array of `size` bytes (size includes the terminator). */
  | { readonly k: 'str'; readonly size: number }
  /** buf(): u32 length, then `size` bytes. Printed as \xNN escapes (like %r). */
  | { readonly k: 'buf'; readonly size: number }
  /** C struct layout with natural alignment; elements may be named (records). */
  | { readonly k: 'tuple'; readonly elems: readonly Ty[] }
  /** A fixed array (e.g. `args->args` of raw_syscalls, char arrays in structs). */
  | { readonly k: 'array'; readonly elem: Ty; readonly len: number }
  /** A pointer; `to` is the C type text of the pointee ('struct task_struct', 'char', 'void'). */
  | { readonly k: 'ptr'; readonly to: string; readonly pointee: Ty | null; readonly user: boolean }
  /** A C struct/union by value (from BTF or a script `struct` definition). */
  | { readonly k: 'record'; readonly name: string; readonly size: number; readonly align: number }
  // ---- values printed through user-space tables; all 8-byte scalars in the kernel
  | { readonly k: 'ksym' } // kernel address -> symbol
  | { readonly k: 'usym' } // { u64 addr; u64 pid } -> symbol of that process (see symbolize)
  | { readonly k: 'kaddr' } // ksym-style but printed as the address
  | { readonly k: 'func' } // u64 attach cookie -> function name of the attach point
  | { readonly k: 'probe' } // u64 attach cookie -> full probe name
  | { readonly k: 'username' } // u64 uid -> user name
  | { readonly k: 'kstack'; readonly depth: number; readonly mode: StackMode } // s64 stack id
  | { readonly k: 'ustack'; readonly depth: number; readonly mode: StackMode } // { s64 id; u64 pid }
  | { readonly k: 'inet'; readonly size: number } // ntop(): { u32 af; u8 addr[16] }
  | { readonly k: 'macaddr' } // 6 bytes
  | { readonly k: 'timestamp'; readonly fmt?: string } // u64 nsecs since boot (strftime)
  | { readonly k: 'cgroup_path' } // u64 cgroup id -> path
  | { readonly k: 'strerror' } // u64 errno -> message
  /** join(): `args` strings of `argLen` bytes each (empty = end), printed joined by `sep`. */
  | { readonly k: 'joined'; readonly args: number; readonly argLen: number; readonly sep: string }
  // ---- aggregation values (map values only); per-CPU in the kernel, merged in user space
  | { readonly k: 'count' }
  | { readonly k: 'sum'; readonly signed: boolean }
  | { readonly k: 'min'; readonly signed: boolean }
  | { readonly k: 'max'; readonly signed: boolean }
  | { readonly k: 'avg'; readonly signed: boolean }
  | { readonly k: 'stats'; readonly signed: boolean }
  /** log2 histogram; `bits` is bpftrace's optional second argument (0 = plain powers of 2). */
  | { readonly k: 'hist'; readonly bits: number }
  | { readonly k: 'lhist'; readonly min: number; readonly max: number; readonly step: number };

export type StackMode = 'bpftrace' | 'perf' | 'raw';

export const U64: Ty = { k: 'int', bits: 64, signed: false };
export const S64: Ty = { k: 'int', bits: 64, signed: true };
export const U32: Ty = { k: 'int', bits: 32, signed: false };
export const S32: Ty = { k: 'int', bits: 32, signed: true };
export const U8: Ty = { k: 'int', bits: 8, signed: false };
export const VOID: Ty = { k: 'void' };

export function intTy(bits: IntBits, signed: boolean): Ty {
  return { k: 'int', bits, signed };
}

export function strTy(size: number): Ty {
  return { k: 'str', size };
}

export function isAgg(t: Ty): boolean {
  switch (t.k) {
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'avg':
    case 'stats':
    case 'hist':
    case 'lhist':
      return true;
    default:
      return false;
  }
}

export function isInt(t: Ty): t is Extract<Ty, { k: 'int' }> {
  return t.k === 'int';
}

/** Number of u64 buckets of a hist value: bpftrace's layout (see rt_hist_index in rt.bpf.h). */
export function histBuckets(bits: number): number {
  // bucket 0: negative values; bucket 1: zero; then for each power of two 2^e (e = 0..63)
  // 2^bits sub-buckets (bits = 0: one bucket per power of two).
  return 2 + 64 * (1 << bits);
}

/** Number of u64 buckets of an lhist value: below min, one per step, at or above max. */
export function lhistBuckets(min: number, max: number, step: number): number {
  return Math.floor((max - min) / step) + 2;
}

/** Size in bytes of a value of type t in kernel memory (for aggregations: ONE CPU's slot). */
export function sizeOf(t: Ty): number {
  switch (t.k) {
    case 'void':
      return 0;
    case 'bool':
      return 1;
    case 'int':
      return t.bits / 8;
    case 'str':
      return t.size;
    case 'buf':
      return alignUp(4 + t.size, 4);
    case 'tuple':
      return tupleLayout(t.elems).size;
    case 'array':
      return sizeOf(t.elem) * t.len;
    case 'record':
      return t.size;
    case 'inet':
      return 4 + 16;
    case 'joined':
      return t.args * t.argLen;
    case 'macaddr':
      return 6;
    case 'usym':
    case 'ustack':
      return 16;
    case 'ptr':
    case 'ksym':
    case 'kaddr':
    case 'func':
    case 'probe':
    case 'username':
    case 'kstack':
    case 'timestamp':
    case 'cgroup_path':
    case 'strerror':
    case 'count':
    case 'sum':
      return 8;
    case 'min':
    case 'max':
    case 'avg':
    case 'stats':
      return 16; // { s64 value_or_sum; u64 count_or_seen }
    case 'hist':
      return 8 * histBuckets(t.bits);
    case 'lhist':
      return 8 * lhistBuckets(t.min, t.max, t.step);
  }
}

export function alignOf(t: Ty): number {
  switch (t.k) {
    case 'void':
    case 'bool':
    case 'str':
    case 'macaddr':
    case 'joined':
      return 1;
    case 'int':
      return t.bits / 8;
    case 'buf':
    case 'inet':
      return 4;
    case 'tuple':
      return tupleLayout(t.elems).align;
    case 'array':
      return alignOf(t.elem);
    case 'record':
      return t.align;
    default:
      return 8;
  }
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export interface TupleLayout {
  readonly offsets: readonly number[];
  readonly size: number;
  readonly align: number;
}

/** C struct layout of a tuple's elements (natural alignment, tail padding). */
export function tupleLayout(elems: readonly Ty[]): TupleLayout {
  let off = 0;
  let align = 1;
  const offsets: number[] = [];
  for (const e of elems) {
    const a = alignOf(e);
    align = Math.max(align, a);
    off = alignUp(off, a);
    offsets.push(off);
    off += sizeOf(e);
  }
  return { offsets, size: alignUp(off, align), align };
}

/** bpftrace-style type name for messages: 'uint64', 'string[64]', '(int64, string[16])'. */
export function tyToString(t: Ty): string {
  switch (t.k) {
    case 'int':
      return `${t.signed ? 'int' : 'uint'}${t.bits}`;
    case 'str':
      return `string[${t.size}]`;
    case 'buf':
      return `buffer[${t.size}]`;
    case 'tuple':
      return `(${t.elems.map(tyToString).join(', ')})`;
    case 'array':
      return `${tyToString(t.elem)}[${t.len}]`;
    case 'ptr':
      return `${t.to} *`;
    case 'record':
      return t.name;
    case 'hist':
      return 'hist_t';
    case 'lhist':
      return 'lhist_t';
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
    case 'avg':
    case 'stats':
      return `${t.k}_t`;
    case 'kstack':
    case 'ustack':
      return t.k;
    default:
      return t.k;
  }
}

export function tyEquals(a: Ty, b: Ty): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
