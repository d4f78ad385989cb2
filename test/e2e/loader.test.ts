// The loader helper end to end (root): a hand-written BPF object
// (fixtures/loader-test.bpf.c) driven through the TypeScript client. Every count
// is exact because the fixture only counts the process whose tgid is rt_cpid, a
// python child that waits for a go signal and then calls getppid() N times.
// Skips loudly (the reason is in the suite name and on stderr) without root/clang.

import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AttachError,
  FrameParser,
  LoadError,
  Loader,
  loaderPath,
  type MapDump,
} from '../../src/runtime/loader.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = join(ROOT, 'test/e2e/fixtures/loader-test.bpf.c');
const HELPER = loaderPath();

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function skipReason(): string | null {
  if (process.platform !== 'linux') return 'BPF needs Linux';
  if (process.getuid?.() !== 0) return 'loading BPF programs needs root';
  if (!has('clang')) return 'clang is not installed';
  if (!has('python3')) return 'python3 is not installed (it runs the traced child)';
  return null;
}

const SKIP = skipReason();
if (SKIP) console.warn(`test/e2e/loader.test.ts: SKIPPED: ${SKIP}`);
const HAS_BPFTOOL = has('bpftool');
const HAS_READELF = has('readelf');

// Counter slots of the fixture (counters map): cookies choose the others.
const SLOT_TP = 0;
const SLOT_PERF = 1;
const COOKIE_UPROBE = 2;
const COOKIE_URETPROBE = 3;
const COOKIE_RAW_TP = 4;
const TP_COOKIE = 7;
const PERF_SOFTWARE = 1; // PERF_TYPE_SOFTWARE
const CPU_CLOCK = 0; // PERF_COUNT_SW_CPU_CLOCK

function cpuList(file: string): number {
  let n = 0;
  for (const part of readFileSync(file, 'utf8').trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    n += b === undefined ? 1 : b - a! + 1;
  }
  return n;
}

function bootId(): string {
  return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
}

/** A u64 as `set` sends it: little-endian hex. */
function u64hex(n: number): string {
  return Buffer.from(u64le(n)).toString('hex');
}

function u64le(n: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/** Sum of the per-CPU u64 values of one entry. */
function sumCpus(value: Buffer, ncpus: number): bigint {
  let s = 0n;
  for (let i = 0; i < ncpus; i++) s += value.readBigUInt64LE(i * 8);
  return s;
}

async function slot(l: Loader, index: number): Promise<bigint> {
  const d = await l.dump('counters');
  const e = d.entries.find((x) => x.key.readUInt32LE(0) === index);
  if (!e) throw new Error(`counters has no slot ${index}`);
  return sumCpus(e.value, d.ncpus);
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

/** A python child: prints "ready", waits for a line, calls getppid() n times, exits. */
class Child {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly ready: Promise<void>;
  readonly done: Promise<number | null>;

  constructor(readonly calls: number) {
    const code = [
      'import os, sys',
      'print("ready", flush=True)',
      'sys.stdin.readline()',
      `for _ in range(${calls}): os.getppid()`,
    ].join('\n');
    this.proc = spawn('python3', ['-c', code]);
    this.ready = new Promise((resolve, reject) => {
      this.proc.stdout.once('data', () => resolve());
      this.proc.once('error', reject);
    });
    this.done = new Promise((resolve) => this.proc.once('close', (c) => resolve(c)));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  async go(): Promise<void> {
    this.proc.stdin.end('go\n');
    expect(await this.done).toBe(0);
  }
}

/** The file offset of a dynamic symbol, from readelf's symbols and LOAD segments. */
function symbolFileOffset(path: string, name: string): number {
  const syms = execFileSync('readelf', ['-sW', '--dyn-syms', path], { encoding: 'utf8' });
  const sym = syms.split('\n').find((l) => l.trim().split(/\s+/)[7]?.replace(/@.*/, '') === name);
  if (!sym) throw new Error(`${name} not found in ${path}`);
  const vaddr = parseInt(sym.trim().split(/\s+/)[1]!, 16);
  const phdrs = execFileSync('readelf', ['-lW', path], { encoding: 'utf8' });
  for (const l of phdrs.split('\n')) {
    const f = l.trim().split(/\s+/);
    if (f[0] !== 'LOAD') continue;
    const [off, va, , , memsz] = f.slice(1, 6).map((x) => parseInt(x, 16));
    if (vaddr >= va! && vaddr < va! + memsz!) return vaddr - va! + off!;
  }
  throw new Error(`${name} is in no LOAD segment of ${path}`);
}

/** BPF program and link ids held by a process, from /proc/<pid>/fdinfo. */
function ownedIds(pid: number): { progs: number[]; links: number[] } {
  const progs = new Set<number>();
  const links = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let info = '';
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    const prog = /^prog_id:\s*(\d+)/m.exec(info);
    const link = /^link_id:\s*(\d+)/m.exec(info);
    if (prog) progs.add(Number(prog[1]));
    if (link) links.add(Number(link[1]));
  }
  return { progs: [...progs], links: [...links] };
}

/** How many perf events a process holds open. */
function perfEventFds(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:[perf_event]') n++;
    } catch {
      // Closed meanwhile.
    }
  }
  return n;
}

function bpftoolIds(what: 'prog' | 'link'): Set<number> {
  const out = execFileSync('bpftool', ['-j', what, 'show'], { encoding: 'utf8' });
  return new Set((JSON.parse(out || '[]') as { id: number }[]).map((x) => x.id));
}

/** Waits (closing perf events can take an RCU grace period) until none is left. */
async function expectAllGone(ids: { progs: number[]; links: number[] }): Promise<void> {
  const left = (): number[] => {
    const progs = bpftoolIds('prog');
    const links = bpftoolIds('link');
    return [...ids.progs.filter((i) => progs.has(i)), ...ids.links.filter((i) => links.has(i))];
  };
  await waitFor(() => left().length === 0, 5000);
  expect(left()).toEqual([]);
}

describe.skipIf(SKIP !== null)(`loader helper end to end${SKIP ? ` (SKIPPED: ${SKIP})` : ''}`, () => {
  let dir = '';
  let object = '';
  let badObject = '';
  const loaders: Loader[] = [];
  const children: Child[] = [];

  beforeAll(() => {
    execFileSync('make', ['-s', '-C', join(ROOT, 'native/loader')], { stdio: 'inherit' });
    dir = mkdtempSync(join(tmpdir(), 'bpfscript-loader-e2e-'));
    object = join(dir, 'loader-test.bpf.o');
    badObject = join(dir, 'loader-test-bad.bpf.o');
    const cc = ['-g', '-O2', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I/usr/include/x86_64-linux-gnu', '-c'];
    execFileSync('clang', [...cc, FIXTURE, '-o', object]);
    execFileSync('clang', [...cc, '-DLOADER_TEST_BAD', FIXTURE, '-o', badObject]);
    if (!existsSync('/sys/kernel/tracing/events')) {
      spawnSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing']);
    }
  });

  afterEach(async () => {
    for (const c of children.splice(0)) c.proc.kill('SIGKILL');
    for (const l of loaders.splice(0)) await l.quit();
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function start(): Loader {
    const l = new Loader({ path: HELPER, stderr: 'pipe' });
    loaders.push(l);
    return l;
  }

  /** A loader with the object loaded, counting only `child`. */
  async function loaded(child: Child): Promise<Loader> {
    await child.ready;
    const l = start();
    await l.open(object);
    await l.set('rt_cpid', u64le(child.pid));
    await l.load();
    return l;
  }

  function child(calls: number): Child {
    const c = new Child(calls);
    children.push(c);
    return c;
  }

  it('runs BEGIN once and delivers its record before the reply', async () => {
    const l = await loaded(child(0));
    const records: Buffer[] = [];
    l.onEvents((rs) => records.push(...rs.map((r) => Buffer.from(r))));
    expect(await l.run('probe_0')).toBe(0);
    expect(records).toHaveLength(1);
    expect(records[0]!.readUInt32LE(0)).toBe(0);
    // A test run executes in the helper's own context.
    expect(Number(records[0]!.readBigUInt64LE(8) >> 32n)).toBe(l.pid);
  });

  it('counts a tracepoint exactly and streams its events without a drain', async () => {
    const N = 100_000;
    const c = child(N);
    const l = await loaded(c);
    let events = 0;
    let wrong = 0;
    l.onEvents((rs) => {
      for (const r of rs) {
        if (r.length !== 16 || r.readUInt32LE(0) !== 1 || r.readBigUInt64LE(8) !== BigInt(TP_COOKIE)) wrong++;
        else events++;
      }
    });
    const spec = { kind: 'tracepoint', category: 'syscalls', name: 'sys_enter_getppid', cookie: TP_COOKIE } as const;
    expect(await l.attach('lt_getppid', spec)).toBe(1);
    await c.go();
    // No drain: the helper's 1 ms timer must deliver every record by itself.
    await waitFor(() => events + wrong >= N, 5000);
    expect({ events, wrong }).toEqual({ events: N, wrong: 0 });
    expect(await slot(l, SLOT_TP)).toBe(BigInt(N));

    const possible = cpuList('/sys/devices/system/cpu/possible');
    const calls = await l.dump('calls');
    expect([calls.keySize, calls.valueSize, calls.ncpus]).toEqual([4, 8, 1]);
    expect(calls.entries.map((e) => [e.key.readUInt32LE(0), e.value.readBigUInt64LE(0)])).toEqual([[c.pid, BigInt(N)]]);
    const pcpu: MapDump = await l.dump('pcpu_calls');
    expect([pcpu.keySize, pcpu.valueSize, pcpu.ncpus, pcpu.entries.length]).toEqual([4, 8 * possible, possible, 1]);
    expect(sumCpus(pcpu.entries[0]!.value, possible)).toBe(BigInt(N));
    expect(await l.detach('lt_getppid')).toBe(1);
    expect(await l.detach('lt_getppid')).toBe(0);
  });

  it('zeroes and clears hash and array maps', async () => {
    const c = child(10);
    const l = await loaded(c);
    await l.attach('lt_getppid', { kind: 'tracepoint', category: 'syscalls', name: 'sys_enter_getppid', cookie: 0 });
    await c.go();
    await l.drain();
    expect(await l.zero('calls')).toBe(1);
    const zeroed = await l.dump('calls');
    expect(zeroed.entries.map((e) => [e.key.readUInt32LE(0), e.value.readBigUInt64LE(0)])).toEqual([[c.pid, 0n]]);
    expect(await l.clear('calls')).toBe(1);
    expect((await l.dump('calls')).entries).toEqual([]);
    expect(await l.clear('pcpu_calls')).toBe(1);
    expect((await l.dump('pcpu_calls')).entries).toEqual([]);
    expect(await slot(l, SLOT_TP)).toBe(10n);
    // An array keeps its indexes: clearing zeroes every value.
    expect(await l.clear('counters')).toBe(8);
    const counters = await l.dump('counters');
    expect(counters.entries.map((e) => e.key.readUInt32LE(0))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(counters.entries.every((e) => sumCpus(e.value, counters.ncpus) === 0n)).toBe(true);
  });

  it('passes a cookie to a raw tracepoint', async () => {
    const c = child(300);
    const l = await loaded(c);
    expect(await l.attach('lt_sys_enter', { kind: 'raw_tracepoint', name: 'sys_enter', cookie: COOKIE_RAW_TP })).toBe(1);
    await c.go();
    expect(await slot(l, COOKIE_RAW_TP)).toBe(300n);
  });

  it.skipIf(!HAS_READELF)('attaches a uprobe and a uretprobe by file offset, with cookies', async () => {
    const c = child(200);
    await c.ready;
    const maps = readFileSync(`/proc/${c.pid}/maps`, 'utf8');
    const libc = /\s(\/\S*\/libc\.so\.6)$/m.exec(maps)?.[1];
    expect(libc).toBeDefined();
    const offset = symbolFileOffset(libc!, 'getppid');
    const l = await loaded(c);
    const base = { kind: 'uprobe', path: libc!, offset, pid: -1 } as const;
    expect(await l.attach('lt_uprobe', { ...base, ret: false, cookie: COOKIE_UPROBE })).toBe(1);
    expect(await l.attach('lt_uprobe', { ...base, ret: true, cookie: COOKIE_URETPROBE })).toBe(1);
    await c.go();
    expect([await slot(l, COOKIE_UPROBE), await slot(l, COOKIE_URETPROBE)]).toEqual([200n, 200n]);
  });

  it.skipIf(!HAS_READELF)('prepares uprobes before open: each attach links the prepared perf event', async () => {
    const c = child(150);
    await c.ready;
    const libc = /\s(\/\S*\/libc\.so\.6)$/m.exec(readFileSync(`/proc/${c.pid}/maps`, 'utf8'))?.[1];
    expect(libc).toBeDefined();
    const base = { kind: 'uprobe', path: libc!, offset: symbolFileOffset(libc!, 'getppid'), pid: -1 } as const;
    const l = start();
    await l.prepare({ ...base, ret: false, cookie: 0 });
    await l.prepare({ ...base, ret: true, cookie: 0 });
    // One more that no attach takes: the helper closes it at quit.
    await l.prepare({ ...base, ret: false, cookie: 0 });
    await l.open(object);
    await l.set('rt_cpid', u64le(c.pid));
    await l.load();
    expect(await l.attach('lt_uprobe', { ...base, ret: false, cookie: COOKIE_UPROBE })).toBe(1);
    expect(await l.attach('lt_uprobe', { ...base, ret: true, cookie: COOKIE_URETPROBE })).toBe(1);
    // Three perf events in all: had the attaches made their own, there would be five.
    // The worker may still be opening the third (untaken) one: wait for it, then settle.
    await waitFor(() => perfEventFds(l.pid!) >= 3, 5000);
    await new Promise((r) => setTimeout(r, 50));
    expect(perfEventFds(l.pid!)).toBe(3);
    await c.go();
    expect([await slot(l, COOKIE_UPROBE), await slot(l, COOKIE_URETPROBE)]).toEqual([150n, 150n]);
  });

  it('set <global> start writes when the helper started (CLOCK_MONOTONIC ns)', async () => {
    const before = process.hrtime.bigint();
    const l = start();
    const records: Buffer[] = [];
    l.onEvents((rs) => records.push(...rs.map((r) => Buffer.from(r))));
    await l.open(object);
    await new Promise((r) => setTimeout(r, 50));
    await l.setStart('rt_start_ns');
    // Not the time of the set: 50 ms earlier at least.
    const after = process.hrtime.bigint() - 50_000_000n;
    await l.load();
    await l.run('lt_start');
    expect(records.map((r) => r.readUInt32LE(0))).toEqual([5]);
    const ns = records[0]!.readBigUInt64LE(8);
    expect(ns >= before && ns <= after).toBe(true);
  });

  describe('plans (native/loader/plan.c)', () => {
    function withPlan(plan: string): Loader {
      const l = new Loader({ path: HELPER, stderr: 'pipe', plan });
      loaders.push(l);
      return l;
    }

    async function libcGetppid(c: Child): Promise<{ libc: string; spec: { kind: 'uprobe'; path: string; offset: number; ret: false; pid: -1 } }> {
      await c.ready;
      const libc = /\s(\/\S*\/libc\.so\.6)$/m.exec(readFileSync(`/proc/${c.pid}/maps`, 'utf8'))?.[1];
      expect(libc).toBeDefined();
      return { libc: libc!, spec: { kind: 'uprobe', path: libc!, offset: symbolFileOffset(libc!, 'getppid'), ret: false, pid: -1 } };
    }

    /** Programs held and perf events open, once the helper has done what it will before any command. */
    async function ahead(l: Loader, perf: number): Promise<{ progs: number[] }> {
      expect(await waitFor(() => ownedIds(l.pid!).progs.length > 0 && perfEventFds(l.pid!) === perf, 5000)).toBe(true);
      return { progs: ownedIds(l.pid!).progs.sort((a, b) => a - b) };
    }

    it.skipIf(!HAS_READELF)('the next helper does the saved commands before they come; the same commands get its answers', async () => {
      const c = child(120);
      const { libc, spec } = await libcGetppid(c);
      const plan = join(dir, 'plan-round-trip');
      const first = withPlan(plan);
      await first.prepare({ ...spec, cookie: 0 });
      await first.open(object);
      await first.set('rt_cpid', u64le(c.pid));
      await first.load();
      expect(await first.attach('lt_uprobe', { ...spec, cookie: COOKIE_UPROBE })).toBe(1);
      first.savePlan();
      const st = statSync(libc, { bigint: true });
      expect(readFileSync(plan, 'utf8')).toBe(
        [
          'bpfscript-plan 2',
          `boot ${bootId()}`,
          `check ${libc} ${st.dev} ${st.ino} ${st.size} ${st.mtimeNs}`,
          `prepare uprobe ${libc} ${spec.offset} 0 -1`,
          `open ${object}`,
          `set rt_cpid ${u64hex(c.pid)}`,
          'load',
          '',
        ].join('\n'),
      );
      expect(statSync(plan).mode & 0o777).toBe(0o600);
      await first.quit();

      const second = withPlan(plan);
      // Before any command: the object is loaded and the uprobe's perf event is open.
      const before = await ahead(second, 1);
      await second.prepare({ ...spec, cookie: 0 });
      await second.open(object);
      await second.set('rt_cpid', u64le(c.pid));
      await second.load();
      expect(await second.attach('lt_uprobe', { ...spec, cookie: COOKIE_UPROBE })).toBe(1);
      // The same programs (nothing loaded again) and the prepared perf event (no second one).
      expect(ownedIds(second.pid!).progs.sort((a, b) => a - b)).toEqual(before.progs);
      expect(perfEventFds(second.pid!)).toBe(1);
      await c.go();
      expect(await slot(second, COOKIE_UPROBE)).toBe(120n);
    });

    it.skipIf(!HAS_READELF)('a command that differs ends the plan: its rest is undone, the commands before it done again', async () => {
      const c = child(80);
      const { libc, spec } = await libcGetppid(c);
      const plan = join(dir, 'plan-differs');
      writeFileSync(plan, ['bpfscript-plan 2', `boot ${bootId()}`, `prepare uprobe ${libc} ${spec.offset} 0 -1`, `open ${object}`, `set rt_cpid ${u64hex(1)}`, 'load', ''].join('\n'), { mode: 0o600 });
      const l = withPlan(plan);
      const before = await ahead(l, 1);
      await l.open(object);
      await l.set('rt_cpid', u64le(c.pid));
      await l.load();
      expect(await l.attach('lt_getppid', { kind: 'tracepoint', category: 'syscalls', name: 'sys_enter_getppid', cookie: 0 })).toBe(1);
      // Loaded again (new programs); the prepared uprobe nobody asked for is gone: one perf
      // event left, the tracepoint's.
      expect(ownedIds(l.pid!).progs.some((id) => before.progs.includes(id))).toBe(false);
      await waitFor(() => perfEventFds(l.pid!) === 1, 5000);
      await new Promise((r) => setTimeout(r, 50));
      expect(perfEventFds(l.pid!)).toBe(1);
      // The object was opened again and given this run's rt_cpid: every call is counted.
      await c.go();
      expect(await slot(l, SLOT_TP)).toBe(80n);
    });

    it('a plan is not used when a checked file changed, it is of another boot or version, a command in it failed, or others may write it', async () => {
      const good = ['bpfscript-plan 2', `boot ${bootId()}`, `open ${object}`, 'load', ''];
      const cases: [string, string[], number][] = [
        ['plan-changed', [...good.slice(0, 2), `check ${object} 1 2 3 4`, ...good.slice(2)], 0o600],
        ['plan-other-boot', ['bpfscript-plan 2', 'boot 00000000-0000-0000-0000-000000000000', ...good.slice(2)], 0o600],
        ['plan-without-boot', ['bpfscript-plan 2', ...good.slice(2)], 0o600],
        ['plan-version-1', ['bpfscript-plan 1', ...good.slice(1)], 0o600],
        ['plan-failed', [...good.slice(0, 2), `open ${dir}/no-such.o`, 'load', ''], 0o600],
        ['plan-writable', good, 0o666],
      ];
      const used = join(dir, 'plan-used');
      writeFileSync(used, good.join('\n'), { mode: 0o600 });
      const control = withPlan(used);
      const plans = cases.map(([name, lines, mode]) => {
        const p = join(dir, name);
        writeFileSync(p, lines.join('\n'));
        chmodSync(p, mode);
        return withPlan(p);
      });
      // The control helper, started with them, does its plan.
      await ahead(control, 0);
      await new Promise((r) => setTimeout(r, 100));
      for (const l of plans) expect(ownedIds(l.pid!).progs).toEqual([]);
      // The failed open is not answered from the plan: the command is done when it comes.
      await expect(plans[4]!.open(`${dir}/no-such.o`)).rejects.toThrow(/no-such\.o: No such file or directory/);
      for (const l of plans) {
        if (l === plans[4]) continue;
        await l.open(object);
        await l.load();
        expect(ownedIds(l.pid!).progs.length).toBeGreaterThan(0);
      }
    });
  });

  it('a prepare that failed leaves the attach, and its error, to libbpf', async () => {
    const l = await loaded(child(0));
    const spec = { kind: 'uprobe', path: '/no/such/binary', offset: 16, ret: false, pid: -1, cookie: 1 } as const;
    await l.prepare(spec);
    await expect(l.attach('lt_uprobe', spec)).rejects.toThrow('uprobe /no/such/binary:0x10: No such file or directory');
    await expect(l.attach('lt_uprobe', spec)).rejects.toThrow('uprobe /no/such/binary:0x10: No such file or directory');
  });

  it('opens one perf event per online CPU for "all" and one for "one"', async () => {
    const l = await loaded(child(0));
    const online = cpuList('/sys/devices/system/cpu/online');
    const perf = { kind: 'perf', type: PERF_SOFTWARE, config: CPU_CLOCK, period: 1_000_000, freq: false, pid: -1, cookie: 0 } as const;
    expect(await l.attach('lt_tick', { ...perf, cpus: 'all' })).toBe(online);
    expect(await l.attach('lt_tick', { ...perf, cpus: 'one' })).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(await slot(l, SLOT_PERF)).toBeGreaterThan(0n);
    expect(await l.detach('all')).toBe(online + 1);
  });

  it('explains a tracepoint that does not exist', async () => {
    const l = await loaded(child(0));
    const spec = { kind: 'tracepoint', category: 'syscalls', name: 'sys_enter_nonexistent', cookie: 0 } as const;
    const err = await l.attach('lt_getppid', spec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AttachError);
    expect(err).toMatchObject({
      status: -2,
      prog: 'lt_getppid',
      reason: 'tracepoint syscalls:sys_enter_nonexistent: No such file or directory',
    });
  });

  it('explains a kprobe this kernel cannot attach', async () => {
    const kprobes =
      existsSync('/sys/bus/event_source/devices/kprobe/type') || existsSync('/sys/kernel/tracing/kprobe_events');
    const l = await loaded(child(0));
    const spec = { kind: 'kprobe', func: 'vfs_read', offset: 0, ret: false, cookie: 0 } as const;
    if (kprobes) {
      expect(await l.attach('lt_kprobe', spec)).toBe(1);
    } else {
      await expect(l.attach('lt_kprobe', spec)).rejects.toMatchObject({
        name: 'AttachError',
        reason: 'kprobe vfs_read: the kernel has no kprobe support (CONFIG_KPROBES)',
      });
    }
  });

  it('returns the verifier log of a rejected program', async () => {
    const l = start();
    await l.open(badObject);
    const err = await l.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadError);
    const e = err as LoadError;
    expect(e.prog).toBe('lt_bad');
    expect(e.status).toBe(-13);
    expect(e.log).toContain("R0 invalid mem access 'map_value_or_null'");
    // BTF line info: the source line the verifier stopped at.
    expect(e.log).toMatch(/; return \*v; @ loader-test\.bpf\.c:\d+/);
  });

  it.skipIf(!HAS_BPFTOOL)('leaves no program or link behind after quit', async () => {
    const c = child(0);
    const l = await loaded(c);
    await l.attach('lt_getppid', { kind: 'tracepoint', category: 'syscalls', name: 'sys_enter_getppid', cookie: 0 });
    await l.attach('lt_sys_enter', { kind: 'raw_tracepoint', name: 'sys_enter', cookie: 1 });
    const ids = ownedIds(l.pid!);
    expect(ids.progs.length).toBeGreaterThanOrEqual(6);
    expect(ids.links.length).toBe(2);
    const exit = await l.quit();
    expect(exit).toMatchObject({ code: 0, signal: null });
    await expectAllGone(ids);
  });

  // The runtime may die without a word: the helper must still detach everything.
  it.skipIf(!HAS_BPFTOOL).each([
    ['end of stdin', 'eof', { code: 0, signal: null }],
    ['SIGTERM', 'SIGTERM', { code: 143, signal: null }],
    ['SIGKILL (the kernel cleans up)', 'SIGKILL', { code: null, signal: 'SIGKILL' }],
  ] as const)('detaches everything on %s', async (_name, how, expected) => {
    const proc = spawn(HELPER, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const replies: [number, number, string][] = [];
    const parser = new FrameParser({
      events: () => {},
      reply: (seq, status, message) => replies.push([seq, status, message]),
      map: () => {},
    });
    proc.stdout.on('data', (chunk: Buffer) => parser.push(chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('close', (code, signal) => resolve({ code, signal })),
    );
    proc.stdin.write(
      [
        `1 open ${object.replace(/%/g, '%25').replace(/ /g, '%20')}`,
        '2 load',
        '3 attach lt_getppid tracepoint syscalls sys_enter_getppid 0',
        `4 attach lt_tick perf ${PERF_SOFTWARE} ${CPU_CLOCK} 1000000 0 one -1 0`,
        '',
      ].join('\n'),
    );
    await waitFor(() => replies.length === 4, 5000);
    expect(replies).toEqual([
      [1, 0, ''],
      [2, 0, ''],
      [3, 0, '1'],
      [4, 0, '1'],
    ]);
    const ids = ownedIds(proc.pid!);
    expect(ids.links.length).toBe(2);
    if (how === 'eof') proc.stdin.end();
    else proc.kill(how);
    expect(await exited).toEqual(expected);
    await expectAllGone(ids);
  });
});
