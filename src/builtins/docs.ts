// docs/language.md is generated from BUILTINS and PROVIDERS by languageDoc(); a unit
// test keeps the file in sync (UPDATE_GOLDEN=1 rewrites it), so the reference cannot
// drift from what the compiler accepts.

import { BUILTINS } from './index.js';
import { PROVIDERS } from '../providers/providers.js';

export function languageDoc(): string {
  const out: string[] = [];
  out.push('# The bpfscript language reference');
  out.push('');
  out.push('Generated from `src/builtins` and `src/providers` (do not edit: `UPDATE_GOLDEN=1 npx vitest run test/unit/docs.test.ts`).');
  out.push('bpfscript accepts the bpftrace language: the classic syntax of bpftrace 0.17 and the newer');
  out.push('additions of upstream bpftrace (`let`, `for`, `macro`, `config`).');
  out.push('');
  out.push('## Probe types');
  out.push('');
  out.push('| type | aliases | example | arg0.. | retval | args |');
  out.push('| --- | --- | --- | --- | --- | --- |');
  for (const p of PROVIDERS) {
    const yes = (b: boolean) => (b ? 'yes' : '');
    out.push(`| ${p.names[0]} | ${p.names.slice(1).join(', ')} | \`${p.example}\` | ${yes(p.hasArgN)} | ${yes(p.hasRetval)} | ${yes(p.hasArgs)} |`);
  }
  out.push('');
  out.push('## Builtin variables');
  out.push('');
  out.push('| name | description | where |');
  out.push('| --- | --- | --- |');
  const seenVar = new Set<string>();
  for (const b of BUILTINS) {
    if (b.kind !== 'var' || seenVar.has(b.name)) continue;
    if (/^s?arg([1-9]|1\d)$/.test(b.name)) continue; // arg0/sarg0 stand for the series
    seenVar.add(b.name);
    const name = b.name === 'arg0' ? 'arg0 .. arg15' : b.name === 'sarg0' ? 'sarg0 .. sarg15' : b.name;
    out.push(`| \`${name}\` | ${b.doc} | ${b.providers ? b.providers.join(', ') : 'any probe'} |`);
  }
  out.push('');
  out.push('## Functions');
  out.push('');
  out.push('| signature | description | notes |');
  out.push('| --- | --- | --- |');
  for (const b of BUILTINS) {
    if (b.kind !== 'fn') continue;
    const notes = [
      b.aggregation ? 'aggregation' : '',
      b.statement ? 'statement' : '',
      b.unsafe ? 'needs --unsafe' : '',
      b.providers ? `only in ${b.providers.join(', ')}` : '',
    ].filter(Boolean);
    out.push(`| \`${b.signature.replace(/\|/g, '\\|')}\` | ${b.doc} | ${notes.join('; ')} |`);
  }
  out.push('');
  return out.join('\n');
}
