import type { Direction, MigrationFile, Operation } from '../model/migration';
import { tableSize, type LintContext } from '../lint-context';
import type { Edit, Fix } from '../fixes/fix';
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

/**
 * A table name to compare by: quotes dropped, lower case, and `public.` dropped (the schema an
 * unqualified name means under the default search_path), so `public.x`, `"x"` and `x` match.
 */
export function normalizeTable(table: string): string {
  // The same as table.replace(/"/g, '').toLowerCase().replace(/^public\./, ''), without the
  // regular expressions for the plain names most tables have.
  let name = table.toLowerCase();
  if (name.includes('"')) name = name.replace(/"/g, '');
  return name.startsWith('public.') ? name.slice(7) : name;
}

/**
 * Does the operation run inside the migration's own transaction (Rails' or the runner's)? An
 * operation's section may differ from the file (dbmate's up and down each say). Explicit
 * transaction blocks are `inTransactionBlock`, not this.
 */
export function runsInTransaction(file: MigrationFile, operation: Operation): boolean {
  return operation.runsInTransaction ?? file.runsInTransaction;
}

/**
 * What it takes for a concurrent form of `operation` (or a concurrent statement a fix adds right
 * before it) to run outside a transaction:
 * - `edits: []`, `leaves: false`: nothing, it already does;
 * - `leaves: true`: the migration leaves its transaction, with the edits that do it (a marker,
 *   `disable_ddl_transaction!`), or none for Flyway, which runs a script holding CREATE / DROP
 *   INDEX CONCURRENTLY outside a transaction by itself;
 * - null: no edit of this file can (an explicit transaction block, a runner that needs a file of
 *   its own or a setting elsewhere).
 */
export interface TransactionExit {
  edits: Edit[];
  leaves: boolean;
  /** Flyway leaves by itself once the script holds the concurrent statement. */
  automatic?: boolean;
}

export function transactionExit(file: MigrationFile, operation: Operation): TransactionExit | null {
  if (operation.inTransactionBlock) return null;
  if (!runsInTransaction(file, operation)) return { edits: [], leaves: false };
  // Flyway's check knows CREATE / DROP [UNIQUE] INDEX CONCURRENTLY, not REINDEX ... CONCURRENTLY.
  if (file.dialect === 'sql' && file.sqlRunner?.leaveBy === 'automatic' && operation.kind !== 'reindex') {
    return { edits: [], leaves: true, automatic: true };
  }
  const leave = leaveTransaction(file, operation);
  return leave ? { edits: [leave], leaves: true } : null;
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
  const exit = transactionExit(file, operation);
  if (!exit) return [];
  const concurrently = makeConcurrent(file, operation);
  if (!concurrently) return [];
  const option = file.dialect === 'rails' && operation.syntax?.kind === 'railsCall' ? 'add algorithm: :concurrently' : 'add CONCURRENTLY';
  const leaving = exit.automatic
    ? `; ${file.sqlRunner?.name === 'flyway' ? 'Flyway' : 'the runner'} then runs the whole script outside a transaction`
    : ' and take the migration out of its transaction';
  return [
    {
      title: exit.leaves ? `${what} concurrently (${option}${leaving})` : `${what} concurrently (${option})`,
      // Leaving the transaction changes how the whole migration runs: never automatic.
      safety: exit.leaves ? 'unsafe' : 'safe',
      edits: [...exit.edits, concurrently],
    },
  ];
}
