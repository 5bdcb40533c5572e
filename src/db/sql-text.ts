// SQL text built from names that come from the database or the user. Identifiers are
// validated and always double-quoted; nothing a user typed is pasted into SQL unquoted.

/** Postgres truncates identifiers longer than NAMEDATALEN - 1 bytes: a longer name could hit another object. */
export const MAX_IDENTIFIER_BYTES = 63;

export class InvalidIdentifierError extends Error {
  constructor(
    readonly identifier: unknown,
    reason: string,
  ) {
    super(`Not a valid Postgres identifier (${reason}): ${JSON.stringify(String(identifier))}`);
    this.name = 'InvalidIdentifierError';
  }
}

/** Why `name` cannot be used as an identifier, or null when it can. */
export function identifierProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'not a string';
  if (name.length === 0) return 'empty';
  if (name.includes('\0')) return 'contains a NUL character';
  if (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) return `longer than ${MAX_IDENTIFIER_BYTES} bytes`;
  return null;
}

/** `"name"`, with embedded quotes doubled. Throws InvalidIdentifierError for names Postgres would not keep as written. */
export function quoteIdentifier(name: string): string {
  const problem = identifierProblem(name);
  if (problem !== null) throw new InvalidIdentifierError(name, problem);
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."name"`, or `"name"` when the schema is null (resolved through search_path). */
export function qualifiedName(schema: string | null, name: string): string {
  return schema === null ? quoteIdentifier(name) : `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}

/** `'text'` with quotes doubled; for the rare statement that cannot take a parameter. */
export function quoteLiteral(text: string): string {
  if (text.includes('\0')) throw new InvalidIdentifierError(text, 'contains a NUL character');
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Drops a leftover INVALID index without blocking writes to its table. Must run outside a
 * transaction block. IF EXISTS keeps a retry harmless.
 */
export function dropInvalidIndexSql(schema: string | null, indexName: string): string {
  return `DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedName(schema, indexName)};`;
}

/** Rebuilds an index (an INVALID one included) without blocking writes. Postgres 12 or later, outside a transaction. */
export function reindexConcurrentlySql(schema: string | null, indexName: string): string {
  return `REINDEX INDEX CONCURRENTLY ${qualifiedName(schema, indexName)};`;
}
