// printf-style format checking for analyze: the number of conversions must match the
// arguments, and each argument must suit its conversion. The format grammar itself is
// parsed by src/runtime/format/printf.ts (shared with the runtime that formats).

import type { Ty } from '../types/ty.js';
import { tyToString } from '../types/ty.js';

const CONV = /%([-+ #0]*)(\d+|\*)?(?:\.(\d+|\*))?(hh|h|ll|l|z|j|t)?([a-zA-Z%])?/g;
const ALLOWED = new Set(['d', 'i', 'u', 'x', 'X', 'o', 's', 'c', 'p', 'r', 'e', 'f', 'g', 'E', 'G', 'K', 'H']);

/** Problems with `fmt` applied to arguments of types `args` (empty when fine). */
export function checkFormat(fmt: string, args: readonly Ty[]): string[] {
  const problems: string[] = [];
  const convs: string[] = [];
  for (const m of fmt.matchAll(CONV)) {
    const conv = m[5];
    if (conv === '%' && m[0] === '%%') continue;
    if (!conv) {
      problems.push(`incomplete conversion specification at the end of "${fmt.replace(/\n/g, '\\n')}"`);
      continue;
    }
    if (!ALLOWED.has(conv)) {
      problems.push(`unknown conversion %${conv}`);
      continue;
    }
    convs.push(conv);
  }
  if (convs.length !== args.length) {
    problems.push(`${convs.length} conversion${convs.length === 1 ? '' : 's'} but ${args.length} argument${args.length === 1 ? '' : 's'}`);
    return problems;
  }
  convs.forEach((c, i) => {
    const t = args[i]!;
    if ('diuxXoc'.includes(c) && (t.k === 'str' || t.k === 'tuple' || t.k === 'buf' || t.k === 'joined')) {
      problems.push(`argument ${i + 1} is ${tyToString(t)} but %${c} expects an integer`);
    }
  });
  return problems;
}
