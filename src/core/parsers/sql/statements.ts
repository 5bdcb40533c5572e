// SQL text -> statements with exact positions. libpg-query reports UTF-8 byte offsets;
// everything here is converted once to UTF-16 offsets into the text (what editors use).
import type { Node, RawStmt } from 'libpg-query';
import { byteToUtf16Mapper } from '../source-text';
import { fastStatementNode, fastStatementStartIsValid } from './fast-statements';
import { lexSql, lexSqlStatements } from './lexer';
import type { SqlParser } from './libpg-query';
import { statementTreeUnread } from './operations';

export interface SqlToken {
  start: number;
  end: number;
  /** The token's text, upper-cased when it is a keyword (so `index` and `INDEX` compare equal). */
  word: string;
  keyword: boolean;
  comment: boolean;
}

export interface RawStatement {
  node: Node;
  /** From the first token to the last, without leading comments or the semicolon. */
  start: number;
  end: number;
  /** Just after the semicolon, or `end` when there is none. */
  terminatorEnd: number;
  terminated: boolean;
  /** The statement's tokens, comments left out. */
  tokens: SqlToken[];
  /** Converts a byte `location` from the statement's syntax tree to an offset into the text. */
  at(byteLocation: number): number;
}

export interface SqlProblem {
  message: string;
  start: number;
  end: number;
}

export interface SqlText {
  statements: RawStatement[];
  /** Every comment the scanner saw (`-- ...` and `/* ... *\/`), in order. */
  comments: SqlToken[];
  /** The first syntax error, at its position; statements that parse are still in `statements`. */
  problem: SqlProblem | null;
  /** How many statements the text holds, parsable or not. */
  statementCount: number;
}

export interface ReadSqlOptions {
  /**
   * The caller reads no more of the syntax trees than the linter does (operations.ts,
   * transactionEffect): statements in the plain forms fast-statements.ts knows are then read
   * without libpg-query, and statements whose tree nothing reads (statementTreeUnread) are not
   * parsed at all. The statements' reading is the same either way; the problem differs only
   * when a statement of the second kind is broken (not reported, but for a template's `{`).
   * Without it every tree is libpg-query's whole one.
   */
  lintTrees?: boolean;
}

/**
 * Splits and parses SQL text. Never throws: when the whole text does not parse, it is split
 * on the scanner's semicolons and each statement is parsed alone, so one broken statement
 * (a template placeholder, a typo) hides only itself.
 */
export function readSqlText(text: string, parser: SqlParser, options: ReadSqlOptions = {}): SqlText {
  // Nothing but white space (an empty down migration, 152 of the real-world corpus's 3,830 files):
  // no statement, no comment. Not lexed: such a text sent V8's compiled lexer back to be compiled again.
  if (!NOT_WHITE_SPACE.test(text)) return { statements: [], comments: [], problem: null, statementCount: 0 };
  if (options.lintTrees) {
    const read = readStatementByStatement(text, parser);
    if (read) return read;
  }
  const toOffset = byteToUtf16Mapper(text);
  const tokens = scanTokens(text);
  const comments = tokens.filter((t) => t.comment);
  const code = tokens.filter((t) => !t.comment);

  const whole = parser.parse(text);
  if (whole.ok) {
    const statements: RawStatement[] = [];
    const stmts = whole.result.stmts ?? [];
    const byteLength = Buffer.byteLength(text, 'utf8');
    for (const stmt of stmts) {
      const byteStart = stmt.stmt_location ?? 0;
      const byteEnd = stmt.stmt_len ? byteStart + stmt.stmt_len : byteLength;
      const statement = rawStatement(stmt, toOffset(byteStart), toOffset(byteEnd), code, toOffset);
      if (statement) statements.push(statement);
    }
    return { statements, comments, problem: null, statementCount: stmts.length };
  }

  const problem = problemAt(text, whole.message, codePointToUtf16(text, whole.cursorPosition), code);
  const statements: RawStatement[] = [];
  const groups = statementGroups(code);
  for (const group of groups) {
    const first = group[0]!;
    const last = group[group.length - 1]!;
    const chunk = text.slice(first.start, last.end);
    const parsed = parser.parse(chunk);
    if (!parsed.ok) continue;
    const chunkOffset = byteToUtf16Mapper(chunk);
    const at = (byte: number) => first.start + chunkOffset(byte);
    const chunkBytes = Buffer.byteLength(chunk, 'utf8');
    for (const stmt of parsed.result.stmts ?? []) {
      const byteStart = stmt.stmt_location ?? 0;
      const byteEnd = stmt.stmt_len ? byteStart + stmt.stmt_len : chunkBytes;
      const statement = rawStatement(stmt, at(byteStart), at(byteEnd), code, at);
      if (statement) statements.push(statement);
    }
  }
  return { statements, comments, problem, statementCount: groups.length };
}

const sameOffset = (offset: number) => offset;
/** Postgres' white space is space, tab, newline, carriage return, vertical tab and form feed. */
const NOT_WHITE_SPACE = /[^ \t\n\r\v\f]/;

/**
 * The text read statement by statement (cut at its top-level semicolons), each one by
 * fastStatementNode or else by libpg-query alone: the same statements, trees and problem as
 * parsing the whole text. The text is valid exactly when each statement is; when one is not,
 * parsing the whole text stops at the first broken statement, at the same place as parsing that
 * statement alone (the parser starts each statement afresh after a semicolon), and the
 * whole-text reading then reads every statement alone, as here. Null, for the whole-text
 * reading, when the scanner rejects the text, when semicolons may stand inside a statement
 * (BEGIN ATOMIC bodies, a rule's parenthesized actions), or when the problem's position cannot
 * be told from the statement alone.
 */
function readStatementByStatement(text: string, parser: SqlParser): SqlText | null {
  const lexed = lexSqlStatements(text);
  if (!lexed || !lexed.plainSemicolons) return null;
  const { code, semicolons } = lexed;
  const statements: RawStatement[] = [];
  let problem: SqlProblem | null = null;
  let statementCount = 0;
  // One more round than semicolons: the last one reads a statement without a semicolon.
  for (let k = 0, from = 0; k <= semicolons.length; k++) {
    const to = k < semicolons.length ? semicolons[k]! : code.length;
    const semicolon = k < semicolons.length ? code[to]! : null;
    const groupStart = from;
    from = to + 1;
    if (to === groupStart) continue;
    const group = code.slice(groupStart, to);

    statementCount++;
    const first = group[0]!;
    const last = group[group.length - 1]!;
    const end = semicolon !== null ? semicolon.end : last.end;
    // A statement nothing reads (an INSERT, a CREATE FUNCTION...) is not read by the fast reader
    // either: whatever it would say, the statement gives no operation and no problem.
    const unread = statementTreeUnread(group);
    let node = unread ? null : fastStatementNode(group, text);
    let at = sameOffset;
    if (node === null) {
      // A `{` (a template placeholder, `{{ table }}`) is in no statement Postgres accepts: the
      // statement is left out, and when the fast reader knows all before it, that is where
      // Postgres reports the syntax error. No call into libpg-query is needed.
      const brace = group.findIndex(isBrace);
      if (brace !== -1 && (problem !== null || fastStatementStartIsValid(group, brace, text))) {
        problem ??= { message: 'syntax error at or near "{"', start: group[brace]!.start, end: group[brace]!.end };
        continue;
      }
      if (brace === -1 && unread) {
        // Nothing reads its tree (an INSERT, a CREATE FUNCTION...): libpg-query is not asked for
        // it, so a syntax error in it goes unreported (one with a template's `{` still is).
        // Asking cost a third of a lint of real-world SQL (npm run bench -- sql), loading
        // libpg-query for files no rule needs it for.
        statements.push({ node: UNREAD_TREE, start: first.start, end: last.end, terminatorEnd: end, terminated: semicolon !== null, tokens: group, at });
        continue;
      }
      const chunk = text.slice(first.start, end);
      const parsed = parser.parse(chunk);
      if (!parsed.ok) {
        // Only the first problem is reported; the statement is left out, as a whole-text reading does.
        if (problem === null) {
          problem = problemInStatement(chunk, parsed.message, parsed.cursorPosition, group, semicolon);
          if (problem === null) return null;
        }
        continue;
      }
      const stmts = parsed.result.stmts ?? [];
      if (stmts.length !== 1 || !stmts[0]!.stmt) return null;
      node = stmts[0]!.stmt;
      const chunkOffset = byteToUtf16Mapper(chunk);
      const chunkStart = first.start;
      at = (byte: number) => chunkStart + chunkOffset(byte);
    }
    statements.push({ node, start: first.start, end: last.end, terminatorEnd: end, terminated: semicolon !== null, tokens: group, at });
  }
  return { statements, comments: lexed.comments, problem, statementCount };
}

/** The tree of a statement statementTreeUnread tells apart: of no type, as nothing reads it. */
const UNREAD_TREE = Object.freeze({}) as Node;

const isBrace = (t: SqlToken) => t.word === '{' && !t.keyword;

/**
 * The problem parsing the whole text would report, from parsing the broken statement alone:
 * `chunk` is the text from its first token through its semicolon (or to its last token when it
 * has none) and `cursor` libpg-query's position in it. Null when that cannot be told.
 */
function problemInStatement(
  chunk: string,
  message: string,
  cursor: number,
  group: SqlToken[],
  semicolon: SqlToken | null,
): SqlProblem | null {
  // Position 0 is also what libpg-query says for an error without a position; a syntax error always has one.
  if (cursor === 0 && !message.startsWith('syntax error at or near ')) return null;
  const inChunk = codePointToUtf16(chunk, cursor);
  if (inChunk >= chunk.length) {
    // "at end of input": only the text's last statement, without a semicolon, ends where the text does.
    if (semicolon !== null) return null;
    const last = group[group.length - 1]!;
    return { message, start: last.start, end: last.end };
  }
  const offset = group[0]!.start + inChunk;
  // The chunk's tokens are the group's and the semicolon: problemAt over them.
  const token = group.find((t) => t.start <= offset && offset < t.end) ?? (semicolon && semicolon.start <= offset ? semicolon : undefined);
  return token ? { message, start: offset, end: token.end } : { message, start: offset, end: offset + 1 };
}

function rawStatement(
  stmt: RawStmt,
  from: number,
  to: number,
  code: SqlToken[],
  at: (byte: number) => number,
): RawStatement | null {
  if (!stmt.stmt) return null;
  let i = firstTokenAtOrAfter(code, from);
  const tokens: SqlToken[] = [];
  // Semicolons inside the range belong to the statement (a `BEGIN ATOMIC ... END` body).
  for (; i < code.length && code[i]!.start < to; i++) tokens.push(code[i]!);
  if (tokens[tokens.length - 1]?.word === ';') {
    tokens.pop();
    i--;
  }
  if (tokens.length === 0) return null;
  const start = tokens[0]!.start;
  const end = tokens[tokens.length - 1]!.end;
  const semicolon = code[i]?.word === ';' ? code[i]! : null;
  return {
    node: stmt.stmt,
    start,
    end,
    terminatorEnd: semicolon ? semicolon.end : end,
    terminated: semicolon !== null,
    tokens,
    at,
  };
}

function firstTokenAtOrAfter(tokens: SqlToken[], offset: number): number {
  let low = 0;
  let high = tokens.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (tokens[mid]!.start < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Postgres reports an error's cursor in characters (code points), not bytes. */
function codePointToUtf16(text: string, codePoints: number): number {
  if (!/[\ud800-\udbff]/.test(text)) return Math.min(codePoints, text.length);
  let offset = 0;
  for (let n = 0; n < codePoints && offset < text.length; n++) offset += text.codePointAt(offset)! > 0xffff ? 2 : 1;
  return offset;
}

function problemAt(text: string, message: string, offset: number, code: SqlToken[]): SqlProblem {
  const token = code.find((t) => t.start <= offset && offset < t.end);
  if (token) return { message, start: offset, end: token.end };
  if (offset < text.length) return { message, start: offset, end: offset + 1 };
  // "at end of input": point at the last token rather than past the end.
  const last = code[code.length - 1];
  return last ? { message, start: last.start, end: last.end } : { message, start: text.length, end: text.length };
}

/**
 * The tokens, in UTF-16 offsets, from the lexer that cuts them as Postgres' scanner does. When
 * the text as a whole is rejected (an unterminated quote or comment, usually mid-typing), it is
 * cut at top-level semicolons by a small lexer and the pieces are read one by one; pieces that
 * are still rejected contribute no tokens.
 */
function scanTokens(text: string): SqlToken[] {
  const whole = lexSql(text);
  if (whole) return whole;
  const tokens: SqlToken[] = [];
  for (const piece of splitOnSemicolons(text)) {
    const scanned = lexSql(text.slice(piece.start, piece.end));
    if (!scanned) continue;
    for (const t of scanned) tokens.push({ ...t, start: piece.start + t.start, end: piece.start + t.end });
  }
  return tokens;
}

/**
 * Groups tokens into statements at top-level semicolons. Semicolons inside a SQL-standard
 * function body (`BEGIN ATOMIC ... END`) do not end the statement.
 */
export function statementGroups(code: SqlToken[]): SqlToken[][] {
  const groups: SqlToken[][] = [];
  let current: SqlToken[] = [];
  const blocks: Array<'ATOMIC' | 'CASE'> = [];
  for (let i = 0; i < code.length; i++) {
    const t = code[i]!;
    if (t.keyword) {
      if (t.word === 'ATOMIC' && code[i - 1]?.word === 'BEGIN') blocks.push('ATOMIC');
      else if (t.word === 'CASE' && blocks.length > 0) blocks.push('CASE');
      else if (t.word === 'END' && blocks.length > 0) blocks.pop();
    }
    if (t.word === ';' && blocks.length === 0) {
      if (current.length > 0) groups.push(current);
      current = [];
      continue;
    }
    current.push(t);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * Cuts SQL text after each top-level semicolon, knowing just enough of the lexical rules
 * (comments, quoted strings and identifiers, dollar quotes) not to cut inside them. Used only
 * when the real scanner rejects the text; an unterminated construct runs to the end.
 */
export function splitOnSemicolons(text: string): Array<{ start: number; end: number }> {
  const pieces: Array<{ start: number; end: number }> = [];
  let start = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '-' && text[i + 1] === '-') {
      const newline = text.indexOf('\n', i);
      i = newline === -1 ? n : newline + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (c === "'" || c === '"') {
      const backslashes = c === "'" && /[eE]/.test(text[i - 1] ?? '') && !/[\w$]/.test(text[i - 2] ?? '');
      i++;
      while (i < n) {
        if (backslashes && text[i] === '\\') i += 2;
        else if (text[i] === c) {
          if (text[i + 1] === c) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === '$' && !/[\w$]/.test(text[i - 1] ?? '')) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 64));
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? n : close + tag[0].length;
      } else i++;
    } else if (c === ';') {
      pieces.push({ start, end: i + 1 });
      start = i + 1;
      i++;
    } else i++;
  }
  if (start < n) pieces.push({ start, end: n });
  return pieces;
}
