// Tracepoint formats from tracefs (events/<category>/<name>/format): the fields of a
// tracepoint's record, their Ty, the C struct of the record for generated programs, and
// the `-lv` text bpftrace 0.17 prints for it.
// Input: format file text (parseTracepointFormat is pure), or the live tracefs.
// Output: TracepointFormat values and strings. Must not: use BTF (format files carry
// sizes, offsets and signedness, which is all a record needs), or report diagnostics
// itself (a missing tracepoint is `undefined`; the analyzer reports N004 with a span).

import { existsSync, readFileSync } from 'node:fs';
import { InternalError } from '../diagnostics/diagnostic.js';
import type { IntBits, Ty } from '../types/ty.js';
import { tracefsRoot } from './tracefs.js';

export interface TracepointField {
  readonly name: string;
  /**
   * The C type as written, without the name and array suffix: 'const char *',
   * 'unsigned long', 'pid_t', 'char'; for data_loc fields the element type ('char').
   */
  readonly type: string;
  /** The declaration exactly as the format file has it: 'char prev_comm[16]' (-lv prints it). */
  readonly decl: string;
  readonly offset: number;
  readonly size: number;
  /** The format's `signed:` column (unreliable for syscall args: `int dfd` says 0). */
  readonly signed: boolean;
  /** Element count of `T name[N]` (0 for a flexible `T name[]`), null when not an array. */
  readonly arrayLen: number | null;
  /** `__data_loc T[] name`: a u32 holding `length << 16 | offset` of the data in the record. */
  readonly dataLoc: boolean;
  /** common_type, common_flags, common_preempt_count, common_pid (not in `args`). */
  readonly common: boolean;
  /** Pointers in this record point to user memory (the syscalls category). */
  readonly user: boolean;
}

export interface TracepointFormat {
  readonly category: string;
  readonly name: string;
  /** The event id (perf_event_attr.config), from the `ID:` line. */
  readonly id: number;
  /** Every field including the common ones, in format-file order. */
  readonly fields: readonly TracepointField[];
}

export interface TracepointName {
  readonly category: string;
  readonly name: string;
}

// ---------------------------------------------------------------- parsing

const FIELD_LINE = /^\s*field:([^;]*);\s*offset:(\d+);\s*size:(\d+);(?:\s*signed:(-?\d+);)?/;
const DATA_LOC = /^__data_loc\s+(.+?)\s*\[\]\s*([A-Za-z_]\w*)$/;
const DECL = /^(.*?)\s*([A-Za-z_]\w*)\s*(?:\[\s*([^\]]*)\])?$/;

/** Parse the text of a `format` file. Throws InternalError when it is not one. */
export function parseTracepointFormat(text: string, category: string, name: string): TracepointFormat {
  const idMatch = /^ID:\s*(\d+)/m.exec(text);
  if (!idMatch) throw new InternalError(`tracepoint ${category}:${name}: format has no ID line`);
  const user = category === 'syscalls';
  const fields: TracepointField[] = [];
  for (const line of text.split('\n')) {
    const m = FIELD_LINE.exec(line);
    if (!m) continue;
    const decl = m[1]!.trim();
    const offset = Number(m[2]);
    const size = Number(m[3]);
    const signed = m[4] !== undefined && Number(m[4]) !== 0;
    const loc = DATA_LOC.exec(decl);
    if (loc) {
      const type = loc[1]!;
      const fname = loc[2]!;
      fields.push({ name: fname, type, decl, offset, size, signed, arrayLen: null, dataLoc: true, common: false, user });
      continue;
    }
    const d = DECL.exec(decl);
    if (!d) throw new InternalError(`tracepoint ${category}:${name}: cannot parse field '${decl}'`);
    const fname = d[2]!;
    const type = d[1]!.trim();
    let arrayLen: number | null = null;
    if (d[3] !== undefined) {
      const n = d[3].trim();
      if (/^\d+$/.test(n)) arrayLen = Number(n);
      else if (n === '') arrayLen = 0;
      else {
        // Old kernels print the macro (`comm[TASK_COMM_LEN]`): derive it from the size.
        const elem = scalarInfo(type, 0, signed).size;
        arrayLen = elem > 0 ? Math.floor(size / elem) : size;
      }
    }
    fields.push({
      name: fname,
      type,
      decl,
      offset,
      size,
      signed,
      arrayLen,
      dataLoc: false,
      common: fname.startsWith('common_'),
      user,
    });
  }
  return { category, name, id: Number(idMatch[1]), fields };
}

// ---------------------------------------------------------------- tracefs access

/** Category and event names are plain identifiers; anything else is no tracepoint. */
function isEventName(s: string): boolean {
  return /^[A-Za-z0-9_.-]+$/.test(s) && s !== '.' && s !== '..';
}

function formatPath(root: string, category: string, name: string): string {
  return `${root}/events/${category}/${name}/format`;
}

/** Whether the tracepoint exists on this kernel (its format file is there). */
export function tracepointExists(category: string, name: string, root: string = tracefsRoot()): boolean {
  return isEventName(category) && isEventName(name) && existsSync(formatPath(root, category, name));
}

/** The format of a tracepoint, or undefined when this kernel has no such tracepoint. */
export function readTracepointFormat(category: string, name: string, root: string = tracefsRoot()): TracepointFormat | undefined {
  if (!tracepointExists(category, name, root)) return undefined;
  let text: string;
  try {
    text = readFileSync(formatPath(root, category, name), 'utf8');
  } catch {
    return undefined;
  }
  return parseTracepointFormat(text, category, name);
}

/** Every tracepoint, from available_events (one small read), sorted like bpftrace -l. */
export function listTracepoints(root: string = tracefsRoot()): TracepointName[] {
  const text = readFileSync(`${root}/available_events`, 'utf8');
  return parseAvailableEvents(text);
}

/** `category:name` lines -> names, sorted bytewise by 'category:name'. */
export function parseAvailableEvents(text: string): TracepointName[] {
  const lines = text.split('\n').filter((l) => l.includes(':'));
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return lines.map((l) => {
    const i = l.indexOf(':');
    return { category: l.slice(0, i), name: l.slice(i + 1).trim() };
  });
}

// ---------------------------------------------------------------- types

interface ScalarInfo {
  /** Size of the C type in bytes (0 when the spelling is not a known C or kernel type). */
  readonly size: number;
  readonly signed: boolean;
  /** Canonical C spelling, usable without kernel headers ('' when unknown). */
  readonly c: string;
  readonly bool: boolean;
}

/** Spellings of integer types a C compiler (and <linux/types.h>) knows, with their layout. */
const C_SCALARS: Readonly<Record<string, readonly [size: number, signed: boolean, c: string]>> = (() => {
  const t: Record<string, readonly [number, boolean, string]> = {};
  const add = (names: string[], size: number, signed: boolean, c: string) => {
    for (const n of names) t[n] = [size, signed, c];
  };
  add(['char', 'signed char', 's8', '__s8', 'int8_t'], 1, true, 'char');
  add(['unsigned char', 'u8', '__u8', 'uint8_t'], 1, false, 'unsigned char');
  add(['short', 'short int', 'signed short', 'signed short int', 's16', '__s16', 'int16_t'], 2, true, 'short');
  add(['unsigned short', 'unsigned short int', 'short unsigned int'], 2, false, 'unsigned short');
  add(['u16', '__u16', 'uint16_t', '__be16', '__le16'], 2, false, 'unsigned short');
  add(['int', 'signed', 'signed int', 's32', '__s32', 'int32_t'], 4, true, 'int');
  add(['unsigned', 'unsigned int', 'u32', '__u32', 'uint32_t', 'uint', '__be32', '__le32'], 4, false, 'unsigned int');
  add(['long', 'long int', 'signed long', 'ssize_t', 'loff_t'], 8, true, 'long');
  add(['unsigned long', 'unsigned long int', 'long unsigned int', 'size_t'], 8, false, 'unsigned long');
  add(['long long', 'long long int', 's64', '__s64', 'int64_t'], 8, true, 'long long');
  add(['unsigned long long', 'unsigned long long int', 'long long unsigned int'], 8, false, 'unsigned long long');
  add(['u64', '__u64', 'uint64_t', '__be64', '__le64'], 8, false, 'unsigned long long');
  return t;
})();

/** Words that qualify a type without changing its layout. */
const QUALIFIERS =
  /\b(const|volatile|__user|__kernel|__iomem|__percpu|__rcu|__seg_gs|__seg_fs|__force|__attribute__\(\([^)]*\)\))(?!\w)\s*/g;

function stripQualifiers(type: string): string {
  return type.replace(QUALIFIERS, '').replace(/\s+/g, ' ').trim();
}

/** Layout of a scalar spelling; unknown typedefs take `size` and `signed` from the format. */
function scalarInfo(type: string, size: number, signed: boolean): ScalarInfo {
  const plain = stripQualifiers(type);
  if (plain === 'bool' || plain === '_Bool') return { size: 1, signed: false, c: '_Bool', bool: true };
  const known = C_SCALARS[plain];
  if (known) return { size: known[0], signed: known[1], c: known[2], bool: false };
  return { size, signed, c: '', bool: false };
}

function intTyOfSize(size: number, signed: boolean): Ty {
  if (size === 1 || size === 2 || size === 4 || size === 8) return { k: 'int', bits: (size * 8) as IntBits, signed };
  // An odd-sized blob (a struct by value): opaque bytes.
  return { k: 'array', elem: { k: 'int', bits: 8, signed: false }, len: size };
}

/** Pointer levels and pointee spelling of a pointer type text: 'const char *const *' -> [2, 'const char']. */
function pointerParts(type: string): [levels: number, pointee: string] {
  let levels = 0;
  let t = type.trim();
  while (t.endsWith('*') || /\bconst$|\bvolatile$|\b__user$|\b__seg_gs$/.test(t)) {
    if (t.endsWith('*')) {
      levels++;
      t = t.slice(0, -1).trim();
    } else {
      t = t.replace(/\s*\w+$/, '').trim();
    }
  }
  return [levels, t];
}

/**
 * The C name a pointer field points to, usable in generated C without kernel headers:
 * 'char', 'struct sockaddr', 'void', or 'void' for typedefs we cannot spell.
 */
function pointeeCName(pointee: string): string {
  const plain = stripQualifiers(pointee);
  const known = scalarInfo(plain, 0, false);
  if (known.c) return known.c;
  if (/^(struct|union) [A-Za-z_]\w*$/.test(plain) || plain === 'void') return plain;
  return 'void';
}

function pointerTy(levels: number, pointee: string, user: boolean): Ty {
  const plain = stripQualifiers(pointee);
  const known = scalarInfo(plain, 0, false);
  // The pointee's Ty when the spelling tells it; struct and typedef pointees are left to
  // BTF (by the `to` name) if the script dereferences them.
  let pointeeTy: Ty | null = null;
  if (known.bool) pointeeTy = { k: 'int', bits: 8, signed: false };
  else if (known.size > 0) pointeeTy = intTyOfSize(known.size, known.signed);
  else if (plain === 'void') pointeeTy = { k: 'void' };
  let ty: Ty = { k: 'ptr', to: pointeeCName(plain), pointee: pointeeTy, user };
  for (let i = 1; i < levels; i++) {
    const to: string = ty.k !== 'ptr' ? 'void' : ty.to.endsWith('*') ? `${ty.to}*` : `${ty.to} *`;
    ty = { k: 'ptr', to, pointee: ty, user };
  }
  return ty;
}

/**
 * The Ty of a field's value, as bpftrace 0.17 types `args->x`:
 * - integers take their width from the record (`int dfd` of a syscall is 8 bytes: int64)
 *   and their sign from the C spelling when it is a known type, else from `signed:`;
 * - `char comm[16]` -> array of int8 (isCharArray: printed as a string); other arrays
 *   -> arrays of their element;
 * - pointers -> ptr with the pointee's C name; user pointers for syscalls;
 * - `__data_loc char[] x` -> a kernel pointer to the element type: the value is read at
 *   the record address plus the low 16 bits of the u32 (see dataLocAddressC).
 */
export function fieldTy(field: TracepointField): Ty {
  if (field.dataLoc) return pointerTy(1, field.type, false);
  if (field.arrayLen !== null) {
    const len = field.arrayLen;
    const declared = scalarInfo(field.type, 0, field.signed);
    const elemSize = declared.size > 0 ? declared.size : len > 0 ? field.size / len : 1;
    const [levels, pointee] = pointerParts(field.type);
    let elem: Ty;
    if (levels > 0) elem = pointerTy(levels, pointee, field.user);
    else if (declared.bool) elem = { k: 'int', bits: 8, signed: false };
    else elem = intTyOfSize(elemSize, declared.size > 0 ? declared.signed : field.signed);
    return { k: 'array', elem, len };
  }
  const [levels, pointee] = pointerParts(field.type);
  if (levels > 0) return pointerTy(levels, pointee, field.user);
  const info = scalarInfo(field.type, field.size, field.signed);
  if (info.bool && field.size === 1) return { k: 'int', bits: 8, signed: false };
  return intTyOfSize(field.size, info.signed);
}

// ---------------------------------------------------------------- generated C

/** A tracepoint's own fields (not the common_ ones), typed: ResolveEnv.tracepointFields. */
export function tracepointFields(fmt: TracepointFormat): { name: string; ty: Ty; dataLoc: boolean }[] {
  return fmt.fields.filter((f) => !f.common).map((f) => ({ name: f.name, ty: fieldTy(f), dataLoc: f.dataLoc }));
}

/** A tracepoint's context struct in C, and its name: ResolveEnv.tracepointStruct. */
export function tracepointStruct(fmt: TracepointFormat): { cname: string; decl: string } {
  return { cname: tracepointStructName(fmt.category, fmt.name), decl: tracepointStructC(fmt) };
}

/** `tp_<category>_<name>`, with anything that is not an identifier character made '_'. */
export function tracepointStructName(category: string, name: string): string {
  return `tp_${category}_${name}`.replace(/[^A-Za-z0-9_]/g, '_');
}

const FIXED_C: Readonly<Record<string, string>> = {
  '8s': '__s8',
  '8u': '__u8',
  '16s': '__s16',
  '16u': '__u16',
  '32s': '__s32',
  '32u': '__u32',
  '64s': '__s64',
  '64u': '__u64',
};

/** Integer types spelled with C keywords only: no header is needed for them. */
const C_KEYWORD_TYPE = /^(?:(?:signed|unsigned|char|short|int|long)\s*)+$/;

/** The member declaration for a field: the written C type when it is plain C of the right size. */
function memberDecl(f: TracepointField): { text: string; align: number } {
  if (f.dataLoc) return { text: `__u32 ${f.name}`, align: 4 };
  const ty = fieldTy(f);
  const scalarC = (t: Ty, written: string): { c: string; align: number } => {
    if (t.k === 'ptr') return { c: t.to.endsWith('*') ? `${t.to}*` : `${t.to} *`, align: 8 };
    if (t.k === 'int') {
      // Keep plain C spellings (`int`, `unsigned long`) when their size is the field's;
      // everything else (typedefs, `int` widened to 8 bytes) is a fixed-width type.
      const plain = stripQualifiers(written);
      const info = scalarInfo(plain, 0, false);
      if (C_KEYWORD_TYPE.test(plain) && info.size * 8 === t.bits) return { c: info.c, align: info.size };
      return { c: FIXED_C[`${t.bits}${t.signed ? 's' : 'u'}`]!, align: t.bits / 8 };
    }
    return { c: '', align: 1 };
  };
  if (ty.k === 'array') {
    const elem = scalarC(ty.elem, f.type);
    if (elem.c) return { text: `${elem.c}${elem.c.endsWith('*') ? '' : ' '}${f.name}[${ty.len}]`, align: elem.align };
    return { text: `__u8 ${f.name}[${f.size}]`, align: 1 };
  }
  const s = scalarC(ty, f.type);
  if (s.c) return { text: `${s.c}${s.c.endsWith('*') ? '' : ' '}${f.name}`, align: s.align };
  return { text: `__u8 ${f.name}[${f.size}]`, align: 1 };
}

/**
 * The C struct of a tracepoint record with exact offsets: the common header as one
 * `__u64 __common` (or padding), explicit `char __pad_<off>[n]` members for gaps, and a
 * `_Static_assert` per field so a mismatch is a compile error, never a wrong read.
 * Needs __u8..__s64 (<linux/types.h>, which <linux/bpf.h> includes).
 */
export function tracepointStructC(fmt: TracepointFormat): string {
  const sname = tracepointStructName(fmt.category, fmt.name);
  const lines: string[] = [`struct ${sname} {`];
  const asserts: string[] = [];
  const commons = fmt.fields.filter((f) => f.common);
  const commonEnd = commons.reduce((end, f) => Math.max(end, f.offset + f.size), 0);
  let cursor = 0;
  if (commonEnd === 8) {
    lines.push('\t__u64 __common;');
    cursor = 8;
  }
  const fields = fmt.fields.filter((f) => !f.common).slice().sort((a, b) => a.offset - b.offset);
  for (const f of fields) {
    if (f.offset < cursor) continue; // overlapping field (never seen): the first one wins
    if (f.offset > cursor) lines.push(`\tchar __pad_${cursor}[${f.offset - cursor}];`);
    const m = memberDecl(f);
    // A field the compiler would not place at its offset by natural alignment is packed.
    const packed = f.offset % m.align !== 0 ? ' __attribute__((packed))' : '';
    lines.push(`\t${m.text}${packed};`);
    const where = `${fmt.category}:${fmt.name} ${f.name}`;
    asserts.push(`_Static_assert(__builtin_offsetof(struct ${sname}, ${f.name}) == ${f.offset}, "${where}");`);
    cursor = f.offset + f.size;
  }
  lines.push('};');
  return [...lines, ...asserts].join('\n') + '\n';
}

/**
 * C expression for the address of a data_loc field's data, given the record pointer
 * expression (the program's ctx): the low 16 bits of the u32 are the offset from the
 * start of the record, the high 16 bits the length.
 */
export function dataLocAddressC(ctxExpr: string, field: TracepointField): string {
  if (!field.dataLoc) throw new InternalError(`${field.name} is not a __data_loc field`);
  return `((void *)(${ctxExpr}) + ((${ctxExpr})->${field.name} & 0xffff))`;
}

// ---------------------------------------------------------------- -lv

/** What `bpftrace -lv tracepoint:<cat>:<name>` prints: the probe, then 4-space indented non-common fields. */
export function describeTracepoint(fmt: TracepointFormat): string {
  const lines = [`tracepoint:${fmt.category}:${fmt.name}`];
  for (const f of fmt.fields) if (!f.common) lines.push(`    ${f.decl}`);
  return lines.join('\n') + '\n';
}
