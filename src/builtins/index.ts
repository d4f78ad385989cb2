// BUILTINS: the one list of every builtin variable and function, by family.
// Adding a builtin: its spec in a family file, a row in the unit tests, an e2e case,
// and docs/language.md (generated from this list by `npm run docs`).

import type { Builtin, BuiltinFn, BuiltinVar } from './spec.js';
import { PROCESS_VARS, argVar, sargVar } from './process.js';
import { TIME_FNS, TIME_VARS } from './time.js';
import { AGGREGATIONS } from './aggregations.js';
import { OUTPUT_FNS } from './output.js';
import { STRING_FNS } from './strings.js';
import { STACK_FNS, STACK_VARS } from './stacks.js';
import { KERNEL_FNS } from './kernel.js';

const MAX_ARGS = 16;

export const BUILTINS: readonly Builtin[] = [
  ...PROCESS_VARS,
  ...TIME_VARS,
  ...Array.from({ length: MAX_ARGS }, (_, i) => argVar(i)),
  ...Array.from({ length: MAX_ARGS }, (_, i) => sargVar(i)),
  ...TIME_FNS,
  ...AGGREGATIONS,
  ...OUTPUT_FNS,
  ...STRING_FNS,
  ...STACK_VARS,
  ...STACK_FNS,
  ...KERNEL_FNS,
];

const VARS = new Map<string, BuiltinVar>();
const FNS = new Map<string, BuiltinFn>();
for (const b of BUILTINS) {
  if (b.kind === 'var') VARS.set(b.name, b);
  else FNS.set(b.name, b);
}

export function findVar(name: string): BuiltinVar | undefined {
  return VARS.get(name);
}

export function findFn(name: string): BuiltinFn | undefined {
  return FNS.get(name);
}

export function allNames(): string[] {
  return [...new Set(BUILTINS.map((b) => b.name))];
}
