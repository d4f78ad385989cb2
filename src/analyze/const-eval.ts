// Constant evaluation of integer and string expressions (literals, positional
// parameters, enum constants, arithmetic), shared by analyze (type checks, lhist bounds,
// unroll counts) and codegen (emitting the values).

import type { Expr } from '../ast/nodes.js';

export interface ConstEnv {
  readonly params: readonly string[];
  readonly enumConsts: ReadonlyMap<Expr, bigint>;
}

export function isNumeric(s: string): boolean {
  return /^-?(0x[0-9a-fA-F]+|\d+)$/.test(s.trim());
}

export function constInt(e: Expr, env: ConstEnv): bigint | null {
  switch (e.kind) {
    case 'IntLit':
      return e.value;
    case 'BoolLit':
      return e.value ? 1n : 0n;
    case 'PositionalParam': {
      const v = env.params[e.index - 1];
      if (v === undefined) return 0n;
      return isNumeric(v) ? BigInt(v.trim()) : null;
    }
    case 'PositionalCount':
      return BigInt(env.params.length);
    case 'Ident':
      return env.enumConsts.get(e) ?? null;
    case 'Cast':
      return constInt(e.expr, env);
    case 'Unary': {
      const v = constInt(e.operand, env);
      if (v === null) return null;
      if (e.op === '-') return -v;
      if (e.op === '~') return ~v;
      if (e.op === '!') return v === 0n ? 1n : 0n;
      return null;
    }
    case 'Binary': {
      const a = constInt(e.left, env);
      const b = constInt(e.right, env);
      if (a === null || b === null) return null;
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return b === 0n ? null : a / b;
        case '%': return b === 0n ? null : a % b;
        case '<<': return a << b;
        case '>>': return a >> b;
        case '&': return a & b;
        case '|': return a | b;
        case '^': return a ^ b;
        default: return null;
      }
    }
    default:
      return null;
  }
}

/** A constant string: a literal, a positional parameter, or str($N). */
export function constStr(e: Expr, env: ConstEnv): string | null {
  if (e.kind === 'StrLit') return e.value;
  if (e.kind === 'PositionalParam') return env.params[e.index - 1] ?? '';
  if (e.kind === 'Call' && e.name === 'str' && e.args.length === 1 && e.args[0]!.kind === 'PositionalParam') {
    return env.params[e.args[0]!.index - 1] ?? '';
  }
  return null;
}
