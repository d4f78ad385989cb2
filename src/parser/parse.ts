// parse(): script text -> AST, the entry point of the front end.
// Input: a SourceFile and the compile's Diagnostics. Output: the Program, or null when
// the errors leave no tree worth handing on (nesting too deep, MAX_SYNTAX_ERRORS
// reached). Every problem is a diagnostic with a span (P001-P016, T013); several
// syntax errors are reported per run (one per line) thanks to chevrotain's error
// recovery. With errors, the Program holds what could be recovered; callers must check
// `diags.hasErrors` before going on.
// Must not: throw on any input - random bytes, truncated scripts, 10k nested
// parentheses, megabyte scripts - nor hand later phases a tree deeper than MAX_AST_DEPTH
// (they may recurse over it).

import type { CstNode, IToken } from 'chevrotain';
import { EOF } from '../lexer/chevrotain.js';
import type { Node, Program, Span } from '../ast/nodes.js';
import { forEachChild } from '../ast/walk.js';
import { Diagnostics } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../source.js';
import { tokenize, type LexOptions } from '../lexer/tokenize.js';
import { reportSyntaxErrors, tokenSpan } from './errors.js';
import { getParser, TooManySyntaxErrors, type BpfCstParser } from './grammar.js';
import { AstBuilder } from './to-ast.js';

/** The deepest AST parse() returns; later phases may recurse this deep. */
export const MAX_AST_DEPTH = 500;
/** At most this many diagnostics from one parse (garbage input could make thousands). */
export const MAX_PARSE_DIAGNOSTICS = 20;

export type ParseOptions = LexOptions;

export function parse(src: SourceFile, diags: Diagnostics, options: ParseOptions = {}): Program | null {
  // Collect locally, then hand over sorted by position and capped.
  const local = new Diagnostics();
  let program: Program | null = null;
  try {
    program = parseInto(src.text, local, options);
  } finally {
    const items = local.items
      .map((d, i) => ({ d, i }))
      .sort((a, b) => (a.d.span?.start ?? Infinity) - (b.d.span?.start ?? Infinity) || a.i - b.i);
    for (const { d } of items.slice(0, MAX_PARSE_DIAGNOSTICS)) diags.items.push(d);
  }
  return program;
}

function parseInto(text: string, diags: Diagnostics, options: ParseOptions): Program | null {
  const lexed = tokenize(text, diags, options);
  if (lexed.tooDeep) return null;

  // First without error recovery: that parser is built faster (no follow sets, about
  // 15 ms of a cold start). Only a script with a syntax error is parsed again, with
  // recovery, which reports every error, not just the first.
  const quick = parseQuickly(lexed.tokens);
  const parser = quick ? quick.parser : getParser(true);
  let program: Program | null;
  try {
    let cst = quick?.cst;
    try {
      if (!cst) {
        parser.input = lexed.tokens;
        cst = parser.program();
      }
    } catch (e) {
      if (e instanceof TooManySyntaxErrors) {
        // Past MAX_SYNTAX_ERRORS the input is not a script worth a tree.
        reportSyntaxErrors(parser.errors, lexed.tokens, text, diags);
        return null;
      }
      if (!(e instanceof RangeError)) throw e;
      // Stack exhausted on a pathological chain (`a ? a ? a ...`, `else if` x 10000).
      diags.error('P010', tokenSpan(parser.nextToken(), lexed.tokens, text.length));
      return null;
    }
    // After an unterminated comment the script just stops: "unexpected end of file"
    // would only repeat that.
    const lexEof = diags.items.some((d) => d.code === 'P004');
    // After an unterminated string the rest of its line is gone: what the parser then
    // misses (a `)`, a `;`) only repeats that error.
    const lexString = diags.items.some((d) => d.code === 'P002');
    const errors = lexString ? [] : lexEof ? parser.errors.filter((e) => e.token.tokenType !== EOF) : parser.errors;
    reportSyntaxErrors(errors, lexed.tokens, text, diags);
    if (!cst) return null;
    try {
      program = new AstBuilder(text.length, diags).program(cst, lexed);
    } catch (e) {
      if (e instanceof RangeError) {
        diags.error('P010', tokenSpan(lexed.tokens[0], lexed.tokens, text.length));
        return null;
      }
      // A partial CST the builder did not expect: the syntax errors already explain it.
      if (diags.hasErrors) return null;
      throw e;
    }
  } finally {
    // The parser is a process-wide singleton: do not keep a megabyte of tokens alive.
    parser.input = [];
  }

  const deep = findTooDeep(program);
  if (deep) {
    diags.error('P010', deep);
    return null;
  }
  if (program.probes.length === 0 && !diags.hasErrors) diags.error('P007', null);
  return program;
}

/** The CST when the script parses without a single error, else null. */
function parseQuickly(tokens: IToken[]): { parser: BpfCstParser; cst: CstNode } | null {
  const parser = getParser(false);
  parser.input = tokens;
  try {
    const cst = parser.program();
    if (parser.errors.length === 0 && cst) return { parser, cst };
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  parser.input = [];
  return null;
}

/** The span of the first node nested deeper than MAX_AST_DEPTH, or null. Iterative. */
function findTooDeep(root: Node): Span | null {
  const stack: { n: Node; depth: number }[] = [{ n: root, depth: 0 }];
  while (stack.length > 0) {
    const { n, depth } = stack.pop()!;
    if (depth > MAX_AST_DEPTH) return n.span;
    forEachChild(n, (c) => {
      stack.push({ n: c, depth: depth + 1 });
    });
  }
  return null;
}
