// Builtin variables about the current task, CPU and probe: pid, tid, uid, gid, comm,
// cpu, cpid, curtask, rand, cgroup, numaid, ncpus, username, func, probe, arg0..argN,
// sarg0..sargN, retval. (Time builtins are in time.ts.)

import type { BuiltinVar, GenCtx } from './spec.js';
import type { Provider } from '../providers/providers.js';
import { U64, strTy, type Ty } from '../types/ty.js';

function u64Var(name: string, doc: string, c: string, extra: Partial<BuiltinVar> = {}): BuiltinVar {
  return { kind: 'var', name, doc, type: () => U64, emit: () => c, ...extra };
}

export const PROCESS_VARS: readonly BuiltinVar[] = [
  u64Var('pid', 'Process ID (kernel tgid) of the current task', 'rt_pid()'),
  u64Var('tid', 'Thread ID (kernel pid) of the current task', 'rt_tid()'),
  u64Var('uid', 'User ID of the current task', 'rt_uid()'),
  u64Var('gid', 'Group ID of the current task', 'rt_gid()'),
  u64Var('cpu', 'Processor ID the probe fired on', 'bpf_get_smp_processor_id()'),
  u64Var('cpid', 'PID of the child process started with -c', 'rt_cpid'),
  u64Var('cgroup', 'cgroup v2 ID of the current task', 'bpf_get_current_cgroup_id()'),
  u64Var('numaid', 'NUMA node of the CPU the probe fired on', 'bpf_get_numa_node_id()'),
  u64Var('rand', 'A pseudo-random 32-bit number', 'bpf_get_prandom_u32()'),
  u64Var('curtask', 'Pointer to the current task_struct', '(__u64)bpf_get_current_task()', {
    type: () => ({ k: 'ptr', to: 'struct task_struct', pointee: null, user: false }),
  }),
  u64Var('jiffies', 'Kernel jiffies', 'bpf_jiffies64()'),
  {
    kind: 'var',
    name: 'comm',
    doc: 'Name of the current task (16 bytes)',
    type: () => strTy(16),
    emitInto: (g: GenCtx, dst: string) => {
      g.w.ln(`bpf_get_current_comm(${dst}, 16);`);
    },
  },
  {
    kind: 'var',
    name: 'username',
    doc: 'User name of the current task (resolved in user space)',
    type: () => ({ k: 'username' }),
    emit: () => 'rt_uid()',
  },
  {
    kind: 'var',
    name: 'func',
    doc: 'Name of the function (or tracepoint) the probe is attached to',
    available: (p: Provider) => ['kprobe', 'kretprobe', 'uprobe', 'uretprobe', 'usdt', 'kfunc', 'kretfunc', 'tracepoint', 'rawtracepoint'].includes(p.kind),
    type: () => ({ k: 'func' }),
    emit: (g: GenCtx) => g.cookie(),
  },
  {
    kind: 'var',
    name: 'probe',
    doc: 'Full name of the probe that fired',
    type: () => ({ k: 'probe' }),
    emit: (g: GenCtx) => g.cookie(),
  },
  {
    kind: 'var',
    name: 'retval',
    doc: 'Return value of the traced function (kretprobe, uretprobe, kretfunc)',
    available: (p: Provider) => p.hasRetval,
    type: () => U64,
    emit: (g: GenCtx) => (g.provider.ctx === 'fentry' ? `${g.ctxName}[${g.funcArgCount()}]` : `PT_REGS_RC((struct pt_regs *)${g.ctxName})`),
  },
  u64Var('ncpus', 'Number of online CPUs', 'rt_ncpus'),
];

const ARG_REGS = ['PT_REGS_PARM1', 'PT_REGS_PARM2', 'PT_REGS_PARM3', 'PT_REGS_PARM4', 'PT_REGS_PARM5', 'PT_REGS_PARM6'];

/** arg0..argN: the Nth function argument (registers; USDT through libbpf's usdt.bpf.h). */
export function argVar(n: number): BuiltinVar {
  return {
    kind: 'var',
    name: `arg${n}`,
    doc: `Argument ${n} of the traced function`,
    available: (p: Provider) => p.hasArgN,
    type: (): Ty => U64,
    emit(g: GenCtx) {
      const k = g.provider.kind;
      if (k === 'usdt') {
        const t = g.tmp('uarg');
        g.w.ln(`long ${t} = 0;`);
        g.w.ln(`bpf_usdt_arg(${g.ctxName}, ${n}, &${t});`);
        return `(__u64)${t}`;
      }
      if (k === 'rawtracepoint') return `((struct bpf_raw_tracepoint_args *)${g.ctxName})->args[${n}]`;
      if (n < ARG_REGS.length) return `${ARG_REGS[n]}((struct pt_regs *)${g.ctxName})`;
      // Beyond the registers, x86-64 passes arguments on the stack above the return address.
      const t = g.tmp('sarg');
      g.w.ln(`__u64 ${t} = 0;`);
      g.w.ln(`bpf_probe_read_user(&${t}, 8, (void *)(PT_REGS_SP((struct pt_regs *)${g.ctxName}) + ${8 * (n - 6 + 1)}));`);
      return t;
    },
  };
}

/** sarg0..sargN: stack arguments (x86-64: above the return address). */
export function sargVar(n: number): BuiltinVar {
  return {
    kind: 'var',
    name: `sarg${n}`,
    doc: `Stack argument ${n} of the traced function`,
    providers: ['kprobe', 'uprobe'],
    type: () => U64,
    emit(g: GenCtx) {
      const t = g.tmp('sarg');
      const read = g.provider.kind === 'uprobe' ? 'bpf_probe_read_user' : 'bpf_probe_read_kernel';
      g.w.ln(`__u64 ${t} = 0;`);
      g.w.ln(`${read}(&${t}, 8, (void *)(PT_REGS_SP((struct pt_regs *)${g.ctxName}) + ${8 * (n + 1)}));`);
      return t;
    },
  };
}

