// The lock trace, database part: runs a migration's statements in one transaction that is always
// rolled back, with a short lock_timeout, each under a savepoint, and after each reads from
// pg_locks the locks the session holds. The locks are read by a second, read-only session (it
// still sees an index the statement dropped); relations only the tracing transaction can see
// (an index it created) are named by the tracing session itself. Nothing is committed: a trace
// cut off anywhere (the process killed) leaves the server to roll the transaction back.
// Callers ask the user first (a trace takes real locks) and refuse production connections.

import type pg from 'pg';
import type { ClientConfig } from 'pg';
import { compareStep, lockModeFromPgLocks, nonConcurrentSql, planTrace, type RecordedLock, type TraceComparison, type TraceStep } from '../core/locks/trace';
import type { MigrationFile } from '../core/model/migration';
import type { SqlParser } from '../core/parsers/sql/libpg-query';
import { createIndexConcurrentlySql, IndexDefinitionError, indexDefinitionFromOperation, type IndexOrigin } from './builder/index-definition';
import { quoteIdentifier } from './sql-text';
import { withWriteConnection } from './write-connection';

export const TRACE_APPLICATION_NAME = 'pg-index-guard lock trace';

export interface LockTraceOptions {
  /** lock_timeout of the traced statements (default 2s): a trace must not queue behind real traffic. */
  lockTimeoutMs?: number;
  /** statement_timeout of each statement (default 60s): a trace on a big table is a build. */
  statementTimeoutMs?: number;
  /** Called once the tracing session runs, with its backend pid (tests, progress). */
  onStarted?: (pid: number) => void;
}

export async function traceLocks(configs: readonly ClientConfig[], steps: readonly TraceStep[], options: LockTraceOptions = {}): Promise<TraceComparison[]> {
  return withWriteConnection(configs, (observer) =>
    withWriteConnection(configs, async (tracer) => {
      await observer.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
      const pid = (await tracer.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      options.onStarted?.(pid);
      const comparisons: TraceComparison[] = [];
      try {
        await tracer.query('BEGIN');
        await tracer.query("SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)", [`${options.lockTimeoutMs ?? 2_000}ms`, `${options.statementTimeoutMs ?? 60_000}ms`]);
        let before = await heldLocks(observer, tracer, pid);
        for (const step of steps) {
          if (step.sql === null) {
            comparisons.push(compareStep(step, before, before, null));
            continue;
          }
          await tracer.query('SAVEPOINT pg_index_guard_trace');
          let error: string | null = null;
          try {
            await tracer.query(step.sql);
          } catch (failure) {
            error = failure instanceof Error ? failure.message : String(failure);
            await tracer.query('ROLLBACK TO SAVEPOINT pg_index_guard_trace');
          }
          const after = await heldLocks(observer, tracer, pid);
          comparisons.push(compareStep(step, before, after, error));
          before = after;
        }
      } finally {
        await tracer.query('ROLLBACK').catch(() => undefined);
      }
      return comparisons;
    }, { applicationName: TRACE_APPLICATION_NAME }),
  );
}

interface LockRow {
  oid: string;
  mode: string;
  relname: string | null;
  relkind: string | null;
  table_name: string | null;
}

const LOCKS_OF_PID = `
  SELECT l.relation::oid::text AS oid, l.mode, c.relname, c.relkind, t.relname AS table_name
    FROM pg_locks l
    LEFT JOIN pg_class c ON c.oid = l.relation
    LEFT JOIN pg_index i ON i.indexrelid = c.oid
    LEFT JOIN pg_class t ON t.oid = i.indrelid
   WHERE l.pid = $1 AND l.granted AND l.locktype = 'relation'
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`;

const RELATIONS_BY_OID = `
  SELECT c.oid::text AS oid, c.relname, c.relkind, t.relname AS table_name
    FROM pg_class c
    LEFT JOIN pg_index i ON i.indexrelid = c.oid
    LEFT JOIN pg_class t ON t.oid = i.indrelid
   WHERE c.oid = ANY($1::oid[])`;

/** The locks the tracing session holds on user relations (system catalogs left out). */
async function heldLocks(observer: pg.Client, tracer: pg.Client, pid: number): Promise<RecordedLock[]> {
  const rows = (await observer.query<LockRow>(LOCKS_OF_PID, [pid])).rows;
  const unknown = rows.filter((r) => r.relname === null).map((r) => r.oid);
  if (unknown.length > 0) {
    // Created by the trace's own transaction: only it sees them.
    const found = new Map((await tracer.query<Omit<LockRow, 'mode'>>(RELATIONS_BY_OID, [unknown])).rows.map((r) => [r.oid, r]));
    for (const row of rows) if (row.relname === null) Object.assign(row, found.get(row.oid) ?? { relname: `relation ${row.oid}` });
  }
  const systemOid = 16384; // FirstNormalObjectId: catalogs, their indexes and views are below it.
  const locks: RecordedLock[] = [];
  for (const row of rows) {
    const mode = lockModeFromPgLocks(row.mode);
    if (mode === null || Number(row.oid) < systemOid) continue;
    const kind = row.relkind === 'r' || row.relkind === 'p' ? 'table' : row.relkind === 'i' || row.relkind === 'I' ? 'index' : 'other';
    locks.push({ relation: row.relname!, kind, table: row.table_name, mode });
  }
  return locks;
}

/**
 * The trace steps of a migration: a SQL file's statements as written (each checked to be one
 * statement), a Rails index creation as the safe builder generates it from the model.
 */
export function traceStepsOf(file: MigrationFile, parser: SqlParser, relativePath: string): TraceStep[] {
  return planTrace(file, (operation) => {
    if (file.dialect === 'sql') {
      const sql = file.source.slice(operation.range.start, operation.range.end).replace(/;\s*$/, '');
      const parsed = parser.parse(sql);
      if (!parsed.ok || (parsed.result.stmts ?? []).length !== 1) return { reason: 'its text is not one SQL statement' };
      return { sql };
    }
    if (operation.kind === 'createIndex' && (operation.via === 'add_index' || operation.via === 't.index' || operation.via === 'add_reference' || operation.via === 't.references' || operation.via === 't.column')) {
      try {
        const origin: IndexOrigin = { kind: 'migration', file: file.path, relativePath, version: null, line: 0 };
        const sql = createIndexConcurrentlySql(indexDefinitionFromOperation(operation, file, parser, origin), parser).replace(/ IF NOT EXISTS /, ' ');
        // Generated concurrent: back to what the migration runs when it is not concurrent.
        return { sql: operation.concurrent ? sql : nonConcurrentSql(sql)! };
      } catch (error) {
        return { reason: error instanceof IndexDefinitionError ? error.message : String(error) };
      }
    }
    if (operation.kind === 'dropIndex' && operation.name !== null) {
      return { sql: `DROP INDEX${operation.concurrent ? ' CONCURRENTLY' : ''} ${quoteIdentifier(operation.name)}` };
    }
    return { reason: 'no SQL is generated for this Rails call; trace its SQL migration instead' };
  });
}
