// Is `vaddr` the first byte of an instruction? A uprobe placed mid-instruction would
// corrupt the traced program (the kernel writes an int3 over whatever byte is there),
// so `uprobe:bin:func+N` must be checked, as bpftrace does with its disassembler.
// Input: an ELF path and a function's address range. Output: the instruction start
// addresses in that range, from llvm-objdump (or GNU objdump) run synchronously, or null
// when no disassembler is installed. Only used for `+offset` probes, never on a hot path.
// Must not: guess; when it cannot disassemble it says so (null).

import { spawnSync } from 'node:child_process';

const DISASSEMBLERS = ['llvm-objdump', 'objdump'] as const;

let available: string | null | undefined;

function disassembler(): string | null {
  if (available !== undefined) return available;
  available = null;
  for (const tool of DISASSEMBLERS) {
    const r = spawnSync(tool, ['--version'], { stdio: 'ignore' });
    if (r.status === 0) {
      available = tool;
      break;
    }
  }
  return available;
}

/** Instruction start addresses in [start, end), or null when they cannot be determined. */
export function instructionStarts(path: string, start: number, end: number): number[] | null {
  const tool = disassembler();
  if (!tool) return null;
  const r = spawnSync(
    tool,
    ['-d', '--no-show-raw-insn', `--start-address=0x${start.toString(16)}`, `--stop-address=0x${end.toString(16)}`, path],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0 || typeof r.stdout !== 'string') return null;
  const out: number[] = [];
  for (const line of r.stdout.split('\n')) {
    // "    1139:      \tpush\t%rbp" (llvm) or "    1139:\tpush %rbp" (GNU); function
    // headers ("0000000000001139 <fib>:") have no colon right after the address.
    const m = /^\s*([0-9a-f]+):\s/.exec(line);
    if (!m) continue;
    const a = parseInt(m[1]!, 16);
    if (a >= start && a < end) out.push(a);
  }
  return out.length > 0 ? out : null;
}
