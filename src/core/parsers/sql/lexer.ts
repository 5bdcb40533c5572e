// A lexer for Postgres SQL that cuts text into the same tokens as Postgres' own scanner
// (libpg-query's scanSync), as far as the linter uses them: where each token starts and ends,
// keywords, comments. It is here for speed: scanSync builds a JSON description of every token
// inside WASM and parses it back, which costs more than parsing the statements themselves.
// lexer.test.ts compares the two on every SQL text the tests know.
import { SQL_KEYWORDS } from './keywords';
import type { SqlToken } from './statements';

/**
 * Each keyword, written in lower or in upper case (as nearly all SQL is), -> its upper-case form:
 * one lookup of the word as sliced gives the token's word without another string. The forms are
 * internalized strings (property names), so that comparing a token's word with a keyword written
 * in the code (`t.word === 'INDEX'`) compares pointers.
 */
const KEYWORD_FORMS = new Map<string, string>();
for (const upper of Object.keys(Object.fromEntries([...SQL_KEYWORDS].map((k) => [k.toUpperCase(), true])))) {
  KEYWORD_FORMS.set(upper.toLowerCase(), upper);
  KEYWORD_FORMS.set(upper, upper);
}

// Runs of characters matched natively (sticky: from lastIndex, which the match moves to its end).
// A word's rest is matched in its first letter's case; the lookahead makes the match fail, rather
// than stop early, when the word goes on in another case or with a non-ASCII character, so that a
// match is a whole word in one case (a keyword as it is, nearly always) with no look at the
// character after it. (Backtracking cannot find a shorter match: the lookahead rejects every word
// character.)
const LOWER_WORD = /[a-z0-9_$]*(?![A-Za-z0-9_$\x80-\uffff])/y;
const UPPER_WORD = /[A-Z0-9_$]*(?![A-Za-z0-9_$\x80-\uffff])/y;
const ASCII_WORD = /[A-Za-z0-9_$]*/y;
const ANY_WORD = /[A-Za-z0-9_$\x80-\uffff]*/y;
/** A plain integer (no `_`, `.`, exponent or letters after it): the common number. */
const PLAIN_INTEGER = /[0-9]+(?![0-9A-Za-z_$.\x80-\uffff])/y;
const LINE_REST = /[^\r\n]*/y;

const enum Char {
  Tab = 9,
  Newline = 10,
  VerticalTab = 11,
  FormFeed = 12,
  Return = 13,
  Space = 32,
  Bang = 33,
  DoubleQuote = 34,
  Hash = 35,
  Dollar = 36,
  Percent = 37,
  Ampersand = 38,
  Quote = 39,
  LeftParen = 40,
  RightParen = 41,
  Star = 42,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Slash = 47,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  Semicolon = 59,
  Less = 60,
  Equals = 61,
  Greater = 62,
  Question = 63,
  At = 64,
  UpperA = 65,
  UpperZ = 90,
  Backslash = 92,
  Caret = 94,
  Underscore = 95,
  Backtick = 96,
  LowerA = 97,
  LowerZ = 122,
  Bar = 124,
  Tilde = 126,
}

function isSpace(c: number): boolean {
  return c === Char.Space || (c >= Char.Tab && c <= Char.Return);
}

function isIdentStart(c: number): boolean {
  return (c >= Char.LowerA && c <= Char.LowerZ) || (c >= Char.UpperA && c <= Char.UpperZ) || c === Char.Underscore || c >= 0x80;
}

function isDigit(c: number): boolean {
  return c >= Char.Zero && c <= Char.Nine;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === Char.Dollar;
}

/** Postgres' operator characters: ~ ! @ # ^ & | ` ? + - * / % < > = */
function isOperatorChar(c: number): boolean {
  switch (c) {
    case Char.Tilde:
    case Char.Bang:
    case Char.At:
    case Char.Hash:
    case Char.Caret:
    case Char.Ampersand:
    case Char.Bar:
    case Char.Backtick:
    case Char.Question:
    case Char.Plus:
    case Char.Minus:
    case Char.Star:
    case Char.Slash:
    case Char.Percent:
    case Char.Less:
    case Char.Greater:
    case Char.Equals:
      return true;
    default:
      return false;
  }
}

/** The characters that may end a multi-character operator only when one of these is in it. */
function isNonMathOperatorChar(c: number): boolean {
  return (
    c === Char.Tilde || c === Char.Bang || c === Char.At || c === Char.Hash || c === Char.Caret ||
    c === Char.Ampersand || c === Char.Bar || c === Char.Backtick || c === Char.Question || c === Char.Percent
  );
}

/**
 * The tokens of `text`, comments included, with UTF-16 offsets. Null when the text holds an
 * unterminated quoted string, quoted identifier, dollar quote or block comment, or a number with
 * letters stuck to it: Postgres' scanner rejects such text as a whole too.
 */
export function lexSql(text: string): SqlToken[] | null {
  const lexed = lexSqlStatements(text);
  if (!lexed) return null;
  const { code, comments } = lexed;
  if (comments.length === 0) return code;
  const tokens: SqlToken[] = [];
  let k = 0;
  for (const t of code) {
    while (k < comments.length && comments[k]!.start < t.start) tokens.push(comments[k++]!);
    tokens.push(t);
  }
  while (k < comments.length) tokens.push(comments[k++]!);
  return tokens;
}

/** The tokens of a text as the statement reader takes them: comments apart, and where statements end. */
export interface LexedSql {
  /** The tokens other than comments, in order. */
  code: SqlToken[];
  comments: SqlToken[];
  /** Indexes into `code` of the semicolons outside parentheses. */
  semicolons: number[];
  /**
   * False when a semicolon may stand inside a statement: one inside parentheses (a rule's
   * actions), unbalanced parentheses, or an ATOMIC keyword (BEGIN ATOMIC bodies).
   */
  plainSemicolons: boolean;
}

/**
 * What a character may start. Spaces and words are told apart by comparisons, the rest by a
 * `switch` (dense small numbers: a jump table).
 */
const enum Kind {
  Space = 0,
  Upper,
  Lower,
  /** `_` or any non-ASCII character: starts a word that is no keyword. */
  OtherWordStart,
  /** A token of its own: `[`, `]`, `{`, `}`, `\\`, control characters... */
  Single,
  LeftParen,
  RightParen,
  Comma,
  Semicolon,
  Minus,
  Slash,
  Quote,
  DoubleQuote,
  Dollar,
  Digit,
  Dot,
  Colon,
  /** An operator character other than `-` and `/`. */
  Operator,
}

/** Every UTF-16 code unit's Kind: one indexed load tells what the next token is. */
const KINDS = new Uint8Array(0x10000).fill(Kind.OtherWordStart, 0x80);
for (let c = 0; c < 0x80; c++) {
  let kind = Kind.Single;
  if (isSpace(c)) kind = Kind.Space;
  else if (c >= Char.UpperA && c <= Char.UpperZ) kind = Kind.Upper;
  else if (c >= Char.LowerA && c <= Char.LowerZ) kind = Kind.Lower;
  else if (c === Char.Underscore) kind = Kind.OtherWordStart;
  else if (c === Char.LeftParen) kind = Kind.LeftParen;
  else if (c === Char.RightParen) kind = Kind.RightParen;
  else if (c === Char.Comma) kind = Kind.Comma;
  else if (c === Char.Semicolon) kind = Kind.Semicolon;
  else if (c === Char.Minus) kind = Kind.Minus;
  else if (c === Char.Slash) kind = Kind.Slash;
  else if (c === Char.Quote) kind = Kind.Quote;
  else if (c === Char.DoubleQuote) kind = Kind.DoubleQuote;
  else if (c === Char.Dollar) kind = Kind.Dollar;
  else if (isDigit(c)) kind = Kind.Digit;
  else if (c === Char.Dot) kind = Kind.Dot;
  else if (c === Char.Colon) kind = Kind.Colon;
  else if (isOperatorChar(c)) kind = Kind.Operator;
  KINDS[c] = kind;
}

/**
 * lexSql's tokens, comments apart, with the semicolons that cut statements: noted as the tokens
 * are made, which saves the statement reader a pass over them.
 */
export function lexSqlStatements(text: string): LexedSql | null {
  const code: SqlToken[] = [];
  const comments: SqlToken[] = [];
  const semicolons: number[] = [];
  let plainSemicolons = true;
  let depth = 0;
  const n = text.length;
  let i = 0;
  // Until V8 optimizes it (most of a short CLI run) the loop runs as baseline (Sparkplug) code: there
  // nearly every operation is a call (a property load, a comparison, charCodeAt), while a regex
  // runs natively. So each token costs one charCodeAt and one load of its kind, words are matched
  // by regexes, and tokens are made as literals, all with the same properties in the same order
  // (one shape), and stored at the array's end (one keyed store, where push() is a property load
  // and a call). Once the optimizing compiler runs (the editor, long runs), rare cases share the common
  // paths (a word starting with `_` or `é` takes the one-case words' path; every kind of token
  // but words ends in the same store), which keeps one first seen late from throwing the compiled
  // lexer away.
  while (i < n) {
    const kind = KINDS[text.charCodeAt(i)]!;
    // The commonest kinds first, tested one by one: a switch tests its value four times before it jumps.
    if (kind === Kind.Space) {
      i++;
      continue;
    }
    const start = i;
    let end = i + 1;
    if (kind <= Kind.OtherWordStart) {
      // A word in one case: looked up as it is (the keyword map holds both cases). A word that
      // starts with `_` or a non-ASCII character is no keyword, and is looked up all the same.
      const run = kind === Kind.Upper ? UPPER_WORD : kind === Kind.Lower ? LOWER_WORD : ANY_WORD;
      run.lastIndex = end;
      let raw: string;
      let key: string;
      if (run.test(text)) {
        i = run.lastIndex;
        // E'..', B'..', X'..', N'..', U&'..', U&"..".
        if (i === end) {
          const next = text.charCodeAt(i);
          if (next === Char.Quote || next === Char.Ampersand) {
            const stringEnd = prefixedStringEnd(text, start, text.charCodeAt(start), code);
            if (stringEnd === -1) return null;
            if (stringEnd !== start) {
              i = stringEnd;
              continue;
            }
          }
        }
        key = raw = text.slice(start, i);
      } else {
        // Mixed case, or non-ASCII characters: Postgres folds ASCII letters only, and a word with
        // any other character is no keyword (nor is it found: the keywords are ASCII).
        ASCII_WORD.lastIndex = end;
        ASCII_WORD.test(text);
        const asciiEnd = ASCII_WORD.lastIndex;
        ANY_WORD.lastIndex = asciiEnd;
        ANY_WORD.test(text);
        i = ANY_WORD.lastIndex;
        raw = text.slice(start, i);
        key = i === asciiEnd ? raw.toLowerCase() : raw;
      }
      const keyword = KEYWORD_FORMS.get(key);
      if (keyword === undefined) code[code.length] = { start, end: i, word: raw, keyword: false, comment: false };
      else {
        if (keyword === 'ATOMIC') plainSemicolons = false;
        code[code.length] = { start, end: i, word: keyword, keyword: true, comment: false };
      }
      // A word is mostly followed by one space: stepped over here, it costs the loop no round.
      if (text.charCodeAt(i) === Char.Space) i++;
      continue;
    }
    switch (kind) {
      case Kind.LeftParen:
        depth++;
        break;
      case Kind.RightParen:
        depth--;
        break;
      case Kind.Comma:
        break;
      case Kind.Semicolon:
        if (depth === 0) semicolons.push(code.length);
        else plainSemicolons = false;
        break;
      case Kind.Minus:
        if (text.charCodeAt(end) === Char.Minus) {
          LINE_REST.lastIndex = i + 2;
          LINE_REST.test(text);
          i = LINE_REST.lastIndex;
          comments.push({ start, end: i, word: text.slice(start, i), keyword: false, comment: true });
          continue;
        }
        end = operatorEnd(text, i);
        break;
      case Kind.Slash:
        if (text.charCodeAt(end) === Char.Star) {
          i = blockCommentEnd(text, i);
          if (i === -1) return null;
          comments.push({ start, end: i, word: text.slice(start, i), keyword: false, comment: true });
          continue;
        }
        end = operatorEnd(text, i);
        break;
      case Kind.Quote:
        end = quotedEnd(text, i, 'plain');
        break;
      case Kind.DoubleQuote:
        end = quotedIdentifierEnd(text, i);
        break;
      case Kind.Dollar:
        end = dollarEnd(text, i);
        break;
      case Kind.Digit:
        // -1 for "trailing junk after numeric literal": 100abc, 1e, 2.x, 0xg, 1_.
        end = numberEnd(text, i);
        break;
      case Kind.Dot: {
        const next = text.charCodeAt(end);
        if (isDigit(next)) end = numberEnd(text, i);
        else if (next === Char.Dot) end = i + 2;
        break;
      }
      case Kind.Colon: {
        const next = text.charCodeAt(end);
        if (next === Char.Colon || next === Char.Equals) end = i + 2;
        break;
      }
      case Kind.Operator:
        end = operatorEnd(text, i);
        break;
      default:
      // Kind.Single: one character.
    }
    // An unterminated string, quoted identifier or dollar quote, or a malformed number.
    if (end === -1) return null;
    i = end;
    // One character (punctuation mostly): read as the string's element, without a call to slice().
    const word = end === start + 1 ? text[start]! : text.slice(start, end);
    code[code.length] = { start, end, word, keyword: false, comment: false };
  }
  if (depth !== 0) plainSemicolons = false;
  return { code, comments, semicolons, plainSemicolons };
}

/**
 * A string with a prefix at `at` (E'..', B'..', X'..', N'..', U&'..', U&".."), its tokens pushed
 * to `code`: its end, `at` when there is none there, -1 when it is unterminated.
 */
function prefixedStringEnd(text: string, at: number, c: number, code: SqlToken[]): number {
  const n = text.length;
  const next = at + 1 < n ? text.charCodeAt(at + 1) : -1;
  const letter = c | 0x20;
  let end = at;
  if (next === Char.Quote) {
    if (letter === 0x65 /* e */) end = quotedEnd(text, at + 1, 'escapes');
    else if (letter === 0x62 /* b */ || letter === 0x78 /* x */) end = quotedEnd(text, at + 1, 'bits');
    else if (letter === 0x6e /* n */) {
      // NATIONAL CHARACTER: the scanner gives the N as a keyword of its own.
      code.push({ start: at, end: at + 1, word: 'N', keyword: true, comment: false });
      end = quotedEnd(text, at + 1, 'plain');
      if (end !== -1) code.push({ start: at + 1, end, word: text.slice(at + 1, end), keyword: false, comment: false });
      return end;
    }
  } else if (letter === 0x75 /* u */ && next === Char.Ampersand && at + 2 < n) {
    const quote = text.charCodeAt(at + 2);
    if (quote === Char.Quote) end = quotedEnd(text, at + 2, 'plain');
    else if (quote === Char.DoubleQuote) end = quotedIdentifierEnd(text, at + 2);
  }
  if (end > at) code.push({ start: at, end, word: text.slice(at, end), keyword: false, comment: false });
  return end;
}

/** End of what starts with `$` at `at`: a parameter ($1), a dollar-quoted string, or a lone `$`; -1 when unterminated. */
function dollarEnd(text: string, at: number): number {
  const n = text.length;
  let i = at + 1;
  if (i < n && isDigit(text.charCodeAt(i))) {
    while (i < n && isDigit(text.charCodeAt(i))) i++;
    return i;
  }
  const tagEnd = dollarTagEnd(text, at);
  if (tagEnd === -1) return at + 1;
  const tag = text.slice(at, tagEnd);
  const close = text.indexOf(tag, tagEnd);
  return close === -1 ? -1 : close + tag.length;
}

// The ends of comments, strings and quoted identifiers are found with indexOf and sticky
// regexes rather than loops over characters: native searches cost far less while the lexer runs
// unoptimized, as it does over most of a cold run.

/** End of a nested block comment starting at `at`; -1 when unterminated. */
function blockCommentEnd(text: string, at: number): number {
  let depth = 1;
  let i = at + 2;
  for (;;) {
    const close = text.indexOf('*/', i);
    if (close === -1) return -1;
    const open = text.indexOf('/*', i);
    if (open !== -1 && open < close) {
      depth++;
      i = open + 2;
    } else {
      depth--;
      i = close + 2;
      if (depth === 0) return i;
    }
  }
}

/** Whitespace holding a newline, then a quote: a string continues ('a'\n'b' is 'ab'). */
const STRING_CONTINUES = /[ \t\v\f]*[\n\r][ \t\n\v\f\r]*'/y;

/**
 * End of a quoted string whose opening quote is at `at`: '' doubles a quote (not in B'' / X''
 * bit strings), a backslash escapes in E'' strings. Like Postgres, a string continues into another
 * one separated from it only by whitespace that holds a newline ('a'\n'b' is 'ab'). -1 when
 * unterminated.
 */
function quotedEnd(text: string, at: number, kind: 'plain' | 'escapes' | 'bits'): number {
  let i = at + 1;
  for (;;) {
    i = kind === 'escapes' ? escapedStringRest(text, i) : stringRest(text, i, kind === 'plain');
    if (i === -1) return -1;
    STRING_CONTINUES.lastIndex = i;
    if (!STRING_CONTINUES.test(text)) return i;
    i = STRING_CONTINUES.lastIndex;
  }
}

/** After the closing quote of a string whose text starts at `from` (`''` a quote when `doubled`); -1 when unterminated. */
function stringRest(text: string, from: number, doubled: boolean): number {
  let i = from;
  for (;;) {
    const quote = text.indexOf("'", i);
    if (quote === -1) return -1;
    if (!doubled || text.charCodeAt(quote + 1) !== Char.Quote) return quote + 1;
    i = quote + 2;
  }
}

/** stringRest for E'' strings, where a backslash escapes the next character. */
function escapedStringRest(text: string, from: number): number {
  const n = text.length;
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === Char.Backslash) i += 2;
    else if (c === Char.Quote) {
      if (i + 1 < n && text.charCodeAt(i + 1) === Char.Quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return -1;
}

/** End of a "quoted identifier" starting at `at` ("" doubles a quote); -1 when unterminated or empty. */
function quotedIdentifierEnd(text: string, at: number): number {
  let i = at + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote === -1) return -1;
    if (text.charCodeAt(quote + 1) !== Char.DoubleQuote) {
      // "zero-length delimited identifier"
      return quote === at + 1 ? -1 : quote + 1;
    }
    i = quote + 2;
  }
}

/** End of a `$tag$` opening a dollar quote at `at`, or -1 when `$` does not start one. */
function dollarTagEnd(text: string, at: number): number {
  const n = text.length;
  let i = at + 1;
  if (i < n && isIdentStart(text.charCodeAt(i))) {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (!(isIdentStart(c) || isDigit(c))) break;
      i++;
    }
  }
  return i < n && text.charCodeAt(i) === Char.Dollar ? i + 1 : -1;
}

/** Digits of a radix with single underscores between them, from `at`; the end, or -1 when malformed. */
function digitsEnd(text: string, at: number, isRadixDigit: (c: number) => boolean): number {
  const n = text.length;
  let i = at;
  if (i >= n || !isRadixDigit(text.charCodeAt(i))) return -1;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isRadixDigit(c)) i++;
    else if (c === Char.Underscore) {
      if (i + 1 < n && isRadixDigit(text.charCodeAt(i + 1))) i++;
      else return -1;
    } else break;
  }
  return i;
}

const isHexDigit = (c: number) => isDigit(c) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
const isOctalDigit = (c: number) => c >= Char.Zero && c <= 0x37;
const isBinaryDigit = (c: number) => c === Char.Zero || c === 0x31;

/**
 * End of a numeric literal at `at` (42, 1_000, 0x1F, 0o17, 0b101, 3.14, 1., .5, 1e10, 2.5E-3), or
 * -1 for what Postgres rejects as "trailing junk": letters stuck to it, an exponent without
 * digits, a misplaced underscore.
 */
function numberEnd(text: string, at: number): number {
  PLAIN_INTEGER.lastIndex = at;
  if (PLAIN_INTEGER.test(text)) return PLAIN_INTEGER.lastIndex;
  const n = text.length;
  let i = at;
  const prefix = i + 1 < n ? text.charCodeAt(i + 1) | 0x20 : -1;
  if (text.charCodeAt(i) === Char.Zero && (prefix === 0x78 || prefix === 0x6f || prefix === 0x62) /* x o b */) {
    const radix = prefix === 0x78 ? isHexDigit : prefix === 0x6f ? isOctalDigit : isBinaryDigit;
    let j = i + 2;
    if (j < n && text.charCodeAt(j) === Char.Underscore) j++;
    i = digitsEnd(text, j, radix);
    if (i === -1 || (i < n && isIdentPart(text.charCodeAt(i)))) return -1;
    return i;
  }
  if (isDigit(text.charCodeAt(i))) {
    i = digitsEnd(text, i, isDigit);
    if (i === -1) return -1;
    // 1_000$ is junk where 1000$ is a number and a `$`.
    if (i < n && text.charCodeAt(i) === Char.Dollar && text.slice(at, i).includes('_')) return -1;
  }
  if (i < n && text.charCodeAt(i) === Char.Dot && !(i + 1 < n && text.charCodeAt(i + 1) === Char.Dot)) {
    i++;
    if (i < n && isDigit(text.charCodeAt(i))) {
      i = digitsEnd(text, i, isDigit);
      if (i === -1) return -1;
    }
  }
  if (i < n && (text.charCodeAt(i) | 0x20) === 0x65 /* e */) {
    let j = i + 1;
    if (j < n && (text.charCodeAt(j) === Char.Plus || text.charCodeAt(j) === Char.Minus)) j++;
    i = digitsEnd(text, j, isDigit);
    // A real number may not run on into any identifier character, $ included.
    if (i === -1 || (i < n && isIdentPart(text.charCodeAt(i)))) return -1;
    return i;
  }
  if (i < n && isIdentStart(text.charCodeAt(i))) return -1;
  return i;
}

/**
 * End of an operator at `at`: a run of operator characters, cut before a comment start, and
 * (Postgres' rule) without a trailing + or - unless the run holds a character such as ~ or @,
 * so that `a=-1` is `=` then `-`.
 */
function operatorEnd(text: string, at: number): number {
  const n = text.length;
  let i = at;
  while (i < n && isOperatorChar(text.charCodeAt(i))) {
    if (i > at) {
      const c = text.charCodeAt(i);
      const d = i + 1 < n ? text.charCodeAt(i + 1) : -1;
      if ((c === Char.Minus && d === Char.Minus) || (c === Char.Slash && d === Char.Star)) break;
    }
    i++;
  }
  if (i - at > 1) {
    let special = false;
    for (let k = at; k < i; k++) if (isNonMathOperatorChar(text.charCodeAt(k))) special = true;
    if (!special) {
      while (i - at > 1) {
        const last = text.charCodeAt(i - 1);
        if (last !== Char.Plus && last !== Char.Minus) break;
        i--;
      }
    }
  }
  return i;
}
