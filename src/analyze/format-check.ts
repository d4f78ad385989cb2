// printf-style format checking for analyze: each conversion must be one bpftrace knows,
// their number must match the arguments, and each argument must suit its conversion.
// The format grammar is parsed by src/runtime/format/printf.ts, the same code that
// formats at run time, so what is accepted here is exactly what can be printed.

import { parseFormat } from '../runtime/format/printf.js';
import { tyToString, type Ty } from '../types/ty.js';

/**
 * Values printed as text (what bpftrace 0.17 lets %s take): strings and char arrays, and
 * the values user space turns into text (symbols, stacks, addresses, names, times).
 */
const TEXT_KINDS: ReadonlySet<Ty['k']> = new Set([
  'str',
  'joined',
  'ksym',
  'usym',
  'func',
  'probe',
  'username',
  'kstack',
  'ustack',
  'inet',
  'macaddr',
  'timestamp',
  'cgroup_path',
  'strerror',
]);

function isText(t: Ty): boolean {
  return TEXT_KINDS.has(t.k) || (t.k === 'array' && t.elem.k === 'int' && t.elem.bits === 8);
}

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
    const what = `argument ${i + 1} is ${tyToString(t)}`;
    if (s.expects === 'integer' && (isText(t) || t.k === 'tuple' || t.k === 'buf' || t.k === 'record')) {
      problems.push(`${s.text} expects an integer, but ${what}`);
    }
    // bpftrace refuses these too (0.17: "%s specifier expects a value of type string").
    // (void: an argument already reported, such as an unknown builtin.)
    if (s.expects === 'string' && !isText(t) && t.k !== 'void') {
      problems.push(`${s.text} expects a string, but ${what}${t.k === 'ptr' ? ' (str() reads the string it points to)' : t.k === 'buf' ? ' (%r prints a buffer)' : ''}`);
    }
    if (s.expects === 'buffer' && t.k !== 'buf') problems.push(`${s.text} expects a buffer (buf()), but ${what}`);
  });
  return problems;
}
