// SystemSymbolizer: the runtime's Symbolizer (src/runtime/value.ts) over this system:
// kernel symbols from /proc/kallsyms, user symbols from remembered /proc/PID/maps
// snapshots and ELF symbol tables (so they still resolve after the process exited),
// attach-point names from the manifest, user names from /etc/passwd. Stacks are read
// from the stack maps the runtime dumped (setStacks) before decoding.

import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { Manifest } from '../codegen/manifest.js';
import type { StackMode } from '../types/ty.js';
import { KernelSymbols } from './symbols/kernel-symbols.js';
import { UserSymbols } from './symbols/user-symbols.js';
import type { StackFrame, Symbolizer } from './value.js';

const ERRNO_TEXT: Record<string, string> = {
  EPERM: 'Operation not permitted', ENOENT: 'No such file or directory', ESRCH: 'No such process', EINTR: 'Interrupted system call',
  EIO: 'Input/output error', ENXIO: 'No such device or address', E2BIG: 'Argument list too long', ENOEXEC: 'Exec format error',
  EBADF: 'Bad file descriptor', ECHILD: 'No child processes', EAGAIN: 'Resource temporarily unavailable', ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied', EFAULT: 'Bad address', EBUSY: 'Device or resource busy', EEXIST: 'File exists', EXDEV: 'Invalid cross-device link',
  ENODEV: 'No such device', ENOTDIR: 'Not a directory', EISDIR: 'Is a directory', EINVAL: 'Invalid argument', ENFILE: 'Too many open files in system',
  EMFILE: 'Too many open files', ENOTTY: 'Inappropriate ioctl for device', EFBIG: 'File too large', ENOSPC: 'No space left on device',
  ESPIPE: 'Illegal seek', EROFS: 'Read-only file system', EMLINK: 'Too many links', EPIPE: 'Broken pipe', ERANGE: 'Numerical result out of range',
  ENAMETOOLONG: 'File name too long', ENOSYS: 'Function not implemented', ENOTEMPTY: 'Directory not empty', ELOOP: 'Too many levels of symbolic links',
  ECONNREFUSED: 'Connection refused', ECONNRESET: 'Connection reset by peer', ETIMEDOUT: 'Connection timed out', EADDRINUSE: 'Address already in use',
  ENOTSOCK: 'Socket operation on non-socket', EOPNOTSUPP: 'Operation not supported', EINPROGRESS: 'Operation now in progress',
};

/** One user stack entry: a file offset with its build-id, or a raw address. */
export interface UserFrame {
  readonly buildId: Buffer | null;
  readonly value: bigint;
}

export class SystemSymbolizer implements Symbolizer {
  readonly kernel = new KernelSymbols();
  readonly user = new UserSymbols();
  private users: Map<number, string> | null = null;
  private kstacks = new Map<number, readonly bigint[]>();
  private ustacks = new Map<number, readonly UserFrame[]>();
  private indexedProcesses = false;

  constructor(private readonly m: Manifest) {}

  ksym(addr: bigint): string | null {
    return this.kernel.resolve(addr)?.name ?? null;
  }

  usym(addr: bigint, pid: number): string | null {
    return this.user.resolve(addr, pid)?.name ?? null;
  }

  func(cookie: number): string {
    return this.m.attachNames[cookie]?.func ?? '';
  }

  probe(cookie: number): string {
    return this.m.attachNames[cookie]?.probe ?? '';
  }

  username(uid: number): string {
    if (!this.users) {
      this.users = new Map();
      try {
        for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
          const f = line.split(':');
          if (f.length > 2 && !this.users.has(Number(f[2]))) this.users.set(Number(f[2]), f[0]!);
        }
      } catch {
        /* no passwd: names print empty */
      }
    }
    return this.users.get(uid) ?? '';
  }

  setKernelStacks(kernel: Map<number, readonly bigint[]>): void {
    this.kstacks = kernel;
  }

  setUserStacks(user: Map<number, readonly UserFrame[]>): void {
    this.ustacks = user;
  }

  /** Index the build-ids of every file mapped by a live process (once, on a miss). */
  private indexProcesses(): void {
    if (this.indexedProcesses) return;
    this.indexedProcesses = true;
    const seen = new Set<string>();
    let pids: string[] = [];
    try {
      pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
    } catch {
      return;
    }
    for (const pid of pids) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/maps`, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        const path = line.split(/\s+/)[5];
        if (!path || !path.startsWith('/') || seen.has(path) || !line.split(/\s+/)[1]?.includes('x')) continue;
        seen.add(path);
        this.user.noteFile(path);
      }
    }
  }

  kstack(id: number, depth: number, _mode: StackMode): readonly StackFrame[] {
    const ips = this.kstacks.get(id) ?? [];
    return ips.slice(0, depth).map((addr) => {
      const s = this.kernel.resolve(addr);
      return { addr, sym: s?.name ?? null, offset: s?.offset ?? 0, module: s?.module ?? null };
    });
  }

  ustack(id: number, pid: number, depth: number, _mode: StackMode): readonly StackFrame[] {
    const frames = this.ustacks.get(id) ?? [];
    return frames.slice(0, depth).map((f) => {
      if (f.buildId) {
        let s = this.user.resolveBuildId(f.buildId, f.value);
        if (!s) {
          this.indexProcesses();
          s = this.user.resolveBuildId(f.buildId, f.value);
        }
        return { addr: f.value, sym: s?.name ?? null, offset: s?.offset ?? 0, module: s?.path ?? null };
      }
      const s = this.user.resolve(f.value, pid);
      return { addr: f.value, sym: s?.name ?? null, offset: s?.offset ?? 0, module: s?.path ?? null };
    });
  }

  cgroupPath(id: bigint): string {
    return `cgroup id ${id}`;
  }

  /** Kernel timestamps (CLOCK_MONOTONIC, like nsecs) -> Unix epoch nanoseconds. */
  epochOffsetNs(): bigint {
    if (this.epochOffset === null) this.epochOffset = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
    return this.epochOffset;
  }
  private epochOffset: bigint | null = null;

  strerror(errno: number): string {
    const name = Object.entries(constants.errno).find(([, v]) => v === errno)?.[0];
    return (name && ERRNO_TEXT[name]) ?? `Unknown error ${errno}`;
  }
}
