// Minimal CO-RE declarations from this machine's BTF: the text emitted for a few field
// uses, its determinism, that clang compiles BPF programs reading fields through it
// (BPF_CORE_READ), and - as root - that the kernel loads such a program with every
// CO-RE relocation resolved to the offset the BTF reader computes.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vmlinuxBtf, VMLINUX_BTF_PATH, type Btf } from '../../src/btf/btf.js';
import { CDecls, emitCDecls, type FieldUse } from '../../src/btf/c-decls.js';

const HAVE_BTF = existsSync(VMLINUX_BTF_PATH);
const HAVE_CLANG = spawnSync('clang', ['--version']).status === 0;
const HAVE_BPFTOOL = spawnSync('bpftool', ['version']).status === 0;
const IS_ROOT = process.getuid?.() === 0;
const HAVE_BPFFS = existsSync('/sys/fs/bpf') && spawnSync('stat', ['-f', '-c', '%T', '/sys/fs/bpf'], { encoding: 'utf8' }).stdout.trim() === 'bpf_fs';
const NO_BTF = HAVE_BTF ? '' : ` [SKIPPED: ${VMLINUX_BTF_PATH} is missing]`;
const NO_CLANG = HAVE_CLANG ? '' : ' [SKIPPED: clang is not installed]';
const CANNOT_LOAD = !IS_ROOT
  ? ' [SKIPPED: loading BPF needs root]'
  : !HAVE_BPFTOOL
    ? ' [SKIPPED: bpftool is not installed]'
    : !HAVE_BPFFS
      ? ' [SKIPPED: /sys/fs/bpf is not a mounted bpffs]'
      : '';

const TASK_USES: FieldUse[] = [
  { struct: 'task_struct', path: ['parent', 'pid'] },
  { struct: 'task_struct', path: ['comm'] },
  { struct: 'task_struct', path: ['tgid'] },
];

/** A tracepoint program reading kernel memory through the declarations, CO-RE style. */
const PROGRAM = (decls: string) => `#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

${decls}
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} out SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int probe_0(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	char comm[16];
	__u32 k = 0;
	__u64 v = BPF_CORE_READ(task, parent, pid);

	BPF_CORE_READ_STR_INTO(&comm, task, comm);
	v += BPF_CORE_READ(task, tgid) + comm[0];
	v += BPF_CORE_READ(task, mm, exe_file, f_path.dentry, d_name.len);
	v += BPF_CORE_READ(task, se.vruntime);
	v += BPF_CORE_READ(task, usage.refs.counter);
	atomic_t *a = (atomic_t *)task;
	v += BPF_CORE_READ(a, counter);
	bpf_map_update_elem(&out, &k, &v, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
`;

const PROGRAM_USES: FieldUse[] = [
  ...TASK_USES,
  { struct: 'task_struct', path: ['mm', 'exe_file', 'f_path', 'dentry', 'd_name', 'len'] },
  { struct: 'task_struct', path: ['se', 'vruntime'] },
  { struct: 'task_struct', path: ['usage', 'refs', 'counter'] },
  { struct: 'atomic_t', path: ['counter'] },
];

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'bpfscript-cdecls-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** clang -g -O2 -target bpf ...; returns [stderr or '', object path]. */
function compile(dir: string, text: string): string {
  writeFileSync(join(dir, 'x.bpf.c'), text);
  const r = spawnSync(
    'clang',
    ['-g', '-O2', '-target', 'bpf', '-D__TARGET_ARCH_x86', '-I/usr/include/x86_64-linux-gnu', '-c', join(dir, 'x.bpf.c'), '-o', join(dir, 'x.o')],
    { encoding: 'utf8' },
  );
  return r.status === 0 ? '' : r.stderr || `clang exited with ${r.status}`;
}

describe(`CO-RE declarations from kernel BTF${NO_BTF}`, () => {
  const btf: Btf | null = HAVE_BTF ? vmlinuxBtf() : null;

  it.skipIf(!HAVE_BTF)('declares only the fields used, with forward declarations for the rest', () => {
    expect(emitCDecls(TASK_USES, btf!)).toBe(
      ['struct task_struct {', '\tint pid;', '\tint tgid;', '\tstruct task_struct *parent;', '\tchar comm[16];', '} __attribute__((preserve_access_index));', ''].join(
        '\n',
      ),
    );
    expect(emitCDecls([{ struct: 'task_struct', path: ['mm'] }], btf!)).toBe(
      'struct mm_struct;\n\nstruct task_struct {\n\tstruct mm_struct *mm;\n} __attribute__((preserve_access_index));\n',
    );
  });

  it.skipIf(!HAVE_BTF)('is deterministic whatever the order of the uses', () => {
    const forward = emitCDecls(PROGRAM_USES, btf!);
    const backward = emitCDecls([...PROGRAM_USES].reverse(), btf!);
    expect(backward).toBe(forward);
    // Structs held by value come before the struct holding them.
    expect(forward.indexOf('struct sched_entity {')).toBeLessThan(forward.indexOf('struct task_struct {'));
    expect(forward.indexOf('struct qstr {')).toBeLessThan(forward.indexOf('struct dentry {'));
  });

  it.skipIf(!HAVE_BTF).each([
    // Fields inside anonymous members are declared directly (libbpf finds them by name).
    [{ struct: 'mm_struct', path: ['exe_file'] }, 'struct mm_struct {\n\tstruct file *exe_file;\n}'],
    // A named field of anonymous struct type is defined inline with only what is used.
    [{ struct: 'refcount_struct', path: ['refs', 'counter'] }, 'struct refcount_struct {\n\tstruct {\n\t\tint counter;\n\t} __attribute__((preserve_access_index)) refs;\n}'],
    // Typedefs become plain C; enums become ints; function pointers become void *.
    [{ struct: 'sched_entity', path: ['vruntime'] }, 'struct sched_entity {\n\tlong long unsigned int vruntime;\n}'],
    [{ struct: 'perf_event', path: ['state'] }, 'struct perf_event {\n\tint state;\n}'],
    [{ struct: 'sk_buff', path: ['destructor'] }, 'struct sk_buff {\n\tvoid *destructor;\n}'],
    // Bitfields keep their width (BPF_CORE_READ_BITFIELD needs it).
    [{ struct: 'sk_buff', path: ['pkt_type'] }, 'struct sk_buff {\n\tunsigned char pkt_type: 3;\n}'],
  ])('%o', (use, text) => {
    expect(emitCDecls([use], btf!)).toContain(`${text} __attribute__((preserve_access_index));`);
  });

  it.skipIf(!HAVE_BTF)('emits a typedef for an anonymous struct used as a root', () => {
    expect(emitCDecls([{ struct: 'atomic_t', path: ['counter'] }], btf!)).toBe(
      'typedef struct {\n\tint counter;\n} __attribute__((preserve_access_index)) atomic_t;\n',
    );
    const d = new CDecls(btf!);
    expect(d.use('task_struct', [])).toBeUndefined();
    expect(d.isEmpty).toBe(true);
  });

  it.skipIf(!HAVE_BTF)('gives the same text for a path as for its steps one at a time (as the analyzer records them)', () => {
    // tty_port has `struct { ... u8 buf[0]; } xmit_fifo;`: a named member of anonymous type.
    const fifo = btf!.field(btf!.findStruct('tty_port')!.id, 'xmit_fifo')!;
    const anonName = (btf!.toTy(fifo.type) as { name: string }).name;
    expect(anonName).toMatch(/^struct #\d+$/);
    const steps: FieldUse[] = [
      { struct: 'task_struct', path: ['parent'] },
      { struct: 'task_struct', path: ['pid'] },
      { struct: 'tty_port', path: ['xmit_fifo'] },
      { struct: anonName.replace(/^struct /, ''), path: ['buf'] },
    ];
    const paths: FieldUse[] = [
      { struct: 'task_struct', path: ['parent', 'pid'] },
      { struct: 'tty_port', path: ['xmit_fifo', 'buf'] },
    ];
    expect(emitCDecls(steps, btf!)).toBe(emitCDecls(paths, btf!));
    expect(emitCDecls(paths, btf!)).toContain('struct tty_port {\n\tstruct {\n\t\tunsigned char buf[0];\n\t} __attribute__((preserve_access_index)) xmit_fifo;\n}');
  });

  it.skipIf(!HAVE_BTF)('reports unknown structs and fields without recording anything', () => {
    const d = new CDecls(btf!);
    expect(d.use('task_struct', ['no_such_field'])).toBeUndefined();
    expect(d.use('task_struct', ['pid', 'deeper'])).toBeUndefined(); // pid is not a struct
    expect(d.use('no_such_struct', ['x'])).toBeUndefined();
    expect(d.isEmpty).toBe(true);
    expect(d.emit()).toBe('');
    expect(d.use('task_struct', ['pid'])).toMatchObject({ name: 'pid', bitOffset: btf!.field(btf!.findStruct('task_struct')!.id, 'pid')!.bitOffset });
    expect(d.useStruct('pt_regs')?.name).toBe('pt_regs');
    expect(d.emit({ exclude: ['struct pt_regs'] })).not.toContain('pt_regs');
    expect(d.emit()).toContain('struct pt_regs {}');
  });

  it.skipIf(!HAVE_BTF || !HAVE_CLANG)(`compiles a program that reads fields with BPF_CORE_READ${NO_CLANG}`, () => {
    withTempDir((dir) => {
      expect(compile(dir, PROGRAM(emitCDecls(PROGRAM_USES, btf!)))).toBe('');
      // And the check is real: a field that was not declared does not compile.
      expect(compile(dir, PROGRAM(emitCDecls(TASK_USES, btf!)))).toMatch(/error/);
    });
  });

  it.skipIf(!HAVE_BTF || !HAVE_CLANG || CANNOT_LOAD !== '')(`loads into this kernel with every relocation resolved${CANNOT_LOAD}`, () => {
    withTempDir((dir) => {
      expect(compile(dir, PROGRAM(emitCDecls(PROGRAM_USES, btf!)))).toBe('');
      const pin = `/sys/fs/bpf/bpfscript_cdecls_test_${process.pid}`;
      let r;
      try {
        r = spawnSync('bpftool', ['-d', 'prog', 'load', join(dir, 'x.o'), pin], { encoding: 'utf8', timeout: 60_000 });
      } finally {
        rmSync(pin, { force: true });
      }
      expect(r.status, r.stderr.split('\n').slice(-20).join('\n')).toBe(0);
      // libbpf's debug log: "... matching candidate #0 <byte_off> [114] struct task_struct.parent (0:96 @ offset 1288)"
      const relocated = [...r.stderr.matchAll(/matching candidate #\d+ <byte_off> \[\d+\] (struct|union|typedef) (\w+)\.([\w.]+) \([\d:]+ @ offset (\d+)\)/g)];
      expect(relocated.length).toBeGreaterThanOrEqual(PROGRAM_USES.length);
      for (const [, kind, name, path, offset] of relocated) {
        const root = btf!.findStruct(kind === 'typedef' ? name! : `${kind} ${name}`)!;
        expect(btf!.offsetOf(root.id, path!.split('.'))!.bitOffset / 8, `${kind} ${name}.${path}`).toBe(Number(offset));
      }
      expect(r.stderr).not.toMatch(/failed to resolve CO-RE relocation/);
    });
  });
});
