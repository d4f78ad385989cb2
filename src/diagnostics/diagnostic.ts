// Diagnostic: one user-facing problem with a stable code, a span and hints.
// Diagnostics (the collector) is created once per compile and passed to every phase;
// `compile` stops between phases when it holds errors. Messages come from the
// catalogue (./catalogue.ts), never assembled at the call site.

import type { Span } from '../ast/nodes.js';
import { CATALOGUE, type DiagCode } from './catalogue.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly code: DiagCode;
  readonly severity: Severity;
  readonly message: string;
  /** null for problems that are not about a place in the script (environment, kernel). */
  readonly span: Span | null;
  readonly hints: readonly string[];
}

/** Fill `{name}` placeholders of a catalogue template. */
export function formatTemplate(template: string, args: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in args ? String(args[k]) : m));
}

export class Diagnostics {
  readonly items: Diagnostic[] = [];

  report(
    code: DiagCode,
    span: Span | null,
    args: Record<string, string | number> = {},
    hints: readonly string[] = [],
  ): Diagnostic {
    const entry = CATALOGUE[code];
    const allHints = [...hints];
    if (entry.hint) allHints.push(formatTemplate(entry.hint, args));
    const d: Diagnostic = {
      code,
      severity: entry.severity,
      message: formatTemplate(entry.message, args),
      span,
      hints: allHints,
    };
    this.items.push(d);
    return d;
  }

  error(code: DiagCode, span: Span | null, args: Record<string, string | number> = {}, hints: readonly string[] = []) {
    return this.report(code, span, args, hints);
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  get errors(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'error');
  }
}

/**
 * A problem that stops the whole run (compile or runtime) and is rendered for the user:
 * never a stack trace. Carries the Diagnostics gathered so far.
 */
export class UserError extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join('; '));
  }

  /** One error diagnostic, ready to throw. */
  static of(code: DiagCode, span: Span | null, args: Record<string, string | number> = {}, hints: readonly string[] = []): UserError {
    const d = new Diagnostics();
    d.error(code, span, args, hints);
    return new UserError(d.items);
  }
}

/** An invariant of bpfscript itself was violated: a bug, reported as one. */
export class InternalError extends Error {}
