// The message catalogue: every user-facing problem has a stable code here.
// Codes never change meaning once released; new problems get new codes.
// Templates use {placeholders}; `hint` is appended to the hints of every report.
// test/golden/diagnostics has at least one case per code.

import type { Severity } from './diagnostic.js';

export interface CatalogueEntry {
  readonly severity: Severity;
  readonly message: string;
  readonly hint?: string;
}

function e(message: string, hint?: string): CatalogueEntry {
  return { severity: 'error', message, hint };
}
function w(message: string, hint?: string): CatalogueEntry {
  return { severity: 'warning', message, hint };
}

export const CATALOGUE = {
  // ---- lexing and parsing (P)
  P001: e('unexpected character {char}'),
  P002: e('unterminated string literal'),
  P003: e('syntax error: {detail}'),
  P004: e('unterminated comment'),
  P005: e('integer literal out of range: {text}', 'integers are at most 64 bits'),
  P006: e('invalid escape sequence {text} in string'),
  P007: e('empty program', 'a program needs at least one probe, e.g. BEGIN { printf("hello\\n"); }'),
  P008: e('invalid attach point {text}'),
  P009: e('the script is not valid UTF-8 text'),
  P010: e('expression nested too deeply'),
  P011: e('unknown preprocessor directive {text}'),
  P012: e('invalid integer literal {text}'),
  P013: e('invalid character literal {text}', "a character literal holds exactly one character, e.g. 'a' or '\\n'"),
  P014: e('function-like macro {name} is not supported', 'only object-like macros are expanded: #define NAME text'),
  P015: e('preprocessor conditional: {detail}'),
  P016: e('expansion of macro {name} is too large'),
  // ---- names and probes (N)
  N001: e('unknown probe type {name}', 'known types: {known}'),
  N002: e('unknown builtin or function {name}'),
  N003: e('{provider} probe needs {what}', 'e.g. {example}'),
  N004: e('tracepoint {name} does not exist'),
  N005: e('no probes match {pattern}'),
  N006: e('cannot read the symbols of {path}: {reason}'),
  N007: e('function {name} not found in {path}'),
  N008: e('{builtin} is not available in {provider} probes'),
  N009: e('undefined variable {name}'),
  N010: e('positional parameter ${index} was not given', 'pass it after the script: bpfscript script.bt ARG1 ARG2 ...'),
  N011: e('unknown field {field} in {type}'),
  N012: e('unknown struct {name}'),
  N013: e('invalid {provider} rate or period {text}', 'e.g. {example}'),
  N014: e('map {name} is used but never assigned'),
  N015: e('cannot resolve library {name}'),
  N016: e('usdt probe {name} not found in {path}'),
  N017: e('unknown software event {name}'),
  N018: e('unknown hardware event {name}'),
  N019: e('unknown config key {name}'),
  N020: e('variable {name} used before it is assigned'),
  // ---- types (T)
  T001: e('type mismatch for {what}: {expected} vs {actual}'),
  T002: e('{fn}() takes {expected} arguments, got {actual}'),
  T003: e('{fn}() argument {index} must be {expected}, not {actual}'),
  T004: e('operator {op} cannot be applied to {left} and {right}'),
  T005: e('map {name} is used with {actual} keys here but {expected} keys elsewhere'),
  T006: e('{fn}() must be assigned to a map', 'e.g. @x = {fn}(...)'),
  T007: e('{what} must be a constant integer'),
  T008: e('printf format: {detail}'),
  T009: e('cannot cast {from} to {to}'),
  T010: e('{fn}() can only be used as a statement'),
  T011: e('{what} is not a pointer'),
  T012: e('tuple index {index} out of range for {type}'),
  T013: e('cannot assign to {what}'),
  T014: e('aggregation {name} cannot be used in an expression', 'print it, or read it in user space with print({name})'),
  T015: e('{fn}() expects a map argument'),
  T016: e('condition must be an integer, not {type}'),
  T017: e('division by zero'),
  T018: e('{what} is not a struct or union'),
  T019: e('string is too long: {len} bytes (maximum {max})'),
  T020: w('{what} is unused'),
  T021: e('{fn}() needs --unsafe', 'it runs commands or changes kernel state; pass --unsafe to allow it'),
  T022: e('{fn}() is only allowed in {where}'),
  T023: e('return is only allowed inside a probe'),
  T024: e('{kw} outside of a loop'),
  T025: e('unroll count must be between 1 and 100, got {count}'),
  T026: e('operator {op} cannot be applied to {type}'),
  // ---- back end (B): clang, verifier, loader
  B001: e('internal compiler error: clang rejected the generated C for this line', 'this is a bpfscript bug; please report it with the script and `--emit c` output\nclang: {detail}'),
  B002: e('the kernel verifier rejected the program for this line: {summary}', 'kernel: {detail}'),
  B003: e('could not attach {probe}: {reason}'),
  B004: e('could not load the BPF object: {reason}'),
  B005: e('the program is too large for the verifier', 'split the probe or reduce unroll counts'),
  // ---- environment (E)
  E001: e('bpfscript needs root (or CAP_BPF and CAP_PERFMON) to load BPF programs', 'run it as root, e.g. with sudo'),
  E002: e('clang was not found', 'install it: apt-get install clang llvm (or run ./setup.sh)'),
  E003: e('the loader helper is not built', 'run ./setup.sh (or make -C native/loader)'),
  E004: e('tracefs is not mounted and could not be mounted at /sys/kernel/tracing: {reason}', 'mount it: mount -t tracefs nodev /sys/kernel/tracing'),
  E005: e('kernel BTF is missing (/sys/kernel/btf/vmlinux)', 'this feature needs a kernel built with CONFIG_DEBUG_INFO_BTF=y'),
  E006: e('{feature} is not supported by this kernel: {reason}'),
  E007: e('cannot run command {cmd}: {reason}'),
  E008: e('process {pid} does not exist'),
  E009: e('cannot open output file {path}: {reason}'),
  E010: e('cannot read {path}: {reason}'),
  E011: e('the loader helper exited unexpectedly: {reason}'),
  E012: e('invalid option: {detail}', 'see bpfscript --help'),
  // ---- runtime warnings (R)
  R001: w('Lost {count} events in probe {probe}'),
  R002: w('map {name} is full ({max} entries): {count} updates were dropped', 'raise the limit with BPFTRACE_MAP_KEYS_MAX or config = { max_map_keys = N }'),
  R003: w('Failed to {helper}: {error} ({ret})'), // -k/-kk, worded as bpftrace 0.17
} as const satisfies Record<string, CatalogueEntry>;

export type DiagCode = keyof typeof CATALOGUE;
