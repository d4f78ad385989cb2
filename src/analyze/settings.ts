// Settings: the knobs bpftrace exposes as environment variables (BPFTRACE_STRLEN,
// BPFTRACE_MAP_KEYS_MAX, BPFTRACE_PERF_RB_PAGES, ...) and as a script `config = { }`
// block (newer bpftrace). The script's block wins over the environment.

import { availableParallelism } from 'node:os';
import type { ConfigEntry } from '../ast/nodes.js';
import type { Diagnostics } from '../diagnostics/diagnostic.js';
import { didYouMean } from '../diagnostics/suggest.js';

export interface Settings {
  readonly strlen: number;
  readonly mapKeysMax: number;
  readonly ringSize: number;
  readonly printMapsOnExit: boolean;
  readonly maxProbes: number;
  readonly missingProbes: 'error' | 'warn' | 'ignore';
  readonly stackMode: 'bpftrace' | 'perf' | 'raw';
  /**
   * -k: report failed BPF helper calls other than memory reads (map updates and deletes);
   * -kk (2): every checked helper, memory reads too. 0: none.
   */
  readonly helperCheck: 0 | 1 | 2;
}

const PAGE = 4096;
export const DEFAULT_RING_SIZE = 1 << 20;

function ringFromPages(pages: number): number {
  let size = Math.max(PAGE, pages * PAGE * Math.max(1, availableParallelism()));
  let p = PAGE;
  while (p < size) p *= 2;
  size = p;
  return size;
}

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const pages = envInt(env, 'BPFTRACE_PERF_RB_PAGES');
  return {
    strlen: Math.min(envInt(env, 'BPFTRACE_STRLEN') ?? envInt(env, 'BPFTRACE_MAX_STRLEN') ?? 64, 1024),
    mapKeysMax: envInt(env, 'BPFTRACE_MAP_KEYS_MAX') ?? envInt(env, 'BPFTRACE_MAX_MAP_KEYS') ?? 4096,
    ringSize: pages ? ringFromPages(pages) : DEFAULT_RING_SIZE,
    printMapsOnExit: env.BPFTRACE_NO_PRINT_MAPS_ON_EXIT !== '1' && env.BPFTRACE_PRINT_MAPS_ON_EXIT !== '0',
    maxProbes: envInt(env, 'BPFTRACE_MAX_PROBES') ?? 512,
    missingProbes: 'error',
    stackMode: (['bpftrace', 'perf', 'raw'] as const).find((m) => m === env.BPFTRACE_STACK_MODE) ?? 'bpftrace',
    helperCheck: 0,
  };
}

const KEYS = ['max_strlen', 'max_map_keys', 'perf_rb_pages', 'print_maps_on_exit', 'max_probes', 'missing_probes', 'stack_mode', 'cache_user_symbols', 'log_size', 'max_bpf_progs', 'max_type_res_iterations', 'on_stack_limit', 'license', 'symbol_source', 'show_debug_info', 'use_blazesym', 'unstable_macro', 'unstable_map_decl', 'unstable_import', 'unstable_tseries', 'unstable_addr', 'unstable_typeinfo'];

export function applyConfig(base: Settings, entries: readonly ConfigEntry[], diags: Diagnostics): Settings {
  let s = { ...base };
  for (const e of entries) {
    const key = e.key.replace(/^BPFTRACE_/i, '').toLowerCase();
    const v = e.value;
    const num = v.kind === 'IntLit' ? Number(v.value) : undefined;
    const word = v.kind === 'StrLit' ? v.value : v.kind === 'Ident' ? v.name : v.kind === 'BoolLit' ? String(v.value) : undefined;
    switch (key) {
      case 'max_strlen':
      case 'strlen':
        if (num) s = { ...s, strlen: Math.min(num, 1024) };
        break;
      case 'max_map_keys':
      case 'map_keys_max':
        if (num) s = { ...s, mapKeysMax: num };
        break;
      case 'perf_rb_pages':
        if (num) s = { ...s, ringSize: ringFromPages(num) };
        break;
      case 'print_maps_on_exit':
        s = { ...s, printMapsOnExit: num !== undefined ? num !== 0 : word !== 'false' && word !== '0' };
        break;
      case 'max_probes':
        if (num) s = { ...s, maxProbes: num };
        break;
      case 'missing_probes':
        if (word === 'error' || word === 'warn' || word === 'ignore') s = { ...s, missingProbes: word };
        break;
      case 'stack_mode':
        if (word === 'bpftrace' || word === 'perf' || word === 'raw') s = { ...s, stackMode: word };
        break;
      default:
        if (!KEYS.includes(key)) diags.error('N019', { start: e.span.start, end: e.span.start + e.key.length }, { name: e.key }, didYouMean(key, KEYS));
    }
  }
  return s;
}
