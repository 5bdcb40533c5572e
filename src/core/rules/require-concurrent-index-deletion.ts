import type { MigrationFile } from '../model/migration';
import type { LintContext } from '../lint-context';
import { concurrentFix, describeTable, isTableCreatedEarlier, severityOnTable } from './helpers';
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
        'waits without blocking anyone.',
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
        'node-pg-migrate and Sequelize: `concurrently: true`. ' +
        'Leaving the transaction makes the fix unsafe: offered, never applied by fix-all.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const findings: Finding[] = [];
    const operations = file.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      if (operation.kind !== 'dropIndex' || operation.concurrent) continue;
      if (isTableCreatedEarlier(file, operation)) continue;
      findings.push({
        ruleId: this.meta.id,
        ...severityOnTable(this.meta.defaultSeverity, operation.table, context, `Index dropped without CONCURRENTLY on ${describeTable(operation.table)}: the drop waits for an ACCESS EXCLUSIVE lock and every query on the table queues behind it.`),
        range: operation.range,
        fixes: concurrentFix(file, operation, 'Drop the index'),
        operation,
      });
    }
    return findings;
  },
};
