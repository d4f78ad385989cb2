// The compile cache: a repeated run of the same script skips parse, analyze and codegen
// (and with them loading the parser), not only clang. An entry holds the generated C and
// the manifest, keyed by everything that decides them: the script text, its parameters,
// the settings, --unsafe, the bpfscript version, the kernel's boot id (tracepoint
// formats and BTF are fixed for a boot) and the working directory (relative uprobe
// paths). Files read while resolving attach points (ELF symbols, USDT notes) are recorded
// with their identity and checked on every hit. Runs with -p PID are never cached
// (their attach points depend on that process's mappings). An entry also names the
// object compiled from its C, with the runtime headers and clang among its checked files,
// so a hit needs neither the C hashed again nor clang.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import type { Manifest } from '../codegen/manifest.js';
import type { ResolveEnv } from '../providers/providers.js';

export interface CachedCompile {
  readonly c: string;
  readonly manifest: Manifest;
  /** The object compiled from `c` in the object cache (it may since have been removed). */
  readonly obj?: string;
}

/** A hit: also the files its entry checks (the loader's plan checks them too). */
export interface CacheHit extends CachedCompile {
  readonly deps: readonly string[];
}

interface Entry extends CachedCompile {
  readonly deps: readonly FileId[];
}

interface FileId {
  readonly path: string;
  readonly id: string;
}

function fileId(path: string): string {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/**
 * Changes whenever the compiler changes, so a new compiler never reuses an old one's
 * output: the stamp `npm run build` writes next to the bundle it builds (dist/build-id).
 * Without one (modules run from src/, as the tests do): 'dev'.
 */
function buildId(): string {
  try {
    return readFileSync(join(packageRoot(), 'dist', 'build-id'), 'utf8');
  } catch {
    return 'dev';
  }
}

/** This boot's id ('unknown' where there is none); a loader plan is bound to it too. */
export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

export function compileKey(parts: { text: string; params: readonly string[]; settings: unknown; unsafe: boolean; version: string; lineFile: string }): string {
  return createHash('sha256')
    .update(JSON.stringify([parts.text, parts.params, parts.settings, parts.unsafe, parts.version, parts.lineFile, bootId(), buildId(), process.cwd(), process.env.PATH ?? '', process.env.BPFSCRIPT_CLANG ?? '']))
    .digest('hex')
    .slice(0, 32);
}

function entryPath(dir: string, key: string): string {
  return join(dir, 'compiled', `${key}.json`);
}

export function lookupCompile(dir: string, key: string): CacheHit | null {
  let e: Entry;
  try {
    e = JSON.parse(readFileSync(entryPath(dir, key), 'utf8')) as Entry;
  } catch {
    return null;
  }
  for (const d of e.deps) if (fileId(d.path) !== d.id) return null;
  return { c: e.c, manifest: e.manifest, obj: e.obj, deps: e.deps.map((d) => d.path) };
}

export function storeCompile(dir: string, key: string, result: CachedCompile, deps: Iterable<string>): void {
  try {
    mkdirSync(join(dir, 'compiled'), { recursive: true });
    const entry: Entry = { c: result.c, manifest: result.manifest, obj: result.obj, deps: [...new Set(deps)].map((path) => ({ path, id: fileId(path) })) };
    const tmp = `${entryPath(dir, key)}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(entry));
    renameSync(tmp, entryPath(dir, key));
  } catch {
    /* a cache that cannot be written is only slower */
  }
}

/** Wrap a ResolveEnv to record the files attach-point resolution read. */
export function recordingEnv(env: ResolveEnv): { env: ResolveEnv; deps: Set<string> } {
  const deps = new Set<string>();
  const rec: ResolveEnv = {
    ...env,
    pid: env.pid,
    tracepoints: () => env.tracepoints(),
    tracepointExists: (c, n) => env.tracepointExists(c, n),
    tracepointFields: (c, n) => env.tracepointFields(c, n),
    tracepointStruct: (c, n) => env.tracepointStruct(c, n),
    kernelFunctions: () => env.kernelFunctions(),
    kernelBtf: () => env.kernelBtf(),
    elfFunctions(path) {
      deps.add(path);
      return env.elfFunctions(path);
    },
    resolveBinary(name, pid) {
      const p = env.resolveBinary(name, pid);
      deps.add(p.path);
      deps.add('/etc/ld.so.cache'); // library names resolve through it
      return p;
    },
    symbolAddress(path, name) {
      deps.add(path);
      return env.symbolAddress(path, name);
    },
    usdtProbes(path) {
      deps.add(path);
      return env.usdtProbes(path);
    },
  };
  return { env: rec, deps };
}
