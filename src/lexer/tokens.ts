// Token vocabulary of the bpftrace language, as chevrotain TokenTypes.
// Input: nothing. Output: the token types the scanner (./tokenize.ts) emits and the
// CstParser (../parser/grammar.ts) consumes, plus the category tokens the grammar uses to
// match "any operator of this precedence level" with one CONSUME.
// Must not: carry lexing logic. Every type has `pattern: Lexer.NA` because tokens are
// produced by a hand-written, context-sensitive scanner, not by chevrotain's Lexer: in
// bpftrace the same text lexes differently depending on where it stands (an attach
// point such as `uprobe:/bin/bash:readline` only at the top level, a `/` that opens or
// closes a predicate, preprocessor lines, #define expansion), which a scanner with a
// little state expresses directly and cheaply.

import type { TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';

function tok(name: string, label: string, categories: TokenType[] = []): TokenType {
  return createToken({ name, label, pattern: Lexer.NA, categories });
}

// ---- categories (never emitted themselves)
/** Identifier or keyword: field names, struct fields and config keys may be keywords (`attr->config`). */
export const AnyName = tok('AnyName', 'a name');
export const AssignOp = tok('AssignOp', 'an assignment operator');
export const EqualityOp = tok('EqualityOp', "'==' or '!='");
export const RelationalOp = tok('RelationalOp', 'a comparison operator');
export const ShiftOp = tok('ShiftOp', "'<<' or '>>'");
export const AdditiveOp = tok('AdditiveOp', "'+' or '-'");
export const MultiplicativeOp = tok('MultiplicativeOp', "'*', '/' or '%'");
export const PrefixOp = tok('PrefixOp', 'a unary operator');
export const PostfixOp = tok('PostfixOp', "'++' or '--'");

// ---- names and literals
export const Identifier = tok('Identifier', 'an identifier', [AnyName]);
/** `$name` (a scratch variable). */
export const Variable = tok('Variable', 'a variable');
/** `$1`, `$2` ... payload: the index. */
export const PositionalParam = tok('PositionalParam', 'a positional parameter');
/** `$#`. */
export const PositionalCount = tok('PositionalCount', "'$#'");
/** `@name` or `@` alone. */
export const MapName = tok('MapName', 'a map');
/** payload: IntPayload. */
export const IntLiteral = tok('IntLiteral', 'an integer');
/** `'a'`; payload: IntPayload. */
export const CharLiteral = tok('CharLiteral', 'a character literal');
/** payload: the decoded string. */
export const StringLiteral = tok('StringLiteral', 'a string');
/** One whole attach point, e.g. `uprobe:/bin/bash:readline`; payload: AttachPayload. */
export const AttachPoint = tok('AttachPoint', 'an attach point');

// ---- keywords
export const If = tok('If', "'if'", [AnyName]);
export const Else = tok('Else', "'else'", [AnyName]);
export const While = tok('While', "'while'", [AnyName]);
export const Unroll = tok('Unroll', "'unroll'", [AnyName]);
export const For = tok('For', "'for'", [AnyName]);
export const Return = tok('Return', "'return'", [AnyName]);
export const Break = tok('Break', "'break'", [AnyName]);
export const Continue = tok('Continue', "'continue'", [AnyName]);
export const Let = tok('Let', "'let'", [AnyName]);
export const Config = tok('Config', "'config'", [AnyName]);
export const Macro = tok('Macro', "'macro'", [AnyName]);
export const Sizeof = tok('Sizeof', "'sizeof'", [AnyName]);
export const Offsetof = tok('Offsetof', "'offsetof'", [AnyName]);
export const True = tok('True', "'true'", [AnyName]);
export const False = tok('False', "'false'", [AnyName]);
export const Struct = tok('Struct', "'struct'", [AnyName]);
export const Union = tok('Union', "'union'", [AnyName]);
export const Enum = tok('Enum', "'enum'", [AnyName]);

export const KEYWORDS: ReadonlyMap<string, TokenType> = new Map([
  ['if', If],
  ['else', Else],
  ['while', While],
  ['unroll', Unroll],
  ['for', For],
  ['return', Return],
  ['break', Break],
  ['continue', Continue],
  ['let', Let],
  ['config', Config],
  ['macro', Macro],
  ['sizeof', Sizeof],
  ['offsetof', Offsetof],
  ['true', True],
  ['false', False],
  ['struct', Struct],
  ['union', Union],
  ['enum', Enum],
]);

// ---- punctuation
export const LBrace = tok('LBrace', "'{'");
export const RBrace = tok('RBrace', "'}'");
export const LParen = tok('LParen', "'('");
export const RParen = tok('RParen', "')'");
export const LBracket = tok('LBracket', "'['");
export const RBracket = tok('RBracket', "']'");
export const Semi = tok('Semi', "';'");
export const Comma = tok('Comma', "','");
export const Colon = tok('Colon', "':'");
export const Question = tok('Question', "'?'");
export const Dot = tok('Dot', "'.'");
export const DotDot = tok('DotDot', "'..'");
export const Arrow = tok('Arrow', "'->'");
/** The `/` that opens or closes a predicate (never a division). */
export const PredSlash = tok('PredSlash', "'/'");

// ---- operators
export const Assign = tok('Assign', "'='", [AssignOp]);
/** `+=` `-=` ... `>>=`; the image says which. */
export const CompoundAssign = tok('CompoundAssign', 'a compound assignment', [AssignOp]);
export const OrOr = tok('OrOr', "'||'");
export const AndAnd = tok('AndAnd', "'&&'");
export const Pipe = tok('Pipe', "'|'");
export const Caret = tok('Caret', "'^'");
export const Amp = tok('Amp', "'&'", [PrefixOp]);
export const EqEq = tok('EqEq', "'=='", [EqualityOp]);
export const NotEq = tok('NotEq', "'!='", [EqualityOp]);
export const Lt = tok('Lt', "'<'", [RelationalOp]);
export const Le = tok('Le', "'<='", [RelationalOp]);
export const Gt = tok('Gt', "'>'", [RelationalOp]);
export const Ge = tok('Ge', "'>='", [RelationalOp]);
export const Shl = tok('Shl', "'<<'", [ShiftOp]);
export const Shr = tok('Shr', "'>>'", [ShiftOp]);
export const Plus = tok('Plus', "'+'", [AdditiveOp]);
export const Minus = tok('Minus', "'-'", [AdditiveOp, PrefixOp]);
export const Star = tok('Star', "'*'", [MultiplicativeOp, PrefixOp]);
export const Div = tok('Div', "'/'", [MultiplicativeOp]);
export const Mod = tok('Mod', "'%'", [MultiplicativeOp]);
export const Bang = tok('Bang', "'!'", [PrefixOp]);
export const Tilde = tok('Tilde', "'~'", [PrefixOp]);
export const PlusPlus = tok('PlusPlus', "'++'", [PrefixOp, PostfixOp]);
export const MinusMinus = tok('MinusMinus', "'--'", [PrefixOp, PostfixOp]);

/** Punctuation and operators by spelling, longest first within each first character. */
export const PUNCTUATORS: readonly (readonly [string, TokenType])[] = [
  ['<<=', CompoundAssign],
  ['>>=', CompoundAssign],
  ['->', Arrow],
  ['..', DotDot],
  ['++', PlusPlus],
  ['--', MinusMinus],
  ['+=', CompoundAssign],
  ['-=', CompoundAssign],
  ['*=', CompoundAssign],
  ['/=', CompoundAssign],
  ['%=', CompoundAssign],
  ['&=', CompoundAssign],
  ['|=', CompoundAssign],
  ['^=', CompoundAssign],
  ['||', OrOr],
  ['&&', AndAnd],
  ['==', EqEq],
  ['!=', NotEq],
  ['<=', Le],
  ['>=', Ge],
  ['<<', Shl],
  ['>>', Shr],
  ['{', LBrace],
  ['}', RBrace],
  ['(', LParen],
  [')', RParen],
  ['[', LBracket],
  [']', RBracket],
  [';', Semi],
  [',', Comma],
  [':', Colon],
  ['?', Question],
  ['.', Dot],
  ['=', Assign],
  ['|', Pipe],
  ['^', Caret],
  ['&', Amp],
  ['<', Lt],
  ['>', Gt],
  ['+', Plus],
  ['-', Minus],
  ['*', Star],
  ['/', Div],
  ['%', Mod],
  ['!', Bang],
  ['~', Tilde],
];

/** Every token type, categories first (chevrotain wants categories in the vocabulary). */
export const ALL_TOKENS: readonly TokenType[] = [
  AnyName, AssignOp, EqualityOp, RelationalOp, ShiftOp, AdditiveOp, MultiplicativeOp, PrefixOp, PostfixOp,
  Identifier, Variable, PositionalParam, PositionalCount, MapName, IntLiteral, CharLiteral, StringLiteral,
  AttachPoint,
  ...KEYWORDS.values(),
  LBrace, RBrace, LParen, RParen, LBracket, RBracket, Semi, Comma, Colon, Question, Dot, DotDot, Arrow,
  PredSlash,
  Assign, CompoundAssign, OrOr, AndAnd, Pipe, Caret, Amp, EqEq, NotEq, Lt, Le, Gt, Ge, Shl, Shr, Plus,
  Minus, Star, Div, Mod, Bang, Tilde, PlusPlus, MinusMinus,
];

// ---- token payloads (IToken.payload), filled by the scanner

export interface IntPayload {
  readonly value: bigint;
  readonly suffix: string;
}

export interface AttachPayload {
  readonly provider: string;
  readonly parts: readonly string[];
}
