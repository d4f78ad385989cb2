// JSON output (`-f json`), byte for byte like bpftrace 0.17: one record per line,
// `{"type": "<kind>", "data": ...}`. Input: MapData and Values (../value.ts), or the text
// of a message. Output: the record line(s), each ending in '\n'.
// Must not: decode bytes, resolve symbols, or write anything itself.
//
// Record types: attached_probes, printf, time, cat, join, syscall (system()), value
// (print(expr)), map, hist (hist and lhist maps), stats (avg and stats maps),
// lost_events. Maps print in the same order and with the same top/div rules as text.
// Where 0.17 wrote invalid JSON we write valid JSON on purpose (each has a test):
// strerror/macaddr/cgroup_path/timestamp values are quoted strings, bytes >= 0x80 are
// copied instead of becoming "\uffffffXX", and hist bounds >= 2^31 are exact.
// As in 0.17, an empty map prints nothing, and the at-exit dump starts with "\n\n".

import { histJson } from './hist.js';
import { divisor, formatKeyElem, formatStack, formatValue, mapStyle, printedEntries, sortMapsByName, type PrintMapOptions } from './text.js';
import { average, type MapData, type Value } from '../value.js';

/** A JSON string literal, escaped as bpftrace does (\" \\ \n \r \t, \u00XX below 0x20). */
export function jsonString(s: string): string {
  // Fast path: nothing to escape.
  if (!/["\\\x00-\x1f]/.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const c = s.charCodeAt(i);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c <= 0x1f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A value as JSON: numbers, quoted strings, arrays for tuples, objects for stats. */
export function jsonValue(v: Value, div = 1n): string {
  switch (v.t) {
    case 'none':
      return 'null';
    case 'int':
    case 'count':
    case 'sum':
    case 'min':
    case 'max':
      return (v.v / div).toString();
    case 'bool':
      return v.v ? 'true' : 'false';
    case 'avg':
      return (average(v) / div).toString();
    case 'stats':
      return `{"count": ${v.count}, "average": ${average(v)}, "total": ${v.sum}}`;
    case 'tuple':
    case 'array':
      return `[${v.elems.map((e) => jsonValue(e)).join(',')}]`;
    case 'hist':
    case 'lhist':
      return histJson(v, div);
    case 'stack':
      return jsonString(formatStack(v));
    default:
      return jsonString(formatValue(v));
  }
}

/** `{"type": <type>, "data": "<text>"}`: printf, time, cat, join, syscall. */
export function jsonMessage(type: string, text: string): string {
  return `{"type": "${type}", "data": ${jsonString(text)}}\n`;
}

export function jsonPrintf(text: string): string {
  return jsonMessage('printf', text);
}

export function jsonTime(text: string): string {
  return jsonMessage('time', text);
}

export function jsonCat(text: string): string {
  return jsonMessage('cat', text);
}

export function jsonJoin(joined: string): string {
  return jsonMessage('join', joined);
}

/** system()'s output (bpftrace calls the record type "syscall"). */
export function jsonSystem(text: string): string {
  return jsonMessage('syscall', text);
}

export function jsonAttached(probes: number): string {
  return `{"type": "attached_probes", "data": {"probes": ${probes}}}\n`;
}

/** -k/-kk: a BPF helper call failed at `line`:`col` of the script (bpftrace 0.17's record). */
export function jsonHelperError(helper: string, retcode: bigint, line: number, col: number): string {
  return `{"type": "helper_error", "helper": ${JSON.stringify(helper)}, "retcode": ${retcode}, "line": ${line}, "col": ${col}}\n`;
}

/** Events the ring buffer had no room for, and the probe that dropped them. */
export function jsonLost(events: number | bigint, probe: string): string {
  return `{"type": "lost_events", "data": {"events": ${events}, "probe": ${JSON.stringify(probe)}}}\n`;
}

/** print(expr). */
export function jsonPrintValue(v: Value): string {
  return `{"type": "value", "data": ${jsonValue(v)}}\n`;
}

/** A key: its elements as text (stacks indented by 4), joined by ',' and quoted. */
export function jsonKey(map: MapData, key: Value): string {
  const elems = map.key?.k === 'tuple' && key.t === 'tuple' ? key.elems : [key];
  return jsonString(elems.map(formatKeyElem).join(','));
}

/**
 * print(@m, top, div) in JSON: `{"type": "map"|"hist"|"stats", "data": {"@m": ...}}`
 * where ... is the value of a scalar map or an object of key: value. Empty map: ''.
 */
export function jsonMap(map: MapData, opts: PrintMapOptions = {}): string {
  const entries = printedEntries(map, opts);
  if (entries.length === 0) return '';
  const div = divisor(map, opts);
  const style = mapStyle(map);
  const type = style === 'plain' ? 'map' : style;
  const body =
    map.key === null
      ? entries.map((e) => jsonValue(e.value, div)).join(', ')
      : `{${entries.map((e) => `${e.key === null ? '""' : jsonKey(map, e.key)}: ${jsonValue(e.value, div)}`).join(', ')}}`;
  return `{"type": "${type}", "data": {${jsonString(map.name)}: ${body}}}\n`;
}

/** The at-exit dump: "\n\n" (bpftrace prints it in JSON mode too), then every map. */
export function jsonMapsAtExit(maps: readonly MapData[]): string {
  return `\n\n${sortMapsByName(maps)
    .map((m) => jsonMap(m))
    .join('')}`;
}
