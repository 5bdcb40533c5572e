// Dialect-neutral edits that rules ask for. Rules never build Ruby or SQL text
// themselves: they call these, and each dialect's editor decides the syntax.
import type { MigrationFile, Operation } from '../model/migration';
import type { Edit } from './fix';
import * as rails from './rails-edits';
import * as sql from './sql-edits';

/** Makes an index create/drop/reindex concurrent (Rails: `algorithm: :concurrently`; SQL: CONCURRENTLY). */
export function makeConcurrent(file: MigrationFile, operation: Operation): Edit | null {
  if (file.dialect === 'rails') {
    if (operation.syntax?.kind === 'railsCall') return rails.addRailsCallOption(file, operation, 'algorithm', ':concurrently');
    return null;
  }
  return sql.insertConcurrently(file, operation);
}

/** Takes the migration out of its transaction (Rails: `disable_ddl_transaction!`; SQL: the runner's marker). */
export function leaveTransaction(file: MigrationFile): Edit | null {
  if (file.dialect === 'rails') return rails.disableDdlTransaction(file);
  return sql.noTransactionMarker(file);
}

/** Makes an index creation idempotent (`if_not_exists: true` / IF NOT EXISTS). */
export function addIfNotExists(file: MigrationFile, operation: Operation): Edit | null {
  if (file.dialect === 'rails') {
    if (operation.syntax?.kind === 'railsCall') return rails.addRailsCallOption(file, operation, 'if_not_exists', 'true');
    return null;
  }
  return sql.insertIfExists(file, operation, 'IF NOT EXISTS');
}

/** Makes an index drop idempotent (`if_exists: true` / IF EXISTS). */
export function addIfExists(file: MigrationFile, operation: Operation): Edit | null {
  if (file.dialect === 'rails') {
    if (operation.syntax?.kind === 'railsCall') return rails.addRailsCallOption(file, operation, 'if_exists', 'true');
    return null;
  }
  return sql.insertIfExists(file, operation, 'IF EXISTS');
}
