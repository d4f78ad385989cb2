// clang: generated C -> BPF ELF object, through execa, with a content-hashed cache.
// All clang flags live in clangArgs(). The cache key covers the C text, rt.bpf.h, the
// clang binary (path, size, mtime) and the bpfscript version, so a hit is always the
// object the same inputs would produce. Objects are written atomically (tmp + rename).
// Must not: interpret clang errors beyond mapping them to script lines (compile.ts).

import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

export const RT_INCLUDE_DIR = join(PACKAGE_ROOT, 'native', 'bpf');

/** The single place for clang's command line. */
export function clangArgs(input: string, output: string): string[] {
  return [
    '-g', // BTF and line info: CO-RE and verifier messages that name script lines
    '-O2',
    '-target',
    'bpf',
    '-D__TARGET_ARCH_x86',
    '-I/usr/include/x86_64-linux-gnu', // Debian: asm/ headers
    `-I${RT_INCLUDE_DIR}`,
    '-Wall',
    '-Wno-unused-variable',
    '-Wno-unused-function',
    '-Wno-unused-but-set-variable',
    '-Wno-unknown-pragmas',
    '-Wno-pass-failed', // `#pragma unroll` that clang could not fully unroll still verifies
    '-fno-stack-protector',
    '-c',
    input,
    '-o',
    output,
  ];
}

export function clangBinary(): string {
  return process.env.BPFSCRIPT_CLANG ?? 'clang';
}

let cacheBase: string | null = null;

/**
 * The cache directory: BPFSCRIPT_CACHE_DIR, or $XDG_CACHE_HOME/bpfscript, or
 * ~/.cache/bpfscript; when that cannot be created (read-only home, another user's
 * HOME), a private directory under the system temp dir.
 */
export function cacheDir(): string {
  if (cacheBase) return cacheBase;
  const preferred = process.env.BPFSCRIPT_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'bpfscript');
  for (const dir of [preferred, join(tmpdir(), `bpfscript-${process.getuid?.() ?? 'user'}`)]) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      accessSync(dir, constants.W_OK);
      cacheBase = dir;
      return dir;
    } catch {
      /* try the next one */
    }
  }
  throw new Error(`no writable cache directory (tried ${preferred})`);
}

let clangId: string | null = null;

/** A cheap identity of the clang binary: its resolved path, size and mtime. */
function clangIdentity(): string {
  if (clangId) return clangId;
  const bin = clangBinary();
  const dirs = bin.includes('/') ? [''] : (process.env.PATH ?? '/usr/bin').split(':');
  for (const d of dirs) {
    const p = d ? join(d, bin) : bin;
    try {
      const st = statSync(p);
      clangId = `${p}:${st.size}:${st.mtimeMs}`;
      return clangId;
    } catch {
      /* next */
    }
  }
  clangId = 'missing';
  return clangId;
}

let rtHash: string | null = null;
function rtHeaderHash(): string {
  if (!rtHash) rtHash = createHash('sha256').update(readFileSync(join(RT_INCLUDE_DIR, 'rt.bpf.h'))).digest('hex');
  return rtHash;
}

export class ClangError extends Error {
  constructor(
    readonly stderr: string,
    readonly missing: boolean,
  ) {
    super(stderr);
  }
}

export interface CompiledObject {
  readonly objPath: string;
  readonly cached: boolean;
}

/** Compile (or find in the cache) the object for this C text. */
export async function compileC(c: string, version: string): Promise<CompiledObject> {
  const key = createHash('sha256').update(c).update('\0').update(rtHeaderHash()).update('\0').update(clangIdentity()).update('\0').update(version).digest('hex').slice(0, 32);
  const dir = join(cacheDir(), 'objects');
  mkdirSync(dir, { recursive: true });
  const objPath = join(dir, `${key}.o`);
  if (existsSync(objPath)) return { objPath, cached: true };
  const cPath = join(dir, `${key}.${process.pid}.c`);
  const tmpObj = join(dir, `${key}.${process.pid}.o.tmp`);
  writeFileSync(cPath, c);
  // execa is loaded only when clang really runs (a cache hit never needs it).
  const { execa } = await import('execa');
  try {
    await execa(clangBinary(), clangArgs(cPath, tmpObj), { stdin: 'ignore' });
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message?: string };
    if (e.code === 'ENOENT') throw new ClangError('clang not found', true);
    throw new ClangError(String(e.stderr ?? e.message ?? err), false);
  }
  renameSync(tmpObj, objPath);
  return { objPath, cached: false };
}

/** Write a script's text where clang can read it for #line (needed for -e programs). */
export function scriptFileFor(text: string): string {
  const dir = join(cacheDir(), 'scripts');
  mkdirSync(dir, { recursive: true });
  const p = join(dir, `${createHash('sha256').update(text).digest('hex').slice(0, 16)}.bt`);
  if (!existsSync(p)) writeFileSync(p, text);
  return p;
}
