// Library and program resolution: /etc/ld.so.cache parsed in TS and checked against
// `ldconfig -p`, library names in their spellings, a live process's maps,
// LD_LIBRARY_PATH, PATH lookup like a shell, and the uprobe-target display rule.

import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SymbolError,
  parseLdCache,
  readLdCache,
  readMaps,
  resolveLibrary,
  resolveProgram,
  resolveUprobeTarget,
  sonameMatcher,
} from '../../src/runtime/symbols/index.js';
import { type Fixtures, HAVE_GCC, buildFixtures, haveTool, removeFixtures, run } from './fixtures/symbols/build.js';

const HAVE_LDCONFIG = haveTool('ldconfig') || haveTool('/sbin/ldconfig');

/** `ldconfig -p` x86-64 entries: soname -> first path. */
function ldconfigEntries(): { count: number; x64: Map<string, string> } {
  const text = run('ldconfig', ['-p']);
  const count = Number(/^(\d+) libs found/.exec(text)![1]);
  const x64 = new Map<string, string>();
  for (const m of text.matchAll(/^\t(\S+) \(libc6,x86-64[^)]*\) => (\S+)$/gm)) if (!x64.has(m[1]!)) x64.set(m[1]!, m[2]!);
  return { count, x64 };
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SymbolError) return err.reason;
    throw err;
  }
  return 'no error';
}

describe('sonameMatcher', () => {
  it.each([
    ['c', 'libc.so.6', true],
    ['libc', 'libc.so.6', true],
    ['libc', 'libc.so', true],
    ['libc', 'libcap.so.2', false],
    ['libc.so', 'libc.so.6', true],
    ['libc.so.6', 'libc.so.6', true],
    ['libc.so.6', 'libc.so.60', false],
    ['m', 'libm.so.6', true],
    ['m', 'libmagic.so.1', false],
  ])('%s vs %s: %s', (name, soname, expected) => {
    expect(sonameMatcher(name)(soname)).toBe(expected);
  });
});

describe('parseLdCache (synthetic images)', () => {
  function newFormat(entries: { flags: number; name: string; path: string }[], prefix = 0): Buffer {
    const header = 48;
    const table = entries.length * 24;
    const strings: string[] = [];
    const offsets: [number, number][] = [];
    let off = header + table;
    for (const e of entries) {
      offsets.push([off, off + e.name.length + 1]);
      strings.push(`${e.name}\0${e.path}\0`);
      off += e.name.length + 1 + e.path.length + 1;
    }
    const buf = Buffer.alloc(prefix + off);
    buf.write('glibc-ld.so.cache1.1', prefix, 'latin1');
    buf.writeUInt32LE(entries.length, prefix + 20);
    entries.forEach((e, i) => {
      const o = prefix + header + i * 24;
      buf.writeInt32LE(e.flags, o);
      buf.writeUInt32LE(offsets[i]![0], o + 4);
      buf.writeUInt32LE(offsets[i]![1], o + 8);
    });
    buf.write(strings.join(''), prefix + header + table, 'latin1');
    return buf;
  }

  const ENTRIES = [
    { flags: 0x0303, name: 'libfoo.so.1', path: '/opt/lib/libfoo.so.1' },
    { flags: 0x0003, name: 'libfoo.so.1', path: '/lib32/libfoo.so.1' },
  ];

  it('reads the new format', () => {
    expect(parseLdCache(newFormat(ENTRIES)).map((e) => [e.flags, e.name, e.path])).toEqual([
      [0x0303, 'libfoo.so.1', '/opt/lib/libfoo.so.1'],
      [0x0003, 'libfoo.so.1', '/lib32/libfoo.so.1'],
    ]);
  });

  it('skips an old-format table in front (glibc < 2.32 wrote both)', () => {
    const nlibs = 2;
    const prefix = (16 + nlibs * 12 + 7) & ~7;
    const buf = newFormat(ENTRIES, prefix);
    buf.write('ld.so-1.7.0', 0, 'latin1');
    buf.writeUInt32LE(nlibs, 12);
    expect(parseLdCache(buf).map((e) => e.path)).toEqual(['/opt/lib/libfoo.so.1', '/lib32/libfoo.so.1']);
  });

  it('returns nothing for garbage', () => {
    expect(parseLdCache(Buffer.from('not a cache at all, not at all, not at all....'))).toEqual([]);
  });
});

describe.skipIf(!HAVE_LDCONFIG)('the real /etc/ld.so.cache', () => {
  it('has as many entries as ldconfig -p reports, with the same x86-64 paths', () => {
    const { count, x64 } = ldconfigEntries();
    const ours = readLdCache();
    expect(ours.length).toBe(count);
    const ourX64 = new Map<string, string>();
    for (const e of ours) if ((e.flags & 0xff00) === 0x0300 && !ourX64.has(e.name)) ourX64.set(e.name, e.path);
    expect(ourX64).toEqual(x64);
  });

  it.each(['libc', 'c', 'libc.so', 'libc.so.6'])('resolveLibrary(%s) is the libc.so.6 path ldconfig -p reports', (name) => {
    expect(resolveLibrary(name, { env: {} })).toBe(ldconfigEntries().x64.get('libc.so.6'));
  });

  it.each([
    ['libm', 'libm.so.6'],
    ['pthread', 'libpthread.so.0'],
    ['libelf', 'libelf.so.1'],
  ])('resolveLibrary(%s) = ldconfig path of %s', (name, soname) => {
    const expected = ldconfigEntries().x64.get(soname);
    if (!expected) return; // library not installed here
    expect(resolveLibrary(name, { env: {} })).toBe(expected);
  });

  it('an unknown library throws no-library', () => {
    expect(reasonOf(() => resolveLibrary('nosuchlibrary_xyz', { env: {} }))).toBe('no-library');
  });
});

describe('resolveLibrary for a live process', () => {
  it('finds the libc the process has mapped', async () => {
    const child = spawn('sleep', ['5'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const mapped = readMaps(child.pid!)!.find((m) => /\/libc\.so\.6$/.test(m.path))!.path;
      expect(resolveLibrary('libc', { pid: child.pid! })).toBe(mapped);
    } finally {
      child.kill();
    }
  });
});

describe.skipIf(!HAVE_GCC)('LD_LIBRARY_PATH, PATH and uprobe targets', () => {
  let fx: Fixtures;
  let bin: string;
  beforeAll(() => {
    fx = buildFixtures();
    bin = mkdtempSync(join(tmpdir(), 'bpfscript-path-'));
    copyFileSync(fx.prog, join(bin, 'symprog'));
    writeFileSync(join(bin, 'notexec'), '#!/bin/sh\n');
    chmodSync(join(bin, 'notexec'), 0o644);
  });
  afterAll(() => {
    removeFixtures();
    rmSync(bin, { recursive: true, force: true });
  });

  it.each(['symtest', 'libsymtest', 'libsymtest.so'])('resolveLibrary(%s) searches LD_LIBRARY_PATH first', (name) => {
    expect(resolveLibrary(name, { env: { LD_LIBRARY_PATH: `/nonexistent:${fx.dir}` } })).toBe(fx.lib);
  });

  it('a library path with a / is taken as a path', () => {
    expect(resolveLibrary(fx.lib)).toBe(fx.lib);
    expect(reasonOf(() => resolveLibrary(`${fx.dir}/nope.so`))).toBe('no-library');
  });

  it.each([
    ['symprog', () => join(bin, 'symprog')],
    ['sh', () => resolveProgram('sh', { PATH: '/usr/bin:/bin' })],
  ])('resolveProgram(%s) walks PATH', (name, expected) => {
    expect(resolveProgram(name, { PATH: `/nonexistent::${bin}:/usr/bin:/bin` })).toBe(expected());
  });

  it('resolveProgram finds sh in /usr/bin before /bin, like a shell with that PATH', () => {
    expect(resolveProgram('sh', { PATH: '/usr/bin:/bin' })).toBe('/usr/bin/sh');
    expect(resolveProgram('sh', { PATH: '/bin:/usr/bin' })).toBe('/bin/sh');
  });

  it.each([
    ['notexec', 'no-program'],
    ['nosuchprogram_xyz', 'no-program'],
  ])('resolveProgram(%s) throws %s', (name, reason) => {
    expect(reasonOf(() => resolveProgram(name, { PATH: bin }))).toBe(reason);
  });

  it('resolveProgram resolves a relative path against the cwd', () => {
    const cwd = process.cwd();
    try {
      process.chdir(bin);
      expect(resolveProgram('./symprog')).toBe(join(bin, 'symprog'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('resolveUprobeTarget: files as written, libraries and programs as absolute paths', () => {
    const cwd = process.cwd();
    try {
      process.chdir(bin);
      expect(resolveUprobeTarget('./symprog')).toEqual({ path: join(bin, 'symprog'), display: './symprog' });
      expect(resolveUprobeTarget('symprog')).toEqual({ path: join(bin, 'symprog'), display: 'symprog' });
      const libc = resolveLibrary('libc', { env: {} });
      expect(resolveUprobeTarget('libc', { env: {} })).toEqual({ path: libc, display: libc });
      expect(resolveUprobeTarget('c', { env: { PATH: bin } })).toEqual({ path: libc, display: libc });
      expect(resolveUprobeTarget('sh', { env: { PATH: '/usr/bin:/bin' } })).toEqual({ path: '/usr/bin/sh', display: '/usr/bin/sh' });
      expect(reasonOf(() => resolveUprobeTarget('./nope'))).toBe('missing');
    } finally {
      process.chdir(cwd);
    }
  });
});
