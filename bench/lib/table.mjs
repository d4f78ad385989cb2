// table: metric rows -> the one results table (plain text for the terminal, Markdown
// for bench/out/results.md).
// Input: rows { metric, unit, better, ref, samples: {bpftrace, bpfscript, baseline},
//   target: {op, value} on the ratio (or null), check: {pass, text} for rows judged
//   by a fact rather than a ratio, note }.
// Output: strings. A sample cell reads "median (best)" where best is the min when
// lower is better and the max when higher is. The ratio is bpfscript / reference on
// medians, with the ratio of the bests in brackets; pass/fail judges the median ratio.
// Must not: run anything or round before comparing (the raw ratio is judged).

import { best, median, meets, ratio } from './stats.mjs';

export const COLUMNS = ['metric', 'bpftrace', 'bpfscript', 'baseline', 'ratio', 'target', 'pass'];

function fmtNum(x, digits) {
  if (!Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (digits !== undefined) return x.toFixed(digits);
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(0)}k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function cell(xs, better, digits) {
  if (!xs || xs.length === 0) return '-';
  const m = median(xs);
  if (xs.length === 1) return fmtNum(m, digits);
  return `${fmtNum(m, digits)} (${fmtNum(best(xs, better), digits)})`;
}

/** Everything one row shows, computed once; `pass` is true, false or null (no target). */
export function summarizeRow(row) {
  const s = row.samples ?? {};
  const refXs = row.ref ? s[row.ref] : undefined;
  const medRatio = refXs ? ratio(median(s.bpfscript ?? []), median(refXs)) : NaN;
  const bestRatio = refXs ? ratio(best(s.bpfscript ?? [], row.better), best(refXs, row.better)) : NaN;
  let pass = null;
  if (row.check) pass = row.check.pass;
  else if (row.target) pass = meets(medRatio, row.target);
  const ratioText = row.check
    ? row.check.text
    : Number.isFinite(medRatio)
      ? `${medRatio.toFixed(2)}x` + (Number.isFinite(bestRatio) && (s.bpfscript?.length ?? 0) > 1 ? ` (${bestRatio.toFixed(2)}x)` : '')
      : '-';
  const targetText = row.targetText ?? (row.target ? `${row.target.op} ${row.target.value}x ${row.ref}` : '');
  return {
    metric: row.unit ? `${row.metric} [${row.unit}]` : row.metric,
    bpftrace: cell(s.bpftrace, row.better, row.digits),
    bpfscript: cell(s.bpfscript, row.better, row.digits),
    baseline: cell(s.baseline, row.better, row.digits),
    ratio: ratioText,
    target: targetText,
    pass: pass === null ? '' : pass ? 'PASS' : 'FAIL',
    medRatio,
    passed: pass,
  };
}

/** Fixed-width text table, one line per row. */
export function renderText(rows) {
  const sums = rows.map(summarizeRow);
  const widths = COLUMNS.map((c) => Math.max(c.length, ...sums.map((r) => String(r[c]).length)));
  const line = (vals) => vals.map((v, i) => String(v).padEnd(widths[i])).join('  ').trimEnd();
  const out = [line(COLUMNS), line(widths.map((w) => '-'.repeat(w)))];
  for (const r of sums) out.push(line(COLUMNS.map((c) => r[c])));
  return out.join('\n') + '\n';
}

function mdEscape(s) {
  return String(s).replace(/\|/g, '\\|');
}

/** GitHub Markdown table, plus the notes of the rows that have one. */
export function renderMarkdown(rows, header) {
  const sums = rows.map(summarizeRow);
  const out = [];
  if (header) out.push(header, '');
  out.push(`| ${COLUMNS.join(' | ')} |`, `| ${COLUMNS.map(() => '---').join(' | ')} |`);
  for (const r of sums) out.push(`| ${COLUMNS.map((c) => mdEscape(r[c])).join(' | ')} |`);
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    out.push('', 'Notes:', '');
    for (const r of notes) out.push(`- ${mdEscape(summarizeRow(r).metric)}: ${r.note}`);
  }
  return out.join('\n') + '\n';
}

/** Counts for the closing line: how many rows passed and failed. */
export function tally(rows) {
  let pass = 0;
  let fail = 0;
  for (const r of rows.map(summarizeRow)) {
    if (r.passed === true) pass++;
    else if (r.passed === false) fail++;
  }
  return { pass, fail };
}
