// run: a compiled program -> a live trace. Opens and loads the object through the
// loader helper, runs BEGIN, attaches every probe, releases the -c child, prints what
// the kernel sends (one event channel; events are handled strictly in order), and on
// exit() / Ctrl-C / SIGTERM / the child or -p process ending / the helper dying:
// detaches, drains, runs END, prints the maps, and makes the helper quit. Every path
// ends with no program attached: links belong to the helper, which exits.
// Must not: format anything itself (format/*), or decide how to parse bytes (decode.ts).

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AttachSpec, Manifest, MapManifest } from '../codegen/manifest.js';
import { UserError } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../source.js';
import { Loader, LoadError, AttachError, LoaderExitedError } from './loader.js';
import { decodeRecordArgs, decodeMap, type DecodeEnv } from './decode-glue.js';
import { mapVerifierError } from './verifier.js';
import type { Output } from './output.js';
import type { OutputFormat } from './printer.js';
import { makePrinter } from './printer.js';
import { SystemSymbolizer, type UserFrame } from './symbolizer.js';
import { resolveProgram } from './symbols/libraries.js';

export interface RunOptions {
  readonly manifest: Manifest;
  readonly objPath: Promise<string>;
  readonly loader: Loader;
  readonly src: SourceFile;
  readonly out: Output;
  readonly format: OutputFormat;
  /** -c: the command line to run (as a shell would resolve it). */
  readonly cmd?: string;
  /** -p: the process to follow (the trace ends when it exits). */
  readonly pid?: number;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly dryRun: boolean;
  readonly unsafe: boolean;
}

type StopReason = { kind: 'exit'; code: number } | { kind: 'signal'; signal: NodeJS.Signals } | { kind: 'child' } | { kind: 'loader'; reason: string };

/**
 * Start every uprobe's registration now (Loader.prepare): the first one waits for an
 * RCU grace period in the kernel (about 10 ms, holding the lock every perf-event attach
 * needs), which then passes while the object is compiled, opened and loaded.
 */
export function prepareUprobes(loader: Loader, m: Manifest): void {
  for (const p of m.programs) {
    for (const spec of p.attach) if (spec.kind === 'uprobe') loader.prepare(spec).catch(() => undefined);
  }
}

export async function run(opts: RunOptions): Promise<number> {
  const r = new Runner(opts);
  return r.start();
}

/** One attach command sent, for the probe it attaches. */
type PendingAttach = { prog: Manifest['programs'][number]; spec: AttachSpec; done: Promise<number> };

class Runner {
  private readonly m: Manifest;
  private readonly loader: Loader;
  private readonly printer;
  private readonly sym: SystemSymbolizer;
  private queue: Buffer[] = [];
  private processing: Promise<void> = Promise.resolve();
  private stopRequested: StopReason | null = null;
  private stopResolve!: (r: StopReason) => void;
  private readonly stopped: Promise<StopReason>;
  private acceptEvents = true;
  private child: ChildProcess | null = null;
  private readonly lostSeen = new Map<number, bigint>();
  private readonly dropsSeen = new Map<number, bigint>();
  private exitCode = 0;

  constructor(readonly opts: RunOptions) {
    this.m = opts.manifest;
    this.loader = opts.loader;
    this.sym = new SystemSymbolizer(this.m);
    this.printer = makePrinter(opts.format, this.m);
    this.stopped = new Promise((res) => (this.stopResolve = res));
  }

  private requestStop(r: StopReason): void {
    if (this.stopRequested) return;
    this.stopRequested = r;
    this.stopResolve(r);
  }

  private readonly zeroed = new Set<string>();

  private get decodeEnv(): DecodeEnv {
    return { manifest: this.m, sym: this.sym, zeroed: this.zeroed };
  }

  async start(): Promise<number> {
    const onSig = (signal: NodeJS.Signals) => this.requestStop({ kind: 'signal', signal });
    process.on('SIGINT', onSig);
    process.on('SIGTERM', onSig);
    process.on('SIGHUP', onSig);
    const onUsr1 = () => void this.enqueueTask(() => this.printAllMaps());
    process.on('SIGUSR1', onUsr1);
    this.loader.onExit((e) => this.requestStop({ kind: 'loader', reason: e.signal ? `killed by ${e.signal}` : `exit code ${e.code}` }));
    this.opts.out.onBroken = () => this.requestStop({ kind: 'signal', signal: 'SIGPIPE' });
    try {
      return await this.lifecycle();
    } catch (e) {
      // The helper died while a command was pending (loading, attaching, running BEGIN).
      if (e instanceof LoaderExitedError) throw loaderDied(e.exit.reason);
      throw e;
    } finally {
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
      process.off('SIGHUP', onSig);
      process.off('SIGUSR1', onUsr1);
      if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
        // the traced command is ours: do not leave it behind
        this.child.kill('SIGTERM');
      }
      await this.opts.out.close();
    }
  }

  private async lifecycle(): Promise<number> {
    this.noteFiles();
    const obj = await this.opts.objPath;
    // Pipelined: open, the three sets and load go out at once (the helper answers in
    // order; after a failed open the rest fail too, and the open's error is reported).
    // Only -c waits for open before it starts the command whose pid is set.
    const opened = this.loader.open(obj);
    if (this.opts.cmd) {
      await opened;
      this.spawnChild(this.opts.cmd);
    }
    const steps = [
      opened,
      this.loader.setStart('rt_start_ns'),
      this.loader.set('rt_cpid', u64(BigInt(this.child?.pid ?? 0))),
      this.loader.set('rt_ncpus', u64(BigInt(onlineCpus()))),
    ];
    const loaded = this.loader.load();
    for (const p of [...steps, loaded]) p.catch(() => undefined);
    const begins = this.m.programs.filter((p) => p.provider === 'begin');
    const ends = this.m.programs.filter((p) => p.provider === 'end');
    const attachable = this.m.programs.filter((p) => p.provider !== 'begin' && p.provider !== 'end');
    // Without a BEGIN to run first, the attaches follow load in the same write: one
    // round trip fewer (after a failed load they fail too, and the load's error is reported).
    let pending = begins.length === 0 ? this.sendAttaches(attachable) : null;
    for (const p of steps) await p;
    try {
      await loaded;
    } catch (e) {
      if (e instanceof LoadError) {
        const p = this.m.programs.find((x) => x.prog === e.prog);
        if (p && (p.provider === 'kfunc' || p.provider === 'kretfunc' || p.provider === 'iter')) {
          // fentry/fexit/iter programs are refused at load on kernels without BPF trampolines.
          // The kernel's answer (an errno), not libbpf's lines about our cached object.
          const errno = /failed to load: -?(\d+)/.exec(e.log)?.[1];
          const why = errno ? ` (${this.sym.strerror(Number(errno))})` : '';
          throw UserError.of('E006', p.span, { feature: `${p.provider} probes (BPF trampolines)`, reason: `the kernel refused to load ${p.text}${why}` });
        }
        throw new UserError([mapVerifierError(e.prog, e.log, this.m, this.opts.src)]);
      }
      throw e;
    }

    if (!this.opts.quiet) this.opts.out.write(this.printer.attached(this.m.probeCount));
    // Events are taken from here on: what pipelined attaches let fire before the line
    // above was written waits in the Loader until now.
    this.loader.onEvents((records) => this.onRecords(records));

    // bpftrace runs BEGIN before attaching the other probes; exit() there skips them.
    for (const p of begins) {
      await this.loader.run(p.prog);
      await this.settle();
    }
    if (this.stopRequested && pending) {
      // Stopped while the pipelined attaches were on their way: nothing stays attached.
      await Promise.allSettled(pending.map((x) => x.done));
      await this.loader.detach('all');
    } else if (!this.stopRequested) {
      pending ??= this.sendAttaches(attachable);
      const results = await Promise.allSettled(pending.map((x) => x.done));
      const failed = results.findIndex((r) => r.status === 'rejected');
      if (failed >= 0) {
        const e = (results[failed] as PromiseRejectedResult).reason;
        const { prog: p, spec } = pending[failed]!;
        if (e instanceof AttachError) {
          throw UserError.of('B003', p.span, { probe: this.m.attachNames[spec.cookie]?.probe ?? p.text, reason: e.message });
        }
        throw e;
      }
    }
    // What the next run with this command line sends first, for its helper to do ahead
    // (native/loader/plan.c); not when that changes from run to run (a -c command's pid,
    // a -p process's uprobes). Written once the first events had their turn, or at stop.
    if (!this.opts.cmd && this.opts.pid === undefined) {
      this.planPending = true;
      setTimeout(() => this.savePlan(), 20).unref();
    }
    if (this.opts.dryRun) this.requestStop({ kind: 'exit', code: 0 });
    // What BEGIN printed must reach stdout before the command can print anything.
    await this.settle();
    await this.opts.out.flush();
    this.releaseChild();
    if (this.opts.pid !== undefined) this.watchPid(this.opts.pid);
    const lostTimer = setInterval(() => void this.enqueueTask(() => this.reportLost(false)), 1000);
    lostTimer.unref();

    const reason = await this.stopped;
    clearInterval(lostTimer);
    return this.shutdown(reason, ends.map((p) => p.prog));
  }

  /** Every attach command at once (pipelined: the helper answers in order). */
  private sendAttaches(progs: Manifest['programs']): PendingAttach[] {
    const pending: PendingAttach[] = [];
    for (const p of progs) for (const spec of p.attach) pending.push({ prog: p, spec, done: this.loader.attach(p.prog, spec) });
    for (const x of pending) x.done.catch(() => undefined);
    return pending;
  }

  private planPending = false;

  private savePlan(): void {
    if (!this.planPending) return;
    this.planPending = false;
    this.loader.savePlan();
  }

  private async shutdown(reason: StopReason, ends: string[]): Promise<number> {
    this.savePlan();
    if (reason.kind === 'loader') {
      await this.processing.catch(() => undefined);
      throw loaderDied(reason.reason);
    }
    if (reason.kind === 'exit') this.exitCode = reason.code;
    // Like bpftrace, the probes stay attached while END runs and the maps print; the
    // helper detaches everything when it quits (closing perf-event tracepoints waits for
    // an RCU grace period each, so we do not wait for that before exiting).
    if (reason.kind !== 'exit') await this.loader.drain();
    await this.settle();
    // After exit(), bpftrace prints nothing more from probes; END output still shows.
    this.acceptEvents = true;
    this.queue = [];
    for (const prog of ends) {
      await this.loader.run(prog);
      await this.settle();
    }
    this.acceptEvents = false;
    await this.enqueueTask(() => this.reportLost(true));
    if (this.m.settings.printMapsOnExit) await this.enqueueTask(() => this.printAllMaps(true));
    await this.processing;
    this.loader.quit().catch(() => undefined);
    return this.exitCode;
  }

  /** Wait until every event received so far is processed. */
  private async settle(): Promise<void> {
    await this.processing;
  }

  private onRecords(records: Buffer[]): void {
    if (!this.acceptEvents) return;
    for (const r of records) this.queue.push(r);
    this.processing = this.processing.then(() => this.drainQueue());
  }

  private enqueueTask(task: () => Promise<void> | void): Promise<void> {
    this.processing = this.processing.then(task);
    return this.processing;
  }

  /**
   * Handle the records received so far, in order. Most records are handled
   * synchronously (printf at hundreds of thousands per second); only those that need
   * the helper (map prints, clear, zero, stacks) wait for it.
   */
  private async drainQueue(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    for (let i = 0; i < batch.length && this.acceptEvents; i++) {
      const pending = this.handle(batch[i]!);
      if (pending) await pending;
    }
    this.opts.out.flushSoon();
  }

  private handle(rec: Buffer): Promise<void> | void {
    const id = rec.readUInt32LE(0);
    const ev = this.m.events[id];
    if (!ev) return;
    if ((this.m.stacks.kernel || this.m.stacks.user) && (ev.kind === 'printf' || ev.kind === 'print_value')) {
      // Stack ids in the arguments: read the stack maps first.
      return this.refreshStacks().then(() => this.handleNow(rec, ev));
    }
    return this.handleNow(rec, ev);
  }

  private handleNow(rec: Buffer, ev: Manifest['events'][number]): Promise<void> | void {
    const out = this.opts.out;
    switch (ev.kind) {
      case 'printf': {
        const args = decodeRecordArgs(ev, rec, this.decodeEnv);
        out.write(this.printer.printf(ev.format ?? '', args));
        return;
      }
      case 'print_value': {
        const args = decodeRecordArgs(ev, rec, this.decodeEnv);
        out.write(this.printer.value(args[0]!));
        return;
      }
      case 'join': {
        const args = decodeRecordArgs(ev, rec, this.decodeEnv);
        out.write(this.printer.join(args[0]!));
        return;
      }
      case 'time':
        out.write(this.printer.time(ev.format ?? '%H:%M:%S\n'));
        return;
      case 'print_map': {
        const mm = this.m.maps[ev.map!]!;
        return this.dumpMap(mm).then((data) => out.write(this.printer.map(data, { top: ev.top ?? 0, div: ev.div ?? 0 })));
      }
      case 'clear':
        this.zeroed.delete(this.m.maps[ev.map!]!.name);
        return this.loader.clear(this.m.maps[ev.map!]!.cname).then(() => undefined);
      case 'zero':
        this.zeroed.add(this.m.maps[ev.map!]!.name);
        return this.loader.zero(this.m.maps[ev.map!]!.cname).then(() => undefined);
      case 'exit': {
        const args = ev.args.k === 'tuple' && ev.args.elems.length > 0 ? decodeRecordArgs(ev, rec, this.decodeEnv) : [];
        const code = args[0] && args[0].t === 'int' ? Number(args[0].v) : 0;
        // Nothing after exit() is printed (bpftrace stops polling); END output is.
        this.acceptEvents = false;
        this.queue = [];
        this.requestStop({ kind: 'exit', code });
        return;
      }
      case 'cat': {
        const args = decodeRecordArgs(ev, rec, this.decodeEnv);
        const path = this.printer.printfRaw(ev.format ?? '', args);
        try {
          out.write(this.printer.cat(readFileSync(path, 'latin1')));
        } catch (e) {
          process.stderr.write(`bpfscript: cat(${path}): ${(e as Error).message}\n`);
        }
        return;
      }
      case 'system': {
        const args = decodeRecordArgs(ev, rec, this.decodeEnv);
        const cmd = this.printer.printfRaw(ev.format ?? '', args);
        return out.flush().then(() => runShell(cmd, out));
      }
      case 'helper_error': {
        const [v] = decodeRecordArgs(ev, rec, this.decodeEnv);
        const ret = v?.t === 'int' ? v.v : 0n;
        out.write(this.printer.helperError(ev.helper ?? 'helper', ret, this.sym.strerror(Number(-ret)), { src: this.opts.src, span: ev.span }));
        return;
      }
    }
  }

  /** Read the stack maps so stack ids decode to frames. */
  private async refreshStacks(): Promise<void> {
    if (this.m.stacks.kernel) {
      const d = await this.loader.dump('rt_kstacks');
      const map = new Map<number, readonly bigint[]>();
      for (const e of d.entries) {
        const ips: bigint[] = [];
        for (let o = 0; o + 8 <= e.value.length; o += 8) {
          const ip = e.value.readBigUInt64LE(o);
          if (ip === 0n) break;
          ips.push(ip);
        }
        map.set(e.key.readUInt32LE(0), ips);
      }
      this.sym.setKernelStacks(map);
    }
    if (this.m.stacks.user) {
      const d = await this.loader.dump('rt_ustacks');
      const map = new Map<number, readonly UserFrame[]>();
      for (const e of d.entries) {
        // struct bpf_stack_build_id { s32 status; u8 build_id[20]; u64 offset_or_ip; }
        const frames: UserFrame[] = [];
        for (let o = 0; o + 32 <= e.value.length; o += 32) {
          const status = e.value.readInt32LE(o);
          if (status === 0) break; // BPF_STACK_BUILD_ID_EMPTY
          const value = e.value.readBigUInt64LE(o + 24);
          frames.push({ buildId: status === 1 ? Buffer.from(e.value.subarray(o + 4, o + 24)) : null, value });
        }
        map.set(e.key.readUInt32LE(0), frames);
      }
      this.sym.setUserStacks(map);
    }
  }

  private async dumpMap(mm: MapManifest) {
    if (this.m.stacks.kernel || this.m.stacks.user) await this.refreshStacks();
    const dump = await this.loader.dump(mm.cname);
    return decodeMap(mm, dump, this.decodeEnv);
  }

  private async printAllMaps(atExit = false): Promise<void> {
    const maps = [];
    for (const mm of this.m.maps) maps.push(await this.dumpMap(mm));
    this.opts.out.write(this.printer.mapsAtExit(maps, atExit));
    await this.opts.out.flush();
  }

  /** "Lost N events in probe X" (stderr), from the per-program kernel counters. */
  private async reportLost(final: boolean): Promise<void> {
    if (this.stopRequested && !final) return;
    for (const [idx, n] of await this.counterGrowth('rt_lost', this.lostSeen)) {
      const p = this.m.programs[idx];
      this.opts.out.warn(this.printer.lost(n, p ? p.text : `probe_${idx}`));
    }
    for (const [idx, n] of await this.counterGrowth('rt_drops', this.dropsSeen)) {
      const mm = this.m.maps[idx];
      if (mm) this.opts.out.warn(this.printer.mapFull(mm.name, mm.maxEntries, n));
    }
  }

  /** How much each slot of a per-CPU u64 counter array grew since last asked. */
  private async counterGrowth(map: string, seen: Map<number, bigint>): Promise<[number, bigint][]> {
    const dump = await this.loader.dump(map);
    const grown: [number, bigint][] = [];
    for (const e of dump.entries) {
      const idx = e.key.readUInt32LE(0);
      let total = 0n;
      for (let c = 0; c < dump.ncpus; c++) total += e.value.readBigUInt64LE(c * 8);
      const prev = seen.get(idx) ?? 0n;
      if (total > prev) {
        seen.set(idx, total);
        grown.push([idx, total - prev]);
      }
    }
    return grown;
  }

  /** Index the build-ids of the files we know we trace, for user stacks after exit. */
  private noteFiles(): void {
    if (!this.m.stacks.user) return;
    const paths = new Set<string>();
    for (const p of this.m.programs) for (const a of p.attach) if ('path' in a) paths.add(a.path);
    if (this.opts.cmd) {
      const argv0 = splitCommand(this.opts.cmd)[0];
      if (argv0) {
        try {
          paths.add(resolveProgram(argv0));
        } catch {
          /* reported when it runs */
        }
      }
    }
    for (const p of paths) this.sym.user.noteFile(p);
  }

  // ---------------------------------------------------------------- -c and -p

  private spawnChild(cmd: string): void {
    const argv = splitCommand(cmd);
    if (argv.length === 0) {
      throw UserError.of('E007', null, { cmd, reason: 'empty command' });
    }
    // Resolved through PATH as a shell does; a command that cannot run is an error
    // before anything is attached (as in bpftrace).
    let program: string;
    try {
      program = resolveProgram(argv[0]!);
    } catch (e) {
      throw UserError.of('E007', null, { cmd, reason: (e as Error).message });
    }
    // The child waits on fd 3 until every probe is attached, then execs the command
    // (same pid, so cpid is right).
    const script = 'IFS= read -r _ <&3; exec 3<&-; exec "$0" "$@"';
    const child = spawn('/bin/sh', ['-c', script, program, ...argv.slice(1)], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
    this.child = child;
    child.on('exit', (code) => {
      if (code === 127 || code === 126) {
        process.stderr.write(`bpfscript: cannot run ${argv[0]}: ${code === 127 ? 'command not found' : 'permission denied'}\n`);
      }
      this.requestStop({ kind: 'child' });
    });
    child.on('error', (err) => {
      process.stderr.write(`bpfscript: cannot run ${argv[0]}: ${err.message}\n`);
      this.requestStop({ kind: 'child' });
    });
  }

  private releaseChild(): void {
    const pipe = this.child?.stdio[3];
    if (pipe && 'end' in pipe) (pipe as NodeJS.WritableStream).end('\n');
  }

  private watchPid(pid: number): void {
    const t = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch {
        clearInterval(t);
        this.requestStop({ kind: 'child' });
      }
    }, 100);
    t.unref();
  }
}

function u64(v: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return b;
}

function onlineCpus(): number {
  try {
    const s = readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
    let n = 0;
    for (const part of s.split(',')) {
      const [a, b] = part.split('-').map(Number);
      n += b === undefined ? 1 : b - a! + 1;
    }
    return n;
  } catch {
    return 1;
  }
}

/** Split a -c command like a shell would (quotes and backslashes; no expansion). */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let q: string | null = null;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (q) {
      if (c === q) q = null;
      else if (c === '\\' && q === '"' && i + 1 < cmd.length) cur += cmd[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      q = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

async function runShell(cmd: string, out: Output): Promise<void> {
  await new Promise<void>((res) => {
    const c = spawn('/bin/sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'inherit'] });
    c.stdout.on('data', (d: Buffer) => out.writeBytes(d));
    c.on('close', () => res());
    c.on('error', () => res());
  });
}

/** E011: the loader helper exited while it still had work (`reason`: how it ended). */
function loaderDied(reason: string): UserError {
  return UserError.of('E011', null, { reason });
}
