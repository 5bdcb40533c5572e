// What a migration will do to production, operation by operation: the lock model joined with
// what the connected database tells about the tables (rows, size, indexes, column widths). Read
// by the editor's hover and CodeLens and by `pg-index-guard explain`.

import type { DatabaseFacts, DatabaseIndex } from '../lint-context';
import type { MigrationFile } from '../model/migration';
import { lineStarts, positionAt } from '../parsers/source-text';
import { createdIndexName, databaseIndexNamed, droppedIndexName, indexesOnTable } from '../rules/database-indexes';
import { isIndexOperation, isTableCreatedEarlier, type IndexOperation } from '../rules/helpers';
import { estimateBuildSeconds, estimateIndexBytes, type BuildHistory, type BuildTimeEstimate } from './estimates';
import { strongerLock } from './lock-modes';
import { operationLock, runsInsideTransaction, type OperationLock } from './operation-locks';

export interface OperationImpact {
  operation: IndexOperation;
  /** 1-based line of the operation's start. */
  line: number;
  /** The table, as written or as the database knows the index's table; null when unknown. */
  table: string | null;
  /** The index created, dropped or rebuilt, when its name is known. */
  index: string | null;
  lock: OperationLock;
  /** Were database facts available (connected)? */
  connected: boolean;
  rows: number | null;
  tableBytes: number | null;
  /** Indexes the table already has on the same leading columns (a creation only). */
  existingIndexes: DatabaseIndex[];
  estimatedIndexBytes: number | null;
  /** Null when the operation builds nothing, or nothing that can be estimated. */
  buildTime: BuildTimeEstimate | null;
}

export interface ImpactContext {
  database?: DatabaseFacts | undefined;
  history?: BuildHistory | null | undefined;
}

/** The impact of every index operation of a migration, in file order. */
export function explainMigration(file: MigrationFile, context: ImpactContext): OperationImpact[] {
  return file.operations.filter(isIndexOperation).map((operation) => explainOperation(file, operation, context));
}

/** The index operation whose source range holds `offset`, explained; null when there is none. */
export function impactAt(file: MigrationFile, offset: number, context: ImpactContext): OperationImpact | null {
  const operation = file.operations.find((o): o is IndexOperation => isIndexOperation(o) && o.range.start <= offset && offset <= o.range.end);
  return operation ? explainOperation(file, operation, context) : null;
}

export function explainOperation(file: MigrationFile, operation: IndexOperation, context: ImpactContext): OperationImpact {
  const database = context.database;
  const newTable = isTableCreatedEarlier(file, operation);
  const lock = operationLock(operation, { inTransaction: runsInsideTransaction(file, operation), newTable });
  const index = indexNameOf(operation);
  const table = operation.table ?? tableOfIndex(database, index);
  const key = table === null ? null : tableKey(table);
  // A table created earlier in this migration: what the database holds under its name is not what the migration meets.
  const known = key !== null && !newTable;
  const rows = known ? (database?.tableRowEstimates?.get(key) ?? null) : null;
  const tableBytes = known ? (database?.tableBytes?.get(key) ?? null) : null;
  const tableIndexes = known && table !== null && database?.indexes ? indexesOnTable(database.indexes, table) : [];
  const built = known && lock.buildsIndex;
  return {
    operation,
    line: positionAt(lineStarts(file.source), operation.range.start).line + 1,
    table,
    index,
    lock,
    connected: database !== undefined,
    rows,
    tableBytes,
    existingIndexes: known ? sameColumnIndexes(operation, tableIndexes) : [],
    estimatedIndexBytes: built ? indexBytesOf(operation, rows, key, database, tableIndexes) : null,
    buildTime: built && database !== undefined ? buildTimeOf(operation, tableBytes, tableIndexes, context.history) : null,
  };
}

function indexNameOf(operation: IndexOperation): string | null {
  switch (operation.kind) {
    case 'createIndex':
      return createdIndexName(operation);
    case 'dropIndex':
      return droppedIndexName(operation);
    case 'reindex':
      return operation.target === 'index' ? unqualified(operation.name) : null;
    case 'addUniqueConstraint':
      return operation.usingIndex ?? operation.name ?? null;
  }
}

function unqualified(name: string | null): string | null {
  return name === null ? null : name.slice(name.lastIndexOf('.') + 1).replace(/"/g, '');
}

/** How the database facts key a table: unqualified, lower case, unquoted. */
function tableKey(table: string): string {
  return table.toLowerCase().replace(/"/g, '').replace(/^.*\./, '');
}

function tableOfIndex(database: DatabaseFacts | undefined, index: string | null): string | null {
  if (index === null) return null;
  return database?.indexes ? (databaseIndexNamed(database.indexes, index, null)?.table ?? null) : null;
}

/** Indexes whose leading key columns are the operation's, or that the operation's columns start with. */
function sameColumnIndexes(operation: IndexOperation, tableIndexes: readonly DatabaseIndex[]): DatabaseIndex[] {
  const columns = operation.kind === 'createIndex' ? operation.columns : operation.kind === 'addUniqueConstraint' && operation.usingIndex === null ? (operation.columns ?? []) : [];
  if (columns.length === 0) return [];
  const wanted = columns.map((c) => c.toLowerCase());
  return tableIndexes.filter((index) => {
    const have = index.columns.map((c) => c.toLowerCase());
    const shared = Math.min(have.length, wanted.length);
    return shared > 0 && have.slice(0, shared).every((column, i) => column === wanted[i]);
  });
}

function indexBytesOf(operation: IndexOperation, rows: number | null, key: string | null, database: DatabaseFacts | undefined, tableIndexes: readonly DatabaseIndex[]): number | null {
  const width = (column: string) => database?.columnWidths?.get(`${key}.${column.toLowerCase()}`) ?? null;
  switch (operation.kind) {
    case 'createIndex':
      return estimateIndexBytes({ rows, columnWidths: operation.columns.map(width), using: operation.using, partial: operation.where !== null });
    case 'addUniqueConstraint':
      return estimateIndexBytes({ rows, columnWidths: (operation.columns ?? []).map(width), using: null, partial: false });
    case 'reindex': {
      // A rebuild comes out about the size the index has now (less its bloat).
      const rebuilt = operation.target === 'index' ? tableIndexes.filter((i) => i.name === unqualified(operation.name)) : operation.target === 'table' ? tableIndexes : [];
      if (rebuilt.length === 0 || rebuilt.some((i) => typeof i.sizeBytes !== 'number')) return null;
      return rebuilt.reduce((sum, i) => sum + (i.sizeBytes as number), 0);
    }
    case 'dropIndex':
      return null;
  }
}

function buildTimeOf(operation: IndexOperation, tableBytes: number | null, tableIndexes: readonly DatabaseIndex[], history: BuildHistory | null | undefined): BuildTimeEstimate | null {
  const concurrent = 'concurrent' in operation && operation.concurrent;
  if (operation.kind === 'reindex') {
    if (operation.target === 'index') return estimateBuildSeconds({ tableBytes, concurrent }, history);
    // Every index of the table, each one a scan of the table; a schema or a database is too much to say.
    if (operation.target === 'table' && tableIndexes.length > 0) return estimateBuildSeconds({ tableBytes, concurrent, indexCount: tableIndexes.length }, history);
    return null;
  }
  return estimateBuildSeconds({ tableBytes, concurrent }, history);
}

/** The operations of a migration that others notice, by table, for the line at its top. */
export interface TableSummary {
  /** The table, or null for operations on a table that cannot be named. */
  table: string | null;
  /** With no table: the index the operations are about, when its name is known. */
  index: string | null;
  /** The strongest lock any of its operations takes that blocks something. */
  lock: OperationImpact['lock']['tableLock'];
  /** Sum of the estimated build times; null when none could be estimated. */
  seconds: number | null;
  /** Sum of the estimated index sizes; null when none could be estimated. */
  indexBytes: number | null;
  /** Index statements that run outside a transaction. */
  outsideTransaction: number;
  operations: number;
  /** The first operation's line. */
  line: number;
}

export function summarizeByTable(impacts: readonly OperationImpact[]): TableSummary[] {
  const byTable = new Map<string, TableSummary>();
  for (const impact of impacts) {
    // A DROP INDEX naming only its index, offline: summed up under the index's name.
    const key = impact.table !== null ? tableKey(impact.table) : impact.index !== null ? `index ${impact.index}` : '';
    let summary = byTable.get(key);
    if (!summary) {
      summary = { table: impact.table, index: impact.table === null ? impact.index : null, lock: null, seconds: null, indexBytes: null, outsideTransaction: 0, operations: 0, line: impact.line };
      byTable.set(key, summary);
    }
    summary.operations++;
    if (impact.lock.blocks.length > 0) summary.lock = strongerLock(summary.lock, impact.lock.tableLock);
    if (impact.buildTime?.seconds != null) summary.seconds = (summary.seconds ?? 0) + impact.buildTime.seconds;
    if (impact.estimatedIndexBytes !== null) summary.indexBytes = (summary.indexBytes ?? 0) + impact.estimatedIndexBytes;
    if (!impact.lock.inTransaction) summary.outsideTransaction++;
  }
  return [...byTable.values()];
}
