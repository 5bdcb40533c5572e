// SQL inside a Ruby migration (`execute "CREATE INDEX ..."`, `execute <<~SQL ... SQL`), read
// with the same statement reader as SQL files, its positions mapped back into the Ruby file.
import type { Operation, SqlStatementSyntax } from '../../model/migration';
import type { SqlParser } from './libpg-query';
import { operationsOf, transactionEffect, type StatementContext } from './operations';
import { readSqlText } from './statements';

export interface EmbeddedSqlOptions {
  parser: SqlParser;
  /** The Ruby file's whole text. */
  source: string;
  /** Reads every statement with libpg-query (see SqlParseOptions.fullSyntaxTrees). */
  fullSyntaxTrees?: boolean;
  /**
   * Where `sql` interpolates code (offsets into `sql`): Python f-string `{...}`, JS template
   * `${...}`. Given, they stand for `#{...}`: the same placeholders, the same silence.
   */
  interpolations?: ReadonlyArray<{ start: number; end: number }>;
}

/**
 * Operations of the SQL in a Ruby string literal. `sql` is either the literal as written
 * (`source` holds it at `offsetInFile`) or its unescaped value; in the second case positions
 * are realigned over the escape sequences, and when that fails the operations keep their
 * findings but lose the anchors fixes edit at. `#{...}` interpolation becomes a placeholder
 * identifier of the same length: it names nothing (table null), and a statement it makes
 * unparsable is skipped rather than reported — the Ruby may well build valid SQL.
 * `direction`, `inTransactionBlock` and `safetyAssured` are left for the caller to set
 * (`inTransactionBlock` is true after a BEGIN in the same string).
 */
export function parseEmbeddedSql(sql: string, offsetInFile: number, options: EmbeddedSqlOptions): Operation[] {
  try {
    return readEmbeddedSql(sql, offsetInFile, options);
  } catch {
    // A linter must not take the editor down over one odd string.
    return [];
  }
}

function readEmbeddedSql(sql: string, offsetInFile: number, options: EmbeddedSqlOptions): Operation[] {
  const { text, hasPlaceholders } = options.interpolations ? blankRanges(sql, options.interpolations) : neutralizeInterpolation(sql);
  const aligned = alignToSource(sql, options.source, offsetInFile);
  const toSource = aligned ?? ((offset: number) => offsetInFile + Math.min(offset, sql.length));
  const parsed = readSqlText(text, options.parser, { lintTrees: options.fullSyntaxTrees !== true });
  const operations: Operation[] = [];
  const indexTables = new Map<string, string | null>();
  let inTransactionBlock = false;
  for (const statement of parsed.statements) {
    const context: StatementContext = {
      text,
      source: options.source,
      toSource,
      direction: 'change',
      inTransactionBlock,
      safetyAssured: false,
      via: 'execute',
      isPlaceholder: (name) => hasPlaceholders && /_{3,}/.test(name),
      indexTables,
    };
    for (const operation of operationsOf(statement, context)) {
      if (!aligned && operation.syntax?.kind === 'sqlStatement') operation.syntax = withoutAnchors(operation.syntax);
      operations.push(operation);
    }
    const effect = transactionEffect(statement);
    if (effect) inTransactionBlock = effect === 'begin';
  }
  return operations;
}

/** The given ranges -> underscores of the same length. */
function blankRanges(sql: string, ranges: ReadonlyArray<{ start: number; end: number }>): { text: string; hasPlaceholders: boolean } {
  if (ranges.length === 0) return { text: sql, hasPlaceholders: false };
  let text = '';
  let at = 0;
  for (const range of ranges) {
    text += sql.slice(at, range.start) + '_'.repeat(Math.max(0, range.end - range.start));
    at = range.end;
  }
  return { text: text + sql.slice(at), hasPlaceholders: true };
}

/** `#{...}` (nested braces included) -> underscores of the same length. */
export function neutralizeInterpolation(sql: string): { text: string; hasPlaceholders: boolean } {
  if (!sql.includes('#{')) return { text: sql, hasPlaceholders: false };
  let text = '';
  let i = 0;
  while (i < sql.length) {
    if (sql[i] === '#' && sql[i + 1] === '{' && sql[i - 1] !== '\\') {
      let depth = 0;
      let j = i + 1;
      for (; j < sql.length; j++) {
        if (sql[j] === '{') depth++;
        else if (sql[j] === '}' && --depth === 0) break;
      }
      const end = Math.min(j + 1, sql.length);
      text += '_'.repeat(end - i);
      i = end;
    } else text += sql[i++];
  }
  return { text, hasPlaceholders: true };
}

/**
 * Maps offsets of `sql` to offsets in the file. Identity plus `offsetInFile` when the file
 * holds `sql` as is; otherwise `sql` is the unescaped value of a literal with backslash
 * escapes, and each of its characters is matched to the escape or character that wrote it.
 * Null when the two cannot be matched.
 */
function alignToSource(sql: string, source: string, offsetInFile: number): ((offset: number) => number) | null {
  if (source.startsWith(sql, offsetInFile)) return (offset) => offsetInFile + offset;
  const map = new Array<number>(sql.length + 1);
  let j = offsetInFile;
  for (let i = 0; i < sql.length; i++) {
    if (j >= source.length) return null;
    map[i] = j;
    if (source[j] === '\\') {
      j += escapeLength(source, j);
    } else if (source[j] === sql[i]) {
      j++;
    } else return null;
  }
  map[sql.length] = j;
  return (offset) => map[Math.max(0, Math.min(offset, sql.length))]!;
}

/** Length of the Ruby escape sequence starting at `at` (a backslash), for the common ones. */
function escapeLength(source: string, at: number): number {
  const next = source[at + 1];
  if (next === 'u') {
    if (source[at + 2] === '{') {
      const close = source.indexOf('}', at);
      return close === -1 ? 2 : close - at + 1;
    }
    return 6;
  }
  if (next === 'x') return (/^[0-9a-fA-F]{1,2}/.exec(source.slice(at + 2, at + 4))?.[0].length ?? 0) + 2;
  if (next !== undefined && /[0-7]/.test(next)) return (/^[0-7]{1,3}/.exec(source.slice(at + 1, at + 4))?.[0].length ?? 1) + 1;
  return 2;
}

function withoutAnchors(syntax: SqlStatementSyntax): SqlStatementSyntax {
  const { concurrentlyInsertAt: _c, ifExistsInsertAt: _i, tableRange: _t, constraintColumnsRange: _r, ...rest } = syntax;
  return rest;
}
