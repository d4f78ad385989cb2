// C declaration text for BTF types, in the layout libbpf's btf_dump (bpftool's
// vmlinux.h, and bpftrace -lv "struct x") uses: tabs per nesting level, `*` next to the
// name, anonymous members inline, `long: 64;` style explicit padding, and
// `__attribute__((packed))` when the layout needs it.
// Input: a Btf and type ids. Output: strings. Must not: read files, or decide which
// fields a program needs (c-decls.ts does that, rendering anonymous aggregates itself
// through DeclStyle.anonAggregate).

import type { Btf, BtfStructType, BtfType } from './btf.js';

export interface DeclStyle {
  /** Look through typedefs and print the plain C type (for generated C) instead of the typedef name (-lv). */
  readonly resolveTypedefs: boolean;
  /** Print enum types as the integer of their size (generated C does not define enums). */
  readonly enumsAsInts: boolean;
  /** Print pointers to functions as `void *` (their parameter types would need declaring). */
  readonly opaqueFunctions: boolean;
  /** Text for an anonymous struct/union used inline; default: its full definition. */
  readonly anonAggregate?: (t: BtfStructType, level: number) => string;
}

/** The style of bpftool's vmlinux.h and bpftrace -lv. */
export const LISTING_STYLE: DeclStyle = { resolveTypedefs: false, enumsAsInts: false, opaqueFunctions: false };

const TAB = '\t';

type ChainType = Extract<BtfType, { kind: 'ptr' | 'array' | 'const' | 'volatile' | 'restrict' | 'func_proto' }>;

/** Kinds that wrap the base type of a declaration (printed around the name). */
function isChainType(t: BtfType): t is ChainType {
  switch (t.kind) {
    case 'ptr':
    case 'array':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'func_proto':
      return true;
    default:
      return false;
  }
}

/**
 * The declaration of `name` with type `id` as C text at nesting `level`, e.g.
 * `const char *name`, `char comm[16]`, `int (*fn)(void *)`; with name '' an abstract
 * declarator (`const struct path *`).
 */
export function cDeclaration(btf: Btf, id: number, name: string, level: number, style: DeclStyle = LISTING_STYLE): string {
  // Walk from the declared type to its base, remembering the modifiers on the way:
  // chain[0] is the outermost modifier, the last one is applied directly to the base.
  const chain: BtfType[] = [];
  let t = btf.type(id);
  for (let guard = 0; guard < 256; guard++) {
    if (isChainType(t)) {
      chain.push(t);
      t = btf.type(t.type);
    } else if (t.kind === 'type_tag' || (t.kind === 'typedef' && style.resolveTypedefs)) {
      t = btf.type(t.type);
    } else {
      break;
    }
  }
  if (style.opaqueFunctions) {
    const fn = chain.findIndex((c) => c.kind === 'func_proto');
    if (fn >= 0) {
      // Keep what wraps the function pointer (arrays, the pointer itself); drop the rest.
      chain.length = fn;
      t = btf.type(0);
    }
  }
  // Qualifiers directly on the base read better before it: `const char`, not `char const`.
  let prefix = '';
  while (chain.length > 0 && isQualifier(chain[chain.length - 1]!)) prefix += `${chain.pop()!.kind} `;
  return prefix + baseText(btf, t, level, style) + emitChain(btf, chain, name, false, level, style);
}

function isQualifier(t: BtfType): boolean {
  return t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict';
}

/**
 * The declarator for the modifiers in `chain` (consumed from its inner end) around
 * `name`. Pointers print as ` *` (or `*` after another `*`), arrays and function types
 * bind tighter than pointers, so a pointer inside them is parenthesised: `(*name)[4]`.
 */
function emitChain(btf: Btf, chain: BtfType[], name: string, lastWasPtr: boolean, level: number, style: DeclStyle): string {
  let out = '';
  while (chain.length > 0) {
    const t = chain.pop()!;
    switch (t.kind) {
      case 'ptr':
        out += lastWasPtr ? '*' : ' *';
        lastWasPtr = true;
        continue;
      case 'const':
      case 'volatile':
      case 'restrict':
        out += ` ${t.kind}`;
        lastWasPtr = false;
        continue;
      case 'array': {
        // Qualifiers on an array type itself mean nothing in C (GCC emits them): drop.
        while (chain.length > 0 && isQualifier(chain[chain.length - 1]!)) chain.pop();
        if (chain.length === 0) return out + nameText(name, lastWasPtr) + `[${t.len}]`;
        const multiDim = chain[chain.length - 1]!.kind === 'array';
        if (name && !lastWasPtr) out += ' ';
        const inner = emitChain(btf, chain, name, true, level, style);
        return out + (multiDim ? inner : `(${inner})`) + `[${t.len}]`;
      }
      case 'func_proto': {
        while (chain.length > 0 && isQualifier(chain[chain.length - 1]!)) chain.pop();
        out += chain.length > 0 ? ` (${emitChain(btf, chain, name, true, level, style)})` : nameText(name, lastWasPtr);
        const params = t.params.map((p) => cDeclaration(btf, p.type, '', level, style));
        if (t.variadic) params.push('...');
        return `${out}(${params.length > 0 ? params.join(', ') : 'void'})`;
      }
      default:
        break;
    }
  }
  return out + nameText(name, lastWasPtr);
}

function nameText(name: string, lastWasPtr: boolean): string {
  if (!name) return '';
  return lastWasPtr ? name : ` ${name}`;
}

/** The type a declaration is built on: a name, or an inline definition when anonymous. */
function baseText(btf: Btf, t: BtfType, level: number, style: DeclStyle): string {
  switch (t.kind) {
    case 'void':
      return 'void';
    case 'int':
    case 'float':
    case 'typedef':
      return t.name;
    case 'struct':
    case 'union':
      if (t.name) return `${t.kind} ${t.name}`;
      return style.anonAggregate ? style.anonAggregate(t, level) : cAggregateDefinition(btf, t, level, style);
    case 'enum':
    case 'enum64':
      if (style.enumsAsInts) return enumIntName(t.size, t.signed);
      return t.name ? `enum ${t.name}` : cEnumDefinition(t, level);
    case 'fwd':
      return `${t.union ? 'union' : 'struct'} ${t.name}`;
    default:
      // Functions, variables and sections are not data types; never reached from members.
      return 'void';
  }
}

function enumIntName(size: number, signed: boolean): string {
  const base = size === 1 ? 'char' : size === 2 ? 'short' : size === 8 ? 'long long' : 'int';
  return signed ? (base === 'char' ? 'signed char' : base) : `unsigned ${base}`;
}

/**
 * `struct name {\n\t<members>;\n}` (no trailing `;`) at nesting `level`, members at
 * level + 1. With the listing style the padding members libbpf prints are reproduced so
 * the text lays out exactly like the kernel's struct.
 */
export function cAggregateDefinition(btf: Btf, t: BtfStructType, level: number, style: DeclStyle = LISTING_STYLE): string {
  const head = `${t.kind} ${t.name ? `${t.name} ` : ''}{`;
  const packed = btf.isPacked(t);
  const lines: string[] = [];
  const inner = TAB.repeat(level + 1);
  let off = 0; // bits laid out so far
  let prevBitfield = false;
  for (const m of t.members) {
    const mAlign = packed ? 1 : btf.alignOf(m.type);
    lines.push(...bitPadding(off, m.bitOffset, mAlign, prevBitfield && m.bitSize !== 0, inner));
    lines.push(`${inner}${cDeclaration(btf, m.type, m.name, level + 1, style)}${m.bitSize ? `: ${m.bitSize}` : ''};`);
    if (m.bitSize) {
      off = m.bitOffset + m.bitSize;
      prevBitfield = true;
    } else {
      off = m.bitOffset + Math.max(0, btf.sizeOf(m.type)) * 8;
      prevBitfield = false;
    }
  }
  if (t.kind === 'struct') lines.push(...bitPadding(off, t.size * 8, btf.alignOf(t.id), false, inner));
  const body = lines.length > 0 ? `\n${lines.join('\n')}\n${TAB.repeat(level)}}` : '}';
  return head + body + (packed ? ' __attribute__((packed))' : '');
}

/** `enum name {\n\tA = 1,\n}` at nesting `level`; 64-bit enums carry ULL/LL suffixes. */
export function cEnumDefinition(t: Extract<BtfType, { kind: 'enum' | 'enum64' }>, level: number): string {
  const head = `enum ${t.name ? `${t.name} ` : ''}{`;
  if (t.values.length === 0) return `${head}}`;
  const suffix = t.kind === 'enum64' ? (t.signed ? 'LL' : 'ULL') : '';
  const inner = TAB.repeat(level + 1);
  const lines = t.values.map((v) => `${inner}${v.name} = ${v.value}${suffix},`);
  return `${head}\n${lines.join('\n')}\n${TAB.repeat(level)}}`;
}

const PADS: readonly (readonly [string, number])[] = [
  ['long', 64],
  ['int', 32],
  ['short', 16],
  ['char', 8],
];

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/**
 * Unnamed bitfield members that move the layout from bit `cur` to bit `next`, written
 * the way libbpf does: the widest of long/int/short/char whose natural alignment lands
 * at or before `next` is used to reach an aligned offset (a `type: 0` marker when the
 * compiler would not get there by itself, or the exact bit count inside a run of
 * bitfields), then full-width `type: N` fillers, and the smallest type for the rest.
 */
function bitPadding(cur: number, next: number, nextAlign: number, inBitfield: boolean, indent: string): string[] {
  if (cur >= next) return [];
  const out: string[] = [];
  let padType = 'char';
  let padBits = 8;
  let aligned = cur;
  for (const [type, bits] of PADS) {
    padType = type;
    padBits = bits;
    aligned = roundUp(cur, bits);
    if (aligned <= next) break;
  }
  if (aligned > cur && aligned <= next) {
    const compilerGetsThere = aligned === next ? roundUp(cur, nextAlign * 8) === aligned : next - aligned > aligned - cur;
    if (inBitfield || !compilerGetsThere) out.push(`${indent}${padType}: ${inBitfield ? aligned - cur : 0};`);
    cur = aligned;
  }
  while (cur !== next) {
    const bits = Math.min(next - cur, padBits);
    if (bits === padBits) {
      out.push(`${indent}${padType}: ${padBits};`);
    } else {
      // The smallest type that holds the remainder says best how small the gap is.
      const [type] = [...PADS].reverse().find(([, b]) => b >= bits)!;
      out.push(`${indent}${type}: ${bits};`);
    }
    cur += bits;
  }
  return out;
}
