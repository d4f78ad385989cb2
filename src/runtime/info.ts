// --info: what this system offers bpfscript (kernel, BTF, tracefs, tools), like
// `bpftrace --info`, in plain words. Reads only files; loads nothing.

import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { hasBpfPrivileges } from './privileges.js';
import { helperStartedWithNode, loaderPath } from './loader.js';
import { pchPath } from './clang.js';

function yes(b: boolean): string {
  return b ? 'yes' : 'no';
}

function kconfig(name: string): boolean | null {
  for (const p of [`/boot/config-${release()}`]) {
    try {
      const t = readFileSync(p, 'utf8');
      return new RegExp(`^${name}=[ym]$`, 'm').test(t);
    } catch {
      /* not there */
    }
  }
  return null;
}

export function printInfo(startedFrom: 'snapshot' | 'bundle'): string {
  const lines: string[] = [];
  lines.push('System');
  lines.push(`  OS: Linux ${release()}`);
  lines.push(`  privileges to load BPF: ${yes(hasBpfPrivileges())}`);
  lines.push('');
  lines.push('Kernel features');
  lines.push(`  BTF (/sys/kernel/btf/vmlinux): ${yes(existsSync('/sys/kernel/btf/vmlinux'))}`);
  lines.push(`  tracefs mounted: ${yes(existsSync('/sys/kernel/tracing/events') || existsSync('/sys/kernel/debug/tracing/events'))}`);
  const kp = kconfig('CONFIG_KPROBES');
  lines.push(`  kprobes: ${kp === null ? (existsSync('/sys/kernel/tracing/kprobe_events') ? 'yes' : 'unknown') : yes(kp)}`);
  lines.push(`  uprobes: ${yes(existsSync('/sys/bus/event_source/devices/uprobe'))}`);
  lines.push('');
  lines.push('bpfscript');
  lines.push(`  loader helper: ${existsSync(loaderPath()) ? loaderPath() : 'not built (run ./setup.sh)'}`);
  // bin/bpfscript starts node from dist/bpfscript.blob unless it belongs to another node
  // binary, NODE_OPTIONS is set or this user may not read it (only its owner may: it holds
  // a hash seed); either way the program is the same.
  lines.push(`  loader helper started: ${helperStartedWithNode() ? 'with node, by bin/bpfscript' : 'by node, when a trace starts'}`);
  lines.push(`  started from: ${startedFrom === 'snapshot' ? 'the start-up snapshot' : 'the bundle (no usable start-up snapshot: built for another node, NODE_OPTIONS set, or not readable by this user)'}`);
  lines.push(`  precompiled BPF headers: ${existsSync(pchPath()) ? pchPath() : 'no (clang reads the headers as text)'}`);
  return lines.join('\n') + '\n';
}
