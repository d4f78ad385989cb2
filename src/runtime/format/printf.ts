// printf formats: the grammar (parseFormat, shared with the type checker in analyze) and
// formatting with Values (formatPrintf, used by the runtime for printf/system/cat).
// Input: a format string as the script wrote it (escapes already processed) and Values.
// Output: the formatted text (see value.ts for how raw bytes are carried in strings).
// Must not: decode bytes or resolve symbols (decode.ts did that).
//
// Conversions are bpftrace's: %d %i %u %o %x %X %c %s %p, %r (buffer, non-printable bytes
// as \xNN), %rx (every byte as \xNN), %rh (hex bytes separated by spaces), with C flags
// (- + space 0 #), width, precision and length modifiers (hh h l ll j z t).
// Integers take C's semantics, as bpftrace 0.17 does: with no length modifier the value
// is an int (%u of -1 is 4294967295, %d of 5000000000 is 705032704); l/ll/j/z/t print all
// 64 bits; hh and h truncate to 8 and 16 bits.
// `%%` is always '%' (bpftrace 0.17 left it doubled after the last conversion).

import { formatBuffer, formatValue } from './text.js';
import { byteLength, decodeBytes, encodeOutput, type Value } from '../value.js';

export type LengthModifier = '' | 'hh' | 'h' | 'l' | 'll' | 'j' | 'z' | 't';

/** What kind of argument a conversion takes. */
export type ConversionArg = 'integer' | 'string' | 'buffer';

export interface FormatSpec {
  /** Offset of the '%' in the format, and just past the conversion. */
  readonly start: number;
  readonly end: number;
  /** The conversion as written, e.g. '%-08.3lx'. */
  readonly text: string;
  /** Flags in the order written, a subset of '-+ 0#'. */
  readonly flags: string;
  readonly width: number | null;
  readonly precision: number | null;
  readonly length: LengthModifier;
  /** d i u o x X c s p r rx rh; '' when the format ends inside the conversion. */
  readonly conv: string;
  /** The argument kind it takes; null when the conversion is invalid. */
  readonly expects: ConversionArg | null;
  /** Why the conversion is invalid (the {detail} of diagnostic T008), or null. */
  readonly error: string | null;
}

type Part = string | FormatSpec;

const INT_CONVS = 'diuoxXcp';
const LENGTHS: readonly LengthModifier[] = ['hh', 'h', 'll', 'l', 'j', 'z', 't'];

function parseParts(fmt: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  let i = 0;
  while (i < fmt.length) {
    const ch = fmt[i]!;
    if (ch !== '%') {
      lit += ch;
      i++;
      continue;
    }
    if (fmt[i + 1] === '%') {
      lit += '%';
      i += 2;
      continue;
    }
    if (lit) parts.push(lit);
    lit = '';
    const spec = parseSpec(fmt, i);
    parts.push(spec);
    i = spec.end;
  }
  if (lit) parts.push(lit);
  return parts;
}

function parseSpec(fmt: string, start: number): FormatSpec {
  let j = start + 1;
  let flags = '';
  while (j < fmt.length && '-+ 0#'.includes(fmt[j]!)) flags += fmt[j++];
  let width: number | null = null;
  let precision: number | null = null;
  let error: string | null = null;
  const digits = (): string => {
    let d = '';
    while (j < fmt.length && fmt[j]! >= '0' && fmt[j]! <= '9') d += fmt[j++];
    return d;
  };
  if (fmt[j] === '*') {
    j++;
    error = "'*' (width from an argument) is not supported";
  } else {
    const w = digits();
    if (w) width = Number(w);
  }
  if (fmt[j] === '.') {
    j++;
    if (fmt[j] === '*') {
      j++;
      error ??= "'.*' (precision from an argument) is not supported";
    } else {
      precision = Number(digits() || '0');
    }
  }
  let length: LengthModifier = '';
  for (const l of LENGTHS) {
    if (fmt.startsWith(l, j)) {
      length = l;
      j += l.length;
      break;
    }
  }
  const done = (conv: string, expects: ConversionArg | null, err: string | null): FormatSpec => ({
    start,
    end: j,
    text: fmt.slice(start, j),
    flags,
    width,
    precision,
    length,
    conv,
    expects: err ? null : expects,
    error: err,
  });
  if (j >= fmt.length) {
    return done('', null, `incomplete conversion '${fmt.slice(start)}' at the end of the format`);
  }
  const c = fmt[j++]!;
  if (INT_CONVS.includes(c)) {
    if (c === 'c' && length) return done(c, null, `length modifier '${length}' cannot be used with %c`);
    return done(c, 'integer', error);
  }
  if (c === 's') {
    if (length) return done(c, null, `length modifier '${length}' cannot be used with %s`);
    return done(c, 'string', error);
  }
  if (c === 'r') {
    let conv = 'r';
    if (fmt[j] === 'x' || fmt[j] === 'h') conv += fmt[j++];
    if (length) return done(conv, null, `length modifier '${length}' cannot be used with %${conv}`);
    return done(conv, 'buffer', error);
  }
  return done(c, null, `unknown conversion %${c}`);
}

/**
 * Every conversion of `fmt` in order ('%%' is not one), with its parts and, for an
 * invalid one, `error`. The number of entries is the number of arguments it takes.
 */
export function parseFormat(fmt: string): FormatSpec[] {
  return compiled(fmt).filter((p): p is FormatSpec => typeof p !== 'string');
}

// Formats come from the manifest, so there are few of them: cache their parse.
const CACHE = new Map<string, readonly Part[]>();
const CACHE_MAX = 4096;

function compiled(fmt: string): readonly Part[] {
  let parts = CACHE.get(fmt);
  if (!parts) {
    parts = parseParts(fmt);
    if (CACHE.size >= CACHE_MAX) CACHE.clear();
    CACHE.set(fmt, parts);
  }
  return parts;
}

/** printf(fmt, args...): the text printed. Invalid conversions are copied as written. */
export function formatPrintf(fmt: string, args: readonly Value[]): string {
  let out = '';
  let a = 0;
  for (const p of compiled(fmt)) {
    if (typeof p === 'string') {
      out += p;
    } else if (p.error !== null || a >= args.length) {
      out += p.text;
    } else {
      out += formatConversion(p, args[a++]!);
    }
  }
  return out;
}

/** One conversion applied to one value. */
export function formatConversion(spec: FormatSpec, v: Value): string {
  // Fast path for the common plain conversions, where C semantics need no work.
  if (spec.flags === '' && spec.width === null && spec.precision === null && spec.length === '') {
    if (v.t === 'int' && v.bits <= 32 && ((v.signed && (spec.conv === 'd' || spec.conv === 'i')) || (!v.signed && spec.conv === 'u'))) {
      return v.v.toString();
    }
    if (spec.conv === 's' && (v.t === 'str' || v.t === 'sym')) return v.s;
  }
  switch (spec.conv) {
    case 'd':
    case 'i':
    case 'u':
    case 'o':
    case 'x':
    case 'X':
    case 'p': {
      const n = intOf(v);
      if (n === null) return formatText(spec, formatValue(v));
      return spec.conv === 'p' ? formatPointer(spec, n.v) : formatInt(spec, n.v, n.bits);
    }
    case 'c': {
      const n = intOf(v);
      if (n === null) return formatText({ ...spec, precision: 1 }, formatValue(v));
      const byte = Number(BigInt.asUintN(8, n.v));
      // bpftrace 0.17 copies the result as a C string: a NUL character prints nothing.
      const ch = byte === 0 ? '' : byte < 0x80 ? String.fromCharCode(byte) : String.fromCharCode(0xdc00 + byte);
      return pad(spec, ch, byte === 0 ? 0 : 1);
    }
    case 'r':
    case 'rx':
    case 'rh': {
      const bytes = v.t === 'buf' ? v.bytes : v.t === 'str' ? encodeOutput(v.s) : encodeOutput(formatValue(v));
      return formatText(spec, formatBuffer(bytes, spec.conv));
    }
    default:
      return formatText(spec, formatValue(v));
  }
}

/** The integer a value stands for in an integer conversion, with its C width. */
function intOf(v: Value): { v: bigint; bits: number } | null {
  switch (v.t) {
    case 'int':
      return { v: v.v, bits: v.bits };
    case 'bool':
      return { v: v.v ? 1n : 0n, bits: 8 };
    case 'ptr':
      return { v: v.addr, bits: 64 };
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
      return { v: v.v, bits: 64 };
    case 'timestamp':
      return { v: v.ns, bits: 64 };
    default:
      return null;
  }
}

function argBits(spec: FormatSpec, bits: number): number {
  switch (spec.length) {
    case 'hh':
      return 8;
    case 'h':
      return 16;
    case '':
      // No length modifier: an int, as C and bpftrace 0.17 do (%d of 5000000000 is
      // 705032704); %ld/%lld print all 64 bits.
      return 32;
    default:
      return 64;
  }
}

function formatInt(spec: FormatSpec, raw: bigint, bits: number): string {
  const w = argBits(spec, bits);
  const signedConv = spec.conv === 'd' || spec.conv === 'i';
  // hh/h print the value converted to char/short and then promoted back, as C does.
  const n = signedConv ? BigInt.asIntN(w, raw) : BigInt.asUintN(w, raw);
  const neg = n < 0n;
  const mag = neg ? -n : n;
  const base = spec.conv === 'o' ? 8 : spec.conv === 'x' || spec.conv === 'X' ? 16 : 10;
  let digits = mag.toString(base);
  if (spec.conv === 'X') digits = digits.toUpperCase();
  if (spec.precision !== null) digits = spec.precision === 0 && mag === 0n ? '' : digits.padStart(spec.precision, '0');
  const alt = spec.flags.includes('#');
  if (alt && spec.conv === 'o' && !digits.startsWith('0')) digits = `0${digits}`;
  let prefix = '';
  if (neg) prefix = '-';
  else if (signedConv && spec.flags.includes('+')) prefix = '+';
  else if (signedConv && spec.flags.includes(' ')) prefix = ' ';
  if (alt && mag !== 0n && spec.conv === 'x') prefix += '0x';
  if (alt && mag !== 0n && spec.conv === 'X') prefix += '0X';
  return padNumber(spec, prefix, digits);
}

/** %p: glibc's "(nil)" for 0, else 0x-prefixed hex (flags as for an integer). */
function formatPointer(spec: FormatSpec, raw: bigint): string {
  const n = BigInt.asUintN(64, raw);
  if (n === 0n) return pad(spec, '(nil)', 5);
  let digits = n.toString(16);
  if (spec.precision !== null) digits = digits.padStart(spec.precision, '0');
  let prefix = spec.flags.includes('+') ? '+' : spec.flags.includes(' ') ? ' ' : '';
  prefix += '0x';
  return padNumber(spec, prefix, digits);
}

function padNumber(spec: FormatSpec, prefix: string, digits: string): string {
  const len = prefix.length + digits.length;
  const width = spec.width ?? 0;
  if (len >= width) return prefix + digits;
  if (spec.flags.includes('-')) return prefix + digits + ' '.repeat(width - len);
  if (spec.flags.includes('0') && spec.precision === null) return prefix + '0'.repeat(width - len) + digits;
  return ' '.repeat(width - len) + prefix + digits;
}

/** Space padding to the width, counted in bytes like C (the '0' flag does not apply). */
function pad(spec: FormatSpec, s: string, len: number): string {
  const width = spec.width ?? 0;
  if (len >= width) return s;
  return spec.flags.includes('-') ? s + ' '.repeat(width - len) : ' '.repeat(width - len) + s;
}

/** %s semantics: precision cuts to that many bytes, width pads (both count bytes). */
function formatText(spec: FormatSpec, s: string): string {
  let text = s;
  if (spec.precision !== null && byteLength(text) > spec.precision) {
    // Plain ASCII (the common case) cuts without re-encoding.
    text = /^[\x00-\x7f]*$/.test(text)
      ? text.slice(0, spec.precision)
      : decodeBytes(encodeOutput(text).subarray(0, spec.precision));
  }
  return pad(spec, text, byteLength(text));
}
