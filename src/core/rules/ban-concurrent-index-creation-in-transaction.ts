import type { MigrationFile } from '../model/migration';
import type { LintContext } from '../lint-context';
import { LazyFix, type Fix } from '../fixes/fix';
import { canLeaveTransaction, leaveTransaction } from '../fixes/operation-edits';
import { madeSafeByStrongMigrations, runsInTransaction } from './helpers';
import type { Finding, Rule } from './rule';

export const banConcurrentIndexCreationInTransaction: Rule = {
  meta: {
    id: 'ban-concurrent-index-creation-in-transaction',
    summary: 'A concurrent index operation cannot run inside a transaction: the migration fails.',
    defaultSeverity: 'error',
    fixSafety: 'unsafe',
    // Not a judgement call: Postgres refuses the statement, safety_assured or not.
    honorsSafetyAssured: false,
    docs: {
      why:
        'CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY and REINDEX CONCURRENTLY refuse to run inside a ' +
        'transaction block ("cannot run inside a transaction block"). Rails wraps every migration in a ' +
        'transaction unless the class calls `disable_ddl_transaction!`, so `algorithm: :concurrently` without it ' +
        'fails at deploy time, as does one inside a `transaction do ... end` block. The same holds for GitLab\'s ' +
        '`add_concurrent_index` helpers and for SQL between BEGIN and COMMIT or in a runner that wraps each ' +
        'file in a transaction.',
      bad: {
        ruby:
          'class AddIndexToMessagesOnConversationId < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :conversation_id, algorithm: :concurrently\n  end\nend',
        sql: 'BEGIN;\nCREATE INDEX CONCURRENTLY index_messages_on_conversation_id ON messages (conversation_id);\nCOMMIT;',
        python:
          'from django.contrib.postgres.operations import AddIndexConcurrently\nfrom django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        AddIndexConcurrently("message", models.Index(fields=["conversation"], name="chat_message_conversation_idx")),\n    ]',
        javascript:
          '// Knex\nexports.up = (knex) => knex.raw(\'CREATE INDEX CONCURRENTLY IF NOT EXISTS messages_conversation_id_index ON messages (conversation_id)\');',
      },
      good: {
        ruby:
          'class AddIndexToMessagesOnConversationId < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :conversation_id, algorithm: :concurrently\n  end\nend',
        sql: 'CREATE INDEX CONCURRENTLY index_messages_on_conversation_id ON messages (conversation_id);',
        python:
          'from django.contrib.postgres.operations import AddIndexConcurrently\nfrom django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n\n    operations = [\n        AddIndexConcurrently("message", models.Index(fields=["conversation"], name="chat_message_conversation_idx")),\n    ]',
        javascript:
          '// Knex\nexports.config = { transaction: false };\n\nexports.up = (knex) => knex.raw(\'CREATE INDEX CONCURRENTLY IF NOT EXISTS messages_conversation_id_index ON messages (conversation_id)\');',
      },
      fix:
        'Adds `disable_ddl_transaction!` at the top of the class (SQL: the runner\'s no-transaction marker; ' +
        'Django: `atomic = False`; Knex: `exports.config = { transaction: false }`; TypeORM: `transaction = false`; ' +
        'node-pg-migrate: `pgm.noTransaction()`). ' +
        'The other statements of the migration then run outside a transaction too, so the fix is unsafe: ' +
        'offered, never applied by fix-all. An explicit `transaction do` block has to be taken apart by hand.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const findings: Finding[] = [];
    const operations = file.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      if (operation.kind !== 'createIndex' && operation.kind !== 'dropIndex' && operation.kind !== 'reindex') continue;
      if (!operation.concurrent) continue;
      // Scheduled: a background job builds it later, outside the migration and its transaction.
      if (operation.kind === 'createIndex' && operation.runsLater) continue;
      if (!operation.inTransactionBlock && !runsInTransaction(file, operation)) continue;
      // strong_migrations' safe_by_default commits the migration's transaction before the build.
      if (!operation.inTransactionBlock && madeSafeByStrongMigrations(file, operation, context)) continue;
      const where = operation.inTransactionBlock
        ? 'inside a transaction block'
        : file.dialect === 'rails'
          ? 'inside the migration\'s transaction (the class has no disable_ddl_transaction!)'
          : 'inside the migration\'s transaction';
      const fixes: Fix[] =
        !operation.inTransactionBlock && canLeaveTransaction(file, operation)
          ? [
              new LazyFix(file.dialect === 'rails' ? 'Add disable_ddl_transaction!' : 'Run this migration outside a transaction', 'unsafe', () => ({
                edits: [leaveTransaction(file, operation)!],
              })),
            ]
          : [];
      findings.push({
        ruleId: this.meta.id,
        severity: this.meta.defaultSeverity,
        message: `A concurrent index operation runs ${where}: Postgres refuses it and the migration fails.`,
        range: operation.range,
        fixes,
        operation,
      });
    }
    return findings;
  },
};
