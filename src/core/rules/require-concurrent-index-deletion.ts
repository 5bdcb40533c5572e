import type { DropColumnOperation, MigrationFile } from '../model/migration';
import type { LintContext } from '../lint-context';
import { concurrentFix, describeTable, isTableCreatedEarlier, madeSafeByStrongMigrations, normalizeTable, onRollback, runTogether, severityOnTable } from './helpers';
import { createdIndexName, droppedIndexName, isOnTable } from './database-indexes';
import type { Finding, Rule } from './rule';

export const requireConcurrentIndexDeletion: Rule = {
  meta: {
    id: 'require-concurrent-index-deletion',
    summary: 'Drop indexes on existing tables CONCURRENTLY, so reads and writes do not queue behind the drop.',
    defaultSeverity: 'warning',
    fixSafety: 'unsafe',
    honorsSafetyAssured: true,
    docs: {
      why:
        'DROP INDEX takes an ACCESS EXCLUSIVE lock on the table. The drop itself is quick, but it has to wait for ' +
        'every running query on the table to finish, and while it waits every new query, reads included, queues ' +
        'behind it. One slow report on the table is enough to stall the application. DROP INDEX CONCURRENTLY ' +
        'waits without blocking anyone. Removing a column (`remove_column`, `remove_columns`, `remove_reference`, ' +
        '`t.remove`, `ALTER TABLE ... DROP COLUMN`) drops every index on it the same way, under the ALTER TABLE\'s ' +
        'ACCESS EXCLUSIVE lock: reported when the index is known, from db/schema.rb / db/structure.sql, an index ' +
        'created earlier in the migration, or the connected database. With strong_migrations\' ' +
        '`safe_by_default = true`, `remove_index` is made concurrent at run time and not reported.',
      bad: {
        ruby: 'class RemoveIndexOnMessagesState < ActiveRecord::Migration[7.1]\n  def change\n    remove_index :messages, :state\n  end\nend',
        sql: 'DROP INDEX index_messages_on_state;',
      },
      good: {
        ruby:
          'class RemoveIndexOnMessagesState < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    remove_index :messages, :state, algorithm: :concurrently\n  end\nend',
        sql: 'DROP INDEX CONCURRENTLY index_messages_on_state;',
      },
      fix:
        'Adds `algorithm: :concurrently` (SQL: CONCURRENTLY) and, when missing, `disable_ddl_transaction!`. ' +
        'Leaving the transaction makes the fix unsafe: offered, never applied by fix-all. A removed column\'s ' +
        'indexes get no fix: drop them first with `remove_index ..., algorithm: :concurrently`.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const findings: Finding[] = [];
    const operations = file.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      if (operation.kind === 'dropColumn') {
        if (isTableCreatedEarlier(file, operation)) continue;
        const indexes = indexesOnColumns(file, operation, context);
        if (indexes.length === 0) continue;
        const columns = operation.columns.map((c) => `"${c}"`).join(', ');
        findings.push({
          ruleId: this.meta.id,
          ...severityOnTable(
            this.meta.defaultSeverity,
            operation.table,
            context,
            onRollback(
              operation,
              `Removing ${columns} from ${describeTable(operation.table)} also drops ${indexes.length === 1 ? 'its index' : 'its indexes'} ${indexes.join(', ')} without CONCURRENTLY, under an ACCESS EXCLUSIVE lock every query on the table queues behind: drop ${indexes.length === 1 ? 'it' : 'them'} concurrently first.`,
            ),
          ),
          range: operation.range,
          fixes: [],
          operation,
        });
        continue;
      }
      if (operation.kind !== 'dropIndex' || operation.concurrent) continue;
      if (isTableCreatedEarlier(file, operation)) continue;
      if (madeSafeByStrongMigrations(file, operation, context)) continue;
      findings.push({
        ruleId: this.meta.id,
        ...severityOnTable(this.meta.defaultSeverity, operation.table, context, onRollback(operation, `Index dropped without CONCURRENTLY on ${describeTable(operation.table)}: the drop waits for an ACCESS EXCLUSIVE lock and every query on the table queues behind it.`)),
        range: operation.range,
        fixes: concurrentFix(file, operation, 'Drop the index'),
        operation,
      });
    }
    return findings;
  },
};

/**
 * The names of the indexes that hold one of the removed columns (anywhere in their key), as
 * db/schema.rb / structure.sql, the connected database, or an earlier creation in this migration
 * knows them. Indexes this migration already dropped before are left out.
 */
function indexesOnColumns(file: MigrationFile, operation: DropColumnOperation, context: LintContext): string[] {
  if (operation.table === null) return [];
  const table = normalizeTable(operation.table);
  const removed = new Set(operation.columns.filter((c) => c !== '?').map((c) => c.toLowerCase()));
  if (removed.size === 0) return [];
  const touches = (columns: readonly string[]) => columns.some((c) => removed.has(c.toLowerCase()));
  const names: string[] = [];
  const add = (name: string | null, columns: readonly string[]) => {
    const shown = name ?? `the index on (${columns.join(', ')})`;
    if (!names.includes(shown)) names.push(shown);
  };
  for (const index of context.database?.indexes ?? []) {
    if (isOnTable(index, operation.table) && touches(index.columns)) add(index.name, index.columns);
  }
  if (!context.database?.indexes) {
    for (const index of context.schema?.indexes ?? []) {
      if (normalizeTable(index.table) === table && touches(index.columns)) add(index.name ?? `index_${index.table}_on_${index.columns.join('_and_')}`, index.columns);
    }
  }
  const dropped = new Set<string>();
  for (const other of file.operations) {
    if (other.range.start >= operation.range.start || !runTogether(other.direction, operation.direction)) continue;
    if (other.table === null || normalizeTable(other.table) !== table) continue;
    if (other.kind === 'createIndex' && touches(other.columns)) add(createdIndexName(other), other.columns);
    if (other.kind === 'dropIndex') {
      const name = droppedIndexName(other);
      if (name !== null) dropped.add(name);
    }
  }
  return names.filter((name) => !dropped.has(name)).map((name) => `"${name}"`);
}
