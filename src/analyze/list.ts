// -l [pattern]: list probes like bpftrace 0.17 does, one per line; -lv adds arguments.
// A pattern without a provider (`*execve*`) matches the full names of every kind.

import { existsSync, readFileSync } from 'node:fs';
import { findProvider, globToRegExp } from '../providers/providers.js';
import { listPerfEvents } from '../providers/perf-events.js';
import { vmlinuxBtf } from '../btf/btf.js';
import { describeKfunc, describeStruct } from '../btf/describe.js';
import { describeTracepoint, listTracepoints, readTracepointFormat } from '../btf/tracepoint-format.js';
import { listUprobes } from '../runtime/symbols/elf-functions.js';
import { resolveUprobeTarget } from '../runtime/symbols/libraries.js';
import { listUsdt } from '../runtime/symbols/usdt.js';

export async function listProbes(pattern: string, verbose: boolean, pid: number): Promise<string> {
  const struct = /^\s*(struct|union|enum)\s+\S/.exec(pattern);
  if (struct) {
    return describeStruct(pattern.trim()) ?? '';
  }
  const colon = pattern.indexOf(':');
  const provName = colon >= 0 ? pattern.slice(0, colon) : '';
  const provider = provName ? findProvider(provName) : undefined;
  const rest = colon >= 0 ? pattern.slice(colon + 1) : pattern;
  const out: string[] = [];
  const kind = provider?.kind;
  if (!provider || kind === 'tracepoint') {
    const re = globToRegExp(provider ? (rest.includes(':') ? rest : `${rest}:*`) : pattern.includes(':') ? pattern : `*${pattern.replace(/^\*|\*$/g, '')}*`);
    for (const tp of listTracepoints()) {
      const name = `tracepoint:${tp.category}:${tp.name}`;
      if (!(provider ? re.test(`${tp.category}:${tp.name}`) : re.test(name))) continue;
      if (verbose) {
        const f = readTracepointFormat(tp.category, tp.name);
        out.push(f ? describeTracepoint(f).trimEnd() : name);
      } else out.push(name);
    }
  }
  if (!provider || kind === 'software' || kind === 'hardware') {
    for (const k of ['software', 'hardware'] as const) {
      if (provider && kind !== k) continue;
      for (const line of listPerfEvents(k, provider ? rest || '*' : '*')) {
        if (provider || globToRegExp(pattern.includes(':') ? pattern : `*${pattern.replace(/^\*|\*$/g, '')}*`).test(line)) out.push(line);
      }
    }
  }
  if (kind === 'uprobe' || kind === 'uretprobe') {
    const parts = rest.split(':');
    const target = resolveUprobeTarget(parts[0]!, pid > 0 ? { pid } : {});
    out.push(...listUprobes(target.path, parts.slice(1).join(':') || '*', { display: target.display, probe: kind }));
  }
  if (kind === 'usdt') {
    const parts = rest.split(':');
    const target = resolveUprobeTarget(parts[0]!, pid > 0 ? { pid } : {});
    out.push(...listUsdt(target.path, parts.slice(1).join(':') || '*', { display: target.display }));
  }
  if (kind === 'kfunc' || kind === 'kretfunc') {
    const re = globToRegExp(rest.includes(':') ? rest.split(':').pop()! : rest);
    for (const f of vmlinuxBtf().funcNames()) {
      if (!re.test(f)) continue;
      out.push(verbose ? (describeKfunc(f, vmlinuxBtf(), kind) ?? `${kind}:${f}`).trimEnd() : `${kind}:${f}`);
    }
  }
  if (kind === 'kprobe' || kind === 'kretprobe' || (!provider && pattern !== '*')) {
    const p = '/sys/kernel/tracing/available_filter_functions';
    if (existsSync(p) && existsSync('/sys/kernel/tracing/kprobe_events')) {
      const re = globToRegExp(provider ? rest : pattern.replace(/^kprobe:/, ''));
      for (const l of readFileSync(p, 'utf8').split('\n')) {
        const f = l.split(/\s/)[0];
        if (f && re.test(f)) out.push(`kprobe:${f}`);
      }
    }
  }
  return out.length ? out.join('\n') + '\n' : '';
}
