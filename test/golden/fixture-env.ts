// A ResolveEnv made of fixture files, so golden tests are the same on every machine:
// tracepoint formats recorded from a 6.18 kernel (test/golden/fixtures/tracepoints),
// a fake binary /opt/app with known functions, no kernel BTF.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTracepointFormat, tracepointFields, tracepointStruct } from '../../src/btf/tracepoint-format.js';
import type { ResolveEnv } from '../../src/providers/providers.js';
import { Diagnostics, UserError } from '../../src/diagnostics/diagnostic.js';

const TP_DIR = join(import.meta.dirname, 'fixtures', 'tracepoints');

const FUNCS = [
  { name: 'main', fileOffset: 0x1100 },
  { name: 'add', fileOffset: 0x1200 },
  { name: 'fib', fileOffset: 0x1240 },
  { name: 'fill', fileOffset: 0x1280 },
];

export function fixtureEnv(): ResolveEnv {
  const tps: { category: string; name: string }[] = [];
  for (const cat of readdirSync(TP_DIR)) for (const name of readdirSync(join(TP_DIR, cat))) tps.push({ category: cat, name });
  const format = (category: string, name: string) =>
    parseTracepointFormat(readFileSync(join(TP_DIR, category, name, 'format'), 'utf8'), category, name);
  return {
    pid: -1,
    tracepoints: () => tps,
    tracepointExists: (c, n) => tps.some((t) => t.category === c && t.name === n),
    tracepointFields: (c, n) => tracepointFields(format(c, n)),
    tracepointStruct: (c, n) => tracepointStruct(format(c, n)),
    elfFunctions: (path) => {
      if (path !== '/opt/app') throw new Error('no such file');
      return FUNCS;
    },
    resolveBinary: (name) => ({ path: name === 'app' || name === '/opt/app' ? '/opt/app' : name, display: name === 'app' ? '/opt/app' : name }),
    symbolAddress: (_p, name) => (name === 'counter' ? 0x4010n : null),
    usdtProbes: () => [{ provider: 'app', name: 'start', argCount: 2 }],
    kernelFunctions: () => ['vfs_read', 'vfs_write'],
    kernelBtf: () => {
      const d = new Diagnostics();
      d.error('E005', null);
      throw new UserError(d.items);
    },
  };
}
