// Text output, byte for byte like bpftrace 0.17: maps (print(@m), the at-exit dump),
// values (print(expr), %s), and the fixed messages (attaching, lost events). Input:
// MapData and Values (../value.ts). Output: strings that end in '\n' where bpftrace's
// output does, ready to be written with encodeOutput (see value.ts).
// Must not: decode bytes, resolve symbols, or write anything itself.
//
// Where 0.17 is plainly wrong we print the right thing on purpose (each has a test):
// - uint64 keys >= 2^63 print unsigned (0.17 printed them as negative numbers);
// - maps of ksym/usym/inet values put each entry on its own line (0.17 ran them together);
// - lhist counts are divided by print()'s div like hist counts (0.17 ignored div there);
// - min()/max() of negative values print (0.17 dropped max() entries below zero).

import { formatHistRows } from './hist.js';
import { strftime } from './strftime.js';
import {
  average,
  compareStrings,
  hexAddr,
  orderEntries,
  type MapData,
  type MapEntry,
  type Value,
  type ValueOf,
} from '../value.js';

export interface PrintMapOptions {
  /** Keep only the N largest entries (still printed in ascending order); 0 = all. */
  readonly top?: number;
  /** Divide the values by this (integer division); 0 or 1 = no division. */
  readonly div?: number;
}

/** Indentation of stack frames (bpftrace mode) in a value and in a map key. */
const VALUE_STACK_INDENT = 8;
const KEY_STACK_INDENT = 4;

/** How bpftrace prints a map's entries, decided by the map's value type. */
export type MapStyle = 'plain' | 'stats' | 'hist';

export function mapStyle(map: MapData): MapStyle {
  switch (map.value.k) {
    case 'hist':
    case 'lhist':
      return 'hist';
    case 'avg':
    case 'stats':
      return 'stats';
    default:
      return 'plain';
  }
}

/** Entries in print order for `print(@m, top, div)`; stats() maps ignore top (0.17). */
export function printedEntries(map: MapData, opts: PrintMapOptions = {}): readonly MapEntry[] {
  const top = map.value.k === 'stats' ? 0 : Math.max(0, opts.top ?? 0);
  return orderEntries(map, top);
}

/** print()'s div as a bigint divisor (0 means no division, as in bpftrace). */
export function divisor(map: MapData, opts: PrintMapOptions = {}): bigint {
  if (map.value.k === 'stats') return 1n; // 0.17 ignores div for stats() (analyze warns)
  const d = Math.trunc(opts.div ?? 0);
  return d > 0 ? BigInt(d) : 1n;
}

/**
 * What `print(@m, top, div)` prints. Plain maps: one `@m[key]: value` line per entry,
 * then '\n' (an empty map prints just '\n'). avg/stats maps: the lines, then '\n\n'.
 * hist/lhist maps: `@m[key]: ` and the bucket rows per entry, entries separated by a
 * blank line, then '\n'.
 */
export function formatMap(map: MapData, opts: PrintMapOptions = {}): string {
  const entries = printedEntries(map, opts);
  const div = divisor(map, opts);
  const style = mapStyle(map);
  const head = (e: MapEntry): string => `${map.name}${formatKey(map, e.key)}: `;
  if (style === 'hist') {
    return `${entries.map((e) => `${head(e)}\n${histText(e.value, div)}`).join('\n')}\n`;
  }
  const lines = entries.map((e) => head(e) + formatValueDiv(e.value, div));
  if (style === 'stats') return `${lines.join('\n')}\n\n`;
  // A stack already ends in '\n': bpftrace adds no separator after it.
  const stacks = map.value.k === 'kstack' || map.value.k === 'ustack';
  return `${lines.join(stacks ? '' : '\n')}\n`;
}

/**
 * Everything bpftrace prints after the run ends: a blank-line pair, then every map in
 * name order. Pass no maps when printing maps at exit is turned off.
 */
export function formatMapsAtExit(maps: readonly MapData[]): string {
  return `\n\n${sortMapsByName(maps)
    .map((m) => formatMap(m))
    .join('')}`;
}

export function sortMapsByName(maps: readonly MapData[]): MapData[] {
  return [...maps].sort((a, b) => compareStrings(a.name, b.name));
}

function histText(v: Value, div: bigint): string {
  return v.t === 'hist' || v.t === 'lhist' ? formatHistRows(v, div) : `${formatValue(v)}\n`;
}

/** A map value divided by div where bpftrace divides (numbers and avg). */
function formatValueDiv(v: Value, div: bigint): string {
  if (div === 1n) return formatValue(v);
  switch (v.t) {
    case 'int':
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
      return (v.v / div).toString();
    case 'avg':
      return (average(v) / div).toString();
    default:
      return formatValue(v);
  }
}

/** `[k]`, `[k1, k2]` for a multi-key map, '' for a scalar map. */
export function formatKey(map: MapData, key: Value | null): string {
  if (key === null) return '';
  if (map.key?.k === 'tuple' && key.t === 'tuple') return `[${key.elems.map(formatKeyElem).join(', ')}]`;
  return `[${formatKeyElem(key)}]`;
}

/** One key element: like a value, but stacks are indented by 4 instead of 8. */
export function formatKeyElem(v: Value): string {
  switch (v.t) {
    case 'stack':
      return formatStack(v, KEY_STACK_INDENT);
    case 'tuple':
      return `(${v.elems.map(formatKeyElem).join(', ')})`;
    default:
      return formatValue(v);
  }
}

/** print(expr): the value and a newline. */
export function formatPrintValue(v: Value): string {
  return `${formatValue(v)}\n`;
}

/** The text of a value (no trailing newline; hist rows do end in one). */
export function formatValue(v: Value): string {
  switch (v.t) {
    case 'none':
      return '';
    case 'int':
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
      return v.v.toString();
    case 'bool':
      return v.v ? 'true' : 'false';
    case 'str':
    case 'sym':
      return v.s;
    case 'buf':
      return formatBuffer(v.bytes, 'r');
    case 'tuple':
      return `(${v.elems.map(formatValue).join(', ')})`;
    case 'array':
      return `[${v.elems.map(formatValue).join(',')}]`;
    case 'ptr':
      return `0x${v.addr.toString(16)}`;
    case 'record':
      return formatBuffer(v.bytes, 'rh');
    case 'stack':
      return formatStack(v, VALUE_STACK_INDENT);
    case 'timestamp':
      return strftime(v.fmt, v.ns);
    case 'avg':
      return average(v).toString();
    case 'stats':
      return `count ${v.count}, average ${average(v)}, total ${v.sum}`;
    case 'hist':
    case 'lhist':
      return formatHistRows(v);
  }
}

/**
 * A stack: '\n', then one line per frame. bpftrace mode: `indent` spaces and
 * `sym+offset`; perf mode: a tab, the hex address and the symbol (user stacks add
 * `(module)`); raw mode: the hex address alone. No frames: nothing.
 */
export function formatStack(v: ValueOf<'stack'>, indent: number = VALUE_STACK_INDENT): string {
  if (v.frames.length === 0) return '';
  const pad = ' '.repeat(indent);
  let out = '\n';
  for (const f of v.frames) {
    const sym = f.sym !== null ? `${f.sym}+${f.offset}` : hexAddr(f.addr);
    const hex = BigInt.asUintN(64, f.addr).toString(16);
    switch (v.mode) {
      case 'bpftrace':
        out += `${pad}${sym}\n`;
        break;
      case 'perf':
        out += `\t${hex} ${sym}${v.user ? ` (${f.sym !== null && f.module !== null ? f.module : '[unknown]'})` : ''}\n`;
        break;
      case 'raw':
        out += `${hex}\n`;
        break;
    }
  }
  return out;
}

/**
 * Bytes as printf's %r (printable ASCII kept, other bytes as \xNN), %rx (every byte
 * as \xNN) or %rh (two hex digits per byte, separated by spaces).
 */
export function formatBuffer(bytes: Uint8Array, mode: string = 'r'): string {
  const parts: string[] = [];
  for (const b of bytes) {
    const hex = b.toString(16).padStart(2, '0');
    if (mode === 'rh') parts.push(hex);
    else if (mode === 'r' && b >= 32 && b <= 126) parts.push(String.fromCharCode(b));
    else parts.push(`\\x${hex}`);
  }
  return parts.join(mode === 'rh' ? ' ' : '');
}

/** The line printed once probes are attached. */
export function formatAttached(probes: number): string {
  return `Attaching ${probes} ${probes === 1 ? 'probe' : 'probes'}...\n`;
}

/** The line printed when the ring buffer dropped events. */
export function formatLost(events: number | bigint): string {
  return `Lost ${events} events\n`;
}

/** join(): the joined text and a newline. */
export function formatJoin(joined: string): string {
  return `${joined}\n`;
}
