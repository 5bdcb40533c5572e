// A rough size for a B-tree index before it is built: rows × (tuple header + item pointer +
// aligned key width) / fill factor. Good to tell megabytes from gigabytes in a confirmation,
// no more: duplicates, NULLs and page overhead are ignored.
import type { IndexDefinition } from './index-definition';
import { quoteIdentifier } from '../sql-text';

/** Per-tuple overhead: IndexTupleData (8 bytes) and its line pointer (4). */
const TUPLE_OVERHEAD = 12;
/** B-tree leaf pages are filled to 90 % by a build. */
const FILL_FACTOR = 0.9;
/** Width assumed for a key without statistics (an expression, a table never analyzed). */
export const UNKNOWN_KEY_WIDTH = 8;

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/** Bytes of a B-tree over `rows` rows whose key columns are `widths` bytes wide on average (null: unknown). */
export function estimateBtreeBytes(rows: number, widths: readonly (number | null)[]): number {
  const key = widths.reduce<number>((sum, w) => sum + (w ?? UNKNOWN_KEY_WIDTH), 0);
  return Math.round((rows * (TUPLE_OVERHEAD + align8(key))) / FILL_FACTOR);
}

export interface IndexSizeSource {
  query(name: 'indexKeyWidths', table: string, columns: string[]): Promise<Array<{ rowEstimate: number | null; widths: Record<string, number> }>>;
}

/** The estimate for one definition from the table's statistics; null when the table was never analyzed. */
export async function estimateIndexBytes(source: IndexSizeSource, def: IndexDefinition): Promise<number | null> {
  const table = def.schema ? `${quoteIdentifier(def.schema)}.${quoteIdentifier(def.table)}` : quoteIdentifier(def.table);
  const names = [...def.columns.map((key) => (key.kind === 'column' ? key.name : null)), ...def.include];
  const [row] = await source.query('indexKeyWidths', table, names.filter((n): n is string => n !== null));
  if (!row || row.rowEstimate === null) return null;
  return estimateBtreeBytes(row.rowEstimate, names.map((name) => (name === null ? null : (row.widths[name] ?? null))));
}
