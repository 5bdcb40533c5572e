import type { Direction, MigrationFile, Operation } from '../model/migration';
import { tableSize, type LintContext } from '../lint-context';
import type { Fix } from '../fixes/fix';
import { leaveTransaction, makeConcurrent } from '../fixes/operation-edits';
import type { Severity } from './rule';

export { railsVersionAtLeast } from '../parsers/rails/rails-version';

/** Operations that build, drop or rebuild an index, and so lock a table for a while. */
export type IndexOperation = Extract<Operation, { kind: 'createIndex' | 'dropIndex' | 'reindex' | 'addUniqueConstraint' }>;

export function isIndexOperation(operation: Operation): operation is IndexOperation {
  return (
    operation.kind === 'createIndex' ||
    operation.kind === 'dropIndex' ||
    operation.kind === 'reindex' ||
    operation.kind === 'addUniqueConstraint'
  );
}

/**
 * Do two directions run in one pass? `change` runs forward like `up`, and `reversible`'s
 * `dir.up` / `up_only` inside `change` are modelled as `up`.
 */
export function runTogether(a: Direction, b: Direction): boolean {
  if (a === b) return true;
  const forward = (d: Direction) => d === 'change' || d === 'up';
  return forward(a) && forward(b);
}

/**
 * Tables created in this migration before `operation`, in the same pass.
 * Indexing such a table blocks nobody: it is empty and no one else sees it yet.
 */
export function isTableCreatedEarlier(file: MigrationFile, operation: Operation): boolean {
  if (operation.table === null) return false;
  const name = normalizeTable(operation.table);
  for (const other of file.operations) {
    if (other === operation) continue;
    if (other.kind !== 'createTable' || !runTogether(other.direction, operation.direction)) continue;
    if (other.range.start > operation.range.start) continue;
    if (other.table !== null && normalizeTable(other.table) === name) return true;
  }
  return false;
}

/** Index operations on tables that already hold data (not created earlier in this migration). */
export function indexOperationsOnExistingTables(file: MigrationFile): IndexOperation[] {
  return file.operations.filter(isIndexOperation).filter((operation) => !isTableCreatedEarlier(file, operation));
}

export function normalizeTable(table: string): string {
  return table.replace(/"/g, '').toLowerCase();
}

/** A rule's base severity, raised one step on a table known to be large. */
export function severityForTable(base: Severity, table: string | null, context: LintContext): Severity {
  if (tableSize(table, context) !== 'large') return base;
  return base === 'hint' ? 'info' : base === 'info' ? 'warning' : 'error';
}

export function describeTable(table: string | null): string {
  return table === null ? 'a table this linter cannot name' : `"${table}"`;
}

/**
 * The fix that makes an index operation concurrent: the option or keyword, plus leaving the
 * migration's transaction when needed (which makes it unsafe). None inside an explicit
 * transaction block: no edit of this statement can make it work there.
 */
export function concurrentFix(file: MigrationFile, operation: Operation, what: string): Fix[] {
  if (operation.inTransactionBlock) return [];
  const concurrently = makeConcurrent(file, operation);
  if (!concurrently) return [];
  const leave = file.runsInTransaction ? leaveTransaction(file) : null;
  if (file.runsInTransaction && !leave) return [];
  const option = file.dialect === 'rails' && operation.syntax?.kind === 'railsCall' ? 'add algorithm: :concurrently' : 'add CONCURRENTLY';
  return [
    {
      title: leave
        ? `${what} concurrently (${option} and take the migration out of its transaction)`
        : `${what} concurrently (${option})`,
      // Leaving the transaction changes how the whole migration runs: never automatic.
      safety: leave ? 'unsafe' : 'safe',
      edits: leave ? [leave, concurrently] : [concurrently],
    },
  ];
}
