// Verifier rejections -> a diagnostic on the script line that caused them.
// The generated C carries #line directives, so clang's BTF line info names script
// lines, and the kernel's verifier log quotes them as `; <text> @ <file>:<line>`.
// We take the last such line before the error, the kernel's own message as a hint,
// and add a plain-words explanation for the usual causes.

import type { Manifest } from '../codegen/manifest.js';
import { Diagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../source.js';

const EXPLAIN: readonly [RegExp, string][] = [
  [/program is too large|too complex|program is too long|BPF program is too large/i, 'the program is too large for the verifier (it gave up after 1 million instructions); use smaller loop bounds or unroll counts, or split the probe'],
  [/back-edge|infinite loop|loop is not bounded/i, 'a loop the verifier cannot prove to end; bound it (unroll, or a constant limit)'],
  [/combined stack size|stack limit|invalid (write|read) to stack.*off=-\d{3,}|stack depth/i, 'the probe needs more than the 512 bytes of BPF stack; use fewer or shorter strings and tuples'],
  [/expected=|invalid mem access|invalid indirect read|invalid access to|R\d+ (min|max) value is|map_value_or_null|unbounded memory access/i, 'an invalid memory access (a pointer that may be NULL or an index out of range)'],
  [/unknown func|helper call is not allowed|program of this type cannot use helper/i, 'a helper function this probe type cannot use on this kernel'],
  [/not supported|attach_btf_id|Invalid argument/i, 'a feature this kernel does not support for this probe type'],
];

export function mapVerifierError(prog: string, log: string, m: Manifest, src: SourceFile): Diagnostic {
  const lines = log.split('\n').map((l) => l.trimEnd());
  let line: number | null = null;
  let errIdx = lines.length - 1;
  // The error is the last line that is not a statistic.
  while (errIdx >= 0 && (lines[errIdx] === '' || /^(processed \d+ insns|verification time|stack depth|-- END)/.test(lines[errIdx]!))) errIdx--;
  const kernelMsg = errIdx >= 0 ? lines[errIdx]! : 'the program was rejected';
  for (let i = errIdx; i >= 0; i--) {
    // Lines of the inlined rt.bpf.h helpers name the header: keep looking for the
    // script line that called them.
    const mm = /^; .* @ (.*):(\d+)$/.exec(lines[i]!);
    if (mm && !mm[1]!.endsWith('.h') && !mm[1]!.endsWith('.c')) {
      line = Number(mm[2]);
      break;
    }
  }
  const explain = EXPLAIN.find(([re]) => re.test(log))?.[1] ?? 'the kernel refused it (see the kernel message)';
  const d = new Diagnostics();
  let span: { start: number; end: number } | null = null;
  if (line !== null && line >= 1 && line <= src.lineCount) {
    const text = src.lineText(line);
    const start = lineStart(src, line);
    const indent = text.length - text.trimStart().length;
    span = { start: start + indent, end: start + text.length };
  } else {
    const p = m.programs.find((x) => x.prog === prog);
    if (p) span = p.span;
  }
  const tail = lines.slice(Math.max(0, errIdx - 2), errIdx + 1).filter((l) => l && !l.startsWith(';'));
  return d.error('B002', span, { summary: explain, detail: tail.join(' | ') || kernelMsg });
}

function lineStart(src: SourceFile, line: number): number {
  let off = 0;
  for (let l = 1; l < line; l++) off = src.text.indexOf('\n', off) + 1;
  return off;
}
