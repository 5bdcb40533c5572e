import type { MigrationFile, Operation } from '../model/migration';
import { tableSize, type LintContext } from '../lint-context';
import type { Severity } from './rule';

/**
 * Tables created in this migration before `operation`, in the same direction.
 * Indexing such a table blocks nobody: it is empty and no one else sees it yet.
 */
export function isTableCreatedEarlier(file: MigrationFile, operation: Operation): boolean {
  if (operation.table === null) return false;
  const name = normalizeTable(operation.table);
  for (const other of file.operations) {
    if (other === operation) continue;
    if (other.kind !== 'createTable' || other.direction !== operation.direction) continue;
    if (other.range.start > operation.range.start) continue;
    if (other.table !== null && normalizeTable(other.table) === name) return true;
  }
  return false;
}

export function normalizeTable(table: string): string {
  return table.replace(/"/g, '').toLowerCase();
}

/** A rule's base severity, raised one step on a table known to be large. */
export function severityForTable(base: Severity, table: string | null, context: LintContext): Severity {
  if (tableSize(table, context) !== 'large') return base;
  return base === 'hint' ? 'info' : base === 'info' ? 'warning' : 'error';
}

export function describeTable(table: string | null): string {
  return table === null ? 'a table this linter cannot name' : `"${table}"`;
}
