// The scanner: script text -> chevrotain tokens, #include/#define records, diagnostics.
// Input: the whole script text. Output: IToken[] (offsets are half-open spans stored the
// chevrotain way: endOffset is inclusive), the active #include and #define lines, and
// lexical problems reported into the given Diagnostics (P001, P002, P004, P005, P006,
// P008-P016). Must not: throw on any input, or build AST nodes other than Include/Define.
//
// Why a hand-written scanner and not chevrotain's Lexer: what a piece of text means
// depends on where it stands. At brace depth 0, at the start of a probe or after a `,`
// of the attach point list, `uprobe:/bin/bash:readline` is ONE attach point token; inside
// a block the same characters are an identifier, a colon, a division ... A `/` right
// after an attach point opens a predicate and the next `/` outside parentheses closes it.
// `#` lines are preprocessor directives (conditionals are evaluated here, #define names
// are expanded at the token level so spans stay those of the use site). A tiny state
// machine says all of this directly (and scans a megabyte in about 0.2 s).

import type { IToken, TokenType } from 'chevrotain';
import { createTokenInstance } from './chevrotain.js';
import type { Define, Include, Span } from '../ast/nodes.js';
import { Diagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { decodeCharLiteral, decodeEscapes, parseIntLiteral, type BadEscape } from './literals.js';
import { evalCondition, splitDirective, stripComments } from './preprocessor.js';
import * as T from './tokens.js';

/**
 * Nesting budget. The recursive-descent parser spends stack per nesting level: measured
 * with Node's default stack, about 107 nested parentheses (each passes through every
 * precedence rule), 170 brackets, 600 nested `if`s or 1100 bare blocks fit. Unbounded
 * nesting would overflow the JavaScript stack, so each open parenthesis or bracket
 * costs PAREN_COST and each brace BRACE_COST, and past MAX_NESTING the scan stops with
 * P010: at most 54 parentheses or 300 braces, about half of what fits, which leaves room
 * for callers deep in their own stacks. Real scripts nest a handful of levels.
 */
export const MAX_NESTING = 600;
export const PAREN_COST = 11;
export const BRACE_COST = 2;
/** Most tokens one use of a #define may expand to, and how deeply macros may nest. */
export const MAX_MACRO_TOKENS = 10_000;
export const MAX_MACRO_DEPTH = 64;

/**
 * Macros defined before the script starts. bpftrace compiles scripts against kernel BTF
 * when it is there and defines BPFTRACE_HAVE_BTF for the preprocessor; bpfscript always
 * needs BTF (E005), so the macro is always defined. Its own tools test it.
 */
export const DEFAULT_PREDEFINED: Readonly<Record<string, string>> = { BPFTRACE_HAVE_BTF: '1' };

export interface LexOptions {
  /** Replaces DEFAULT_PREDEFINED when given. */
  readonly predefined?: Readonly<Record<string, string>>;
}

export interface LexResult {
  readonly tokens: IToken[];
  readonly includes: Include[];
  readonly defines: Define[];
  /** Nesting went past MAX_NESTING (P010 reported); `tokens` stops there. */
  readonly tooDeep: boolean;
}

/** Where the scanner stands: top level (attach points), inside code, inside a predicate. */
type State = 'top' | 'code' | 'pred';

interface MacroEntry {
  readonly tokens: readonly IToken[];
  /**
   * Lexical problems in the macro's text, reported (with their spans in the #define
   * line) when the macro is first used: a #define that only the C side would need must
   * not fail a script that never expands it.
   */
  problems: Diagnostic[] | null;
}

interface CondFrame {
  active: boolean;
  taken: boolean;
  readonly parentActive: boolean;
  sawElse: boolean;
  readonly span: Span;
}

/** Words that begin a top-level item other than a probe. */
const TOP_KEYWORDS: ReadonlyMap<string, TokenType> = new Map([
  ['struct', T.Struct],
  ['union', T.Union],
  ['config', T.Config],
  ['macro', T.Macro],
]);

const PUNCT_BY_FIRST = new Map<number, (readonly [string, TokenType])[]>();
for (const p of T.PUNCTUATORS) {
  const c = p[0].charCodeAt(0);
  const list = PUNCT_BY_FIRST.get(c) ?? [];
  list.push(p);
  PUNCT_BY_FIRST.set(c, list);
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isIdentChar(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
}
/** Characters allowed inside an attach point part besides letters and digits (and `/`, see below). */
function isAttachChar(c: number): boolean {
  if (isIdentChar(c)) return true;
  switch (c) {
    case 45: // -
    case 46: // .
    case 42: // *
    case 63: // ?
    case 91: // [
    case 93: // ]
    case 36: // $
    case 43: // +
    case 35: // #
    case 64: // @
    case 126: // ~
      return true;
    default:
      return false;
  }
}
function canStartToken(c: number): boolean {
  return (
    isIdentChar(c) ||
    isBlank(c) ||
    c === 10 ||
    c === 36 || // $
    c === 64 || // @
    c === 34 || // "
    c === 39 || // '
    PUNCT_BY_FIRST.has(c)
  );
}

/** How an unexpected character is shown in a message. */
export function showChar(ch: string): string {
  const c = ch.codePointAt(0) ?? 0;
  if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  return `'${ch}'`;
}

class Scanner {
  pos: number;
  readonly tokens: IToken[] = [];
  readonly includes: Include[] = [];
  readonly defines: Define[] = [];
  state: State;
  tooDeep = false;
  private braceDepth = 0;
  private predNest = 0;
  private nesting = 0;
  private readonly openCosts: number[] = [];
  private afterAttach = false;
  private atLineStart = true;
  private prevType: TokenType | null = null;
  private readonly conds: CondFrame[] = [];

  constructor(
    readonly text: string,
    start: number,
    readonly end: number,
    readonly diags: Diagnostics,
    /** null for a #define body: no directives there, and no expansion while pre-lexing. */
    readonly macros: Map<string, MacroEntry> | null,
    state: State,
  ) {
    this.pos = start;
    this.first = start;
    this.state = state;
  }

  /** Where scanning began (after a byte order mark): a shebang is only allowed there. */
  private readonly first: number;

  run(): void {
    const text = this.text;
    while (this.pos < this.end && !this.tooDeep) {
      const c = text.charCodeAt(this.pos);
      if (c === 10) {
        this.pos++;
        this.atLineStart = true;
        continue;
      }
      if (isBlank(c)) {
        this.pos++;
        continue;
      }
      if (c === 92 && this.newlineAt(this.pos + 1) > 0) {
        // A backslash-newline continues the line (as in C); it is just blank space.
        this.pos += 1 + this.newlineAt(this.pos + 1);
        continue;
      }
      if (c === 35 && this.atLineStart && this.macros) {
        this.directive(false);
        if (this.skipping()) this.skipInactive();
        continue;
      }
      this.atLineStart = false;
      if (c === 47) {
        const n = text.charCodeAt(this.pos + 1);
        if (n === 47) {
          this.lineComment();
          continue;
        }
        if (n === 42) {
          this.blockComment();
          continue;
        }
      }
      if (this.state === 'top' && this.topItem(c)) continue;
      if (this.state === 'pred' && c === 47 && this.predNest === 0) {
        // The `/` that closes the predicate; a division inside a predicate must be
        // parenthesised, as in bpftrace.
        this.emit(T.PredSlash, this.pos, this.pos + 1);
        this.pos++;
        this.state = 'top';
        continue;
      }
      this.codeToken(c);
    }
    if (this.macros) {
      for (const f of this.conds) this.diags.error('P015', f.span, { detail: 'unterminated conditional (missing #endif)' });
    }
  }

  /** Length of the newline sequence at `i` (1 for \n, 2 for \r\n), else 0. */
  private newlineAt(i: number): number {
    const c = this.text.charCodeAt(i);
    if (c === 10) return 1;
    if (c === 13 && this.text.charCodeAt(i + 1) === 10) return 2;
    return 0;
  }

  // ------------------------------------------------------------ tokens and state

  private makeToken(type: TokenType, start: number, end: number, payload?: unknown): IToken {
    const t = createTokenInstance(type, this.text.slice(start, end), start, end - 1, NaN, NaN, NaN, NaN);
    if (payload !== undefined) t.payload = payload;
    return t;
  }

  private emit(type: TokenType, start: number, end: number, payload?: unknown): void {
    this.push(this.makeToken(type, start, end, payload));
  }

  /** Append a token and update the context it changes (depths, state). */
  private push(t: IToken): void {
    const type = t.tokenType;
    if (type === T.LBrace) {
      this.braceDepth++;
      this.open(BRACE_COST);
      this.state = 'code';
    } else if (type === T.RBrace) {
      if (this.braceDepth > 0) this.braceDepth--;
      this.close();
      if (this.braceDepth === 0) this.state = 'top';
    } else if (type === T.LParen || type === T.LBracket) {
      this.open(PAREN_COST);
      if (this.state === 'pred') this.predNest++;
    } else if (type === T.RParen || type === T.RBracket) {
      this.close();
      if (this.state === 'pred' && this.predNest > 0) this.predNest--;
    } else if (type === T.Semi) {
      if (this.braceDepth === 0 && this.state === 'code') this.state = 'top';
    }
    this.afterAttach = type === T.AttachPoint;
    this.prevType = type;
    this.tokens.push(t);
    if (this.nesting > MAX_NESTING && !this.tooDeep) {
      this.tooDeep = true;
      this.diags.error('P010', { start: t.startOffset, end: t.startOffset + t.image.length });
    }
  }

  private open(cost: number): void {
    this.openCosts.push(cost);
    this.nesting += cost;
  }

  private close(): void {
    this.nesting -= this.openCosts.pop() ?? 0;
  }

  // ------------------------------------------------------------ comments

  private lineComment(): void {
    const nl = this.text.indexOf('\n', this.pos);
    this.pos = nl < 0 || nl > this.end ? this.end : nl;
  }

  private blockComment(): void {
    const close = this.text.indexOf('*/', this.pos + 2);
    if (close < 0 || close + 2 > this.end) {
      this.diags.error('P004', { start: this.pos, end: this.pos + 2 });
      this.pos = this.end;
      return;
    }
    this.pos = close + 2;
  }

  // ------------------------------------------------------------ top level

  /** At the top level: a predicate's opening `/`, a top-level keyword or an attach point. */
  private topItem(c: number): boolean {
    if (c === 47 && this.afterAttach) {
      this.emit(T.PredSlash, this.pos, this.pos + 1);
      this.pos++;
      this.state = 'pred';
      this.predNest = 0;
      return true;
    }
    if (!isIdentStart(c) && c !== 42) return false;
    let j = this.pos;
    while (j < this.end && isIdentChar(this.text.charCodeAt(j))) j++;
    const kw = TOP_KEYWORDS.get(this.text.slice(this.pos, j));
    if (kw && this.text.charCodeAt(j) !== 58) {
      this.emit(kw, this.pos, j);
      this.pos = j;
      this.state = 'code';
      return true;
    }
    this.attachPoint();
    return true;
  }

  /**
   * One attach point: `provider:part:part`, parts made of letters, digits and
   * `_ - . * ? [ ] $ + # @ ~`, or quoted. A `/` belongs to a path part (starting with `/`,
   * `.` or `~`, or a relative path followed by another part: `u:bin/a.out:f`); elsewhere
   * it ends the attach point and opens the predicate (`BEGIN/pid == 1/`).
   */
  private attachPoint(): void {
    const text = this.text;
    const start = this.pos;
    let i = start;
    let partStart = i;
    while (i < this.end) {
      const ch = text.charCodeAt(i);
      if (ch === 58) {
        i++;
        partStart = i;
      } else if (ch === 34) {
        let j = i + 1;
        while (j < this.end && text.charCodeAt(j) !== 34 && text.charCodeAt(j) !== 10) {
          j += text.charCodeAt(j) === 92 && text.charCodeAt(j + 1) !== 10 ? 2 : 1;
        }
        if (j >= this.end || text.charCodeAt(j) !== 34) {
          this.diags.error('P008', { start, end: Math.min(j, this.end) }, { text: text.slice(start, Math.min(j, this.end)) }, [
            'a quoted part needs its closing "',
          ]);
          i = Math.min(j, this.end);
          break;
        }
        i = j + 1;
      } else if (ch === 47) {
        // A `/` belongs to a path: a part that starts with `/`, `.` or `~`, or a relative
        // path followed by another part (`uprobe:bin/target:f`). Otherwise it opens the
        // predicate (`BEGIN/pid == 1/`, `interval:s:1/pid/`).
        const first = text.charCodeAt(partStart);
        if (partStart === start) break;
        if (first !== 47 && first !== 46 && first !== 126) {
          let j = i + 1;
          while (j < this.end && (isAttachChar(text.charCodeAt(j)) || text.charCodeAt(j) === 47)) j++;
          if (text.charCodeAt(j) !== 58) break;
        }
        i++;
      } else if (isAttachChar(ch)) {
        i++;
      } else {
        break;
      }
    }
    this.emit(T.AttachPoint, start, i);
    this.pos = i;
  }

  // ------------------------------------------------------------ code tokens

  private codeToken(c: number): void {
    const text = this.text;
    const start = this.pos;
    if (isIdentStart(c)) {
      let j = start + 1;
      while (j < this.end && isIdentChar(text.charCodeAt(j))) j++;
      const word = text.slice(start, j);
      this.pos = j;
      const kw = T.KEYWORDS.get(word);
      if (kw) this.emit(kw, start, j);
      else if (this.macros?.has(word)) this.expandMacro(word, start, j);
      else this.emit(T.Identifier, start, j);
      return;
    }
    if (isDigit(c)) return this.number();
    if (c === 34) return this.string();
    if (c === 39) return this.charLiteral();
    if (c === 36) return this.dollar();
    if (c === 64) {
      let j = start + 1;
      while (j < this.end && isIdentChar(text.charCodeAt(j))) j++;
      this.emit(T.MapName, start, j);
      this.pos = j;
      return;
    }
    const candidates = PUNCT_BY_FIRST.get(c);
    if (candidates) {
      for (const [spelling, type] of candidates) {
        if (text.startsWith(spelling, start) && start + spelling.length <= this.end) {
          this.emit(type, start, start + spelling.length);
          this.pos = start + spelling.length;
          return;
        }
      }
    }
    this.unexpected();
  }

  /** A run of characters that cannot start a token: one diagnostic for the run. */
  private unexpected(): void {
    const text = this.text;
    const start = this.pos;
    let j = start;
    while (j < this.end) {
      const cp = text.codePointAt(j)!;
      if (j > start && canStartToken(cp)) break;
      j += cp > 0xffff ? 2 : 1;
    }
    const first = String.fromCodePoint(text.codePointAt(start)!);
    if (first === '\ufffd') this.diags.error('P009', { start, end: j });
    else this.diags.error('P001', { start, end: j }, { char: showChar(first) });
    this.pos = j;
  }

  private number(): void {
    const text = this.text;
    const start = this.pos;
    let j = start;
    while (j < this.end && isIdentChar(text.charCodeAt(j))) j++;
    // `1.5` is not a bpftrace number; `$t.0.1` (nested tuple index) is fine.
    if (text.charCodeAt(j) === 46 && isDigit(text.charCodeAt(j + 1)) && this.prevType !== T.Dot) {
      j++;
      while (j < this.end && isIdentChar(text.charCodeAt(j))) j++;
      this.diags.error('P012', { start, end: j }, { text: text.slice(start, j) }, ['floating point numbers are not supported']);
      this.emit(T.IntLiteral, start, j, { value: 0n, suffix: '' } satisfies T.IntPayload);
      this.pos = j;
      return;
    }
    const image = text.slice(start, j);
    const r = parseIntLiteral(image);
    let payload: T.IntPayload = { value: 0n, suffix: '' };
    if (r.ok) payload = { value: r.value, suffix: r.suffix };
    else if (r.problem === 'range') this.diags.error('P005', { start, end: j }, { text: image });
    else this.diags.error('P012', { start, end: j }, { text: image });
    this.emit(T.IntLiteral, start, j, payload);
    this.pos = j;
  }

  /** Scan a quoted body from the opening quote; returns the end of the body and whether it closed. */
  private quoted(quote: number): { bodyEnd: number; closed: boolean } {
    const text = this.text;
    let j = this.pos + 1;
    while (j < this.end) {
      const ch = text.charCodeAt(j);
      if (ch === quote || ch === 10) break;
      if (ch === 92 && j + 1 < this.end && text.charCodeAt(j + 1) !== 10) j += 2;
      else j++;
    }
    j = Math.min(j, this.end);
    return { bodyEnd: j, closed: j < this.end && text.charCodeAt(j) === quote };
  }

  private reportBadEscapes(bodyStart: number, bad: readonly BadEscape[]): void {
    for (const b of bad) {
      this.diags.error('P006', { start: bodyStart + b.offset, end: bodyStart + b.offset + b.length }, { text: b.text });
    }
  }

  private string(): void {
    const start = this.pos;
    const { bodyEnd, closed } = this.quoted(34);
    // An unterminated string ends at the end of its line (strings do not span lines).
    const end = closed ? bodyEnd + 1 : bodyEnd;
    if (!closed) this.diags.error('P002', { start, end: Math.max(end, start + 1) });
    const { value, bad } = decodeEscapes(this.text.slice(start + 1, bodyEnd));
    this.reportBadEscapes(start + 1, bad);
    this.emit(T.StringLiteral, start, end, value);
    this.pos = end;
  }

  private charLiteral(): void {
    const start = this.pos;
    const { bodyEnd, closed } = this.quoted(39);
    const end = closed ? bodyEnd + 1 : bodyEnd;
    const { value, bad } = decodeCharLiteral(this.text.slice(start + 1, bodyEnd));
    this.reportBadEscapes(start + 1, bad);
    if (!closed || value === null) {
      this.diags.error('P013', { start, end: Math.max(end, start + 1) }, { text: this.text.slice(start, end) });
    }
    this.emit(T.CharLiteral, start, end, { value: value ?? 0n, suffix: '' } satisfies T.IntPayload);
    this.pos = end;
  }

  private dollar(): void {
    const text = this.text;
    const start = this.pos;
    const n = text.charCodeAt(start + 1);
    if (n === 35) {
      this.emit(T.PositionalCount, start, start + 2);
      this.pos = start + 2;
    } else if (isDigit(n)) {
      let j = start + 1;
      while (j < this.end && isDigit(text.charCodeAt(j))) j++;
      const digits = text.slice(start + 1, j);
      const index = digits.length > 9 ? Number.MAX_SAFE_INTEGER : Number(digits);
      if (index === 0) {
        this.diags.error('P003', { start, end: j }, { detail: 'positional parameters start at $1' });
      }
      this.emit(T.PositionalParam, start, j, index);
      this.pos = j;
    } else if (isIdentStart(n)) {
      let j = start + 2;
      while (j < this.end && isIdentChar(text.charCodeAt(j))) j++;
      this.emit(T.Variable, start, j);
      this.pos = j;
    } else {
      this.diags.error('P001', { start, end: start + 1 }, { char: "'$'" });
      this.pos = start + 1;
    }
  }

  // ------------------------------------------------------------ macros

  private expandMacro(name: string, start: number, end: number): void {
    const budget = { left: MAX_MACRO_TOKENS };
    const mark = this.tokens.length;
    if (!this.expandInto(name, start, end, new Set(), budget)) {
      this.diags.error('P016', { start, end }, { name });
      // Stand in one `0` for the failed expansion, so the parser reports nothing more.
      this.tokens.length = mark;
      const zero = createTokenInstance(T.IntLiteral, '0', start, end - 1, NaN, NaN, NaN, NaN);
      zero.payload = 0n;
      this.tokens.push(zero);
    }
  }

  /** Emit the tokens of `name` with the use site's span, expanding nested macros. */
  private expandInto(name: string, start: number, end: number, active: Set<string>, budget: { left: number }): boolean {
    const entry = this.macros!.get(name)!;
    if (active.size >= MAX_MACRO_DEPTH) return false;
    if (entry.problems) {
      this.diags.items.push(...entry.problems);
      entry.problems = null;
    }
    active.add(name);
    for (const t of entry.tokens) {
      if (t.tokenType === T.Identifier && this.macros!.has(t.image) && !active.has(t.image)) {
        if (!this.expandInto(t.image, start, end, active, budget)) return false;
        continue;
      }
      if (--budget.left < 0) return false;
      const copy = createTokenInstance(t.tokenType, t.image, start, end - 1, NaN, NaN, NaN, NaN);
      if (t.payload !== undefined) copy.payload = t.payload;
      this.push(copy);
    }
    active.delete(name);
    return true;
  }

  // ------------------------------------------------------------ preprocessor

  private skipping(): boolean {
    const top = this.conds[this.conds.length - 1];
    return top !== undefined && !top.active;
  }

  /** Skip the lines of an inactive conditional branch, still following nested #if/#endif. */
  private skipInactive(): void {
    const text = this.text;
    while (this.pos < this.end && this.skipping()) {
      const nl = text.indexOf('\n', this.pos);
      if (nl < 0 || nl >= this.end) {
        this.pos = this.end;
        break;
      }
      let k = nl + 1;
      while (k < this.end && isBlank(text.charCodeAt(k))) k++;
      this.pos = k;
      if (text.charCodeAt(k) === 35) this.directive(true);
    }
    this.atLineStart = false;
  }

  /**
   * A `#` line at this.pos. In an inactive branch (`skipping`) only the conditional
   * directives are looked at.
   */
  private directive(skipping: boolean): void {
    const text = this.text;
    const start = this.pos;
    // The logical line: backslash-newline continues it.
    let j = start;
    while (j < this.end) {
      const ch = text.charCodeAt(j);
      if (ch === 10) {
        if (text.charCodeAt(j - 1) === 92 || (text.charCodeAt(j - 1) === 13 && text.charCodeAt(j - 2) === 92)) {
          j++;
          continue;
        }
        break;
      }
      j++;
    }
    let lineEnd = j;
    if (text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    this.pos = j;
    this.atLineStart = false;
    // Continuations become blanks of the same length so offsets inside stay right.
    const line = text.slice(start, lineEnd).replace(/\\\r?\n/g, (m) => ' '.repeat(m.length));
    const span: Span = { start, end: lineEnd };
    if (start === this.first && line.startsWith('#!')) return; // shebang
    const d = splitDirective(line);
    const conditional = ['if', 'ifdef', 'ifndef', 'elif', 'else', 'endif'].includes(d.name);
    if (skipping && !conditional) return;
    switch (d.name) {
      case 'include':
        if (/^(<[^>]+>|"[^"]+")$/.test(d.arg)) this.includes.push({ kind: 'Include', span, text: d.arg });
        else this.diags.error('P003', span, { detail: '#include expects "FILE" or <FILE>' });
        return;
      case 'define':
        return this.define(line, start, lineEnd, span);
      case 'undef':
        this.macros!.delete(d.arg.split(/\s+/)[0] ?? '');
        return;
      case 'ifdef':
      case 'ifndef':
      case 'if': {
        if (skipping) {
          this.conds.push({ active: false, taken: true, parentActive: false, sawElse: false, span });
          return;
        }
        const value = this.condition(d.name, d.arg, span);
        this.conds.push({ active: value, taken: value, parentActive: true, sawElse: false, span });
        return;
      }
      case 'elif': {
        const top = this.conds[this.conds.length - 1];
        if (!top) return void this.diags.error('P015', span, { detail: '#elif without #if' });
        if (top.sawElse) return void this.diags.error('P015', span, { detail: '#elif after #else' });
        if (!top.parentActive || top.taken) {
          top.active = false;
          return;
        }
        top.active = this.condition('if', d.arg, span);
        top.taken = top.active;
        return;
      }
      case 'else': {
        const top = this.conds[this.conds.length - 1];
        if (!top) return void this.diags.error('P015', span, { detail: '#else without #if' });
        if (top.sawElse) return void this.diags.error('P015', span, { detail: 'a second #else' });
        top.sawElse = true;
        top.active = top.parentActive && !top.taken;
        top.taken = true;
        return;
      }
      case 'endif':
        if (this.conds.length === 0) this.diags.error('P015', span, { detail: '#endif without #if' });
        else this.conds.pop();
        return;
      default:
        this.diags.error('P011', span, { text: d.name ? '#' + d.name : (/^#\S{0,19}/.exec(line)?.[0] ?? '#') });
    }
  }

  private condition(kind: string, arg: string, span: Span): boolean {
    if (kind === 'ifdef' || kind === 'ifndef') {
      const name = /^[A-Za-z_][A-Za-z0-9_]*$/.test(arg) ? arg : null;
      if (name === null) {
        this.diags.error('P015', span, { detail: `#${kind} needs one macro name` });
        return false;
      }
      return this.macros!.has(name) === (kind === 'ifdef');
    }
    const v = evalCondition(arg, (n) => {
      const m = this.macros!.get(n);
      return m ? m.tokens.map((t) => t.image).join(' ') : undefined;
    });
    if (typeof v === 'string') {
      this.diags.error('P015', span, { detail: v });
      return false;
    }
    return v !== 0n;
  }

  /** `#define NAME text`: record it and pre-lex its text (spans of its own problems are right). */
  private define(line: string, start: number, lineEnd: number, span: Span): void {
    const m = /^#[ \t]*define[ \t]+([A-Za-z_][A-Za-z0-9_]*)/.exec(line);
    if (!m) {
      this.diags.error('P003', span, { detail: '#define needs a name' });
      return;
    }
    const name = m[1]!;
    const after = m[0].length;
    if (line[after] === '(') {
      this.diags.error('P014', span, { name });
      return;
    }
    const problems = new Diagnostics();
    const sub = new Scanner(this.text, start + after, lineEnd, problems, null, 'code');
    sub.run();
    this.macros!.set(name, { tokens: sub.tokens, problems: problems.items });
    const value = stripComments(line.slice(after)).trim();
    this.defines.push({ kind: 'Define', span, name, value });
  }
}

/**
 * Scan a whole script. Problems go into `diags`; the scan always finishes (except at
 * MAX_NESTING, see LexResult.tooDeep).
 */
export function tokenize(text: string, diags: Diagnostics = new Diagnostics(), options: LexOptions = {}): LexResult {
  const macros = new Map<string, MacroEntry>();
  for (const [name, value] of Object.entries(options.predefined ?? DEFAULT_PREDEFINED)) {
    const sub = new Scanner(value, 0, value.length, new Diagnostics(), null, 'code');
    sub.run();
    // Predefined macros have no place in the script: their tokens take the use site's span.
    macros.set(name, { tokens: sub.tokens, problems: null });
  }
  // A UTF-8 byte order mark is not part of the script.
  const s = new Scanner(text, text.charCodeAt(0) === 0xfeff ? 1 : 0, text.length, diags, macros, 'top');
  s.run();
  return { tokens: s.tokens, includes: s.includes, defines: s.defines, tooDeep: s.tooDeep };
}
