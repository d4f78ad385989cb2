// Unit tests of the harness's pure helpers: statistics, parsers of tool output, the
// table's ratio and pass/fail logic, and the script transformations. No process runs.
import { describe, expect, it } from 'vitest';
import {
  best,
  countMapLines,
  median,
  meets,
  parseBaselineTotal,
  parseLoop,
  parseLost,
  parseOnly,
  parseScalarMap,
  ratio,
  rotate,
} from '../lib/stats.mjs';
import { renderMarkdown, renderText, summarizeRow, tally } from '../lib/table.mjs';
import { SCRIPT_B, scriptC, scriptCArgs, untilCtrlC } from '../lib/scripts.mjs';

describe('median', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[5], 5],
    [[NaN, 7, 1], 4],
  ])('median(%j) = %d', (xs, want) => {
    expect(median(xs)).toBe(want);
  });
  it('is NaN for no samples', () => {
    expect(median([])).toBeNaN();
  });
});

describe('best, ratio, meets', () => {
  it.each([
    [[3, 1, 2], 'lower', 1],
    [[3, 1, 2], 'higher', 3],
  ])('best(%j, %s) = %d', (xs, better, want) => {
    expect(best(xs, better)).toBe(want);
  });
  it.each([
    [1, 2, 0.5],
    [3, 0, NaN],
    [NaN, 2, NaN],
  ])('ratio(%d, %d) = %d', (a, b, want) => {
    if (Number.isNaN(want)) expect(ratio(a, b)).toBeNaN();
    else expect(ratio(a, b)).toBe(want);
  });
  it.each([
    [0.8, { op: '<=', value: 0.8 }, true],
    [0.81, { op: '<=', value: 0.8 }, false],
    [5, { op: '>=', value: 5 }, true],
    [4.9, { op: '>=', value: 5 }, false],
    [NaN, { op: '<=', value: 1 }, false],
    [0, { op: '==', value: 0 }, true],
  ])('meets(%d, %j) = %s', (v, t, want) => {
    expect(meets(v, t)).toBe(want);
  });
});

describe('parsers', () => {
  it('reads the driver line', () => {
    const text = 'noise\nsyscall-loop mode=getppid calls=1000 avg_ns=230.5 med_ns=210.0 min_ns=190.2 wall_ns=230500\n';
    expect(parseLoop(text)).toEqual({ mode: 'getppid', calls: 1000, avgNs: 230.5, medNs: 210, minNs: 190.2, wallNs: 230500 });
    expect(parseLoop('nothing here')).toBeNull();
  });
  it.each([
    ['Lost 10 events in probe a\nLost 5 events in probe b\n', 15],
    ['', 0],
    ['WARNING: something else\n', 0],
  ])('parseLost(%j) = %d', (text, want) => {
    expect(parseLost(text)).toBe(want);
  });
  it.each([
    ['Attaching 1 probe...\n\n\n@: 4000001\n', '', 4000001],
    ['@x: 3\n@: 9\n', 'x', 3],
    ['@[1]: 3\n', '', NaN],
  ])('parseScalarMap(%j, %j) = %d', (text, name, want) => {
    if (Number.isNaN(want)) expect(parseScalarMap(text, name)).toBeNaN();
    else expect(parseScalarMap(text, name)).toBe(want);
  });
  it('counts the entries of one map', () => {
    expect(countMapLines('@m[1]: 1\n@m[2]: 1\n@n[1]: 1\n@m: 3\n', 'm')).toBe(2);
  });
  it('reads the baseline loader total', () => {
    expect(parseBaselineTotal('ready\ntotal=42 keys=3\n')).toEqual({ total: 42, keys: 3 });
    expect(parseBaselineTotal('ready\n')).toBeNull();
  });
  it('validates --only names', () => {
    expect([...parseOnly('start, events', ['start', 'events', 'printf'])]).toEqual(['start', 'events']);
    expect(() => parseOnly('strat', ['start'])).toThrow(/unknown benchmark strat/);
  });
  it.each([
    [[1, 2, 3], 0, [1, 2, 3]],
    [[1, 2, 3], 1, [2, 3, 1]],
    [[1, 2, 3], 4, [2, 3, 1]],
    [[], 2, []],
  ])('rotate(%j, %d) = %j', (list, k, want) => {
    expect(rotate(list, k)).toEqual(want);
  });
});

describe('table rows', () => {
  const row = (samples, target, extra = {}) => ({ metric: 'm', unit: 'ms', better: 'lower', ref: 'bpftrace', samples, target, ...extra });
  it.each([
    // bpfscript median 40, bpftrace median 100: 0.4x
    [row({ bpftrace: [100, 90, 110], bpfscript: [40, 50, 30] }, { op: '<=', value: 0.5 }), '0.40x (0.33x)', 'PASS'],
    [row({ bpftrace: [100], bpfscript: [60] }, { op: '<=', value: 0.5 }), '0.60x', 'FAIL'],
    [row({ bpftrace: [100] }, { op: '<=', value: 0.5 }), '-', 'FAIL'],
    [{ ...row({ bpftrace: [10, 12], bpfscript: [60, 50] }, { op: '>=', value: 5 }), better: 'higher' }, '5.00x (5.00x)', 'PASS'],
    [row({}, null, { ref: null, check: { pass: true, text: '3/3 exact' } }), '3/3 exact', 'PASS'],
    [row({ bpfscript: [1] }, null, { ref: null }), '-', ''],
  ])('summarizeRow %#', (r, wantRatio, wantPass) => {
    const s = summarizeRow(r);
    expect(s.ratio).toBe(wantRatio);
    expect(s.pass).toBe(wantPass);
  });
  it('renders cells as median (best) and counts passes', () => {
    const rows = [row({ bpftrace: [100, 90, 110], bpfscript: [40, 50, 30] }, { op: '<=', value: 0.5 }), row({ bpftrace: [1], bpfscript: [2] }, { op: '<=', value: 1 })];
    const text = renderText(rows);
    expect(text.split('\n')[2]).toMatch(/^m \[ms\]\s+100 \(90.0\)\s+40.0 \(30.0\)\s+-\s+0.40x \(0.33x\)\s+<= 0.5x bpftrace\s+PASS$/);
    expect(tally(rows)).toEqual({ pass: 1, fail: 1 });
    const md = renderMarkdown(rows, '# h');
    expect(md).toContain('| m [ms] | 100 (90.0) | 40.0 (30.0) | - | 0.40x (0.33x) | <= 0.5x bpftrace | PASS |');
  });
});

describe('scripts', () => {
  it('turns the exiting interval into one that prints ready once', () => {
    const s = untilCtrlC(SCRIPT_B);
    expect(s).toContain('if (@ready == 0) { printf("ready\\n"); @ready = 1; }');
    expect(s).not.toContain('exit()');
    expect(() => untilCtrlC('BEGIN { exit(); }')).toThrow();
  });
  it('script (c) has ten probes', () => {
    expect(scriptC('/x/drv').trim().split('\n')).toHaveLength(10);
    expect(scriptC('/x/drv')).toContain('uretprobe:/x/drv:bench_marker');
    // (c) with args: the same probes, and every tracepoint reads args
    const withArgs = scriptCArgs('/x/drv').trim().split('\n');
    expect(withArgs.map((l) => l.split(' ')[0])).toEqual(scriptC('/x/drv').trim().split('\n').map((l) => l.split(' ')[0]));
    expect(withArgs.filter((l) => l.startsWith('tracepoint:') && l.includes('args->'))).toHaveLength(5);
  });
});
