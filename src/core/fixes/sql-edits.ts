// SQL side of operation-edits.ts. Edits land on the anchors the SQL parser recorded from
// the scanner's tokens (SqlStatementSyntax), never on positions guessed from the text.
// Keywords are written in the case the statement already uses.
import type {
  AddForeignKeyOperation,
  DropColumnOperation,
  AddUniqueConstraintOperation,
  MigrationFile,
  Operation,
  SqlSection,
  SqlStatementSyntax,
} from '../model/migration';
import { lineStartOf, newlineOf } from '../parsers/source-text';
import { firstOfItsStatement, insertAt, replaceRange, type Edit, type NewFile } from './fix';
import { forwardSlashes } from '../paths';
import { freeVersions, nextVersion } from './migration-versions';

function sqlSyntax(operation: Operation): SqlStatementSyntax | null {
  return operation.syntax?.kind === 'sqlStatement' ? operation.syntax : null;
}

/** `keyword` in lower case when the statement's first word is. */
function inStatementCase(file: MigrationFile, operation: Operation, keyword: string): string {
  const first = /^[A-Za-z]+/.exec(file.source.slice(operation.range.start, operation.range.start + 20));
  return first && first[0] === first[0].toLowerCase() ? keyword.toLowerCase() : keyword;
}

/** Whether insertConcurrently has an edit for the operation. */
export function canInsertConcurrently(operation: Operation): boolean {
  if (operation.kind !== 'createIndex' && operation.kind !== 'dropIndex' && operation.kind !== 'reindex') return false;
  return !operation.concurrent && sqlSyntax(operation)?.concurrentlyInsertAt !== undefined;
}

/** ` CONCURRENTLY` after INDEX (CREATE / DROP INDEX) or after the target kind (REINDEX TABLE). */
export function insertConcurrently(file: MigrationFile, operation: Operation): Edit | null {
  if (!canInsertConcurrently(operation)) return null;
  return insertAt(sqlSyntax(operation)!.concurrentlyInsertAt!, ' ' + inStatementCase(file, operation, 'CONCURRENTLY'));
}

/** Whether insertIfExists has an edit for the operation. */
export function canInsertIfExists(operation: Operation, words: 'IF EXISTS' | 'IF NOT EXISTS'): boolean {
  const fits =
    words === 'IF NOT EXISTS'
      ? operation.kind === 'createIndex' && !operation.ifNotExists
      : operation.kind === 'dropIndex' && !operation.ifExists;
  return fits && sqlSyntax(operation)?.ifExistsInsertAt !== undefined;
}

/** `IF NOT EXISTS ` before a created index's name, `IF EXISTS ` before a dropped one's. */
export function insertIfExists(file: MigrationFile, operation: Operation, words: 'IF EXISTS' | 'IF NOT EXISTS'): Edit | null {
  if (!canInsertIfExists(operation, words)) return null;
  return insertAt(sqlSyntax(operation)!.ifExistsInsertAt!, inStatementCase(file, operation, words) + ' ');
}

/**
 * The runner's no-transaction marker: goose `-- +goose NO TRANSACTION` and Atlas
 * `-- atlas:txmode none` and postgres-migrations' comment at the top, dbmate's
 * ` transaction:false` on the section's `-- migrate:up` line (the operation's section when
 * given). Null when there is nothing to leave or no marker can do it: explicit BEGIN ... COMMIT
 * (the file's own; removing them changes what it means), Flyway (it leaves by itself, or by its
 * `.conf`), golang-migrate and Prisma (only a file of its own takes a statement out).
 */
export function noTransactionMarker(file: MigrationFile, operation?: Operation): Edit | null {
  if (!canWriteNoTransactionMarker(file, operation)) return null;
  const runner = file.sqlRunner!;
  const newline = newlineOf(file.source);
  const top = file.source.startsWith('\ufeff') ? 1 : 0;
  switch (runner.name) {
    case 'goose':
      return insertAt(top, `-- +goose NO TRANSACTION${newline}`);
    case 'postgres-migrations':
      return insertAt(top, `-- postgres-migrations disable-transaction${newline}`);
    case 'atlas': {
      if (runner.txModeDirective) return replaceRange(runner.txModeDirective.valueRange, 'none');
      // Atlas reads directives from the file's header: a comment block ended by a blank line.
      const startsWithDirective = /^\s*--\s*atlas:/.test(file.source.slice(top));
      return insertAt(top, `-- atlas:txmode none${newline}${startsWithDirective ? '' : newline}`);
    }
    case 'dbmate': {
      const section = sectionOf(runner.sections, operation)!;
      const annotation = file.source.slice(section.annotation.start, section.annotation.end);
      const explicit = /\btransaction:\s*true\b/.exec(annotation);
      if (explicit) {
        const start = section.annotation.start + explicit.index;
        return { start, end: start + explicit[0].length, text: 'transaction:false' };
      }
      return insertAt(section.annotation.start + annotation.trimEnd().length, ' transaction:false');
    }
    default:
      return null;
  }
}

/** Whether noTransactionMarker has an edit: the runner has a marker, and there is a transaction to leave. */
export function canWriteNoTransactionMarker(file: MigrationFile, operation?: Operation): boolean {
  const runner = file.sqlRunner;
  if (file.dialect !== 'sql' || !runner) return false;
  if (!(operation?.runsInTransaction ?? file.runsInTransaction)) return false;
  switch (runner.name) {
    case 'goose':
    case 'postgres-migrations':
    case 'atlas':
      return true;
    case 'dbmate':
      return sectionOf(runner.sections, operation)?.runsInTransaction === true;
    default:
      return false;
  }
}

function sectionOf(sections: SqlSection[], operation: Operation | undefined): SqlSection | undefined {
  // Indexed loops: the can...() checks run in lint(), cold, where for-of allocates an iterator.
  if (operation) {
    const at = operation.range.start;
    for (let i = 0; i < sections.length; i++) {
      const s = sections[i]!;
      if (s.range.start <= at && at < s.range.end) return s;
    }
  }
  for (let i = 0; i < sections.length; i++) if (sections[i]!.direction === 'up') return sections[i];
  return sections[0];
}

/** Where the statement's lines start and end, when it stands alone on them (comments after it allowed). */
function statementLines(file: MigrationFile, operation: Operation): { lineStart: number; lineEnd: number; rest: string } | null {
  const syntax = sqlSyntax(operation);
  if (!syntax) return null;
  const source = file.source;
  const lineStart = lineStartOf(source, operation.range.start);
  if (source.slice(lineStart, operation.range.start).trim() !== '') return null;
  let lineEnd = source.indexOf('\n', syntax.statementEnd);
  if (lineEnd === -1) lineEnd = source.length;
  if (lineEnd > 0 && source[lineEnd - 1] === '\r') lineEnd--;
  return { lineStart, lineEnd, rest: source.slice(syntax.statementEnd, lineEnd).trim() };
}

/** New statements on their own lines right before the operation's statement. */
function beforeStatement(file: MigrationFile, operation: Operation, statements: string[]): Edit | null {
  const syntax = sqlSyntax(operation);
  if (!syntax || statements.length === 0) return null;
  const newline = newlineOf(file.source);
  const lines = statementLines(file, operation);
  if (lines) return insertAt(lines.lineStart, statements.map((s) => `${syntax.indent}${s}${newline}`).join(''));
  // Something precedes it on its line (`SELECT 1; CREATE INDEX ...`): break the line before it.
  return insertAt(operation.range.start, statements.map((s) => `${s}${newline}${syntax.indent}`).join(''));
}

/** New statements on their own lines right after the operation's statement. */
function afterStatement(file: MigrationFile, operation: Operation, statements: string[]): Edit[] | null {
  const syntax = sqlSyntax(operation);
  if (!syntax || statements.length === 0) return null;
  const newline = newlineOf(file.source);
  const edits: Edit[] = [];
  // The last statement of a file may have no semicolon.
  if (syntax.terminated === false) edits.push(insertAt(operation.range.end, ';'));
  const lines = statementLines(file, operation);
  const text = statements.map((s) => `${newline}${syntax.indent}${s}`).join('');
  if (lines && (lines.rest === '' || lines.rest.startsWith('--'))) edits.push(insertAt(lines.lineEnd, text));
  else edits.push(insertAt(syntax.statementEnd, text + newline + syntax.indent));
  return edits;
}

function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Statements inside a Ruby string, or in a file Postgres gets as one query string, cannot gain neighbours. */
function canAddStatements(file: MigrationFile, operation: Operation): boolean {
  return file.dialect === 'sql' && file.sqlRunner?.execution !== 'multiStatement' && sqlSyntax(operation) !== null;
}

/** Whether insertTimeouts has edits for the operation. */
export function canInsertTimeouts(file: MigrationFile, operation: Operation, timeouts: { statement?: string; lock?: string }): boolean {
  return canInsertTimeoutsAround(file, operation, operation, timeouts);
}

/** Whether insertTimeoutsAround has edits for the run of statements from `first` to `last`. */
export function canInsertTimeoutsAround(
  file: MigrationFile,
  first: Operation,
  last: Operation,
  timeouts: { statement?: string; lock?: string },
): boolean {
  if (file.dialect !== 'sql' || !sqlSyntax(first) || !sqlSyntax(last)) return false;
  const concurrent = ('concurrent' in first && first.concurrent) || ('concurrent' in last && last.concurrent);
  // golang-migrate / Prisma: a second statement puts a concurrent build in an implicit transaction.
  if (file.sqlRunner?.execution === 'multiStatement' && concurrent) return false;
  return timeouts.statement !== undefined || timeouts.lock !== undefined;
}

/** `SET statement_timeout` / `SET lock_timeout` before the statement and `RESET` after it. */
export function insertTimeouts(
  file: MigrationFile,
  operation: Operation,
  timeouts: { statement?: string; lock?: string },
): Edit[] | null {
  return insertTimeoutsAround(file, operation, operation, timeouts);
}

/**
 * The SET statements before `first` and the RESET statements after `last` (statements in
 * order, with nothing but comments, blank lines and each other between them).
 */
export function insertTimeoutsAround(
  file: MigrationFile,
  first: Operation,
  last: Operation,
  timeouts: { statement?: string; lock?: string },
): Edit[] | null {
  if (!canInsertTimeoutsAround(file, first, last, timeouts)) return null;
  const settings: Array<[string, string]> = [];
  if (timeouts.statement !== undefined) settings.push(['statement_timeout', timeouts.statement]);
  if (timeouts.lock !== undefined) settings.push(['lock_timeout', timeouts.lock]);
  const keyword = (word: string) => inStatementCase(file, first, word);
  // Neither is null: the statements have SQL syntax and there is a setting.
  const before = beforeStatement(
    file,
    first,
    settings.map(([name, value]) => `${keyword('SET')} ${name} = ${sqlString(value.replace(/^'|'$/g, ''))};`),
  )!;
  const after = afterStatement(file, last, settings.map(([name]) => `${keyword('RESET')} ${name};`))!;
  return [before, ...after];
}

const utf8 = new TextEncoder();
const utf8Length = (text: string): number => utf8.encode(text).length;

/** The name Postgres gives an index key that is a function call (`lower(email)` -> `lower`); null for other expressions. */
export function indexKeyFunctionName(expression: string): string | null {
  return /^\s*(?:[A-Za-z_][A-Za-z0-9_$]*\.)?([A-Za-z_][A-Za-z0-9_$]*)\s*\(/.exec(expression)?.[1]?.toLowerCase() ?? null;
}

/**
 * The name Postgres gives an unnamed index, for columns as the model has them (`email`,
 * `"Email"`, `lower(email)`, `(a + b)`) on a table that may be schema-qualified.
 */
export function postgresIndexName(table: string, columns: readonly string[]): string {
  const keyName = (column: string): string => {
    const call = indexKeyFunctionName(column);
    if (call) return call;
    const bare = column.replace(/^"|"$/g, '');
    return /[^A-Za-z0-9_$]/.test(bare) ? 'expr' : bare;
  };
  return chooseIndexName(table.slice(table.lastIndexOf('.') + 1).replace(/^"|"$/g, ''), columns.map(keyName));
}

/**
 * Postgres' ChooseIndexName for a bare table name and its keys' names (a column by its name, a
 * function call by the function's name, any other expression `expr`): `<table>_<keys>_idx`, a
 * repeated key name numbered (`a, a` -> `a_a1`), cut to 63 bytes the way makeObjectName cuts it.
 * (Postgres would also add a number to dodge a name in use; IF NOT EXISTS takes that name as this index.)
 */
export function chooseIndexName(table: string, keyNames: readonly string[]): string {
  const NAMEDATALEN = 64;
  let addition = '';
  const used: string[] = [];
  for (const base of keyNames) {
    let unique = base;
    for (let n = 1; used.includes(unique); n++) unique = `${base}${n}`;
    used.push(unique);
    if (addition.length > 0) addition += '_';
    addition += unique;
    if (utf8Length(addition) >= NAMEDATALEN) break;
  }
  const name1 = table;
  const label = 'idx';
  const overhead = (addition ? 1 : 0) + label.length + 1;
  const available = NAMEDATALEN - 1 - overhead;
  let name1Bytes = utf8Length(name1);
  let name2Bytes = utf8Length(addition);
  while (name1Bytes + name2Bytes > available) {
    if (name1Bytes > name2Bytes) name1Bytes--;
    else name2Bytes--;
  }
  const clip = (text: string, bytes: number) => {
    let out = '';
    for (const character of text) {
      if (utf8Length(out + character) > bytes) break;
      out += character;
    }
    return out;
  };
  return [clip(name1, name1Bytes), ...(addition ? [clip(addition, name2Bytes)] : []), label].join('_');
}

/**
 * Whether nameIndexIfNotExists has an edit: an unnamed CREATE INDEX whose table and columns are
 * known (Postgres takes IF NOT EXISTS only with a name). Inside a Ruby string only a name that
 * needs no quotes.
 */
export function canNameIndexIfNotExists(file: MigrationFile, operation: Operation): boolean {
  if (operation.kind !== 'createIndex' || operation.name !== null || operation.ifNotExists || operation.table === null) return false;
  if (operation.columns.length === 0 || sqlSyntax(operation)?.nameInsertAt === undefined) return false;
  const name = postgresIndexName(operation.table, operation.columns);
  return file.dialect === 'sql' || sqlIdentifier(name) === name;
}

/** `IF NOT EXISTS <table>_<columns>_idx ` where an unnamed CREATE INDEX has its name. */
export function nameIndexIfNotExists(file: MigrationFile, operation: Operation): Edit | null {
  if (operation.kind !== 'createIndex' || !canNameIndexIfNotExists(file, operation)) return null;
  const name = sqlIdentifier(postgresIndexName(operation.table!, operation.columns));
  return insertAt(sqlSyntax(operation)!.nameInsertAt!, `${inStatementCase(file, operation, 'IF NOT EXISTS')} ${name} `);
}

/** Whether addIndexPredicate has an edit for the operation. */
export function canAddIndexPredicate(file: MigrationFile, operation: Operation, predicate: string): boolean {
  if (operation.kind !== 'createIndex' || operation.where !== null || !sqlSyntax(operation)) return false;
  // Inside a Ruby string literal, quotes, backslashes and `#` would need escaping for its kind of literal.
  return file.dialect === 'sql' || !/["'\\#]/.test(predicate);
}

/** ` WHERE <predicate>` at the end of a CREATE INDEX. */
export function addIndexPredicate(file: MigrationFile, operation: Operation, predicate: string): Edit | null {
  if (!canAddIndexPredicate(file, operation, predicate)) return null;
  return insertAt(operation.range.end, ` ${inStatementCase(file, operation, 'WHERE')} ${predicate}`);
}

/** An identifier as SQL needs it written: bare when plainly lower-case, quoted otherwise. */
export function sqlIdentifier(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Whether uniqueIndexFirst has edits for the operation. */
export function canBuildUniqueIndexFirst(file: MigrationFile, operation: AddUniqueConstraintOperation): boolean {
  const syntax = sqlSyntax(operation);
  if (!syntax?.tableRange || !syntax.constraintColumnsRange || operation.inTransactionBlock) return false;
  return canAddStatements(file, operation);
}

/**
 * `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS <name> ON <table> (<columns>);` on the line
 * before the ALTER TABLE, and `UNIQUE (<columns>)` -> `UNIQUE USING INDEX <name>`: Postgres
 * then attaches the ready index instead of building one under an ACCESS EXCLUSIVE lock. Table
 * and columns are reused as written. Null inside BEGIN ... COMMIT, where a concurrent build
 * cannot run.
 */
export function uniqueIndexFirst(file: MigrationFile, operation: AddUniqueConstraintOperation, indexName: string): Edit[] | null {
  if (!canBuildUniqueIndexFirst(file, operation)) return null;
  const syntax = sqlSyntax(operation)!;
  const tableRange = syntax.tableRange!;
  const columnsRange = syntax.constraintColumnsRange!;
  const source = file.source;
  const name = sqlIdentifier(indexName);
  const table = source.slice(tableRange.start, tableRange.end);
  const columns = source.slice(columnsRange.start, columnsRange.end);
  const k = (word: string) => inStatementCase(file, operation, word);
  const create = `${k('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS')} ${name} ${k('ON')} ${table} ${columns};`;
  const before = beforeStatement(file, operation, [create])!;
  return [before, replaceRange(columnsRange, `${k('USING INDEX')} ${name}`)];
}

/** Whether dropIndexesBefore has an edit for the operation. */
export function canDropIndexesBefore(file: MigrationFile, operation: DropColumnOperation, names: readonly string[]): boolean {
  return names.length > 0 && !operation.inTransactionBlock && canAddStatements(file, operation);
}

/** `DROP INDEX CONCURRENTLY IF EXISTS <name>;` for each index, on the lines before the ALTER TABLE. */
export function dropIndexesBefore(file: MigrationFile, operation: DropColumnOperation, names: readonly string[]): Edit | null {
  if (!canDropIndexesBefore(file, operation, names)) return null;
  const schema = operation.table?.includes('.') ? `${operation.table.slice(0, operation.table.lastIndexOf('.'))}.` : '';
  const k = (word: string) => inStatementCase(file, operation, word);
  return beforeStatement(file, operation, names.map((name) => `${k('DROP INDEX CONCURRENTLY IF EXISTS')} ${schema}${sqlIdentifier(name)};`));
}

/** Whether foreignKeyIndexAfter has edits for the operation: a SQL file's foreign key, its table and columns known. */
export function canAddForeignKeyIndex(file: MigrationFile, operation: AddForeignKeyOperation): boolean {
  if (operation.table === null || operation.columns.length === 0 || operation.columns.includes('?')) return false;
  return !operation.inTransactionBlock && sqlSyntax(operation)?.tableRange !== undefined && canAddStatements(file, operation);
}

/**
 * `CREATE INDEX CONCURRENTLY IF NOT EXISTS <table>_<columns>_idx ON <table> (<columns>);` right
 * after the statement that adds the foreign key (an ADD COLUMN ... REFERENCES makes the column
 * there). Named as Postgres would name it, so a retry finds it instead of making a second one.
 */
export function foreignKeyIndexAfter(file: MigrationFile, operation: AddForeignKeyOperation): Edit[] | null {
  if (!canAddForeignKeyIndex(file, operation)) return null;
  const syntax = sqlSyntax(operation)!;
  const table = file.source.slice(syntax.tableRange!.start, syntax.tableRange!.end);
  const bareTable = operation.table!.replace(/^.*\./, '');
  const name = sqlIdentifier(`${bareTable}_${operation.columns.join('_')}_idx`.slice(0, 63));
  const k = (word: string) => inStatementCase(file, operation, word);
  const create = `${k('CREATE INDEX CONCURRENTLY IF NOT EXISTS')} ${name} ${k('ON')} ${table} (${operation.columns.map(sqlIdentifier).join(', ')});`;
  return afterStatement(file, operation, [create]);
}

/**
 * Whether splitMigration can move every group after the first: the file's name carries a
 * version to follow, and each moved statement stands alone on its lines outside BEGIN ... COMMIT.
 */
export function canSplitMigration(file: MigrationFile, groups: Array<{ table: string; operations: Operation[] }>): boolean {
  const runner = file.sqlRunner;
  if (file.dialect !== 'sql' || !runner) return false;
  if (groups.length > 1 && !hasSplitVersion(file.path, runner.name)) return false;
  for (let k = 1; k < groups.length; k++) {
    const operations = groups[k]!.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      if (!firstOfItsStatement(operations, i)) continue;
      if (operation.inTransactionBlock) return false;
      const lines = statementLines(file, operation);
      if (!lines || (lines.rest !== '' && !lines.rest.startsWith('--'))) return false;
    }
  }
  return true;
}

/**
 * Moves each group of statements after the first into a migration file of its own, named
 * the way the runner orders files (next version, the table in the name), carrying the file's
 * no-transaction marker and its up/down section annotations. Only for statements that stand
 * alone on their lines, outside BEGIN ... COMMIT; null otherwise.
 */
export function splitMigration(
  file: MigrationFile,
  groups: Array<{ table: string; operations: Operation[] }>,
  folderEntries?: readonly string[],
): { edits: Edit[]; newFiles: NewFile[] } | null {
  if (!canSplitMigration(file, groups)) return null;
  const runner = file.sqlRunner!;
  const source = file.source;
  const newline = newlineOf(source);
  const edits: Edit[] = [];
  const newFiles: NewFile[] = [];
  const moved = groups.slice(1);
  const paths = splitFilePaths(file.path, runner.name, moved.map((group) => group.table), folderEntries)!;
  for (const [k, group] of moved.entries()) {
    const path = paths[k]!;
    const bySection = new Map<SqlSection | null, string[]>();
    const seen = new Set<number>();
    const ordered = [...group.operations].sort((a, b) => a.range.start - b.range.start);
    for (const operation of ordered) {
      if (seen.has(operation.range.start)) continue;
      seen.add(operation.range.start);
      const lines = statementLines(file, operation)!;
      const start = withCommentsAbove(source, lines.lineStart);
      const newlineAt = source.indexOf('\n', lines.lineEnd);
      const end = newlineAt === -1 ? source.length : newlineAt + 1;
      let chunk = source.slice(start, end);
      if (!chunk.endsWith('\n')) chunk += newline;
      if (sqlSyntax(operation)?.terminated === false) chunk = chunk.replace(/(\r?\n)$/, ';$1');
      const section = runner.sections.find((s) => s.range.start <= operation.range.start && operation.range.start < s.range.end) ?? null;
      bySection.set(section, [...(bySection.get(section) ?? []), chunk]);
      edits.push({ start, end, text: '' });
    }
    let text = header(file, newline);
    for (const [section, chunks] of bySection) {
      if (section) text += source.slice(section.annotation.start, section.annotation.end).trim() + newline;
      text += chunks.join('');
    }
    newFiles.push({ path, text });
  }
  return { edits, newFiles };
}

/** The lines a split-off file needs first: the runner's no-transaction marker when the file has it. */
function header(file: MigrationFile, newline: string): string {
  const runner = file.sqlRunner!;
  if (runner.name === 'goose' && !file.runsInTransaction) return `-- +goose NO TRANSACTION${newline}`;
  if (runner.name === 'postgres-migrations' && !file.runsInTransaction) return `-- postgres-migrations disable-transaction${newline}`;
  if (runner.name === 'atlas' && runner.txModeDirective) return `-- atlas:txmode ${runner.txModeDirective.value}${newline}${newline}`;
  return '';
}

/** `--` comment lines right above a statement belong to it (a suppression comment, an explanation). */
function withCommentsAbove(source: string, lineStart: number): number {
  let start = lineStart;
  while (start > 0) {
    const previous = lineStartOf(source, start - 1);
    const line = source.slice(previous, start).trim();
    // Runner annotations (`-- +goose Up`, `-- migrate:up`) stay where they are.
    if (!line.startsWith('--') || /^--\s*(\+goose|migrate:|atlas:|postgres-migrations)/.test(line)) break;
    start = previous;
  }
  return start;
}

const PRISMA_PATH = /^(.*\/)?(\d+)_([^/]+)\/migration\.sql$/;
const FLYWAY_NAME = /^([VU])(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const NUMBERED_NAME = /^(\d+)([_-])(.+?)((?:\.(?:up|down))?\.sql)$/i;

/** Whether splitFilePaths finds a version to follow in `path` (whatever the tables). */
function hasSplitVersion(path: string, runner: string): boolean {
  const normalized = forwardSlashes(path);
  if (runner === 'prisma' && PRISMA_PATH.test(normalized)) return true;
  const name = normalized.slice(normalized.lastIndexOf('/') + 1);
  return (runner === 'flyway' && FLYWAY_NAME.test(name)) || NUMBERED_NAME.test(name);
}

/**
 * The paths of the files split off `path`, one per table, named the way the runner orders them:
 * golang-migrate `<next>_<name>_on_<table>.up.sql`, Flyway `V<version>.<n>__<desc>_on_<table>.sql`,
 * Prisma `<next>_<name>_on_<table>/migration.sql`, otherwise `<next>_<name>_on_<table>.sql`. The
 * versions skip those the entries of the version folder already have. Forward slashes; null when
 * the name carries no version to follow.
 */
export function splitFilePaths(path: string, runner: string, tables: readonly string[], folderEntries?: readonly string[]): string[] | null {
  const normalized = forwardSlashes(path);
  const suffix = (table: string) => `on_${table.replace(/^.*\./, '').replace(/[^A-Za-z0-9]+/g, '_').toLowerCase()}`;
  const prisma = PRISMA_PATH.exec(normalized);
  if (runner === 'prisma' && prisma) {
    const versions = freeVersions(tables.length, (n) => nextVersion(prisma[2]!, n), folderEntries);
    return tables.map((table, k) => `${prisma[1] ?? ''}${versions[k]}_${prisma[3]}_${suffix(table)}/migration.sql`);
  }
  const slash = normalized.lastIndexOf('/');
  const directory = normalized.slice(0, slash + 1);
  const name = normalized.slice(slash + 1);
  const flyway = FLYWAY_NAME.exec(name);
  if (runner === 'flyway' && flyway) {
    const versions = freeVersions(tables.length, (n) => `${flyway[2]}.${n}`, folderEntries);
    return tables.map((table, k) => `${directory}${flyway[1]}${versions[k]}__${flyway[3]}_${suffix(table)}.sql`);
  }
  const numbered = NUMBERED_NAME.exec(name);
  if (numbered) {
    const [, version, separator, rest, extension] = numbered;
    const versions = freeVersions(tables.length, (n) => nextVersion(version!, n), folderEntries);
    return tables.map((table, k) => `${directory}${versions[k]}${separator}${rest}${separator}${suffix(table)}${extension}`);
  }
  return null;
}
