// The small C preprocessor subset bpftrace scripts use: splitting a directive line into
// name and argument, and evaluating `#if` / `#elif` conditions.
// Input: directive text (after `#`) and a lookup for defined macros. Output: values or
// an error string. Must not: report diagnostics or throw (the scanner reports, with spans).
//
// Why a condition evaluator at all: bpftrace's own tools open with
// `#ifndef BPFTRACE_HAVE_BTF ... #else ... #endif`, and bpftrace runs those lines through
// clang's preprocessor; we evaluate them ourselves so the right #includes are recorded.

export interface DirectiveLine {
  /** `include`, `define`, `ifdef` ... ('' when the line is just `#`). */
  readonly name: string;
  /** The rest of the line, comments removed, trimmed. */
  readonly arg: string;
  /** Offset of `arg` in the line text (for spans), before trimming leading blanks. */
  readonly argOffset: number;
}

/** Remove C comments from one logical directive line (strings are kept intact). */
export function stripComments(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += line[j] === '\\' ? 2 : 1;
      out += line.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && line[i + 1] === '/') {
      break;
    } else if (c === '/' && line[i + 1] === '*') {
      const end = line.indexOf('*/', i + 2);
      out += ' ';
      if (end < 0) break;
      i = end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Split `#  define X 1` (text starting at `#`) into name and argument. */
export function splitDirective(line: string): DirectiveLine {
  const m = /^#[ \t]*([A-Za-z_][A-Za-z0-9_]*)?/.exec(line)!;
  const name = m[1] ?? '';
  const argOffset = m[0].length;
  return { name, arg: stripComments(line.slice(argOffset)).trim(), argOffset };
}

type Tok = { t: 'num'; v: bigint } | { t: 'id'; v: string } | { t: 'op'; v: string };

const OPS = ['||', '&&', '==', '!=', '<=', '>=', '<<', '>>', '(', ')', '!', '~', '<', '>', '+', '-', '*', '/', '%', '&', '|', '^', '?', ':'];

function lexCondition(text: string): Tok[] | string {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*/.exec(text.slice(i, i + 40));
    if (num) {
      const digits = num[1]!;
      out.push({ t: 'num', v: /^0[0-7]+$/.test(digits) ? BigInt('0o' + digits.slice(1)) : BigInt(digits) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256));
    if (id) {
      out.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (!op) return `unexpected '${c}' in condition`;
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  return out;
}

const BINARY_PREC: Readonly<Record<string, number>> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6,
  '<': 7, '>': 7, '<=': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

/**
 * Evaluate an `#if` condition: integers, `defined(X)` / `defined X`, macros whose value
 * is itself a condition (expanded up to a fixed depth), unknown names as 0, and the C
 * operators. Returns the value or an error message.
 */
export function evalCondition(text: string, lookup: (name: string) => string | undefined): bigint | string {
  // A budget on macro expansions: `#define A (B*B)`, `#define B (C*C)` ... must not blow up.
  const budget = { left: 10_000 };
  return evalIn(text, lookup, 0, budget);
}

function evalIn(
  text: string,
  lookup: (name: string) => string | undefined,
  depth: number,
  budget: { left: number },
): bigint | string {
  if (depth > 32 || --budget.left < 0) return 'macro expansion too deep';
  const toks = lexCondition(text);
  if (typeof toks === 'string') return toks;
  let pos = 0;
  const peek = (): Tok | undefined => toks[pos];
  const isOp = (v: string): boolean => {
    const t = toks[pos];
    return t !== undefined && t.t === 'op' && t.v === v;
  };

  const primary = (): bigint | string => {
    const t = toks[pos++];
    if (!t) return 'unexpected end of condition';
    if (t.t === 'num') return t.v;
    if (t.t === 'id') {
      if (t.v === 'defined') {
        const paren = isOp('(');
        if (paren) pos++;
        const n = toks[pos++];
        if (!n || n.t !== 'id') return 'defined needs a macro name';
        if (paren) {
          if (!isOp(')')) return "missing ')' after defined";
          pos++;
        }
        return lookup(n.v) !== undefined ? 1n : 0n;
      }
      const v = lookup(t.v);
      if (v === undefined || v.trim() === '') return 0n;
      return evalIn(v, lookup, depth + 1, budget);
    }
    if (t.v === '(') {
      const v = ternary();
      if (typeof v === 'string') return v;
      if (!isOp(')')) return "missing ')'";
      pos++;
      return v;
    }
    if (t.v === '!' || t.v === '-' || t.v === '~' || t.v === '+') {
      const v = primary();
      if (typeof v === 'string') return v;
      if (t.v === '!') return v === 0n ? 1n : 0n;
      if (t.v === '-') return -v;
      if (t.v === '~') return ~v;
      return v;
    }
    return `unexpected '${t.v}' in condition`;
  };

  const binary = (minPrec: number): bigint | string => {
    let left = primary();
    if (typeof left === 'string') return left;
    for (;;) {
      const t = peek();
      if (!t || t.t !== 'op') break;
      const prec = BINARY_PREC[t.v];
      if (prec === undefined || prec < minPrec) break;
      pos++;
      const right = binary(prec + 1);
      if (typeof right === 'string') return right;
      const r: bigint | string = applyBinary(t.v, left, right);
      if (typeof r === 'string') return r;
      left = r;
    }
    return left;
  };

  const ternary = (): bigint | string => {
    const c = binary(1);
    if (typeof c === 'string') return c;
    if (!isOp('?')) return c;
    pos++;
    const a = ternary();
    if (typeof a === 'string') return a;
    if (!isOp(':')) return "missing ':' in condition";
    pos++;
    const b = ternary();
    if (typeof b === 'string') return b;
    return c !== 0n ? a : b;
  };

  if (toks.length === 0) return 'empty condition';
  const v = ternary();
  if (typeof v === 'string') return v;
  if (pos < toks.length) return `unexpected '${String(toks[pos]!.v)}' in condition`;
  return v;
}

function applyBinary(op: string, a: bigint, b: bigint): bigint | string {
  const bool = (x: boolean): bigint => (x ? 1n : 0n);
  switch (op) {
    case '||': return bool(a !== 0n || b !== 0n);
    case '&&': return bool(a !== 0n && b !== 0n);
    case '|': return a | b;
    case '^': return a ^ b;
    case '&': return a & b;
    case '==': return bool(a === b);
    case '!=': return bool(a !== b);
    case '<': return bool(a < b);
    case '>': return bool(a > b);
    case '<=': return bool(a <= b);
    case '>=': return bool(a >= b);
    case '<<': return b < 0n || b > 63n ? 'shift out of range' : a << b;
    case '>>': return b < 0n || b > 63n ? 'shift out of range' : a >> b;
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return b === 0n ? 'division by zero' : a / b;
    case '%': return b === 0n ? 'division by zero' : a % b;
    default: return `unexpected '${op}' in condition`;
  }
}
