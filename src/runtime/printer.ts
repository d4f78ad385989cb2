// The printer: one object per output format (text or JSON) with a method per kind of
// output the runtime produces. The formatting itself is in format/text.ts,
// format/json.ts, format/printf.ts and format/strftime.ts; this only picks among them.

import type { Manifest } from '../codegen/manifest.js';
import { formatPrintf } from './format/printf.js';
import { formatTime } from './format/strftime.js';
import { formatAttached, formatJoin, formatLost, formatMap, formatMapsAtExit, formatPrintValue, type PrintMapOptions } from './format/text.js';
import { jsonAttached, jsonCat, jsonHelperError, jsonJoin, jsonLost, jsonMap, jsonMapsAtExit, jsonPrintValue, jsonPrintf, jsonSystem, jsonTime } from './format/json.js';
import type { MapData, Value } from './value.js';
import type { Span } from '../ast/nodes.js';
import { Diagnostics } from '../diagnostics/diagnostic.js';
import { renderText } from '../diagnostics/render.js';
import type { SourceFile } from '../source.js';

export type OutputFormat = 'text' | 'json';

export interface Printer {
  attached(n: number): string;
  printf(fmt: string, args: readonly Value[]): string;
  /** The printf text itself, for cat()/system() arguments. */
  printfRaw(fmt: string, args: readonly Value[]): string;
  value(v: Value): string;
  join(v: Value): string;
  time(fmt: string): string;
  map(m: MapData, opts: PrintMapOptions): string;
  mapsAtExit(maps: readonly MapData[], atExit: boolean): string;
  lost(n: bigint, probe: string): string;
  mapFull(name: string, max: number, n: bigint): string;
  /**
   * -k/-kk: a BPF helper call failed. `error` is strerror of -ret; `at` is the call's
   * place. Text: bpftrace's warning with the source line; JSON: a helper_error record.
   */
  helperError(helper: string, ret: bigint, error: string, at: { src: SourceFile; span: Span }): string;
  /** Output of system(). */
  raw(text: string): string;
  /** Output of cat(). */
  cat(text: string): string;
}

function joinedText(v: Value): string {
  return v.t === 'str' ? v.s : '';
}

export function makePrinter(format: OutputFormat, _m: Manifest): Printer {
  const common = {
    printfRaw: (fmt: string, args: readonly Value[]) => formatPrintf(fmt, args),
    lost: (n: bigint, probe: string) => `${formatLost(n).replace(/\n$/, '')} in probe ${probe}\n`,
    helperError: (helper: string, ret: bigint, error: string, at: { src: SourceFile; span: Span }) =>
      renderText(new Diagnostics().report('R003', at.span, { helper, error, ret: String(ret) }), at.src),
    mapFull: (name: string, max: number, n: bigint) => `WARNING: map ${name} is full (${max} entries): ${n} updates were dropped\nHINT: raise the limit with BPFTRACE_MAP_KEYS_MAX or config = { max_map_keys = N }\n`,
  };
  if (format === 'json') {
    return {
      ...common,
      attached: (n) => jsonAttached(n),
      printf: (fmt, args) => jsonPrintf(formatPrintf(fmt, args)),
      value: (v) => jsonPrintValue(v),
      join: (v) => jsonJoin(joinedText(v)),
      time: (fmt) => jsonTime(formatTime(fmt)),
      map: (m, opts) => jsonMap(m, opts),
      mapsAtExit: (maps) => jsonMapsAtExit(maps),
      lost: (n, probe) => jsonLost(n, probe),
      helperError: (helper, ret, _error, at) => {
        const p = at.src.position(at.span.start);
        return jsonHelperError(helper, ret, p.line, p.col);
      },
      raw: (text) => jsonSystem(text),
      cat: (text) => jsonCat(text),
    };
  }
  return {
    ...common,
    attached: (n) => formatAttached(n),
    printf: (fmt, args) => formatPrintf(fmt, args),
    value: (v) => formatPrintValue(v),
    join: (v) => formatJoin(joinedText(v)),
    time: (fmt) => formatTime(fmt),
    map: (m, opts) => formatMap(m, opts),
    mapsAtExit: (maps) => formatMapsAtExit(maps),
    raw: (text) => text,
    cat: (text) => text,
  };
}

