// Where db/schema.rb or db/structure.sql defines a table, for "Open Table Definition" on Large Tables.

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** 1-based line of `create_table "<table>"` (schema.rb) or `CREATE TABLE [schema.]<table> (` (structure.sql); null when absent. */
export function tableDefinitionLine(source: string, kind: 'schema.rb' | 'structure.sql', schema: string, table: string): number | null {
  const name = escapeRegExp(table);
  const pattern =
    kind === 'schema.rb'
      ? new RegExp(`^[ \\t]*create_table[ \\t(]+(?:"${name}"|'${name}'|:${name}\\b)`, 'm')
      : new RegExp(`^[ \\t]*CREATE[ \\t]+(?:UNLOGGED[ \\t]+)?TABLE[ \\t]+(?:IF[ \\t]+NOT[ \\t]+EXISTS[ \\t]+)?(?:"?${escapeRegExp(schema)}"?\\.)?"?${name}"?[ \\t]*\\(`, 'mi');
  const match = pattern.exec(source);
  return match ? source.slice(0, match.index).split('\n').length : null;
}
