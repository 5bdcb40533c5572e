// Dialect-neutral edits that rules ask for. Rules never build Ruby or SQL text
// themselves: they call these, and each dialect's editor decides the syntax.
//
// Edits inside one statement follow the operation's syntax (SQL embedded in a Rails
// `execute` is edited as SQL); edits around statements follow the file's dialect.
//
// Each edit has a `can...` twin that says cheaply whether it would return one: rules decide
// with it whether they offer a fix, and write the edits only when someone reads them.
import type { AddForeignKeyOperation, AddUniqueConstraintOperation, DropColumnOperation, MigrationFile, Operation } from '../model/migration';
import type { Edit, NewFile } from './fix';
import * as rails from './rails-edits';
import * as sql from './sql-edits';
import * as django from './django-edits';

export { postgresIndexName } from './sql-edits';

/** The syntax of the operation's own statement, which edits inside it follow; null: neither (nothing to edit). */
function statementSyntax(file: MigrationFile, operation: Operation): 'rails' | 'sql' | 'orm' | null {
  if (operation.syntax?.kind === 'railsCall') return 'rails';
  if (operation.syntax?.kind === 'ormCall') return 'orm';
  if (operation.syntax?.kind === 'sqlStatement' || file.dialect === 'sql') return 'sql';
  return null;
}

export function canMakeConcurrent(file: MigrationFile, operation: Operation): boolean {
  const syntax = statementSyntax(file, operation);
  // A Rails call always takes the option.
  if (syntax === 'rails') return true;
  if (syntax === 'sql') return sql.canInsertConcurrently(operation);
  if (syntax === 'orm') return ormEdits(operation, 'concurrent') !== null;
  return false;
}

/** A Django or Node ORM call's edits, as its parser worked them out; null when it has none of that kind. */
function ormEdits(operation: Operation, kind: 'concurrent' | 'ifExists'): Edit[] | null {
  if (operation.syntax?.kind !== 'ormCall') return null;
  const edits = operation.syntax[kind];
  return edits && edits.length > 0 ? edits : null;
}

/**
 * All the edits that make the operation concurrent: one for Rails and SQL; Django's rename to
 * `AddIndexConcurrently` also imports it.
 */
export function makeConcurrentEdits(file: MigrationFile, operation: Operation): Edit[] {
  const orm = ormEdits(operation, 'concurrent');
  if (orm) return orm;
  const edit = makeConcurrent(file, operation);
  return edit ? [edit] : [];
}

/** Makes an index create/drop/reindex concurrent (Rails: `algorithm: :concurrently`; SQL: CONCURRENTLY). */
export function makeConcurrent(file: MigrationFile, operation: Operation): Edit | null {
  const syntax = statementSyntax(file, operation);
  if (syntax === 'rails') return rails.makeRailsCallConcurrent(file, operation);
  if (syntax === 'sql') return sql.insertConcurrently(file, operation);
  if (syntax === 'orm') return ormEdits(operation, 'concurrent')?.at(-1) ?? null;
  return null;
}

export function canLeaveTransaction(file: MigrationFile, operation?: Operation): boolean {
  if (file.dialect === 'rails') return rails.canDisableDdlTransaction(file);
  if (file.dialect === 'django' || file.dialect === 'js') return file.leaveTransactionEdits?.length === 1;
  return sql.canWriteNoTransactionMarker(file, operation);
}

/**
 * Takes the migration out of its transaction (Rails: `disable_ddl_transaction!`; SQL: the runner's
 * marker, on the operation's own section when the runner has sections, as dbmate does).
 */
export function leaveTransaction(file: MigrationFile, operation?: Operation): Edit | null {
  if (file.dialect === 'rails') return rails.disableDdlTransaction(file);
  if (file.dialect === 'django' || file.dialect === 'js') return file.leaveTransactionEdits?.length === 1 ? file.leaveTransactionEdits[0]! : null;
  return sql.noTransactionMarker(file, operation);
}

export function canAddIfNotExists(file: MigrationFile, operation: Operation): boolean {
  const syntax = statementSyntax(file, operation);
  if (syntax === 'rails') return true;
  if (syntax === 'sql') return sql.canInsertIfExists(operation, 'IF NOT EXISTS');
  if (syntax === 'orm') return ormEdits(operation, 'ifExists')?.length === 1;
  return false;
}

/** Makes an index creation idempotent (`if_not_exists: true` / IF NOT EXISTS). */
export function addIfNotExists(file: MigrationFile, operation: Operation): Edit | null {
  const syntax = statementSyntax(file, operation);
  if (syntax === 'rails') return rails.addRailsCallOption(file, operation, 'if_not_exists', 'true');
  if (syntax === 'sql') return sql.insertIfExists(file, operation, 'IF NOT EXISTS');
  if (syntax === 'orm') return ormEdits(operation, 'ifExists')?.[0] ?? null;
  return null;
}

/** Whether nameIndexIfNotExists has an edit: an unnamed SQL CREATE INDEX (Postgres takes IF NOT EXISTS only with a name). */
export function canNameIndexIfNotExists(file: MigrationFile, operation: Operation): boolean {
  return statementSyntax(file, operation) === 'sql' && sql.canNameIndexIfNotExists(file, operation);
}

/** Names an unnamed SQL index the way Postgres would (`<table>_<columns>_idx`) and adds IF NOT EXISTS. */
export function nameIndexIfNotExists(file: MigrationFile, operation: Operation): Edit | null {
  return statementSyntax(file, operation) === 'sql' ? sql.nameIndexIfNotExists(file, operation) : null;
}

export function canAddIfExists(file: MigrationFile, operation: Operation): boolean {
  const syntax = statementSyntax(file, operation);
  if (syntax === 'rails') return true;
  if (syntax === 'sql') return sql.canInsertIfExists(operation, 'IF EXISTS');
  if (syntax === 'orm') return ormEdits(operation, 'ifExists')?.length === 1;
  return false;
}

/** Makes an index drop idempotent (`if_exists: true` / IF EXISTS). */
export function addIfExists(file: MigrationFile, operation: Operation): Edit | null {
  const syntax = statementSyntax(file, operation);
  if (syntax === 'rails') return rails.addRailsCallOption(file, operation, 'if_exists', 'true');
  if (syntax === 'sql') return sql.insertIfExists(file, operation, 'IF EXISTS');
  if (syntax === 'orm') return ormEdits(operation, 'ifExists')?.[0] ?? null;
  return null;
}

/** Timeouts a fix sets (Postgres interval text such as `5min`); `onlyInProduction`: Rails, inside `if Rails.env.production?`. */
export interface FixTimeouts {
  statement?: string;
  lock?: string;
  onlyInProduction?: boolean;
}

export function canInsertTimeouts(file: MigrationFile, operation: Operation, timeouts: FixTimeouts): boolean {
  return canInsertTimeoutsAround(file, operation, operation, timeouts);
}

/** Whether insertTimeoutsAround has edits for the run of operations from `first` to `last`. */
export function canInsertTimeoutsAround(file: MigrationFile, first: Operation, last: Operation, timeouts: FixTimeouts): boolean {
  if (file.dialect === 'rails') return rails.canInsertRailsTimeoutsAround(file, first, last, timeouts);
  if (file.dialect === 'django' || file.dialect === 'js') return false;
  return sql.canInsertTimeoutsAround(file, first, last, timeouts);
}

/**
 * Sets the timeouts right before `first` and resets them right after `last`: a run of index
 * operations (in one method or section, nothing else between them) shares one setting.
 */
export function insertTimeoutsAround(file: MigrationFile, first: Operation, last: Operation, timeouts: FixTimeouts): Edit[] | null {
  if (file.dialect === 'rails') return rails.insertRailsTimeoutsAround(file, first, last, timeouts);
  if (file.dialect === 'django' || file.dialect === 'js') return null;
  return sql.insertTimeoutsAround(file, first, last, timeouts);
}

/**
 * Sets the given timeouts (Postgres interval text such as `5min`) right before the operation
 * and resets them right after it, so they do not leak into the rest of the migration.
 */
export function insertTimeouts(file: MigrationFile, operation: Operation, timeouts: FixTimeouts): Edit[] | null {
  return insertTimeoutsAround(file, operation, operation, timeouts);
}

export function canAddIndexPredicate(file: MigrationFile, operation: Operation, predicate: string): boolean {
  const syntax = statementSyntax(file, operation);
  if (syntax === 'rails') return rails.canAddRailsIndexPredicate(operation);
  if (syntax === 'sql') return sql.canAddIndexPredicate(file, operation, predicate);
  return false;
}

/** Turns a full index into a partial one (`where: "..."` / WHERE ...). */
export function addIndexPredicate(file: MigrationFile, operation: Operation, predicate: string): Edit | null {
  const syntax = statementSyntax(file, operation);
  if (syntax === 'rails') return rails.addRailsIndexPredicate(file, operation, predicate);
  if (syntax === 'sql') return sql.addIndexPredicate(file, operation, predicate);
  return null;
}

export function canBuildUniqueIndexFirst(file: MigrationFile, operation: AddUniqueConstraintOperation): boolean {
  const syntax = statementSyntax(file, operation);
  if (syntax === 'rails') return rails.canAddRailsUniqueIndexFirst(file, operation);
  if (syntax === 'sql') return sql.canBuildUniqueIndexFirst(file, operation);
  return false;
}

/** Builds a unique constraint's index concurrently first, then has the constraint use it. */
export function buildUniqueIndexFirst(file: MigrationFile, operation: AddUniqueConstraintOperation, indexName: string): Edit[] | null {
  const syntax = statementSyntax(file, operation);
  if (syntax === 'rails') return rails.addRailsUniqueIndexFirst(file, operation, indexName);
  if (syntax === 'sql') return sql.uniqueIndexFirst(file, operation, indexName);
  return null;
}

export function canSplitMigration(file: MigrationFile, groups: Array<{ table: string; operations: Operation[] }>): boolean {
  if (file.dialect === 'rails') return rails.canSplitRailsMigration(file, groups);
  if (file.dialect === 'django') return django.canSplitDjangoMigration(file, groups);
  if (file.dialect === 'js') return false;
  return sql.canSplitMigration(file, groups);
}

/**
 * Keeps the first group of operations here and moves every other group to a new migration file,
 * with versions none of `folderEntries` (the names in the version folder, when known) has.
 */
export function splitMigration(
  file: MigrationFile,
  groups: Array<{ table: string; operations: Operation[] }>,
  folderEntries?: readonly string[],
): { edits: Edit[]; newFiles: NewFile[] } | null {
  if (file.dialect === 'rails') return rails.splitRailsMigration(file, groups, folderEntries);
  if (file.dialect === 'django') return django.splitDjangoMigration(file, groups, folderEntries);
  if (file.dialect === 'js') return null;
  return sql.splitMigration(file, groups, folderEntries);
}

export function canAddForeignKeyIndex(file: MigrationFile, operation: AddForeignKeyOperation): boolean {
  const syntax = statementSyntax(file, operation);
  if (syntax === 'rails') return rails.canAddRailsForeignKeyIndex(file, operation);
  // SQL inside a Rails `execute`: a statement added there would be SQL in a Ruby string.
  if (syntax === 'sql' && file.dialect === 'sql') return sql.canAddForeignKeyIndex(file, operation);
  return false;
}

/** Builds the index a foreign key's referencing columns want, concurrently, right after the key. */
export function addForeignKeyIndex(file: MigrationFile, operation: AddForeignKeyOperation): Edit[] | null {
  if (!canAddForeignKeyIndex(file, operation)) return null;
  if (statementSyntax(file, operation) === 'rails') {
    const edit = rails.addRailsForeignKeyIndex(file, operation);
    return edit ? [edit] : null;
  }
  return sql.foreignKeyIndexAfter(file, operation);
}

export type { IndexOnColumn } from './rails-edits';

export function canDropIndexesFirst(file: MigrationFile, operation: DropColumnOperation, indexes: readonly rails.IndexOnColumn[]): boolean {
  const syntax = statementSyntax(file, operation);
  if (syntax === 'rails') return rails.canDropRailsIndexesFirst(file, operation, indexes);
  if (syntax === 'sql' && file.dialect === 'sql') return sql.canDropIndexesBefore(file, operation, indexes.map((i) => i.name));
  return false;
}

/** Drops a removed column's indexes concurrently right before the removal, so it drops none itself. */
export function dropIndexesFirst(file: MigrationFile, operation: DropColumnOperation, indexes: readonly rails.IndexOnColumn[]): Edit | null {
  if (!canDropIndexesFirst(file, operation, indexes)) return null;
  if (statementSyntax(file, operation) === 'rails') return rails.dropRailsIndexesFirst(file, operation, indexes);
  return sql.dropIndexesBefore(file, operation, indexes.map((i) => i.name));
}
