import type { CreateIndexOperation, MigrationFile } from '../model/migration';
import type { DatabaseIndex, LintContext } from '../lint-context';
import { accessMethod, createdIndexName, handledEarlier, indexesOnTable, normalizeExpression } from './database-indexes';
import { describeTable } from './helpers';
import type { Finding, Rule } from './rule';

/** Key decorations the index model does not carry: such indexes are not compared. */
const DECORATED_KEY = /_ops\b|\bDESC\b|\bCOLLATE\b|\bNULLS\s+(FIRST|LAST)\b|\bopclass:|\border:/i;

export const redundantIndex: Rule = {
  meta: {
    id: 'redundant-index',
    summary: 'The connected database already has a valid index that covers the one this migration builds.',
    defaultSeverity: 'hint',
    fixSafety: 'none',
    honorsSafetyAssured: true,
    docs: {
      why:
        'Every index is written on every INSERT and on every UPDATE of its columns, takes disk and memory, ' +
        'and on a large table takes a long build. An index whose columns are the leading columns of an ' +
        'existing valid index on the same table (same uniqueness, same WHERE predicate, same access method) ' +
        'adds that cost and serves no query the existing one does not: the planner can use a btree index on ' +
        '(a, b) for lookups on a alone. A unique index is only redundant next to a unique index on exactly ' +
        'the same columns, since uniqueness over (a, b) does not make a unique. Only checked when the linter ' +
        'is connected to a database; an index with the same name as the new one is the new one itself ' +
        '(the migration already ran) and is not compared, nor are indexes the migration drops first.',
      assumes: 'a connected database in which `index_messages_on_conversation_id_and_created_at` on messages (conversation_id, created_at) exists and is valid.',
      bad: {
        ruby:
          'class AddIndexToMessagesOnConversationId < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :conversation_id, algorithm: :concurrently, if_not_exists: true\n  end\nend',
        sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS index_messages_on_conversation_id ON messages (conversation_id);',
      },
      good: {
        ruby:
          'class AddIndexToMessagesOnCreatedAt < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :created_at, algorithm: :concurrently, if_not_exists: true\n  end\nend',
        sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS index_messages_on_created_at ON messages (created_at);',
      },
      fix: 'No text fix: drop the operation from the migration, or keep it and drop the older index once this one is live.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const indexes = context.database?.indexes;
    if (!indexes?.length) return [];
    const findings: Finding[] = [];
    const operations = file.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      // A rollback re-creates what `up` dropped, and the database still has it now.
      if (operation.kind !== 'createIndex' || operation.direction === 'down' || operation.onlyParent) continue;
      if (operation.table === null || operation.columns.length === 0 || operation.columns.includes('?')) continue;
      if (DECORATED_KEY.test(file.source.slice(operation.range.start, operation.range.end))) continue;
      const name = createdIndexName(operation);
      const table = operation.table;
      const covering = indexesOnTable(indexes, table).find(
        (index) =>
          index.valid &&
          index.name !== name &&
          !handledEarlier(file, operation, index.name) &&
          covers(index, operation),
      );
      if (!covering) continue;
      const same = covering.columns.length === operation.columns.length;
      findings.push({
        ruleId: this.meta.id,
        severity: this.meta.defaultSeverity,
        message:
          `Index "${covering.name}" on ${describeTable(table)} (${covering.columns.join(', ')}) already ` +
          `${same ? 'indexes the same columns' : 'has these columns as its leading ones'} and is valid: this index would only add write cost and disk. ` +
          'Leave it out, or drop the older one once this one is live.',
        range: operation.range,
        fixes: [],
        operation,
      });
    }
    return findings;
  },
};

/** Does the existing index serve every lookup the new one would, with the same guarantees? */
function covers(index: DatabaseIndex, operation: CreateIndexOperation): boolean {
  if (index.decoratedKey) return false;
  if (accessMethod(index) !== (operation.using ?? 'btree').toLowerCase()) return false;
  if (normalizeExpression(index.predicate) !== normalizeExpression(operation.where)) return false;
  const existing = index.columns.map(normalizeExpression);
  const wanted = operation.columns.map(normalizeExpression);
  if (operation.unique && (!index.unique || existing.length !== wanted.length)) return false;
  if (existing.length < wanted.length) return false;
  // Only btree can use leading columns alone; other methods need the same columns.
  if (existing.length !== wanted.length && accessMethod(index) !== 'btree') return false;
  return wanted.every((column, i) => existing[i] === column);
}

