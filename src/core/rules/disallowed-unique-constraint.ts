import type { AddUniqueConstraintOperation, MigrationFile } from '../model/migration';
import type { LintContext } from '../lint-context';
import { LazyFix, type Fix } from '../fixes/fix';
import { buildUniqueIndexFirst, canBuildUniqueIndexFirst } from '../fixes/operation-edits';
import { describeTable, exitEdits, isTableCreatedEarlier, severityOnTable, transactionExit } from './helpers';
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
          'class AddUniqueConstraintToContactsEmail < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :contacts, [:account_id, :email], unique: true, name: "contacts_account_id_email_key", algorithm: :concurrently, if_not_exists: true\n    add_unique_constraint :contacts, [:account_id, :email], using_index: "contacts_account_id_email_key"\n  end\nend',
        sql: 'CREATE UNIQUE INDEX CONCURRENTLY contacts_account_id_email_key ON contacts (account_id, email);\nALTER TABLE contacts ADD CONSTRAINT contacts_account_id_email_key UNIQUE USING INDEX contacts_account_id_email_key;',
      },
      fix:
        'Inserts a concurrent unique `add_index` on the same columns before the call (SQL: CREATE UNIQUE INDEX ' +
        'CONCURRENTLY), adds `using_index:` (USING INDEX) naming it, and `disable_ddl_transaction!` (the ' +
        'runner\'s no-transaction marker) when missing. The index takes the constraint\'s name, or the name ' +
        'Postgres would have given the constraint (`<table>_<columns>_key`), so the constraint ends up named ' +
        'the same. Leaving the transaction makes the fix unsafe: offered, never applied by fix-all.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const findings: Finding[] = [];
    const operations = file.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      if (operation.kind !== 'addUniqueConstraint' || operation.usingIndex !== null) continue;
      if (isTableCreatedEarlier(file, operation)) continue;
      const what = operation.primaryKey ? 'PRIMARY KEY' : 'UNIQUE';
      findings.push({
        ruleId: this.meta.id,
        ...severityOnTable(this.meta.defaultSeverity, operation.table, context, `${what} constraint on ${describeTable(operation.table)} builds its index under an ACCESS EXCLUSIVE lock: no reads or writes for the whole build. Build a unique index concurrently and add the constraint USING INDEX.`),
        range: operation.range,
        fixes: fixesFor(file, operation),
        operation,
      });
    }
    return findings;
  },
};

function fixesFor(file: MigrationFile, operation: AddUniqueConstraintOperation): Fix[] {
  if (operation.primaryKey || operation.table === null) return [];
  const indexName = operation.name ?? uniqueConstraintName(operation.table, operation.columns ?? []);
  if (indexName === null) return [];
  // The concurrent build the fix adds cannot run in the migration's transaction.
  const exit = transactionExit(file, operation);
  if (!exit || !canBuildUniqueIndexFirst(file, operation)) return [];
  return [
    new LazyFix(
      exit.automatic
        ? 'Build the unique index concurrently first, then add the constraint USING INDEX (Flyway then runs the whole script outside a transaction)'
        : 'Build the unique index concurrently first, then add the constraint USING INDEX',
      exit.leaves ? 'unsafe' : 'safe',
      () => ({ edits: [...exitEdits(file, operation, exit), ...buildUniqueIndexFirst(file, operation, indexName)!] }),
    ),
  ];
}

/** Postgres' NAMEDATALEN - 1: longer identifiers are truncated. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * The name Postgres gives an unnamed UNIQUE constraint, `<table>_<col1>_<col2>_key`, shortened
 * the way it shortens them (makeObjectName: the longer of table and columns part loses characters
 * first), so the constraint attached USING INDEX ends up named as it would have been. Null when
 * a column is an expression or unknown.
 */
export function uniqueConstraintName(table: string, columns: string[]): string | null {
  if (columns.length === 0 || columns.some((c) => !/^[A-Za-z_][\w$]*$/.test(c))) return null;
  let name1 = table.replace(/"/g, '').replace(/^.*\./, '');
  let name2 = columns.join('_');
  const available = MAX_IDENTIFIER_BYTES - '_key'.length - 1;
  while (Buffer.byteLength(name1) + Buffer.byteLength(name2) > available) {
    if (Buffer.byteLength(name1) > Buffer.byteLength(name2)) name1 = [...name1].slice(0, -1).join('');
    else name2 = [...name2].slice(0, -1).join('');
  }
  return `${name1}_${name2}_key`;
}
