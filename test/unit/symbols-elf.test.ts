// ELF functions, file offsets, wildcard matching, uprobe offset resolution and the
// `-l uprobe:` listing, on binaries gcc builds from test/unit/fixtures/symbols, checked
// against nm, readelf, the file's own bytes, and bpftrace 0.17 where it is installed.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SymbolError,
  clearElfCache,
  elfFunctions,
  elfSymbols,
  listUprobes,
  matchFunctions,
  matchGlob,
  resolveOffset,
} from '../../src/runtime/symbols/index.js';
import {
  FIXTURE_DIR,
  type Fixtures,
  HAVE_BPFTRACE,
  HAVE_GCC,
  buildFixtures,
  removeFixtures,
  nmFunctions,
  readelfLoads,
  run,
} from './fixtures/symbols/build.js';

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SymbolError) return err.reason;
    throw err;
  }
  return 'no error';
}

describe('matchGlob', () => {
  it.each([
    ['fib', 'fib', true],
    ['fib', 'fibx', false],
    ['fi*', 'fib_alias', true],
    ['*alias', 'fib_alias', true],
    ['*', '', true],
    ['f?b', 'fib', true],
    ['f?b', 'fb', false],
    ['{add,fib}', 'fib', true],
    ['{add,fib}', 'main', false],
    ['lib_{add,mul}*', 'lib_mul', true],
    ['a.b', 'axb', false],
    ['a.b*', 'a.bc', true],
    ['x{y', 'x{y', true],
    ['(*)', '(x)', true],
  ])('%s matches %s: %s', (pattern, name, expected) => {
    expect(matchGlob(pattern, name)).toBe(expected);
  });
});

describe.skipIf(!HAVE_GCC)('ELF functions of a test program', () => {
  let fx: Fixtures;
  beforeAll(() => {
    fx = buildFixtures();
  });
  afterAll(removeFixtures);

  it.each(['add', 'fib', 'fib_alias', 'helper', 'main', 'known_insns', 'sizeless', '_start'])(
    '%s has the address nm reports',
    (name) => {
      const nm = nmFunctions(fx.prog);
      const fn = elfFunctions(fx.prog).find((f) => f.name === name);
      expect(fn, name).toBeDefined();
      expect(fn!.vaddr).toBe(nm.get(name));
    },
  );

  it('lists exactly the defined functions nm lists (T/t/W/i)', () => {
    const nm = [...nmFunctions(fx.prog).keys()].filter((n) => n !== 'data_start').sort();
    const ours = [...new Set(elfFunctions(fx.prog).map((f) => f.name))].sort();
    expect(ours).toEqual(nm);
  });

  it.each(['add', 'fib', 'helper', 'main', 'known_insns'])('the file offset of %s is vaddr - p_vaddr + p_offset (readelf -lW)', (name) => {
    const fn = elfFunctions(fx.prog).find((f) => f.name === name)!;
    const seg = readelfLoads(fx.prog).find((s) => fn.vaddr >= s.vaddr && fn.vaddr < s.vaddr + s.filesz)!;
    expect(fn.fileOffset).toBe(fn.vaddr - seg.vaddr + seg.offset);
  });

  it('the file offset points at the function bytes (movabs $0x1122334455667788, %rax; ret)', () => {
    const fn = elfFunctions(fx.prog).find((f) => f.name === 'known_insns')!;
    const bytes = readFileSync(fx.prog).subarray(fn.fileOffset, fn.fileOffset + 11);
    expect(bytes.toString('hex')).toBe('48b88877665544332211c3');
    expect(fn.size).toBe(11);
  });

  it('keeps sizes, bindings and zero-size functions', () => {
    const t = elfSymbols(fx.prog);
    expect(t.find('sizeless')!.size).toBe(0);
    expect(t.find('helper')!.bind).toBe('local');
    expect(t.find('fib')!.bind).toBe('global');
    expect(t.hasSymtab).toBe(true);
    expect(t.stripped).toBe(false);
  });

  it.each([
    ['fi*', ['fib', 'fib_alias']],
    ['*add', ['add']],
    ['f?b', ['fib']],
    ['{add,helper}', ['add', 'helper']],
    ['known_insns', ['known_insns']],
    ['nomatch*', []],
    ['nomatch', []],
  ])('matchFunctions(%s)', (pattern, names) => {
    expect(matchFunctions(fx.prog, pattern).map((f) => f.name)).toEqual(names);
  });

  it('symbolizes an address to the preferred alias and the containing function', () => {
    const t = elfSymbols(fx.prog);
    const fib = t.find('fib')!;
    expect(t.lookupVaddr(fib.vaddr)).toEqual({ fn: expect.objectContaining({ name: 'fib' }), offset: 0 });
    expect(t.lookupVaddr(fib.vaddr + 5)!.offset).toBe(5);
    const sizeless = t.find('sizeless')!;
    expect(t.lookupVaddr(sizeless.vaddr + 2)).toEqual({ fn: expect.objectContaining({ name: 'sizeless' }), offset: 2 });
    const k = t.find('known_insns')!;
    expect(t.lookupFileOffset(k.fileOffset + 10)).toEqual({ fn: expect.objectContaining({ name: 'known_insns' }), offset: 10 });
    expect(t.lookupVaddr(0x10)).toBeNull();
  });

  it.each([
    ['fib', 0, 'fib', 0],
    ['known_insns', 10, 'known_insns', 10],
    ['fib_alias', 0, 'fib_alias', 0],
  ])('resolveOffset(%s+%d)', (name, plus, fnName, offset) => {
    const t = elfSymbols(fx.prog);
    const r = resolveOffset(fx.prog, name, plus);
    expect(r.function!.name).toBe(fnName);
    expect(r.offset).toBe(offset);
    expect(r.fileOffset).toBe(t.find(name)!.fileOffset + plus);
  });

  it('resolveOffset accepts an address (hex or decimal) inside a function', () => {
    const k = elfSymbols(fx.prog).find('known_insns')!;
    const hex = resolveOffset(fx.prog, `0x${(k.vaddr + 10).toString(16)}`);
    expect([hex.function!.name, hex.offset, hex.fileOffset]).toEqual(['known_insns', 10, k.fileOffset + 10]);
    const dec = resolveOffset(fx.prog, String(k.vaddr));
    expect([dec.function!.name, dec.offset]).toEqual(['known_insns', 0]);
  });

  it.each([
    ['nosuch', 0, 'not-found'],
    ['known_insns', 3, 'bad-offset'], // inside the movabs
    ['known_insns', 11, 'bad-offset'], // past the end
    ['0x10', 0, 'bad-address'],
    ['0x99999999', 0, 'bad-address'],
  ])('resolveOffset(%s+%d) fails with %s', (name, plus, reason) => {
    expect(reasonOf(() => resolveOffset(fx.prog, name, plus))).toBe(reason);
  });

  it('a raw address in the middle of an instruction is refused', () => {
    const k = elfSymbols(fx.prog).find('known_insns')!;
    expect(reasonOf(() => resolveOffset(fx.prog, `0x${(k.vaddr + 4).toString(16)}`))).toBe('bad-offset');
  });

  it.each([
    ['stripped binary', (f: Fixtures) => f.progStripped, 'stripped'],
    ['C source (not ELF)', () => `${FIXTURE_DIR}/prog.c`, 'not-elf'],
    ['missing file', (f: Fixtures) => `${f.dir}/nope`, 'missing'],
    ['directory', (f: Fixtures) => f.dir, 'not-regular'],
  ] as const)('elfFunctions on a %s throws %s', (_what, path, reason) => {
    expect(reasonOf(() => elfFunctions(path(fx)))).toBe(reason);
  });

  it('a stripped binary still resolves raw addresses in its code, and says it is stripped for names', () => {
    const main = elfSymbols(fx.prog).find('main')!; // strip keeps the layout
    const r = resolveOffset(fx.progStripped, `0x${main.vaddr.toString(16)}`);
    expect([r.function, r.fileOffset]).toEqual([null, main.fileOffset]);
    try {
      resolveOffset(fx.progStripped, 'main');
      expect.unreachable();
    } catch (err) {
      expect((err as SymbolError).reason).toBe('not-found');
      expect((err as SymbolError).message).toContain('stripped');
    }
  });

  it('shared library: exported, static and versioned functions', () => {
    const t = elfSymbols(fx.lib);
    const nm = nmFunctions(fx.lib);
    expect(t.find('lib_add')!.vaddr).toBe(nm.get('lib_add'));
    expect(t.find('lib_internal')!.vaddr).toBe(nm.get('lib_internal'));
    // lib_ver is defined twice in .dynsym; the default version (lib_ver@@V2) wins.
    expect(t.candidates('lib_ver')).toHaveLength(2);
    expect(t.find('lib_ver')!.vaddr).toBe(nm.get('lib_ver_new'));
    expect(resolveOffset(fx.lib, 'lib_ver').vaddr).toBe(nm.get('lib_ver_new'));
    expect(matchFunctions(fx.lib, 'lib_ver*').map((f) => f.name)).toEqual([
      'lib_ver',
      'lib_ver@@V2',
      'lib_ver@V1',
      'lib_ver_new',
      'lib_ver_old',
    ]);
    // Symbolizing the V1 address prints the unversioned default-looking name.
    expect(t.lookupVaddr(nm.get('lib_ver_old')!)!.fn.name).toBe('lib_ver');
  });

  it('a non-PIE executable lists the PLT stub of an imported function but never names an address with it', () => {
    const t = elfSymbols(fx.progNoPie);
    const puts = t.find('puts')!;
    expect(puts.kind).toBe('plt');
    const dynsym = run('readelf', ['-sW', '--dyn-syms', fx.progNoPie]);
    expect(puts.vaddr).toBe(parseInt(/^\s*\d+: ([0-9a-f]+) .* UND puts@/m.exec(dynsym)![1]!, 16));
    expect(matchFunctions(fx.progNoPie, 'put*').map((f) => f.name)).toEqual(['puts', 'puts@GLIBC_2.2.5']);
    expect(resolveOffset(fx.progNoPie, 'puts').fileOffset).toBe(t.vaddrToOffset(puts.vaddr));
    const hit = t.lookupVaddr(puts.vaddr + 2);
    expect(hit === null || hit.fn.name !== 'puts').toBe(true);
    expect(t.lookupVaddr(t.find('main')!.vaddr + 1)!.fn.name).toBe('main');
  });

  it('reuses the cached table until the file changes', () => {
    clearElfCache();
    const a = elfSymbols(fx.lib);
    expect(elfSymbols(fx.lib)).toBe(a);
  });

  it('listUprobes prints uprobe:PATH:NAME lines in byte order', () => {
    expect(listUprobes(fx.prog, 'f*', { display: './prog' })).toEqual([
      'uprobe:./prog:fib',
      'uprobe:./prog:fib_alias',
      'uprobe:./prog:frame_dummy',
    ]);
    expect(listUprobes(fx.prog, 'ma*', { probe: 'uretprobe' })).toEqual([`uretprobe:${fx.prog}:main`]);
  });

  it.skipIf(!HAVE_BPFTRACE).each([['prog'], ['prog-nopie'], ['libsymtest.so']])(
    'listUprobes matches `bpftrace -l uprobe:./%s:*` exactly',
    (file) => {
      const expected = run('bpftrace', ['-l', `uprobe:./${file}:*`], fx.dir).trimEnd().split('\n');
      expect(listUprobes(`${fx.dir}/${file}`, '*', { display: `./${file}` })).toEqual(expected);
    },
  );
});

describe('libc', () => {
  it('reads libc symbols quickly (table, full list, cached) and finds malloc', () => {
    clearElfCache();
    const t0 = performance.now();
    const malloc = resolveOffset(LIBC, 'malloc'); // the attach path: table + one name
    const table = performance.now() - t0;
    const t1 = performance.now();
    const fns = elfFunctions(LIBC); // listings and wildcards: every name, sorted
    const full = performance.now() - t1;
    const t2 = performance.now();
    elfFunctions(LIBC);
    const cached = performance.now() - t2;
    console.log(
      `libc: ${fns.length} functions; table + malloc ${table.toFixed(1)} ms, full list ${full.toFixed(1)} ms, cached ${cached.toFixed(3)} ms`,
    );
    expect(malloc.function!.name).toBe('malloc');
    expect(fns.some((f) => f.name === 'malloc')).toBe(true);
    // Loose bounds: the numbers are reported above; a loaded CI machine must not flake.
    expect(table).toBeLessThan(1000);
    expect(full).toBeLessThan(2000);
    expect(cached).toBeLessThan(100);
  });

  it('malloc resolves to the address nm -D reports (default version)', () => {
    const nm = run('nm', ['-D', '--defined-only', LIBC]);
    const m = /^([0-9a-f]+) [TiW] malloc@@/m.exec(nm)!;
    expect(resolveOffset(LIBC, 'malloc').vaddr).toBe(parseInt(m[1]!, 16));
  });

  it('memcpy, defined in two versions, resolves to the default one', () => {
    const nm = run('nm', ['-D', '--defined-only', LIBC]);
    const m = /^([0-9a-f]+) [TiW] memcpy@@/m.exec(nm);
    if (!m) return; // not a glibc with versioned memcpy
    expect(elfSymbols(LIBC).find('memcpy')!.vaddr).toBe(parseInt(m[1]!, 16));
  });

  it.skipIf(!HAVE_BPFTRACE)('listUprobes(libc, *) matches `bpftrace -l uprobe:libc:*` exactly', () => {
    const expected = run('bpftrace', ['-l', 'uprobe:libc:*']).trimEnd().split('\n');
    const display = expected[0]!.split(':')[1]!;
    expect(listUprobes(LIBC, '*', { display })).toEqual(expected);
  });
});
