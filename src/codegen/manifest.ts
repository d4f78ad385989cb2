// The manifest: everything user space needs to know about a compiled object, written
// next to the generated C (manifest.json) and cached with the object. The loader helper
// is told what to attach from it (src/runtime/loader.ts turns it into commands); the
// runtime decodes ring-buffer events and map dumps with it. It is plain JSON data.

import type { Ty } from '../types/ty.js';

export const MANIFEST_VERSION = 1;

export interface Manifest {
  readonly version: number;
  /** One entry per BPF program (probe_<n>), in the order the script declares them. */
  readonly programs: readonly ProgramManifest[];
  /** Every user-visible map (@name), in first-use order. */
  readonly maps: readonly MapManifest[];
  /** Events the kernel sends through the ring buffer, indexed by `id` (= array index). */
  readonly events: readonly EventManifest[];
  /** Attach cookies -> names, for `func` and `probe` values (index = cookie). */
  readonly attachNames: readonly { readonly probe: string; readonly func: string }[];
  /** Size of the ring buffer in bytes (a power of two, multiple of the page size). */
  readonly ringSize: number;
  /** Settings that change user-space behaviour (from config = {} or the environment). */
  readonly settings: RuntimeSettings;
  /** Number of probes counted in "Attaching N probes..." (every attach point match). */
  readonly probeCount: number;
  /** Stack maps the program uses (rt_kstacks, rt_ustacks): user space reads them to print stacks. */
  readonly stacks: { readonly kernel: boolean; readonly user: boolean };
}

export interface RuntimeSettings {
  readonly printMapsOnExit: boolean;
  readonly strlen: number;
  readonly mapKeysMax: number;
}

export type ProviderKind =
  | 'begin'
  | 'end'
  | 'tracepoint'
  | 'rawtracepoint'
  | 'kprobe'
  | 'kretprobe'
  | 'uprobe'
  | 'uretprobe'
  | 'usdt'
  | 'kfunc'
  | 'kretfunc'
  | 'profile'
  | 'interval'
  | 'software'
  | 'hardware'
  | 'watchpoint'
  | 'iter';

export interface ProgramManifest {
  /** ELF program (function) name: probe_<n>. */
  readonly prog: string;
  readonly provider: ProviderKind;
  /** The probe as the script wrote it (first attach point), for messages. */
  readonly text: string;
  /** Every concrete attachment of this program; BEGIN/END have none (they are run). */
  readonly attach: readonly AttachSpec[];
  /** Span of the probe in the script, for attach/verifier error messages. */
  readonly span: { readonly start: number; readonly end: number };
}

/** One concrete thing the loader attaches a program to. `cookie` indexes attachNames. */
export type AttachSpec =
  | { readonly kind: 'tracepoint'; readonly category: string; readonly name: string; readonly cookie: number }
  | { readonly kind: 'raw_tracepoint'; readonly name: string; readonly cookie: number }
  | { readonly kind: 'kprobe'; readonly func: string; readonly offset: number; readonly ret: boolean; readonly cookie: number }
  | {
      readonly kind: 'uprobe';
      readonly path: string;
      /** File offset of the instruction in `path` (resolved by analyze from ELF symbols). */
      readonly offset: number;
      readonly ret: boolean;
      readonly pid: number; // -1 for every process
      readonly cookie: number;
    }
  | {
      readonly kind: 'usdt';
      readonly path: string;
      readonly provider: string;
      readonly name: string;
      readonly pid: number;
      readonly cookie: number;
    }
  | {
      /** perf_event_open + BPF: profile, interval, software, hardware. */
      readonly kind: 'perf';
      readonly type: number; // PERF_TYPE_*
      readonly config: number;
      readonly period: number; // sample_period, or frequency when freq is true
      readonly freq: boolean;
      /** 'all': one event per online CPU (profile, software, hardware); 'one': CPU 0 only (interval). */
      readonly cpus: 'all' | 'one';
      readonly pid: number;
      readonly cookie: number;
    }
  | { readonly kind: 'fentry'; readonly func: string; readonly ret: boolean; readonly cookie: number };

export interface MapManifest {
  /** The script name, with '@' ('@' alone for the anonymous map). */
  readonly name: string;
  /** The ELF map name in the object (map_<n>), used by the loader's dump/clear/zero. */
  readonly cname: string;
  readonly mapType: 'hash' | 'percpu_hash' | 'array' | 'percpu_array' | 'lru_hash';
  /** Key type; null for a scalar map (@x), whose kernel key is a u32 0. */
  readonly key: Ty | null;
  /** Value type: a plain type or an aggregation kind (count, hist, ...). */
  readonly value: Ty;
  readonly keySize: number;
  /** Value size for ONE CPU (per-CPU maps return ncpus * round_up(valueSize, 8)). */
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly percpu: boolean;
}

export type EventKind =
  | 'printf'
  | 'print_value' // print(expr)
  | 'print_map' // print(@m, top, div)
  | 'clear'
  | 'zero'
  | 'exit'
  | 'time'
  | 'cat'
  | 'system'
  | 'join'
  | 'helper_error'; // -k/-kk: a BPF helper call failed (payload: s64 return value)

export interface EventManifest {
  readonly id: number;
  readonly kind: EventKind;
  /** printf/system/cat/time/errorf: the format string (bpftrace syntax, unprocessed). */
  readonly format?: string;
  /** Payload layout after the 8-byte event header: a tuple of the arguments. */
  readonly args: Ty;
  /** print_map/clear/zero: index into `maps`. print_map: top and div arguments (0 = none). */
  readonly map?: number;
  readonly top?: number;
  readonly div?: number;
  /** helper_error: the helper, as bpftrace names it (probe_read_str, map_update_elem ...). */
  readonly helper?: string;
  /** Program that emits it, for lost-event accounting and messages. */
  readonly prog: string;
  /** Where in the script (span) the call is, for runtime messages. */
  readonly span: { readonly start: number; readonly end: number };
}
