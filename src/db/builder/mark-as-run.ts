// "Mark as run, build later": records a migration in Rails' schema_migrations without running it,
// so that its indexes can be built by the safe builder in a quiet hour. Nothing else is created:
// a database without schema_migrations is an error, not something to set up here.

export interface SqlClient {
  query(config: { text: string; values?: unknown[] }): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

export class MarkAsRunError extends Error {
  constructor(
    message: string,
    readonly kind: 'bad-version' | 'no-schema-migrations',
  ) {
    super(message);
    this.name = 'MarkAsRunError';
  }
}

export interface MarkAsRunResult {
  version: string;
  /** false: it was already recorded (the call is idempotent). */
  inserted: boolean;
}

/** Rails migration versions are digits (a timestamp, or 001 in old apps). */
export function isMigrationVersion(version: string): boolean {
  return /^\d{1,30}$/.test(version);
}

/**
 * `INSERT INTO schema_migrations (version) VALUES ($1) ON CONFLICT DO NOTHING`, also when the
 * table lacks its primary key (NOT EXISTS). Run it on a writer connection (`withWriteConnection`).
 * Throws MarkAsRunError for a malformed version or a database without schema_migrations.
 */
export async function markMigrationAsRun(client: SqlClient, version: string): Promise<MarkAsRunResult> {
  if (!isMigrationVersion(version)) {
    throw new MarkAsRunError(`"${version}" is not a migration version (the digits at the start of the migration's file name, e.g. 20240301000000).`, 'bad-version');
  }
  const { rows } = await client.query({ text: `SELECT to_regclass('schema_migrations') IS NOT NULL AS table_exists` });
  if (rows[0]?.['table_exists'] !== true) {
    throw new MarkAsRunError(
      'This database has no schema_migrations table (resolved through search_path), so no migration can be marked as run. Is it the Rails database? Run bin/rails db:migrate once, or check the connection.',
      'no-schema-migrations',
    );
  }
  const result = await client.query({
    text: `INSERT INTO schema_migrations (version)
           SELECT $1::text WHERE NOT EXISTS (SELECT 1 FROM schema_migrations WHERE version::text = $1::text)
           ON CONFLICT DO NOTHING`,
    values: [version],
  });
  return { version, inserted: (result.rowCount ?? 0) > 0 };
}
