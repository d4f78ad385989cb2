// The CLI: argv -> options (bpftrace 0.17's flags, plus --emit, --emit-elf, --dry-run),
// then compile (src/compile.ts) and run (src/runtime/run.ts). Every user-facing problem
// is rendered as a diagnostic with a non-zero exit; a JavaScript stack trace is only
// ever shown with BPFSCRIPT_DEBUG=1. The compiler (parser, analyzer, codegen), listing
// and --info are imported lazily: a run whose compile cache hits never loads them; the
// runtime is imported statically, so the bundle (rolldown.config.mjs) keeps it in the
// entry file.

import { Command, CommanderError, Option } from 'commander';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { Diagnostics, UserError, type Diagnostic } from './diagnostics/diagnostic.js';
import { renderJson, renderText } from './diagnostics/render.js';
import { SourceFile } from './source.js';
import { fromEntryFile, packageRoot } from './package-root.js';
import { settingsFromEnv } from './analyze/settings.js';
import * as clang from './runtime/clang.js';
import * as cache from './runtime/compile-cache.js';
import { checkPrivileges } from './runtime/privileges.js';
import { Loader, claimStartedHelper, releaseStartedHelper } from './runtime/loader.js';
import { prepareUprobes, run } from './runtime/run.js';
import { Output } from './runtime/output.js';

export const VERSION = '0.1.0';

interface CliOptions {
  e?: string;
  format: 'text' | 'json';
  output?: string;
  list?: string | boolean;
  verbose?: boolean;
  quiet?: boolean;
  c?: string;
  p?: string;
  unsafe?: boolean;
  emit?: 'ast' | 'c';
  emitElf?: string;
  dryRun?: boolean;
  debug?: boolean;
  B?: string;
  include: string[];
  I: string[];
  k: number;
  usdtFileActivation?: boolean;
  info?: boolean;
  warnings?: boolean;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('bpfscript')
    .usage("[options] (script.bt | -e 'program' | -) [args...]")
    .description('Run bpftrace programs: compiled to readable eBPF C, loaded with libbpf.')
    .argument('[args...]', 'script file (unless -e is given), then positional parameters $1, $2, ...')
    .option('-e <program>', 'execute this program')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-o, --output <file>', 'write trace output to file')
    .option('-l, --list [pattern]', 'list probes matching pattern (e.g. tracepoint:syscalls:*)')
    .option('-v, --verbose', 'verbose messages (with -l: probe arguments)')
    .option('-q, --quiet', 'keep messages quiet')
    .option('-c <cmd>', 'run CMD (resolved through PATH) and trace until it exits; cpid is its pid')
    .option('-p <pid>', 'follow process PID (uprobes and usdt probes attach to it; ends when it exits)')
    .option('--unsafe', 'allow unsafe functions (system)')
    .addOption(new Option('--emit <what>', 'print the AST or the generated C and exit').choices(['ast', 'c']))
    .option('--emit-elf <file>', 'compile to a BPF object file without loading it')
    .option('--dry-run', 'load and attach every probe, then exit')
    .option('-d, --debug', 'print the generated C and the manifest, do not run')
    .option('-B <mode>', "output buffering ('full', 'line' or 'none'; accepted for compatibility)")
    .option('-I <dir>', 'add a directory to the include search path', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--include <file>', 'add an #include before the program', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-k', 'report BPF helper calls that fail, other than memory reads (-kk: memory reads too)', (_v: string, n: number) => n + 1, 0)
    .option('--usdt-file-activation', 'activate USDT semaphores by file (accepted for compatibility)')
    .option('--info', 'print information about kernel BPF support')
    .option('--no-warnings', 'disable warning messages')
    .version(`bpfscript v${VERSION}`, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  return program;
}

/**
 * How this process started: from node's start-up snapshot, from the one without the
 * compiler (src/snapshot-run.ts), or by loading the bundle.
 */
let startedFrom: 'snapshot' | 'snapshot-run' | 'bundle' = 'bundle';

/** The process entry (src/main.ts, src/snapshot.ts, src/snapshot-run.ts): main() on this process's argv. */
export function start(from: 'snapshot' | 'snapshot-run' | 'bundle'): void {
  startedFrom = from;
  // From a snapshot, this code was loaded where the snapshot was built; bin/bpfscript
  // names the entry file where the package is now.
  if (from !== 'bundle' && process.argv[1]) fromEntryFile(process.argv[1]);
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`bpfscript: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(70);
  });
}

export async function main(argv: string[]): Promise<void> {
  restoreEnvironment();
  // `-kk` is two -k flags to getopt; commander wants them apart.
  // getopt reads `-lv` as -l -v and `-kk` as -k -k; commander would read `-lv` as -l v.
  argv = argv.flatMap((a) => (a === '-kk' ? ['-k', '-k'] : a === '-lv' || a === '-vl' ? ['-l', '-v'] : [a]));
  const program = buildProgram();
  let code = 0;
  try {
    program.parse(argv, { from: 'user' });
    const opts = program.opts<CliOptions>();
    code = await runCli(opts, program.args);
  } catch (e) {
    code = report(e);
  }
  process.exitCode = code;
  // Let buffered stdout drain, then leave even if a stray handle remains.
  setImmediate(() => process.exit(code)).unref();
}

/**
 * bin/bpfscript starts node without NODE_EXTRA_CA_CERTS (see there); children get it
 * back. It also names the loader helper it started in BPFSCRIPT_LOADER_FDS, which no
 * child may see either.
 */
function restoreEnvironment(): void {
  claimStartedHelper();
  const saved = process.env['BPFSCRIPT_NODE_EXTRA_CA_CERTS'];
  if (saved === undefined) return;
  process.env['NODE_EXTRA_CA_CERTS'] = saved;
  delete process.env['BPFSCRIPT_NODE_EXTRA_CA_CERTS'];
}

function report(e: unknown): number {
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    return 2;
  }
  if (e instanceof CliUsage) {
    process.stderr.write(`bpfscript: ${e.message}\nTry 'bpfscript --help' for more information.\n`);
    return 2;
  }
  if (e instanceof UserError) {
    for (const d of e.diagnostics) process.stderr.write(renderText(d, currentSource));
    return 1;
  }
  if (process.env.BPFSCRIPT_DEBUG) throw e;
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`bpfscript: internal error: ${msg}\nHINT: this is a bpfscript bug; run with BPFSCRIPT_DEBUG=1 for details and please report it\n`);
  return 70;
}

class CliUsage extends Error {}

let currentSource: SourceFile | null = null;

function renderAll(diags: readonly Diagnostic[], src: SourceFile | null, json: boolean): void {
  for (const d of diags) process.stderr.write(json ? renderJson(d, src) : renderText(d, src));
}

async function readProgram(opts: CliOptions, args: string[]): Promise<{ src: SourceFile; params: string[]; fromFile: boolean }> {
  if (opts.e !== undefined) {
    return { src: new SourceFile('stdin', decode(Buffer.from(opts.e, 'utf8'), 'stdin')), params: args, fromFile: false };
  }
  if (args.length === 0) throw new CliUsage("no program given: pass a script file, '-' for stdin, or -e 'program'");
  const [file, ...params] = args as [string, ...string[]];
  if (file === '-') {
    const buf = readFileSync(0);
    return { src: new SourceFile('stdin', decode(buf, 'stdin')), params, fromFile: false };
  }
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw UserError.of('E010', null, { path: file, reason: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message });
  }
  return { src: new SourceFile(file, decode(buf, file)), params, fromFile: true };
}

function decode(buf: Buffer, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    // Find the first invalid byte for a useful location.
    currentSource = new SourceFile(path, buf.toString('latin1'));
    throw UserError.of('P009', null, {}, [`${path}: the first invalid byte is near offset ${firstInvalidUtf8(buf)}`]);
  }
}

function firstInvalidUtf8(buf: Buffer): number {
  for (let i = 1; i <= buf.length; i++) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, i));
    } catch {
      // a truncated multi-byte sequence is fine until it cannot be completed
      if (i === buf.length || (buf[i - 1]! & 0xc0) !== 0x80) return i - 1;
    }
  }
  return buf.length;
}

/**
 * Run this command line in node started from the full snapshot, and exit as it does: for
 * a process started from the one without the compiler (the loader helper chose it from a
 * plan) when the run needs the compiler after all. The helper started with us goes (its
 * plan is undone), and so does the plan, which no longer tells what this command line
 * needs; the new process starts a helper of its own.
 */
async function runFull(): Promise<number> {
  const plan = releaseStartedHelper();
  if (plan) rmSync(plan, { force: true });
  const blob = join(packageRoot(), 'dist', 'bpfscript.blob');
  const execArgv = process.execArgv.map((a, i, all) => (all[i - 1] === '--snapshot-blob' ? blob : a));
  // As bin/bpfscript starts node: without NODE_EXTRA_CA_CERTS (restoreEnvironment put it back).
  const env = { ...process.env };
  if (env['NODE_EXTRA_CA_CERTS'] !== undefined) {
    env['BPFSCRIPT_NODE_EXTRA_CA_CERTS'] = env['NODE_EXTRA_CA_CERTS'];
    delete env['NODE_EXTRA_CA_CERTS'];
  }
  const child = spawn(process.execPath, [...execArgv, process.argv[1]!, ...process.argv.slice(2)], { stdio: 'inherit', env });
  // A signal for us is one for the run (a terminal's Ctrl-C reaches both: the second is
  // ignored as any repeated stop is).
  const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
  const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR1'] as const;
  for (const sig of forwarded) process.on(sig, forward);
  return new Promise((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`bpfscript: cannot start node: ${e.message}\n`);
      resolve(70);
    });
    child.on('exit', (code, signal) => {
      if (signal && signal !== 'SIGUSR1') {
        // Killed by a signal: so are we (its default action), as a shell would report.
        for (const sig of forwarded) process.off(sig, forward);
        process.kill(process.pid, signal);
      }
      resolve(signal ? 128 + (osConstants.signals[signal] ?? 0) : (code ?? 1));
    });
  });
}

async function runCli(opts: CliOptions, args: string[]): Promise<number> {
  // What only the full snapshot has: the compiler's modules.
  if (startedFrom === 'snapshot-run' && (opts.info || opts.list !== undefined || opts.emit === 'ast')) return runFull();
  if (opts.info) {
    const { printInfo } = await import('./runtime/info.js');
    process.stdout.write(printInfo(startedFrom === 'bundle' ? 'bundle' : 'snapshot'));
    return 0;
  }
  if (opts.list !== undefined) {
    const { listProbes } = await import('./analyze/list.js');
    const pattern = typeof opts.list === 'string' ? opts.list : (args[0] ?? '*');
    const out = await listProbes(pattern, !!opts.verbose, opts.p ? Number(opts.p) : -1);
    process.stdout.write(out);
    return 0;
  }
  const json = opts.format === 'json';
  const { src, params, fromFile } = await readProgram(opts, args);
  currentSource = src;
  if (opts.emit === 'ast') {
    const { parseOnly } = await import('./compile.js');
    const diags = new Diagnostics();
    const ast = parseOnly(src, diags);
    renderAll(diags.items, src, json);
    if (!ast) return 1;
    const { printAst } = await import('./ast/printer.js');
    process.stdout.write(printAst(ast));
    return 0;
  }
  const pid = opts.p !== undefined ? parsePid(opts.p) : -1;
  const willRun = !opts.emit && !opts.debug && !opts.emitElf;
  const lineFile = opts.e !== undefined || src.path === 'stdin' ? clang.scriptFileFor(src.text) : src.path;
  const settings = { ...settingsFromEnv(), helperCheck: Math.min(opts.k, 2) as 0 | 1 | 2 };
  const key = cache.compileKey({ text: src.text, params, settings, unsafe: !!opts.unsafe, version: VERSION, lineFile });
  const hit = pid > 0 ? null : cache.lookupCompile(clang.cacheDir(), key);
  if (startedFrom === 'snapshot-run' && !(hit?.obj && existsSync(hit.obj))) return runFull();
  let loader: Loader | null = null;
  if (willRun) {
    checkPrivileges();
    // Start the loader helper now: it starts while we compile.
    loader = new Loader({ verbose: !!opts.verbose, stderr: 'pipe' });
  }
  try {
    let result: cache.CachedCompile | null = hit;
    // What the next run's plan checks besides its uprobe binaries: the files the compile
    // read, the script's file and the compiler's build (native/loader/plan.c).
    const planChecks = [join(packageRoot(), 'dist', 'build-id'), ...(fromFile ? [src.path] : []), ...(hit?.deps ?? [])];
    let early: clang.ClangRun | undefined;
    if (!result) {
      // clang starts now and loads while the script compiles (it reads the C on stdin).
      if (willRun || opts.emitElf) early = new clang.ClangRun();
      const [{ compile }, { systemEnv }] = await Promise.all([import('./compile.js'), import('./analyze/resolve-env.js')]);
      const rec = cache.recordingEnv(systemEnv(pid));
      const diags = new Diagnostics();
      const r = compile(src, { params, unsafe: !!opts.unsafe, settings, lineFile, env: rec.env }, diags);
      const warnings = opts.warnings === false ? [] : diags.items.filter((d) => d.severity === 'warning');
      if (!r) {
        early?.cancel();
        renderAll(diags.errors, src, json);
        await loader?.terminate().catch(() => undefined);
        return 1;
      }
      renderAll(warnings, src, json);
      const obj = clang.objectFor(r.c, VERSION);
      result = { c: r.c, manifest: r.manifest, obj: obj.path };
      if (pid <= 0) cache.storeCompile(clang.cacheDir(), key, result, [...rec.deps, ...obj.inputs]);
      planChecks.push(...rec.deps, ...obj.inputs);
    }
    // A script read from stdin is not in the command line a plan is found by: no plan.
    loader?.planFiles(src.path === 'stdin' && opts.e === undefined ? null : planChecks);
    if (loader) prepareUprobes(loader, result.manifest);
    if (opts.emit === 'c') {
      // For reading: the #line directives that map every line back to the script (so
      // clang and the verifier name script lines) are left out; -d shows them.
      process.stdout.write(result.c.replace(/^#line .*\n/gm, ''));
      return 0;
    }
    if (opts.debug) {
      process.stdout.write(result.c + '\n' + JSON.stringify(result.manifest, null, 2) + '\n');
      return 0;
    }
    if (opts.emitElf) {
      const obj = await compileObject(result.c, src, early);
      copyFileSync(obj, opts.emitElf);
      writeFileSync(opts.emitElf.replace(/(\.o)?$/, '.manifest.json'), JSON.stringify(result.manifest, null, 2) + '\n');
      return 0;
    }
    // A cache hit names its object; clang's run (early) compiles it on a miss.
    const objPath = !early && result.obj && existsSync(result.obj) ? Promise.resolve(result.obj) : compileObject(result.c, src, early);
    objPath.catch(() => undefined);
    const out = new Output(opts.output);
    try {
      await out.ready();
    } catch (e) {
      throw UserError.of('E009', null, { path: opts.output ?? '', reason: (e as Error).message });
    }
    return await run({
      manifest: result.manifest,
      objPath,
      loader: loader!,
      src,
      out,
      format: opts.format,
      cmd: opts.c,
      pid: pid > 0 ? pid : undefined,
      quiet: !!opts.quiet,
      verbose: !!opts.verbose,
      dryRun: !!opts.dryRun,
      unsafe: !!opts.unsafe,
    });
  } catch (e) {
    await loader?.terminate().catch(() => undefined);
    throw e;
  }
}

function parsePid(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new CliUsage(`-p needs a process ID, got '${s}'`);
  try {
    process.kill(n, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') {
      throw UserError.of('E008', null, { pid: n });
    }
  }
  return n;
}

async function compileObject(c: string, src: SourceFile, early?: clang.ClangRun): Promise<string> {
  try {
    return (await (early ? early.compile(c, VERSION) : clang.compileC(c, VERSION))).objPath;
  } catch (e) {
    if (e instanceof clang.ClangError) {
      throw e.missing ? UserError.of('E002', null) : UserError.of('B001', clangSpan(e.stderr, src), { detail: firstClangError(e.stderr) });
    }
    throw e;
  }
}

function firstClangError(stderr: string): string {
  const l = stderr.split('\n').find((x) => /error:/.test(x));
  return (l ?? stderr.split('\n')[0] ?? '').replace(/^.*?error: /, '');
}

function clangSpan(stderr: string, src: SourceFile): { start: number; end: number } | null {
  const m = /^(.*?):(\d+):(\d+): error:/m.exec(stderr);
  if (!m) return null;
  const line = Number(m[2]);
  if (line < 1 || line > src.lineCount || !m[1]!.endsWith('.bt') && m[1] !== src.path) return null;
  let off = 0;
  for (let l = 1; l < line; l++) off = src.text.indexOf('\n', off) + 1;
  const text = src.lineText(line);
  const indent = text.length - text.trimStart().length;
  return { start: off + indent, end: off + text.length };
}
