import type { MigrationFile } from '../model/migration';
import { tableSize, type LintContext } from '../lint-context';
import { LazyFix, type Fix } from '../fixes/fix';
import { canSplitMigration, splitMigration } from '../fixes/operation-edits';
import { indexOperationsOnExistingTables, normalizeTable, type IndexOperation } from './helpers';
import type { Finding, Rule } from './rule';

export const oneLargeTablePerMigration: Rule = {
  meta: {
    id: 'one-large-table-per-migration',
    summary: 'Index one existing table per migration, so a failure or a slow build on one table does not hold up the others.',
    defaultSeverity: 'hint',
    fixSafety: 'unsafe',
    honorsSafetyAssured: true,
    docs: {
      why:
        'Index builds on large tables take minutes to hours each. Packed into one migration they run one after ' +
        'the other in a single deploy step: the deploy lasts as long as all of them, a failure on the third ' +
        'table leaves the first two done and the migration half applied (retried from the start), and nobody ' +
        'can ship or roll back one table\'s index without the others. One migration per table keeps each step ' +
        'short and independently retryable. Reported as a hint for any two existing tables, and as a warning ' +
        'when two or more of them are known to be large (`largeTables` setting or row estimates from the ' +
        'database).',
      bad: {
        ruby:
          'class AddAccountIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :account_id, algorithm: :concurrently\n    add_index :contacts, :account_id, algorithm: :concurrently\n  end\nend',
        sql: 'CREATE INDEX CONCURRENTLY index_messages_on_account_id ON messages (account_id);\nCREATE INDEX CONCURRENTLY index_contacts_on_account_id ON contacts (account_id);',
      },
      good: {
        ruby:
          '# db/migrate/20240101000000_add_account_indexes.rb\nclass AddAccountIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :account_id, algorithm: :concurrently\n  end\nend\n\n# db/migrate/20240101000001_add_account_indexes_on_contacts.rb\nclass AddAccountIndexesOnContacts < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :contacts, :account_id, algorithm: :concurrently\n  end\nend',
        sql: '-- 001_messages_account_id.sql\nCREATE INDEX CONCURRENTLY index_messages_on_account_id ON messages (account_id);\n\n-- 002_contacts_account_id.sql\nCREATE INDEX CONCURRENTLY index_contacts_on_account_id ON contacts (account_id);',
      },
      fix:
        'Splits the migration: the operations on the first table stay, those on each other table move to a ' +
        'new migration file with the next free version number and a class name ending in the table name ' +
        '(comment lines right above a moved statement move with it). Only offered when every moved operation is ' +
        'a statement of its own directly in `change`/`up`/`down`. Creating files is never done by fix-all.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const operations = indexOperationsOnExistingTables(file);
    if (!indexesTwoTables(operations)) return [];
    // Groups in first-seen order, kept in an array as they are made (no Map iterator), and the
    // tables' names listed with indexed loops rather than filter()/map() closures: lint() runs cold.
    const byTable = new Map<string, { table: string; operations: IndexOperation[] }>();
    const groups: Array<{ table: string; operations: IndexOperation[] }> = [];
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      if (operation.table === null) continue;
      const key = normalizeTable(operation.table);
      let group = byTable.get(key);
      if (!group) {
        group = { table: operation.table, operations: [] };
        byTable.set(key, group);
        groups.push(group);
      }
      group.operations.push(operation);
    }
    const tables: string[] = [];
    const large: string[] = [];
    for (let i = 0; i < groups.length; i++) {
      const table = groups[i]!.table;
      tables.push(table);
      if (tableSize(table, context) === 'large') large.push(table);
    }
    const second = groups[1]!.operations[0]!;
    const message =
      large.length >= 2
        ? `This migration indexes ${large.length} large tables (${large.join(', ')}): split it into one migration per table, so each build can fail and be retried on its own.`
        : `This migration indexes ${groups.length} existing tables (${tables.join(', ')}): prefer one migration per table.`;
    return [
      {
        ruleId: this.meta.id,
        severity: large.length >= 2 ? 'warning' : this.meta.defaultSeverity,
        message,
        range: second.range,
        fixes: fixesFor(file, groups, context.versionFolderEntries),
        operation: second,
      },
    ];
  },
};

/** Do the operations touch two different tables? Most migrations index one table, or none. */
function indexesTwoTables(operations: readonly IndexOperation[]): boolean {
  let first: string | null = null;
  for (let i = 0; i < operations.length; i++) {
    const operation = operations[i]!;
    if (operation.table === null) continue;
    // Equal names are the same table whatever normalizeTable does; only different ones need it.
    if (first === null) first = operation.table;
    else if (operation.table !== first && normalizeTable(operation.table) !== normalizeTable(first)) return true;
  }
  return false;
}

function fixesFor(file: MigrationFile, groups: Array<{ table: string; operations: IndexOperation[] }>, folderEntries: readonly string[] | undefined): Fix[] {
  if (!canSplitMigration(file, groups)) return [];
  // One new file per group after the first, written only when someone reads the fix: writing
  // them costs more than the rest of the lint.
  const count = groups.length - 1;
  return [
    new LazyFix(
      `Split into one migration per table (moves ${count === 1 ? 'one table' : `${count} tables`} to new migration files)`,
      'unsafe',
      () => splitMigration(file, groups, folderEntries)!,
      undefined,
      true,
    ),
  ];
}
