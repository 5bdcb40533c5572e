import type { CreateIndexOperation, MigrationFile } from '../model/migration';
import { columnType, tableSize, type LintContext } from '../lint-context';
import { LazyFix, type Fix } from '../fixes/fix';
import { addIndexPredicate, canAddIndexPredicate } from '../fixes/operation-edits';
import { describeTable, isTableCreatedEarlier, normalizeTable, severityOnTable } from './helpers';
import type { Finding, Rule } from './rule';

/** Soft-delete timestamps: NULL on nearly every row. */
const SOFT_DELETE_COLUMNS = new Set(['deleted_at', 'discarded_at', 'archived_at']);

type Reason = 'boolean' | 'soft-delete' | 'setting' | 'statistics';

export const preferPartialIndex: Rule = {
  meta: {
    id: 'prefer-partial-index',
    summary: 'Index only the rows you look for when a column of a large table holds few distinct values.',
    defaultSeverity: 'hint',
    fixSafety: 'suggestion',
    honorsSafetyAssured: true,
    docs: {
      why:
        'A full index on a column with few distinct values (a boolean, a status, a soft-delete timestamp that ' +
        'is NULL on almost every row) stores an entry for every row, although queries only ever look for the ' +
        'rare values: the planner will not use it for the common ones. On a large table that is gigabytes to ' +
        'build, to keep in memory and to update on every write. A partial index (`where:`) holds only the rows ' +
        'queries look for and is often a tenth of the size. Columns count as low-selectivity when db/schema.rb ' +
        'says they are boolean, when they are named deleted_at / discarded_at / archived_at, when the ' +
        '`lowSelectivityColumns` setting lists them, or when the connected database\'s statistics say so. ' +
        'Reported as a hint when the table size is unknown, raised on large tables, silent on known small ones.',
      assumes: 'that `archived` is known to hold few distinct values: a boolean column in db/schema.rb, or listed in the `lowSelectivityColumns` setting.',
      bad: {
        ruby: 'class AddIndexToConversationsOnArchived < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :conversations, :archived, algorithm: :concurrently\n  end\nend',
        sql: 'CREATE INDEX CONCURRENTLY index_conversations_on_archived ON conversations (archived);',
      },
      good: {
        ruby: 'class AddIndexToConversationsOnArchived < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :conversations, :archived, algorithm: :concurrently, where: "archived = true"\n  end\nend',
        sql: 'CREATE INDEX CONCURRENTLY index_conversations_on_archived ON conversations (archived) WHERE archived = true;',
      },
      fix:
        'Suggests a `where:`: `"<column> = true"` for a boolean column, `"<column> IS NOT NULL"` for a ' +
        'soft-delete timestamp (the NULL rows are the ones no query finds through this index). Which rows ' +
        'matter is a judgement only you can make, so this is a suggestion: never applied by fix-all. No ' +
        'suggestion for columns from settings or statistics: pick the values yourself.',
    },
  },
  check(file: MigrationFile, context: LintContext): Finding[] {
    const findings: Finding[] = [];
    const setting = context.settings.lowSelectivityColumns;
    // Usually empty: then no array to map per file.
    const listed = setting.length === 0 ? NONE_LISTED : setting.map((c) => c.toLowerCase());
    // With no setting, statistics or schema to ask, only a soft-delete column's name can tell.
    const byNameOnly = listed.length === 0 && !context.database?.columnStats && !context.schema;
    const operations = file.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      if (operation.kind !== 'createIndex' || operation.where !== null || operation.unique) continue;
      if (operation.table === null || operation.columns.length === 0) continue;
      if (byNameOnly && !allSoftDeleteColumns(operation.columns)) continue;
      if (tableSize(operation.table, context) === 'small' || isTableCreatedEarlier(file, operation)) continue;
      const table = operation.table;
      const reasons = reasonsFor(table, operation.columns, context, listed);
      if (reasons === null) continue;
      const columns = operation.columns.join(', ');
      findings.push({
        ruleId: this.meta.id,
        ...severityOnTable(this.meta.defaultSeverity, table, context, `Full index on low-selectivity ${operation.columns.length === 1 ? 'column' : 'columns'} ${columns} of ${describeTable(table)} (${describeReasons(reasons)}): a partial index (where:) on the rows queries look for is much smaller.`),
        range: operation.range,
        fixes: fixesFor(file, operation, reasons),
        operation,
      });
    }
    return findings;
  },
};

const NONE_LISTED: string[] = [];

// Indexed loops rather than every() / map() / some() with closures: lint() runs cold, in baseline code.
function allSoftDeleteColumns(columns: readonly string[]): boolean {
  for (let i = 0; i < columns.length; i++) if (!SOFT_DELETE_COLUMNS.has(columns[i]!)) return false;
  return true;
}

/** Each column's reason, or null when a column has none. */
function reasonsFor(table: string, columns: readonly string[], context: LintContext, listed: string[]): Reason[] | null {
  // The table's name without schema, worked out once for all columns.
  const tableName = normalizeTable(table).replace(/^.*\./, '');
  const reasons: Reason[] = [];
  for (let i = 0; i < columns.length; i++) {
    const reason = lowSelectivityReason(tableName, columns[i]!, context, listed);
    if (reason === null) return null;
    reasons.push(reason);
  }
  return reasons;
}

/** `tableName`: normalized, without schema. */
function lowSelectivityReason(tableName: string, column: string, context: LintContext, listed: string[]): Reason | null {
  if (listed.length > 0 && (listed.includes(column.toLowerCase()) || listed.includes(`${tableName}.${column.toLowerCase()}`))) return 'setting';
  const stats = context.database?.columnStats?.get(`${tableName}.${column.toLowerCase()}`);
  if (stats && ((stats.nDistinct > 0 && stats.nDistinct <= 10) || (stats.mostCommonFrequency ?? 0) >= 0.5)) return 'statistics';
  const type = columnType(context.schema, tableName, column);
  if (type === 'boolean') return 'boolean';
  if (SOFT_DELETE_COLUMNS.has(column) && (type === null || type === 'datetime' || type === 'timestamp' || type === 'timestamptz')) return 'soft-delete';
  return null;
}

function describeReasons(reasons: Reason[]): string {
  const text: Record<Reason, string> = {
    boolean: 'boolean',
    'soft-delete': 'soft-delete timestamp, NULL on most rows',
    setting: 'listed in lowSelectivityColumns',
    statistics: 'few distinct values in the database statistics',
  };
  return [...new Set(reasons)].map((r) => text[r]).join('; ');
}

function fixesFor(file: MigrationFile, operation: CreateIndexOperation, reasons: Reason[]): Fix[] {
  if (operation.columns.length !== 1) return [];
  const column = operation.columns[0]!;
  const predicate = reasons[0] === 'boolean' ? `${column} = true` : reasons[0] === 'soft-delete' ? `${column} IS NOT NULL` : null;
  if (predicate === null) return [];
  if (!canAddIndexPredicate(file, operation, predicate)) return [];
  return [new LazyFix(`Make it a partial index on ${predicate}`, 'safe', () => ({ edits: [addIndexPredicate(file, operation, predicate)!] }), true)];
}
