// SQL side of operation-edits.ts. Filled in with the libpg-query parser (issue 7):
// until then SQL findings carry no fix.
import type { MigrationFile, Operation } from '../model/migration';
import type { Edit } from './fix';

export function insertConcurrently(_file: MigrationFile, _operation: Operation): Edit | null {
  return null;
}

export function noTransactionMarker(_file: MigrationFile): Edit | null {
  return null;
}

export function insertIfExists(_file: MigrationFile, _operation: Operation, _words: 'IF EXISTS' | 'IF NOT EXISTS'): Edit | null {
  return null;
}
