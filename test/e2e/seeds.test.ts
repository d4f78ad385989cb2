// The bpftrace one-liners of the documents bpfscript was created from
// (../shared/seeds), run verbatim (typographic quotes of the web pages made ASCII):
// each either runs on this kernel, or (kprobes: not built into this kernel) fails with a
// message naming the missing feature. Listings (-l, -lv) print what bpftrace prints.

import { expect } from 'vitest';
import { describeE2E, itE2E, runCli } from './harness.js';

const RUNS: readonly { name: string; args: string[]; expect?: RegExp; missing?: RegExp }[] = [
  { name: 'execve filenames', args: ['-e', 'tracepoint:syscalls:sys_enter_execve { printf("%s %s\\n", comm, str(args->filename)); }', '-c', 'sh -c /bin/true'], expect: /sh \/bin\/true\n/ },
  { name: 'syscalls by comm', args: ['-e', 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }', '-c', 'true'], expect: /@\[true\]: \d+/ },
  {
    name: 'read latency hist',
    args: ['-e', ' tracepoint:syscalls:sys_enter_read { @start[tid] = nsecs; } tracepoint:syscalls:sys_exit_read { @us = hist((nsecs - @start[tid]) / 1000); delete(@start[tid]); }', '-c', 'head -c 100 /etc/passwd'],
    expect: /@us: \n\[/,
  },
  {
    name: 'execve with join (inside printf)',
    args: ['-e', 'tracepoint:syscalls:sys_enter_execve,\ntracepoint:syscalls:sys_enter_execveat {\n    printf("pid: %d, comm: %s, args: %s\\n", pid, comm, join(args->argv));\n}', '-c', 'sh -c "/bin/echo one two >/dev/null"'],
    expect: /comm: sh, args: \/bin\/echo one two\n/,
  },
  {
    name: 'openat of a named command',
    args: ['-e', 'tracepoint:syscalls:sys_enter_openat\n/comm == str($1)/\n{printf("%s (%d) -> %s\\n",comm,pid,str(args->filename))}', 'cat', '-c', 'cat /etc/hostname'],
    expect: /cat \(\d+\) -> \/etc\/hostname\n/,
  },
  {
    name: 'raw_syscalls openat with uptr',
    args: ['-e', 'tracepoint:raw_syscalls:sys_enter\n/(args->id == 257 || args->id == 437) && comm == str($1)/\n{printf("%s (%d) -> [%d] %s\\n",comm,pid,args->id,str(uptr(args->args[1])))}', 'cat', '-c', 'cat /etc/hostname'],
    expect: /cat \(\d+\) -> \[257\] \/etc\/hostname\n/,
  },
  {
    name: 'kprobe do_sys_openat2 (no kprobes in this kernel)',
    args: ['-e', 'kprobe:do_sys_openat2\n/comm == str($1)/\n{printf("%s (%d) -> %s\\n",comm,pid,str(uptr(arg1)))}', 'cat'],
    missing: /kprobe/,
  },
];

const LISTS: readonly { args: string[]; expect: RegExp }[] = [
  { args: ['-l', 'tracepoint:syscalls:*'], expect: /^tracepoint:syscalls:sys_enter_openat$/m },
  { args: ['-l', '*execve*'], expect: /^tracepoint:syscalls:sys_enter_execve$/m },
  { args: ['-lv', 'tracepoint:syscalls:sys_enter_execve'], expect: /^tracepoint:syscalls:sys_enter_execve\n    int __syscall_nr\n    const char \* filename\n/ },
  { args: ['-lv', 'tracepoint:syscalls:sys_enter_openat'], expect: /    int dfd\n    const char \* filename\n    int flags\n    umode_t mode\n/ },
  { args: ['-lv', 'tracepoint:raw_syscalls:*'], expect: /tracepoint:raw_syscalls:sys_enter\n    long id\n    unsigned long args\[6\]\n/ },
  { args: ['-lv', 'struct path'], expect: /^struct path \{\n\tstruct vfsmount \*mnt;\n\tstruct dentry \*dentry;\n\};/ },
  { args: ['-lv', 'kfunc:vfs_open'], expect: /^kfunc:vfs_open\n    const struct path \* path\n    struct file \* file\n    int retval\n/ },
];

describeE2E('seed one-liners', () => {
  itE2E.for(RUNS)('$name', async (c) => {
    const r = await runCli(c.args, { timeoutMs: 30_000 });
    expect(r.stderr).not.toMatch(/^\s+at /m);
    if (c.missing) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(c.missing);
      expect(r.stderr).toMatch(/no kprobe support|not supported/);
      return;
    }
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(c.expect!);
  }, 40_000);

  itE2E.for(LISTS)('bpfscript $args', async (c) => {
    const r = await runCli(c.args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(c.expect);
  });
});
