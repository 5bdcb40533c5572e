import type { MigrationFile } from '../model/migration';
import type { LintContext } from '../lint-context';
import { concurrentFix, describeTable, severityOnTable } from './helpers';
import { databaseIndexNamed } from './database-indexes';
import type { Finding, Rule } from './rule';

export const requireConcurrentReindex: Rule = {
  meta: {
    id: 'require-concurrent-reindex',
    summary: 'REINDEX CONCURRENTLY, so the table stays writable (and the index readable) during the rebuild.',
    defaultSeverity: 'warning',
    fixSafety: 'unsafe',
    honorsSafetyAssured: true,
    docs: {
      why:
        'A plain REINDEX locks out writes to the table and takes an ACCESS EXCLUSIVE lock on the index being ' +
        'rebuilt, so every query that would use it waits too, for the whole rebuild. REINDEX CONCURRENTLY ' +
        '(Postgres 12+) builds a new copy next to the old one and swaps them with only short locks.',
      bad: {
        ruby:
          'class RebuildMessagesIndex < ActiveRecord::Migration[7.1]\n  def up\n    execute "REINDEX INDEX index_messages_on_conversation_id"\n  end\nend',
        sql: 'REINDEX INDEX index_messages_on_conversation_id;',
      },
      good: {
        ruby:
          'class RebuildMessagesIndex < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def up\n    execute "REINDEX INDEX CONCURRENTLY index_messages_on_conversation_id"\n  end\nend',
        sql: 'REINDEX INDEX CONCURRENTLY index_messages_on_conversation_id;',
      },
      fix:
        'Inserts CONCURRENTLY and, when missing, takes the migration out of its transaction ' +
        '(`disable_ddl_transaction!`), which makes the fix unsafe: offered, never applied by fix-all. ' +
        'Connected to a server before PostgreSQL 12, which has no REINDEX CONCURRENTLY, the finding says to build a ' +
        'replacement index concurrently instead, and offers no fix.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const findings: Finding[] = [];
    const operations = file.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      // REINDEX SYSTEM has no concurrent form.
      if (operation.kind !== 'reindex' || operation.concurrent || operation.target === 'system') continue;
      // REINDEX INDEX names no table: the connected database knows whose index it is.
      const table = operation.table ?? (operation.target === 'index' ? tableOfIndex(operation.name, context) : null);
      const subject =
        operation.target === 'index'
          ? `index ${operation.name ?? ''}`.trim() + (table === null ? '' : ` on ${describeTable(table)}`)
          : describeTable(operation.table ?? operation.name);
      findings.push({
        ruleId: this.meta.id,
        ...severityOnTable(this.meta.defaultSeverity, table, context, beforeConcurrentReindex(context)
          ? `REINDEX on ${subject} blocks writes for the whole rebuild, and this server (before PostgreSQL 12) has no REINDEX CONCURRENTLY: build a replacement with CREATE INDEX CONCURRENTLY, then drop the old index concurrently.`
          : `REINDEX without CONCURRENTLY on ${subject}: writes to the table and queries using the index wait for the whole rebuild.`),
        range: operation.range,
        // Inserting CONCURRENTLY would only make the migration fail on such a server.
        fixes: beforeConcurrentReindex(context) ? [] : concurrentFix(file, operation, 'Rebuild'),
        operation,
      });
    }
    return findings;
  },
};

/** The table of the database index `name` (schema-qualified or not); null when the database is not connected or has no such index. */
function tableOfIndex(name: string | null, context: LintContext): string | null {
  if (name === null || !context.database?.indexes) return null;
  const dot = name.lastIndexOf('.');
  const index = databaseIndexNamed(context.database.indexes, dot === -1 ? name : name.slice(dot + 1), null);
  return index === undefined ? null : index.table;
}

/** The connected server predates REINDEX CONCURRENTLY (PostgreSQL 12). Unknown: assume it has it. */
function beforeConcurrentReindex(context: LintContext): boolean {
  const version = context.database?.serverVersionNum;
  return version !== undefined && version < 120000;
}
