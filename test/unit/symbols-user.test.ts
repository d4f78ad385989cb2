// User symbolization: /proc/PID/maps parsing, usym of addresses in a process that has
// already exited (remembered while it ran), a file replaced after the snapshot, and
// (build-id, file offset) stack entries.

import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserSymbols, elfSymbols, normalizeBuildId, parseMaps, readMaps } from '../../src/runtime/symbols/index.js';
import { type Fixtures, HAVE_GCC, buildFixtures, removeFixtures, run } from './fixtures/symbols/build.js';

describe('parseMaps', () => {
  const TEXT = [
    '55e203ed8000-55e203ed9000 r--p 00000000 fd:01 1234567                    /tmp/x/prog',
    '55e203ed9000-55e203eda000 r-xp 00001000 fd:01 1234567                    /tmp/x/prog',
    '7f34aef28000-7f34aef7d000 r-xp 00026000 08:10 42  /usr/lib/x86_64-linux-gnu/libc.so.6',
    '7f0000000000-7f0000001000 r-xp 00000000 00:2a 99 /tmp/dir with spaces/lib.so (deleted)',
    '7ffd1e5f3000-7ffd1e5f5000 r-xp 00000000 00:00 0                          [vdso]',
    '7ffd1e500000-7ffd1e521000 rw-p 00000000 00:00 0 ',
    'garbage line',
  ].join('\n');

  it('parses every mapping line', () => {
    const maps = parseMaps(TEXT);
    expect(maps).toHaveLength(6);
    expect(maps[1]).toEqual({
      start: 0x55e203ed9000,
      end: 0x55e203eda000,
      perms: 'r-xp',
      offset: 0x1000,
      dev: 'fd:01',
      inode: 1234567,
      path: '/tmp/x/prog',
      deleted: false,
    });
  });

  it.each([
    [2, '/usr/lib/x86_64-linux-gnu/libc.so.6', false],
    [3, '/tmp/dir with spaces/lib.so', true],
    [4, '[vdso]', false],
    [5, '', false],
  ])('mapping %i has path %j (deleted: %s)', (i, path, deleted) => {
    const m = parseMaps(TEXT)[i]!;
    expect([m.path, m.deleted]).toEqual([path, deleted]);
  });
});

interface Running {
  child: ChildProcess;
  fib: number;
  helper: number;
  main: number;
}

/** Start `prog addrs`: it prints the runtime addresses of fib, helper and main, then waits for stdin to close. */
async function startProg(path: string): Promise<Running> {
  const child = spawn(path, ['addrs'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve(buf.split('\n')[0]!);
    });
    child.on('error', reject);
  });
  const [fib, helper, main] = line.split(' ').map((h) => parseInt(h, 16)) as [number, number, number];
  return { child, fib, helper, main };
}

async function finish(r: Running): Promise<void> {
  const exited = new Promise<void>((resolve) => r.child.on('exit', () => resolve()));
  r.child.stdin!.end();
  await exited;
  // The kernel reaps the task when the parent has waited; /proc/PID must be gone.
  for (let i = 0; i < 50 && existsSync(`/proc/${r.child.pid}`); i++) await new Promise((res) => setTimeout(res, 20));
}

describe.skipIf(!HAVE_GCC)('UserSymbols', () => {
  let fx: Fixtures;
  beforeAll(() => {
    fx = buildFixtures();
  });
  afterAll(removeFixtures);

  it('symbolizes addresses of a process that has exited, from the snapshot taken while it ran', async () => {
    const us = new UserSymbols();
    const r = await startProg(fx.prog);
    const pid = r.child.pid!;
    expect(us.rememberPid(pid)).toBe(true);
    await finish(r);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(us.usym(r.fib, pid)).toBe('fib');
    expect(us.uframe(r.fib + 5, pid)).toBe('fib+5');
    expect(us.usym(r.helper, pid)).toBe('helper');
    expect(us.uframe(BigInt(r.main) + 3n, pid)).toBe('main+3');
    expect(us.resolve(r.fib + 5, pid)).toEqual({
      name: 'fib',
      offset: 5,
      path: fx.prog,
      fileOffset: elfSymbols(fx.prog).find('fib')!.fileOffset + 5,
    });
    // An address outside every mapping of that process stays hex.
    expect(us.usym(0x1000, pid)).toBe('0x1000');
  });

  it('snapshots the executable mappings with their build-ids', async () => {
    const us = new UserSymbols();
    const r = await startProg(fx.prog);
    try {
      us.rememberPid(r.child.pid!);
      const maps = us.mappings(r.child.pid!)!;
      const own = maps.find((m) => m.path === fx.prog)!;
      expect(own.buildId).toBe(/Build ID: ([0-9a-f]+)/.exec(run('readelf', ['-n', fx.prog]))![1]);
      expect(maps.some((m) => /\/libc\.so\.6$/.test(m.path))).toBe(true);
    } finally {
      await finish(r);
    }
  });

  it('a pid it never saw, now gone, gives hex', () => {
    const us = new UserSymbols();
    expect(us.usym(0x55e203ed9139, 999_999_999)).toBe('0x55e203ed9139');
    expect(us.uframe(0x55e203ed9139n, 999_999_999)).toBe('0x55e203ed9139');
  });

  it('re-reads a live process whose snapshot predates its exec (the -c case)', async () => {
    const us = new UserSymbols();
    // sh waits for a line, then execs prog: the first snapshot holds sh's mappings.
    const sh = spawn('sh', ['-c', `read x; exec ${fx.prog} addrs`], { stdio: ['pipe', 'pipe', 'inherit'] });
    const pid = sh.pid!;
    await new Promise((res) => setTimeout(res, 50));
    expect(us.rememberPid(pid)).toBe(true);
    expect(us.mappings(pid)!.some((m) => m.path === fx.prog)).toBe(false);
    const line = new Promise<string>((resolve) => {
      let buf = '';
      sh.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) resolve(buf.split('\n')[0]!);
      });
    });
    sh.stdin!.write('go\n');
    const fib = parseInt((await line).split(' ')[0]!, 16);
    try {
      expect(us.usym(fib, pid)).toBe('fib');
      expect(us.mappings(pid)!.some((m) => m.path === fx.prog)).toBe(true);
    } finally {
      await finish({ child: sh, fib, helper: 0, main: 0 });
    }
  });

  it('does not re-read the maps for known anonymous code, and throttles re-reads after a miss', async () => {
    const us = new UserSymbols();
    const r = await startProg(fx.prog);
    try {
      const pid = r.child.pid!;
      us.rememberPid(pid);
      const first = us.mappings(pid);
      const vdso = readMaps(pid)!.find((m) => m.path === '[vdso]')!;
      expect(us.usym(vdso.start + 4, pid)).toBe(`0x${(vdso.start + 4).toString(16)}`);
      expect(us.mappings(pid)).toBe(first); // a known miss: no re-read
      expect(us.usym(0x1000, pid)).toBe('0x1000');
      const second = us.mappings(pid);
      expect(second).not.toBe(first); // the first unknown address re-reads
      expect(us.usym(0x2000, pid)).toBe('0x2000');
      expect(us.mappings(pid)).toBe(second); // the next one, right after, does not
    } finally {
      await finish(r);
    }
  });

  it('does not print a wrong name when the file was replaced after the snapshot', async () => {
    const copy = join(fx.dir, 'prog-copy');
    copyFileSync(fx.prog, copy);
    const us = new UserSymbols();
    const r = await startProg(copy);
    const pid = r.child.pid!;
    us.rememberPid(pid);
    await finish(r);
    unlinkSync(copy);
    copyFileSync(fx.lib, copy); // another ELF file at the same path
    expect(us.usym(r.fib, pid)).toBe(`0x${r.fib.toString(16)}`);
    // Knowing another copy with the same build-id brings the name back.
    us.noteFile(fx.prog);
    expect(us.usym(r.fib, pid)).toBe('fib');
  });

  it('resolves (build-id, file offset) stack entries for files it has seen', () => {
    const us = new UserSymbols();
    const id = us.noteFile(fx.prog)!;
    expect(id).toBe(/Build ID: ([0-9a-f]+)/.exec(run('readelf', ['-n', fx.prog]))![1]);
    const fib = elfSymbols(fx.prog).find('fib')!;
    expect(us.buildIdFrame(id, fib.fileOffset + 3)).toBe('fib+3');
    // The kernel hands over 20 bytes: a shorter id arrives zero-padded.
    const bytes = Buffer.alloc(20);
    Buffer.from(id, 'hex').copy(bytes);
    expect(us.resolveBuildId(bytes, BigInt(fib.fileOffset))).toMatchObject({ name: 'fib', offset: 0, path: fx.prog });
    expect(us.buildIdFrame('00'.repeat(20), 0x1234)).toBe(`${'00'.repeat(20)}+0x1234`);
  });

  it.each([
    ['ABCDEF', 'abcdef'.padEnd(40, '0')],
    ['00'.repeat(20), '0'.repeat(40)],
    ['11'.repeat(24), '1'.repeat(40)],
  ])('normalizeBuildId(%s)', (id, expected) => {
    expect(normalizeBuildId(id)).toBe(expected);
  });
});
