// stats: samples -> summaries, and the parsers for what the tools and the driver print.
// Input: arrays of numbers (one per repetition), tool output text.
// Output: plain numbers and objects; nothing here runs a process or reads a clock,
// so every function is unit-tested (bench/test/stats.test.mjs).

/** Median of the samples (mean of the middle two for an even count); NaN when empty. */
export function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export function min(xs) {
  const v = xs.filter((x) => Number.isFinite(x));
  return v.length ? Math.min(...v) : NaN;
}

export function max(xs) {
  const v = xs.filter((x) => Number.isFinite(x));
  return v.length ? Math.max(...v) : NaN;
}

/** The best sample: the smallest when lower is better, else the largest. */
export function best(xs, better) {
  return better === 'higher' ? max(xs) : min(xs);
}

/** a / b, NaN when either is missing or b is 0. */
export function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return NaN;
  return a / b;
}

/** Does `value` meet `target` ({op: '<=' | '>=' | '==', value})? */
export function meets(value, target) {
  if (!Number.isFinite(value)) return false;
  switch (target.op) {
    case '<=':
      return value <= target.value;
    case '>=':
      return value >= target.value;
    case '==':
      return value === target.value;
    default:
      throw new Error(`unknown target op ${target.op}`);
  }
}

/**
 * The driver's result line:
 * `syscall-loop mode=getppid calls=N avg_ns=A med_ns=B min_ns=C wall_ns=W`.
 * Returns null when the text holds none.
 */
export function parseLoop(text) {
  const m = /^syscall-loop mode=(\S+) calls=(\d+) avg_ns=([\d.]+) med_ns=([\d.]+) min_ns=([\d.]+) wall_ns=(\d+)$/m.exec(text);
  if (!m) return null;
  return { mode: m[1], calls: Number(m[2]), avgNs: Number(m[3]), medNs: Number(m[4]), minNs: Number(m[5]), wallNs: Number(m[6]) };
}

/** Sum of every "Lost N events" report (bpftrace and bpfscript word it alike). */
export function parseLost(text) {
  let n = 0;
  for (const m of text.matchAll(/Lost (\d+) events/g)) n += Number(m[1]);
  return n;
}

/** The value of a keyless count map printed at exit, e.g. "@: 123" -> 123. */
export function parseScalarMap(text, name = '') {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^@${esc}: (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Lines of a map printed at exit: "@m[1]: 1" lines for map `m`. */
export function countMapLines(text, name) {
  let n = 0;
  const prefix = `@${name}[`;
  for (const line of text.split('\n')) if (line.startsWith(prefix)) n++;
  return n;
}

/** The bl-loader's exit line "total=T keys=K". */
export function parseBaselineTotal(text) {
  const m = /^total=(\d+) keys=(\d+)$/m.exec(text);
  return m ? { total: Number(m[1]), keys: Number(m[2]) } : null;
}

/** Parse `--only a,b` into a set, validating against the known names. */
export function parseOnly(spec, known) {
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !known.includes(n));
  if (bad.length) throw new Error(`unknown benchmark ${bad.join(', ')} (known: ${known.join(', ')})`);
  return new Set(names);
}

/** Rotate a list by `k` places: interleaved repetitions start with a different variant. */
export function rotate(list, k) {
  if (list.length === 0) return [];
  const s = ((k % list.length) + list.length) % list.length;
  return [...list.slice(s), ...list.slice(0, s)];
}
