import type { MigrationFile } from '../model/migration';
import { describeIndexBuild, type LintContext } from '../lint-context';
import { createdIndexName, databaseIndexNamed, handledEarlier } from './database-indexes';
import { sqlIdentifier } from '../fixes/sql-edits';
import type { Finding, Rule } from './rule';

export const invalidIndexExists: Rule = {
  meta: {
    id: 'invalid-index-exists',
    summary: 'The index this migration creates already exists in the connected database as INVALID.',
    defaultSeverity: 'error',
    fixSafety: 'none',
    // Not a judgement call: the database already holds the broken index.
    honorsSafetyAssured: false,
    docs: {
      why:
        'A concurrent index build that fails (a deadlock, a unique violation, a statement_timeout, a deploy ' +
        'that was killed) leaves its index behind, marked INVALID: Postgres keeps updating it on every write ' +
        'but never uses it for reads. Retrying the migration then goes wrong either way. With `if_not_exists: ' +
        'true` / IF NOT EXISTS, Postgres sees an index of that name and skips the statement with a notice: the ' +
        'migration "succeeds" and the application runs without the index it was meant to get. Without it, ' +
        'the retry fails with "relation already exists". Only checked when the linter is connected to a ' +
        'database, which tells which indexes exist and whether they are valid. An index being built ' +
        'concurrently right now is INVALID too until the build ends: it is reported as being built (phase and ' +
        'percent, from pg_stat_progress_create_index), as info, and never offered for a drop. Index names are the ones given, or ' +
        'Rails\' default `index_<table>_on_<col1>_and_<col2>`.',
      assumes: 'a connected database in which `index_messages_on_conversation_id` exists as INVALID (a concurrent build of it failed).',
      bad: {
        ruby:
          'class AddIndexToMessagesOnConversationId < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :conversation_id, algorithm: :concurrently, if_not_exists: true\n  end\nend',
        sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS index_messages_on_conversation_id ON messages (conversation_id);',
      },
      good: {
        ruby:
          'class AddIndexToMessagesOnConversationId < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def up\n    remove_index :messages, :conversation_id, algorithm: :concurrently, if_exists: true\n    add_index :messages, :conversation_id, algorithm: :concurrently, if_not_exists: true\n  end\n\n  def down\n    remove_index :messages, :conversation_id, algorithm: :concurrently, if_exists: true\n  end\nend',
        sql:
          'DROP INDEX CONCURRENTLY IF EXISTS index_messages_on_conversation_id;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS index_messages_on_conversation_id ON messages (conversation_id);',
      },
      fix:
        'No text fix: the problem is in the database, not in the file. Drop the invalid index concurrently ' +
        '(`DROP INDEX CONCURRENTLY <name>`; the extension offers a command that does it, with a confirmation) ' +
        'and run the migration again, or rebuild it in place with REINDEX INDEX CONCURRENTLY. A migration that ' +
        'drops or reindexes the index before creating it is not reported.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const indexes = context.database?.indexes;
    if (!indexes?.length) return [];
    const findings: Finding[] = [];
    const operations = file.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      // A rollback re-creates what `up` dropped: the database state now says nothing about it.
      if (operation.kind !== 'createIndex' || operation.direction === 'down' || operation.onlyParent) continue;
      const name = createdIndexName(operation);
      if (name === null) continue;
      const existing = databaseIndexNamed(indexes, name, operation.table);
      // A partitioned parent's index stays INVALID until every partition's index is attached.
      if (!existing || existing.valid || existing.partitioned) continue;
      if (handledEarlier(file, operation, name)) continue;
      if (existing.building) {
        // INVALID only until the build ends: no leftover, nothing to drop (a drop would kill the build's work).
        findings.push({
          ruleId: this.meta.id,
          severity: 'info',
          message:
            `Index "${existing.name}" is being built now (${describeIndexBuild(existing.building)}): it is INVALID only until that build ends, not a leftover. ` +
            `Let the build finish before this migration runs; do not drop it.`,
          range: operation.range,
          fixes: [],
          operation,
          databaseIndex: existing,
        });
        continue;
      }
      const qualified = `${sqlIdentifier(existing.schema)}.${sqlIdentifier(existing.name)}`;
      const outcome = operation.ifNotExists
        ? `${operation.syntax?.kind === 'railsCall' ? 'if_not_exists: true' : 'IF NOT EXISTS'} skips it silently: the migration "succeeds" and no usable index is built`
        : 'the migration fails with "relation already exists"';
      findings.push({
        ruleId: this.meta.id,
        severity: this.meta.defaultSeverity,
        message:
          `Index "${existing.name}" already exists in the database as INVALID (a failed concurrent build left it, unless one is running now): ` +
          `${outcome}. Drop it concurrently (DROP INDEX CONCURRENTLY ${qualified}) and run the migration again.`,
        range: operation.range,
        fixes: [],
        operation,
        databaseIndex: existing,
      });
    }
    return findings;
  },
};

