// A reader for kernel BTF (/sys/kernel/btf/vmlinux and split module BTF).
// Input: the raw BTF blob (header, type section, string section; little endian).
// Output: typed views of BTF types on demand, name lookups, layout (size, alignment,
// field offsets through anonymous members), enum constants, function prototypes
// (kfunc/fentry and raw tracepoints) and the mapping of a BTF type to the Ty union.
// Must not: touch the file system before the first call that needs BTF (the CLI starts
// without it), decode all types up front, or know about codegen naming.
//
// Why it is fast: `Btf` only records the byte offset of each type record when built
// (one linear scan of ~5 MB, a few ms); types are decoded into objects on first use and
// cached. Names are found without decoding the string section: the wanted name is
// located in the string bytes with Buffer.indexOf (strings are de-duplicated, so there
// is one offset per name) and records are matched by their name offset, also searched
// natively. A lookup costs well under a millisecond with a cold JIT.

import { existsSync, readFileSync } from 'node:fs';
import { InternalError, UserError } from '../diagnostics/diagnostic.js';
import { VOID, type IntBits, type Ty } from '../types/ty.js';

export const VMLINUX_BTF_PATH = '/sys/kernel/btf/vmlinux';

/** BTF kind numbers as the kernel defines them (index = kind number). */
export const BTF_KIND_NAMES = [
  'void',
  'int',
  'ptr',
  'array',
  'struct',
  'union',
  'enum',
  'fwd',
  'typedef',
  'volatile',
  'const',
  'restrict',
  'func',
  'func_proto',
  'var',
  'datasec',
  'float',
  'decl_tag',
  'type_tag',
  'enum64',
] as const;

export type BtfKind = (typeof BTF_KIND_NAMES)[number];

const K = {
  VOID: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

const BTF_MAGIC = 0xeb9f;
const TYPE_HEADER_SIZE = 12; // name_off, info, size/type

export interface BtfMember {
  readonly name: string;
  readonly type: number;
  /** Offset from the start of the enclosing aggregate, in bits. */
  readonly bitOffset: number;
  /** Width of a bitfield member; 0 for ordinary members. */
  readonly bitSize: number;
}

export interface BtfEnumValue {
  readonly name: string;
  readonly value: bigint;
}

export interface BtfParam {
  /** '' when BTF carries no name (typedef'd function pointers, raw tracepoint protos). */
  readonly name: string;
  readonly type: number;
}

export type BtfType =
  | { readonly kind: 'void'; readonly id: 0; readonly name: '' }
  | {
      readonly kind: 'int';
      readonly id: number;
      readonly name: string;
      readonly size: number;
      readonly bits: number;
      readonly bitOffset: number;
      readonly signed: boolean;
      readonly char: boolean;
      readonly bool: boolean;
    }
  | { readonly kind: 'ptr'; readonly id: number; readonly name: string; readonly type: number }
  | {
      readonly kind: 'array';
      readonly id: number;
      readonly name: string;
      /** Element type. */
      readonly type: number;
      readonly indexType: number;
      readonly len: number;
    }
  | {
      readonly kind: 'struct' | 'union';
      readonly id: number;
      readonly name: string;
      readonly size: number;
      readonly members: readonly BtfMember[];
    }
  | {
      readonly kind: 'enum' | 'enum64';
      readonly id: number;
      readonly name: string;
      readonly size: number;
      readonly signed: boolean;
      readonly values: readonly BtfEnumValue[];
    }
  | { readonly kind: 'fwd'; readonly id: number; readonly name: string; readonly union: boolean }
  | {
      readonly kind: 'typedef' | 'volatile' | 'const' | 'restrict' | 'type_tag';
      readonly id: number;
      readonly name: string;
      readonly type: number;
    }
  | { readonly kind: 'func'; readonly id: number; readonly name: string; readonly type: number; readonly linkage: number }
  | {
      readonly kind: 'func_proto';
      readonly id: number;
      readonly name: string;
      /** Return type (0 = void). */
      readonly type: number;
      readonly params: readonly BtfParam[];
      readonly variadic: boolean;
    }
  | { readonly kind: 'var'; readonly id: number; readonly name: string; readonly type: number; readonly linkage: number }
  | {
      readonly kind: 'datasec';
      readonly id: number;
      readonly name: string;
      readonly size: number;
      readonly vars: readonly { readonly type: number; readonly offset: number; readonly size: number }[];
    }
  | { readonly kind: 'float'; readonly id: number; readonly name: string; readonly size: number }
  | {
      readonly kind: 'decl_tag';
      readonly id: number;
      readonly name: string;
      readonly type: number;
      /** -1: the tag is on the type itself; otherwise a member or parameter index. */
      readonly componentIdx: number;
    };

export type BtfStructType = Extract<BtfType, { kind: 'struct' | 'union' }>;
export type BtfFuncProtoType = Extract<BtfType, { kind: 'func_proto' }>;

/** A named field found in a struct/union, possibly inside anonymous members. */
export interface BtfField {
  readonly name: string;
  /** BTF id of the field's declared type (typedefs and modifiers not resolved). */
  readonly type: number;
  /** Offset from the start of the aggregate searched, in bits (summed through anonymous members). */
  readonly bitOffset: number;
  /** Bitfield width; 0 for ordinary fields. */
  readonly bitSize: number;
  /** Member indices from the aggregate searched down to the field (CO-RE access path). */
  readonly path: readonly number[];
}

/** A function signature: kfunc/fentry targets and raw tracepoints. */
export interface BtfFuncSig {
  readonly name: string;
  readonly params: readonly BtfParam[];
  /** Return type id (0 = void). */
  readonly ret: number;
  readonly variadic: boolean;
}

export interface BtfEnumerator {
  readonly name: string;
  readonly value: bigint;
  /** The enum type that declares it (its name is '' for anonymous enums). */
  readonly enumId: number;
}

export class Btf {
  /** Byte offset (into `data`) of each local type record; index = id - firstId. */
  private readonly offsets: Int32Array;
  private readonly decoded: (BtfType | undefined)[];
  private readonly typeStart: number;
  private readonly typeLen: number;
  private readonly strStart: number;
  private readonly strLen: number;
  /** First type id defined by this blob (1 for vmlinux; base.count for split BTF). */
  readonly firstId: number;
  /** Number of type ids including void and the base's types: valid ids are 0..count-1. */
  readonly count: number;
  /** The blob as 32-bit words (every BTF record is 4-byte aligned): fast scans. */
  private readonly u32: Uint32Array;
  private readonly findCache = new Map<string, number[]>();
  private nameOffsCache: Buffer | null = null;
  private readonly aggAlignCache = new Map<number, number>();

  constructor(
    private readonly data: Buffer,
    readonly base: Btf | null = null,
  ) {
    if (data.length < 24) throw new InternalError('BTF blob is too short');
    if (data.byteOffset % 4 !== 0) data = Buffer.from(data); // a fresh, aligned copy
    this.data = data;
    this.u32 = new Uint32Array(data.buffer, data.byteOffset, data.length >>> 2);
    const magic = data.readUInt16LE(0);
    if (magic !== BTF_MAGIC) throw new InternalError(`not a little-endian BTF blob (magic 0x${magic.toString(16)})`);
    const hdrLen = data.readUInt32LE(4);
    const typeOff = data.readUInt32LE(8);
    const typeLen = data.readUInt32LE(12);
    const strOff = data.readUInt32LE(16);
    this.strLen = data.readUInt32LE(20);
    this.typeStart = hdrLen + typeOff;
    this.typeLen = typeLen;
    this.strStart = hdrLen + strOff;
    if (this.typeStart + typeLen > data.length || this.strStart + this.strLen > data.length) {
      throw new InternalError('BTF sections run past the end of the blob');
    }
    this.firstId = base ? base.count : 1;
    if (this.typeStart % 4 !== 0) throw new InternalError('BTF type section is not 4-byte aligned');
    this.offsets = scanTypeOffsets(this.u32, this.typeStart, this.typeStart + typeLen);
    this.count = this.firstId + this.offsets.length;
    this.decoded = new Array<BtfType | undefined>(this.offsets.length);
  }

  // ---------------------------------------------------------------- raw access

  /** The name string at a BTF string offset (split BTF continues the base's offsets). */
  str(off: number): string {
    if (this.base) {
      if (off < this.base.strLen) return this.base.str(off);
      off -= this.base.strLen;
    }
    const start = this.strStart + off;
    const end = this.data.indexOf(0, start);
    return this.data.toString('latin1', start, end < 0 ? this.strStart + this.strLen : end);
  }

  /** Kind of a type id without decoding it. */
  kindOf(id: number): BtfKind {
    if (id === 0) return 'void';
    if (id < this.firstId) return this.base!.kindOf(id);
    const kind = (this.u32[(this.recordOffset(id) >>> 2) + 1]! >>> 24) & 0x1f;
    const name = BTF_KIND_NAMES[kind];
    if (!name) throw new InternalError(`unknown BTF kind ${kind} (type ${id})`);
    return name;
  }

  /** Decoded type (cached). Throws InternalError for an id out of range. */
  type(id: number): BtfType {
    if (id === 0) return VOID_TYPE;
    if (id < this.firstId) return this.base!.type(id);
    const idx = id - this.firstId;
    const cached = this.decoded[idx];
    if (cached) return cached;
    const t = this.decodeType(id, this.recordOffset(id));
    this.decoded[idx] = t;
    return t;
  }

  private recordOffset(id: number): number {
    const idx = id - this.firstId;
    if (idx < 0 || idx >= this.offsets.length) throw new InternalError(`BTF type id ${id} out of range`);
    return this.offsets[idx]!;
  }

  private decodeType(id: number, off: number): BtfType {
    const d = this.data;
    const nameOff = d.readUInt32LE(off);
    const info = d.readUInt32LE(off + 4);
    const sizeOrType = d.readUInt32LE(off + 8);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    const name = nameOff ? this.str(nameOff) : '';
    const p = off + TYPE_HEADER_SIZE;
    switch (kind) {
      case K.INT: {
        const enc = d.readUInt32LE(p);
        const e = (enc >>> 24) & 0x0f;
        return {
          kind: 'int',
          id,
          name,
          size: sizeOrType,
          bits: enc & 0xff,
          bitOffset: (enc >>> 16) & 0xff,
          signed: (e & 1) !== 0,
          char: (e & 2) !== 0,
          bool: (e & 4) !== 0,
        };
      }
      case K.PTR:
        return { kind: 'ptr', id, name, type: sizeOrType };
      case K.ARRAY:
        return { kind: 'array', id, name, type: d.readUInt32LE(p), indexType: d.readUInt32LE(p + 4), len: d.readUInt32LE(p + 8) };
      case K.STRUCT:
      case K.UNION: {
        const members: BtfMember[] = [];
        for (let i = 0; i < vlen; i++) {
          const m = p + i * 12;
          const mOff = d.readUInt32LE(m + 8);
          // With kind_flag set the offset word holds (bitfield size << 24 | bit offset).
          members.push({
            name: this.strOrEmpty(d.readUInt32LE(m)),
            type: d.readUInt32LE(m + 4),
            bitOffset: kflag ? mOff & 0xffffff : mOff,
            bitSize: kflag ? mOff >>> 24 : 0,
          });
        }
        return { kind: kind === K.STRUCT ? 'struct' : 'union', id, name, size: sizeOrType, members };
      }
      case K.ENUM:
      case K.ENUM64: {
        const values: BtfEnumValue[] = [];
        const step = kind === K.ENUM ? 8 : 12;
        for (let i = 0; i < vlen; i++) {
          const m = p + i * step;
          let value: bigint;
          if (kind === K.ENUM) {
            value = kflag ? BigInt(d.readInt32LE(m + 4)) : BigInt(d.readUInt32LE(m + 4));
          } else {
            const u = (BigInt(d.readUInt32LE(m + 8)) << 32n) | BigInt(d.readUInt32LE(m + 4));
            value = kflag ? BigInt.asIntN(64, u) : u;
          }
          values.push({ name: this.strOrEmpty(d.readUInt32LE(m)), value });
        }
        return { kind: kind === K.ENUM ? 'enum' : 'enum64', id, name, size: sizeOrType, signed: kflag, values };
      }
      case K.FWD:
        return { kind: 'fwd', id, name, union: kflag };
      case K.TYPEDEF:
        return { kind: 'typedef', id, name, type: sizeOrType };
      case K.VOLATILE:
        return { kind: 'volatile', id, name, type: sizeOrType };
      case K.CONST:
        return { kind: 'const', id, name, type: sizeOrType };
      case K.RESTRICT:
        return { kind: 'restrict', id, name, type: sizeOrType };
      case K.TYPE_TAG:
        return { kind: 'type_tag', id, name, type: sizeOrType };
      case K.FUNC:
        return { kind: 'func', id, name, type: sizeOrType, linkage: vlen };
      case K.FUNC_PROTO: {
        const params: BtfParam[] = [];
        let variadic = false;
        for (let i = 0; i < vlen; i++) {
          const m = p + i * 8;
          const type = d.readUInt32LE(m + 4);
          // A trailing parameter of type 0 with no name marks `...`.
          if (i === vlen - 1 && type === 0) {
            variadic = true;
            break;
          }
          params.push({ name: this.strOrEmpty(d.readUInt32LE(m)), type });
        }
        return { kind: 'func_proto', id, name, type: sizeOrType, params, variadic };
      }
      case K.VAR:
        return { kind: 'var', id, name, type: sizeOrType, linkage: d.readUInt32LE(p) };
      case K.DATASEC: {
        const vars: { type: number; offset: number; size: number }[] = [];
        for (let i = 0; i < vlen; i++) {
          const m = p + i * 12;
          vars.push({ type: d.readUInt32LE(m), offset: d.readUInt32LE(m + 4), size: d.readUInt32LE(m + 8) });
        }
        return { kind: 'datasec', id, name, size: sizeOrType, vars };
      }
      case K.FLOAT:
        return { kind: 'float', id, name, size: sizeOrType };
      case K.DECL_TAG:
        return { kind: 'decl_tag', id, name, type: sizeOrType, componentIdx: d.readInt32LE(p) };
      default:
        throw new InternalError(`unknown BTF kind ${kind} (type ${id})`);
    }
  }

  private strOrEmpty(off: number): string {
    return off ? this.str(off) : '';
  }

  // ---------------------------------------------------------------- names

  /**
   * Every type id (in this blob and its base) whose name is exactly `name`, in id order.
   * `kinds` narrows the result.
   */
  findAll(name: string, kinds?: readonly BtfKind[]): number[] {
    const all = this.idsNamed(name);
    return kinds ? all.filter((id) => kinds.includes(this.kindOf(id))) : all;
  }

  /** All ids named `name` (base first), cached per name. */
  private idsNamed(name: string): number[] {
    const hit = this.findCache.get(name);
    if (hit) return hit;
    const out = this.base && name ? [...this.base.idsNamed(name)] : [];
    if (name) {
      const offs = this.stringOffsets(name);
      if (offs.length > 0) {
        // A linear pass over the name words of all records: well under a millisecond
        // once warm, and no index of 100k+ names to build.
        // The name words are searched as bytes with Buffer.indexOf (native code): a
        // JavaScript loop over 100k+ records costs ~1.5 ms per lookup before the JIT
        // warms up, which a short-lived CLI never gives it.
        const bytes = this.nameOffs();
        const needle = Buffer.alloc(4);
        for (const target of offs) {
          needle.writeUInt32LE(target);
          for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) {
            if (at % 4 === 0) out.push(this.firstId + at / 4);
          }
        }
        out.sort((a, b) => a - b);
      }
    }
    this.findCache.set(name, out);
    return out;
  }

  /** The first type with this name and one of `kinds`, or undefined. */
  find(name: string, kinds?: readonly BtfKind[]): number | undefined {
    return this.findAll(name, kinds)[0];
  }

  /**
   * A struct or union by name: 'task_struct', 'struct task_struct', 'union bpf_attr', or a
   * typedef name that resolves to one ('atomic_t'), or the '#<id>' form toTy() gives to
   * anonymous aggregates. Complete definitions win over forward declarations.
   */
  findStruct(name: string): BtfStructType | undefined {
    let text = name.trim();
    let want: BtfKind[] = ['struct', 'union'];
    const m = /^(struct|union)\s+(.+)$/.exec(text);
    if (m) {
      want = [m[1] as BtfKind];
      text = m[2]!.trim();
    }
    if (text.startsWith('#')) {
      const id = Number(text.slice(1));
      if (!Number.isInteger(id) || id <= 0 || id >= this.count) return undefined;
      const t = this.type(id);
      return t.kind === 'struct' || t.kind === 'union' ? t : undefined;
    }
    const id = this.find(text, want);
    if (id !== undefined) return this.type(id) as BtfStructType;
    if (!m) {
      // A typedef of a struct: `atomic_t`, `spinlock_t`.
      for (const tid of this.findAll(text, ['typedef'])) {
        const r = this.type(this.resolve(tid));
        if (r.kind === 'struct' || r.kind === 'union') return r;
      }
    }
    return undefined;
  }

  /** Name of every FUNC in this blob (kfunc/fentry candidates), sorted, without duplicates. */
  funcNames(): string[] {
    const names = new Set<string>();
    for (let id = this.firstId; id < this.count; id++) {
      if (this.kindOf(id) === 'func') names.add(this.type(id).name);
    }
    return [...names].sort();
  }

  /** name_off of every local record (index = id - firstId), as little-endian bytes. */
  private nameOffs(): Buffer {
    if (this.nameOffsCache) return this.nameOffsCache;
    const names = new Uint32Array(this.offsets.length);
    for (let i = 0; i < names.length; i++) names[i] = this.u32[this.offsets[i]! >>> 2]!;
    this.nameOffsCache = Buffer.from(names.buffer, names.byteOffset, names.byteLength);
    return this.nameOffsCache;
  }

  /**
   * String offsets at which `name` is stored, as name_off values of this blob's records
   * (a split blob's records may point into the base's strings too).
   */
  private stringOffsets(name: string): number[] {
    const fromBase = this.base ? this.base.stringOffsets(name) : [];
    // Search for `name\0` and check that a NUL (or the section start) precedes it: a
    // needle starting with NUL would make the search stop at every string boundary.
    const needle = Buffer.from(`${name}\0`, 'latin1');
    const hay = this.data.subarray(this.strStart, this.strStart + this.strLen);
    const baseLen = this.base ? this.base.strLen : 0;
    const out = [...fromBase];
    // Kernel and module BTF have their strings de-duplicated (pahole/libbpf dedup), so
    // the first exact occurrence is the only one; not scanning on saves ~1 ms a lookup.
    for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + 1)) {
      if (at === 0 || hay[at - 1] === 0) {
        out.push(at + baseLen);
        break;
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- resolution and layout

  /** Follow typedefs and const/volatile/restrict/type_tag to the underlying type id. */
  resolve(id: number): number {
    for (let guard = 0; guard < 64; guard++) {
      const t = this.type(id);
      switch (t.kind) {
        case 'typedef':
        case 'const':
        case 'volatile':
        case 'restrict':
        case 'type_tag':
          id = t.type;
          continue;
        default:
          return id;
      }
    }
    throw new InternalError(`BTF type chain too deep at ${id}`);
  }

  /** Follow only const/volatile/restrict/type_tag (typedef names are kept). */
  skipModifiers(id: number): number {
    for (;;) {
      const t = this.type(id);
      if (t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'type_tag') id = t.type;
      else return id;
    }
  }

  /** Size in bytes (0 for void, functions and incomplete types). */
  sizeOf(id: number): number {
    const t = this.type(this.resolve(id));
    switch (t.kind) {
      case 'int':
      case 'struct':
      case 'union':
      case 'enum':
      case 'enum64':
      case 'float':
      case 'datasec':
        return t.size;
      case 'ptr':
        return 8;
      case 'array':
        return this.sizeOf(t.type) * t.len;
      case 'var':
        return this.sizeOf(t.type);
      case 'fwd': {
        const full = this.completeOf(t.id);
        return full === t.id ? 0 : this.sizeOf(full);
      }
      default:
        return 0;
    }
  }

  /**
   * Natural alignment in bytes, as libbpf computes it: scalars align to their size (at
   * most the 8-byte pointer size), aggregates to their strictest member, and a struct
   * whose layout contradicts natural alignment is packed (alignment 1).
   */
  alignOf(id: number): number {
    const t = this.type(this.resolve(id));
    switch (t.kind) {
      case 'int':
      case 'enum':
      case 'enum64':
      case 'float':
        return Math.max(1, Math.min(8, t.size));
      case 'ptr':
        return 8;
      case 'array':
        return this.alignOf(t.type);
      case 'struct':
      case 'union': {
        // Cached: nested aggregates would otherwise be re-measured for every member.
        let a = this.aggAlignCache.get(t.id);
        if (a === undefined) {
          a = this.membersAlign(t);
          if (this.isPacked(t, a)) a = 1;
          this.aggAlignCache.set(t.id, a);
        }
        return a;
      }
      case 'fwd': {
        const full = this.completeOf(t.id);
        return full === t.id ? 1 : this.alignOf(full);
      }
      default:
        return 1;
    }
  }

  /** Strictest natural alignment among the members of an aggregate (at least 1). */
  private membersAlign(t: BtfStructType): number {
    let a = 1;
    for (const m of t.members) a = Math.max(a, this.alignOf(m.type));
    return a;
  }

  /** True when the struct cannot have been laid out with natural alignment. */
  isPacked(t: BtfStructType, align = this.membersAlign(t)): boolean {
    if (t.size % align !== 0) return true;
    for (const m of t.members) {
      if (m.bitSize !== 0) continue;
      if (m.bitOffset % (8 * this.alignOf(m.type)) !== 0) return true;
    }
    return false;
  }

  /** For a forward declaration, the id of the complete struct/union of that name (else itself). */
  completeOf(id: number): number {
    const t = this.type(id);
    if (t.kind !== 'fwd' || !t.name) return id;
    return this.find(t.name, [t.union ? 'union' : 'struct']) ?? id;
  }

  // ---------------------------------------------------------------- fields

  /**
   * Find a named field of a struct/union (given by id, typedefs allowed), looking through
   * anonymous struct/union members the way C does. Undefined when absent.
   */
  field(aggId: number, name: string): BtfField | undefined {
    const t = this.type(this.completeOf(this.resolve(aggId)));
    if (t.kind !== 'struct' && t.kind !== 'union') return undefined;
    // Direct members first (cheap, and what C would pick; names are unique anyway).
    for (let i = 0; i < t.members.length; i++) {
      const m = t.members[i]!;
      if (m.name === name) return { name, type: m.type, bitOffset: m.bitOffset, bitSize: m.bitSize, path: [i] };
    }
    for (let i = 0; i < t.members.length; i++) {
      const m = t.members[i]!;
      if (m.name !== '') continue;
      const inner = this.field(m.type, name);
      if (inner) {
        return { ...inner, bitOffset: m.bitOffset + inner.bitOffset, path: [i, ...inner.path] };
      }
    }
    return undefined;
  }

  /**
   * offsetof() through a path of fields held by value (`offsetOf(task, ['se', 'vruntime'])`);
   * undefined when a step is missing or would go through a pointer.
   */
  offsetOf(aggId: number, path: readonly string[]): { bitOffset: number; type: number } | undefined {
    let bitOffset = 0;
    let id = aggId;
    for (const name of path) {
      const f = this.field(id, name);
      if (!f) return undefined;
      bitOffset += f.bitOffset;
      id = f.type;
    }
    return { bitOffset, type: id };
  }

  /** Every named field of a struct/union, anonymous members flattened, in declaration order. */
  fields(aggId: number): BtfField[] {
    const t = this.type(this.completeOf(this.resolve(aggId)));
    if (t.kind !== 'struct' && t.kind !== 'union') return [];
    const out: BtfField[] = [];
    t.members.forEach((m, i) => {
      if (m.name !== '') {
        out.push({ name: m.name, type: m.type, bitOffset: m.bitOffset, bitSize: m.bitSize, path: [i] });
        return;
      }
      for (const f of this.fields(m.type)) {
        out.push({ ...f, bitOffset: m.bitOffset + f.bitOffset, path: [i, ...f.path] });
      }
    });
    return out;
  }

  // ---------------------------------------------------------------- enums and functions

  /** A kernel enum constant by name (e.g. TASK_COMM_LEN, BPF_MAP_TYPE_HASH). */
  enumerator(name: string): BtfEnumerator | undefined {
    if (this.base) {
      const hit = this.base.enumerator(name);
      if (hit) return hit;
    }
    // Search the type section natively for the name offset as a 32-bit word, then keep
    // the hits that sit in the name slot of an enumerator of an ENUM/ENUM64 record.
    const types = this.data.subarray(this.typeStart, this.typeStart + this.typeLen);
    const needle = Buffer.alloc(4);
    for (const target of this.stringOffsets(name)) {
      needle.writeUInt32LE(target);
      for (let at = types.indexOf(needle); at >= 0; at = types.indexOf(needle, at + 4 - (at % 4))) {
        if (at % 4 !== 0) continue;
        const hit = this.enumeratorAt(this.typeStart + at, name);
        if (hit) return hit;
      }
    }
    return undefined;
  }

  /** The enumerator whose name word is at byte `pos` of the blob, if that is what is there. */
  private enumeratorAt(pos: number, name: string): BtfEnumerator | undefined {
    // The record containing pos: the last record starting at or before it.
    const { offsets } = this;
    let lo = 0;
    let hi = offsets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (offsets[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    const start = offsets[lo]!;
    const info = this.u32[(start >>> 2) + 1]!;
    const kind = (info >>> 24) & 0x1f;
    if (kind !== K.ENUM && kind !== K.ENUM64) return undefined;
    const rel = pos - start - TYPE_HEADER_SIZE;
    const step = kind === K.ENUM ? 8 : 12;
    if (rel < 0 || rel % step !== 0 || rel / step >= (info & 0xffff)) return undefined;
    const id = this.firstId + lo;
    const t = this.type(id) as Extract<BtfType, { kind: 'enum' | 'enum64' }>;
    return { name, value: t.values[rel / step]!.value, enumId: id };
  }

  /** The prototype of a kernel function (BTF FUNC), for kfunc/fentry probes. */
  funcProto(name: string): BtfFuncSig | undefined {
    const id = this.find(name, ['func']);
    if (id === undefined) return undefined;
    const fn = this.type(id) as Extract<BtfType, { kind: 'func' }>;
    const proto = this.type(fn.type);
    if (proto.kind !== 'func_proto') return undefined;
    return { name, params: proto.params, ret: proto.type, variadic: proto.variadic };
  }

  /**
   * The arguments of a raw tracepoint: the kernel declares `typedef void
   * (*btf_trace_<name>)(void *__data, <tracepoint args>)`; the leading context pointer is
   * dropped here.
   */
  rawTracepointProto(name: string): BtfFuncSig | undefined {
    const id = this.find(`btf_trace_${name}`, ['typedef']);
    if (id === undefined) return undefined;
    const ptr = this.type(this.resolve(id));
    if (ptr.kind !== 'ptr') return undefined;
    const proto = this.type(this.resolve(ptr.type));
    if (proto.kind !== 'func_proto' || proto.params.length === 0) return undefined;
    return { name, params: proto.params.slice(1), ret: proto.type, variadic: proto.variadic };
  }

  // ---------------------------------------------------------------- C names and Ty

  /**
   * Plain C name of a type with typedefs resolved and qualifiers dropped:
   * 'struct task_struct', 'int', 'char *', 'void'. Anonymous aggregates are named by the
   * typedef that reached them when there is one ('atomic_t'), otherwise 'struct #<id>'
   * (findStruct accepts both).
   */
  plainName(id: number): string {
    const r = this.resolve(id);
    const t = this.type(r);
    switch (t.kind) {
      case 'void':
        return 'void';
      case 'int':
      case 'float':
        return t.name;
      case 'ptr': {
        const inner = this.type(this.resolve(t.type));
        if (inner.kind === 'func_proto' || inner.kind === 'array') return 'void *';
        const s = this.plainName(t.type);
        return s.endsWith('*') ? `${s}*` : `${s} *`;
      }
      case 'struct':
      case 'union': {
        if (t.name) return `${t.kind} ${t.name}`;
        // An anonymous aggregate is known by the typedef that names it (`atomic_t`).
        const alias = this.typedefAlias(id, t.id);
        return alias ?? `${t.kind} #${t.id}`;
      }
      case 'enum':
      case 'enum64':
        // Generated C declares no enums: the integer of the enum's size stands in.
        return intCName(t.size, t.signed);
      case 'fwd':
        return `${t.union ? 'union' : 'struct'} ${t.name}`;
      case 'array':
        return `${this.plainName(t.type)}[${t.len}]`;
      default:
        return 'void';
    }
  }

  /** The last typedef name on the way from `fromId` to the anonymous aggregate `aggId`. */
  private typedefAlias(fromId: number, aggId: number): string | undefined {
    let id = fromId;
    let alias: string | undefined;
    for (let guard = 0; guard < 64 && id !== aggId; guard++) {
      const t = this.type(id);
      if (t.kind === 'typedef') alias = t.name;
      if (!('type' in t)) break;
      id = t.type;
    }
    return alias;
  }

  /**
   * The Ty of a value of this BTF type. Ints keep width and sign (C `char` is int8, and
   * `_Bool` is uint8 as in bpftrace 0.17), char arrays become arrays of int8 (the compiler
   * treats them as strings, see isCharArray), pointers carry the pointee's plain C name,
   * structs and unions become records, enums become ints of their size. Floats (which
   * bpftrace cannot handle) become unsigned ints of their size.
   */
  toTy(id: number): Ty {
    return this.toTyAt(id, 0);
  }

  private toTyAt(id: number, depth: number): Ty {
    const r = this.completeOf(this.resolve(id));
    const t = this.type(r);
    switch (t.kind) {
      case 'void':
        return VOID;
      case 'int': {
        if (t.bool) return { k: 'int', bits: 8, signed: false };
        if (t.name === 'char') return { k: 'int', bits: 8, signed: true };
        return intOrWords(t.size, t.signed);
      }
      case 'enum':
      case 'enum64':
        return intOrWords(t.size, t.signed);
      case 'float':
        return intOrWords(t.size, false);
      case 'ptr': {
        const user = this.hasUserTag(t.type);
        const inner = this.type(this.resolve(t.type));
        if (inner.kind === 'func_proto' || depth > 8) return { k: 'ptr', to: 'void', pointee: null, user };
        const to = inner.kind === 'array' ? 'void' : this.plainName(t.type);
        return { k: 'ptr', to, pointee: this.toTyAt(t.type, depth + 1), user };
      }
      case 'array':
        return { k: 'array', elem: this.toTyAt(t.type, depth + 1), len: t.len };
      case 'struct':
      case 'union':
        return { k: 'record', name: this.plainName(id), size: t.size, align: this.alignOf(r) };
      case 'fwd':
        // Never defined in this kernel: only usable behind a pointer.
        return { k: 'record', name: `${t.union ? 'union' : 'struct'} ${t.name}`, size: 0, align: 1 };
      default:
        return VOID;
    }
  }

  /** True when a `__user` type tag (clang-built kernels) marks the pointee chain. */
  private hasUserTag(id: number): boolean {
    for (let guard = 0; guard < 64; guard++) {
      const t = this.type(id);
      if (t.kind === 'type_tag' && t.name === 'user') return true;
      if (t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'type_tag' || t.kind === 'typedef') {
        id = t.type;
      } else {
        return false;
      }
    }
    return false;
  }
}

const VOID_TYPE: BtfType = { kind: 'void', id: 0, name: '' };

/** C spelling of a plain integer of this size and sign (for anonymous enums). */
function intCName(size: number, signed: boolean): string {
  const base = size === 1 ? 'char' : size === 2 ? 'short' : size === 4 ? 'int' : 'long long';
  return `${signed ? '' : 'unsigned '}${base}`;
}

function intOrWords(size: number, signed: boolean): Ty {
  if (size === 1 || size === 2 || size === 4 || size === 8) return { k: 'int', bits: (size * 8) as IntBits, signed };
  // __int128 and odd sizes: an array of u64 words keeps the layout exact.
  return { k: 'array', elem: { k: 'int', bits: 64, signed: false }, len: Math.max(1, Math.ceil(size / 8)) };
}

/** Size of the data that follows the 12-byte header of a type record of this kind. */
function extraSize(kind: number, vlen: number): number {
  switch (kind) {
    case K.INT:
    case K.VAR:
    case K.DECL_TAG:
      return 4;
    case K.ARRAY:
      return 12;
    case K.STRUCT:
    case K.UNION:
    case K.DATASEC:
    case K.ENUM64:
      return 12 * vlen;
    case K.ENUM:
    case K.FUNC_PROTO:
      return 8 * vlen;
    case K.PTR:
    case K.FWD:
    case K.TYPEDEF:
    case K.VOLATILE:
    case K.CONST:
    case K.RESTRICT:
    case K.FUNC:
    case K.FLOAT:
    case K.TYPE_TAG:
      return 0;
    default:
      throw new InternalError(`unknown BTF kind ${kind}`);
  }
}

function scanTypeOffsets(u32: Uint32Array, start: number, end: number): Int32Array {
  let offsets = new Int32Array(1 << 17);
  let n = 0;
  let off = start;
  while (off < end) {
    if (n === offsets.length) {
      const grown = new Int32Array(offsets.length * 2);
      grown.set(offsets);
      offsets = grown;
    }
    offsets[n++] = off;
    const info = u32[(off >>> 2) + 1]!;
    off += TYPE_HEADER_SIZE + extraSize((info >>> 24) & 0x1f, info & 0xffff);
  }
  if (off !== end) throw new InternalError('BTF type section is malformed');
  return offsets.slice(0, n);
}

// ---------------------------------------------------------------- the kernel's BTF

let vmlinuxCache: Btf | null = null;
const moduleCache = new Map<string, Btf | null>();

/** Whether vmlinuxBtf() has read the kernel's BTF in this process (the CLI must not, unless needed). */
export function isVmlinuxBtfLoaded(): boolean {
  return vmlinuxCache !== null;
}

/** True when this kernel exposes its BTF (does not read it). */
export function hasVmlinuxBtf(path = VMLINUX_BTF_PATH): boolean {
  return existsSync(path);
}

/**
 * The kernel's BTF, read and indexed on the first call and cached for the process.
 * Throws a UserError (E005) when the kernel has none.
 */
export function vmlinuxBtf(): Btf {
  if (vmlinuxCache) return vmlinuxCache;
  let data: Buffer;
  try {
    data = readFileSync(VMLINUX_BTF_PATH);
  } catch {
    throw UserError.of('E005', null);
  }
  vmlinuxCache = new Btf(data);
  return vmlinuxCache;
}

/** Split BTF of a loaded kernel module (/sys/kernel/btf/<name>), or null when absent. */
export function moduleBtf(name: string): Btf | null {
  if (moduleCache.has(name)) return moduleCache.get(name)!;
  const path = `/sys/kernel/btf/${name}`;
  let btf: Btf | null = null;
  if (name !== 'vmlinux' && /^[\w-]+$/.test(name) && existsSync(path)) btf = new Btf(readFileSync(path), vmlinuxBtf());
  moduleCache.set(name, btf);
  return btf;
}

/** An array of 8-bit ints whose element is C `char` (int8): the compiler prints it as a string. */
export function isCharArray(t: Ty): boolean {
  return t.k === 'array' && t.elem.k === 'int' && t.elem.bits === 8 && t.elem.signed;
}
