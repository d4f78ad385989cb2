// Rendering of diagnostics: bpftrace's layout
//   file:LINE:COL-COL: ERROR: message
//   <the source line>
//   ~~~~~~~~
//   HINT: ...
// and a JSON object per diagnostic for `-f json`. Pure: returns strings.

import type { SourceFile } from '../source.js';
import type { Diagnostic } from './diagnostic.js';

export function renderText(d: Diagnostic, src: SourceFile | null): string {
  const label = d.severity === 'error' ? 'ERROR' : 'WARNING';
  const out: string[] = [];
  if (d.span && src) {
    const a = src.position(d.span.start);
    const endOffset = Math.max(d.span.start, d.span.end);
    const b = src.position(endOffset);
    // A span that runs past its first line is underlined to the end of that line.
    const lineText = src.lineText(a.line);
    const endCol = b.line === a.line ? Math.max(b.col, a.col + 1) : lineText.length + 1;
    out.push(`${src.path}:${a.line}:${a.col}-${endCol}: ${label}: ${d.message}`);
    out.push(lineText);
    out.push(' '.repeat(a.col - 1) + '~'.repeat(Math.max(1, endCol - a.col)));
  } else {
    out.push(`${src ? src.path + ': ' : ''}${label}: ${d.message}`);
  }
  for (const h of d.hints) for (const line of h.split('\n')) out.push(`HINT: ${line}`);
  return out.join('\n') + '\n';
}

export interface JsonDiagnostic {
  type: 'error' | 'warning';
  code: string;
  msg: string;
  file?: string;
  line?: number;
  col?: number;
  end_line?: number;
  end_col?: number;
  hints: string[];
}

export function renderJson(d: Diagnostic, src: SourceFile | null): string {
  const o: JsonDiagnostic = { type: d.severity, code: d.code, msg: d.message, hints: [...d.hints] };
  if (d.span && src) {
    const a = src.position(d.span.start);
    const b = src.position(Math.max(d.span.start, d.span.end));
    Object.assign(o, { file: src.path, line: a.line, col: a.col, end_line: b.line, end_col: b.col });
  }
  return JSON.stringify(o) + '\n';
}
