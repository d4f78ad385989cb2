// Histogram details beyond the map rows of format-maps.test.ts: bar widths (bpftrace
// computes them in single precision), bound labels up to the E suffix, and hist(x, bits)
// with sub-buckets, whose labels follow newer bpftrace (the commit that added the second
// argument shows `hist((nsecs & 0xff), 2)` printing [0] .. [7], [8, 10), [10, 12) ...).

import { describe, expect, it } from 'vitest';
import { barWidth, formatHistRows, histBoundLabel, histJson, histRows, lhistBoundLabel } from '../../src/runtime/format/hist.js';
import type { Value, ValueOf } from '../../src/runtime/value.js';
import { histBuckets } from '../../src/types/ty.js';

/** The bucket of x, as native/bpf/rt.bpf.h computes it (rt_hist_index). */
function histIndex(x: bigint, bits: number): number {
  if (x < 0n) return 0;
  if (x === 0n) return 1;
  const k = x.toString(2).length - 1;
  const base = 1n << BigInt(k);
  const sub = k >= bits ? (x - base) >> BigInt(k - bits) : (x - base) << BigInt(bits - k);
  return 2 + (k << bits) + Number(sub);
}

function hist(samples: (number | bigint)[], bits = 0): ValueOf<'hist'> {
  const buckets = new Array<bigint>(histBuckets(bits)).fill(0n);
  for (const x of samples) buckets[histIndex(BigInt(x), bits)]! += 1n;
  return { t: 'hist', bits, buckets };
}

const FULL = '|@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|';
const EMPTY = `|${' '.repeat(52)}|`;
const row = (label: string, count: number, bar: string): string => `${label.padEnd(16)}${String(count).padStart(8)} ${bar}\n`;

describe('bar width: count / (float)max * 52, truncated', () => {
  // glibc/gcc: `int w = c / (float)m * 52;` for each pair; double precision would give
  // 29 for 15/26 and 14 for 15/52.
  it.each([
    [15n, 26n, 30],
    [15n, 52n, 15],
    [45n, 78n, 30],
    [45n, 156n, 15],
    [3n, 5n, 31],
    [7n, 10n, 36],
    [1n, 1n, 52],
    [49n, 50n, 50],
    [10n, 13n, 40],
    [25n, 26n, 50],
    [0n, 26n, 0],
  ])('%d of %d -> %d', (count, max, expected) => {
    expect(barWidth(count, max)).toBe(expected);
  });

  it('as bpftrace printed it: 15 and 26 samples in lhist(x, 0, 10, 1)', () => {
    // bpftrace -e 'BEGIN { @h = lhist(0, 0, 10, 1); ... (15 times) @h = lhist(1, 0, 10, 1); ... (26 times) exit(); }'
    const buckets = new Array<bigint>(12).fill(0n);
    buckets[1] = 15n;
    buckets[2] = 26n;
    const v: Value = { t: 'lhist', min: 0, max: 10, step: 1, buckets };
    expect(formatHistRows(v)).toBe(
      '[0, 1)                15 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                      |\n' +
        '[1, 2)                26 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n',
    );
  });
});

describe('bound labels', () => {
  it.each([
    [1n, 0, '1'],
    [2n, 0, '2'],
    [512n, 0, '512'],
    [1024n, 0, '1K'],
    [1n << 19n, 0, '512K'],
    [1n << 20n, 0, '1M'],
    [1n << 30n, 0, '1G'],
    [1n << 40n, 0, '1T'],
    [1n << 50n, 0, '1P'],
    [1n << 60n, 0, '1E'],
    [1n << 63n, 0, '8E'],
    [1n << 64n, 0, '16E'],
    [10n, 2, '10'],
    [1280n, 2, '1280'],
    [4096n, 2, '4K'],
    [5120n, 2, '5K'],
    [7n << 60n, 2, '7E'],
  ] as [bigint, number, string][])('hist %d (bits %d) -> %s', (x, bits, expected) => {
    expect(histBoundLabel(x, bits)).toBe(expected);
  });

  it.each([
    [0, '0'],
    [1000, '1000'],
    [1024, '1K'],
    [1536, '1536'],
    [3072, '3K'],
    [1048576, '1M'],
    [3145728, '3M'],
    [-1024, '-1K'],
  ])('lhist %d -> %s', (n, expected) => {
    expect(lhistBoundLabel(n)).toBe(expected);
  });
});

describe('hist(x, bits)', () => {
  it('bits = 2: single values up to 7, then four sub-buckets per power of two', () => {
    const v = hist([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32], 2);
    const labels = histRows(v).map((r) => r.label);
    expect(labels).toEqual([
      '[0]',
      '[1]',
      '[2]',
      '[3]',
      '[4]',
      '[5]',
      '[6]',
      '[7]',
      '[8, 10)',
      '[10, 12)',
      '[12, 14)',
      '[14, 16)',
      '[16, 20)',
      '[20, 24)',
      '[24, 28)',
      '[28, 32)',
      '[32, 40)',
    ]);
  });

  it('bits = 2: labels of large buckets', () => {
    const v = hist([1024, 4096, 4096], 2);
    const rows = histRows(v);
    expect(rows[0]!.label).toBe('[1024, 1280)');
    expect(rows.at(-1)!.label).toBe('[4K, 5K)');
    // Every sub-bucket between 1024 and 4096 is printed (3 powers of two, 4 each).
    expect(rows.length).toBe(9);
  });

  it('bits = 1: the text rows', () => {
    expect(formatHistRows(hist([1, 3, 3, 6], 1))).toBe(
      row('[1]', 1, '|@@@@@@@@@@@@@@@@@@@@@@@@@@                          |') +
        row('[2]', 0, EMPTY) +
        row('[3]', 2, FULL) +
        row('[4, 6)', 0, EMPTY) +
        row('[6, 8)', 1, '|@@@@@@@@@@@@@@@@@@@@@@@@@@                          |'),
    );
  });

  it('bits = 3: sub-buckets no integer falls into are never printed', () => {
    expect(histRows(hist([1, 3], 3)).map((r) => [r.label, r.count])).toEqual([
      ['[1]', 1n],
      ['[2]', 0n],
      ['[3]', 1n],
    ]);
  });

  it('bits = 2: json bounds', () => {
    expect(histJson(hist([-5, 9, 9, 1100], 2))).toBe(
      '[{"max": -1, "count": 1}, {"min": 0, "max": 0, "count": 0}, {"min": 1, "max": 1, "count": 0}, {"min": 2, "max": 2, "count": 0}, {"min": 3, "max": 3, "count": 0}, {"min": 4, "max": 4, "count": 0}, {"min": 5, "max": 5, "count": 0}, {"min": 6, "max": 6, "count": 0}, {"min": 7, "max": 7, "count": 0}, {"min": 8, "max": 9, "count": 2}, {"min": 10, "max": 11, "count": 0}, {"min": 12, "max": 13, "count": 0}, {"min": 14, "max": 15, "count": 0}, {"min": 16, "max": 19, "count": 0}, {"min": 20, "max": 23, "count": 0}, {"min": 24, "max": 27, "count": 0}, {"min": 28, "max": 31, "count": 0}, {"min": 32, "max": 39, "count": 0}, {"min": 40, "max": 47, "count": 0}, {"min": 48, "max": 55, "count": 0}, {"min": 56, "max": 63, "count": 0}, {"min": 64, "max": 79, "count": 0}, {"min": 80, "max": 95, "count": 0}, {"min": 96, "max": 111, "count": 0}, {"min": 112, "max": 127, "count": 0}, {"min": 128, "max": 159, "count": 0}, {"min": 160, "max": 191, "count": 0}, {"min": 192, "max": 223, "count": 0}, {"min": 224, "max": 255, "count": 0}, {"min": 256, "max": 319, "count": 0}, {"min": 320, "max": 383, "count": 0}, {"min": 384, "max": 447, "count": 0}, {"min": 448, "max": 511, "count": 0}, {"min": 512, "max": 639, "count": 0}, {"min": 640, "max": 767, "count": 0}, {"min": 768, "max": 895, "count": 0}, {"min": 896, "max": 1023, "count": 0}, {"min": 1024, "max": 1279, "count": 1}]',
    );
  });
});

describe('the top of the range', () => {
  it('the last bucket of a 64-bit hist', () => {
    const v = hist([1n << 63n, (1n << 63n) + 5n]);
    expect(formatHistRows(v)).toBe(row('[8E, 16E)', 2, FULL));
    expect(histJson(v)).toBe('[{"min": 9223372036854775808, "max": 18446744073709551615, "count": 2}]');
  });

  it('div divides the printed counts, not the bars', () => {
    expect(formatHistRows(hist([4, 4, 4, 4, 9, 9]), 4n)).toBe(
      row('[4, 8)', 1, FULL) + row('[8, 16)', 0, '|@@@@@@@@@@@@@@@@@@@@@@@@@@                          |'),
    );
  });

  it('counts wider than the count column push the bar right', () => {
    const buckets = new Array<bigint>(histBuckets(0)).fill(0n);
    buckets[3] = 123456789n;
    expect(formatHistRows({ t: 'hist', bits: 0, buckets })).toBe(`[2, 4)          123456789 ${FULL}\n`);
  });

  it('an all-empty hist prints no rows', () => {
    expect(formatHistRows(hist([]))).toBe('');
    expect(histJson(hist([]))).toBe('[]');
  });
});
