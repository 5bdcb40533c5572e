import type { CreateIndexOperation, DropIndexOperation, MigrationFile } from '../model/migration';
import type { LintContext } from '../lint-context';
import { LazyFix, type Fix } from '../fixes/fix';
import {
  addIfExists,
  addIfNotExists,
  canAddIfExists,
  canAddIfNotExists,
  canNameIndexIfNotExists,
  nameIndexIfNotExists,
  postgresIndexName,
} from '../fixes/operation-edits';
import { describeTable, isTableCreatedEarlier, railsVersionAtLeast, runsInTransaction, runTogether, severityOnTable } from './helpers';
import type { Finding, Rule } from './rule';

/** Rails calls that only take `if_not_exists:` / `if_exists:` from Rails 6.1 on. */
const VERSIONED_RAILS_CALLS = new Set(['add_index', 't.index', 'remove_index', 't.remove_index']);

export const preferRobustStmts: Rule = {
  meta: {
    id: 'prefer-robust-stmts',
    summary: 'Make index operations outside a transaction idempotent, so a migration that failed halfway can be retried.',
    defaultSeverity: 'info',
    fixSafety: 'safe',
    honorsSafetyAssured: true,
    docs: {
      why:
        'A migration that runs outside a transaction (`disable_ddl_transaction!`, needed for concurrent index ' +
        'builds) keeps whatever it did before it failed. Run it again and the index it already built makes it ' +
        'fail with "relation already exists", or the index it already dropped with "does not exist", until ' +
        'someone repairs the database by hand. `if_not_exists: true` / `if_exists: true` (IF NOT EXISTS / IF ' +
        'EXISTS) make the retry pass. Inside a transaction a failure rolls everything back, so those ' +
        'migrations are not reported; neither are Rails migrations older than 6.1, whose add_index and ' +
        'remove_index do not take the options, nor a lone blocking statement, which is atomic by itself. Beware: IF NOT EXISTS also accepts an INVALID index left behind ' +
        'by a failed concurrent build (see invalid-index-exists).',
      bad: {
        ruby:
          'class AddIndexToMessagesOnConversationId < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :conversation_id, algorithm: :concurrently\n  end\nend',
        sql: 'CREATE INDEX CONCURRENTLY index_messages_on_conversation_id ON messages (conversation_id);',
      },
      good: {
        ruby:
          'class AddIndexToMessagesOnConversationId < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :conversation_id, algorithm: :concurrently, if_not_exists: true\n  end\nend',
        sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS index_messages_on_conversation_id ON messages (conversation_id);',
      },
      fix:
        'Adds `if_not_exists: true` to index creations and `if_exists: true` to index drops (SQL: IF NOT EXISTS / IF EXISTS). ' +
        'An unnamed SQL index cannot take IF NOT EXISTS (Postgres needs the name to look for), and a retry of it silently builds a ' +
        'second index (`messages_source_id_idx1`): the fix names it as Postgres would (`<table>_<columns>_idx`) and adds IF NOT EXISTS. Safe: applied by fix-all.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const findings: Finding[] = [];
    const operations = file.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      if (operation.kind !== 'createIndex' && operation.kind !== 'dropIndex') continue;
      if (operation.kind === 'createIndex' ? operation.ifNotExists : operation.ifExists) continue;
      // A failure inside a transaction rolls back: nothing is left behind to trip the retry.
      if (runsInTransaction(file, operation) || operation.inTransactionBlock) continue;
      // A lone blocking statement is atomic: failing, it leaves nothing behind. A concurrent
      // build is not: failing, it leaves an INVALID index that trips the retry.
      if (!operation.concurrent && isOnlySchemaChange(file, operation)) continue;
      if (!takesGuardOption(file, operation)) continue;
      if (isTableCreatedEarlier(file, operation)) continue;
      findings.push({
        ruleId: this.meta.id,
        ...severityOnTable(this.meta.defaultSeverity, operation.table, context, messageFor(operation)),
        range: operation.range,
        fixes: fixesFor(file, operation),
        operation,
      });
    }
    return findings;
  },
};

function isOnlySchemaChange(file: MigrationFile, operation: CreateIndexOperation | DropIndexOperation): boolean {
  const operations = file.operations;
  for (let i = 0; i < operations.length; i++) {
    const other = operations[i]!;
    if (other === operation || other.kind === 'setTimeout' || other.kind === 'transactionControl') continue;
    if (runTogether(other.direction, operation.direction)) return false;
  }
  return true;
}

function takesGuardOption(file: MigrationFile, operation: CreateIndexOperation | DropIndexOperation): boolean {
  // add_reference's guard would have to cover the column too: out of scope here.
  if (operation.via === 'add_reference' || operation.via === 't.references' || operation.via === 't.column') return false;
  if (VERSIONED_RAILS_CALLS.has(operation.via)) return railsVersionAtLeast(file.frameworkVersion, '6.1');
  return true;
}

function messageFor(operation: CreateIndexOperation | DropIndexOperation): string {
  const rails = operation.syntax?.kind === 'railsCall';
  if (operation.kind === 'createIndex' && !rails && operation.name === null) {
    const name = operation.table === null ? null : postgresIndexName(operation.table, operation.columns);
    const second = name ? `${name}1` : 'a second one';
    const left = operation.concurrent ? `a failed build leaves an INVALID ${name ?? 'index'} behind and the retry builds ${second} beside it` : `the retry builds ${second} beside the first`;
    return `Unnamed index creation on ${describeTable(operation.table)} cannot be made idempotent: Postgres takes IF NOT EXISTS only with an index name, and without one ${left}, silently. Name the index and add IF NOT EXISTS.`;
  }
  // Django's AddIndexConcurrently, TypeORM's createIndex...: the call itself has no guard to add.
  if (operation.syntax?.kind === 'ormCall' && !operation.syntax.ifExists?.length) {
    const call = operation.syntax.method ?? 'this call';
    return operation.kind === 'createIndex'
      ? `Index creation on ${describeTable(operation.table)} is not idempotent, and ${call} has no IF NOT EXISTS: ${operation.concurrent ? 'a failed build leaves an INVALID index behind' : 'if the migration fails after it, the index stays'}, and the retry fails with "already exists". Before running the migration again, drop that index (the Invalid Indexes view and \`pg-index-guard status\` show an INVALID one), or create the index in SQL with IF NOT EXISTS.`
      : `Index drop on ${describeTable(operation.table)} is not idempotent, and ${call} has no IF EXISTS: if the migration fails after it, the retry fails with "does not exist". Drop the index in SQL with IF EXISTS, or run the migration again only once the index is back.`;
  }
  if (operation.kind === 'createIndex') {
    const guard = rails ? 'if_not_exists: true' : 'IF NOT EXISTS';
    return `Index creation on ${describeTable(operation.table)} is not idempotent: if the migration fails after it, the retry fails with "already exists". Add ${guard}.`;
  }
  const guard = rails ? 'if_exists: true' : 'IF EXISTS';
  return `Index drop on ${describeTable(operation.table)} is not idempotent: if the migration fails after it, the retry fails with "does not exist". Add ${guard}.`;
}

function fixesFor(file: MigrationFile, operation: CreateIndexOperation | DropIndexOperation): Fix[] {
  const creates = operation.kind === 'createIndex';
  if (creates && canNameIndexIfNotExists(file, operation)) {
    const name = postgresIndexName(operation.table!, operation.columns);
    return [new LazyFix(`Name the index ${name} (as Postgres would) and add IF NOT EXISTS`, 'safe', () => ({ edits: [nameIndexIfNotExists(file, operation)!] }))];
  }
  if (!(creates ? canAddIfNotExists(file, operation) : canAddIfExists(file, operation))) return [];
  const rails = operation.syntax?.kind === 'railsCall';
  const title = creates ? (rails ? 'Add if_not_exists: true' : 'Add IF NOT EXISTS') : rails ? 'Add if_exists: true' : 'Add IF EXISTS';
  return [new LazyFix(title, 'safe', () => ({ edits: [(creates ? addIfNotExists(file, operation) : addIfExists(file, operation))!] }))];
}
