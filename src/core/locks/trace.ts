// The lock trace, pure part: which statements of a migration a trace runs (concurrent ones in
// their non-concurrent form, since a trace runs inside a transaction that is rolled back), and
// how the locks pg_locks recorded for each compare with the lock model. The database part is
// src/db/lock-trace.ts.

import type { MigrationFile, Operation } from '../model/migration';
import { lineStarts, positionAt } from '../parsers/source-text';
import { isTableCreatedEarlier } from '../rules/helpers';
import { LOCK_MODES, strongerLock, type LockMode } from './lock-modes';
import { operationLock, runsInsideTransaction, type OperationLock } from './operation-locks';

export interface TraceStep {
  operation: Operation;
  /** 1-based line of the operation. */
  line: number;
  /** The statement the trace runs; null when it is not run (`skipped` says why). */
  sql: string | null;
  skipped: string | null;
  /** The statement is CONCURRENTLY in the migration and is traced without it. */
  tracedNonConcurrently: boolean;
  /** The lock model of what is run (the non-concurrent form for a concurrent statement). */
  tracedModel: OperationLock | null;
  /** The lock model of the statement as the migration runs it. */
  model: OperationLock;
}

/** The operations a trace runs: index operations and the tables they are built on. */
const TRACED_KINDS: ReadonlySet<Operation['kind']> = new Set(['createIndex', 'dropIndex', 'reindex', 'addUniqueConstraint', 'createTable']);

/**
 * The steps of a trace, in file order. `sqlOf` gives the SQL an operation runs (a SQL file's
 * statement text; for Rails, what the builder generates), or a reason it cannot.
 */
export function planTrace(file: MigrationFile, sqlOf: (operation: Operation) => { sql: string } | { reason: string }): TraceStep[] {
  const starts = lineStarts(file.source);
  return file.operations
    .filter((operation) => operation.direction !== 'down')
    .map((operation) => {
      const line = positionAt(starts, operation.range.start).line + 1;
      const situation = { inTransaction: runsInsideTransaction(file, operation), newTable: isTableCreatedEarlier(file, operation) };
      const model = operationLock(operation, situation);
      const step: TraceStep = { operation, line, sql: null, skipped: null, tracedNonConcurrently: false, tracedModel: null, model };
      if (!TRACED_KINDS.has(operation.kind)) {
        step.skipped = operation.kind === 'transactionControl' ? 'the trace runs everything in its own transaction, always rolled back' : 'the trace sets its own short lock_timeout';
        return step;
      }
      const source = sqlOf(operation);
      if ('reason' in source) {
        step.skipped = source.reason;
        return step;
      }
      const concurrent = 'concurrent' in operation && operation.concurrent;
      const sql = concurrent ? nonConcurrentSql(source.sql) : source.sql;
      if (sql === null) {
        step.skipped = 'its non-concurrent form could not be written';
        return step;
      }
      step.sql = sql;
      step.tracedNonConcurrently = concurrent;
      step.tracedModel = concurrent ? operationLock({ ...operation, concurrent: false } as Operation, { ...situation, inTransaction: true }) : operationLock(operation, { ...situation, inTransaction: true });
      return step;
    });
}

const CONCURRENT_STATEMENT = /^(\s*(?:CREATE\s+(?:UNIQUE\s+)?INDEX|DROP\s+INDEX|REINDEX\s+(?:\([^)]*\)\s*)?(?:INDEX|TABLE|SCHEMA|DATABASE|SYSTEM)))\s+CONCURRENTLY\b/i;

/** `CREATE INDEX CONCURRENTLY x ...` without CONCURRENTLY; null when the statement does not start that way. */
export function nonConcurrentSql(sql: string): string | null {
  const withoutComments = sql.replace(/^(\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/))*/, '');
  return CONCURRENT_STATEMENT.test(withoutComments) ? withoutComments.replace(CONCURRENT_STATEMENT, '$1') : null;
}

/** A lock pg_locks showed the tracing session holding on a relation. */
export interface RecordedLock {
  /** The relation's name (an index or table created by the migration has one too, seen from its own session). */
  relation: string;
  kind: 'table' | 'index' | 'other';
  /** For an index, its table's name. */
  table: string | null;
  mode: LockMode;
}

/** `ShareUpdateExclusiveLock` (pg_locks.mode) as `SHARE UPDATE EXCLUSIVE`; null for a mode that is no table lock. */
export function lockModeFromPgLocks(mode: string): LockMode | null {
  const words = mode.replace(/Lock$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
  return (LOCK_MODES as readonly string[]).includes(words) ? (words as LockMode) : null;
}

export interface LockCheck {
  relation: string;
  expected: LockMode;
  /** The strongest lock recorded on it after the statement; null when none. */
  recorded: LockMode | null;
  agrees: boolean;
}

export interface TraceComparison {
  step: TraceStep;
  /** Locks the statement took that were not held before it. */
  taken: RecordedLock[];
  /** The lock model's table and index locks against what was recorded. */
  checks: LockCheck[];
  /** The statement failed (the error's message); its locks were released with its savepoint. */
  error: string | null;
  agrees: boolean;
}

/**
 * Compares what one statement was seen to hold with the lock model of what was run. A check
 * agrees when the model's mode is held after the statement and the statement took nothing
 * stronger on that relation (a mode already held since an earlier statement is not taken again).
 */
export function compareStep(step: TraceStep, before: readonly RecordedLock[], after: readonly RecordedLock[], error: string | null): TraceComparison {
  const key = (l: RecordedLock) => `${l.relation}\u0000${l.mode}`;
  const held = new Set(before.map(key));
  const taken = after.filter((l) => !held.has(key(l)));
  const model = step.tracedModel;
  const checks: LockCheck[] = [];
  if (model && error === null) {
    const indexes = lockedIndexesOf(step.operation, after);
    // DROP INDEX x, REINDEX INDEX x: the table is the one pg_locks shows the index on.
    const table = bareName(step.operation.table) ?? after.find((l) => l.kind === 'index' && indexes.includes(l.relation))?.table ?? null;
    if (model.tableLock && table !== null) checks.push(check(table, model.tableLock, after, taken));
    if (model.indexLock) for (const index of indexes) checks.push(check(index, model.indexLock, after, taken));
  }
  return { step, taken, checks, error, agrees: error === null && checks.every((c) => c.agrees) };
}

function check(relation: string, expected: LockMode, after: readonly RecordedLock[], taken: readonly RecordedLock[]): LockCheck {
  const on = (l: RecordedLock) => l.relation === relation;
  const recorded = after.filter(on).reduce<LockMode | null>((strongest, l) => strongerLock(strongest, l.mode), null);
  const strongestTaken = taken.filter(on).reduce<LockMode | null>((strongest, l) => strongerLock(strongest, l.mode), null);
  const agrees = after.some((l) => on(l) && l.mode === expected) && strongerLock(strongestTaken, expected) === expected;
  return { relation, expected, recorded, agrees };
}

/** The existing indexes whose locks the model speaks of: the one dropped or rebuilt, or each of the table's. */
function lockedIndexesOf(operation: Operation, after: readonly RecordedLock[]): string[] {
  const name = (() => {
    switch (operation.kind) {
      case 'dropIndex':
        return operation.name;
      case 'reindex':
        return operation.target === 'index' ? operation.name : null;
      case 'addUniqueConstraint':
        return operation.usingIndex;
      default:
        return null;
    }
  })();
  if (name !== null) return [bareName(name)!];
  if (operation.kind === 'reindex' && operation.target === 'table' && operation.name !== null) {
    const table = bareName(operation.name);
    return [...new Set(after.filter((l) => l.kind === 'index' && l.table === table).map((l) => l.relation))];
  }
  return [];
}

/** `public."Messages"` -> `Messages`. */
function bareName(name: string | null): string | null {
  if (name === null) return null;
  const last = name.match(/(?:"((?:[^"]|"")*)"|([^."]+))\s*$/);
  if (!last) return name;
  return last[1] !== undefined ? last[1].replace(/""/g, '"') : last[2]!.toLowerCase();
}

/** The trace as text, one block per statement. */
export function traceText(comparisons: readonly TraceComparison[], path: string, database: string): string {
  const lines: string[] = [`Lock trace of ${path} on ${database} (run in a transaction, rolled back):`];
  for (const c of comparisons) {
    const { step } = c;
    const head = `${path}:${step.line}  ${step.model.statement}`;
    if (step.sql === null) {
      lines.push(`${head}: not run (${step.skipped}).`);
      continue;
    }
    if (step.tracedNonConcurrently) lines.push(`${head}: traced as ${step.tracedModel!.statement}, without CONCURRENTLY (it cannot run in a transaction); the migration's own statement takes ${step.model.tableLock ?? 'no lock'} on the table.`);
    else lines.push(`${head}:`);
    if (c.error !== null) {
      lines.push(`  failed: ${c.error}`);
      continue;
    }
    const taken = c.taken.map((l) => `${l.mode} on ${l.kind === 'other' ? '' : `${l.kind} `}${l.relation}`);
    lines.push(`  recorded: ${taken.length ? taken.join(', ') : 'no new lock'}`);
    for (const k of c.checks) {
      lines.push(`  ${k.agrees ? 'agrees' : 'DIFFERS'}: the lock model says ${k.expected} on ${k.relation}${k.agrees ? '' : `, recorded ${k.recorded ?? 'none'}`}`);
    }
  }
  const run = comparisons.filter((c) => c.step.sql !== null);
  const differing = run.filter((c) => !c.agrees).length;
  lines.push(`${run.length} statement${run.length === 1 ? '' : 's'} traced; ${differing === 0 ? 'all agree with the lock model' : `${differing} differ from the lock model or failed`}. Nothing was kept.`);
  return `${lines.join('\n')}\n`;
}

export interface TraceJson {
  line: number;
  statement: string;
  sql: string | null;
  skipped: string | null;
  tracedNonConcurrently: boolean;
  tracedAs: string | null;
  error: string | null;
  taken: RecordedLock[];
  checks: LockCheck[];
  agrees: boolean;
}

export function traceJson(c: TraceComparison): TraceJson {
  return {
    line: c.step.line,
    statement: c.step.model.statement,
    sql: c.step.sql,
    skipped: c.step.skipped,
    tracedNonConcurrently: c.step.tracedNonConcurrently,
    tracedAs: c.step.tracedModel?.statement ?? null,
    error: c.error,
    taken: c.taken,
    checks: c.checks,
    agrees: c.agrees,
  };
}
