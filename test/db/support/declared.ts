import type { DeclaredIndex } from '../../../src/core/parsers/declared-indexes';

/** An index as db/schema.rb declares it, with the fields a test does not care about filled in. */
export const declared = (name: string, table: string, columns: string[], extra: Partial<DeclaredIndex> = {}): DeclaredIndex => ({
  schema: null,
  table,
  name,
  nameIsDefault: false,
  columns,
  unique: false,
  where: null,
  using: null,
  file: 'db/schema.rb',
  line: 1,
  ...extra,
});
