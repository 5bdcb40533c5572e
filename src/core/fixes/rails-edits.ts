import type { MigrationFile, Operation } from '../model/migration';
import { newlineOf } from '../parsers/source-text';
import { insertAt, type Edit } from './fix';

/**
 * Adds `key: value` to a Rails call's options, in the style the call already uses:
 * `key: value` or `:key => value`, inside an explicit `{ }` hash when there is one,
 * on its own line when each argument has its own line.
 */
export function addRailsCallOption(file: MigrationFile, operation: Operation, key: string, value: string): Edit | null {
  const syntax = operation.syntax;
  if (syntax?.kind !== 'railsCall') return null;
  const existing = syntax.options[key];
  if (existing) return { start: existing.valueRange.start, end: existing.valueRange.end, text: value };
  const pair = syntax.optionStyle === 'rocket' ? `:${key} => ${value}` : `${key}: ${value}`;
  const at = syntax.bracedHashLastElementEnd ?? syntax.lastArgumentEnd;
  const separator = syntax.multiline ? `,${newlineOf(file.source)}${syntax.lastArgumentIndent}` : ', ';
  return insertAt(at, separator + pair);
}

/** `disable_ddl_transaction!` as the first line of the migration class, unless it is there. */
export function disableDdlTransaction(file: MigrationFile): Edit | null {
  if (file.ddlTransactionDisabled || !file.classBodyInsert) return null;
  const newline = newlineOf(file.source);
  return insertAt(file.classBodyInsert.offset, `${file.classBodyInsert.indent}disable_ddl_transaction!${newline}${newline}`);
}
