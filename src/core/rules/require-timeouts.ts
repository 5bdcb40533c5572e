import type { MigrationFile, Operation, SetTimeoutOperation } from '../model/migration';
import type { LintContext } from '../lint-context';
import { LazyFix, type Fix } from '../fixes/fix';
import { canInsertTimeouts, insertTimeouts, type FixTimeouts } from '../fixes/operation-edits';
import { lineStarts, positionAt } from '../parsers/source-text';
import { describeTable, indexOperationsOnExistingTables, runsInTransaction, runTogether, severityOnTable, type IndexOperation } from './helpers';
import type { Finding, Rule } from './rule';

export const requireTimeouts: Rule = {
  meta: {
    id: 'require-timeouts',
    summary: 'Set lock_timeout and statement_timeout for index operations on existing tables, and keep statement_timeout long enough for concurrent builds.',
    defaultSeverity: 'info',
    fixSafety: 'unsafe',
    honorsSafetyAssured: true,
    docs: {
      why:
        'An index operation first waits for its lock. Without a lock_timeout it waits as long as the longest ' +
        'running transaction on the table, and every query that arrives meanwhile queues behind it: a five ' +
        'second lock wait becomes a five second outage. With `lock_timeout` the migration gives up instead and ' +
        'can be retried. A concurrent build or drop takes a SHARE UPDATE EXCLUSIVE lock, which does not block ' +
        'reads or writes: there the lock_timeout bounds how long the migration waits (for conflicting locks, for ' +
        'older transactions, for the final swap of REINDEX CONCURRENTLY) instead of hanging the deploy. A statement_timeout bounds how long the operation may run at all. But a short one (the ' +
        'default of many applications is a few seconds) cancels a long CREATE INDEX CONCURRENTLY halfway and ' +
        'leaves an INVALID index behind, so before a concurrent build it must be generous (at least ' +
        '`minBuildStatementTimeoutMs`, 10 minutes by default). Timeouts set project-wide (a StrongMigrations ' +
        'initializer, or the `timeoutsConfiguredElsewhere` setting) count as set.',
      bad: {
        ruby:
          'class AddIndexToMessagesOnConversationId < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def up\n    add_index :messages, :conversation_id, algorithm: :concurrently\n  end\nend',
        sql: 'CREATE INDEX CONCURRENTLY index_messages_on_conversation_id ON messages (conversation_id);',
      },
      good: {
        ruby:
          'class AddIndexToMessagesOnConversationId < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def up\n    execute "SET statement_timeout = \'30min\'"\n    execute "SET lock_timeout = \'10s\'"\n    add_index :messages, :conversation_id, algorithm: :concurrently\n    execute "RESET statement_timeout"\n    execute "RESET lock_timeout"\n  end\nend',
        sql: "SET statement_timeout = '30min';\nSET lock_timeout = '10s';\nCREATE INDEX CONCURRENTLY index_messages_on_conversation_id ON messages (conversation_id);\nRESET statement_timeout;\nRESET lock_timeout;",
      },
      fix:
        'Sets the missing timeouts right before the operation and resets them right after it, with the values ' +
        'of the `fixTimeouts` setting (30min / 10s by default: seconds, as strong_migrations sets, so a lock ' +
        'wait fails fast and can be retried instead of stalling the deploy). In a `change` method the lines go in ' +
        '`up_only { }`, since `execute` cannot be reversed; with `fixTimeouts.onlyInProduction` they go under `if Rails.env.production?`, ' +
        'as the production guide writes them. A lock_timeout makes a migration fail where it used ' +
        'to wait, and may duplicate a project-wide setting the linter cannot see, so the fix is unsafe: offered, ' +
        'never applied by fix-all. A too short statement_timeout has no automatic fix.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const operations = indexOperationsOnExistingTables(file);
    if (operations.length === 0) return [];
    const findings: Finding[] = [];
    const timeouts = setTimeoutsOf(file);
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      // Scheduled for a background job, which runs the build with its own settings.
      if (operation.kind === 'createIndex' && operation.runsLater) continue;
      const lock = timeoutInEffect(file, timeouts, operation, 'lock_timeout');
      const statement = timeoutInEffect(file, timeouts, operation, 'statement_timeout');
      // GitLab's helpers switch statement_timeout off around themselves.
      const statementHandled = statement !== null || isGitlabHelper(operation);

      if (isConcurrentBuild(operation) && statement?.milliseconds && statement.milliseconds < context.settings.minBuildStatementTimeoutMs) {
        const line = positionAt(lineStarts(file.source), statement.range.start).line + 1;
        findings.push({
          ruleId: this.meta.id,
          severity: 'warning',
          message: `statement_timeout is ${formatMs(statement.milliseconds)} (set on line ${line}): a concurrent build on ${describeTable(operation.table)} that takes longer is cancelled and leaves an INVALID index behind. Allow at least ${formatMs(context.settings.minBuildStatementTimeoutMs)}.`,
          range: operation.range,
          fixes: [],
          operation,
        });
      }

      if (context.settings.timeoutsConfiguredElsewhere) continue;
      const lockMissing = lock === null || lock.milliseconds === 0;
      if (!lockMissing && statementHandled) continue;
      const missing = lockMissing ? (statementHandled ? 'lock_timeout' : 'lock_timeout and statement_timeout') : 'statement_timeout';
      findings.push({
        ruleId: this.meta.id,
        ...severityOnTable(this.meta.defaultSeverity, operation.table, context, `No ${missing} set for this index operation on ${describeTable(operation.table)}: ${lockMissing ? withoutLockTimeout(operation) : 'nothing bounds how long it runs'}.`),
        range: operation.range,
        fixes: fixesFor(file, operation, context, lockMissing, !statementHandled),
        operation,
      });
    }
    return findings;
  },
};

/**
 * The last setting of `setting` that applies when `operation` runs: set earlier in the same
 * pass (or class-wide), not reset since. A `SET LOCAL` only lasts inside a transaction.
 */
function timeoutInEffect(
  file: MigrationFile,
  timeouts: SetTimeoutOperation[],
  operation: Operation,
  setting: SetTimeoutOperation['setting'],
): SetTimeoutOperation | null {
  let current: SetTimeoutOperation | null = null;
  for (let i = 0; i < timeouts.length; i++) {
    const timeout = timeouts[i]!;
    if (timeout.setting !== setting) continue;
    if (timeout.wholeMigration) {
      current ??= timeout;
      continue;
    }
    if (timeout.range.start >= operation.range.start || !runTogether(timeout.direction, operation.direction)) continue;
    if (timeout.local && !(operation.inTransactionBlock || runsInTransaction(file, operation))) continue;
    current = timeout;
  }
  return current?.reset ? null : current;
}

/**
 * What a missing lock_timeout costs, by the lock the operation takes (PostgreSQL's explicit-locking
 * table): the concurrent forms' SHARE UPDATE EXCLUSIVE leaves reads and writes alone, so only the
 * migration itself hangs; the others make queries queue behind their lock request.
 */
function withoutLockTimeout(operation: IndexOperation): string {
  if (operation.kind !== 'addUniqueConstraint' && operation.concurrent) {
    const waits =
      operation.kind === 'reindex'
        ? 'for conflicting locks, for older transactions to end and for the final swap of the old and new index'
        : 'for conflicting locks (VACUUM, another build, a schema change) and for older transactions to end';
    return `its SHARE UPDATE EXCLUSIVE lock does not block reads or writes, but without a lock_timeout the migration waits without limit ${waits}; lock_timeout bounds these waits`;
  }
  switch (operation.kind) {
    case 'createIndex':
      return 'while it waits for its SHARE lock, every write to the table queues behind it';
    case 'reindex':
      return 'while it waits for its locks, writes to the table and queries using the index queue behind it';
    default:
      return 'while it waits for its ACCESS EXCLUSIVE lock, every query on the table, reads included, queues behind it';
  }
}

function isConcurrentBuild(operation: IndexOperation): boolean {
  return (operation.kind === 'createIndex' || operation.kind === 'reindex') && operation.concurrent;
}

function isGitlabHelper(operation: IndexOperation): boolean {
  return (operation.kind === 'createIndex' || operation.kind === 'dropIndex') && operation.via === 'helper';
}

/** The file's SET / RESET of timeouts, in order. An indexed loop rather than filter() with a closure (lint() runs cold). */
function setTimeoutsOf(file: MigrationFile): SetTimeoutOperation[] {
  const timeouts: SetTimeoutOperation[] = [];
  const operations = file.operations;
  for (let i = 0; i < operations.length; i++) {
    const operation = operations[i]!;
    if (operation.kind === 'setTimeout') timeouts.push(operation);
  }
  return timeouts;
}

/**
 * The timeouts the fixes set around `operation` (the configured values of those missing, in
 * the configured form), or null when none is missing. The same test as check()'s finding, for
 * "Make this migration production-safe", which sets them around a whole run of operations.
 */
export function timeoutsToSet(file: MigrationFile, operation: IndexOperation, context: LintContext): FixTimeouts | null {
  if (context.settings.timeoutsConfiguredElsewhere) return null;
  const timeouts = setTimeoutsOf(file);
  const lock = timeoutInEffect(file, timeouts, operation, 'lock_timeout');
  const statement = timeoutInEffect(file, timeouts, operation, 'statement_timeout');
  const lockMissing = lock === null || lock.milliseconds === 0;
  const statementMissing = statement === null && !isGitlabHelper(operation);
  if (!lockMissing && !statementMissing) return null;
  return fixTimeouts(context, lockMissing, statementMissing);
}

function fixTimeouts(context: LintContext, lockMissing: boolean, statementMissing: boolean): FixTimeouts {
  const values = context.settings.fixTimeouts;
  return {
    statement: statementMissing ? values.statement : undefined,
    lock: lockMissing ? values.lock : undefined,
    onlyInProduction: values.onlyInProduction === true,
  };
}

function fixesFor(file: MigrationFile, operation: Operation, context: LintContext, lockMissing: boolean, statementMissing: boolean): Fix[] {
  const timeouts = fixTimeouts(context, lockMissing, statementMissing);
  if (!canInsertTimeouts(file, operation, timeouts)) return [];
  // At least one is missing, or there would be no finding.
  const what = statementMissing ? (lockMissing ? 'statement_timeout and lock_timeout' : 'statement_timeout') : 'lock_timeout';
  return [new LazyFix(`Set ${what} around this operation`, 'unsafe', () => ({ edits: insertTimeouts(file, operation, timeouts)! }))];
}

function formatMs(milliseconds: number): string {
  if (milliseconds % 60_000 === 0) return `${milliseconds / 60_000}min`;
  if (milliseconds % 1000 === 0) return `${milliseconds / 1000}s`;
  return `${milliseconds}ms`;
}
