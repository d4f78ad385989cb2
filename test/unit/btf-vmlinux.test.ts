// The BTF reader on this machine's kernel BTF (/sys/kernel/btf/vmlinux), checked against
// independent tools: every type as `bpftool btf dump ... format raw` prints it, every
// named struct as bpftool's vmlinux.h (libbpf btf_dump) prints it, and the -lv text of
// bpftrace 0.17. Skips, saying why, when the kernel has no BTF or a tool is missing.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { Btf, isCharArray, isVmlinuxBtfLoaded, vmlinuxBtf, VMLINUX_BTF_PATH, type BtfType } from '../../src/btf/btf.js';
import { cDeclaration } from '../../src/btf/c-declarator.js';
import { describeKfunc, describeStruct, kfuncArgs } from '../../src/btf/describe.js';

const HAVE_BTF = existsSync(VMLINUX_BTF_PATH);
const HAVE_BPFTOOL = spawnSync('bpftool', ['version']).status === 0;
const HAVE_BPFTRACE = spawnSync('bpftrace', ['--version']).status === 0;
const NO_BTF = HAVE_BTF ? '' : ` [SKIPPED: ${VMLINUX_BTF_PATH} is missing]`;
const NO_BPFTOOL = HAVE_BPFTOOL ? '' : ' [SKIPPED: bpftool is not installed]';
const NO_BPFTRACE = HAVE_BPFTRACE ? '' : ' [SKIPPED: bpftrace is not installed]';

/** One type in the layout of `bpftool btf dump file F format raw`. */
function renderRaw(btf: Btf, t: BtfType): string {
  const q = (s: string) => `'${s || '(anon)'}'`;
  const head = `[${t.id}] ${t.kind.toUpperCase()} ${q(t.name)}`;
  switch (t.kind) {
    case 'void':
      return '';
    case 'int': {
      const enc = t.signed ? 'SIGNED' : t.char ? 'CHAR' : t.bool ? 'BOOL' : '(none)';
      return `${head} size=${t.size} bits_offset=${t.bitOffset} nr_bits=${t.bits} encoding=${enc}`;
    }
    case 'ptr':
    case 'typedef':
    case 'volatile':
    case 'const':
    case 'restrict':
    case 'type_tag':
      return `${head} type_id=${t.type}`;
    case 'array':
      return `${head} type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.len}`;
    case 'struct':
    case 'union':
      return [
        `${head} size=${t.size} vlen=${t.members.length}`,
        ...t.members.map((m) => `\t${q(m.name)} type_id=${m.type} bits_offset=${m.bitOffset}${m.bitSize ? ` bitfield_size=${m.bitSize}` : ''}`),
      ].join('\n');
    case 'enum':
    case 'enum64': {
      const suffix = t.kind === 'enum64' ? (t.signed ? 'LL' : 'ULL') : '';
      return [
        `${head} encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`,
        ...t.values.map((v) => `\t${q(v.name)} val=${v.value}${suffix}`),
      ].join('\n');
    }
    case 'fwd':
      return `${head} fwd_kind=${t.union ? 'union' : 'struct'}`;
    case 'func':
      return `${head} type_id=${t.type} linkage=${['static', 'global', 'extern'][t.linkage]}`;
    case 'func_proto': {
      const params = t.params.map((p) => `\t${q(p.name)} type_id=${p.type}`);
      if (t.variadic) params.push(`\t'(anon)' type_id=0`);
      return [`${head} ret_type_id=${t.type} vlen=${params.length}`, ...params].join('\n');
    }
    case 'var':
      return `${head} type_id=${t.type}, linkage=${['static', 'global', 'extern'][t.linkage]}`;
    case 'datasec':
      return [
        `${head} size=${t.size} vlen=${t.vars.length}`,
        ...t.vars.map((v) => `\ttype_id=${v.type} offset=${v.offset} size=${v.size} (VAR ${q(btf.type(v.type).name)})`),
      ].join('\n');
    case 'float':
      return `${head} size=${t.size}`;
    case 'decl_tag':
      return `${head} type_id=${t.type} component_idx=${t.componentIdx}`;
  }
}

describe(`kernel BTF${NO_BTF}`, () => {
  let btf: Btf;
  let parseMs = 0;

  beforeAll(() => {
    if (!HAVE_BTF) return;
    // Laziness: importing the module must not have read anything.
    expect(isVmlinuxBtfLoaded()).toBe(false);
    const t0 = performance.now();
    btf = vmlinuxBtf();
    btf.findStruct('task_struct');
    parseMs = performance.now() - t0;
    console.log(`vmlinux BTF: ${btf.count} types, read + index + first lookup in ${parseMs.toFixed(1)} ms`);
  });

  it.skipIf(!HAVE_BTF)('is read once, quickly, and cached', () => {
    expect(isVmlinuxBtfLoaded()).toBe(true);
    expect(vmlinuxBtf()).toBe(btf);
    expect(btf.count).toBeGreaterThan(10_000);
    // Measured ~25-40 ms here (most of it the kernel handing out 4 KiB per read()).
    expect(parseMs).toBeLessThan(1000);
  });

  it.skipIf(!HAVE_BTF || !HAVE_BPFTOOL)(`decodes every type as bpftool does${NO_BPFTOOL}`, () => {
    const raw = execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX_BTF_PATH, 'format', 'raw'], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    const mine: string[] = [];
    for (let id = 1; id < btf.count; id++) mine.push(renderRaw(btf, btf.type(id)));
    const theirs = raw.trimEnd().split('\n');
    const ours = mine.join('\n').split('\n');
    expect(ours.length).toBe(theirs.length);
    const firstDiff = ours.findIndex((l, i) => l !== theirs[i]);
    expect(firstDiff === -1 ? null : { line: firstDiff, ours: ours[firstDiff], bpftool: theirs[firstDiff] }).toBeNull();
  });

  it.skipIf(!HAVE_BTF)('finds task_struct fields with their kernel offsets and types', () => {
    const task = btf.findStruct('struct task_struct')!;
    expect(task.size).toBe(btf.sizeOf(task.id));
    const byName = new Map(task.members.map((m) => [m.name, m]));
    for (const name of ['pid', 'tgid', 'comm', 'parent', 'real_parent', 'mm']) {
      const f = btf.field(task.id, name)!;
      expect(f).toBeDefined();
      expect(f.bitOffset).toBe(btf.offsetOf(task.id, [name])!.bitOffset);
      // Direct members on this kernel: the field lookup must agree with the raw member.
      if (byName.has(name)) expect(f.bitOffset).toBe(byName.get(name)!.bitOffset);
    }
    expect(btf.toTy(btf.field(task.id, 'pid')!.type)).toEqual({ k: 'int', bits: 32, signed: true });
    expect(btf.toTy(btf.field(task.id, 'tgid')!.type)).toEqual({ k: 'int', bits: 32, signed: true });
    const comm = btf.toTy(btf.field(task.id, 'comm')!.type);
    expect(comm).toEqual({ k: 'array', elem: { k: 'int', bits: 8, signed: true }, len: 16 });
    expect(isCharArray(comm)).toBe(true);
    expect(btf.toTy(btf.field(task.id, 'parent')!.type)).toEqual({
      k: 'ptr',
      to: 'struct task_struct',
      pointee: { k: 'record', name: 'struct task_struct', size: task.size, align: 8 },
      user: false,
    });
    expect(cDeclaration(btf, btf.field(task.id, 'pid')!.type, 'pid', 0)).toBe('pid_t pid');
  });

  it.skipIf(!HAVE_BTF)('finds fields inside anonymous structs and unions', () => {
    const qstr = btf.findStruct('qstr')!;
    expect(btf.fields(qstr.id).map((f) => [f.name, f.bitOffset])).toEqual([
      ['hash', 0],
      ['len', 32],
      ['hash_len', 0],
      ['name', 64],
    ]);
    expect(btf.field(qstr.id, 'len')!.path).toEqual([0, 0, 1]);
    // mm_struct keeps almost everything in one anonymous struct.
    const mm = btf.findStruct('mm_struct')!;
    const exe = btf.field(mm.id, 'exe_file')!;
    expect(exe.path.length).toBeGreaterThan(1);
    expect(mm.members.some((m) => m.name === 'exe_file')).toBe(false);
    expect(btf.toTy(exe.type)).toMatchObject({ k: 'ptr', to: 'struct file' });
    // sk_buff: next sits in a struct inside a union.
    const skb = btf.findStruct('sk_buff')!;
    expect(btf.field(skb.id, 'next')).toMatchObject({ bitOffset: 0, path: [0, 0, 0] });
  });

  it.skipIf(!HAVE_BTF).each([
    ['struct list_head', 16],
    ['struct hlist_node', 16],
    ['struct path', 16],
    ['struct qstr', 16],
    ['struct callback_head', 16],
    ['struct in6_addr', 16],
    ['struct sockaddr_in', 16],
    ['struct timespec64', 16],
  ])('sizeof(%s) is %i', (name, size) => {
    expect(btf.sizeOf(btf.findStruct(name)!.id)).toBe(size);
  });

  it.skipIf(!HAVE_BTF).each([
    ['u8', 1, 1],
    ['u64', 8, 8],
    ['pid_t', 4, 4],
    ['size_t', 8, 8],
    ['atomic_t', 4, 4],
  ])('sizeof(%s) is %i, alignment %i', (name, size, align) => {
    const id = btf.find(name, ['typedef'])!;
    expect(btf.sizeOf(id)).toBe(size);
    expect(btf.alignOf(id)).toBe(align);
  });

  it.skipIf(!HAVE_BTF).each([
    ['TASK_COMM_LEN', 16n],
    ['BPF_MAP_TYPE_HASH', 1n],
    ['TCP_ESTABLISHED', 1n],
    ['PERF_TXN_SYNC', 4n], // an ENUM64
    ['PERF_EVENT_STATE_OFF', -1n], // a signed enum
  ])('enum constant %s = %i', (name, value) => {
    expect(btf.enumerator(name)?.value).toBe(value);
  });

  it.skipIf(!HAVE_BTF)('gives the kfunc prototype of vfs_open, printed like bpftrace -lv', () => {
    const sig = btf.funcProto('vfs_open')!;
    expect(sig.params.map((p) => p.name)).toEqual(['path', 'file']);
    expect(btf.toTy(sig.params[0]!.type)).toMatchObject({ k: 'ptr', to: 'struct path' });
    expect(btf.toTy(sig.ret)).toEqual({ k: 'int', bits: 32, signed: true });
    // The layout of the bpftrace 0.17 listing (kfunc probes cannot attach on this machine).
    expect(describeKfunc('vfs_open', btf)).toBe('kfunc:vfs_open\n    const struct path * path\n    struct file * file\n    int retval\n');
    // A void function has no retval line.
    expect(kfuncArgs('do_group_exit', btf)).toEqual([{ type: 'int', name: 'exit_code' }]);
    expect(describeKfunc('no_such_function_zz', btf)).toBeUndefined();
  });

  it.skipIf(!HAVE_BTF)('gives the raw tracepoint prototype of sched_switch', () => {
    const sig = btf.rawTracepointProto('sched_switch')!;
    expect(sig.params.map((p) => cDeclaration(btf, p.type, '', 0))).toEqual(['bool', 'struct task_struct *', 'struct task_struct *', 'unsigned int']);
    expect(btf.toTy(sig.params[1]!.type)).toMatchObject({ k: 'ptr', to: 'struct task_struct' });
    expect(btf.rawTracepointProto('no_such_tracepoint')).toBeUndefined();
  });

  it.skipIf(!HAVE_BTF || !HAVE_BPFTOOL)(`prints every named struct and union exactly as bpftool's vmlinux.h${NO_BPFTOOL}`, () => {
    const header = execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX_BTF_PATH, 'format', 'c'], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    const re = /^(struct|union) (\w+) \{\};$|^(struct|union) (\w+) \{\n[\s\S]*?^\}( __attribute__\(\(packed\)\))?;$/gm;
    let compared = 0;
    const mismatches: string[] = [];
    for (const m of header.matchAll(re)) {
      const kind = (m[1] ?? m[3]) as 'struct' | 'union';
      const name = m[2] ?? m[4]!;
      // bpftool renames duplicate names (`foo___2`); those cannot be looked up by name.
      if (m[0].includes('___') || btf.findAll(name, [kind]).length !== 1) continue;
      compared++;
      if (describeStruct(`${kind} ${name}`, btf) !== `${m[0]}\n\n`) mismatches.push(`${kind} ${name}`);
    }
    expect(compared).toBeGreaterThan(1000);
    expect(mismatches).toEqual([]);
  });

  it.skipIf(!HAVE_BTF || !HAVE_BPFTRACE).each(['struct path', 'struct qstr', 'struct list_head', 'struct task_struct', 'struct sk_buff', 'union bpf_attr'])(
    `describeStruct(%s) is what bpftrace -lv prints${NO_BPFTRACE}`,
    (name) => {
      const out = execFileSync('bpftrace', ['-lv', name], { encoding: 'utf8', timeout: 30_000 });
      expect(describeStruct(name, btf)).toBe(out);
    },
  );

  it.skipIf(!HAVE_BTF)('describes structs by tag, bare name or union, and nothing else', () => {
    const path = describeStruct('struct path', btf);
    expect(path).toBe('struct path {\n\tstruct vfsmount *mnt;\n\tstruct dentry *dentry;\n};\n\n');
    expect(describeStruct('path', btf)).toBe(path);
    expect(describeStruct('union path', btf)).toBeUndefined();
    expect(describeStruct('struct no_such_struct_zz', btf)).toBeUndefined();
    expect(describeStruct('struct path *', btf)).toBeUndefined();
  });

  it.skipIf(!HAVE_BTF)('lists kernel functions', () => {
    const names = btf.funcNames();
    expect(names.length).toBeGreaterThan(1000);
    expect(names).toContain('vfs_open');
    expect(names).toEqual([...names].sort());
  });
});
