import type { MigrationFile, Operation, SuppressionComment } from '../../model/migration';
import { blankByteOrderMark, lineStarts, positionAt } from '../source-text';
import { parseSuppressionComment } from '../suppressions';
import type { SqlParser } from './libpg-query';
import { operationsOf, transactionEffect, type StatementContext } from './operations';
import { detectRunner } from './runners';
import { readSqlText, type SqlProblem } from './statements';

export interface SqlParseOptions {
  /**
   * The tool that runs the file (`goose`, `dbmate`, `flyway`, `atlas`, `postgres-migrations`,
   * `golang-migrate`, `prisma`, or `psql` for statement by statement). Overrides detection.
   */
  runner?: string;
  /** Flyway: the text of the script's `<name>.sql.conf`, when it exists. The parser reads no files. */
  sidecarConfig?: string;
  /**
   * The project's runner (a setting), for a file that names none itself: used after the file's
   * marker comments and its Flyway `.conf`, before guessing from its path.
   */
  defaultRunner?: string;
  /**
   * Reads every statement with libpg-query, even those the fast reader knows (tests compare
   * the two readings; the result is the same, but that a syntax error in a statement no rule
   * reads, such as an INSERT, is reported only here: see ReadSqlOptions.lintTrees).
   */
  fullSyntaxTrees?: boolean;
}

/**
 * Reads a SQL migration into the neutral model with Postgres' own parser. Never throws on
 * bad SQL: the first syntax error becomes a problem at its position, and every statement
 * that parses is still modelled.
 */
export function parseSqlMigration(path: string, source: string, parser: SqlParser, options: SqlParseOptions = {}): MigrationFile {
  const text = blankPsqlMetaCommands(blankByteOrderMark(source));
  const sql = readSqlText(text, parser, { lintTrees: options.fullSyntaxTrees !== true });

  // Plain indexed loops here: this runs once per file, mostly before it is optimized, where a
  // for-of loop costs an iterator's calls.
  const suppressions: SuppressionComment[] = [];
  let starts: number[] | undefined; // line starts, only for files with a suppression comment
  const comments = sql.comments;
  for (let k = 0; k < comments.length; k++) {
    const comment = comments[k]!;
    if (!comment.word.startsWith('--') || !SUPPRESSION_WORD.test(comment.word)) continue;
    starts ??= lineStarts(source);
    const suppression = parseSuppressionComment(source.slice(comment.start, comment.end), positionAt(starts, comment.start).line);
    if (suppression) suppressions.push(suppression);
  }

  const runner = detectRunner({
    path,
    source,
    comments: sql.comments,
    statements: sql.statements,
    statementCount: sql.statementCount,
    runner: options.runner,
    sidecarConfig: options.sidecarConfig,
    defaultRunner: options.defaultRunner,
  });

  const operations: Operation[] = [];
  const sections = runner.info.sections;
  let sectionIndex = -1;
  // One context for the file, its per-statement fields updated: operationsOf keeps no reference to it.
  const context: StatementContext = {
    text,
    source,
    toSource: sameOffset,
    direction: runner.defaultDirection,
    inTransactionBlock: false,
    safetyAssured: false,
    via: 'sql',
    isPlaceholder: noPlaceholders,
    indexTables: new Map<string, string | null>(),
  };
  const statements = sql.statements;
  for (let k = 0; k < statements.length; k++) {
    const statement = statements[k]!;
    // Each section runs on its own: an unclosed BEGIN in `up` does not reach `down`.
    while (sectionIndex + 1 < sections.length && sections[sectionIndex + 1]!.range.start <= statement.start) {
      sectionIndex++;
      context.inTransactionBlock = false;
    }
    const section = sections[sectionIndex];
    context.direction = section?.direction ?? runner.defaultDirection;
    const found = operationsOf(statement, context);
    for (let j = 0; j < found.length; j++) {
      const operation = found[j]!;
      if (section && section.runsInTransaction !== runner.runsInTransaction) operation.runsInTransaction = section.runsInTransaction;
      operations.push(operation);
    }
    const effect = transactionEffect(statement);
    if (effect) context.inTransactionBlock = effect === 'begin';
  }

  return {
    path,
    dialect: 'sql',
    source,
    operations,
    runsInTransaction: runner.runsInTransaction,
    ddlTransactionDisabled: false,
    frameworkVersion: null,
    suppressions,
    problems: sql.problem ? [problemOf(sql.problem, text)] : [],
    isMigration: true,
    sqlRunner: runner.info,
  };
}

/** What a suppression comment holds (a regex literal in the loop would make a RegExp each time). */
const SUPPRESSION_WORD = /pg-index-guard:|squawk-ignore/;
const sameOffset = (offset: number) => offset;
const noPlaceholders = () => false;

function problemOf(problem: SqlProblem, text: string): { message: string; range: { start: number; end: number } } {
  let message = problem.message
    .replace(/^syntax error at or near (.*)$/, 'unexpected $1')
    .replace(/^syntax error at end of input$/, 'unexpected end of input');
  const near = text.slice(problem.start, problem.start + 2);
  if (near.startsWith('{') || near === '${' || near.startsWith('<%')) {
    message += ' (template placeholders are not SQL: statements that contain them are not checked)';
  }
  return { message, range: { start: problem.start, end: problem.end } };
}

/**
 * psql meta-commands (`\set ON_ERROR_STOP on`, `\i other.sql`) are not SQL; their lines are
 * blanked with spaces of the same length so offsets stay the same.
 */
function blankPsqlMetaCommands(source: string): string {
  // Most files hold no backslash at all: a plain search rules them out before the line regex.
  if (!source.includes('\\') || !/^[ \t]*\\/m.test(source)) return source;
  return source.replace(/^([ \t]*)(\\[^\r\n]*)/gm, (_, indent: string, command: string) => indent + ' '.repeat(command.length));
}
