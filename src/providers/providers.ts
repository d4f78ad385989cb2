// One object per probe type (provider): its names and aliases, the SEC() section and
// context of the generated program, which extra builtins it offers, and how an attach
// point of that type resolves to concrete attachments (AttachSpec in the manifest).
// PROVIDERS is the one list; analyze looks providers up by name through it.
// Must not: emit C bodies (codegen does) or touch the kernel beyond reading
// tracefs/ELF/BTF metadata through the ResolveEnv it is given.

import type { AttachSpec, ProviderKind } from '../codegen/manifest.js';
import type { Ty } from '../types/ty.js';
import type { Btf } from '../btf/btf.js';

/** What resolution may ask of the system; real implementation in src/analyze/resolve-env.ts. */
export interface ResolveEnv {
  /** Every tracepoint as category/name. */
  tracepoints(): readonly { category: string; name: string }[];
  /** Whether one tracepoint exists (without listing them all). */
  tracepointExists(category: string, name: string): boolean;
  /** Functions of an ELF file with their file offsets. Throws Error with a reason. */
  elfFunctions(path: string): readonly { name: string; fileOffset: number }[];
  /**
   * A binary or library name as written -> its absolute path (PATH and ld.so rules) and
   * what probe names show (the target as written when it names a file, as bpftrace).
   */
  resolveBinary(name: string, pid: number): { path: string; display: string };
  /** Virtual address of a symbol (function or object) in an ELF file, or null. */
  symbolAddress(path: string, name: string): bigint | null;
  /** USDT probes of an ELF file. */
  usdtProbes(path: string): readonly { provider: string; name: string; argCount: number }[];
  /** Kernel functions that can be probed (available_filter_functions), lazily. */
  kernelFunctions(): readonly string[];
  /** Fields of a tracepoint's context (non-common), typed; throws when it does not exist. */
  tracepointFields(category: string, name: string): readonly { name: string; ty: Ty; dataLoc: boolean }[];
  /** C definition of a tracepoint's context struct and its name (`tp_<cat>_<name>`). */
  tracepointStruct(category: string, name: string): { cname: string; decl: string };
  /** The kernel's BTF (lazily read); throws a UserError (E005) when the kernel has none. */
  kernelBtf(): Btf;
  /** -p PID of the run, or -1. */
  readonly pid: number;
}

/** One concrete match of an attach point. */
export interface ResolvedPoint {
  /** The full probe name as bpftrace prints it for `probe` (e.g. tracepoint:syscalls:sys_enter_openat). */
  readonly probe: string;
  /** What `func` prints (function or tracepoint name). */
  readonly func: string;
  /** The attachment, without its cookie (assigned by analyze); null for BEGIN/END (run, not attached). */
  readonly spec: DistributiveOmit<AttachSpec, 'cookie'> | null;
  /** Tracepoints: category and name, for typing `args`. */
  readonly tracepoint?: { readonly category: string; readonly name: string };
}

export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class ResolveError extends Error {
  constructor(
    readonly code: 'N003' | 'N004' | 'N005' | 'N006' | 'N007' | 'N013' | 'N015' | 'N016' | 'N017' | 'N018',
    readonly args: Record<string, string | number>,
  ) {
    super(code);
  }
}

export type CtxKind = 'none' | 'tracepoint' | 'pt_regs' | 'perf_event' | 'raw_tp' | 'fentry';

export interface Provider {
  readonly kind: ProviderKind;
  /** Names accepted in scripts; the first is canonical. */
  readonly names: readonly string[];
  readonly ctx: CtxKind;
  /** True when `arg0`..`argN` are available. */
  readonly hasArgN: boolean;
  /** True when `retval` is available. */
  readonly hasRetval: boolean;
  /** True when `args` is available (tracepoint format, BTF). */
  readonly hasArgs: boolean;
  /** Example attach point for messages. */
  readonly example: string;
  /** Resolve the parts after the provider name. */
  resolve(parts: readonly string[], env: ResolveEnv, text: string): ResolvedPoint[];
}

export const PERF_TYPE_HARDWARE = 0;
export const PERF_TYPE_SOFTWARE = 1;
export const PERF_COUNT_SW_CPU_CLOCK = 0;

// Attach-point wildcards (`*`, `?`, `{a,b}`): one implementation for every provider.
export { globToRegExp, hasWildcard } from '../runtime/symbols/glob.js';
import { globToRegExp, hasWildcard } from '../runtime/symbols/glob.js';

function need(parts: readonly string[], n: number, provider: string, what: string, example: string): void {
  if (parts.length < n || parts.slice(0, n).some((p) => p === '')) {
    throw new ResolveError('N003', { provider, what, example });
  }
}

const TIME_UNITS: Record<string, number> = { s: 1e9, ms: 1e6, us: 1e3, ns: 1 };

/** `interval:s:1`, `interval:ms:100`, `interval:hz:10`, and newer `interval:1s`. */
function timedPoint(kind: 'interval' | 'profile', parts: readonly string[], text: string): ResolvedPoint {
  const example = kind === 'interval' ? 'interval:s:1' : 'profile:hz:99';
  let unit: string;
  let value: string;
  if (parts.length >= 2) {
    [unit, value] = [parts[0]!, parts[1]!];
  } else if (parts.length === 1 && /^\d+(s|ms|us|ns|hz)$/.test(parts[0]!)) {
    const m = /^(\d+)(s|ms|us|ns|hz)$/.exec(parts[0]!)!;
    [unit, value] = [m[2]!, m[1]!];
  } else if (parts.length === 1 && kind === 'profile' && /^\d+$/.test(parts[0]!)) {
    [unit, value] = ['hz', parts[0]!];
  } else {
    throw new ResolveError('N003', { provider: kind, what: 'a unit and a rate', example });
  }
  if (!/^\d+$/.test(value) || Number(value) <= 0) throw new ResolveError('N013', { provider: kind, text, example });
  const n = Number(value);
  let period: number;
  let freq = false;
  if (unit === 'hz') {
    freq = kind === 'profile';
    period = kind === 'profile' ? n : Math.max(1, Math.round(1e9 / n));
  } else if (unit in TIME_UNITS) {
    period = n * TIME_UNITS[unit]!;
  } else {
    throw new ResolveError('N013', { provider: kind, text, example });
  }
  const canonical = `${kind}:${unit}:${value}`;
  return {
    probe: canonical,
    func: canonical,
    spec: {
      kind: 'perf',
      type: PERF_TYPE_SOFTWARE,
      config: PERF_COUNT_SW_CPU_CLOCK,
      period,
      freq,
      cpus: kind === 'interval' ? 'one' : 'all',
      pid: -1,
    },
  };
}

function uprobeLike(kind: 'uprobe' | 'uretprobe', parts: readonly string[], env: ResolveEnv, text: string): ResolvedPoint[] {
  const ret = kind === 'uretprobe';
  const example = `${kind}:/bin/bash:readline`;
  need(parts, 2, kind, 'a binary and a function', example);
  const [target, fn] = [parts[0]!, parts.slice(1).join(':')];
  let path: string;
  let shown: string;
  try {
    ({ path, display: shown } = env.resolveBinary(target, env.pid));
  } catch (e) {
    throw new ResolveError(target.includes('/') ? 'N006' : 'N015', { name: target, path: target, reason: (e as Error).message });
  }
  // Absolute address: uprobe:/bin/x:0x1234 (a file offset in bpftrace's sense).
  if (/^0x[0-9a-fA-F]+$|^\d+$/.test(fn)) {
    const off = Number(fn);
    return [{ probe: `${kind}:${shown}:${fn}`, func: fn, spec: { kind: 'uprobe', path, offset: off, ret, pid: env.pid } }];
  }
  const m = /^(.*?)\+(0x[0-9a-fA-F]+|\d+)$/.exec(fn);
  const name = m ? m[1]! : fn;
  const plus = m ? Number(m[2]) : 0;
  let funcs: readonly { name: string; fileOffset: number }[];
  try {
    funcs = env.elfFunctions(path);
  } catch (e) {
    throw new ResolveError('N006', { path, reason: (e as Error).message });
  }
  const out: ResolvedPoint[] = [];
  const seen = new Set<string>();
  if (hasWildcard(name)) {
    const re = globToRegExp(name);
    for (const f of funcs) {
      if (!re.test(f.name) || seen.has(f.name)) continue;
      seen.add(f.name);
      out.push({ probe: `${kind}:${shown}:${f.name}`, func: f.name, spec: { kind: 'uprobe', path, offset: f.fileOffset + plus, ret, pid: env.pid } });
    }
    if (out.length === 0) throw new ResolveError('N005', { pattern: text });
  } else {
    const f = funcs.find((x) => x.name === name);
    if (!f) throw new ResolveError('N007', { name, path });
    out.push({ probe: `${kind}:${shown}:${fn}`, func: name, spec: { kind: 'uprobe', path, offset: f.fileOffset + plus, ret, pid: env.pid } });
  }
  out.sort((a, b) => (a.func < b.func ? -1 : a.func > b.func ? 1 : 0));
  return out;
}

function kprobeLike(kind: 'kprobe' | 'kretprobe', parts: readonly string[], env: ResolveEnv, text: string): ResolvedPoint[] {
  const ret = kind === 'kretprobe';
  need(parts, 1, kind, 'a kernel function', `${kind}:vfs_read`);
  // kprobe:module:func (newer) -> take the last part
  const fn = parts[parts.length - 1]!;
  const m = /^(.*?)\+(0x[0-9a-fA-F]+|\d+)$/.exec(fn);
  const name = m ? m[1]! : fn;
  const offset = m ? Number(m[2]) : 0;
  if (hasWildcard(name)) {
    const re = globToRegExp(name);
    const out = env
      .kernelFunctions()
      .filter((f) => re.test(f))
      .map((f) => ({ probe: `${kind}:${f}`, func: f, spec: { kind: 'kprobe' as const, func: f, offset, ret } }));
    if (out.length === 0) throw new ResolveError('N005', { pattern: text });
    return out;
  }
  return [{ probe: `${kind}:${fn}`, func: name, spec: { kind: 'kprobe', func: name, offset, ret } }];
}

function fentryLike(kind: 'kfunc' | 'kretfunc', parts: readonly string[], env: ResolveEnv, text: string): ResolvedPoint[] {
  const ret = kind === 'kretfunc';
  need(parts, 1, kind, 'a kernel function', `${kind}:vfs_read`);
  const fn = parts[parts.length - 1]!;
  if (hasWildcard(fn)) {
    const re = globToRegExp(fn);
    const out = env
      .kernelFunctions()
      .filter((f) => re.test(f))
      .map((f) => ({ probe: `${kind}:${f}`, func: f, spec: { kind: 'fentry' as const, func: f, ret } }));
    if (out.length === 0) throw new ResolveError('N005', { pattern: text });
    return out;
  }
  return [{ probe: `${kind}:${fn}`, func: fn, spec: { kind: 'fentry', func: fn, ret } }];
}

export const PROVIDERS: readonly Provider[] = [
  {
    kind: 'begin',
    names: ['BEGIN', 'begin'],
    ctx: 'none',
    hasArgN: false,
    hasRetval: false,
    hasArgs: false,
    example: 'BEGIN',
    resolve: () => [{ probe: 'BEGIN', func: 'BEGIN', spec: null }],
  },
  {
    kind: 'end',
    names: ['END', 'end'],
    ctx: 'none',
    hasArgN: false,
    hasRetval: false,
    hasArgs: false,
    example: 'END',
    resolve: () => [{ probe: 'END', func: 'END', spec: null }],
  },
  {
    kind: 'tracepoint',
    names: ['tracepoint', 't'],
    ctx: 'tracepoint',
    hasArgN: false,
    hasRetval: false,
    hasArgs: true,
    example: 'tracepoint:syscalls:sys_enter_openat',
    resolve(parts, env, text) {
      need(parts, 2, 'tracepoint', 'a category and a name', this.example);
      const [cat, name] = [parts[0]!, parts[1]!];
      const out: ResolvedPoint[] = [];
      if (hasWildcard(cat) || hasWildcard(name)) {
        const rc = globToRegExp(cat);
        const rn = globToRegExp(name);
        for (const tp of env.tracepoints()) {
          if (rc.test(tp.category) && rn.test(tp.name)) out.push(tpPoint(tp.category, tp.name));
        }
        if (out.length === 0) throw new ResolveError('N005', { pattern: text });
        out.sort((a, b) => (a.probe < b.probe ? -1 : a.probe > b.probe ? 1 : 0));
        return out;
      }
      if (!env.tracepointExists(cat, name)) throw new ResolveError('N004', { name: `${cat}:${name}` });
      return [tpPoint(cat, name)];
    },
  },
  {
    kind: 'rawtracepoint',
    names: ['rawtracepoint', 'rt'],
    ctx: 'raw_tp',
    hasArgN: true,
    hasRetval: false,
    hasArgs: true,
    example: 'rawtracepoint:sched_switch',
    resolve(parts, _env, _text) {
      need(parts, 1, 'rawtracepoint', 'a tracepoint name', this.example);
      const name = parts[parts.length - 1]!;
      return [{ probe: `rawtracepoint:${name}`, func: name, spec: { kind: 'raw_tracepoint', name } }];
    },
  },
  {
    kind: 'kprobe',
    names: ['kprobe', 'k'],
    ctx: 'pt_regs',
    hasArgN: true,
    hasRetval: false,
    hasArgs: false,
    example: 'kprobe:vfs_read',
    resolve: (parts, env, text) => kprobeLike('kprobe', parts, env, text),
  },
  {
    kind: 'kretprobe',
    names: ['kretprobe', 'kr'],
    ctx: 'pt_regs',
    hasArgN: false,
    hasRetval: true,
    hasArgs: false,
    example: 'kretprobe:vfs_read',
    resolve: (parts, env, text) => kprobeLike('kretprobe', parts, env, text),
  },
  {
    kind: 'uprobe',
    names: ['uprobe', 'u'],
    ctx: 'pt_regs',
    hasArgN: true,
    hasRetval: false,
    hasArgs: false,
    example: 'uprobe:/bin/bash:readline',
    resolve: (parts, env, text) => uprobeLike('uprobe', parts, env, text),
  },
  {
    kind: 'uretprobe',
    names: ['uretprobe', 'ur'],
    ctx: 'pt_regs',
    hasArgN: false,
    hasRetval: true,
    hasArgs: false,
    example: 'uretprobe:/bin/bash:readline',
    resolve: (parts, env, text) => uprobeLike('uretprobe', parts, env, text),
  },
  {
    kind: 'usdt',
    names: ['usdt', 'U'],
    ctx: 'pt_regs',
    hasArgN: true,
    hasRetval: false,
    hasArgs: false,
    example: 'usdt:/path/to/binary:provider:probe',
    resolve(parts, env, text) {
      need(parts, 2, 'usdt', 'a binary and a probe name', this.example);
      const target = parts[0]!;
      let path: string;
      let shown: string;
      try {
        ({ path, display: shown } = env.resolveBinary(target, env.pid));
      } catch (e) {
        throw new ResolveError('N006', { path: target, reason: (e as Error).message });
      }
      const [prov, name] = parts.length >= 3 ? [parts[1]!, parts[2]!] : ['*', parts[1]!];
      let probes: readonly { provider: string; name: string }[];
      try {
        probes = env.usdtProbes(path);
      } catch (e) {
        throw new ResolveError('N006', { path, reason: (e as Error).message });
      }
      const rp = globToRegExp(prov);
      const rn = globToRegExp(name);
      const out: ResolvedPoint[] = [];
      const seen = new Set<string>();
      for (const p of probes) {
        const key = `${p.provider}:${p.name}`;
        if (!rp.test(p.provider) || !rn.test(p.name) || seen.has(key)) continue;
        seen.add(key);
        out.push({
          probe: `usdt:${shown}:${p.provider}:${p.name}`,
          func: p.name,
          spec: { kind: 'usdt', path, provider: p.provider, name: p.name, pid: env.pid },
        });
      }
      if (out.length === 0) {
        if (hasWildcard(prov) || hasWildcard(name)) throw new ResolveError('N005', { pattern: text });
        throw new ResolveError('N016', { name: `${prov}:${name}`, path });
      }
      return out;
    },
  },
  {
    kind: 'kfunc',
    names: ['kfunc', 'fentry', 'f'],
    ctx: 'fentry',
    hasArgN: false,
    hasRetval: false,
    hasArgs: true,
    example: 'kfunc:vfs_read',
    resolve: (parts, env, text) => fentryLike('kfunc', parts, env, text),
  },
  {
    kind: 'kretfunc',
    names: ['kretfunc', 'fexit', 'fr'],
    ctx: 'fentry',
    hasArgN: false,
    hasRetval: true,
    hasArgs: true,
    example: 'kretfunc:vfs_read',
    resolve: (parts, env, text) => fentryLike('kretfunc', parts, env, text),
  },
  {
    kind: 'profile',
    names: ['profile', 'p'],
    ctx: 'perf_event',
    hasArgN: false,
    hasRetval: false,
    hasArgs: false,
    example: 'profile:hz:99',
    resolve: (parts, _env, text) => [timedPoint('profile', parts, text)],
  },
  {
    kind: 'interval',
    names: ['interval', 'i'],
    ctx: 'perf_event',
    hasArgN: false,
    hasRetval: false,
    hasArgs: false,
    example: 'interval:s:1',
    resolve: (parts, _env, text) => [timedPoint('interval', parts, text)],
  },
  {
    kind: 'software',
    names: ['software', 's'],
    ctx: 'perf_event',
    hasArgN: false,
    hasRetval: false,
    hasArgs: false,
    example: 'software:page-faults:100',
    resolve: (parts, _env, text) => perfEventPoint('software', parts, text),
  },
  {
    kind: 'hardware',
    names: ['hardware', 'h'],
    ctx: 'perf_event',
    hasArgN: false,
    hasRetval: false,
    hasArgs: false,
    example: 'hardware:cache-misses:1000000',
    resolve: (parts, _env, text) => perfEventPoint('hardware', parts, text),
  },
  {
    kind: 'watchpoint',
    names: ['watchpoint', 'w', 'asyncwatchpoint', 'aw'],
    ctx: 'perf_event',
    hasArgN: false,
    hasRetval: false,
    hasArgs: false,
    example: 'watchpoint:0x10000000:8:rw',
    resolve(parts, env, text) {
      need(parts, 3, 'watchpoint', 'an address, a length and a mode', this.example);
      const addr = Number(parts[0]);
      const len = Number(parts[1]);
      const mode = parts[2]!;
      if (!Number.isFinite(addr) || ![1, 2, 4, 8].includes(len) || !/^[rwx]+$/.test(mode)) {
        throw new ResolveError('N013', { provider: 'watchpoint', text, example: this.example });
      }
      // PERF_TYPE_BREAKPOINT = 5; config carries nothing; the loader needs bp fields.
      return [{ probe: text, func: text, spec: { kind: 'perf', type: 5, config: addr, period: 1, freq: false, cpus: 'all', pid: env.pid } }];
    },
  },
  {
    kind: 'iter',
    names: ['iter', 'it'],
    ctx: 'fentry',
    hasArgN: false,
    hasRetval: false,
    hasArgs: true,
    example: 'iter:task',
    resolve(parts) {
      need(parts, 1, 'iter', 'an iterator name', this.example);
      const name = parts[0]!;
      return [{ probe: `iter:${name}`, func: name, spec: { kind: 'fentry', func: `iter/${name}`, ret: false } }];
    },
  },
];

function tpPoint(category: string, name: string): ResolvedPoint {
  return {
    probe: `tracepoint:${category}:${name}`,
    func: `${category}:${name}`,
    spec: { kind: 'tracepoint', category, name },
    tracepoint: { category, name },
  };
}

// Software/hardware event tables live in ./perf-events.ts (names, aliases, defaults).
import { findPerfEvent } from './perf-events.js';

function perfEventPoint(kind: 'software' | 'hardware', parts: readonly string[], text: string): ResolvedPoint[] {
  need(parts, 1, kind, 'an event name', kind === 'software' ? 'software:page-faults:100' : 'hardware:cache-misses:1000000');
  const ev = findPerfEvent(kind, parts[0]!);
  if (!ev) throw new ResolveError(kind === 'software' ? 'N017' : 'N018', { name: parts[0]! });
  let period = ev.defaultPeriod;
  if (parts.length >= 2 && parts[1] !== '') {
    if (!/^\d+$/.test(parts[1]!) || Number(parts[1]) <= 0) {
      throw new ResolveError('N013', { provider: kind, text, example: `${kind}:${ev.name}:${ev.defaultPeriod}` });
    }
    period = Number(parts[1]);
  }
  const probe = `${kind}:${ev.name}:${period}`;
  return [{ probe, func: probe, spec: { kind: 'perf', type: ev.type, config: ev.config, period, freq: false, cpus: 'all', pid: -1 } }];
}

const BY_NAME = new Map<string, Provider>();
for (const p of PROVIDERS) for (const n of p.names) BY_NAME.set(n, p);

export function findProvider(name: string): Provider | undefined {
  return BY_NAME.get(name);
}

export function providerNames(): string[] {
  return PROVIDERS.map((p) => p.names[0]!);
}
