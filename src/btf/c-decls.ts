// Minimal kernel type declarations for one generated program, instead of vmlinux.h
// (which costs clang ~400 ms): only the structs a program touches, only the fields it
// reads, each struct marked `__attribute__((preserve_access_index))` so libbpf's CO-RE
// relocations fix field offsets against the running kernel at load time.
// Input: uses recorded as (struct name, field path). Output: C text, deterministic
// (sorted, independent of the order uses were recorded in).
// Must not: emit offsets or padding (CO-RE needs names and types only), or use typedef
// or enum names (they would need their own definitions): those become plain C types.
//
// Why fields may be flattened: the kernel nests many fields in anonymous structs and
// unions (`struct qstr { union { struct { u32 hash; u32 len; }; u64 hash_len; }; ... }`).
// libbpf matches a local field by name and searches the target's anonymous members for
// it, so a local `struct qstr { unsigned int hash; }` relocates correctly.

import { vmlinuxBtf, type Btf, type BtfField, type BtfStructType } from './btf.js';
import { cDeclaration, type DeclStyle } from './c-declarator.js';

export const CORE_ATTRIBUTE = ' __attribute__((preserve_access_index))';

/** One access path: `(struct task_struct *)p->parent->pid` is `{ struct: 'task_struct', path: ['parent', 'pid'] }`. */
export interface FieldUse {
  readonly struct: string;
  readonly path: readonly string[];
}

export interface CDeclOptions {
  /** C names ('struct pt_regs') that headers already define: referenced, never defined. */
  readonly exclude?: Iterable<string>;
}

interface AggUse {
  readonly t: BtfStructType;
  /** Fields read, by name (flattened through anonymous members). */
  readonly fields: Map<string, BtfField>;
}

export class CDecls {
  /** Named aggregates to define, keyed by C name ('struct task_struct'). */
  private readonly named = new Map<string, AggUse>();
  /** Anonymous aggregates reached by value or pointer, keyed by BTF id (defined inline). */
  private readonly anon = new Map<number, AggUse>();
  /** Typedefs of anonymous structs used as a root (`(atomic_t *)p`), by typedef name. */
  private readonly typedefRoots = new Map<string, BtfStructType>();

  constructor(readonly btf: Btf = vmlinuxBtf()) {}

  /** Declare a struct even if no field of it is read (a cast target). Undefined when unknown. */
  useStruct(name: string): BtfStructType | undefined {
    const root = this.root(name);
    if (root) this.record(root, []);
    return root?.t;
  }

  /**
   * Record the fields read along `path`, starting at struct `struct`; each step names a
   * field of the current struct/union (through anonymous members) and continues into the
   * struct it holds, points to, or (for arrays) is made of. Returns the last field, or
   * undefined when a step does not exist or the path is empty (nothing is recorded then;
   * useStruct declares a struct without fields).
   */
  use(struct: string, path: readonly string[]): BtfField | undefined {
    const root = path.length > 0 ? this.root(struct) : undefined;
    if (!root) return undefined;
    const steps: [BtfStructType, BtfField][] = [];
    let cur: BtfStructType | undefined = root.t;
    for (const name of path) {
      if (!cur) return undefined;
      const f = this.btf.field(cur.id, name);
      if (!f) return undefined;
      steps.push([cur, f]);
      cur = this.aggregateBehind(f.type);
    }
    this.record(root, steps);
    return steps.length > 0 ? steps[steps.length - 1]![1] : undefined;
  }

  /**
   * The struct a path starts from, and the typedef naming it when it is anonymous
   * (`atomic_t`): libbpf finds CO-RE roots by name, so such a typedef is emitted.
   * Uses may be given one step at a time (`task_struct.mm`, then `mm_struct.exe_file`):
   * the result is the same as for the whole path.
   */
  private root(name: string): { t: BtfStructType; alias: string } | undefined {
    const t = this.btf.findStruct(name);
    if (!t || t.name) return t && { t, alias: '' };
    // '#<id>' (how toTy names an anonymous aggregate held by value): its fields are
    // recorded and it is defined inline in the struct that holds it.
    const alias = name.trim();
    return { t, alias: /^[A-Za-z_]\w*$/.test(alias) ? alias : '' };
  }

  private record(root: { t: BtfStructType; alias: string }, steps: readonly [BtfStructType, BtfField][]): void {
    if (root.alias) this.typedefRoots.set(root.alias, root.t);
    this.aggUse(root.t);
    // Each struct the path goes through gets the field read from it; a struct the last
    // field only points to stays a forward declaration.
    for (const [agg, f] of steps) this.aggUse(agg).fields.set(f.name, f);
  }

  get isEmpty(): boolean {
    return this.named.size === 0 && this.typedefRoots.size === 0;
  }

  /** The struct/union a field leads to: held by value, pointed to, or the element of an array. */
  private aggregateBehind(typeId: number): BtfStructType | undefined {
    const b = this.btf;
    let id = b.completeOf(b.resolve(typeId));
    for (let guard = 0; guard < 16; guard++) {
      const t = b.type(id);
      if (t.kind === 'struct' || t.kind === 'union') return t;
      if (t.kind === 'ptr' || t.kind === 'array') id = b.completeOf(b.resolve(t.type));
      else return undefined;
    }
    return undefined;
  }

  private aggUse(t: BtfStructType): AggUse {
    if (!t.name) {
      let u = this.anon.get(t.id);
      if (!u) this.anon.set(t.id, (u = { t, fields: new Map() }));
      return u;
    }
    const key = `${t.kind} ${t.name}`;
    let u = this.named.get(key);
    if (!u) this.named.set(key, (u = { t, fields: new Map() }));
    return u;
  }

  /**
   * The declarations: forward declarations of structs only pointed to, then the used
   * structs, each after the structs it holds by value, otherwise sorted by name.
   */
  emit(opts: CDeclOptions = {}): string {
    const exclude = new Set(opts.exclude ?? []);
    const style: DeclStyle = {
      resolveTypedefs: true,
      enumsAsInts: true,
      opaqueFunctions: true,
      anonAggregate: (t, level) => this.definition(t, level, style),
    };
    // Structs held by value must be complete, so they join the definitions (with no
    // fields when none are read); repeat until no new one appears.
    const pointedTo = new Set<string>();
    const byValue = new Map<string, Set<string>>();
    const typedefs = [...this.typedefRoots.keys()].sort();
    for (const name of typedefs) {
      const deps = new Set<string>();
      const t = this.typedefRoots.get(name)!;
      this.collectRefs(this.aggUse(t), deps, pointedTo, new Set([t.id]));
      for (const dep of deps) {
        const d = this.named.has(dep) ? undefined : this.btf.findStruct(dep);
        if (d) this.aggUse(d);
      }
    }
    for (let size = -1; size !== this.named.size; ) {
      size = this.named.size;
      for (const [key, use] of [...this.named]) {
        if (byValue.has(key)) continue;
        const deps = new Set<string>();
        this.collectRefs(use, deps, pointedTo, new Set());
        byValue.set(key, deps);
        for (const dep of deps) {
          const t = this.named.has(dep) ? undefined : this.btf.findStruct(dep);
          if (t) this.aggUse(t);
        }
      }
    }
    const defined = [...this.named.keys()].filter((k) => !exclude.has(k)).sort();
    const forward = [...pointedTo].filter((k) => !this.named.has(k)).sort();
    const out: string[] = forward.map((k) => `${k};`);
    if (forward.length > 0) out.push('');
    const done = new Set<string>();
    const visit = (key: string) => {
      if (done.has(key) || exclude.has(key) || !this.named.has(key)) return;
      done.add(key);
      for (const dep of [...(byValue.get(key) ?? [])].sort()) visit(dep);
      out.push(`${this.definition(this.named.get(key)!.t, 0, style)};`, '');
    };
    for (const key of defined) visit(key);
    // Last: struct definitions never name these typedefs (they inline anonymous types).
    for (const name of typedefs) out.push(`typedef ${this.definition(this.typedefRoots.get(name)!, 0, style)} ${name};`, '');
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out.length > 0 ? out.join('\n') + '\n' : '';
  }

  /** `struct x {\n\t<used fields>;\n} __attribute__((preserve_access_index))`. */
  private definition(t: BtfStructType, level: number, style: DeclStyle): string {
    const use = t.name ? this.named.get(`${t.kind} ${t.name}`) : this.anon.get(t.id);
    const fields = use ? this.orderedFields(use) : [];
    const head = `${t.kind} ${t.name ? `${t.name} ` : ''}{`;
    if (fields.length === 0) return `${head}}${CORE_ATTRIBUTE}`;
    const inner = '\t'.repeat(level + 1);
    const lines = fields.map((f) => {
      const bits = f.bitSize ? `: ${f.bitSize}` : '';
      return `${inner}${cDeclaration(this.btf, f.type, f.name, level + 1, style)}${bits};`;
    });
    return `${head}\n${lines.join('\n')}\n${'\t'.repeat(level)}}${CORE_ATTRIBUTE}`;
  }

  /** Used fields in the kernel's declaration order (offset, then name): deterministic. */
  private orderedFields(use: AggUse): BtfField[] {
    return [...use.fields.values()].sort((a, b) => a.bitOffset - b.bitOffset || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Named aggregates the used fields of `use` need: complete (held by value, directly or
   * in arrays, including inside inline anonymous aggregates) or just declared (pointed to).
   */
  private collectRefs(use: AggUse, byValue: Set<string>, pointedTo: Set<string>, seenAnon: Set<number>): void {
    const b = this.btf;
    for (const f of use.fields.values()) {
      let id = f.type;
      let throughPtr = false;
      for (let guard = 0; guard < 32; guard++) {
        id = b.resolve(id);
        const t = b.type(id);
        if (t.kind === 'ptr') {
          throughPtr = true;
          id = t.type;
        } else if (t.kind === 'array') {
          id = t.type;
        } else {
          if (t.kind === 'struct' || t.kind === 'union' || t.kind === 'fwd') {
            const kind = t.kind === 'fwd' ? (t.union ? 'union' : 'struct') : t.kind;
            if (t.name) (throughPtr ? pointedTo : byValue).add(`${kind} ${t.name}`);
            else if (t.kind !== 'fwd' && !seenAnon.has(t.id)) {
              seenAnon.add(t.id);
              this.collectRefs(this.anon.get(t.id) ?? { t, fields: new Map() }, byValue, pointedTo, seenAnon);
            }
          }
          break;
        }
      }
    }
  }
}

/** Convenience: the declarations for a list of uses. */
export function emitCDecls(uses: readonly FieldUse[], btf: Btf = vmlinuxBtf(), opts: CDeclOptions = {}): string {
  const d = new CDecls(btf);
  for (const u of uses) d.use(u.struct, u.path);
  return d.emit(opts);
}
