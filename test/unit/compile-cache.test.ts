// The compile cache's entries: what a hit returns (C, manifest and the object's path) and
// when a recorded file makes it a miss.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileKey, lookupCompile, storeCompile } from '../../src/runtime/compile-cache.js';
import type { Manifest } from '../../src/codegen/manifest.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'bpfscript-cache-test-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const parts = { text: 'BEGIN { exit(); }', params: [], settings: {}, unsafe: false, version: '0.1.0', lineFile: 'stdin' };
const manifest = { programs: [] } as unknown as Manifest;

describe('compile cache', () => {
  it('a hit returns the C, the manifest, the object path and the files it was stored with', () => {
    const dir = tempDir();
    const key = compileKey(parts);
    expect(lookupCompile(dir, key)).toBeNull();
    const file = join(dir, 'dep');
    writeFileSync(file, 'x');
    storeCompile(dir, key, { c: 'int x;', manifest, obj: '/cache/objects/abc.o' }, [file, file]);
    expect(lookupCompile(dir, key)).toEqual({ c: 'int x;', manifest, obj: '/cache/objects/abc.o', deps: [file] });
  });

  it('the key changes with the script, its parameters and the clang chosen', () => {
    const key = compileKey(parts);
    expect(compileKey({ ...parts, text: 'BEGIN { exit(); } ' })).not.toBe(key);
    expect(compileKey({ ...parts, params: ['1'] })).not.toBe(key);
    const saved = process.env.BPFSCRIPT_CLANG;
    process.env.BPFSCRIPT_CLANG = '/opt/other/clang';
    try {
      expect(compileKey(parts)).not.toBe(key);
    } finally {
      if (saved === undefined) delete process.env.BPFSCRIPT_CLANG;
      else process.env.BPFSCRIPT_CLANG = saved;
    }
  });

  it('a recorded file that changed (a header, clang, a uprobe target) or vanished makes it a miss', () => {
    const dir = tempDir();
    const dep = join(dir, 'rt.bpf.h');
    writeFileSync(dep, 'a');
    const key = compileKey(parts);
    storeCompile(dir, key, { c: 'int x;', manifest, obj: '/o.o' }, [dep]);
    expect(lookupCompile(dir, key)).not.toBeNull();
    utimesSync(dep, new Date(1_000_000), new Date(1_000_000));
    expect(lookupCompile(dir, key)).toBeNull();
    storeCompile(dir, key, { c: 'int x;', manifest, obj: '/o.o' }, [dep]);
    expect(lookupCompile(dir, key)).not.toBeNull();
    rmSync(dep);
    expect(lookupCompile(dir, key)).toBeNull();
  });
});
