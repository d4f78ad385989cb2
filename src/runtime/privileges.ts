// Privilege check before loading: root, or CAP_BPF + CAP_PERFMON (or CAP_SYS_ADMIN) in
// the effective set. Reported as diagnostic E001, before anything is spawned.

import { readFileSync } from 'node:fs';
import { UserError } from '../diagnostics/diagnostic.js';

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

export function hasBpfPrivileges(): boolean {
  if (process.geteuid?.() === 0) return true;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (!m) return false;
    const caps = BigInt('0x' + m[1]);
    const has = (c: bigint) => (caps >> c) & 1n;
    return !!has(CAP_SYS_ADMIN) || (!!has(CAP_BPF) && !!has(CAP_PERFMON));
  } catch {
    return false;
  }
}

export function checkPrivileges(): void {
  if (hasBpfPrivileges()) return;
  throw UserError.of('E001', null);
}
