// THE pipeline, as plain function calls (see ../shared/DESIGN.md section 1):
//   script text -> parse (tokens, CST, AST) -> analyze (types, attach points)
//   -> codegen (C + manifest); clang and the loader run later (src/runtime/run.ts).
// One Diagnostics collector per compile; it stops between phases when it holds errors.

import type { Program } from './ast/nodes.js';
import type { Diagnostics } from './diagnostics/diagnostic.js';
import type { SourceFile } from './source.js';
import { parse } from './parser/parse.js';
import { analyze, type TypedProgram } from './analyze/analyze.js';
import { applyConfig, type Settings } from './analyze/settings.js';
import { codegen } from './codegen/codegen.js';
import type { Manifest } from './codegen/manifest.js';
import type { ResolveEnv } from './providers/providers.js';

export interface CompileOptions {
  readonly params: readonly string[];
  readonly unsafe: boolean;
  /** Settings from the environment (BPFTRACE_*); the script's config block overrides. */
  readonly settings: Settings;
  /** The file name written in #line directives. */
  readonly lineFile: string;
  readonly env: ResolveEnv;
}

export interface CompileResult {
  readonly ast: Program;
  readonly typed: TypedProgram;
  readonly c: string;
  readonly manifest: Manifest;
  readonly settings: Settings;
}

/** Parse only (for --emit ast). */
export function parseOnly(src: SourceFile, diags: Diagnostics): Program | null {
  const ast = parse(src, diags);
  return diags.hasErrors ? null : ast;
}

export function compile(src: SourceFile, opts: CompileOptions, diags: Diagnostics): CompileResult | null {
  const ast = parse(src, diags);
  if (!ast || diags.hasErrors) return null;

  const settings = applyConfig(opts.settings, ast.config, diags);
  if (diags.hasErrors) return null;

  const typed = analyze(ast, opts.env, { params: opts.params, strlen: settings.strlen, unsafe: opts.unsafe, mapKeysMax: settings.mapKeysMax, stackMode: settings.stackMode }, diags);
  if (!typed || diags.hasErrors) return null;

  const { c, manifest } = codegen(typed, src, {
    lineFile: opts.lineFile,
    ringSize: settings.ringSize,
    printMapsOnExit: settings.printMapsOnExit,
    helperCheck: settings.helperCheck,
  });
  return { ast, typed, c, manifest, settings };
}
