import type { Direction, MigrationFile, Operation } from '../model/migration';
import { largeTableReason, type LintContext } from '../lint-context';
import { LazyFix, type Edit, type Fix } from '../fixes/fix';
import { canLeaveTransaction, canMakeConcurrent, leaveTransaction, makeConcurrentEdits } from '../fixes/operation-edits';
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
  // Spelled out rather than a local arrow function: no closure to allocate per call.
  return (a === 'change' || a === 'up') && (b === 'change' || b === 'up');
}

/**
 * Tables created in this migration before `operation`, in the same pass.
 * Indexing such a table blocks nobody: it is empty and no one else sees it yet.
 */
export function isTableCreatedEarlier(file: MigrationFile, operation: Operation): boolean {
  if (operation.table === null) return false;
  const created = factsOf(file).createdTables;
  // Most migrations create no table: no name to normalize then.
  if (created.size === 0) return false;
  const same = created.get(normalizeTable(operation.table));
  if (same === undefined) return false;
  for (let i = 0; i < same.length; i++) {
    const other = same[i]!;
    if (other === operation) continue;
    if (!runTogether(other.direction, operation.direction)) continue;
    if (other.range.start <= operation.range.start) return true;
  }
  return false;
}

/**
 * Index operations on tables that already hold data (not created earlier in this migration).
 * Shared by the rules that ask: do not modify.
 */
export function indexOperationsOnExistingTables(file: MigrationFile): readonly IndexOperation[] {
  const facts = factsOf(file);
  if (facts.indexOperationsOnExistingTables) return facts.indexOperationsOnExistingTables;
  // An indexed loop, not filter() with a closure: lint() runs cold, in baseline code.
  const found: IndexOperation[] = [];
  const operations = file.operations;
  for (let i = 0; i < operations.length; i++) {
    const operation = operations[i]!;
    if (isIndexOperation(operation) && !isTableCreatedEarlier(file, operation)) found.push(operation);
  }
  return (facts.indexOperationsOnExistingTables = found);
}

/** What several rules derive from a file, worked out once per file. */
interface FileFacts {
  /**
   * The file's createTable operations by their table's normalized name: a 5,000-line migration
   * asks for each of its thousands of operations, which a list made quadratic.
   */
  createdTables: Map<string, Operation[]>;
  indexOperationsOnExistingTables?: IndexOperation[];
}

// lint() runs the rules one after the other on a file, and a parsed file does not change:
// remembering the last file is enough (and cheaper than a WeakMap, whose entries for
// thousands of files only go at a GC).
let factsFile: MigrationFile | null = null;
let facts: FileFacts = { createdTables: new Map() };

function factsOf(file: MigrationFile): FileFacts {
  if (file !== factsFile) {
    const createdTables: FileFacts['createdTables'] = new Map();
    const operations = file.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      if (operation.kind !== 'createTable' || operation.table === null) continue;
      const name = normalizeTable(operation.table);
      const same = createdTables.get(name);
      if (same) same.push(operation);
      else createdTables.set(name, [operation]);
    }
    factsFile = file;
    facts = { createdTables };
  }
  return facts;
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
 * - `leaves: false`: nothing, it already does;
 * - `leaves: true`: the migration leaves its transaction, with the edits `exitEdits` writes (a
 *   marker, `disable_ddl_transaction!`), or none for Flyway (`automatic`), which runs a script
 *   holding CREATE / DROP INDEX CONCURRENTLY outside a transaction by itself;
 * - null: no edit of this file can (an explicit transaction block, a runner that needs a file of
 *   its own or a setting elsewhere).
 */
export interface TransactionExit {
  readonly leaves: boolean;
  /** Flyway leaves by itself once the script holds the concurrent statement. */
  readonly automatic?: boolean;
}

// Shared answers: nothing per call to allocate.
const STAYS_OUT: TransactionExit = { leaves: false };
const LEAVES_BY_ITSELF: TransactionExit = { leaves: true, automatic: true };
const LEAVES: TransactionExit = { leaves: true };

export function transactionExit(file: MigrationFile, operation: Operation): TransactionExit | null {
  if (operation.inTransactionBlock) return null;
  if (!runsInTransaction(file, operation)) return STAYS_OUT;
  // Flyway's check knows CREATE / DROP [UNIQUE] INDEX CONCURRENTLY, not REINDEX ... CONCURRENTLY.
  if (file.dialect === 'sql' && file.sqlRunner?.leaveBy === 'automatic' && operation.kind !== 'reindex') return LEAVES_BY_ITSELF;
  return canLeaveTransaction(file, operation) ? LEAVES : null;
}

/** The edits that take the migration out of its transaction as `exit` says (none when it need not, or leaves by itself). */
export function exitEdits(file: MigrationFile, operation: Operation, exit: TransactionExit): Edit[] {
  return exit.leaves && !exit.automatic ? [leaveTransaction(file, operation)!] : [];
}

/**
 * A finding's severity and message on `table`: the rule's base severity, raised one step on a
 * table known to be large, and then the message says why (`... (messages: ~5.0M rows, large).`),
 * so a reader sees where an error came from.
 */
export function severityOnTable(base: Severity, table: string | null, context: LintContext, message: string): { severity: Severity; message: string } {
  const reason = largeTableReason(table, context);
  if (reason === null) return { severity: base, message };
  const severity = base === 'hint' ? 'info' : base === 'info' ? 'warning' : 'error';
  const sentence = message.endsWith('.') ? message.slice(0, -1) : message;
  return { severity, message: `${sentence} (${reason}).` };
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
  if (!exit || !canMakeConcurrent(file, operation)) return [];
  const option =
    file.dialect === 'rails' && operation.syntax?.kind === 'railsCall'
      ? 'add algorithm: :concurrently'
      : operation.syntax?.kind === 'ormCall'
        ? 'use the concurrent form'
        : 'add CONCURRENTLY';
  // The title's tail, only when the fix leaves the transaction (no string built otherwise).
  const leaving = !exit.leaves
    ? ''
    : exit.automatic
      ? `; ${file.sqlRunner?.name === 'flyway' ? 'Flyway' : 'the runner'} then runs the whole script outside a transaction`
      : ' and take the migration out of its transaction';
  return [
    new LazyFix(
      `${what} concurrently (${option}${leaving})`,
      // Leaving the transaction changes how the whole migration runs: never automatic.
      exit.leaves ? 'unsafe' : 'safe',
      () => ({ edits: [...exitEdits(file, operation, exit), ...makeConcurrentEdits(file, operation)] }),
    ),
  ];
}

/** The migration methods strong_migrations' safe_by_default replaces with concurrent ones (its SafeMethods). */
const SAFE_BY_DEFAULT_VIA = new Set(['add_index', 'add_reference', 'remove_index']);

/**
 * With strong_migrations' `safe_by_default`, `add_index` / `remove_index` / `add_reference` called on
 * the migration get `algorithm: :concurrently` and leave the transaction at run time. Not `t.index`
 * in change_table (which calls the connection, not the migration), nor inside a `transaction do` block.
 */
export function madeSafeByStrongMigrations(file: MigrationFile, operation: Operation, context: LintContext): boolean {
  if (context.settings.strongMigrationsSafeByDefault !== true || file.dialect !== 'rails' || operation.inTransactionBlock) return false;
  return (operation.kind === 'createIndex' || operation.kind === 'dropIndex') && SAFE_BY_DEFAULT_VIA.has(operation.via);
}

/** A finding's message on a rollback (a `down` method, a down section) says so first. */
export function onRollback(operation: Operation, message: string): string {
  return operation.direction === 'down' ? `On rollback (down): ${message}` : message;
}
