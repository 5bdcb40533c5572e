import type { AddForeignKeyOperation, AddUniqueConstraintOperation, DropColumnOperation, MigrationFile, Operation, RailsCallSyntax } from '../model/migration';
import { lineStartOf, newlineOf } from '../parsers/source-text';
import { railsVersionAtLeast } from '../parsers/rails/rails-version';
import { firstOfItsStatement, insertAt, replaceRange, type Edit, type NewFile } from './fix';
import { forwardSlashes } from '../paths';
import { freeVersions, nextVersion } from './migration-versions';

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
  const pair = optionPair(syntax.optionStyle, key, value);
  const at = syntax.bracedHashLastElementEnd ?? syntax.lastArgumentEnd;
  const separator = syntax.multiline ? `,${newlineOf(file.source)}${syntax.lastArgumentIndent}` : ', ';
  return insertAt(at, separator + pair);
}

function optionPair(style: RailsCallSyntax['optionStyle'], key: string, value: string): string {
  return style === 'rocket' ? `:${key} => ${value}` : `${key}: ${value}`;
}

/**
 * `algorithm: :concurrently`, for add_reference / t.references inside their `index:` option:
 * added to an existing `index: { ... }` hash, replacing `index: true`, or as a new option.
 */
export function makeRailsCallConcurrent(file: MigrationFile, operation: Operation): Edit | null {
  if (operation.kind === 'createIndex' && (operation.via === 'add_reference' || operation.via === 't.references' || operation.via === 't.column')) {
    return addReferenceIndexOption(file, operation, 'algorithm', ':concurrently');
  }
  return addRailsCallOption(file, operation, 'algorithm', ':concurrently');
}

function addReferenceIndexOption(file: MigrationFile, operation: Operation, key: string, value: string): Edit | null {
  const syntax = operation.syntax;
  if (syntax?.kind !== 'railsCall') return null;
  const index = syntax.options['index'];
  if (!index) return addRailsCallOption(file, operation, 'index', `{ ${optionPair(syntax.optionStyle, key, value)} }`);
  const hash = index.hash;
  if (!hash) return replaceRange(index.valueRange, `{ ${optionPair(syntax.optionStyle, key, value)} }`);
  const existing = hash.options[key];
  if (existing) return replaceRange(existing.valueRange, value);
  const style = hash.optionStyle === 'none' ? syntax.optionStyle : hash.optionStyle;
  if (hash.lastElementEnd === null) return replaceRange(index.valueRange, `{ ${optionPair(style, key, value)} }`);
  return insertAt(hash.lastElementEnd, `, ${optionPair(style, key, value)}`);
}

/** Whether disableDdlTransaction has an edit: the class has a body to add to and does not say it yet. */
export function canDisableDdlTransaction(file: MigrationFile): boolean {
  return !file.ddlTransactionDisabled && Boolean(file.classBodyInsert);
}

/** `disable_ddl_transaction!` as the first line of the migration class, unless it is there. */
export function disableDdlTransaction(file: MigrationFile): Edit | null {
  if (!file.classBodyInsert || !canDisableDdlTransaction(file)) return null;
  const newline = newlineOf(file.source);
  return insertAt(file.classBodyInsert.offset, `${file.classBodyInsert.indent}disable_ddl_transaction!${newline}${newline}`);
}

/** Where a statement that stands alone on its lines begins and where its last line ends (before the newline). */
function standaloneLines(file: MigrationFile, operation: Operation): { lineStart: number; lineEnd: number } | null {
  const source = file.source;
  const lineStart = lineStartOf(source, operation.range.start);
  if (operation.syntax?.kind === 'sqlStatement') return executeLines(file, operation, lineStart);
  if (source.slice(lineStart, operation.range.start).trim() !== '') return null;
  // A heredoc's body follows the line its opener stands on: lines cannot be inserted there.
  const heredoc = source.indexOf('<<', operation.range.start);
  if (heredoc !== -1 && heredoc < operation.range.end && /<<[~-]?["'`]?[A-Za-z_]/.test(source.slice(heredoc, operation.range.end))) return null;
  let lineEnd = source.indexOf('\n', operation.range.end);
  if (lineEnd === -1) lineEnd = source.length;
  if (lineEnd > 0 && source[lineEnd - 1] === '\r') lineEnd--;
  const rest = source.slice(operation.range.end, lineEnd).trim();
  if (rest !== '' && !rest.startsWith('#')) return null;
  return { lineStart, lineEnd };
}

/** The lines of a one-line `execute "<sql>"` that holds nothing but the operation's statement. */
function executeLines(file: MigrationFile, operation: Operation, lineStart: number): { lineStart: number; lineEnd: number } | null {
  const source = file.source;
  if (!/^\s*(?:(?:ActiveRecord::Base\.)?connection\.)?execute[\s(]+["']$/.test(source.slice(lineStart, operation.range.start))) return null;
  let lineEnd = source.indexOf('\n', operation.range.end);
  if (lineEnd === -1) lineEnd = source.length;
  if (lineEnd > 0 && source[lineEnd - 1] === '\r') lineEnd--;
  if (!/^\s*;?\s*["']\s*\)?\s*(#.*)?$/.test(source.slice(operation.range.end, lineEnd))) return null;
  return { lineStart, lineEnd };
}

/** The timeouts a fix sets: Postgres interval text such as `5min`; `onlyInProduction` wraps them in `if Rails.env.production?`. */
export interface RailsTimeouts {
  statement?: string;
  lock?: string;
  onlyInProduction?: boolean;
}

/** Whether insertRailsTimeouts has edits for the operation. */
export function canInsertRailsTimeouts(file: MigrationFile, operation: Operation, timeouts: RailsTimeouts): boolean {
  return canInsertRailsTimeoutsAround(file, operation, operation, timeouts);
}

/** Whether insertRailsTimeoutsAround has edits: both ends stand alone on their lines. */
export function canInsertRailsTimeoutsAround(file: MigrationFile, first: Operation, last: Operation, timeouts: RailsTimeouts): boolean {
  if (!first.syntax || !last.syntax) return false;
  if (timeouts.statement === undefined && timeouts.lock === undefined) return false;
  return standaloneLines(file, first) !== null && standaloneLines(file, last) !== null;
}

/**
 * `execute "SET ..."` lines before the operation and `execute "RESET ..."` after it. In a
 * `change` method they go in `up_only { }`: `execute` cannot be reversed, and a bare one
 * would make the migration irreversible.
 */
export function insertRailsTimeouts(file: MigrationFile, operation: Operation, timeouts: RailsTimeouts): Edit[] | null {
  return insertRailsTimeoutsAround(file, operation, operation, timeouts);
}

/**
 * The SET lines before `first` and the RESET lines after `last` (operations of one method, in
 * order, with nothing but blank lines, comments and each other between them), so one run of
 * index operations shares one setting. With `onlyInProduction`, both inside
 * `if Rails.env.production?`, as the production guide writes them.
 */
export function insertRailsTimeoutsAround(file: MigrationFile, first: Operation, last: Operation, timeouts: RailsTimeouts): Edit[] | null {
  if (!first.syntax || !canInsertRailsTimeoutsAround(file, first, last, timeouts)) return null;
  const start = standaloneLines(file, first)!;
  const end = standaloneLines(file, last)!;
  const newline = newlineOf(file.source);
  if (first.syntax.kind === 'ormCall') return null;
  const indent = first.syntax.indent;
  const settings: Array<[string, string]> = [];
  if (timeouts.statement !== undefined) settings.push(['statement_timeout', timeouts.statement]);
  if (timeouts.lock !== undefined) settings.push(['lock_timeout', timeouts.lock]);
  const run = (sql: string): string => {
    const execute = `execute "${sql}"`;
    if (first.direction !== 'change') return execute;
    return railsVersionAtLeast(file.frameworkVersion, '5.2')
      ? `up_only { ${execute} }`
      : `reversible { |dir| dir.up { ${execute} } }`;
  };
  const quote = (value: string) => `'${value.replace(/["'\\]/g, '')}'`;
  const lines = (statements: string[]): string[] => {
    if (!timeouts.onlyInProduction) return statements.map((s) => `${indent}${s}`);
    const step = indent.includes('\t') ? '\t' : '  ';
    return [`${indent}if Rails.env.production?`, ...statements.map((s) => `${indent}${step}${s}`), `${indent}end`];
  };
  const before = lines(settings.map(([name, value]) => run(`SET ${name} = ${quote(value)}`)));
  const after = lines(settings.map(([name]) => run(`RESET ${name}`)));
  return [
    insertAt(start.lineStart, before.map((line) => line + newline).join('')),
    insertAt(end.lineEnd, after.map((line) => newline + line).join('')),
  ];
}

/** A Ruby double-quoted string literal. */
export function rubyString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/#(?=[{$@])/g, '\\#')}"`;
}

function rubySymbolOrString(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `:${name}` : rubyString(name);
}

/** Whether addRailsIndexPredicate has an edit for the operation. */
export function canAddRailsIndexPredicate(operation: Operation): boolean {
  if (operation.kind !== 'createIndex' || (operation.via !== 'add_index' && operation.via !== 't.index')) return false;
  return operation.syntax?.kind === 'railsCall';
}

/** `where: "..."` on add_index / t.index (add_reference keeps its options in `index:`). */
export function addRailsIndexPredicate(file: MigrationFile, operation: Operation, predicate: string): Edit | null {
  if (!canAddRailsIndexPredicate(operation)) return null;
  return addRailsCallOption(file, operation, 'where', rubyString(predicate));
}

/** Whether addRailsUniqueIndexFirst has edits for the operation. */
export function canAddRailsUniqueIndexFirst(file: MigrationFile, operation: AddUniqueConstraintOperation): boolean {
  const columns = operation.columns ?? [];
  if (operation.syntax?.kind !== 'railsCall' || operation.table === null) return false;
  if (columns.length === 0 || columns.includes('?')) return false;
  return standaloneLines(file, operation) !== null;
}

/**
 * Builds the unique index concurrently on the line before `add_unique_constraint`, then makes
 * the constraint take it over with `using_index:` (Postgres' ADD CONSTRAINT ... USING INDEX).
 */
export function addRailsUniqueIndexFirst(
  file: MigrationFile,
  operation: AddUniqueConstraintOperation,
  indexName: string,
): Edit[] | null {
  const syntax = operation.syntax;
  if (syntax?.kind !== 'railsCall' || operation.table === null || !canAddRailsUniqueIndexFirst(file, operation)) return null;
  const columns = operation.columns!;
  const lines = standaloneLines(file, operation)!;
  const style = syntax.optionStyle;
  const columnList = columns.length === 1 ? rubySymbolOrString(columns[0]!) : `[${columns.map(rubySymbolOrString).join(', ')}]`;
  const options = [
    optionPair(style, 'unique', 'true'),
    optionPair(style, 'name', rubyString(indexName)),
    optionPair(style, 'algorithm', ':concurrently'),
    ...(railsVersionAtLeast(file.frameworkVersion, '6.1') ? [optionPair(style, 'if_not_exists', 'true')] : []),
  ];
  const addIndex = `${syntax.indent}add_index ${rubySymbolOrString(operation.table)}, ${columnList}, ${options.join(', ')}${newlineOf(file.source)}`;
  // Never null on a Rails call.
  const usingIndex = addRailsCallOption(file, operation, 'using_index', rubyString(indexName))!;
  return [insertAt(lines.lineStart, addIndex), usingIndex];
}

/** Whether addRailsForeignKeyIndex has an edit: a Rails call whose table and columns are known. */
export function canAddRailsForeignKeyIndex(file: MigrationFile, operation: AddForeignKeyOperation): boolean {
  if (operation.syntax?.kind !== 'railsCall' || operation.table === null) return false;
  if (operation.columns.length === 0 || operation.columns.includes('?')) return false;
  if (operation.via === 'add_reference' || operation.via === 't.references') return true;
  return standaloneLines(file, operation) !== null;
}

/**
 * The index a foreign key's columns want, built concurrently: add_reference / t.references get
 * `index: { algorithm: :concurrently }` (in place of `index: false`); add_foreign_key is followed
 * by `add_index <table>, <columns>, algorithm: :concurrently` (`t.index` inside change_table).
 */
export function addRailsForeignKeyIndex(file: MigrationFile, operation: AddForeignKeyOperation): Edit | null {
  if (!canAddRailsForeignKeyIndex(file, operation)) return null;
  const syntax = operation.syntax as RailsCallSyntax;
  if (operation.via === 'add_reference' || operation.via === 't.references') return addReferenceIndexOption(file, operation, 'algorithm', ':concurrently');
  const lines = standaloneLines(file, operation)!;
  const columns = operation.columns.length === 1 ? rubySymbolOrString(operation.columns[0]!) : `[${operation.columns.map(rubySymbolOrString).join(', ')}]`;
  const algorithm = optionPair(syntax.optionStyle, 'algorithm', ':concurrently');
  const source = file.source;
  const call =
    operation.via === 't.foreign_key'
      ? `${source.slice(operation.range.start, source.indexOf('.', operation.range.start))}.index ${columns}, ${algorithm}`
      : `add_index ${rubySymbolOrString(operation.table!)}, ${columns}, ${algorithm}`;
  return insertAt(lines.lineEnd, `${newlineOf(source)}${syntax.indent}${call}`);
}

/** An index a removed column takes with it, as the schema or the database describes it. */
export interface IndexOnColumn {
  name: string;
  columns: readonly string[];
  unique: boolean;
  where: string | null;
}

const PLAIN_COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether dropRailsIndexesFirst has an edit: a standalone call, indexes on plain columns (`column:` keeps it reversible). */
export function canDropRailsIndexesFirst(file: MigrationFile, operation: DropColumnOperation, indexes: readonly IndexOnColumn[]): boolean {
  if (operation.syntax?.kind !== 'railsCall' || operation.table === null || indexes.length === 0) return false;
  if (!indexes.every((index) => index.columns.length > 0 && index.columns.every((c) => PLAIN_COLUMN.test(c)))) return false;
  return standaloneLines(file, operation) !== null;
}

/**
 * `remove_index <table>, column: ..., name: "...", algorithm: :concurrently` for each index, on
 * the lines before the column's removal (`t.remove_index` inside change_table). With its columns,
 * uniqueness and predicate, so that in `change` the rollback builds the same index again.
 */
export function dropRailsIndexesFirst(file: MigrationFile, operation: DropColumnOperation, indexes: readonly IndexOnColumn[]): Edit | null {
  if (!canDropRailsIndexesFirst(file, operation, indexes)) return null;
  const syntax = operation.syntax as RailsCallSyntax;
  const lines = standaloneLines(file, operation)!;
  const style = syntax.optionStyle;
  const source = file.source;
  const inBlock = operation.via === 't.remove' || operation.via === 't.remove_references';
  const call = inBlock
    ? `${source.slice(operation.range.start, source.indexOf('.', operation.range.start))}.remove_index `
    : `remove_index ${rubySymbolOrString(operation.table!)}, `;
  const newline = newlineOf(source);
  const text = indexes
    .map((index) => {
      const columns = index.columns.length === 1 ? rubySymbolOrString(index.columns[0]!) : `[${index.columns.map(rubySymbolOrString).join(', ')}]`;
      const options = [
        optionPair(style, 'column', columns),
        optionPair(style, 'name', rubyString(index.name)),
        ...(index.unique ? [optionPair(style, 'unique', 'true')] : []),
        ...(index.where !== null ? [optionPair(style, 'where', rubyString(index.where))] : []),
        optionPair(style, 'algorithm', ':concurrently'),
      ];
      return `${syntax.indent}${call}${options.join(', ')}${newline}`;
    })
    .join('');
  return insertAt(lines.lineStart, text);
}

const RAILS_FILE_NAME = /^(.*\/)?(\d+)_([^/]+)\.rb$/;

/**
 * Whether splitRailsMigration can move every group after the first: a versioned file with a
 * migration class, each moved operation a whole statement directly in `change`/`up`/`down`.
 */
export function canSplitRailsMigration(file: MigrationFile, groups: Array<{ table: string; operations: Operation[] }>): boolean {
  if (!file.railsClass || !file.className || !RAILS_FILE_NAME.test(forwardSlashes(file.path))) return false;
  for (let k = 1; k < groups.length; k++) {
    const operations = groups[k]!.operations;
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i]!;
      if (!firstOfItsStatement(operations, i)) continue;
      if (operation.syntax?.kind !== 'railsCall' || !operation.syntax.directInMethod || operation.direction === 'sql') return false;
      if (!standaloneLines(file, operation)) return false;
    }
  }
  return true;
}

/**
 * Moves each group of operations after the first into a migration file of its own (fresh
 * version, class name with the table in it, same class-level lines such as
 * `disable_ddl_transaction!`) and removes their lines from this one. Only for operations that
 * are whole statements directly in `change`/`up`/`down`; null otherwise.
 */
export function splitRailsMigration(
  file: MigrationFile,
  groups: Array<{ table: string; operations: Operation[] }>,
  folderEntries?: readonly string[],
): { edits: Edit[]; newFiles: NewFile[] } | null {
  const layout = file.railsClass;
  const className = file.className;
  if (!layout || !className || !canSplitRailsMigration(file, groups)) return null;
  const [, directory = '', version] = RAILS_FILE_NAME.exec(forwardSlashes(file.path))!;
  const versions = freeVersions(groups.length - 1, (n) => nextVersion(version!, n), folderEntries);
  const newline = newlineOf(file.source);
  const edits: Edit[] = [];
  const newFiles: NewFile[] = [];
  for (const [k, group] of groups.slice(1).entries()) {
    const chunks: Record<'change' | 'up' | 'down', string[]> = { change: [], up: [], down: [] };
    const seen = new Set<number>();
    for (const operation of group.operations) {
      if (seen.has(operation.range.start)) continue;
      seen.add(operation.range.start);
      const lines = standaloneLines(file, operation)!;
      const start = withCommentsAbove(file.source, lines.lineStart);
      const end = file.source.indexOf('\n', lines.lineEnd);
      const chunkEnd = end === -1 ? file.source.length : end + 1;
      const chunk = file.source.slice(start, chunkEnd);
      chunks[operation.direction as 'change' | 'up' | 'down'].push(chunk.endsWith('\n') ? chunk : chunk + newline);
      edits.push({ start, end: chunkEnd, text: '' });
    }
    const newClassName = `${className}On${camelCase(group.table)}`;
    const indent = layout.bodyIndent;
    const classLevel = layout.classLevelStatements.map((s) => `${indent}${s}${newline}`).join('');
    const methods = (['change', 'up', 'down'] as const)
      .filter((direction) => chunks[direction].length > 0)
      .map((direction) => `${indent}def ${direction}${newline}${chunks[direction].join('')}${indent}end${newline}`)
      .join(newline);
    const text =
      `${layout.preamble}class ${newClassName} < ${layout.superclass}${newline}` +
      (classLevel ? classLevel + newline : '') +
      methods +
      `end${newline}`;
    newFiles.push({ path: `${directory}${versions[k]}_${snakeCase(newClassName)}.rb`, text });
  }
  return { edits, newFiles };
}

/** Comment lines right above a statement belong to it (a suppression comment, an explanation). */
function withCommentsAbove(source: string, lineStart: number): number {
  let start = lineStart;
  while (start > 0) {
    const previous = lineStartOf(source, start - 1);
    if (!source.slice(previous, start).trim().startsWith('#')) break;
    start = previous;
  }
  return start;
}

function camelCase(name: string): string {
  return name
    .replace(/^.*\./, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2').toLowerCase();
}
