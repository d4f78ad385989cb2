// The client of the loader helper (native/loader/bpfscript-loader).
//
// Input: commands from the runtime (open, set, load, attach per the manifest, run,
// dump ...). Output: promises resolved by the helper's replies, in order, and every
// ring-buffer record handed to the onEvents listeners as a Buffer slice of the chunk
// it arrived in (no copy unless the record spans two chunks).
// It speaks docs/loader-protocol.md and nothing else: it does not decode records or
// map values (decode.ts does), print anything, or decide what to attach.
//
// The helper's stderr is inherited by default: the helper writes there only libbpf's
// messages under -v (meant for the user, as-is) and fatal start-up errors, so there
// is nothing to parse, and an inherited fd can never fill up and stall the helper.
// The CLI and tests pass stderr: 'pipe' to keep the tail for the exit reason.
//
// The helper is spawned here, or, for the CLI, already running: bin/bpfscript starts
// node through `bpfscript-loader --exec`, which forks a helper off first and names its
// pipes in BPFSCRIPT_LOADER_FDS (claimStartedHelper() takes them; the first Loader
// that can use them does).

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { packageRoot } from '../package-root.js';
import { bootId } from './compile-cache.js';
import { procStatFields } from './proc-stat.js';
import type { AttachSpec } from '../codegen/manifest.js';

/** Frame types of the helper's stdout (docs/loader-protocol.md). */
export const FRAME = { EVENTS: 1, REPLY: 2, MAP: 3 } as const;

const FRAME_HEADER = 8;
const MAP_HEADER = 20;
/** Keep this much of a piped stderr for the exit reason. */
const STDERR_TAIL = 4096;

export interface MapEntry {
  readonly key: Buffer;
  readonly value: Buffer;
}

/** A `dump` result. For per-CPU maps valueSize = ncpus * round_up(size, 8). */
export interface MapDump {
  readonly keySize: number;
  readonly valueSize: number;
  readonly ncpus: number;
  readonly entries: MapEntry[];
}

export interface FrameHandlers {
  /** Records in arrival order; called before any reply that follows them. */
  events(records: Buffer[]): void;
  reply(seq: number, status: number, message: string): void;
  map(seq: number, dump: MapDump): void;
}

/** The helper sent bytes that are not frames: a bug on one side or the other. */
export class LoaderProtocolError extends Error {
  override readonly name = 'LoaderProtocolError';
}

// Parser states: between frames, inside an EVENTS frame, inside a REPLY/MAP payload.
const S_HEADER = 0;
const S_EVENTS = 1;
const S_BODY = 2;
type ParseState = typeof S_HEADER | typeof S_EVENTS | typeof S_BODY;

/**
 * Incremental frame parser. Frames may span chunks and a chunk may hold many
 * frames. EVENTS frames are parsed record by record as bytes arrive, so a 1 MiB
 * frame is never gathered; only a record or header cut by a chunk boundary is
 * copied. REPLY and MAP frames are sliced from the chunk when whole, else gathered
 * once into a buffer of their exact size.
 */
export class FrameParser {
  private state: ParseState = S_HEADER;
  private readonly head = Buffer.alloc(FRAME_HEADER);
  private headFill = 0;
  private type = 0;
  /** Payload bytes of the current frame not yet consumed. */
  private left = 0;
  // A record cut by a chunk boundary: its 4-byte size, then its bytes.
  private readonly recHead = Buffer.alloc(4);
  private recHeadFill = 0;
  private rec: Buffer | null = null;
  private recFill = 0;
  // A REPLY or MAP payload cut by a chunk boundary.
  private body: Buffer | null = null;
  private bodyFill = 0;

  constructor(private readonly handlers: FrameHandlers) {}

  /** Bytes of an incomplete frame seen so far (0 between frames). */
  get pendingBytes(): number {
    if (this.state === S_HEADER) return this.headFill;
    return this.state === S_BODY ? this.bodyFill : this.recHeadFill + this.recFill;
  }

  push(chunk: Buffer): void {
    let records: Buffer[] = [];
    const n = chunk.length;
    let off = 0;
    while (off < n) {
      if (this.state === S_HEADER) {
        if (this.headFill === 0 && n - off >= FRAME_HEADER) {
          this.type = chunk.readUInt32LE(off);
          this.left = chunk.readUInt32LE(off + 4);
          off += FRAME_HEADER;
        } else {
          const take = Math.min(FRAME_HEADER - this.headFill, n - off);
          chunk.copy(this.head, this.headFill, off, off + take);
          this.headFill += take;
          off += take;
          if (this.headFill < FRAME_HEADER) break;
          this.headFill = 0;
          this.type = this.head.readUInt32LE(0);
          this.left = this.head.readUInt32LE(4);
        }
        if (this.type === FRAME.EVENTS) {
          this.state = S_EVENTS;
        } else if (this.type === FRAME.REPLY || this.type === FRAME.MAP) {
          if (n - off >= this.left) {
            // Whole payload in this chunk: slice it, no copy.
            const payload = chunk.subarray(off, off + this.left);
            off += this.left;
            records = this.deliver(records);
            this.dispatch(this.type, payload);
            continue;
          }
          this.state = S_BODY;
          this.body = Buffer.allocUnsafe(this.left);
          this.bodyFill = 0;
        } else {
          throw new LoaderProtocolError(`unknown frame type ${this.type}`);
        }
        continue;
      }

      if (this.state === S_BODY) {
        const body = this.body as Buffer;
        const take = Math.min(this.left, n - off);
        chunk.copy(body, this.bodyFill, off, off + take);
        this.bodyFill += take;
        this.left -= take;
        off += take;
        if (this.left === 0) {
          this.body = null;
          this.bodyFill = 0;
          this.state = S_HEADER;
          records = this.deliver(records);
          this.dispatch(this.type, body);
        }
        continue;
      }

      // S_EVENTS
      if (this.left === 0) {
        this.state = S_HEADER;
        continue;
      }
      const end = off + Math.min(this.left, n - off);
      if (this.recHeadFill > 0 || this.rec !== null) {
        off = this.continueRecord(chunk, off, end, records);
        continue;
      }
      // Fast path: whole records inside this chunk.
      while (end - off >= 4) {
        const size = chunk.readUInt32LE(off);
        if (4 + size > this.left) throw new LoaderProtocolError(`event record of ${size} bytes overruns its frame`);
        if (off + 4 + size > end) break;
        records.push(chunk.subarray(off + 4, off + 4 + size));
        off += 4 + size;
        this.left -= 4 + size;
      }
      if (off < end) off = this.continueRecord(chunk, off, end, records);
    }
    this.deliver(records);
  }

  /** Gather a record cut by a chunk boundary; returns the new offset. */
  private continueRecord(chunk: Buffer, off: number, end: number, records: Buffer[]): number {
    if (this.rec === null) {
      const take = Math.min(4 - this.recHeadFill, end - off);
      chunk.copy(this.recHead, this.recHeadFill, off, off + take);
      this.recHeadFill += take;
      this.left -= take;
      off += take;
      if (this.recHeadFill < 4) return off;
      const size = this.recHead.readUInt32LE(0);
      this.recHeadFill = 0;
      if (size > this.left) throw new LoaderProtocolError(`event record of ${size} bytes overruns its frame`);
      this.rec = Buffer.allocUnsafe(size);
      this.recFill = 0;
    }
    const rec = this.rec;
    const take = Math.min(rec.length - this.recFill, end - off);
    chunk.copy(rec, this.recFill, off, off + take);
    this.recFill += take;
    this.left -= take;
    off += take;
    if (this.recFill === rec.length) {
      records.push(rec);
      this.rec = null;
      this.recFill = 0;
    }
    return off;
  }

  private deliver(records: Buffer[]): Buffer[] {
    if (records.length === 0) return records;
    this.handlers.events(records);
    return [];
  }

  private dispatch(type: number, p: Buffer): void {
    if (type === FRAME.REPLY) {
      if (p.length < 8) throw new LoaderProtocolError(`REPLY frame of ${p.length} bytes`);
      this.handlers.reply(p.readUInt32LE(0), p.readInt32LE(4), p.toString('utf8', 8));
      return;
    }
    if (p.length < MAP_HEADER) throw new LoaderProtocolError(`MAP frame of ${p.length} bytes`);
    const seq = p.readUInt32LE(0);
    const keySize = p.readUInt32LE(4);
    const valueSize = p.readUInt32LE(8);
    const ncpus = p.readUInt32LE(12);
    const count = p.readUInt32LE(16);
    const stride = keySize + valueSize;
    if (MAP_HEADER + count * stride !== p.length) {
      throw new LoaderProtocolError(`MAP frame of ${p.length} bytes cannot hold ${count} entries of ${stride} bytes`);
    }
    const entries: MapEntry[] = new Array<MapEntry>(count);
    for (let i = 0, o = MAP_HEADER; i < count; i++, o += stride) {
      entries[i] = { key: p.subarray(o, o + keySize), value: p.subarray(o + keySize, o + stride) };
    }
    this.handlers.map(seq, { keySize, valueSize, ncpus, entries });
  }
}

// ---- commands

/**
 * Percent-encode one argument: every byte outside printable ASCII, and space and
 * '%', becomes %XX (strings are encoded as UTF-8 first).
 */
export function encodeArg(arg: string | Uint8Array): string {
  const bytes = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg;
  let out = '';
  for (const b of bytes) {
    out += b > 0x20 && b < 0x7f && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export type CommandArg = string | number | Uint8Array;

/** One command line, newline included: `<seq> <verb> [args...]`. */
export function encodeCommand(seq: number, verb: string, args: readonly CommandArg[] = []): string {
  const parts = [String(seq), verb];
  for (const a of args) parts.push(typeof a === 'number' ? encodeInt(a) : encodeArg(a));
  return parts.join(' ') + '\n';
}

function encodeInt(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`loader command argument ${n} is not an integer`);
  return String(n);
}

const flag = (b: boolean): number => (b ? 1 : 0);

/** How `bpfscript-loader --exec` names a plan file: <cache dir>/plans/<16 hex digits>. */
const PLAN_FILE = /^\/.*\/plans\/[0-9a-f]{16}$/;

/** The commands a plan holds (native/loader/plan.c). */
const PLAN_VERBS = new Set(['prepare', 'open', 'set', 'load']);

/** The `attach` arguments after `<prog>` for one manifest AttachSpec. */
export function attachArgs(spec: AttachSpec): CommandArg[] {
  switch (spec.kind) {
    case 'tracepoint':
      return ['tracepoint', spec.category, spec.name, spec.cookie];
    case 'raw_tracepoint':
      return ['raw_tracepoint', spec.name, spec.cookie];
    case 'kprobe':
      return ['kprobe', spec.func, spec.offset, flag(spec.ret), spec.cookie];
    case 'uprobe':
      return ['uprobe', spec.path, spec.offset, flag(spec.ret), spec.pid, spec.cookie];
    case 'usdt':
      return ['usdt', spec.path, spec.provider, spec.name, spec.pid, spec.cookie];
    case 'perf':
      return ['perf', spec.type, spec.config, spec.period, flag(spec.freq), spec.cpus, spec.pid, spec.cookie];
    case 'fentry':
      // The target function is in the program's SEC() name, fixed at load.
      return ['fentry', spec.cookie];
    default:
      return assertNever(spec);
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled attach spec ${JSON.stringify(x)}`);
}

// ---- errors

/** A command the helper answered with a negative errno. */
export class LoaderError extends Error {
  override readonly name: string = 'LoaderError';
  constructor(
    readonly verb: string,
    /** Negative errno from the helper. */
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `load` failed; `log` is the verifier log of `prog` (or libbpf's warnings). */
export class LoadError extends LoaderError {
  override readonly name = 'LoadError';
  constructor(
    status: number,
    /** The failing program ('' when the failure is not a program's). */
    readonly prog: string,
    readonly log: string,
  ) {
    super('load', status, prog ? `loading ${prog} failed` : 'loading the object failed');
  }
}

/** `attach` failed; `reason` is the helper's one-line explanation. */
export class AttachError extends LoaderError {
  override readonly name = 'AttachError';
  constructor(
    status: number,
    readonly prog: string,
    readonly spec: AttachSpec,
    /** e.g. "tracepoint syscalls:sys_enter_foo: No such file or directory" */
    readonly reason: string,
    /** libbpf's own warnings, one per line ('' when none). */
    readonly details: string,
  ) {
    super('attach', status, reason);
  }
}

export interface LoaderExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Human-readable, for E011: "exited with status 1", "killed by SIGKILL", ... */
  readonly reason: string;
}

/** The helper is gone; pending and later commands reject with this. */
export class LoaderExitedError extends Error {
  override readonly name = 'LoaderExitedError';
  constructor(readonly exit: LoaderExit) {
    super(`the loader helper exited: ${exit.reason}`);
  }
}

/** The helper binary does not exist (E003). */
export class LoaderNotBuiltError extends Error {
  override readonly name = 'LoaderNotBuiltError';
  constructor(readonly path: string) {
    super(`the loader helper is not built: ${path}`);
  }
}

// ---- the client

/** native/loader/bpfscript-loader of this package, or $BPFSCRIPT_LOADER. */
export function loaderPath(): string {
  const env = process.env['BPFSCRIPT_LOADER'];
  if (env) return env;
  return join(packageRoot(), 'native', 'loader', 'bpfscript-loader');
}

export interface LoaderOptions {
  /** Helper binary; default loaderPath(). */
  readonly path?: string;
  /** Pass -v: libbpf's messages go to stderr. */
  readonly verbose?: boolean;
  /** 'inherit' (default) or 'pipe' (keep the tail for exit reasons). */
  readonly stderr?: 'inherit' | 'pipe';
  /**
   * A plan file (native/loader/plan.c): the helper does the commands in it when it
   * starts, and savePlan() writes this run's there. bin/bpfscript's started helper has
   * its own (BPFSCRIPT_LOADER_PLAN).
   */
  readonly plan?: string;
}

interface Reply {
  readonly status: number;
  readonly message: string;
}

interface Pending {
  readonly seq: number;
  readonly verb: string;
  readonly resolve: (r: Reply | MapDump) => void;
  readonly reject: (e: Error) => void;
}

export type EventsListener = (records: Buffer[]) => void;
export type ExitListener = (exit: LoaderExit) => void;

/** What the client uses of the helper's process, spawned or started by bin/bpfscript. */
interface HelperProcess {
  readonly pid: number | undefined;
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable | null;
  kill(signal: NodeJS.Signals): void;
  /** Once, after stdout has ended: the exit status, or why it never started. */
  onClose(cb: (code: number | null, signal: NodeJS.Signals | null, error: Error | null) => void): void;
}

function spawnHelper(path: string, opts: LoaderOptions): HelperProcess {
  const args = [...(opts.verbose ? ['-v'] : []), ...(opts.plan ? ['--plan', opts.plan] : [])];
  const child = spawn(path, args, {
    stdio: ['pipe', 'pipe', opts.stderr ?? 'inherit'],
    // Its own process group: Ctrl-C, SIGTERM or SIGHUP sent to the terminal's group
    // reach only us, and we decide when END runs and when the helper quits. It still
    // exits when we die (PR_SET_PDEATHSIG, and the end of its stdin).
    detached: true,
  });
  return {
    get pid() {
      return child.pid;
    },
    stdin: child.stdin!,
    stdout: child.stdout!,
    stderr: child.stderr,
    kill: (signal) => child.kill(signal),
    onClose(cb) {
      // A helper that never started gets no 'close' we can rely on.
      child.on('error', (e) => {
        if (child.pid === undefined) cb(null, null, e);
      });
      // 'close' comes after stdout ended, so every frame has been parsed.
      child.on('close', (code, signal) => cb(code, signal, null));
    },
  };
}

/** The helper bin/bpfscript started (pid and pipe fds), until a Loader takes it. */
let started: { pid: number; stdin: number; stdout: number; stderr: number; plan?: string } | null = null;

/**
 * Take BPFSCRIPT_LOADER_FDS out of the environment (the CLI calls this first thing, so
 * no child of ours sees it) and keep the helper it names if its pipes are open here.
 */
export function claimStartedHelper(): void {
  const v = process.env['BPFSCRIPT_LOADER_FDS'];
  const plan = process.env['BPFSCRIPT_LOADER_PLAN'];
  delete process.env['BPFSCRIPT_LOADER_PLAN'];
  if (v === undefined) return;
  delete process.env['BPFSCRIPT_LOADER_FDS'];
  const [pid, stdin, stdout, stderr] = v.split(' ').map(Number) as [number, number, number, number];
  try {
    if (pid > 0 && [stdin, stdout, stderr].every((fd) => Number.isInteger(fd) && fd > 2 && fstatSync(fd).isFIFO())) {
      // Only a plan file of the helper's naming (see savePlan, runFull).
      started = { pid, stdin, stdout, stderr, plan: plan && PLAN_FILE.test(plan) ? plan : undefined };
    }
  } catch {
    // Not open here after all: spawn one when needed.
  }
}

/** Whether bin/bpfscript started a helper that a Loader may still take. */
export function helperStartedWithNode(): boolean {
  return started !== null;
}

/** Let the started helper go (it exits at the end of its stdin); its plan file, if any. */
export function releaseStartedHelper(): string | undefined {
  if (!started) return undefined;
  for (const fd of [started.stdin, started.stdout, started.stderr]) closeSync(fd);
  const plan = started.plan;
  started = null;
  return plan;
}

/**
 * The exit status of a child node did not spawn, so never reaps: from its zombie's
 * /proc/<pid>/stat (field 52 is the wait status), polled briefly after its stdout ended.
 */
function zombieStatus(pid: number, cb: (code: number | null, signal: NodeJS.Signals | null) => void, triesLeft = 200): void {
  const fields = procStatFields(pid);
  if (!fields) {
    cb(null, null);
    return;
  }
  if (fields[3 - 3] !== 'Z') {
    if (triesLeft > 0) setTimeout(() => zombieStatus(pid, cb, triesLeft - 1), 2);
    else cb(null, null);
    return;
  }
  const status = Number(fields[52 - 3]);
  const sig = status & 0x7f;
  if (sig === 0) cb((status >> 8) & 0xff, null);
  else cb(null, (Object.entries(constants.signals).find(([, n]) => n === sig)?.[0] as NodeJS.Signals | undefined) ?? null);
}

function adoptHelper(h: NonNullable<typeof started>): HelperProcess {
  const stdin = new Socket({ fd: h.stdin, readable: false, writable: true });
  const stdout = new Socket({ fd: h.stdout, readable: true, writable: false });
  const stderr = new Socket({ fd: h.stderr, readable: true, writable: false });
  return {
    pid: h.pid,
    stdin,
    stdout,
    stderr,
    kill(signal) {
      try {
        process.kill(h.pid, signal);
      } catch {
        // Gone already.
      }
    },
    onClose(cb) {
      stdout.on('close', () => zombieStatus(h.pid, (code, signal) => cb(code, signal, null)));
    },
  };
}

export class Loader {
  private readonly child: HelperProcess;
  private readonly parser: FrameParser;
  private readonly pending: Pending[] = [];
  private readonly eventListeners: EventsListener[] = [];
  private readonly exitListeners: ExitListener[] = [];
  /** Records that arrived before anyone listened: kept, never dropped. */
  private early: Buffer[][] = [];
  private seq = 0;
  private exited: LoaderExit | null = null;
  private expectExit = false;
  private stderrTail = '';
  private corked = false;
  private readonly closed: Promise<LoaderExit>;
  /** Where savePlan() writes (undefined: nowhere), and what it will write. */
  private planFile: string | undefined;
  private readonly planLines: string[] = [];
  private recording = true;
  private readonly planChecks = new Set<string>();

  constructor(opts: LoaderOptions = {}) {
    const path = opts.path ?? loaderPath();
    if (!existsSync(path)) throw new LoaderNotBuiltError(path);
    this.parser = new FrameParser({
      events: (records) => this.onRecords(records),
      reply: (seq, status, message) => this.settle(seq, { status, message }),
      map: (seq, dump) => this.settle(seq, dump),
    });
    // The started helper serves the plain case: its stderr is a pipe, it runs without -v.
    if (started && opts.path === undefined && opts.stderr === 'pipe' && !opts.verbose) {
      this.child = adoptHelper(started);
      this.planFile = started.plan;
      started = null;
    } else {
      releaseStartedHelper();
      this.child = spawnHelper(path, opts);
      this.planFile = opts.plan;
    }
    this.child.stdin.on('error', () => {
      // EPIPE after the helper died; 'close' reports the exit.
    });
    this.child.stdout.on('data', (chunk: Buffer) => {
      try {
        this.parser.push(chunk);
      } catch (e) {
        this.fail(e instanceof Error ? e : new Error(String(e)));
      }
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (s: string) => {
      this.stderrTail = (this.stderrTail + s).slice(-STDERR_TAIL);
    });
    this.closed = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError: Error | null): void => {
        if (this.exited) return;
        const exit = this.describeExit(code, signal, spawnError);
        this.exited = exit;
        this.rejectAll(new LoaderExitedError(exit));
        if (!this.expectExit) for (const cb of this.exitListeners) cb(exit);
        resolve(exit);
      };
      this.child.onClose(finish);
    });
  }

  /** The helper's process id (undefined if it could not be started). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Listen to ring-buffer records (each a Buffer slice; copy it to keep it long). */
  onEvents(cb: EventsListener): void {
    this.eventListeners.push(cb);
    const early = this.early;
    this.early = [];
    for (const batch of early) cb(batch);
  }

  /** Called when the helper dies without quit()/terminate() (the runtime's E011). */
  onExit(cb: ExitListener): void {
    this.exitListeners.push(cb);
  }

  async open(path: string): Promise<void> {
    await this.ok('open', [path]);
  }

  /** Overwrite a `const volatile` global before load(). */
  async set(name: string, bytes: Uint8Array): Promise<void> {
    await this.ok('set', [name, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')]);
  }

  /** Set a u64 `const volatile` global to when the helper started (CLOCK_MONOTONIC ns). */
  async setStart(name: string): Promise<void> {
    await this.ok('set', [name, 'start']);
  }

  /** Rejects with LoadError carrying the failing program and its verifier log. */
  async load(): Promise<void> {
    const r = await this.reply('load', []);
    if (r.status >= 0) return;
    const nl = r.message.indexOf('\n');
    const prog = nl < 0 ? '' : r.message.slice(0, nl);
    throw new LoadError(r.status, prog, nl < 0 ? r.message : r.message.slice(nl + 1));
  }

  /**
   * Start a uprobe's registration (the kernel's slow part) on the helper's worker
   * thread, ahead of open and load; the `attach` with the same spec links it. Always
   * safe to skip: an attach with nothing prepared does all of it.
   */
  async prepare(spec: Extract<AttachSpec, { kind: 'uprobe' }>): Promise<void> {
    this.planChecks.add(spec.path);
    await this.ok('prepare', ['uprobe', spec.path, spec.offset, flag(spec.ret), spec.pid]);
  }

  /**
   * Write the plan (native/loader/plan.c) for the next run with this command line: the
   * commands this one sent before its first other one (attach, run), and the identity of
   * every binary a uprobe was prepared in. Call it once they all succeeded. Runs whose
   * commands change from run to run (a -c command's pid) gain nothing from one.
   * Best effort: a plan that cannot be written only leaves the next start slower.
   */
  savePlan(): void {
    if (!this.planFile || !this.planLines.includes('load')) return;
    try {
      const checks = [...this.planChecks].flatMap((p) => {
        const st = statSync(p, { bigint: true, throwIfNoEntry: false });
        return st ? [`check ${encodeArg(p)} ${st.dev} ${st.ino} ${st.size} ${st.mtimeNs}`] : [];
      });
      const text = ['bpfscript-plan 2', `boot ${bootId()}`, ...checks, ...this.planLines, ''].join('\n');
      try {
        if (readFileSync(this.planFile, 'utf8') === text) return;
      } catch {
        /* none yet */
      }
      const dir = dirname(this.planFile);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      // Only into a directory of our own that nobody else may write (names in it are
      // predictable); the temporary file is new ('wx': no symlink followed).
      const d = lstatSync(dir);
      if (!d.isDirectory() || d.uid !== process.geteuid?.() || (d.mode & 0o022) !== 0) return;
      const tmp = `${this.planFile}.${randomBytes(6).toString('hex')}`;
      writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
      renameSync(tmp, this.planFile);
    } catch {
      /* no plan: the next run does everything when it is asked to */
    }
  }

  /**
   * Files the plan also checks (the ones the compile read, the script's): with all of
   * them unchanged bin/bpfscript starts node without the compiler (native/loader/plan.c).
   * null: this run leaves no plan (its script is not in its command line: stdin).
   */
  planFiles(paths: readonly string[] | null): void {
    if (paths === null) this.planFile = undefined;
    else for (const p of paths) this.planChecks.add(p);
  }

  /** Resolves with the number of links made; rejects with AttachError. */
  async attach(prog: string, spec: AttachSpec): Promise<number> {
    const r = await this.reply('attach', [prog, ...attachArgs(spec)]);
    if (r.status < 0) {
      const nl = r.message.indexOf('\n');
      const reason = nl < 0 ? r.message : r.message.slice(0, nl);
      throw new AttachError(r.status, prog, spec, reason, nl < 0 ? '' : r.message.slice(nl + 1));
    }
    return Number(r.message);
  }

  /**
   * Run a program once (BEGIN/END). Its events have been delivered to the
   * onEvents listeners when this resolves. Resolves with the program's return value.
   */
  async run(prog: string): Promise<number> {
    return Number(await this.ok('run', [prog]));
  }

  /** Destroy one program's links, or all; resolves with how many. */
  async detach(prog: string | 'all'): Promise<number> {
    return Number(await this.ok('detach', [prog]));
  }

  /** Every record in the ring buffer has been delivered when this resolves. */
  async drain(): Promise<void> {
    await this.ok('drain', []);
  }

  async dump(map: string): Promise<MapDump> {
    const r = await this.send('dump', [map]);
    if ('entries' in r) return r;
    throw new LoaderError('dump', r.status < 0 ? r.status : -22, r.message || 'dump: no MAP frame');
  }

  /** Delete every entry (arrays: zero them); resolves with how many. */
  async clear(map: string): Promise<number> {
    return Number(await this.ok('clear', [map]));
  }

  /** Zero every value, keeping the keys; resolves with how many. */
  async zero(map: string): Promise<number> {
    return Number(await this.ok('zero', [map]));
  }

  /** Detach everything, deliver the last events, and wait for the helper to exit. */
  async quit(): Promise<LoaderExit> {
    if (this.exited) return this.exited;
    this.expectExit = true;
    try {
      await this.ok('quit', []);
    } catch (e) {
      if (!(e instanceof LoaderExitedError)) throw e;
    }
    this.child.stdin.end();
    return this.closed;
  }

  /** SIGTERM the helper (it detaches and exits); no onExit callback. */
  terminate(): Promise<LoaderExit> {
    this.expectExit = true;
    if (!this.exited) this.child.kill('SIGTERM');
    return this.closed;
  }

  // ---- plumbing

  private async ok(verb: string, args: CommandArg[]): Promise<string> {
    const r = await this.reply(verb, args);
    if (r.status < 0) throw new LoaderError(verb, r.status, r.message);
    return r.message;
  }

  private async reply(verb: string, args: CommandArg[]): Promise<Reply> {
    const r = await this.send(verb, args);
    if ('entries' in r) throw new LoaderProtocolError(`${verb}: got a MAP frame instead of a REPLY`);
    return r;
  }

  private send(verb: string, args: CommandArg[]): Promise<Reply | MapDump> {
    if (this.exited) return Promise.reject(new LoaderExitedError(this.exited));
    const seq = ++this.seq;
    const line = encodeCommand(seq, verb, args);
    if (this.recording) {
      // The plan: every command up to the first that is not a prepare, open, set or load.
      if (PLAN_VERBS.has(verb)) this.planLines.push(line.slice(String(seq).length + 1, -1));
      else this.recording = false;
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ seq, verb, resolve, reject });
      // Commands sent in one go (open, set, load; the attaches) leave in one write: one
      // syscall and one wake-up of the helper instead of one per command.
      if (!this.corked) {
        this.corked = true;
        this.child.stdin.cork();
        process.nextTick(() => {
          this.corked = false;
          this.child.stdin.uncork();
        });
      }
      this.child.stdin.write(line);
    });
  }

  private settle(seq: number, r: Reply | MapDump): void {
    const p = this.pending.shift();
    if (!p || p.seq !== seq) {
      throw new LoaderProtocolError(`reply for command ${seq}, expected ${p ? p.seq : 'none'}`);
    }
    p.resolve(r);
  }

  private onRecords(records: Buffer[]): void {
    if (this.eventListeners.length === 0) {
      this.early.push(records);
      return;
    }
    for (const cb of this.eventListeners) cb(records);
  }

  /** A protocol error: nothing more can be trusted; stop the helper. */
  private fail(e: Error): void {
    this.rejectAll(e);
    this.child.kill('SIGTERM');
  }

  private rejectAll(e: Error): void {
    for (const p of this.pending.splice(0)) p.reject(e);
  }

  private describeExit(code: number | null, signal: NodeJS.Signals | null, spawnError: Error | null): LoaderExit {
    let reason: string;
    if (spawnError) reason = `could not start ${spawnError.message}`;
    else if (signal) reason = `killed by ${signal}`;
    else reason = `exited with status ${code}`;
    const tail = this.stderrTail.trim();
    if (tail) reason += `: ${tail.split('\n').slice(-5).join('\n')}`;
    return { code, signal, reason };
  }
}
