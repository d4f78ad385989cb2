// How values are stored in maps, events and variables: integers widen to 64 bits
// (keeping their sign, as bpftrace does), everything else is stored as it is.

import type { Ty } from '../types/ty.js';

export function storageTy(t: Ty): Ty {
  switch (t.k) {
    case 'int':
      return { k: 'int', bits: 64, signed: t.signed };
    case 'tuple':
      return { k: 'tuple', elems: t.elems.map(storageTy) };
    case 'array':
      // char[N] (tracepoint comm fields, struct members) is a string to bpftrace.
      return t.elem.k === 'int' && t.elem.bits === 8 ? { k: 'str', size: t.len } : t;
    case 'ptr':
      return t;
    default:
      return t;
  }
}

/** True for types held in a C scalar (integer registers). */
export function isScalar(t: Ty): boolean {
  switch (t.k) {
    case 'int':
    case 'bool':
    case 'ptr':
    case 'ksym':
    case 'kaddr':
    case 'func':
    case 'probe':
    case 'username':
    case 'kstack':
    case 'timestamp':
    case 'cgroup_path':
    case 'strerror':
      return true;
    default:
      return false;
  }
}
