import type { AddUniqueConstraintOperation, MigrationFile } from '../model/migration';
import type { LintContext } from '../lint-context';
import type { Fix } from '../fixes/fix';
import { buildUniqueIndexFirst, leaveTransaction } from '../fixes/operation-edits';
import { describeTable, isTableCreatedEarlier, severityForTable } from './helpers';
import type { Finding, Rule } from './rule';

export const disallowedUniqueConstraint: Rule = {
  meta: {
    id: 'disallowed-unique-constraint',
    summary: 'Add UNIQUE / PRIMARY KEY constraints to existing tables USING INDEX an index built concurrently first.',
    defaultSeverity: 'warning',
    fixSafety: 'unsafe',
    honorsSafetyAssured: true,
    docs: {
      why:
        'ALTER TABLE ... ADD CONSTRAINT ... UNIQUE (Rails 7.1: `add_unique_constraint`) builds the constraint\'s ' +
        'index while holding an ACCESS EXCLUSIVE lock: no reads, no writes on the table for the whole build. ' +
        'Build a unique index concurrently first, then attach it with `USING INDEX` (`using_index:`), which only ' +
        'needs the lock for a moment.',
      bad: {
        ruby:
          'class AddUniqueConstraintToContactsEmail < ActiveRecord::Migration[7.1]\n  def change\n    add_unique_constraint :contacts, [:account_id, :email]\n  end\nend',
        sql: 'ALTER TABLE contacts ADD CONSTRAINT contacts_account_id_email_key UNIQUE (account_id, email);',
      },
      good: {
        ruby:
          'class AddUniqueConstraintToContactsEmail < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :contacts, [:account_id, :email], unique: true, name: "index_contacts_on_account_id_and_email", algorithm: :concurrently, if_not_exists: true\n    add_unique_constraint :contacts, [:account_id, :email], using_index: "index_contacts_on_account_id_and_email"\n  end\nend',
        sql: 'CREATE UNIQUE INDEX CONCURRENTLY contacts_account_id_email_key ON contacts (account_id, email);\nALTER TABLE contacts ADD CONSTRAINT contacts_account_id_email_key UNIQUE USING INDEX contacts_account_id_email_key;',
      },
      fix:
        'Inserts a concurrent unique `add_index` on the same columns before the call, adds `using_index:` ' +
        'naming it, and `disable_ddl_transaction!` when missing. Leaving the transaction makes the fix unsafe: ' +
        'offered, never applied by fix-all.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const findings: Finding[] = [];
    for (const operation of file.operations) {
      if (operation.kind !== 'addUniqueConstraint' || operation.usingIndex !== null) continue;
      if (isTableCreatedEarlier(file, operation)) continue;
      const what = operation.primaryKey ? 'PRIMARY KEY' : 'UNIQUE';
      findings.push({
        ruleId: this.meta.id,
        severity: severityForTable(this.meta.defaultSeverity, operation.table, context),
        message: `${what} constraint on ${describeTable(operation.table)} builds its index under an ACCESS EXCLUSIVE lock: no reads or writes for the whole build. Build a unique index concurrently and add the constraint USING INDEX.`,
        range: operation.range,
        fixes: fixesFor(file, operation),
        operation,
      });
    }
    return findings;
  },
};

function fixesFor(file: MigrationFile, operation: AddUniqueConstraintOperation): Fix[] {
  if (operation.primaryKey || operation.inTransactionBlock || operation.table === null) return [];
  const columns = operation.columns ?? [];
  // Rails' own default index name, so the index reads like one add_index would have made.
  const indexName = operation.name ?? `index_${operation.table}_on_${columns.join('_and_')}`;
  const edits = buildUniqueIndexFirst(file, operation, indexName);
  if (!edits) return [];
  const leave = file.runsInTransaction ? leaveTransaction(file) : null;
  if (file.runsInTransaction && !leave) return [];
  return [
    {
      title: 'Build the unique index concurrently first, then add the constraint USING INDEX',
      safety: leave ? 'unsafe' : 'safe',
      edits: leave ? [leave, ...edits] : edits,
    },
  ];
}
