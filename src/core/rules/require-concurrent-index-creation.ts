import type { CreateIndexOperation, DropIndexOperation, MigrationFile } from '../model/migration';
import type { LintContext } from '../lint-context';
import { concurrentFix, describeTable, isTableCreatedEarlier, madeSafeByStrongMigrations, onRollback, severityOnTable } from './helpers';
import type { Finding, Rule } from './rule';

export const requireConcurrentIndexCreation: Rule = {
  meta: {
    id: 'require-concurrent-index-creation',
    summary: 'Build indexes on existing tables CONCURRENTLY, so writes are not blocked for the whole build.',
    defaultSeverity: 'warning',
    fixSafety: 'unsafe',
    honorsSafetyAssured: true,
    docs: {
      why:
        'A plain CREATE INDEX takes a SHARE lock on the table: every INSERT, UPDATE and DELETE waits until the ' +
        'build ends. On a table of tens of millions of rows that is minutes of failed requests. CREATE INDEX ' +
        'CONCURRENTLY builds the index while writes go on, at the cost of two table scans. Rails builds an index ' +
        'for `add_reference` / `add_belongs_to` / `t.references` by default (since Rails 5), so those count too, and so ' +
        'do column definitions with `index:` in `change_table` (`t.string :key, index: true`). A `remove_index` in ' +
        '`change` rebuilds its index when the migration is rolled back: without `algorithm: :concurrently` that ' +
        'rebuild blocks writes too, and the finding says it is the rollback (as it does in `down` methods). ' +
        'Helpers that build concurrently (GitLab\'s `add_concurrent_index`, online_migrations\' ' +
        '`add_reference_concurrently`) or only schedule the build (`add_index_in_background`, ' +
        '`prepare_async_index`) are not reported, nor, with strong_migrations\' `safe_by_default = true` in ' +
        '`config/initializers/strong_migrations.rb`, the `add_index` / `add_reference` calls it makes concurrent. ' +
        'Indexes on a table created earlier in the same migration (`create_table`, `create_join_table`) are ' +
        'not reported: the table is empty and nobody else uses it yet; neither is `CREATE INDEX ... ON ONLY` a ' +
        'partitioned table, which builds nothing (and cannot be CONCURRENTLY).',
      bad: {
        ruby:
          'class AddIndexToMessagesOnConversationId < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :conversation_id\n    add_reference :messages, :author\n  end\nend',
        sql: 'CREATE INDEX index_messages_on_conversation_id ON messages (conversation_id);',
        python:
          'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [("chat", "0001_initial")]\n\n    operations = [\n        migrations.AddIndex(\n            model_name="message",\n            index=models.Index(fields=["conversation"], name="chat_message_conversation_idx"),\n        ),\n    ]',
        typescript:
          'import { MigrationInterface, QueryRunner } from \'typeorm\';\n\nexport class AddMessagesConversationIndex1700000000000 implements MigrationInterface {\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(\'CREATE INDEX "IDX_messages_conversation_id" ON "messages" ("conversation_id")\');\n  }\n}',
        javascript:
          '// node-pg-migrate\nexports.up = (pgm) => {\n  pgm.createIndex(\'messages\', \'conversation_id\');\n};',
      },
      good: {
        ruby:
          'class AddIndexToMessagesOnConversationId < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :conversation_id, algorithm: :concurrently\n    add_reference :messages, :author, index: { algorithm: :concurrently }\n  end\nend',
        sql: 'CREATE INDEX CONCURRENTLY index_messages_on_conversation_id ON messages (conversation_id);',
        python:
          'from django.contrib.postgres.operations import AddIndexConcurrently\nfrom django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n\n    dependencies = [("chat", "0001_initial")]\n\n    operations = [\n        AddIndexConcurrently(\n            model_name="message",\n            index=models.Index(fields=["conversation"], name="chat_message_conversation_idx"),\n        ),\n    ]',
        typescript:
          'import { MigrationInterface, QueryRunner } from \'typeorm\';\n\nexport class AddMessagesConversationIndex1700000000000 implements MigrationInterface {\n  transaction = false;\n\n  public async up(queryRunner: QueryRunner): Promise<void> {\n    await queryRunner.query(\'CREATE INDEX CONCURRENTLY IF NOT EXISTS "IDX_messages_conversation_id" ON "messages" ("conversation_id")\');\n  }\n}',
        javascript:
          '// node-pg-migrate\nexports.up = (pgm) => {\n  pgm.noTransaction();\n  pgm.createIndex(\'messages\', \'conversation_id\', { concurrently: true, ifNotExists: true });\n};',
      },
      fix:
        'Adds `algorithm: :concurrently` to the call (for `add_reference`, inside its `index:` option) and, ' +
        'when missing, `disable_ddl_transaction!` at the top of the class (a concurrent build cannot run inside ' +
        'a transaction). Taking the migration out of its transaction changes how it runs, so the fix is offered ' +
        'but never applied by fix-all; when the migration already runs outside a transaction the fix only adds ' +
        'the option and is safe. Django: `AddIndex` becomes `AddIndexConcurrently` (imported from ' +
        '`django.contrib.postgres.operations`) and the class gets `atomic = False`; node-pg-migrate and Sequelize: ' +
        '`concurrently: true` in the options (plus `pgm.noTransaction()`); TypeORM: `isConcurrent: true` in the ' +
        '`TableIndex` given to `createIndex` (TypeORM 0.3.18 and later build it CONCURRENTLY) and `transaction = false` ' +
        'on the class; Knex, which builds no index concurrently: `table.index(columns[, name])` in an ' +
        '`await knex.schema.alterTable(...)` becomes `await knex.raw(\'CREATE INDEX CONCURRENTLY IF NOT EXISTS ...\')` ' +
        'after it (with the name Knex would give it), and `config = { transaction: false }`; SQL in `RunSQL`, ' +
        '`knex.raw` or `queryRunner.query`: CONCURRENTLY in the string. Django\'s `AddField` / `AlterField` whose ' +
        'field is indexed (`db_index=True`, a `ForeignKey`): the call becomes a `SeparateDatabaseAndState` whose ' +
        'state_operations keep it and whose database_operations add the field with `db_index=False`, then its ' +
        'index with `AddIndexConcurrently`. A `table.index` with options or in a returned chain, a `TableIndex` ' +
        'built elsewhere than in the call, and a field nested in a SeparateDatabaseAndState already have no ' +
        'concurrent form the fix could write: reported without a fix.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const findings: Finding[] = [];
    const operations = file.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      if (operation.kind === 'dropIndex') {
        if (rebuiltOnRollback(file, operation, context)) {
          findings.push({
            ruleId: this.meta.id,
            ...severityOnTable(this.meta.defaultSeverity, operation.table, context, `On rollback: this remove_index in \`change\` rebuilds the index on ${describeTable(operation.table)} without CONCURRENTLY: ${BLOCKED}`),
            range: operation.range,
            fixes: concurrentFix(file, operation, 'Drop the index, and rebuild it on rollback,'),
            operation,
          });
        }
        continue;
      }
      if (operation.kind !== 'createIndex' || operation.concurrent) continue;
      // ON ONLY builds nothing (the parent's index starts INVALID) and Postgres refuses CONCURRENTLY there.
      if (operation.onlyParent) continue;
      if (isTableCreatedEarlier(file, operation)) continue;
      if (madeSafeByStrongMigrations(file, operation, context)) continue;
      findings.push({
        ruleId: this.meta.id,
        ...severityOnTable(this.meta.defaultSeverity, operation.table, context, onRollback(operation, messageFor(operation))),
        range: operation.range,
        fixes: concurrentFix(file, operation, 'Build the index'),
        operation,
      });
    }
    return findings;
  },
};

const BLOCKED = 'writes to the table are blocked for the whole build.';

/**
 * A `remove_index` in `change` that Rails reverses into `add_index` with the same options: a
 * blocking build on rollback unless it says `algorithm: :concurrently`. Rails reverses it only
 * when it names the columns (`remove_index :t, :c` / `column:`); by name alone it is irreversible.
 */
function rebuiltOnRollback(file: MigrationFile, operation: DropIndexOperation, context: LintContext): boolean {
  if (operation.direction !== 'change' || operation.concurrent || operation.columns.length === 0) return false;
  if (operation.via !== 'remove_index' && operation.via !== 't.remove_index') return false;
  if (isTableCreatedEarlier(file, operation)) return false;
  return !madeSafeByStrongMigrations(file, operation, context);
}

function messageFor(operation: CreateIndexOperation): string {
  if (operation.via === 'add_reference' || operation.via === 't.references') {
    return `Reference "${operation.columns.join(', ')}" gets an index built without CONCURRENTLY on ${describeTable(operation.table)} (Rails indexes references by default): ${BLOCKED}`;
  }
  if (operation.via === 't.column') {
    return `Column "${operation.columns.join(', ')}" gets an index (index: option) built without CONCURRENTLY on ${describeTable(operation.table)}: ${BLOCKED}`;
  }
  // Django's AddField / AlterField: the field's own index, which the call cannot build concurrently.
  const method = operation.syntax?.kind === 'ormCall' ? operation.syntax.method : undefined;
  if (method === 'AddField' || method === 'AlterField') {
    return (
      `Field "${operation.columns.join(', ')}" gets an index built without CONCURRENTLY on ${describeTable(operation.table)} ` +
      `(db_index=True, or a ForeignKey, which Django indexes by default): ${BLOCKED} ${method} cannot build it concurrently: ` +
      'in a migration with atomic = False, give the database the field with db_index=False and the index with ' +
      'AddIndexConcurrently, inside SeparateDatabaseAndState (state_operations keep the field as the model declares it).'
    );
  }
  return `Index built without CONCURRENTLY on ${describeTable(operation.table)}: ${BLOCKED}`;
}
