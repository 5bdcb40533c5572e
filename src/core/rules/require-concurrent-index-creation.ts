import type { CreateIndexOperation, MigrationFile } from '../model/migration';
import type { LintContext } from '../lint-context';
import type { Fix } from '../fixes/fix';
import { leaveTransaction, makeConcurrent } from '../fixes/operation-edits';
import { describeTable, isTableCreatedEarlier, severityForTable } from './helpers';
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
        'CONCURRENTLY builds the index while writes go on, at the cost of two table scans.',
      bad: {
        ruby: 'class AddIndexToMessagesOnConversationId < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :conversation_id\n  end\nend',
        sql: 'CREATE INDEX index_messages_on_conversation_id ON messages (conversation_id);',
      },
      good: {
        ruby: 'class AddIndexToMessagesOnConversationId < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :conversation_id, algorithm: :concurrently\n  end\nend',
        sql: 'CREATE INDEX CONCURRENTLY index_messages_on_conversation_id ON messages (conversation_id);',
      },
      fix:
        'Adds `algorithm: :concurrently` to the call and, when missing, `disable_ddl_transaction!` at the top of ' +
        'the class (a concurrent build cannot run inside a transaction). Taking the migration out of its ' +
        'transaction changes how it runs, so the fix is offered but never applied by fix-all.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const findings: Finding[] = [];
    for (const operation of file.operations) {
      if (operation.kind !== 'createIndex' || operation.concurrent) continue;
      if (isTableCreatedEarlier(file, operation)) continue;
      findings.push({
        ruleId: this.meta.id,
        severity: severityForTable(this.meta.defaultSeverity, operation.table, context),
        message: `Index built without CONCURRENTLY on ${describeTable(operation.table)}: writes to the table are blocked for the whole build.`,
        range: operation.range,
        fixes: fixesFor(file, operation),
        operation,
      });
    }
    return findings;
  },
};

function fixesFor(file: MigrationFile, operation: CreateIndexOperation): Fix[] {
  const concurrently = makeConcurrent(file, operation);
  if (!concurrently) return [];
  const leave = file.runsInTransaction ? leaveTransaction(file) : null;
  if (file.runsInTransaction && !leave) return [];
  const what = file.dialect === 'rails' ? 'add algorithm: :concurrently' : 'add CONCURRENTLY';
  return [
    {
      title: leave
        ? `Build the index concurrently (${what} and take the migration out of its transaction)`
        : `Build the index concurrently (${what})`,
      // Leaving the transaction changes how the whole migration runs: never automatic.
      safety: leave ? 'unsafe' : 'safe',
      edits: leave ? [leave, concurrently] : [concurrently],
    },
  ];
}
