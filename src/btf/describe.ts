// `bpfscript -lv` text for kernel types and functions, byte for byte what bpftrace 0.17
// prints: `-lv "struct path"` gives the struct's C definition (libbpf btf_dump layout)
// and a blank line; `-lv kfunc:vfs_open` gives the probe name, then one 4-space
// indented line per argument (`<type> <name>`) and `<type> retval` unless it is void.
// Input: a Btf (the kernel's by default). Output: strings, or undefined when the
// kernel has no such type/function. Must not: print, or read BTF when not called.

import { vmlinuxBtf, type Btf } from './btf.js';
import { cAggregateDefinition, cDeclaration } from './c-declarator.js';

/** `struct path {\n\tstruct vfsmount *mnt;\n\tstruct dentry *dentry;\n};\n\n`, or undefined. */
export function describeStruct(name: string, btf: Btf = vmlinuxBtf()): string | undefined {
  const text = name.trim();
  // Only an explicit struct/union name or a bare tag; typedef names are not listed.
  const m = /^(?:(struct|union)\s+)?([A-Za-z_]\w*)$/.exec(text);
  if (!m) return undefined;
  const id = btf.find(m[2]!, m[1] ? [m[1] as 'struct' | 'union'] : ['struct', 'union']);
  if (id === undefined) return undefined;
  const t = btf.type(id);
  if (t.kind !== 'struct' && t.kind !== 'union') return undefined;
  return `${cAggregateDefinition(btf, t, 0)};\n\n`;
}

/** One `<type> <name>` line per argument, as bpftrace lists kfunc and tracepoint args. */
export interface ArgLine {
  readonly type: string;
  readonly name: string;
}

/** The arguments (and retval unless void) of a kernel function, as -lv kfunc lists them. */
export function kfuncArgs(func: string, btf: Btf = vmlinuxBtf()): ArgLine[] | undefined {
  const sig = btf.funcProto(func);
  if (!sig) return undefined;
  const lines = sig.params.map((p, i) => ({ type: cDeclaration(btf, p.type, '', 0), name: p.name || `arg${i}` }));
  if (btf.resolve(sig.ret) !== 0) lines.push({ type: cDeclaration(btf, sig.ret, '', 0), name: 'retval' });
  return lines;
}

/** `kfunc:vfs_open\n    const struct path * path\n    struct file * file\n    int retval\n`. */
export function describeKfunc(func: string, btf: Btf = vmlinuxBtf(), probeType = 'kfunc'): string | undefined {
  const args = kfuncArgs(func, btf);
  if (!args) return undefined;
  return `${probeType}:${func}\n` + args.map((a) => `    ${a.type} ${a.name}\n`).join('');
}
