// printf-style format checking for analyze: each conversion must be one bpftrace knows,
// their number must match the arguments, and each argument must suit its conversion.
// The format grammar is parsed by src/runtime/format/printf.ts, the same code that
// formats at run time, so what is accepted here is exactly what can be printed.

import { parseFormat } from '../runtime/format/printf.js';
import { tyToString, type Ty } from '../types/ty.js';

/** Problems with `fmt` applied to arguments of types `args` (empty when fine). */
export function checkFormat(fmt: string, args: readonly Ty[]): string[] {
  const problems: string[] = [];
  const specs = parseFormat(fmt);
  for (const s of specs) if (s.error) problems.push(s.error);
  if (problems.length) return problems;
  if (specs.length !== args.length) {
    problems.push(`${specs.length} conversion${specs.length === 1 ? '' : 's'} but ${args.length} argument${args.length === 1 ? '' : 's'}`);
    return problems;
  }
  specs.forEach((s, i) => {
    const t = args[i]!;
    const text = t.k === 'str' || t.k === 'tuple' || t.k === 'buf' || t.k === 'joined' || t.k === 'record';
    if (s.expects === 'integer' && text) problems.push(`${s.text} expects an integer, but argument ${i + 1} is ${tyToString(t)}`);
    if (s.expects === 'buffer' && t.k !== 'buf') problems.push(`${s.text} expects a buffer (buf()), but argument ${i + 1} is ${tyToString(t)}`);
  });
  return problems;
}
