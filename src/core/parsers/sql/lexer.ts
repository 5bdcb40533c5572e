// A lexer for Postgres SQL that cuts text into the same tokens as Postgres' own scanner
// (libpg-query's scanSync), as far as the linter uses them: where each token starts and ends,
// keywords, comments. It is here for speed: scanSync builds a JSON description of every token
// inside WASM and parses it back, which costs more than parsing the statements themselves.
// lexer.test.ts compares the two on every SQL text the tests know.
import { MAX_KEYWORD_LENGTH, SQL_KEYWORDS } from './keywords';
import type { SqlToken } from './statements';

/**
 * Each keyword, written in lower or in upper case (as nearly all SQL is), -> its upper-case form:
 * one lookup of the word as sliced gives the token's word without another string.
 */
const KEYWORD_FORMS = new Map<string, string>();
for (const keyword of SQL_KEYWORDS) {
  const upper = keyword.toUpperCase();
  KEYWORD_FORMS.set(keyword, upper);
  KEYWORD_FORMS.set(upper, upper);
}

// Runs of characters matched natively (sticky: from lastIndex, which the match moves to its end).
const ASCII_WORD = /[A-Za-z0-9_$]*/y;
const LINE_REST = /[^\r\n]*/y;

/** Every token is made here, so that all have one shape. */
function token(start: number, end: number, word: string, keyword: boolean, comment: boolean): SqlToken {
  return { start, end, word, keyword, comment };
}

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
  const push = (start: number, end: number) => {
    code.push(token(start, end, text.slice(start, end), false, false));
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    const next = i + 1 < n ? text.charCodeAt(i + 1) : -1;

    // Comments.
    if (c === Char.Minus && next === Char.Minus) {
      LINE_REST.lastIndex = i + 2;
      LINE_REST.test(text);
      i = LINE_REST.lastIndex;
      comments.push(token(start, i, text.slice(start, i), false, true));
      continue;
    }
    if (c === Char.Slash && next === Char.Star) {
      const end = blockCommentEnd(text, i);
      if (end === -1) return null;
      i = end;
      comments.push(token(start, i, text.slice(start, i), false, true));
      continue;
    }

    // Strings with a prefix: E'..', B'..', X'..', N'..', U&'..', U&"..".
    if (isIdentStart(c)) {
      if (next === Char.Quote && (c | 0x20) === 0x65 /* e */) {
        const end = quotedEnd(text, i + 1, 'escapes');
        if (end === -1) return null;
        i = end;
        push(start, i);
        continue;
      }
      if (next === Char.Quote && ((c | 0x20) === 0x62 /* b */ || (c | 0x20) === 0x78) /* x */) {
        const end = quotedEnd(text, i + 1, 'bits');
        if (end === -1) return null;
        i = end;
        push(start, i);
        continue;
      }
      if (next === Char.Quote && (c | 0x20) === 0x6e /* n */) {
        // NATIONAL CHARACTER: the scanner gives the N as a keyword of its own.
        code.push(token(start, start + 1, 'N', true, false));
        const end = quotedEnd(text, i + 1, 'plain');
        if (end === -1) return null;
        push(i + 1, end);
        i = end;
        continue;
      }
      if ((c | 0x20) === 0x75 /* u */ && next === Char.Ampersand && i + 2 < n) {
        const quote = text.charCodeAt(i + 2);
        if (quote === Char.Quote || quote === Char.DoubleQuote) {
          const end = quote === Char.Quote ? quotedEnd(text, i + 2, 'plain') : quotedIdentifierEnd(text, i + 2);
          if (end === -1) return null;
          i = end;
          push(start, i);
          continue;
        }
      }
      // The word's ASCII run is matched natively (a JavaScript loop over characters costs more
      // while the lexer is still cold); any other character goes on by the loop.
      ASCII_WORD.lastIndex = i + 1;
      ASCII_WORD.test(text);
      i = ASCII_WORD.lastIndex;
      let ascii = c < 0x80;
      if (i < n && text.charCodeAt(i) >= 0x80) {
        ascii = false;
        while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      }
      const raw = text.slice(start, i);
      // Postgres folds ASCII letters only: a word with any other character is no keyword. Words
      // in mixed case (rare) are looked up again in lower case.
      const keyword =
        ascii && i - start <= MAX_KEYWORD_LENGTH ? (KEYWORD_FORMS.get(raw) ?? KEYWORD_FORMS.get(raw.toLowerCase())) : undefined;
      if (keyword === undefined) code.push(token(start, i, raw, false, false));
      else {
        if (keyword === 'ATOMIC') plainSemicolons = false;
        code.push(token(start, i, keyword, true, false));
      }
      continue;
    }

    if (c === Char.Quote) {
      const end = quotedEnd(text, i, 'plain');
      if (end === -1) return null;
      i = end;
      push(start, i);
      continue;
    }
    if (c === Char.DoubleQuote) {
      const end = quotedIdentifierEnd(text, i);
      if (end === -1) return null;
      i = end;
      push(start, i);
      continue;
    }

    if (c === Char.Dollar) {
      if (isDigit(next)) {
        i++;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
        push(start, i);
        continue;
      }
      const tagEnd = dollarTagEnd(text, i);
      if (tagEnd !== -1) {
        const tag = text.slice(i, tagEnd);
        const close = text.indexOf(tag, tagEnd);
        if (close === -1) return null;
        i = close + tag.length;
        push(start, i);
        continue;
      }
      i++;
      push(start, i);
      continue;
    }

    if (isDigit(c) || (c === Char.Dot && isDigit(next))) {
      const end = numberEnd(text, i);
      // "trailing junk after numeric literal": 100abc, 1e, 2.x, 0xg, 1_.
      if (end === -1) return null;
      i = end;
      push(start, i);
      continue;
    }

    if (c === Char.Dot) {
      i += next === Char.Dot ? 2 : 1;
      push(start, i);
      continue;
    }
    if (c === Char.Colon) {
      i += next === Char.Colon || next === Char.Equals ? 2 : 1;
      push(start, i);
      continue;
    }

    if (isOperatorChar(c)) {
      i = operatorEnd(text, i);
      push(start, i);
      continue;
    }

    // ( ) [ ] , ; and anything else: one character.
    if (c === Char.LeftParen) depth++;
    else if (c === Char.RightParen) depth--;
    else if (c === Char.Semicolon) {
      if (depth === 0) semicolons.push(code.length);
      else plainSemicolons = false;
    }
    i++;
    push(start, i);
  }
  if (depth !== 0) plainSemicolons = false;
  return { code, comments, semicolons, plainSemicolons };
}

/** End of a nested block comment starting at `at`; -1 when unterminated. */
function blockCommentEnd(text: string, at: number): number {
  let depth = 0;
  let i = at;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    const d = i + 1 < n ? text.charCodeAt(i + 1) : -1;
    if (c === Char.Slash && d === Char.Star) {
      depth++;
      i += 2;
    } else if (c === Char.Star && d === Char.Slash) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return -1;
}

/**
 * End of a quoted string whose opening quote is at `at`: '' doubles a quote (not in B'' / X''
 * bit strings), a backslash escapes in E'' strings. Like Postgres, a string continues into another
 * one separated from it only by whitespace that holds a newline ('a'\n'b' is 'ab'). -1 when
 * unterminated.
 */
function quotedEnd(text: string, at: number, kind: 'plain' | 'escapes' | 'bits'): number {
  const n = text.length;
  let i = at + 1;
  for (;;) {
    let closed = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (kind === 'escapes' && c === Char.Backslash) {
        i += 2;
      } else if (c === Char.Quote) {
        if (kind !== 'bits' && i + 1 < n && text.charCodeAt(i + 1) === Char.Quote) i += 2;
        else {
          i++;
          closed = true;
          break;
        }
      } else i++;
    }
    if (!closed) return -1;
    // 'a' <whitespace with a newline> 'b' continues the string.
    let j = i;
    let newline = false;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === Char.Newline || c === Char.Return) newline = true;
      else if (!isSpace(c)) break;
      j++;
    }
    if (!newline || j >= n || text.charCodeAt(j) !== Char.Quote) return i;
    i = j + 1;
  }
}

/** End of a "quoted identifier" starting at `at` ("" doubles a quote); -1 when unterminated or empty. */
function quotedIdentifierEnd(text: string, at: number): number {
  const n = text.length;
  let i = at + 1;
  while (i < n) {
    if (text.charCodeAt(i) === Char.DoubleQuote) {
      if (i + 1 < n && text.charCodeAt(i + 1) === Char.DoubleQuote) i += 2;
      // "zero-length delimited identifier"
      else return i === at + 1 ? -1 : i + 1;
    } else i++;
  }
  return -1;
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
