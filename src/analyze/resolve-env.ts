// The real ResolveEnv: what attach-point resolution and typing read from this system
// (tracefs tracepoints and formats, ELF symbols of uprobe targets, USDT notes, library
// and program resolution, probe-able kernel functions). Everything is read lazily and
// cached for the process, so a script that needs none of it costs nothing.

import { existsSync, readFileSync } from 'node:fs';
import type { ResolveEnv } from '../providers/providers.js';
import { tracefsRoot } from '../btf/tracefs.js';
import { listTracepoints, readTracepointFormat, tracepointFields, tracepointStruct, type TracepointFormat } from '../btf/tracepoint-format.js';
import { elfFunctions } from '../runtime/symbols/elf-functions.js';
import { resolveUprobeTarget } from '../runtime/symbols/libraries.js';
import { usdtProbes } from '../runtime/symbols/usdt.js';
import { ElfFile } from '../runtime/symbols/elf.js';
import { vmlinuxBtf } from '../btf/btf.js';

/** A tracepoint category or name that is one path component. */
const SAFE_NAME = /^(?!\.\.?$)[^/]+$/;

export function systemEnv(pid: number): ResolveEnv {
  let tps: { category: string; name: string }[] | null = null;
  const formats = new Map<string, TracepointFormat>();
  let kfuncs: string[] | null = null;
  const format = (category: string, name: string): TracepointFormat => {
    const key = `${category}:${name}`;
    let f = formats.get(key);
    if (!f) {
      f = readTracepointFormat(category, name);
      if (!f) throw new Error(`tracepoint ${key} does not exist`);
      formats.set(key, f);
    }
    return f;
  };
  const list = () => (tps ??= listTracepoints());
  return {
    pid,
    tracepoints: list,
    tracepointExists(category, name) {
      // One stat instead of reading and sorting available_events (2-4 ms); a name that
      // could leave the events directory is looked up in the list instead.
      if (tps || !SAFE_NAME.test(category) || !SAFE_NAME.test(name)) return list().some((t) => t.category === category && t.name === name);
      return existsSync(`${tracefsRoot()}/events/${category}/${name}/id`);
    },
    tracepointFields(category, name) {
      return tracepointFields(format(category, name));
    },
    tracepointStruct(category, name) {
      return tracepointStruct(format(category, name));
    },
    elfFunctions(path) {
      return elfFunctions(path);
    },
    resolveBinary(name, p) {
      return resolveUprobeTarget(name, p > 0 ? { pid: p } : {});
    },
    symbolAddress(path, name) {
      let f: ElfFile | null = null;
      try {
        f = ElfFile.open(path);
        const all = [...(f.symbols('symtab') ?? []), ...(f.symbols('dynsym') ?? [])];
        const s = all.find((x) => x.name === name && x.shndx !== 0);
        return s ? BigInt(s.value) : null;
      } catch {
        return null;
      } finally {
        f?.close();
      }
    },
    kernelBtf() {
      return vmlinuxBtf();
    },
    usdtProbes(path) {
      return usdtProbes(path);
    },
    kernelFunctions() {
      if (!kfuncs) {
        try {
          const text = readFileSync(`${tracefsRoot()}/available_filter_functions`, 'utf8');
          kfuncs = [...new Set(text.split('\n').map((l) => l.split(/\s/)[0]!).filter(Boolean))];
        } catch {
          kfuncs = [];
        }
        // Without kprobe support tracefs may refuse the list; BTF names the same functions.
        if (kfuncs.length === 0) {
          try {
            kfuncs = vmlinuxBtf().funcNames();
          } catch {
            kfuncs = [];
          }
        }
      }
      return kfuncs;
    },
  };
}
