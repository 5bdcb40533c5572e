import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { loadParsers, parseMigration } from '../../core/lint';
import { forwardSlashes } from '../../core/paths';
import { traceJson, traceText } from '../../core/locks/trace';
import { DbError } from '../../db/errors';
import type { DatabaseTarget } from '../../db/builder/target';
import { traceLocks, traceStepsOf } from '../../db/lock-trace';
import { parseDuration } from '../../core/parsers/sql/operations';
import { EXIT_OK, EXIT_USAGE, type Command } from '../command';
import { errorMessage } from '../config';
import { UsageError, type CliIO } from '../io';
import { environmentRefusal } from './create-pending';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage, resolveTargetForCli } from './status';

/** Exit code when a traced statement took other locks than the lock model says, or failed. */
export const EXIT_TRACE_DIFFERS = 1;

const HELP = `Usage: pg-index-guard trace <migration file> --confirm <database> [options] [connection options]

Runs the migration's index statements against a NON-production database inside a transaction
that is always rolled back, with a short lock_timeout, and shows the locks each statement
actually took (from pg_locks) beside what the lock model says. A Rails migration's indexes are
generated from the model, as create-pending builds them. CREATE INDEX / DROP INDEX / REINDEX
CONCURRENTLY cannot run in a transaction: they are traced without CONCURRENTLY, which the output
says. Nothing is kept: the transaction is rolled back, also when the run is killed.

The trace takes real locks (briefly, on the real tables): it refuses the production environment
(config/database.yml, RAILS_ENV, --env) and asks for --confirm with the database's name.

Options:
  --confirm <database>     The name of the database to trace on (the confirmation)
  --environment <env>      Act only when the database belongs to this Rails environment
                           (required for staging; production is always refused)
  --lock-timeout <d>       lock_timeout of the traced statements (default 2s)
  --statement-timeout <d>  statement_timeout of each statement (default 60s)
  --format <text|json>     Output format (default text)
  -h, --help

${CONNECTION_HELP}

Exit codes: 0 every traced statement took the locks the lock model says; 1 one differed or
failed; 2 usage, configuration or connection error, or refused (production, no --confirm).
`;

export const traceCommand: Command = {
  name: 'trace',
  summary: 'Trace the locks a migration takes, on a non-production database (rolled back)',
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseOrUsage(
      {
        args,
        strict: true,
        allowPositionals: true,
        options: {
          ...CONNECTION_OPTIONS,
          confirm: { type: 'string' },
          environment: { type: 'string' },
          'lock-timeout': { type: 'string' },
          'statement-timeout': { type: 'string' },
          format: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      },
      'trace',
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    if (positionals.length !== 1) throw new UsageError('name one migration file to trace.\nRun "pg-index-guard trace --help" for usage.');
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be one of text, json (got "${format}").`);
    const lockTimeoutMs = durationOption(values['lock-timeout'], '--lock-timeout') ?? 2_000;
    const statementTimeoutMs = durationOption(values['statement-timeout'], '--statement-timeout') ?? 60_000;

    const path = resolve(io.cwd, positionals[0]!);
    let source: string;
    try {
      source = readFileSync(path, 'utf8');
    } catch (error) {
      throw new UsageError(`${positionals[0]}: ${errorMessage(error)}`);
    }
    const language = path.endsWith('.rb') ? 'ruby' : path.endsWith('.sql') ? 'sql' : null;
    if (language === null) throw new UsageError(`${positionals[0]}: not a migration file (.rb, .sql, .py, .ts, .js).`);

    const target = resolveTargetForCli(values, io);
    const refusal = traceRefusal(values.environment, values.confirm, target);
    if (refusal) {
      io.stderr(`pg-index-guard trace: ${refusal} Nothing was done.\n`);
      return EXIT_USAGE;
    }

    const parsers = await loadParsers([language]);
    const file = parseMigration(path, source, language, parsers);
    if (!file) throw new UsageError(`${positionals[0]}: could not be read as a migration.`);
    const shown = forwardSlashes(relative(io.cwd, path));
    const steps = traceStepsOf(file, parsers.sql, shown);
    let comparisons;
    try {
      comparisons = await traceLocks(target.configs, steps, { lockTimeoutMs, statementTimeoutMs });
    } catch (error) {
      if (error instanceof DbError) throw new UsageError(`Cannot trace on ${target.description}: ${error.description.title} ${error.description.advice}`);
      throw error;
    }
    if (format === 'json') io.stdout(`${JSON.stringify({ file: shown, database: target.description, statements: comparisons.map(traceJson) }, null, 2)}\n`);
    else io.stdout(traceText(comparisons, shown, target.description));
    return comparisons.every((c) => c.step.sql === null || c.agrees) ? EXIT_OK : EXIT_TRACE_DIFFERS;
  },
};

/** Why a trace must not run on this target, or null when it may. */
export function traceRefusal(wanted: string | undefined, confirm: string | undefined, target: Pick<DatabaseTarget, 'environment' | 'description' | 'candidate'>): string | null {
  if (target.candidate.production === true || target.environment === 'production') {
    return `${target.description} is a production database: a trace takes real locks, so it only runs on a copy (a staging or development database).`;
  }
  const environment = environmentRefusal(wanted, target);
  if (environment) return environment.replace('to build indexes there', 'to trace there');
  const database = target.candidate.config.database;
  if (confirm !== database) {
    return `${confirm === undefined ? 'A trace' : `--confirm ${confirm} does not name this database; a trace`} takes real locks on ${target.description} (rolled back after). Pass --confirm ${database} to trace there.`;
  }
  return null;
}

function durationOption(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === null || ms <= 0) throw new UsageError(`${what}: "${text}" is not a duration with a unit (500ms, 5s, 2min).`);
  return ms;
}
