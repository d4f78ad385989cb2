// Decoding of literal token text: integers, string bodies and character literals.
// Input: the exact source text of one literal. Output: its value, or a description of
// what is wrong with it (the scanner turns that into a diagnostic with a span).
// Must not: report diagnostics or throw; every function here is total on any string.

export const U64_MAX = (1n << 64n) - 1n;

/** The C integer suffixes bpftrace accepts (compared lower-cased). */
const INT_SUFFIXES = new Set(['u', 'l', 'ul', 'lu', 'll', 'ull', 'llu']);

const HEX_RE = /^0[xX]([0-9a-fA-F](?:_?[0-9a-fA-F])*)$/;
const BIN_RE = /^0[bB]([01](?:_?[01])*)$/;
const OCT_RE = /^0[oO]([0-7](?:_?[0-7])*)$/;
const LEADING_ZERO_OCT_RE = /^0((?:_?[0-7])+)$/;
// A leading 0 followed by digits is octal; `08` is invalid (as in C and bpftrace).
const DEC_RE = /^(0|[1-9](?:_?[0-9])*)(?:[eE]([0-9]+))?$/;

export type IntParse =
  | { readonly ok: true; readonly value: bigint; readonly suffix: string }
  | { readonly ok: false; readonly problem: 'invalid' | 'range' };

/**
 * Parse an integer literal as written: decimal, hex `0x1F`, octal `0o17` or `017`, binary
 * `0b101`, `_` separators, scientific `1e6` (integer only) and a C suffix (u, l, ul, ll,
 * ull, any case). Values above 2^64-1 are a range problem.
 */
export function parseIntLiteral(text: string): IntParse {
  const m = /[uUlL]+$/.exec(text);
  let suffix = '';
  let body = text;
  if (m && !/^0[xX]$/.test(text.slice(0, m.index))) {
    suffix = m[0];
    body = text.slice(0, m.index);
    if (!INT_SUFFIXES.has(suffix.toLowerCase())) return { ok: false, problem: 'invalid' };
  }
  let digits: string;
  let radix: 2 | 8 | 10 | 16;
  let exponent = 0;
  let hm: RegExpExecArray | null;
  if ((hm = HEX_RE.exec(body))) {
    digits = hm[1]!;
    radix = 16;
  } else if ((hm = BIN_RE.exec(body))) {
    digits = hm[1]!;
    radix = 2;
  } else if ((hm = OCT_RE.exec(body))) {
    digits = hm[1]!;
    radix = 8;
  } else if ((hm = LEADING_ZERO_OCT_RE.exec(body))) {
    digits = hm[1]!;
    radix = 8;
  } else if ((hm = DEC_RE.exec(body))) {
    digits = hm[1]!;
    radix = 10;
    if (hm[2] !== undefined) {
      // Parse the exponent without BigInt first so `1e999999999` cannot hang us.
      const e = hm[2].replace(/^0+/, '');
      exponent = e.length > 3 ? 1000 : Number(e || '0');
    }
  } else {
    return { ok: false, problem: 'invalid' };
  }
  digits = digits.replace(/_/g, '').replace(/^0+/, '');
  if (digits === '') return { ok: true, value: 0n, suffix };
  // Bound the work: a literal with more significant digits than 2^64 needs is out of
  // range without converting it (a 1 MB run of digits must stay cheap).
  const maxDigits = { 2: 64, 8: 22, 10: 20, 16: 16 }[radix];
  if (digits.length > maxDigits || digits.length + exponent > 20) return { ok: false, problem: 'range' };
  const prefix = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[radix];
  let value = BigInt(prefix + digits);
  if (exponent > 0) value *= 10n ** BigInt(exponent);
  if (value > U64_MAX) return { ok: false, problem: 'range' };
  return { ok: true, value, suffix };
}

/** A bad escape inside a string or char literal: offset relative to the body start. */
export interface BadEscape {
  readonly offset: number;
  readonly length: number;
  readonly text: string;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  '"': '"',
  "'": "'",
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  e: '\x1b',
  '?': '?',
};

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '7';
}
function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

/**
 * Decode the escapes of a string or char literal body (the text between the quotes).
 * `\xNN` (1-2 hex digits) and `\NNN` (1-3 octal digits) produce the character with that
 * code (0-255). An unknown escape is kept as written and reported.
 */
/**
 * A byte written as an escape: ASCII as itself, 0x80..0xff as the lone surrogate
 * U+DC80..U+DCFF (the runtime's convention for raw bytes, see src/runtime/value.ts), so
 * "\x80" is the single byte 0x80 in generated C and in output, as in bpftrace.
 */
function byteChar(b: number): string {
  return String.fromCharCode(b < 0x80 ? b : 0xdc00 + b);
}

export function decodeEscapes(body: string): { value: string; bad: BadEscape[] } {
  let out = '';
  const bad: BadEscape[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c !== '\\') {
      // Keep surrogate pairs together (cheap: they are just two code units appended).
      out += c;
      i++;
      continue;
    }
    const n = body[i + 1];
    if (n === undefined) {
      bad.push({ offset: i, length: 1, text: '\\' });
      out += '\\';
      i++;
      continue;
    }
    const simple = SIMPLE_ESCAPES[n];
    if (simple !== undefined) {
      out += simple;
      i += 2;
      continue;
    }
    if (n === 'x') {
      let j = i + 2;
      while (j < i + 4 && isHex(body[j])) j++;
      if (j === i + 2) {
        bad.push({ offset: i, length: 2, text: '\\x' });
        out += '\\x';
        i += 2;
        continue;
      }
      out += byteChar(parseInt(body.slice(i + 2, j), 16));
      i = j;
      continue;
    }
    if (isOctal(n)) {
      let j = i + 1;
      while (j < i + 4 && isOctal(body[j])) j++;
      out += byteChar(parseInt(body.slice(i + 1, j), 8) & 0xff);
      i = j;
      continue;
    }
    // Unknown escape: report it and keep it literally (whole code point).
    const cp = body.codePointAt(i + 1)!;
    const len = cp > 0xffff ? 3 : 2;
    bad.push({ offset: i, length: len, text: body.slice(i, i + len) });
    out += body.slice(i, i + len);
    i += len;
  }
  return { value: out, bad };
}

/** A char literal body (between the quotes) -> its code, or null when it is not one character. */
export function decodeCharLiteral(body: string): { value: bigint | null; bad: BadEscape[] } {
  const { value, bad } = decodeEscapes(body);
  const cp = value.codePointAt(0);
  if (cp === undefined || value.length !== (cp > 0xffff ? 2 : 1)) return { value: null, bad };
  return { value: BigInt(cp), bad };
}
