// Which database index a migration's index operation is about, for the rules that compare a
// migration with the connected database (invalid-index-exists, redundant-index).
import type { CreateIndexOperation, DropIndexOperation, MigrationFile, Operation } from '../model/migration';
import type { DatabaseIndex } from '../lint-context';
import { normalizeTable, runTogether } from './helpers';

/** Postgres' NAMEDATALEN - 1. */
const MAX_IDENTIFIER_BYTES = 63;

const PLAIN_COLUMN = /^[A-Za-z_][\w$]*$/;

/**
 * Rails' default index name, `index_<table>_on_<col1>_and_<col2>`; null when a column is an
 * expression or unknown, or the name is too long (Rails 7.1+ then makes a hashed `idx_on_...`).
 */
export function railsDefaultIndexName(table: string | null, columns: string[]): string | null {
  if (table === null || columns.length === 0 || !columns.every((c) => PLAIN_COLUMN.test(c))) return null;
  const name = `index_${table}_on_${columns.join('_and_')}`;
  return Buffer.byteLength(name) <= MAX_IDENTIFIER_BYTES ? name : null;
}

const RAILS_VIA = new Set(['add_index', 'add_reference', 't.index', 't.references', 't.column', 'helper']);
const RAILS_DROP_VIA = new Set(['remove_index', 't.remove_index', 'helper']);

/**
 * The name the index will have when the migration creates it: the one given, or Rails' default
 * for a Rails call. Null for SQL without a name: Postgres then picks a name no index has yet.
 */
export function createdIndexName(operation: CreateIndexOperation): string | null {
  if (operation.name !== null) return unqualified(operation.name);
  return RAILS_VIA.has(operation.via) ? railsDefaultIndexName(operation.table, operation.columns) : null;
}

/** The name of the index a drop removes (Rails: from its columns when it names none). */
export function droppedIndexName(operation: DropIndexOperation): string | null {
  if (operation.name !== null) return unqualified(operation.name);
  return RAILS_DROP_VIA.has(operation.via) ? railsDefaultIndexName(operation.table, operation.columns) : null;
}

function unqualified(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** The facts' indexes by unqualified lower-case table name and by name, built once per facts. */
interface IndexLookup {
  byTable: Map<string, DatabaseIndex[]>;
  byName: Map<string, DatabaseIndex[]>;
}
const lookups = new WeakMap<readonly DatabaseIndex[], IndexLookup>();

function lookupOf(indexes: readonly DatabaseIndex[]): IndexLookup {
  let lookup = lookups.get(indexes);
  if (!lookup) {
    // A big database has tens of thousands of indexes: a scan per operation and rule cost 10-20 ms a lint.
    lookup = { byTable: new Map(), byName: new Map() };
    for (const index of indexes) {
      push(lookup.byTable, index.table.toLowerCase(), index);
      push(lookup.byName, index.name, index);
    }
    lookups.set(indexes, lookup);
  }
  return lookup;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The database indexes on this table (as isOnTable matches it), in the facts' order. */
export function indexesOnTable(indexes: readonly DatabaseIndex[], table: string): readonly DatabaseIndex[] {
  const wanted = normalizeTable(table);
  const candidates = lookupOf(indexes).byTable.get(wanted.slice(wanted.lastIndexOf('.') + 1)) ?? [];
  return candidates.filter((index) => isOnTable(index, table));
}

/** Is the database index on this table? An unqualified name matches the table in any schema. */
export function isOnTable(index: DatabaseIndex, table: string): boolean {
  const wanted = normalizeTable(table);
  if (wanted.includes('.')) return normalizeTable(`${index.schema}.${index.table}`) === wanted;
  return index.table.toLowerCase() === wanted;
}

/** The database index a creation names, on its table when the table is known. */
export function databaseIndexNamed(indexes: readonly DatabaseIndex[], name: string, table: string | null): DatabaseIndex | undefined {
  return lookupOf(indexes).byName.get(name)?.find((index) => table === null || isOnTable(index, table));
}

/**
 * Did the migration drop (or rebuild with REINDEX INDEX) the index named `name` before
 * `operation`, in the same pass? Then what the database holds now is not what the operation meets.
 */
export function handledEarlier(file: MigrationFile, operation: Operation, name: string): boolean {
  return file.operations.some((other) => {
    if (other === operation || other.range.start >= operation.range.start) return false;
    if (!runTogether(other.direction, operation.direction)) return false;
    if (other.kind === 'dropIndex') return droppedIndexName(other) === name;
    if (other.kind === 'reindex') return other.target === 'index' && other.name !== null && unqualified(other.name) === name;
    return false;
  });
}

/** The access method of a database index, in lower case. */
export function accessMethod(index: DatabaseIndex): string {
  return index.method.toLowerCase();
}

/** For comparing predicates and columns as written by a person and as pg_get_expr writes them. */
export function normalizeExpression(text: string | null): string {
  return (text ?? '').toLowerCase().replace(/[\s()"]/g, '');
}
