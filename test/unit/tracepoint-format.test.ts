// Tracepoint format parsing, field types, the generated record struct and the -lv text:
// on format files copied from this machine's tracefs (test/unit/fixtures/btf), on a
// synthetic one with the odd cases, and on the live tracefs against bpftrace 0.17 and
// clang. Live checks skip, saying why, without tracefs, bpftrace or clang.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCharArray } from '../../src/btf/btf.js';
import { TRACEFS_PATH, tracefsRoot } from '../../src/btf/tracefs.js';
import {
  dataLocAddressC,
  describeTracepoint,
  fieldTy,
  listTracepoints,
  parseAvailableEvents,
  parseTracepointFormat,
  readTracepointFormat,
  tracepointExists,
  tracepointStructC,
  tracepointStructName,
  type TracepointFormat,
} from '../../src/btf/tracepoint-format.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'btf');

function fixture(category: string, name: string): TracepointFormat {
  return parseTracepointFormat(readFileSync(join(FIXTURES, `${category}.${name}.format`), 'utf8'), category, name);
}

function liveTracefs(): string | null {
  try {
    return tracefsRoot();
  } catch {
    return null;
  }
}

const TRACEFS = liveTracefs();
const HAVE_BPFTRACE = spawnSync('bpftrace', ['--version']).status === 0;
const HAVE_CLANG = spawnSync('clang', ['--version']).status === 0;
const NO_TRACEFS = TRACEFS ? '' : ` [SKIPPED: tracefs is not available at ${TRACEFS_PATH}]`;
const NO_BPFTRACE = HAVE_BPFTRACE ? '' : ' [SKIPPED: bpftrace is not installed]';
const NO_CLANG = HAVE_CLANG ? '' : ' [SKIPPED: clang is not installed]';

const CLANG_BPF = ['-O2', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I/usr/include/x86_64-linux-gnu', '-c'];

/** Compile C text for BPF; returns clang's stderr ('' when it compiled). */
function clangBpf(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscript-tp-'));
  try {
    writeFileSync(join(dir, 'x.bpf.c'), text);
    const r = spawnSync('clang', [...CLANG_BPF, join(dir, 'x.bpf.c'), '-o', join(dir, 'x.o')], { encoding: 'utf8' });
    return r.status === 0 ? '' : r.stderr || `clang exited with ${r.status}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('parsing format files', () => {
  it('reads syscalls:sys_enter_openat: id, common fields, offsets and sizes', () => {
    const f = fixture('syscalls', 'sys_enter_openat');
    expect(f.id).toBe(782);
    expect(f.fields.map((x) => [x.name, x.type, x.offset, x.size, x.signed, x.common])).toEqual([
      ['common_type', 'unsigned short', 0, 2, false, true],
      ['common_flags', 'unsigned char', 2, 1, false, true],
      ['common_preempt_count', 'unsigned char', 3, 1, false, true],
      ['common_pid', 'int', 4, 4, true, true],
      ['__syscall_nr', 'int', 8, 4, true, false],
      ['dfd', 'int', 16, 8, false, false],
      ['filename', 'const char *', 24, 8, false, false],
      ['flags', 'int', 32, 8, false, false],
      ['mode', 'umode_t', 40, 8, false, false],
    ]);
    expect(f.fields.every((x) => x.user)).toBe(true);
  });

  it('reads arrays (raw_syscalls:sys_enter `unsigned long args[6]`)', () => {
    const f = fixture('raw_syscalls', 'sys_enter');
    const args = f.fields.find((x) => x.name === 'args')!;
    expect(args).toMatchObject({ type: 'unsigned long', decl: 'unsigned long args[6]', offset: 16, size: 48, arrayLen: 6, dataLoc: false, user: false });
  });

  it('reads __data_loc fields (sched:sched_process_exec filename)', () => {
    const f = fixture('sched', 'sched_process_exec');
    expect(f.fields.find((x) => x.name === 'filename')).toMatchObject({
      type: 'char',
      decl: '__data_loc char[] filename',
      offset: 8,
      size: 4,
      arrayLen: null,
      dataLoc: true,
    });
  });

  it('derives array lengths given as macros, and reads flexible arrays', () => {
    const f = fixture('test', 'synthetic');
    expect(f.fields.find((x) => x.name === 'comm')!.arrayLen).toBe(16);
    expect(f.fields.find((x) => x.name === 'args')!.arrayLen).toBe(0);
  });

  it('rejects text that is not a format file', () => {
    expect(() => parseTracepointFormat('hello', 'a', 'b')).toThrow(/no ID/);
  });

  it('sorts available_events bytewise, like bpftrace -l', () => {
    expect(parseAvailableEvents('sched:sched_switch\nalarmtimer:b\nsched:sched_process_exec\n\n')).toEqual([
      { category: 'alarmtimer', name: 'b' },
      { category: 'sched', name: 'sched_process_exec' },
      { category: 'sched', name: 'sched_switch' },
    ]);
  });
});

const INT8 = { k: 'int', bits: 8, signed: true };
const CHAR_PTR_USER = { k: 'ptr', to: 'char', pointee: INT8, user: true };

describe('field types (what args->x is, as bpftrace 0.17 types it)', () => {
  it.each([
    ['syscalls', 'sys_enter_openat', '__syscall_nr', { k: 'int', bits: 32, signed: true }],
    // Syscall args are 8-byte slots: `int dfd` is int64 (bpftrace agrees), sign from C.
    ['syscalls', 'sys_enter_openat', 'dfd', { k: 'int', bits: 64, signed: true }],
    ['syscalls', 'sys_enter_openat', 'filename', CHAR_PTR_USER],
    ['syscalls', 'sys_enter_openat', 'mode', { k: 'int', bits: 64, signed: false }],
    ['syscalls', 'sys_enter_execve', 'argv', { k: 'ptr', to: 'char *', pointee: CHAR_PTR_USER, user: true }],
    ['raw_syscalls', 'sys_enter', 'id', { k: 'int', bits: 64, signed: true }],
    ['raw_syscalls', 'sys_enter', 'args', { k: 'array', elem: { k: 'int', bits: 64, signed: false }, len: 6 }],
    ['sched', 'sched_switch', 'prev_comm', { k: 'array', elem: INT8, len: 16 }],
    ['sched', 'sched_switch', 'prev_pid', { k: 'int', bits: 32, signed: true }],
    ['sched', 'sched_switch', 'prev_state', { k: 'int', bits: 64, signed: true }],
    ['sched', 'sched_process_exec', 'filename', { k: 'ptr', to: 'char', pointee: INT8, user: false }],
    ['test', 'synthetic', 'fast', { k: 'int', bits: 8, signed: false }],
    ['test', 'synthetic', 'mac', { k: 'array', elem: { k: 'int', bits: 8, signed: false }, len: 6 }],
    ['test', 'synthetic', 'ino', { k: 'int', bits: 64, signed: false }],
    ['test', 'synthetic', 'clock', { k: 'int', bits: 32, signed: true }],
    ['test', 'synthetic', 'addrs', { k: 'ptr', to: 'unsigned long long', pointee: { k: 'int', bits: 64, signed: false }, user: false }],
    ['test', 'synthetic', 'addr', { k: 'ptr', to: 'struct sockaddr', pointee: null, user: false }],
    ['test', 'synthetic', 'data', { k: 'ptr', to: 'void', pointee: { k: 'void' }, user: false }],
    ['test', 'synthetic', 'set', { k: 'ptr', to: 'void', pointee: null, user: false }],
    ['test', 'synthetic', 'args', { k: 'array', elem: { k: 'int', bits: 64, signed: false }, len: 0 }],
  ])('%s:%s %s', (category, name, field, ty) => {
    expect(fieldTy(fixture(category, name).fields.find((x) => x.name === field)!)).toEqual(ty);
  });

  it('treats char arrays, not byte arrays, as strings', () => {
    const syn = fixture('test', 'synthetic');
    expect(isCharArray(fieldTy(syn.fields.find((x) => x.name === 'comm')!))).toBe(true);
    expect(isCharArray(fieldTy(syn.fields.find((x) => x.name === 'mac')!))).toBe(false);
  });
});

describe('the record struct for generated C', () => {
  it('lays out sys_enter_openat with explicit padding and offset checks', () => {
    expect(tracepointStructC(fixture('syscalls', 'sys_enter_openat'))).toBe(
      [
        'struct tp_syscalls_sys_enter_openat {',
        '\t__u64 __common;',
        '\tint __syscall_nr;',
        '\tchar __pad_12[4];',
        '\t__s64 dfd;',
        '\tchar *filename;',
        '\t__s64 flags;',
        '\t__u64 mode;',
        '};',
        '_Static_assert(__builtin_offsetof(struct tp_syscalls_sys_enter_openat, __syscall_nr) == 8, "syscalls:sys_enter_openat __syscall_nr");',
        '_Static_assert(__builtin_offsetof(struct tp_syscalls_sys_enter_openat, dfd) == 16, "syscalls:sys_enter_openat dfd");',
        '_Static_assert(__builtin_offsetof(struct tp_syscalls_sys_enter_openat, filename) == 24, "syscalls:sys_enter_openat filename");',
        '_Static_assert(__builtin_offsetof(struct tp_syscalls_sys_enter_openat, flags) == 32, "syscalls:sys_enter_openat flags");',
        '_Static_assert(__builtin_offsetof(struct tp_syscalls_sys_enter_openat, mode) == 40, "syscalls:sys_enter_openat mode");',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['sched', 'sched_switch', ['\tchar prev_comm[16];', '\t__s32 prev_pid;', '\tlong prev_state;']],
    ['sched', 'sched_process_exec', ['\t__u32 filename;']],
    ['raw_syscalls', 'sys_enter', ['\tlong id;', '\tunsigned long args[6];']],
    ['syscalls', 'sys_enter_execve', ['\tchar **argv;']],
    ['test', 'synthetic', ['\t__u64 ino __attribute__((packed));', '\tchar __pad_39[1];', '\tunsigned long args[0];', '\tvoid *set;']],
  ])('%s:%s has the expected members', (category, name, lines) => {
    const text = tracepointStructC(fixture(category, name));
    for (const l of lines) expect(text.split('\n')).toContain(l);
  });

  it.skipIf(!HAVE_CLANG)(`compiles for BPF with every offset assertion holding${NO_CLANG}`, () => {
    const structs = ['syscalls.sys_enter_openat', 'sched.sched_switch', 'sched.sched_process_exec', 'raw_syscalls.sys_enter', 'syscalls.sys_enter_execve', 'test.synthetic'].map(
      (n) => tracepointStructC(fixture(n.split('.')[0]!, n.split('.')[1]!)),
    );
    const exec = fixture('sched', 'sched_process_exec');
    const filename = exec.fields.find((f) => f.name === 'filename')!;
    const program = [
      '#include <linux/types.h>',
      ...structs,
      'int read_name(struct tp_sched_sched_process_exec *ctx, char *out)',
      '{',
      `\treturn *(char *)${dataLocAddressC('ctx', filename)};`,
      '}',
    ].join('\n');
    expect(clangBpf(program)).toBe('');
    // The assertions are real: a wrong offset is a compile error.
    expect(clangBpf(`#include <linux/types.h>\n${structs[0]!.replace('== 16', '== 20')}`)).toMatch(/static.assert/i);
  });

  it('names structs tp_<category>_<name> as C identifiers', () => {
    expect(tracepointStructName('syscalls', 'sys_enter_openat')).toBe('tp_syscalls_sys_enter_openat');
    expect(tracepointStructName('a-b', 'c.d')).toBe('tp_a_b_c_d');
    expect(dataLocAddressC('ctx', fixture('sched', 'sched_process_exec').fields[4]!)).toBe('((void *)(ctx) + ((ctx)->filename & 0xffff))');
    expect(() => dataLocAddressC('ctx', fixture('sched', 'sched_process_exec').fields[5]!)).toThrow(/not a __data_loc/);
  });
});

describe('-lv text', () => {
  it.each([
    ['syscalls', 'sys_enter_openat', 'tracepoint:syscalls:sys_enter_openat\n    int __syscall_nr\n    int dfd\n    const char * filename\n    int flags\n    umode_t mode\n'],
    ['raw_syscalls', 'sys_enter', 'tracepoint:raw_syscalls:sys_enter\n    long id\n    unsigned long args[6]\n'],
    ['sched', 'sched_process_exec', 'tracepoint:sched:sched_process_exec\n    __data_loc char[] filename\n    pid_t pid\n    pid_t old_pid\n'],
  ])('%s:%s', (category, name, text) => {
    expect(describeTracepoint(fixture(category, name))).toBe(text);
  });
});

describe(`the live tracefs${NO_TRACEFS}`, () => {
  it.skipIf(!TRACEFS)('lists tracepoints from available_events, sorted', () => {
    const all = listTracepoints();
    const lines = readFileSync(`${TRACEFS}/available_events`, 'utf8').split('\n').filter(Boolean);
    expect(all.length).toBe(lines.length);
    const names = all.map((t) => `${t.category}:${t.name}`);
    expect(names).toEqual([...names].sort());
    expect(names).toContain('syscalls:sys_enter_openat');
  });

  it.skipIf(!TRACEFS).each([
    ['syscalls', 'sys_enter_openat', true],
    ['sched', 'sched_switch', true],
    ['sched', 'no_such_event', false],
    ['..', 'sched', false],
    ['sched/../sched', 'sched_switch', false],
  ])('tracepointExists(%s, %s) is %s', (category, name, exists) => {
    expect(tracepointExists(category, name)).toBe(exists);
  });

  it.skipIf(!TRACEFS)('reads the formats of the tracepoints the fixtures came from', () => {
    for (const [category, name, fields] of [
      ['syscalls', 'sys_enter_openat', ['__syscall_nr', 'dfd', 'filename', 'flags', 'mode']],
      ['raw_syscalls', 'sys_enter', ['id', 'args']],
      ['sched', 'sched_switch', ['prev_comm', 'prev_pid', 'prev_prio', 'prev_state', 'next_comm', 'next_pid', 'next_prio']],
    ] as const) {
      const live = readTracepointFormat(category, name)!;
      expect(live.fields.filter((f) => !f.common).map((f) => f.name)).toEqual(fields);
    }
    expect(readTracepointFormat('sched', 'no_such_event')).toBeUndefined();
  });

  it.skipIf(!TRACEFS || !HAVE_BPFTRACE)(`prints -lv for every tracepoint exactly as bpftrace 0.17${NO_BPFTRACE}`, () => {
    const theirs = execFileSync('bpftrace', ['-lv', 'tracepoint:*'], { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 28 });
    const ours = listTracepoints()
      .map((t) => readTracepointFormat(t.category, t.name))
      .filter((f): f is TracepointFormat => f !== undefined)
      .map(describeTracepoint)
      .join('');
    expect(ours.length).toBeGreaterThan(1000);
    expect(ours).toBe(theirs);
  });

  it.skipIf(!TRACEFS || !HAVE_CLANG)(`emits a record struct that compiles, offsets checked, for every tracepoint${NO_CLANG}`, () => {
    const structs = listTracepoints()
      .map((t) => readTracepointFormat(t.category, t.name))
      .filter((f): f is TracepointFormat => f !== undefined)
      .map(tracepointStructC);
    expect(structs.length).toBeGreaterThan(100);
    expect(clangBpf(['#include <linux/types.h>', ...structs].join('\n'))).toBe('');
  });
});
