import { loadParsers } from '../../core/lint';
import { parseDuration } from '../../core/parsers/sql/operations';
import { displayName, buildIndexesSafely, type BuildLogger, type SafeBuildOutcome, type SafeBuildResult } from '../../db/builder/safe-builder';
import type { IndexOrigin } from '../../db/builder/index-definition';
import { gatherIndexDefinitions, type IndexSource } from '../../db/builder/pending';
import { checkTimeZone, describeSafeHours, parseSafeHours, SafeHoursError, type SafeHours } from '../../db/builder/safe-hours';
import type { DatabaseTarget } from '../../db/builder/target';
import { BuildHistoryFile, defaultHistoryPath, recordBuilderResults, serverKey } from '../../db/build-history';
import { DbError } from '../../db/errors';
import { EXIT_OK, EXIT_USAGE, type Command } from '../command';
import { handleInterrupts } from '../interrupts';
import { UsageError, type CliIO } from '../io';
import { cliProblem, collectCliStatus, CONNECTION_HELP, CONNECTION_OPTIONS, parseOrUsage, resolveTargetForCli } from './status';

export const EXIT_OUTSIDE_SAFE_HOURS = 3;
export const EXIT_TOO_BUSY = 4;
export const EXIT_BUILD_FAILED = 5;
/**
 * An index was refused: it cannot be built as written (an unparsable column list, an `order:`
 * it cannot express, a predicate with a semicolon). Not 5: nothing was tried on the database and
 * no later run will do better; the fix is in the migration or schema file (or a build by hand).
 */
export const EXIT_REFUSED = 6;

/** Exit codes for cron: 0 built or nothing to do, 3 not now (safe hours, time budget), 4 busy, 5 a build failed. */
export function exitCodeForOutcome(outcome: SafeBuildOutcome): number {
  switch (outcome) {
    case 'done':
      return EXIT_OK;
    case 'outside-safe-hours':
    case 'max-duration-reached':
      return EXIT_OUTSIDE_SAFE_HOURS;
    case 'too-busy':
    case 'another-run-in-progress':
      return EXIT_TOO_BUSY;
    case 'failed':
    case 'cancelled':
      return EXIT_BUILD_FAILED;
  }
}

/**
 * The run's exit code, refusals included: a failed build (5) wins, then a refusal (6) over the
 * "not now" codes, which tell a wrapper that nothing is wrong: a refusal needs a person whatever
 * the hour or the load.
 */
export function exitCodeForRun(result: Pick<SafeBuildResult, 'outcome' | 'results'>, refusedBeforeBuilding: number): number {
  const refusedByBuilder = result.results.filter((r) => r.failure === 'invalid-definition').length;
  const buildFailed = result.outcome === 'cancelled' || result.results.some((r) => r.status === 'failed' && r.failure !== 'invalid-definition');
  if (buildFailed) return EXIT_BUILD_FAILED;
  if (refusedBeforeBuilding + refusedByBuilder > 0) return EXIT_REFUSED;
  return exitCodeForOutcome(result.outcome);
}

/** Rails environments a run only touches when `--environment` names them. */
const GUARDED_ENVIRONMENTS = new Set(['production', 'staging']);

const HELP = `Usage: pg-index-guard create-pending [options] [connection options]

Builds the indexes of pending migrations, and indexes declared in db/schema.rb or
db/structure.sql but missing from the database, the safe way: one at a time with
CREATE INDEX CONCURRENTLY IF NOT EXISTS, lock_timeout and statement_timeout set for the
session and reset after, only inside the safe hours and while the database is not busy.
An INVALID leftover of a failed build is dropped concurrently and rebuilt; a lock timeout is
retried with backoff; a build that runs past --max-duration is cancelled and cleaned up
(terminated and its connection closed when the server does not answer the cancel).
Ctrl-C or SIGTERM cancels and cleans up; a second one quits at once (exit 130 / 143).
Each build's time is recorded for explain's estimates (PG_INDEX_GUARD_BUILD_HISTORY, else
$XDG_STATE_HOME/pg-index-guard/build-history.json). Run it in the app's root directory.

Options:
  --safe-hours <from-to>         Only start builds in this window, e.g. 2-5 (02:00 to 04:59)
                                 or 22-4 (across midnight)          [env INDEX_SAFE_HOURS]
  --time-zone <zone>             IANA time zone of --safe-hours (default: local time, TZ)
  --max-duration <minutes>       Time budget of the run: a build still running then is
                                 cancelled and its leftover dropped [env INDEX_MAX_DURATION_MINUTES]
  --max-active-connections <n>   Stop when more sessions than this are active
                                                                   [env INDEX_MAX_ACTIVE_CONNECTIONS]
  --lock-timeout <duration>      lock_timeout of the builder (default 5s)
  --statement-timeout <duration> statement_timeout of each build (default 0: none besides
                                 --max-duration)
  --lock-retries <n>             Retries after a lock timeout (default 3)
  --lock-retry-delay <duration>  Wait before the first retry, doubled each time (default 5s)
  --only <index>                 Only this index (repeat the option for several)
  --from <pending|missing|all>   Indexes of pending migrations, missing declared indexes,
                                 or both (default all)
  --dry-run                      Show what would be done; write nothing
  --environment <env>            Act only when the database belongs to this Rails
                                 environment. Required to build in production or staging.
  -h, --help

Durations take a unit: 500ms, 5s, 2min, 1h.

${CONNECTION_HELP}

Exit codes: 0 built, already there or nothing to do; 2 usage, configuration or connection
error, or refused by the --environment guard, or a migration or the schema could not be read
(the other indexes are still built); 3 outside the safe hours (or the time budget ran out
before the next build); 4 the database is too busy (or another run is building); 5 a build
failed; 6 an index was refused: it cannot be built as written (5 wins when a build also failed).
`;

export const createPendingCommand: Command = {
  name: 'create-pending',
  summary: 'Build pending and missing indexes safely (concurrently, in safe hours)',
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values } = parseOrUsage(
      {
        args,
        strict: true,
        allowPositionals: false,
        options: {
          ...CONNECTION_OPTIONS,
          'safe-hours': { type: 'string' },
          'time-zone': { type: 'string' },
          'max-duration': { type: 'string' },
          'max-active-connections': { type: 'string' },
          'lock-timeout': { type: 'string' },
          'statement-timeout': { type: 'string' },
          'lock-retries': { type: 'string' },
          'lock-retry-delay': { type: 'string' },
          only: { type: 'string', multiple: true },
          from: { type: 'string' },
          'dry-run': { type: 'boolean' },
          environment: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      },
      'create-pending',
    );
    if (values.help) {
      io.stdout(HELP);
      return EXIT_OK;
    }
    const env = io.env;
    const option = (flag: string, envName: string | null): string | undefined => {
      const value = (values as Record<string, unknown>)[flag];
      if (typeof value === 'string') return value;
      const fromEnv = envName ? env[envName] : undefined;
      return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : undefined;
    };

    let safeHours: SafeHours | null = null;
    const timeZone = values['time-zone'];
    try {
      const text = option('safe-hours', 'INDEX_SAFE_HOURS');
      if (text !== undefined) safeHours = parseSafeHours(text);
      if (timeZone !== undefined) checkTimeZone(timeZone);
    } catch (error) {
      if (error instanceof SafeHoursError) throw new UsageError(error.message);
      throw error;
    }
    const maxDurationMinutes = numberOption(option('max-duration', 'INDEX_MAX_DURATION_MINUTES'), '--max-duration / INDEX_MAX_DURATION_MINUTES', { positive: true });
    const maxActive = numberOption(option('max-active-connections', 'INDEX_MAX_ACTIVE_CONNECTIONS'), '--max-active-connections / INDEX_MAX_ACTIVE_CONNECTIONS', { integer: true });
    const lockRetries = numberOption(values['lock-retries'], '--lock-retries', { integer: true }) ?? 3;
    const lockTimeoutMs = durationOption(values['lock-timeout'], '--lock-timeout', false) ?? 5_000;
    const statementTimeoutMs = durationOption(values['statement-timeout'], '--statement-timeout', true) ?? 0;
    const lockRetryDelayMs = durationOption(values['lock-retry-delay'], '--lock-retry-delay', true) ?? 5_000;
    const from = values.from ?? 'all';
    if (!['pending', 'missing', 'all'].includes(from)) throw new UsageError(`Unknown --from "${from}". Use pending, missing or all.`);
    const sources: IndexSource[] = from === 'all' ? ['pending', 'missing'] : [from as IndexSource];
    const only = (values.only ?? []).flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean);
    const dryRun = values['dry-run'] === true;

    const target = resolveTargetForCli(values, io);
    const refusal = environmentRefusal(values.environment, target);
    if (refusal && !dryRun) {
      io.stderr(`pg-index-guard create-pending: ${refusal} Nothing was done.\n`);
      return EXIT_USAGE;
    }

    const logger = timestampedLogger(io);
    logger.info(
      `pg-index-guard create-pending${dryRun ? ' (dry run)' : ''} on ${target.description}${target.environment ? `, environment ${target.environment}` : ''}` +
        `; safe hours ${safeHours ? describeSafeHours(safeHours, timeZone) : 'any time'}` +
        `; max duration ${maxDurationMinutes ? `${maxDurationMinutes} min` : 'none'}; max active connections ${maxActive ?? 'no limit'}`,
    );
    if (refusal) logger.warn(`${refusal} (ignored for a dry run)`);

    const parsers = await loadParsers();
    const status = await collectCliStatus(target, io, parsers);
    if (sources.includes('pending') && status.pendingMigrations.note && status.pendingMigrations.error === null) {
      logger.warn(`Pending migrations are not considered: ${status.pendingMigrations.note}`);
      sources.splice(sources.indexOf('pending'), 1);
    }
    const gathered = gatherIndexDefinitions({ status, workspaceRoot: io.cwd, parsers, sources, ...(only.length ? { only } : {}) });
    if (gathered.unknownNames.length > 0) {
      throw new UsageError(`--only ${gathered.unknownNames.map(displayName).join(', ')}: not among the indexes of pending migrations or the missing indexes.`);
    }
    for (const warning of gathered.warnings) logger.warn(warning);
    // What could not be read may hold indexes to build: the run fails, whatever else it does.
    for (const problem of gathered.unreadable) {
      logger.error(`${problem}: its indexes are not known, and not built`);
      io.stderr(`pg-index-guard create-pending: ${problem}\n`);
    }
    const unreadableCode = gathered.unreadable.length > 0 ? EXIT_USAGE : EXIT_OK;
    const refused = gathered.skipped.filter((skip) => skip.refused);
    for (const skip of gathered.skipped) {
      const what = `${skip.index ? displayName(skip.index) : `an index on ${skip.table ?? '?'}`}${describeOrigin(skip.origin)}`;
      if (skip.refused) logger.warn(`refused: ${what}: ${skip.reason} Build it by hand, or change its definition.`);
      else logger.info(`not built: ${what}: ${skip.reason}`);
    }
    for (const def of gathered.definitions) for (const note of def.notes) logger.info(`${displayName(def.name)}: ${note}`);
    const refusedLines = refused.map((skip) => summaryLine('refused', skip.index ?? '?', skip.table ?? '?', skip.reason));
    if (gathered.definitions.length === 0) {
      if (unreadableCode !== EXIT_OK) {
        logger.error(`Nothing else to build, but ${gathered.unreadable.length} of the sources could not be read (exit ${unreadableCode}).`);
        return unreadableCode;
      }
      logger.info('Nothing to build.');
      if (refused.length === 0) return EXIT_OK;
      io.stdout(`${[`Result: nothing to build, ${refused.length} refused (exit ${EXIT_REFUSED})${dryRun ? ', dry run' : ''}`, ...refusedLines].join('\n')}\n`);
      return EXIT_REFUSED;
    }

    const controller = new AbortController();
    const stopHandlingInterrupts = handleInterrupts({
      first: (signal) => {
        logger.warn(`${signal}: cancelling the running build and cleaning up (send it again to quit at once)`);
        controller.abort();
      },
      second: (signal) =>
        logger.error(`${signal} again: quitting now, without cleaning up. A build cut off leaves an INVALID index: the next run drops it and builds it again (check-missing lists it).`),
    });
    let result: SafeBuildResult;
    try {
      result = await buildIndexesSafely({
        connection: target.configs,
        definitions: gathered.definitions,
        parser: parsers.sql,
        dryRun,
        safeHours,
        ...(timeZone !== undefined ? { timeZone } : {}),
        maxActiveConnections: maxActive ?? null,
        maxDurationMs: maxDurationMinutes ? maxDurationMinutes * 60_000 : null,
        lockTimeoutMs,
        statementTimeoutMs,
        lockRetries,
        lockRetryDelayMs,
        logger,
        signal: controller.signal,
      });
    } catch (error) {
      if (error instanceof DbError) throw new UsageError(`Cannot connect to ${target.description}: ${cliProblem(error.description, target)}`);
      throw error;
    } finally {
      stopHandlingInterrupts();
    }

    // Each build's speed on this server, for explain's and the extension's build-time estimates.
    for (const problem of recordBuilderResults(new BuildHistoryFile(defaultHistoryPath(env)), serverKey(target.candidate.config), result.results)) logger.warn(problem);

    const runCode = exitCodeForRun(result, refused.length);
    const code = runCode !== EXIT_OK ? runCode : unreadableCode;
    const unread = unreadableCode !== EXIT_OK ? `, ${gathered.unreadable.length} not read` : '';
    const lines = [`Result: ${result.outcome}${refused.length ? `, ${refused.length} refused` : ''}${unread} (exit ${code})${result.dryRun ? ', dry run' : ''}`];
    for (const r of result.results) {
      lines.push(summaryLine(r.status, r.index, r.schema ? `${r.schema}.${r.table}` : r.table, r.reason));
      if (r.leftover) lines.push(`  ${''.padEnd(21)} an INVALID index is left: ${r.leftover.dropSql}`);
    }
    lines.push(...refusedLines);
    io.stdout(`${lines.join('\n')}\n`);
    return code;
  },
};

/** Why this run must not act on the target's environment, or null when it may. */
export function environmentRefusal(wanted: string | undefined, target: Pick<DatabaseTarget, 'environment' | 'description'>): string | null {
  const actual = target.environment;
  if (wanted !== undefined) {
    if (actual === null) return `--environment ${wanted}: the environment of ${target.description} is not known; set RAILS_ENV or --env.`;
    if (actual !== wanted) return `--environment ${wanted}: this run targets the ${actual} environment (${target.description}).`;
    return null;
  }
  if (actual !== null && GUARDED_ENVIRONMENTS.has(actual)) {
    return `This run targets the ${actual} environment (${target.description}); pass --environment ${actual} to build indexes there.`;
  }
  return null;
}

/** One line of the run's summary: what happened to an index, and why. */
function summaryLine(status: string, index: string, table: string, reason: string | null): string {
  return `  ${status.padEnd(21)} ${displayName(index)} on ${displayName(table)}${reason ? `: ${reason}` : ''}`;
}

/** ` (db/migrate/x.rb:3)`: the migration line of an index (a schema file's reasons name theirs). */
function describeOrigin(origin: IndexOrigin): string {
  return origin.kind === 'migration' ? ` (${origin.relativePath}:${origin.line})` : '';
}

function timestampedLogger(io: CliIO): BuildLogger {
  const line = (level: string) => (message: string) => io.stdout(`${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`);
  return { info: line('INFO'), warn: line('WARN'), error: line('ERROR') };
}

function numberOption(text: string | undefined, what: string, rules: { integer?: boolean; positive?: boolean }): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || (rules.positive && value === 0) || (rules.integer && !Number.isInteger(value))) {
    throw new UsageError(`${what}: "${text}" is not a ${rules.integer ? 'whole ' : ''}${rules.positive ? 'positive' : 'non-negative'} number.`);
  }
  return value;
}

function durationOption(text: string | undefined, what: string, zeroAllowed: boolean): number | undefined {
  if (text === undefined) return undefined;
  if (zeroAllowed && text.trim() === '0') return 0;
  const ms = /[a-z]\s*$/i.test(text) ? parseDuration(text) : null;
  if (ms === null || ms < 0 || (!zeroAllowed && ms === 0)) {
    throw new UsageError(`${what}: "${text}" is not a duration with a unit (500ms, 5s, 2min, 1h).`);
  }
  return ms;
}
