// The BTF reader on small hand-built blobs: every kind decodes, bitfields, name lookups,
// layout, anonymous members, enums, function and raw tracepoint prototypes, the Ty
// mapping, split (module) BTF, and C declarator text. Runs without a kernel.

import { describe, expect, it } from 'vitest';
import { Btf, isCharArray } from '../../src/btf/btf.js';
import { cAggregateDefinition, cDeclaration } from '../../src/btf/c-declarator.js';
import { BtfBuilder } from './fixtures/btf/btf-builder.js';

function sample() {
  const b = new BtfBuilder();
  const int = b.int('int', 4, true);
  const uint = b.int('unsigned int', 4, false);
  const char = b.int('char', 1, true, { char: true });
  const bool = b.int('_Bool', 1, false, { bool: true });
  const ulong = b.int('long unsigned int', 8, false);
  const u128 = b.int('__int128 unsigned', 16, false);
  const pidT = b.ref('typedef', int, 'pid_t');
  const constChar = b.ref('const', char);
  const pConstChar = b.ref('ptr', constChar);
  const comm = b.array(char, 16, int);
  const fwdOther = b.add('fwd', 'other');
  const pOther = b.ref('ptr', fwdOther);
  // struct task { pid_t pid; union { struct { u32 a; u32 b; }; u64 ab; }; char comm[16];
  //               struct task *parent; unsigned flag: 1; unsigned mode: 3; }
  const taskFwd = b.add('fwd', 'task'); // a forward declaration of the same name
  const pTask = b.ref('ptr', taskFwd);
  const inner = b.struct('struct', '', 8, [
    ['a', uint, 0],
    ['b', uint, 32],
  ]);
  const anonUnion = b.struct('union', '', 8, [
    ['', inner, 0],
    ['ab', ulong, 0],
  ]);
  const task = b.struct('struct', 'task', 48, [
    ['pid', pidT, 0],
    ['', anonUnion, 64],
    ['comm', comm, 128],
    ['parent', pTask, 256],
    ['flag', uint, 320, 1],
    ['mode', uint, 321, 3],
  ]);
  const packed = b.struct('struct', 'packed_one', 5, [
    ['c', char, 0],
    ['x', int, 8],
  ]);
  const volatileInt = b.ref('volatile', int);
  const restrictP = b.ref('restrict', pConstChar);
  const tagged = b.ref('type_tag', char, 'user');
  const pUser = b.ref('ptr', tagged);
  const colors = b.enumType('color', 4, true, [
    ['RED', -1],
    ['GREEN', 2],
  ]);
  const flags = b.enumType('flags', 4, false, [['BIG_FLAG', 0x80000000]]);
  const big = b.enum64('big', false, [['HUGE', 0xffffffff00000000n]]);
  const proto = b.proto(int, [
    ['path', pConstChar],
    ['task', pTask],
  ]);
  const fn = b.func('vfs_thing', proto);
  const varProto = b.proto(0, [
    ['fmt', pConstChar],
    ['', 0],
  ]);
  const varFn = b.func('printk_like', varProto);
  const voidT = 0;
  const pVoid = b.ref('ptr', voidT);
  const tpProto = b.proto(0, [
    ['', pVoid],
    ['prev', pTask],
    ['next', pTask],
  ]);
  const pTpProto = b.ref('ptr', tpProto);
  const tpTypedef = b.ref('typedef', pTpProto, 'btf_trace_demo');
  const v = b.add('var', 'global_var', { sizeOrType: int, extra: [1] });
  const ds = b.add('datasec', '.data', { vlen: 1, sizeOrType: 4, extra: [v, 0, 4] });
  const dbl = b.add('float', 'double', { sizeOrType: 8 });
  const tag = b.add('decl_tag', 'bpf_kfunc', { sizeOrType: fn, extra: [0xffffffff] });
  const pFn = b.ref('ptr', proto);
  const arr2d = b.array(b.array(int, 3, int), 2, int);
  const pArr = b.ref('ptr', comm);
  const constP = b.ref('const', pConstChar);
  const atomicBody = b.struct('struct', '', 4, [['counter', int, 0]]);
  const atomicT = b.ref('typedef', atomicBody, 'atomic_t');
  const holder = b.struct('struct', 'holder', 88, [
    ['fn', pFn, 0],
    ['grid', arr2d, 64],
    ['pcomm', pArr, 256],
    ['cp', constP, 320],
    ['usage', atomicT, 384],
    ['vi', volatileInt, 416],
    ['r', restrictP, 448],
    ['big', u128, 512],
    ['color', colors, 640],
  ]);
  const btf = new Btf(b.build());
  return {
    btf,
    ids: {
      int, uint, char, bool, ulong, u128, pidT, constChar, pConstChar, comm, fwdOther, pOther, taskFwd, pTask,
      inner, anonUnion, task, packed, volatileInt, restrictP, tagged, pUser, colors, flags, big, proto, fn,
      varProto, varFn, pVoid, tpProto, tpTypedef, v, ds, dbl, tag, pFn, arr2d, pArr, constP, atomicBody, atomicT,
      holder,
    },
  };
}

const S = sample();
const { btf, ids } = S;

describe('decoding every kind', () => {
  it.each([
    ['int', ids.int, { kind: 'int', name: 'int', size: 4, bits: 32, signed: true, char: false, bool: false }],
    ['char', ids.char, { kind: 'int', name: 'char', size: 1, char: true, signed: true }],
    ['bool', ids.bool, { kind: 'int', name: '_Bool', bool: true, signed: false }],
    ['typedef', ids.pidT, { kind: 'typedef', name: 'pid_t', type: ids.int }],
    ['const', ids.constChar, { kind: 'const', type: ids.char }],
    ['ptr', ids.pConstChar, { kind: 'ptr', type: ids.constChar }],
    ['array', ids.comm, { kind: 'array', type: ids.char, indexType: ids.int, len: 16 }],
    ['fwd', ids.fwdOther, { kind: 'fwd', name: 'other', union: false }],
    ['volatile', ids.volatileInt, { kind: 'volatile', type: ids.int }],
    ['restrict', ids.restrictP, { kind: 'restrict', type: ids.pConstChar }],
    ['type_tag', ids.tagged, { kind: 'type_tag', name: 'user', type: ids.char }],
    ['func', ids.fn, { kind: 'func', name: 'vfs_thing', type: ids.proto, linkage: 1 }],
    ['var', ids.v, { kind: 'var', name: 'global_var', type: ids.int, linkage: 1 }],
    ['datasec', ids.ds, { kind: 'datasec', name: '.data', size: 4, vars: [{ type: ids.v, offset: 0, size: 4 }] }],
    ['float', ids.dbl, { kind: 'float', name: 'double', size: 8 }],
    ['decl_tag', ids.tag, { kind: 'decl_tag', name: 'bpf_kfunc', type: ids.fn, componentIdx: -1 }],
  ])('%s', (_label, id, expected) => {
    expect(btf.type(id)).toMatchObject({ id, ...expected });
    expect(btf.kindOf(id)).toBe((expected as { kind: string }).kind);
  });

  it('decodes struct members, with bitfields from kind_flag records', () => {
    const t = btf.type(ids.task);
    expect(t.kind).toBe('struct');
    if (t.kind !== 'struct') return;
    expect(t.members.map((m) => [m.name, m.type, m.bitOffset, m.bitSize])).toEqual([
      ['pid', ids.pidT, 0, 0],
      ['', ids.anonUnion, 64, 0],
      ['comm', ids.comm, 128, 0],
      ['parent', ids.pTask, 256, 0],
      ['flag', ids.uint, 320, 1],
      ['mode', ids.uint, 321, 3],
    ]);
  });

  it('decodes signed, unsigned and 64-bit enums', () => {
    expect(btf.type(ids.colors)).toMatchObject({ kind: 'enum', signed: true, values: [{ name: 'RED', value: -1n }, { name: 'GREEN', value: 2n }] });
    expect(btf.type(ids.flags)).toMatchObject({ kind: 'enum', signed: false, values: [{ name: 'BIG_FLAG', value: 0x80000000n }] });
    expect(btf.type(ids.big)).toMatchObject({ kind: 'enum64', size: 8, values: [{ name: 'HUGE', value: 0xffffffff00000000n }] });
  });

  it('turns a trailing unnamed void parameter into variadic', () => {
    expect(btf.type(ids.varProto)).toMatchObject({ kind: 'func_proto', type: 0, variadic: true, params: [{ name: 'fmt', type: ids.pConstChar }] });
  });

  it('rejects blobs that are not BTF', () => {
    expect(() => new Btf(Buffer.alloc(64))).toThrow(/magic/);
    expect(() => btf.type(btf.count)).toThrow(/out of range/);
  });
});

describe('lookups and layout', () => {
  it.each([
    ['task', ids.task],
    ['struct task', ids.task],
    ['atomic_t', ids.atomicBody], // a typedef of an anonymous struct
    [`#${ids.inner}`, ids.inner],
    ['union task', undefined],
    ['other', undefined], // only forward-declared
    ['nothing', undefined],
  ])('findStruct(%s)', (name, id) => {
    expect(btf.findStruct(name)?.id).toBe(id);
  });

  it('prefers the complete definition over a forward declaration of the same name', () => {
    expect(btf.findAll('task')).toEqual([ids.taskFwd, ids.task]);
    expect(btf.completeOf(ids.taskFwd)).toBe(ids.task);
    expect(btf.find('vfs_thing', ['func'])).toBe(ids.fn);
    expect(btf.find('vfs_thing', ['struct'])).toBeUndefined();
  });

  it.each([
    ['pid_t', ids.pidT, 4, 4],
    ['char[16]', ids.comm, 16, 1],
    ['struct task', ids.task, 48, 8],
    ['packed struct', ids.packed, 5, 1],
    ['int[2][3]', ids.arr2d, 24, 4],
    ['pointer', ids.pTask, 8, 8],
    ['forward-declared task', ids.taskFwd, 48, 8],
    ['__int128', ids.u128, 16, 8],
  ])('size and alignment of %s', (_label, id, size, align) => {
    expect(btf.sizeOf(id)).toBe(size);
    expect(btf.alignOf(id)).toBe(align);
  });

  it('resolves typedefs and modifiers', () => {
    expect(btf.resolve(ids.pidT)).toBe(ids.int);
    expect(btf.resolve(ids.volatileInt)).toBe(ids.int);
    expect(btf.resolve(ids.tagged)).toBe(ids.char);
    expect(btf.skipModifiers(ids.constChar)).toBe(ids.char);
    expect(btf.skipModifiers(ids.pidT)).toBe(ids.pidT);
  });

  it.each([
    ['pid', 0, [0], ids.pidT],
    ['a', 64, [1, 0, 0], ids.uint],
    ['b', 96, [1, 0, 1], ids.uint],
    ['ab', 64, [1, 1], ids.ulong],
    ['comm', 128, [2], ids.comm],
    ['mode', 321, [5], ids.uint],
  ])('field %s is found through anonymous members', (name, bitOffset, path, type) => {
    expect(btf.field(ids.task, name)).toMatchObject({ name, bitOffset, path, type });
  });

  it('lists fields flattened, finds none that are absent, and computes offsetof', () => {
    expect(btf.fields(ids.task).map((f) => f.name)).toEqual(['pid', 'a', 'b', 'ab', 'comm', 'parent', 'flag', 'mode']);
    expect(btf.field(ids.task, 'nope')).toBeUndefined();
    expect(btf.field(ids.int, 'pid')).toBeUndefined();
    expect(btf.offsetOf(ids.holder, ['usage', 'counter'])).toEqual({ bitOffset: 384, type: ids.int });
    expect(btf.offsetOf(ids.holder, ['usage', 'x'])).toBeUndefined();
  });

  it.each([
    ['RED', -1n, ids.colors],
    ['GREEN', 2n, ids.colors],
    ['BIG_FLAG', 0x80000000n, ids.flags],
    ['HUGE', 0xffffffff00000000n, ids.big],
  ])('enum constant %s', (name, value, enumId) => {
    expect(btf.enumerator(name)).toEqual({ name, value, enumId });
  });

  it('does not take other names for enum constants', () => {
    expect(btf.enumerator('task')).toBeUndefined();
    expect(btf.enumerator('MISSING')).toBeUndefined();
  });

  it('gives function and raw tracepoint prototypes', () => {
    expect(btf.funcProto('vfs_thing')).toEqual({
      name: 'vfs_thing',
      params: [
        { name: 'path', type: ids.pConstChar },
        { name: 'task', type: ids.pTask },
      ],
      ret: ids.int,
      variadic: false,
    });
    expect(btf.funcProto('printk_like')?.variadic).toBe(true);
    expect(btf.funcProto('task')).toBeUndefined();
    // The leading `void *__data` of btf_trace_<name> is not a tracepoint argument.
    expect(btf.rawTracepointProto('demo')).toEqual({
      name: 'demo',
      params: [
        { name: 'prev', type: ids.pTask },
        { name: 'next', type: ids.pTask },
      ],
      ret: 0,
      variadic: false,
    });
    expect(btf.rawTracepointProto('missing')).toBeUndefined();
    expect(btf.funcNames()).toEqual(['printk_like', 'vfs_thing']);
  });
});

describe('mapping to Ty', () => {
  it.each([
    ['int', ids.int, { k: 'int', bits: 32, signed: true }],
    ['pid_t', ids.pidT, { k: 'int', bits: 32, signed: true }],
    ['unsigned long', ids.ulong, { k: 'int', bits: 64, signed: false }],
    ['_Bool', ids.bool, { k: 'int', bits: 8, signed: false }],
    ['char[16]', ids.comm, { k: 'array', elem: { k: 'int', bits: 8, signed: true }, len: 16 }],
    ['signed enum', ids.colors, { k: 'int', bits: 32, signed: true }],
    ['enum64', ids.big, { k: 'int', bits: 64, signed: false }],
    ['__int128', ids.u128, { k: 'array', elem: { k: 'int', bits: 64, signed: false }, len: 2 }],
    ['double', ids.dbl, { k: 'int', bits: 64, signed: false }],
    ['struct task', ids.task, { k: 'record', name: 'struct task', size: 48, align: 8 }],
    ['atomic_t', ids.atomicT, { k: 'record', name: 'atomic_t', size: 4, align: 4 }],
    ['anonymous struct', ids.inner, { k: 'record', name: `struct #${ids.inner}`, size: 8, align: 4 }],
    ['const char *', ids.pConstChar, { k: 'ptr', to: 'char', pointee: { k: 'int', bits: 8, signed: true }, user: false }],
    ['struct task * (via fwd)', ids.pTask, { k: 'ptr', to: 'struct task', pointee: { k: 'record', name: 'struct task', size: 48, align: 8 }, user: false }],
    ['__user char *', ids.pUser, { k: 'ptr', to: 'char', pointee: { k: 'int', bits: 8, signed: true }, user: true }],
    ['function pointer', ids.pFn, { k: 'ptr', to: 'void', pointee: null, user: false }],
    ['void *', ids.pVoid, { k: 'ptr', to: 'void', pointee: { k: 'void' }, user: false }],
    ['pointer to forward-only struct', ids.pOther, { k: 'ptr', to: 'struct other', pointee: { k: 'record', name: 'struct other', size: 0, align: 1 }, user: false }],
  ])('%s', (_label, id, ty) => {
    expect(btf.toTy(id)).toEqual(ty);
  });

  it('names records so that findStruct finds them again', () => {
    for (const id of [ids.task, ids.atomicT, ids.inner, ids.anonUnion]) {
      const ty = btf.toTy(id);
      if (ty.k !== 'record') throw new Error('not a record');
      expect(btf.findStruct(ty.name)?.id).toBe(btf.resolve(id));
    }
  });

  it('marks char arrays (and only them) as strings', () => {
    expect(isCharArray(btf.toTy(ids.comm))).toBe(true);
    expect(isCharArray(btf.toTy(ids.arr2d))).toBe(false);
    expect(isCharArray(btf.toTy(ids.int))).toBe(false);
  });
});

describe('split BTF', () => {
  it('continues the base ids and string offsets', () => {
    const baseBlob = new BtfBuilder();
    const int = baseBlob.int('int', 4, true);
    const base = new Btf(baseBlob.build());
    const strLen = baseBlob.build().readUInt32LE(20);
    const mod = new BtfBuilder({ count: base.count, strLen });
    const p = mod.ref('ptr', int);
    const s = mod.struct('struct', 'mod_thing', 16, [
      ['n', int, 0],
      ['p', p, 64],
    ]);
    const modBtf = new Btf(mod.build(), base);
    expect(modBtf.firstId).toBe(2);
    expect(p).toBe(2);
    expect(modBtf.findStruct('mod_thing')?.id).toBe(s);
    expect(modBtf.field(s, 'p')).toMatchObject({ type: p, bitOffset: 64 });
    expect(modBtf.toTy(p)).toEqual({ k: 'ptr', to: 'int', pointee: { k: 'int', bits: 32, signed: true }, user: false });
    expect(modBtf.find('int', ['int'])).toBe(int);
  });
});

describe('C declarations (libbpf btf_dump layout)', () => {
  it.each([
    ['pointer to const char', ids.pConstChar, 'name', 'const char *name'],
    ['abstract declarator', ids.pConstChar, '', 'const char *'],
    ['array', ids.comm, 'comm', 'char comm[16]'],
    ['two dimensions', ids.arr2d, 'grid', 'int grid[2][3]'],
    ['pointer to array', ids.pArr, 'p', 'char (*p)[16]'],
    ['const pointer', ids.constP, 'cp', 'const char * const cp'],
    ['function pointer', ids.pFn, 'fn', 'int (*fn)(const char *, struct task *)'],
    ['variadic function', ids.varProto, 'f', 'void f(const char *, ...)'],
    ['typedef kept', ids.pidT, 'pid', 'pid_t pid'],
    ['volatile', ids.volatileInt, 'v', 'volatile int v'],
    ['restrict pointer', ids.restrictP, 'r', 'const char * restrict r'],
    ['type tag skipped', ids.pUser, 'u', 'char *u'],
    ['enum', ids.colors, 'c', 'enum color c'],
  ])('%s', (_label, id, name, text) => {
    expect(cDeclaration(btf, id, name, 0)).toBe(text);
  });

  it('prints anonymous members inline with padding and bitfields', () => {
    const t = btf.type(ids.task);
    if (t.kind !== 'struct') throw new Error('not a struct');
    expect(cAggregateDefinition(btf, t, 0)).toBe(
      [
        'struct task {',
        '\tpid_t pid;',
        '\tunion {',
        '\t\tstruct {',
        '\t\t\tunsigned int a;',
        '\t\t\tunsigned int b;',
        '\t\t};',
        '\t\tlong unsigned int ab;',
        '\t};',
        '\tchar comm[16];',
        '\tstruct task *parent;',
        '\tunsigned int flag: 1;',
        '\tunsigned int mode: 3;',
        // No tail padding: the compiler rounds the size up to the 8-byte alignment.
        '}',
      ].join('\n'),
    );
  });

  it('marks packed structs and prints typedefs of anonymous structs by name', () => {
    const p = btf.type(ids.packed);
    const h = btf.type(ids.holder);
    if (p.kind !== 'struct' || h.kind !== 'struct') throw new Error('not a struct');
    expect(cAggregateDefinition(btf, p, 0)).toBe('struct packed_one {\n\tchar c;\n\tint x;\n} __attribute__((packed))');
    expect(cAggregateDefinition(btf, h, 0)).toContain('\tatomic_t usage;\n');
    expect(cAggregateDefinition(btf, h, 0)).toContain('\tenum color color;\n');
  });
});
