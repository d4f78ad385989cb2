// Syntax errors: chevrotain's recognition exceptions -> P003 diagnostics.
// Input: the parser's error list and the token vector. Output: diagnostics with the span
// of the offending token (or the point just after the last token at end of input).
// Must not: throw; word messages anywhere but here (bpftrace's style: "unexpected X,
// expecting Y").

import type { IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from 'chevrotain';
import { EOF } from '../lexer/chevrotain.js';
import type { Span } from '../ast/nodes.js';
import type { Diagnostics } from '../diagnostics/diagnostic.js';

/** How a token is named in "unexpected ..." (quoted text, shortened). */
export function describeToken(t: IToken | undefined): string {
  if (!t || t.tokenType === EOF) return 'end of file';
  const image = t.image.length > 30 ? t.image.slice(0, 27) + '...' : t.image;
  if (image === '') return String(t.tokenType.LABEL ?? t.tokenType.name);
  return `'${image.replace(/\n/g, '\\n')}'`;
}

function labelOf(type: TokenType): string {
  if (type === EOF) return 'end of file';
  return String(type.LABEL ?? type.name);
}

/** "a or b or c" from the first token of each expected path, without repeats. */
function expectedFrom(paths: readonly (readonly TokenType[])[]): string {
  const seen: string[] = [];
  for (const p of paths) {
    const first = p[0];
    if (!first) continue;
    const l = labelOf(first);
    if (!seen.includes(l)) seen.push(l);
  }
  if (seen.length === 0) return 'something else';
  if (seen.length > 4) return seen.slice(0, 4).join(', ') + ' or another token';
  return seen.length === 1 ? seen[0]! : seen.slice(0, -1).join(', ') + ' or ' + seen[seen.length - 1]!;
}

export const ERROR_MESSAGES: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `unexpected ${describeToken(actual)}, expecting ${labelOf(expected)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, customUserDescription }) {
    const expecting = customUserDescription ?? expectedFrom(expectedPathsPerAlt.flat());
    return `unexpected ${describeToken(actual[0])}, expecting ${expecting}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, customUserDescription }) {
    const expecting = customUserDescription ?? expectedFrom(expectedIterationPaths);
    return `unexpected ${describeToken(actual[0])}, expecting ${expecting}`;
  },
};

/** The span of a token, or (at end of input) the empty span just after the last token. */
export function tokenSpan(t: IToken | undefined, tokens: readonly IToken[], textLength: number): Span {
  if (t && t.tokenType !== EOF && Number.isFinite(t.startOffset)) {
    return { start: t.startOffset, end: Math.max(t.startOffset + 1, (t.endOffset ?? t.startOffset) + 1) };
  }
  const last = tokens[tokens.length - 1];
  const end = last && Number.isFinite(last.endOffset) ? (last.endOffset as number) + 1 : textLength;
  return { start: end, end };
}

/**
 * Report recognition exceptions as P003: at most one per source line, because after
 * the first error on a line the rest are nearly always its echo (recovery skipping the
 * words of a comment whose opener was lost, say). Returns how many were reported.
 */
export function reportSyntaxErrors(
  errors: readonly IRecognitionException[],
  tokens: readonly IToken[],
  text: string,
  diags: Diagnostics,
): number {
  const spans = errors.map((e) => ({ e, span: tokenSpan(e.token, tokens, text.length) }));
  spans.sort((a, b) => a.span.start - b.span.start);
  let n = 0;
  let prev = -1;
  for (const { e, span } of spans) {
    if (prev >= 0 && text.lastIndexOf('\n', span.start - 1) < prev) continue;
    prev = span.start;
    diags.error('P003', span, { detail: e.message });
    n++;
  }
  return n;
}
