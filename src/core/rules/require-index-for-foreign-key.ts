import type { AddForeignKeyOperation, MigrationFile } from '../model/migration';
import type { LintContext } from '../lint-context';
import { LazyFix, type Fix } from '../fixes/fix';
import { addForeignKeyIndex, canAddForeignKeyIndex } from '../fixes/operation-edits';
import { describeTable, exitEdits, isTableCreatedEarlier, normalizeTable, onRollback, runTogether, severityOnTable, transactionExit } from './helpers';
import { indexesOnTable } from './database-indexes';
import type { Finding, Rule } from './rule';

export const requireIndexForForeignKey: Rule = {
  meta: {
    id: 'require-index-for-foreign-key',
    summary: 'Index the referencing columns of a foreign key, so deletes and key updates on the referenced table do not scan this one.',
    defaultSeverity: 'hint',
    fixSafety: 'unsafe',
    honorsSafetyAssured: true,
    docs: {
      why:
        'Postgres indexes the referenced side of a foreign key (its primary key), never the referencing columns. ' +
        'Every DELETE on the referenced table, and every UPDATE of its key, then looks for referencing rows with a ' +
        'scan of the whole referencing table, under a lock, once per row deleted: deleting one account scans all ' +
        'fifty million messages. Reported for `add_foreign_key`, `add_reference` / `t.references` with ' +
        '`foreign_key:` and `index: false`, `t.foreign_key` in `change_table`, and SQL `ADD [CONSTRAINT] FOREIGN ' +
        'KEY` / `ADD COLUMN ... REFERENCES`, on a table not created earlier in the migration, when no index has ' +
        'the key\'s columns as its leading columns: an index created in the same migration counts, and so do the ' +
        'indexes of db/schema.rb / db/structure.sql or, when connected, the database\'s valid, non-partial ones instead.',
      bad: {
        ruby: 'class AddAccountForeignKeyToMessages < ActiveRecord::Migration[7.1]\n  def change\n    add_foreign_key :messages, :accounts\n  end\nend',
        sql: 'ALTER TABLE messages ADD CONSTRAINT fk_messages_account FOREIGN KEY (account_id) REFERENCES accounts (id);',
      },
      good: {
        ruby:
          'class AddAccountForeignKeyToMessages < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_foreign_key :messages, :accounts\n    add_index :messages, :account_id, algorithm: :concurrently\n  end\nend',
        sql:
          'ALTER TABLE messages ADD CONSTRAINT fk_messages_account FOREIGN KEY (account_id) REFERENCES accounts (id);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS messages_account_id_idx ON messages (account_id);',
      },
      fix:
        'Builds the index right after the foreign key, concurrently: `add_index <table>, <columns>, algorithm: ' +
        ':concurrently` (`t.index` in `change_table`; for `add_reference` / `t.references`, `index: { algorithm: ' +
        ':concurrently }` in place of `index: false`), SQL `CREATE INDEX CONCURRENTLY IF NOT EXISTS`, and when ' +
        'missing `disable_ddl_transaction!` or the runner\'s no-transaction marker. Leaving the transaction makes ' +
        'the fix unsafe: offered, never applied by fix-all.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const findings: Finding[] = [];
    const operations = file.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      if (operation.kind !== 'addForeignKey' || operation.table === null) continue;
      if (operation.columns.length === 0 || operation.columns.includes('?')) continue;
      if (isTableCreatedEarlier(file, operation)) continue;
      if (isIndexed(file, operation, context)) continue;
      const parent = operation.referencedTable === null ? 'the referenced table' : describeTable(operation.referencedTable);
      const message = `Foreign key on ${describeTable(operation.table)} (${operation.columns.join(', ')}) has no index on its columns: every DELETE on ${parent}, and every update of its key, scans ${describeTable(operation.table)} to check it.`;
      findings.push({
        ruleId: this.meta.id,
        ...severityOnTable(this.meta.defaultSeverity, operation.table, context, onRollback(operation, message)),
        range: operation.range,
        fixes: indexFix(file, operation),
        operation,
      });
    }
    return findings;
  },
};

/**
 * Is there an index whose leading columns are the key's columns (in any order)? Postgres can use it
 * for the referencing-row lookups. Partial indexes and invalid ones cannot serve every lookup.
 */
function isIndexed(file: MigrationFile, operation: AddForeignKeyOperation, context: LintContext): boolean {
  const table = normalizeTable(operation.table!);
  const wanted = new Set(operation.columns.map((c) => c.toLowerCase()));
  const leads = (columns: readonly string[]) =>
    columns.length >= wanted.size && columns.slice(0, wanted.size).every((c) => wanted.has(c.toLowerCase().replace(/"/g, '')));
  for (const other of file.operations) {
    if (other.kind !== 'createIndex' || other.where !== null || other.table === null) continue;
    if (!runTogether(other.direction, operation.direction) || normalizeTable(other.table) !== table) continue;
    if (leads(other.columns)) return true;
  }
  // Connected, the database says what exists; db/schema.rb may declare an index it lacks.
  const databaseIndexes = context.database?.indexes;
  if (databaseIndexes) {
    return indexesOnTable(databaseIndexes, operation.table!).some((index) => index.valid && index.predicate === null && leads(index.columns));
  }
  for (const index of context.schema?.indexes ?? []) {
    if (index.where === null && normalizeTable(index.table) === table && leads(index.columns)) return true;
  }
  return false;
}

function indexFix(file: MigrationFile, operation: AddForeignKeyOperation): Fix[] {
  const exit = transactionExit(file, operation);
  if (!exit || !canAddForeignKeyIndex(file, operation)) return [];
  const leaving = !exit.leaves ? '' : exit.automatic ? '; the runner then runs the whole script outside a transaction' : ' and take the migration out of its transaction';
  return [
    new LazyFix(
      `Index ${operation.columns.join(', ')} concurrently${leaving}`,
      exit.leaves ? 'unsafe' : 'safe',
      () => ({ edits: [...exitEdits(file, operation, exit), ...addForeignKeyIndex(file, operation)!] }),
    ),
  ];
}
