// clang: generated C -> BPF ELF object, through execa, with a content-hashed cache.
// All clang flags live in clangArgs(). The cache key covers the C text, rt.bpf.h, the
// clang binary (path, size, mtime) and the bpfscript version, so a hit is always the
// object the same inputs would produce. Objects are written atomically (tmp + rename).
// Must not: interpret clang errors beyond mapping them to script lines (compile.ts).

import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

/** native/bpf: rt.bpf.h and rt-sys.h. */
export function rtIncludeDir(): string {
  return join(packageRoot(), 'native', 'bpf');
}

/**
 * The single place for clang's command line: compile `input` ('-': C on stdin) to the
 * object `output`, with `pch` the precompiled rt-sys.h (pchArgs() builds one with these
 * same flags).
 */
export function clangArgs(input: string, output: string, pch?: string): string[] {
  return [
    ...commonFlags(),
    ...(pch ? ['-include-pch', pch] : []),
    '-c',
    ...(input === '-' ? ['-x', 'c', '-'] : [input]),
    '-o',
    output,
  ];
}

/** clang's command line that precompiles native/bpf/rt-sys.h to `output`. */
export function pchArgs(output: string): string[] {
  return [...commonFlags(), '-x', 'c-header', join(rtIncludeDir(), 'rt-sys.h'), '-o', output];
}

function commonFlags(): string[] {
  return [
    '-g', // BTF and line info: CO-RE and verifier messages that name script lines
    '-O2',
    '-target',
    'bpf',
    '-D__TARGET_ARCH_x86',
    '-I/usr/include/x86_64-linux-gnu', // Debian: asm/ headers
    `-I${rtIncludeDir()}`,
    '-Wall',
    '-Wno-unused-variable',
    '-Wno-unused-function',
    '-Wno-unused-but-set-variable',
    '-Wno-unknown-pragmas',
    '-Wno-pass-failed', // `#pragma unroll` that clang could not fully unroll still verifies
    '-fno-stack-protector',
  ];
}

/** Where `npm run build` leaves the precompiled rt-sys.h (see native/bpf/rt-sys.h). */
export function pchPath(): string {
  return join(packageRoot(), 'dist', 'rt-sys.pch');
}

/**
 * Precompiles rt-sys.h to pchPath() (run by `npm run build`). Without clang there is
 * nothing to do: every compile then includes the headers as text.
 */
export async function buildPch(): Promise<boolean> {
  const { execa } = await import('execa');
  const tmp = `${pchPath()}.${process.pid}.tmp`;
  try {
    await execa(clangBinary(), pchArgs(tmp), { stdin: 'ignore' });
  } catch {
    return false;
  }
  renameSync(tmp, pchPath());
  return true;
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
let clangFile: string | null = null;

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
      clangFile = p;
      return clangId;
    } catch {
      /* next */
    }
  }
  clangId = 'missing';
  return clangId;
}

/**
 * The cached object's path for this C text, and the files besides the text that decide
 * it (the runtime headers, the clang binary): the compile cache stores both, so a hit
 * finds its object by a stat of each instead of hashing the C again.
 */
export function objectFor(c: string, version: string): { path: string; inputs: string[] } {
  const path = cachedObject(c, version);
  const inputs = ['rt.bpf.h', 'rt-sys.h'].map((f) => join(rtIncludeDir(), f));
  if (clangFile) inputs.push(clangFile);
  return { path, inputs };
}

let rtHash: string | null = null;
function rtHeaderHash(): string {
  if (!rtHash) {
    const h = createHash('sha256');
    for (const f of ['rt.bpf.h', 'rt-sys.h']) h.update(readFileSync(join(rtIncludeDir(), f)));
    rtHash = h.digest('hex');
  }
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
  const objPath = cachedObject(c, version);
  if (existsSync(objPath)) return { objPath, cached: true };
  return new ClangRun().compileTo(objPath, c);
}

/** Where the object for this C text is (or will be) cached. */
function cachedObject(c: string, version: string): string {
  const key = createHash('sha256').update(c).update('\0').update(rtHeaderHash()).update('\0').update(clangIdentity()).update('\0').update(version).digest('hex').slice(0, 32);
  return join(objectsDir(), `${key}.o`);
}

function objectsDir(): string {
  const dir = join(cacheDir(), 'objects');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** clang's complaint about a PCH it cannot use (another clang, an rt-sys.h changed since). */
const PCH_UNUSABLE = /precompiled header|PCH file|-include-pch/i;

let runs = 0;

/**
 * One clang run that reads its C from stdin, started before the C exists: clang loads
 * (itself, LLVM, the PCH: about 40 ms) while the script is still being compiled, and
 * then waits on stdin. compile() hands it the C text; cancel() stops it unused.
 */
export class ClangRun {
  private readonly tmpObj = join(objectsDir(), `clang.${process.pid}.${runs++}.o.tmp`);
  private readonly pch = existsSync(pchPath()) ? pchPath() : undefined;
  private readonly first = spawnClang(this.tmpObj, this.pch);

  /** Compile `c` (or take the object from the cache and stop clang). */
  async compile(c: string, version: string): Promise<CompiledObject> {
    const objPath = cachedObject(c, version);
    if (existsSync(objPath)) {
      this.cancel();
      return { objPath, cached: true };
    }
    return this.compileTo(objPath, c);
  }

  /** Compile `c` into `objPath` (known not to be cached yet). */
  async compileTo(objPath: string, c: string): Promise<CompiledObject> {
    try {
      // A PCH this clang cannot use is an error of its own: the headers as text always work.
      await feed(this.first, c).catch((err: { stderr?: string }) => {
        if (this.pch && PCH_UNUSABLE.test(String(err.stderr))) return feed(spawnClang(this.tmpObj), c);
        throw err;
      });
    } catch (err) {
      const e = err as { code?: string; stderr?: string; message?: string };
      if (e.code === 'ENOENT') throw new ClangError('clang not found', true);
      throw new ClangError(String(e.stderr ?? e.message ?? err), false);
    }
    renameSync(this.tmpObj, objPath);
    return { objPath, cached: false };
  }

  /** Stop clang without compiling anything (the script had errors). */
  cancel(): void {
    void this.first.then(({ sub }) => sub.kill()).catch(() => undefined);
  }
}

type ClangProcess = { sub: import('execa').ResultPromise<{ stdin: 'pipe'; stdout: 'ignore' }> };

async function spawnClang(out: string, pch?: string): Promise<ClangProcess> {
  // execa is loaded only when clang really runs (a cache hit never needs it).
  const { execa } = await import('execa');
  const sub = execa(clangBinary(), clangArgs('-', out, pch), { stdin: 'pipe', stdout: 'ignore' });
  sub.catch(() => undefined); // settled by feed(), or dropped by cancel()
  sub.stdin.on('error', () => undefined); // clang gone before reading: its exit says why
  return { sub };
}

async function feed(proc: Promise<ClangProcess>, c: string): Promise<void> {
  const { sub } = await proc;
  sub.stdin.end(c);
  await sub;
}

/** Write a script's text where clang can read it for #line (needed for -e programs). */
export function scriptFileFor(text: string): string {
  const dir = join(cacheDir(), 'scripts');
  mkdirSync(dir, { recursive: true });
  const p = join(dir, `${createHash('sha256').update(text).digest('hex').slice(0, 16)}.bt`);
  if (!existsSync(p)) writeFileSync(p, text);
  return p;
}
