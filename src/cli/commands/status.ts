import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadParsers, type Parsers } from '../../core/lint';
import { resolveDatabaseTarget, DatabaseTargetError, type DatabaseTarget } from '../../db/builder/target';
import { DbError, type ErrorDescription } from '../../db/errors';
import { MonitorSession } from '../../db/session';
import { collectStatus, readStatusWorkspace, type DatabaseStatus } from '../../db/status';
import { formatStatusText, statusToJson } from '../../db/status-format';
import { EXIT_OK, EXIT_USAGE, type Command } from '../command';
import { UsageError, type CliIO } from '../io';

/** Options every database command takes. */
export const CONNECTION_OPTIONS = {
  'database-url': { type: 'string' },
  env: { type: 'string' },
} as const;

export const CONNECTION_HELP = `Connection (first found wins):
  --database-url <url>   postgres://user:password@host:port/database?sslmode=...
  DATABASE_URL           from the environment or the app's .env
  --env <environment>    the Rails environment to read from config/database.yml
                         (default RAILS_ENV, RACK_ENV, then development)
  PGHOST, PGPORT, ...    the libpq environment variables
Passwords: from the URL, database.yml, PGPASSWORD or ~/.pgpass.`;

export const CLI_APPLICATION_NAME = 'pg-index-guard cli';

/** The database a command works on; a configuration problem is a UsageError (exit 2). */
export function resolveTargetForCli(values: { 'database-url'?: string | undefined; env?: string | undefined }, io: CliIO): DatabaseTarget {
  try {
    const target = resolveDatabaseTarget({
      workspaceRoot: io.cwd,
      env: io.env,
      ...(values['database-url'] !== undefined ? { databaseUrl: values['database-url'] } : {}),
      ...(values.env !== undefined ? { railsEnv: values.env } : {}),
      applicationName: CLI_APPLICATION_NAME,
    });
    for (const warning of target.warnings) io.stderr(`warning: ${warning}\n`);
    return target;
  } catch (error) {
    if (error instanceof DatabaseTargetError) throw new UsageError(error.message);
    if (error instanceof DbError) throw new UsageError(`${error.description.title} ${error.description.advice}`);
    throw error;
  }
}

const PASSWORD_PLACES = { url: 'in the URL', 'database.yml': 'in config/database.yml', PGPASSWORD: 'in PGPASSWORD', pgpass: 'in ~/.pgpass' } as const;

/**
 * `title advice` of a database problem as the CLI says it: a password comes from the URL,
 * database.yml, PGPASSWORD or ~/.pgpass here, not from the editor's command that the shared
 * advice names.
 */
export function cliProblem(error: ErrorDescription, target: DatabaseTarget): string {
  const source = target.candidate.passwordSource;
  const advice =
    error.kind === 'wrong-password'
      ? `Correct the password ${source ? PASSWORD_PLACES[source] : 'in the URL, PGPASSWORD or ~/.pgpass'}, or the user name.`
      : error.kind === 'password-required'
        ? 'Give it in the URL (postgres://user:password@host/database), in PGPASSWORD or in ~/.pgpass.'
        : error.advice;
  return `${error.title} ${advice}`;
}

/** A connected read-only session, or a UsageError saying why there is none. */
export async function openSession(target: DatabaseTarget): Promise<MonitorSession> {
  const session = new MonitorSession({ target: target.configs, reconnect: false, applicationName: CLI_APPLICATION_NAME, statementTimeoutMs: 30_000 });
  const outcome = await session.connect();
  if (!outcome.ok) {
    await session.close();
    throw new UsageError(`Cannot connect to ${target.description}: ${cliProblem(outcome.error, target)}`);
  }
  return session;
}

/** collectStatus over the app in the current directory and the target database. */
export async function collectCliStatus(target: DatabaseTarget, io: CliIO, parsers?: Parsers): Promise<DatabaseStatus> {
  const workspace = readStatusWorkspace(io.cwd, { parsers: parsers ?? (await loadParsers()), migrationsPaths: target.migrationsPaths });
  const session = await openSession(target);
  try {
    return await collectStatus(session, workspace);
  } finally {
    await session.close();
  }
}

/** The app's files the status could not read: pending migrations that did not parse, the schema. */
export function unreadableSources(status: Pick<DatabaseStatus, 'pendingMigrations' | 'missingIndexes'>): string[] {
  const problems = status.pendingMigrations.items.flatMap((m) => (m.problem ? [`${m.relativePath}: could not be read (${m.problem})`] : []));
  const missing = status.missingIndexes.error;
  if (missing?.kind === 'unreadable-file') problems.push(missing.title);
  return problems;
}

/** Does `cwd` look like the root of an app: a migrations folder, or a schema file? */
function isAppRoot(cwd: string, migrationsPaths: readonly string[]): boolean {
  return [...migrationsPaths, join('db', 'schema.rb'), join('db', 'structure.sql')].some((path) => existsSync(join(cwd, path)));
}

export function parseOrUsage<T extends ParseArgsConfig>(config: T, command: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>(config);
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\nRun "pg-index-guard ${command} --help" for usage.`);
  }
}

const HELP = `Usage: pg-index-guard status [--json] [connection options]

Shows the database's index status for the Rails app in the current directory: index builds in
progress, pending migrations and their index operations, indexes declared in db/schema.rb or
db/structure.sql but missing from the database, invalid indexes, the largest tables and blocked
queries. The session is read-only.

Options:
  --json    The status as JSON ({"formatVersion": 1, ...})
  -h, --help

${CONNECTION_HELP}

Exit codes: 0 status shown, 2 usage, configuration or connection error, or a migration or
db/schema.rb (db/structure.sql) could not be read (the status is shown without it).
`;

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show pending migrations, missing and invalid indexes, builds in progress',
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values } = parseOrUsage(
      { args, strict: true, allowPositionals: false, options: { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } },
      'status',
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    const target = resolveTargetForCli(values, io);
    const status = await collectCliStatus(target, io);
    const outsideApp = isAppRoot(io.cwd, target.migrationsPaths)
      ? undefined
      : `No Rails app in ${io.cwd} (no ${[...target.migrationsPaths, 'db/schema.rb', 'db/structure.sql'].join(', ')}): pending migrations and missing indexes are not shown. Run this in the app's root directory.`;
    io.stdout(values.json ? `${JSON.stringify(statusToJson(status), null, 2)}\n` : `${formatStatusText(status, outsideApp ? { outsideApp } : {})}\n`);
    // A file that could not be read may hold what the status is about: the run fails, and says so.
    const unreadable = unreadableSources(status);
    for (const problem of unreadable) io.stderr(`pg-index-guard status: ${problem}\n`);
    return unreadable.length > 0 ? EXIT_USAGE : EXIT_OK;
  },
};
