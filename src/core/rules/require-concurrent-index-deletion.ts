import type { DropColumnOperation, MigrationFile } from '../model/migration';
import type { LintContext } from '../lint-context';
import { LazyFix, type Fix } from '../fixes/fix';
import { canDropIndexesFirst, dropIndexesFirst, type IndexOnColumn } from '../fixes/operation-edits';
import {
  concurrentFix,
  describeTable,
  exitEdits,
  isTableCreatedEarlier,
  madeSafeByStrongMigrations,
  normalizeTable,
  onRollback,
  runTogether,
  severityOnTable,
  transactionExit,
} from './helpers';
import { createdIndexName, droppedIndexName, indexesOnTable, railsDefaultIndexName } from './database-indexes';
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
        python:
          'from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.RemoveIndex(model_name="message", name="chat_message_conversation_idx"),\n    ]',
        typescript:
          '// Knex\nimport type { Knex } from \'knex\';\n\nexport async function up(knex: Knex): Promise<void> {\n  await knex.schema.alterTable(\'messages\', (table) => {\n    table.dropIndex([\'conversation_id\']);\n  });\n}',
        javascript:
          '// Sequelize\nmodule.exports = {\n  async up(queryInterface) {\n    await queryInterface.removeIndex(\'messages\', \'messages_conversation_id\');\n  },\n};',
      },
      good: {
        ruby:
          'class RemoveIndexOnMessagesState < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    remove_index :messages, :state, algorithm: :concurrently\n  end\nend',
        sql: 'DROP INDEX CONCURRENTLY index_messages_on_state;',
        python:
          'from django.contrib.postgres.operations import RemoveIndexConcurrently\nfrom django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n\n    operations = [\n        RemoveIndexConcurrently(model_name="message", name="chat_message_conversation_idx"),\n    ]',
        typescript:
          '// Knex\nimport type { Knex } from \'knex\';\n\nexport const config = { transaction: false };\n\nexport async function up(knex: Knex): Promise<void> {\n  await knex.raw(\'DROP INDEX CONCURRENTLY IF EXISTS messages_conversation_id_index\');\n}',
        javascript:
          '// Sequelize\nmodule.exports = {\n  async up(queryInterface) {\n    await queryInterface.removeIndex(\'messages\', \'messages_conversation_id\', { concurrently: true });\n  },\n};',
      },
      fix:
        'Adds `algorithm: :concurrently` (SQL: CONCURRENTLY) and, when missing, `disable_ddl_transaction!`. ' +
        'Django: `RemoveIndex` becomes `RemoveIndexConcurrently` with its import and `atomic = False`; ' +
        'node-pg-migrate and Sequelize: `concurrently: true`; TypeORM: `isConcurrent: true` in the `TableIndex` given ' +
        'to `dropIndex` (a drop by name alone cannot say it: no fix) and `transaction = false`; Knex: `table.dropIndex` ' +
        'in an `await knex.schema.alterTable(...)` becomes `await knex.raw(\'DROP INDEX CONCURRENTLY IF EXISTS ...\')` ' +
        'before it (the index named as Knex names it, in its table\'s schema) and `config = { transaction: false }`. ' +
        'Leaving the transaction makes the fix unsafe: offered, never applied by fix-all. For a removed column, ' +
        'the fix drops its known indexes concurrently on the lines before (`remove_index ..., column:, name:, ' +
        'algorithm: :concurrently`, reversible in `change`; SQL `DROP INDEX CONCURRENTLY IF EXISTS`).',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const findings: Finding[] = [];
    const operations = file.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      if (operation.kind === 'dropColumn') {
        if (isTableCreatedEarlier(file, operation)) continue;
        const known = indexesOnColumns(file, operation, context);
        if (known.length === 0) continue;
        const indexes = known.map((index) => (index.name === null ? `the index on (${index.columns.join(', ')})` : `"${index.name}"`));
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
          fixes: dropFirstFix(file, operation, known),
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
 * The indexes that hold one of the removed columns (anywhere in their key), as the connected
 * database, else db/schema.rb / structure.sql, and earlier creations in this migration know them.
 * Indexes this migration already dropped before are left out; `name` is null when unknown.
 */
function indexesOnColumns(file: MigrationFile, operation: DropColumnOperation, context: LintContext): Array<{ name: string | null } & Omit<IndexOnColumn, 'name'>> {
  if (operation.table === null) return [];
  const table = normalizeTable(operation.table);
  const removed = new Set(operation.columns.filter((c) => c !== '?').map((c) => c.toLowerCase()));
  if (removed.size === 0) return [];
  const touches = (columns: readonly string[]) => columns.some((c) => removed.has(c.toLowerCase()));
  const found: Array<{ name: string | null } & Omit<IndexOnColumn, 'name'>> = [];
  const add = (name: string | null, columns: readonly string[], unique: boolean, where: string | null) => {
    if (name === null || !found.some((f) => f.name === name)) found.push({ name, columns, unique, where });
  };
  const databaseIndexes = context.database?.indexes;
  if (databaseIndexes) {
    for (const index of indexesOnTable(databaseIndexes, operation.table)) if (touches(index.columns)) add(index.name, index.columns, index.unique, index.predicate);
  } else {
    for (const index of context.schema?.indexes ?? []) {
      if (normalizeTable(index.table) === table && touches(index.columns)) add(index.name ?? railsDefaultIndexName(index.table, index.columns), index.columns, index.unique, index.where);
    }
  }
  const dropped = new Set<string>();
  for (const other of file.operations) {
    if (other.range.start >= operation.range.start || !runTogether(other.direction, operation.direction)) continue;
    if (other.table === null || normalizeTable(other.table) !== table) continue;
    if (other.kind === 'createIndex' && touches(other.columns)) add(createdIndexName(other), other.columns, other.unique, other.where);
    if (other.kind === 'dropIndex') {
      const name = droppedIndexName(other);
      if (name !== null) dropped.add(name);
    }
  }
  return found.filter((index) => index.name === null || !dropped.has(index.name));
}

/** Drop the indexes concurrently first (they all need a name), leaving the transaction when the migration has one. */
function dropFirstFix(file: MigrationFile, operation: DropColumnOperation, indexes: ReadonlyArray<{ name: string | null } & Omit<IndexOnColumn, 'name'>>): Fix[] {
  if (indexes.some((index) => index.name === null)) return [];
  const named = indexes as IndexOnColumn[];
  const exit = transactionExit(file, operation);
  if (!exit || !canDropIndexesFirst(file, operation, named)) return [];
  const leaving = !exit.leaves ? '' : exit.automatic ? '; the runner then runs the whole script outside a transaction' : ' and take the migration out of its transaction';
  return [
    new LazyFix(`Drop ${named.length === 1 ? 'the index' : 'the indexes'} concurrently first${leaving}`, exit.leaves ? 'unsafe' : 'safe', () => ({
      edits: [...exitEdits(file, operation, exit), dropIndexesFirst(file, operation, named)!],
    })),
  ];
}
