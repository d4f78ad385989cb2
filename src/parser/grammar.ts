// The bpftrace grammar as a chevrotain CstParser: one rule per precedence level,
// messages worded by ./errors.ts.
// Input: tokens from src/lexer/tokenize.ts. Output: a CST (to-ast.ts turns it into the AST).
// Must not: build AST nodes or look at source text; rules only consume tokens.
//
// The parser is expensive to construct (grammar recording and lookahead analysis), so
// getParser() builds it once per process and reuses it; parse() resets its input. There
// are two: without error recovery (the first try, cheaper to build) and with it (for
// scripts with syntax errors).

import type { IRecognitionException, IToken, TokenType } from 'chevrotain';
import { CstParser, EMPTY_ALT, tokenMatcher } from '../lexer/chevrotain.js';
import * as T from '../lexer/tokens.js';
import { ERROR_MESSAGES } from './errors.js';

/**
 * Words that begin a type in a cast, `sizeof`, `let` or a struct field: bpftrace's
 * integer names, C's type keywords and qualifiers, and the usual kernel/libc typedefs.
 * `(name)` is a cast only when name is one of these (or `struct X`, or `name *`).
 */
export const TYPE_WORDS: ReadonlySet<string> = new Set([
  'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
  'bool', 'string', 'buffer', 'void',
  'char', 'short', 'int', 'long', 'signed', 'unsigned', 'float', 'double', '_Bool',
  'const', 'volatile',
  'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64',
  '__u8', '__u16', '__u32', '__u64', '__s8', '__s16', '__s32', '__s64',
  'int8_t', 'int16_t', 'int32_t', 'int64_t', 'uint8_t', 'uint16_t', 'uint32_t', 'uint64_t',
  'size_t', 'ssize_t', 'uintptr_t', 'intptr_t', 'pid_t', 'uid_t', 'gid_t', 'loff_t', 'off_t',
]);

/** C type words that combine into one type name: `unsigned long long int`. */
export const C_MULTIWORD: ReadonlySet<string> = new Set([
  'char', 'short', 'int', 'long', 'signed', 'unsigned', 'float', 'double', 'const', 'volatile',
]);

export const QUALIFIERS: ReadonlySet<string> = new Set(['const', 'volatile']);

/**
 * Parsing stops after this many syntax errors. Every error costs chevrotain real work
 * (an exception with a stack trace, expected-token paths for the message, re-sync),
 * and its repetition recovery recurses once per error, so on garbage input (a binary
 * file, a megabyte of noise) an unbounded count would take minutes or blow the stack.
 */
export const MAX_SYNTAX_ERRORS = 50;

/** Thrown out of the parser when MAX_SYNTAX_ERRORS is reached. */
export class TooManySyntaxErrors extends Error {}

// chevrotain records every error through this (untyped) trait method.
const BASE_SAVE_ERROR = (CstParser.prototype as unknown as { SAVE_ERROR: (e: IRecognitionException) => IRecognitionException })
  .SAVE_ERROR;

export class BpfCstParser extends CstParser {
  /**
   * `validate` runs chevrotain's grammar checks (ambiguities, left recursion ...). They
   * cost ~130 ms at every start, so the CLI's parser skips them; a unit test builds one
   * with them on, which fails if the grammar goes wrong.
   */
  constructor(options: { validate?: boolean; recovery?: boolean } = {}) {
    super([...T.ALL_TOKENS], {
      recoveryEnabled: options.recovery ?? true,
      maxLookahead: 3,
      errorMessageProvider: ERROR_MESSAGES,
      skipValidations: !options.validate,
    });
    this.performSelfAnalysis();
  }

  /** chevrotain's hook for each recorded error: stop at MAX_SYNTAX_ERRORS. */
  SAVE_ERROR(error: IRecognitionException): IRecognitionException {
    const saved = BASE_SAVE_ERROR.call(this, error);
    if (this.errors.length >= MAX_SYNTAX_ERRORS) throw new TooManySyntaxErrors();
    return saved;
  }

  /** The next unconsumed token: where the parser stands (used to place P010 on a stack overflow). */
  nextToken(): IToken {
    return this.LA(1);
  }

  // ---------------------------------------------------------------- lookahead helpers

  private is(k: number, type: TokenType): boolean {
    return tokenMatcher(this.LA(k), type);
  }

  /** Does a type start at LA(k)? (`struct X`, a TYPE_WORD, or `name *... )`). */
  private typeAhead(k: number): boolean {
    const t: IToken = this.LA(k);
    if (tokenMatcher(t, T.Struct) || tokenMatcher(t, T.Union) || tokenMatcher(t, T.Enum)) return true;
    if (!tokenMatcher(t, T.Identifier)) return false;
    if (TYPE_WORDS.has(t.image)) return true;
    // A typedef name is only recognisable as a type when pointers follow: `(pid_t_like *)`.
    let j = k + 1;
    if (!this.is(j, T.Star)) return false;
    while (this.is(j, T.Star)) j++;
    return this.is(j, T.RParen);
  }

  private castAhead(): boolean {
    return this.is(1, T.LParen) && this.typeAhead(2);
  }

  // ---------------------------------------------------------------- top level

  program = this.RULE('program', () => {
    this.MANY(() => this.SUBRULE(this.topItem));
  });

  topItem = this.RULE('topItem', () => {
    this.OR({
      DEF: [
        { ALT: () => this.SUBRULE(this.probe) },
        { ALT: () => this.SUBRULE(this.structDef) },
        { ALT: () => this.SUBRULE(this.configBlock) },
        { ALT: () => this.SUBRULE(this.macroDef) },
        { ALT: () => this.CONSUME(T.Semi) },
      ],
      ERR_MSG: 'a probe',
    });
  });

  probe = this.RULE('probe', () => {
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => this.CONSUME(T.AttachPoint),
      ERR_MSG: 'an attach point',
    });
    this.OPTION(() => this.SUBRULE(this.predicate));
    this.SUBRULE(this.block);
  });

  predicate = this.RULE('predicate', () => {
    this.CONSUME(T.PredSlash);
    this.SUBRULE(this.expr);
    this.CONSUME2(T.PredSlash);
  });

  structDef = this.RULE('structDef', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Struct) }, { ALT: () => this.CONSUME(T.Union) }]);
    this.CONSUME(T.AnyName);
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.structField));
    this.CONSUME(T.RBrace);
    this.OPTION(() => this.CONSUME(T.Semi));
  });

  structField = this.RULE('structField', () => {
    this.SUBRULE(this.typeBase);
    this.CONSUME(T.AnyName);
    this.OPTION(() => this.SUBRULE(this.arraySuffix));
    this.CONSUME(T.Semi);
  });

  configBlock = this.RULE('configBlock', () => {
    this.CONSUME(T.Config);
    this.CONSUME(T.Assign);
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.configEntry));
    this.CONSUME(T.RBrace);
    this.OPTION(() => this.CONSUME(T.Semi));
  });

  configEntry = this.RULE('configEntry', () => {
    this.CONSUME(T.AnyName);
    this.CONSUME(T.Assign);
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(T.IntLiteral) },
        { ALT: () => this.CONSUME(T.StringLiteral) },
        { ALT: () => this.CONSUME(T.Identifier) },
        { ALT: () => this.CONSUME(T.True) },
        { ALT: () => this.CONSUME(T.False) },
      ],
      ERR_MSG: 'a config value',
    });
    this.OPTION(() => this.CONSUME(T.Semi));
  });

  macroDef = this.RULE('macroDef', () => {
    this.CONSUME(T.Macro);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.macroParam) });
    this.CONSUME(T.RParen);
    this.SUBRULE(this.block);
  });

  macroParam = this.RULE('macroParam', () => {
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(T.Variable) },
        { ALT: () => this.CONSUME(T.MapName) },
        { ALT: () => this.CONSUME(T.Identifier) },
      ],
      ERR_MSG: 'a macro parameter',
    });
  });

  // ---------------------------------------------------------------- types

  /** `[const] struct X **`, `unsigned long *`, `uint8`: a type without array suffix. */
  typeBase = this.RULE('typeBase', () => {
    this.MANY({
      GATE: () => QUALIFIERS.has(this.LA(1).image) && this.is(1, T.Identifier) && this.typeAhead(2),
      DEF: () => this.CONSUME(T.Identifier),
    });
    this.OR({
      DEF: [
        {
          ALT: () => {
            this.OR2([
              { ALT: () => this.CONSUME(T.Struct) },
              { ALT: () => this.CONSUME(T.Union) },
              { ALT: () => this.CONSUME(T.Enum) },
            ]);
            this.CONSUME(T.AnyName);
          },
        },
        {
          ALT: () => {
            this.CONSUME2(T.Identifier);
            this.MANY2({
              GATE: () => C_MULTIWORD.has(this.LA(0).image) && this.is(1, T.Identifier) && C_MULTIWORD.has(this.LA(1).image),
              DEF: () => this.CONSUME3(T.Identifier),
            });
          },
        },
      ],
      ERR_MSG: 'a type',
    });
    this.MANY3(() => this.CONSUME(T.Star));
  });

  typeName = this.RULE('typeName', () => {
    this.SUBRULE(this.typeBase);
    this.OPTION(() => this.SUBRULE(this.arraySuffix));
  });

  arraySuffix = this.RULE('arraySuffix', () => {
    this.CONSUME(T.LBracket);
    this.CONSUME(T.IntLiteral);
    this.CONSUME(T.RBracket);
  });

  // ---------------------------------------------------------------- statements

  block = this.RULE('block', () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.stmtItem));
    this.CONSUME(T.RBrace);
  });

  stmtItem = this.RULE('stmtItem', () => {
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(T.Semi) },
        { ALT: () => this.SUBRULE(this.ifStmt) },
        { ALT: () => this.SUBRULE(this.whileStmt) },
        { ALT: () => this.SUBRULE(this.forStmt) },
        { ALT: () => this.SUBRULE(this.unrollStmt) },
        { ALT: () => this.SUBRULE(this.block) },
        {
          ALT: () => {
            this.SUBRULE(this.simpleStmt);
            this.SUBRULE(this.stmtEnd);
          },
        },
      ],
      ERR_MSG: 'a statement',
    });
  });

  /** `;` after a simple statement, optional only right before the closing `}`. */
  stmtEnd = this.RULE('stmtEnd', () => {
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(T.Semi) },
        { GATE: () => this.is(1, T.RBrace), ALT: EMPTY_ALT() },
      ],
      ERR_MSG: "';'",
    });
  });

  simpleStmt = this.RULE('simpleStmt', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.returnStmt) },
      { ALT: () => this.CONSUME(T.Break) },
      { ALT: () => this.CONSUME(T.Continue) },
      { ALT: () => this.SUBRULE(this.letStmt) },
      { ALT: () => this.SUBRULE(this.exprStmt) },
    ]);
  });

  returnStmt = this.RULE('returnStmt', () => {
    this.CONSUME(T.Return);
    this.OPTION(() => this.SUBRULE(this.expr));
  });

  letStmt = this.RULE('letStmt', () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.Variable);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.typeName);
    });
    this.OPTION2(() => {
      this.CONSUME(T.Assign);
      this.SUBRULE(this.expr);
    });
  });

  /** An expression, or an assignment when an `=` / `op=` follows it. */
  exprStmt = this.RULE('exprStmt', () => {
    this.SUBRULE(this.expr);
    this.OPTION(() => {
      this.CONSUME(T.AssignOp);
      this.SUBRULE2(this.expr);
    });
  });

  ifStmt = this.RULE('ifStmt', () => {
    this.CONSUME(T.If);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expr);
    this.CONSUME(T.RParen);
    this.SUBRULE(this.block);
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.OR({
        DEF: [{ ALT: () => this.SUBRULE(this.ifStmt) }, { ALT: () => this.SUBRULE2(this.block) }],
        ERR_MSG: "'if' or '{'",
      });
    });
  });

  whileStmt = this.RULE('whileStmt', () => {
    this.CONSUME(T.While);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expr);
    this.CONSUME(T.RParen);
    this.SUBRULE(this.block);
  });

  unrollStmt = this.RULE('unrollStmt', () => {
    this.CONSUME(T.Unroll);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expr);
    this.CONSUME(T.RParen);
    this.SUBRULE(this.block);
  });

  forStmt = this.RULE('forStmt', () => {
    this.CONSUME(T.For);
    this.CONSUME(T.LParen);
    this.CONSUME(T.Variable);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expr);
    this.OPTION(() => {
      this.CONSUME(T.DotDot);
      this.SUBRULE2(this.expr);
    });
    this.CONSUME(T.RParen);
    this.SUBRULE(this.block);
  });

  // ---------------------------------------------------------------- expressions

  expr = this.RULE('expr', () => {
    this.SUBRULE(this.ternary);
  });

  /** `c ? a : b`, right-associative: iterations chain in the else position. */
  ternary = this.RULE('ternary', () => {
    this.SUBRULE(this.logicalOr);
    this.MANY(() => {
      this.CONSUME(T.Question);
      this.SUBRULE(this.expr);
      this.CONSUME(T.Colon);
      this.SUBRULE2(this.logicalOr);
    });
  });

  logicalOr = this.RULE('logicalOr', () => {
    this.SUBRULE(this.logicalAnd);
    this.MANY(() => {
      this.CONSUME(T.OrOr);
      this.SUBRULE2(this.logicalAnd);
    });
  });

  logicalAnd = this.RULE('logicalAnd', () => {
    this.SUBRULE(this.bitOr);
    this.MANY(() => {
      this.CONSUME(T.AndAnd);
      this.SUBRULE2(this.bitOr);
    });
  });

  bitOr = this.RULE('bitOr', () => {
    this.SUBRULE(this.bitXor);
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.SUBRULE2(this.bitXor);
    });
  });

  bitXor = this.RULE('bitXor', () => {
    this.SUBRULE(this.bitAnd);
    this.MANY(() => {
      this.CONSUME(T.Caret);
      this.SUBRULE2(this.bitAnd);
    });
  });

  bitAnd = this.RULE('bitAnd', () => {
    this.SUBRULE(this.equality);
    this.MANY(() => {
      this.CONSUME(T.Amp);
      this.SUBRULE2(this.equality);
    });
  });

  equality = this.RULE('equality', () => {
    this.SUBRULE(this.relational);
    this.MANY(() => {
      this.CONSUME(T.EqualityOp);
      this.SUBRULE2(this.relational);
    });
  });

  relational = this.RULE('relational', () => {
    this.SUBRULE(this.shift);
    this.MANY(() => {
      this.CONSUME(T.RelationalOp);
      this.SUBRULE2(this.shift);
    });
  });

  shift = this.RULE('shift', () => {
    this.SUBRULE(this.additive);
    this.MANY(() => {
      this.CONSUME(T.ShiftOp);
      this.SUBRULE2(this.additive);
    });
  });

  additive = this.RULE('additive', () => {
    this.SUBRULE(this.multiplicative);
    this.MANY(() => {
      this.CONSUME(T.AdditiveOp);
      this.SUBRULE2(this.multiplicative);
    });
  });

  multiplicative = this.RULE('multiplicative', () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.CONSUME(T.MultiplicativeOp);
      this.SUBRULE2(this.unary);
    });
  });

  /**
   * Prefix operators and casts, then a postfix expression. The prefixes are a loop, not
   * recursion, so `!!!!...x` cannot exhaust the stack here.
   */
  unary = this.RULE('unary', () => {
    this.MANY({
      GATE: () => this.is(1, T.PrefixOp) || this.castAhead(),
      DEF: () => this.SUBRULE(this.unaryPrefix),
    });
    this.SUBRULE(this.postfix);
  });

  unaryPrefix = this.RULE('unaryPrefix', () => {
    this.OR([
      {
        GATE: () => this.castAhead(),
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.typeName);
          this.CONSUME(T.RParen);
        },
      },
      { ALT: () => this.CONSUME(T.PrefixOp) },
    ]);
  });

  postfix = this.RULE('postfix', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => this.SUBRULE(this.postfixSuffix));
  });

  postfixSuffix = this.RULE('postfixSuffix', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.SUBRULE(this.expr);
          this.CONSUME(T.RBracket);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Dot);
          this.OR2({
            DEF: [{ ALT: () => this.CONSUME(T.AnyName) }, { ALT: () => this.CONSUME(T.IntLiteral) }],
            ERR_MSG: 'a field name or tuple index',
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Arrow);
          this.CONSUME2(T.AnyName);
        },
      },
      { ALT: () => this.CONSUME(T.PostfixOp) },
    ]);
  });

  primary = this.RULE('primary', () => {
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(T.IntLiteral) },
        { ALT: () => this.CONSUME(T.CharLiteral) },
        { ALT: () => this.CONSUME(T.StringLiteral) },
        { ALT: () => this.CONSUME(T.True) },
        { ALT: () => this.CONSUME(T.False) },
        { ALT: () => this.CONSUME(T.PositionalParam) },
        { ALT: () => this.CONSUME(T.PositionalCount) },
        { ALT: () => this.CONSUME(T.Variable) },
        { ALT: () => this.SUBRULE(this.mapRef) },
        { ALT: () => this.SUBRULE(this.callOrIdent) },
        { ALT: () => this.SUBRULE(this.parenOrTuple) },
        { ALT: () => this.SUBRULE(this.sizeofExpr) },
        { ALT: () => this.SUBRULE(this.offsetofExpr) },
      ],
      ERR_MSG: 'an expression',
    });
  });

  mapRef = this.RULE('mapRef', () => {
    this.CONSUME(T.MapName);
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      this.OPTION2(() => this.SUBRULE(this.exprList));
      this.CONSUME(T.RBracket);
    });
  });

  callOrIdent = this.RULE('callOrIdent', () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.OPTION2(() => this.SUBRULE(this.exprList));
      this.CONSUME(T.RParen);
    });
  });

  exprList = this.RULE('exprList', () => {
    this.SUBRULE(this.expr);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.expr);
    });
  });

  parenOrTuple = this.RULE('parenOrTuple', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.exprList);
    this.CONSUME(T.RParen);
  });

  sizeofExpr = this.RULE('sizeofExpr', () => {
    this.CONSUME(T.Sizeof);
    this.CONSUME(T.LParen);
    this.OR([
      { GATE: () => this.typeAhead(1), ALT: () => this.SUBRULE(this.typeName) },
      { ALT: () => this.SUBRULE(this.expr) },
    ]);
    this.CONSUME(T.RParen);
  });

  offsetofExpr = this.RULE('offsetofExpr', () => {
    this.CONSUME(T.Offsetof);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.typeName);
    this.CONSUME(T.Comma);
    this.CONSUME(T.AnyName);
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME2(T.AnyName);
    });
    this.CONSUME(T.RParen);
  });
}

const instances: { quick?: BpfCstParser; recovering?: BpfCstParser } = {};

/**
 * The process-wide parsers, built on first use: with error recovery (reports every
 * syntax error, re-syncing after each) or without (stops at the first; cheaper to build).
 */
export function getParser(recovery = true): BpfCstParser {
  if (recovery) return (instances.recovering ??= new BpfCstParser({ recovery: true }));
  return (instances.quick ??= new BpfCstParser({ recovery: false }));
}
