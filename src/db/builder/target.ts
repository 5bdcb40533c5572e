// Which database a command-line run (a shell, a cron job) works on: an explicit URL, DATABASE_URL
// (environment or .env), config/database.yml for the Rails environment, or the libpq environment
// variables, in that order. Passwords come from the URL, database.yml, PGPASSWORD or ~/.pgpass.

import type { ClientConfig } from 'pg';
import { clientConfigsFor, readConnectionInputs, resolveConnectionCandidates, type ConnectionCandidate } from '../connection';
import type { EnvMap } from '../erb';

export interface DatabaseTargetRequest {
  /** The app's root: .env and config/database.yml are read from here. */
  workspaceRoot: string;
  env: EnvMap;
  /** `--database-url`: wins over everything else. */
  databaseUrl?: string;
  /** `--env`: the Rails environment to read from database.yml (default RAILS_ENV, RACK_ENV, development). */
  railsEnv?: string;
  applicationName?: string;
}

export interface DatabaseTarget {
  candidate: ConnectionCandidate;
  /** For MonitorSession / withWriteConnection / buildIndexesSafely. */
  configs: ClientConfig[];
  /**
   * The Rails environment this database belongs to: the database.yml entry's, else --env,
   * RAILS_ENV or RACK_ENV; null when nothing says.
   */
  environment: string | null;
  /** Where this database's migrations are (database.yml `migrations_paths`, default db/migrate). */
  migrationsPaths: string[];
  /** `user@host:port/database (from ...)`, no password. */
  description: string;
  warnings: string[];
}

export class DatabaseTargetError extends Error {
  override readonly name = 'DatabaseTargetError';
}

/** Throws DatabaseTargetError when no connection is configured, DbError when the CA file cannot be read. */
export function resolveDatabaseTarget(request: DatabaseTargetRequest): DatabaseTarget {
  const env = request.env;
  const explicitEnv = request.railsEnv ?? env['RAILS_ENV'] ?? env['RACK_ENV'];
  const inputs = readConnectionInputs(request.workspaceRoot, { env, ...(request.railsEnv ? { railsEnv: request.railsEnv } : {}) });
  if (request.databaseUrl !== undefined) inputs.databaseUrlOption = request.databaseUrl;
  const { candidates, warnings } = resolveConnectionCandidates(inputs);

  let candidate: ConnectionCandidate | undefined;
  const urlGiven = request.databaseUrl !== undefined || Boolean(env['DATABASE_URL']) || Boolean(inputs.dotEnv?.['DATABASE_URL']);
  if (urlGiven) {
    candidate = candidates.find((c) => c.source === 'DATABASE_URL');
    if (!candidate) {
      const where = request.databaseUrl !== undefined ? '--database-url' : 'DATABASE_URL';
      throw new DatabaseTargetError(`${where} is not a usable postgres:// URL.${warnings.length ? ` ${warnings.join(' ')}` : ''}`);
    }
  } else {
    const railsEnv = explicitEnv ?? 'development';
    const entries = candidates.filter((c) => c.source === 'database.yml' && c.rails?.environment === railsEnv && !c.rails.replica);
    candidate = entries.find((c) => c.rails?.name === 'primary') ?? entries[0];
    if (!candidate && inputs.databaseYml && request.railsEnv !== undefined) {
      throw new DatabaseTargetError(`config/database.yml has no PostgreSQL database for the environment "${railsEnv}".${warnings.length ? ` ${warnings.join(' ')}` : ''}`);
    }
    candidate ??= candidates.find((c) => c.source === 'libpq-env');
  }
  if (!candidate) {
    throw new DatabaseTargetError(
      'No database connection is configured: pass --database-url postgres://user@host:port/database, set DATABASE_URL, ' +
        'or run in a Rails app with config/database.yml (choose the environment with --env or RAILS_ENV).',
    );
  }
  const configs = clientConfigsFor(candidate, request.applicationName ? { applicationName: request.applicationName } : {});
  const { user, host, port, database } = candidate.config;
  return {
    candidate,
    configs,
    environment: candidate.rails?.environment ?? explicitEnv ?? null,
    migrationsPaths: candidate.rails?.migrationsPaths.length ? candidate.rails.migrationsPaths : ['db/migrate'],
    description: `${user}@${host.startsWith('/') ? `socket ${host}` : host}:${port}/${database} (${candidate.label})`,
    warnings: [...warnings, ...candidate.warnings],
  };
}
