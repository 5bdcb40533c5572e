// Builds indexes the careful way, one at a time, over a writer connection of its own (never the
// read-only monitor): before each build it checks the hour and the load, then
// CREATE INDEX CONCURRENTLY IF NOT EXISTS with lock_timeout and statement_timeout set for the
// session (and reset after), and verifies pg_index.indisvalid. An INVALID leftover with the same
// name (which IF NOT EXISTS would silently take for done) is dropped concurrently and rebuilt
// once; a lock timeout is retried with backoff; a run that exceeds its maximum duration cancels
// the running build. Whatever fails, no INVALID index of ours is left behind when it can be
// dropped, and every step is logged and reported as a progress event.

import type { ClientConfig, QueryConfig } from 'pg';
import type { SqlParser } from '../../core/parsers/sql/libpg-query';
import { describeConnectionError, type ErrorDescription } from '../errors';
import { dropInvalidIndexSql, qualifiedName } from '../sql-text';
import { ANSWER_GRACE_MS, isQueryReadTimeout, noAnswerError, SHORT_QUERY_DEADLINE_MS, type WithQueryTimeout } from '../timeouts';
import { withWriteConnection } from '../write-connection';
import { createIndexConcurrentlySql, describeIndexDefinition, IndexDefinitionError, type IndexDefinition } from './index-definition';
import { describeSafeHours, isWithinSafeHours, parseSafeHours, type SafeHours } from './safe-hours';

export interface BuildLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type BuildStep =
  | 'connect'
  | 'safe-hours'
  | 'load'
  | 'inspect'
  | 'plan'
  | 'drop-invalid'
  | 'set-timeouts'
  | 'build'
  | 'reset-timeouts'
  | 'verify'
  | 'retry'
  | 'cancel'
  | 'result'
  | 'stop'
  | 'summary';

export interface BuildProgressEvent {
  /** The index's name; null for steps of the run as a whole. */
  index: string | null;
  /** 1-based position of the index in the list; 0 for steps of the run. */
  position: number;
  total: number;
  step: BuildStep;
  message: string;
  level: 'info' | 'warn' | 'error';
}

export interface SafeBuildOptions {
  /** Configs to try in order (see `clientConfigsFor`); the builder opens its own connection. */
  connection: readonly ClientConfig[];
  definitions: readonly IndexDefinition[];
  /** libpg-query (`loadSqlParser`): every statement is checked before it runs. */
  parser: SqlParser;
  /** Report what would be done; write nothing (the session is read-only). */
  dryRun?: boolean;
  /** Builds start only inside this window ("2-5", "22-4"); null/undefined: any time. */
  safeHours?: SafeHours | string | null;
  /** IANA time zone of `safeHours`; default the process's local time. */
  timeZone?: string;
  /** Stop when more than this many other sessions are active (pg_stat_activity); null: no limit. */
  maxActiveConnections?: number | null;
  /** The whole run's time budget: a build still running then is cancelled and cleaned up. */
  maxDurationMs?: number | null;
  /** lock_timeout of the builder's session (default 5 s). */
  lockTimeoutMs?: number;
  /** statement_timeout of each build (default 0: none, apart from maxDurationMs). */
  statementTimeoutMs?: number;
  /** How many times a build that hit the lock timeout is tried again (default 3). */
  lockRetries?: number;
  /** Wait before the first retry; doubles each time (default 5 s). */
  lockRetryDelayMs?: number;
  /** statement_timeout for dropping a leftover after a failure (default 5 min). */
  cleanupTimeoutMs?: number;
  /** After the deadline, how long statement_timeout gets before a second connection cancels the build (default 5 s). */
  cancelGraceMs?: number;
  /** After that cancel, how long the build gets to stop before it is terminated and its connection closed (default 5 s). */
  terminateGraceMs?: number;
  logger?: BuildLogger;
  onProgress?: (event: BuildProgressEvent) => void;
  /** Aborting cancels the running build (from a second connection), cleans up and stops. */
  signal?: AbortSignal;
  /** The clock for safe hours (tests). */
  now?: () => Date;
}

export type IndexBuildStatus = 'built' | 'already-valid' | 'rebuilt-invalid' | 'skipped' | 'failed' | 'would-build' | 'would-rebuild-invalid';

export type BuildFailureKind =
  | 'invalid-definition'
  | 'name-taken'
  | 'lock-timeout'
  | 'statement-timeout'
  | 'max-duration'
  | 'cancelled'
  | 'connection-lost'
  | 'invalid-after-build'
  | 'error';

export interface IndexBuildResult {
  index: string;
  /** The schema the index is (or would be) in, once the table was found. */
  schema: string | null;
  table: string;
  definition: IndexDefinition;
  status: IndexBuildStatus;
  /** Why it was skipped or failed. */
  reason: string | null;
  failure: BuildFailureKind | null;
  error: ErrorDescription | null;
  /** The CREATE INDEX statement (null when the definition was refused). */
  sql: string | null;
  /** CREATE INDEX attempts made. */
  attempts: number;
  durationMs: number;
  /**
   * What the build measured, for the build-time estimates (src/db/build-history.ts): the table's
   * size and the CREATE INDEX statement's own time (without lock retries). Null unless built.
   */
  measured: { tableBytes: number; seconds: number } | null;
  /** An INVALID index that could not be dropped: drop it with `dropSql` before building again. */
  leftover: { schema: string; index: string; dropSql: string } | null;
}

export type SafeBuildOutcome =
  /** Everything built or already there (or nothing to do). */
  | 'done'
  | 'outside-safe-hours'
  | 'too-busy'
  /** Another pg-index-guard builder holds the lock on this database. */
  | 'another-run-in-progress'
  /** The time budget ran out between builds (nothing was cancelled). */
  | 'max-duration-reached'
  | 'cancelled'
  /** At least one index failed. */
  | 'failed';

export interface SafeBuildResult {
  outcome: SafeBuildOutcome;
  dryRun: boolean;
  results: IndexBuildResult[];
  /** One line on how the run ended. */
  message: string;
  startedAt: Date;
  finishedAt: Date;
}

/** Session-level advisory lock taken by a (non dry) run: two runs never build at the same time. */
export const BUILDER_LOCK_KEY: readonly [number, number] = [0x70676967, 1];

const DEFAULTS = {
  lockTimeoutMs: 5_000,
  statementTimeoutMs: 0,
  lockRetries: 3,
  lockRetryDelayMs: 5_000,
  cleanupTimeoutMs: 5 * 60_000,
  cancelGraceMs: 5_000,
  terminateGraceMs: 5_000,
};

interface TableInfo {
  schema: string;
  oid: number;
}

interface ExistingIndex {
  relkind: string;
  isIndex: boolean;
  onTable: boolean;
  valid: boolean;
  buildInProgress: boolean;
  definition: string | null;
}

class ConnectionLost extends Error {}

/**
 * Builds `definitions` one at a time. Resolves with a result per index and an outcome; rejects
 * only when no connection can be opened at all (a DbError describing why).
 */
export async function buildIndexesSafely(options: SafeBuildOptions): Promise<SafeBuildResult> {
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  const startedAt = new Date();
  const started = Date.now();
  const deadline = options.maxDurationMs != null && options.maxDurationMs > 0 ? started + options.maxDurationMs : null;
  const safeHours = typeof options.safeHours === 'string' ? parseSafeHours(options.safeHours) : (options.safeHours ?? null);
  const dryRun = options.dryRun === true;
  const total = options.definitions.length;
  const now = options.now ?? (() => new Date());
  const results: IndexBuildResult[] = [];

  const emit = (position: number, index: string | null, step: BuildStep, message: string, level: BuildProgressEvent['level'] = 'info') => {
    const prefix = index === null ? '' : `[${position}/${total} ${displayName(index)}] `;
    // names and SQL may hold newlines: one event is one log line
    message = escapeControl(message);
    try {
      options.logger?.[level](`${prefix}${message}`);
      options.onProgress?.({ index, position, total, step, message, level });
    } catch {
      // a broken listener must not stop a build halfway
    }
  };

  const finish = (outcome: SafeBuildOutcome, message: string): SafeBuildResult => {
    const counts = new Map<IndexBuildStatus, number>();
    for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    const summary = [...counts].map(([status, n]) => `${n} ${status}`).join(', ') || 'nothing to build';
    emit(0, null, 'summary', `${dryRun ? 'dry run: ' : ''}${summary}. ${message}`, outcome === 'done' ? 'info' : outcome === 'failed' ? 'error' : 'warn');
    return { outcome, dryRun, results, message, startedAt, finishedAt: new Date() };
  };

  if (total === 0) return finish('done', 'Nothing to build.');

  return withWriteConnection(options.connection, async (client) => {
    let alive = true;
    client.on('end', () => {
      alive = false;
    });
    /** A short statement of the builder's own, with a client-side deadline (see timeouts.ts). */
    const shortQuery = (text: string, values: unknown[] = []) => client.query({ text, values, query_timeout: SHORT_QUERY_DEADLINE_MS } as WithQueryTimeout<QueryConfig>);
    const [{ pid }] = (await shortQuery('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
    emit(0, null, 'connect', `connected (backend pid ${pid})${dryRun ? '; dry run: the session is read-only and nothing is written' : ''}`);
    if (dryRun) await shortQuery(`SELECT set_config('default_transaction_read_only', 'on', false)`);
    else {
      const [{ locked }] = (await shortQuery('SELECT pg_try_advisory_lock($1::int, $2::int) AS locked', [...BUILDER_LOCK_KEY])).rows as [{ locked: boolean }];
      if (!locked) {
        for (const def of options.definitions) results.push(unbuilt(def, 'skipped', 'another pg-index-guard build runs on this database'));
        return finish('another-run-in-progress', 'Another pg-index-guard build holds the builder lock on this database; nothing was done.');
      }
    }

    /** One statement about our backend (pg_cancel_backend, pg_terminate_backend) from a second connection; failures are logged. */
    const signalBackend = async (fn: 'pg_cancel_backend' | 'pg_terminate_backend') => {
      try {
        await withWriteConnection(options.connection, (other) => other.query({ text: `SELECT ${fn}($1::int)`, values: [pid] }), { queryTimeoutMs: SHORT_QUERY_DEADLINE_MS });
      } catch (error) {
        emit(0, null, 'cancel', `could not ${fn === 'pg_cancel_backend' ? 'cancel' : 'terminate'}: ${describeConnectionError(error).title}`, 'error');
      }
    };

    // Stopping a build from outside this connection: the watchdog of its time limit, and the abort signal.
    let cancelReason: 'deadline' | 'statement-timeout' | 'abort' | null = null;
    /** Set when the build did not stop after the cancel and its connection was closed on it. */
    let abandoned = false;
    /** Sequence number of the build statement running now (0: none); cleanup statements are never cancelled. */
    let runningBuild = 0;
    let buildSequence = 0;
    const stopRunning = async (reason: 'deadline' | 'statement-timeout' | 'abort') => {
      const target = runningBuild;
      if (target === 0 || cancelReason) return;
      cancelReason = reason;
      const why = reason === 'abort' ? 'cancel requested' : reason === 'deadline' ? 'maximum duration exceeded' : 'statement timeout exceeded';
      emit(0, null, 'cancel', `${why}: cancelling the running build (pg_cancel_backend(${pid}) from a second connection)`, 'warn');
      // A cancel that arrives before the statement reached the server does nothing: repeat until it ends.
      const giveUpAt = Date.now() + settings.terminateGraceMs;
      while (runningBuild === target && alive && Date.now() < giveUpAt) {
        await signalBackend('pg_cancel_backend');
        await sleep(Math.min(1_000, Math.max(0, giveUpAt - Date.now())));
      }
      if (runningBuild !== target || !alive) return;
      // The server does not answer (a stopped backend, a frozen host): terminate, and do not wait for it.
      emit(0, null, 'cancel', `the build did not stop within ${formatMs(settings.terminateGraceMs)} of the cancel: terminating it (pg_terminate_backend(${pid}) from a second connection) and closing its connection`, 'error');
      abandoned = true;
      await signalBackend('pg_terminate_backend');
      if (runningBuild !== target || !alive) return;
      alive = false;
      // a query is running: end() destroys the socket at once, and the build's query fails
      void client.end().catch(() => undefined);
    };
    const onAbort = () => void stopRunning('abort');
    options.signal?.addEventListener('abort', onAbort);

    /** One statement on the builder's connection; `answerWithinMs` 0: no client-side deadline (a build, watched by stopRunning). */
    const query = async (text: string, values?: unknown[], answerWithinMs = SHORT_QUERY_DEADLINE_MS) => {
      if (!alive) throw new ConnectionLost('connection lost');
      try {
        return await client.query({ text, ...(values ? { values } : {}), ...(answerWithinMs > 0 ? { query_timeout: answerWithinMs } : {}) } as WithQueryTimeout<QueryConfig>);
      } catch (error) {
        if (isQueryReadTimeout(error)) {
          alive = false;
          void client.end().catch(() => undefined);
          throw new ConnectionLost(describeConnectionError(noAnswerError(answerWithinMs)).title);
        }
        if (isConnectionLoss(error) || !alive) {
          alive = false;
          throw new ConnectionLost(describeConnectionError(error).detail);
        }
        throw error;
      }
    };

    /**
     * Runs one DDL statement with the session's timeouts set around it, then resets them. A build
     * (`build` names what limits it) is watched: past its statement_timeout plus a grace, it is
     * cancelled, then terminated, from outside; a cleanup statement has a client-side deadline.
     */
    const runWithTimeouts = async (position: number, name: string, sql: string, statementTimeoutMs: number, build: 'deadline' | 'statement-timeout' | null, announce: () => void) => {
      const statementTimeoutText = statementTimeoutMs > 0 ? `'${Math.floor(statementTimeoutMs)}ms'` : '0 (none)';
      emit(position, name, 'set-timeouts', `SET lock_timeout = '${Math.floor(settings.lockTimeoutMs)}ms', statement_timeout = ${statementTimeoutText}`);
      await query(`SELECT set_config('lock_timeout', $1::text, false), set_config('statement_timeout', $2::text, false)`, [
        String(Math.max(0, Math.floor(settings.lockTimeoutMs))),
        String(Math.max(0, Math.floor(statementTimeoutMs))),
      ]);
      let timer: NodeJS.Timeout | null = null;
      if (build !== null && statementTimeoutMs > 0) timer = setTimeout(() => void stopRunning(build), statementTimeoutMs + settings.cancelGraceMs);
      if (build !== null) runningBuild = ++buildSequence;
      announce();
      try {
        await query(sql, undefined, build !== null ? 0 : statementTimeoutMs > 0 ? statementTimeoutMs + ANSWER_GRACE_MS : 0);
      } finally {
        runningBuild = 0;
        if (timer) clearTimeout(timer);
        if (alive) {
          await query('RESET lock_timeout; RESET statement_timeout').catch(() => undefined);
          emit(position, name, 'reset-timeouts', 'RESET lock_timeout; RESET statement_timeout');
        }
      }
    };

    const lookupTable = async (def: IndexDefinition): Promise<TableInfo | null> => {
      const { rows } = await query(
        `SELECT n.nspname AS schema_name, c.oid::int8 AS oid
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.oid = to_regclass($1::text) AND c.relkind IN ('r', 'p', 'm')`,
        [qualifiedName(def.schema, def.table)],
      );
      const row = rows[0] as { schema_name: string; oid: string } | undefined;
      return row ? { schema: row.schema_name, oid: Number(row.oid) } : null;
    };

    /** pg_class.relpages, which the build itself just brought up to date: read without a lock on the table. */
    const measureTableBytes = async (table: TableInfo): Promise<number | null> => {
      const { rows } = await query(`SELECT c.relpages::float8 * current_setting('block_size')::float8 AS bytes FROM pg_class c WHERE c.oid = $1::oid`, [table.oid]);
      const bytes = Number((rows[0] as { bytes: unknown } | undefined)?.bytes);
      return Number.isFinite(bytes) && bytes > 0 ? bytes : null;
    };

    const lookupIndex = async (table: TableInfo, name: string): Promise<ExistingIndex | null> => {
      const { rows } = await query(
        `SELECT c.relkind::text AS relkind, x.indexrelid IS NOT NULL AS is_index, x.indrelid::int8 AS table_oid,
                coalesce(x.indisvalid, false) AS valid,
                EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = c.oid) AS in_progress,
                CASE WHEN x.indexrelid IS NOT NULL THEN pg_get_indexdef(c.oid) END AS definition
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_index x ON x.indexrelid = c.oid
          WHERE n.nspname = $1::text AND c.relname = $2::text`,
        [table.schema, name],
      );
      const row = rows[0] as { relkind: string; is_index: boolean; table_oid: string | null; valid: boolean; in_progress: boolean; definition: string | null } | undefined;
      if (!row) return null;
      return {
        relkind: row.relkind,
        isIndex: row.is_index,
        onTable: row.table_oid !== null && Number(row.table_oid) === table.oid,
        valid: row.valid,
        buildInProgress: row.in_progress,
        definition: row.definition,
      };
    };

    /**
     * Drops our INVALID leftover, if there is one. Null when none is left, else why not
     * (`lockTimeout`: another session's lock or transaction held the drop up; worth a retry).
     */
    const dropLeftover = async (position: number, def: IndexDefinition, table: TableInfo): Promise<{ lockTimeout: boolean; reason: string; error: unknown } | null> => {
      const existing = await lookupIndex(table, def.name);
      if (!existing || !existing.isIndex || !existing.onTable || existing.valid) return null;
      if (existing.buildInProgress) return { lockTimeout: false, reason: 'another session is building it right now', error: null };
      const sql = dropInvalidIndexSql(table.schema, def.name);
      try {
        await runWithTimeouts(position, def.name, sql, settings.cleanupTimeoutMs, null, () =>
          emit(position, def.name, 'drop-invalid', `dropping the INVALID leftover: ${sql}`, 'warn'),
        );
        return null;
      } catch (error) {
        if (error instanceof ConnectionLost) throw error;
        const lockTimeout = describeConnectionError(error).code === '55P03';
        const reason = lockTimeout ? `lock timeout after ${formatMs(settings.lockTimeoutMs)}: another session holds a conflicting lock or an open transaction on the table` : withServerDetail(error);
        emit(position, def.name, 'drop-invalid', `could not drop the INVALID leftover: ${reason}`, lockTimeout ? 'warn' : 'error');
        return { lockTimeout, reason, error };
      }
    };

    const buildOne = async (def: IndexDefinition, position: number): Promise<IndexBuildResult> => {
      const t0 = Date.now();
      const result = unbuilt(def, 'failed', null);
      const done = (status: IndexBuildStatus, reason: string | null = null, failure: BuildFailureKind | null = null, error: unknown = null) => {
        result.status = status;
        result.reason = reason;
        result.failure = failure;
        result.error = error === null ? null : describeConnectionError(error);
        result.durationMs = Date.now() - t0;
        const level = status === 'failed' ? 'error' : status === 'skipped' ? 'warn' : 'info';
        emit(position, def.name, 'result', `${status}${reason ? `: ${reason}` : ''} (${formatMs(result.durationMs)})`, level);
        return result;
      };

      try {
        result.sql = createIndexConcurrentlySql(def, options.parser);
      } catch (error) {
        if (error instanceof IndexDefinitionError) return done('failed', error.message, 'invalid-definition');
        return done('failed', error instanceof Error ? error.message : String(error), 'invalid-definition');
      }
      emit(position, def.name, 'inspect', `checking ${describeIndexDefinition(def)}`);
      const table = await lookupTable(def);
      if (!table) return done('skipped', `the table ${displayName(def.schema ? `${def.schema}.${def.table}` : def.table)} does not exist (yet)`);
      result.schema = table.schema;
      const existing = await lookupIndex(table, def.name);
      let leftover = false;
      if (existing) {
        if (!existing.isIndex || !existing.onTable) {
          return done('failed', `the name is taken by ${existing.isIndex ? 'an index on another table' : `another relation (relkind ${existing.relkind})`}`, 'name-taken');
        }
        if (existing.valid) {
          emit(position, def.name, 'inspect', `exists and is valid: ${existing.definition ?? ''}`);
          return done('already-valid');
        }
        if (existing.buildInProgress) return done('skipped', 'another session is building it right now');
        leftover = true;
        emit(position, def.name, 'inspect', `an INVALID index with this name exists (a failed earlier build): ${existing.definition ?? ''}`, 'warn');
      }
      if (dryRun) {
        emit(position, def.name, 'plan', `would ${leftover ? `drop the INVALID leftover (${dropInvalidIndexSql(table.schema, def.name)}) and ` : ''}run: ${result.sql}`);
        return done(leftover ? 'would-rebuild-invalid' : 'would-build');
      }
      const keepLeftover = () => {
        result.leftover = { schema: table.schema, index: def.name, dropSql: dropInvalidIndexSql(table.schema, def.name) };
      };
      /** After a failed build: drop what it left, or report it. */
      const cleanUp = async () => {
        if (await dropLeftover(position, def, table)) keepLeftover();
      };
      const attempts = settings.lockRetries + 1;
      const lockTimeoutText = `lock timeout (${formatMs(settings.lockTimeoutMs)})`;
      let delay = settings.lockRetryDelayMs;
      let buildSeconds: number | null = null;

      // One attempt is the whole step: drop the INVALID leftover (of an earlier run, or of the
      // attempt before), then build. A lock timeout in either part retries the whole step.
      for (let attempt = 1; ; attempt++) {
        result.attempts = attempt;
        if (options.signal?.aborted) return done('failed', 'cancelled', 'cancelled');
        if (attempt > 1) {
          const again = await lookupIndex(table, def.name);
          if (again?.valid && again.onTable) return done(leftover ? 'rebuilt-invalid' : 'built', 'built by another session meanwhile');
        }
        let lockFailure: { step: 'drop' | 'build'; error: unknown };
        const dropFailure = await dropLeftover(position, def, table);
        if (dropFailure && !dropFailure.lockTimeout) {
          keepLeftover();
          return done('failed', `an INVALID leftover with this name could not be dropped: ${dropFailure.reason}`, 'error', dropFailure.error);
        }
        if (dropFailure) {
          lockFailure = { step: 'drop', error: dropFailure.error };
        } else {
          const remaining = deadline === null ? null : deadline - Date.now();
          if (remaining !== null && remaining <= 0) return done('failed', 'no time left (maximum duration)', 'max-duration');
          const byDeadline = remaining !== null && (settings.statementTimeoutMs <= 0 || remaining < settings.statementTimeoutMs);
          const statementTimeout = byDeadline ? Math.max(1, remaining!) : settings.statementTimeoutMs;
          try {
            const statementStarted = Date.now();
            await runWithTimeouts(position, def.name, result.sql!, statementTimeout, byDeadline ? 'deadline' : 'statement-timeout', () =>
              emit(position, def.name, 'build', `attempt ${attempt} of ${attempts}: ${result.sql}`),
            );
            buildSeconds = (Date.now() - statementStarted) / 1000;
            break;
          } catch (error) {
            if (error instanceof ConnectionLost && abandoned) {
              keepLeftover();
              const kind: BuildFailureKind = cancelReason === 'abort' ? 'cancelled' : cancelReason === 'deadline' ? 'max-duration' : 'statement-timeout';
              const what = kind === 'cancelled' ? 'cancelled' : kind === 'max-duration' ? 'the maximum duration was exceeded' : `statement timeout (${formatMs(settings.statementTimeoutMs)})`;
              return done('failed', `${what}, and the server did not answer the cancel: its connection was closed; the next run drops the INVALID leftover`, kind, error);
            }
            if (error instanceof ConnectionLost) {
              return done('failed', `the connection was lost during the build (${error.message}); the next run drops its INVALID leftover and rebuilds it`, 'connection-lost', error);
            }
            const description = describeConnectionError(error);
            if (description.code === '57014') {
              const kind: BuildFailureKind = cancelReason === 'abort' ? 'cancelled' : cancelReason === 'deadline' || byDeadline ? 'max-duration' : 'statement-timeout';
              const reason =
                kind === 'cancelled' ? 'cancelled' : kind === 'max-duration' ? 'cancelled: the maximum duration was exceeded' : `statement timeout (${formatMs(settings.statementTimeoutMs)})`;
              emit(position, def.name, 'build', reason, 'warn');
              await cleanUp();
              return done('failed', reason, kind, error);
            }
            if (description.code !== '55P03') {
              const reason = withServerDetail(error);
              emit(position, def.name, 'build', `failed: ${reason}`, 'error');
              await cleanUp();
              return done('failed', reason, 'error', error);
            }
            emit(position, def.name, 'build', `lock timeout after ${formatMs(settings.lockTimeoutMs)}: another session holds a conflicting lock or an open transaction on the table`, 'warn');
            lockFailure = { step: 'build', error };
          }
        }

        // A lock timeout: the whole step again after the backoff, or give up.
        const onWhat = lockFailure.step === 'drop' ? 'dropping the INVALID leftover' : 'the build';
        const canWait = deadline === null || Date.now() + delay < deadline;
        if (attempt < attempts && canWait && !options.signal?.aborted) {
          emit(position, def.name, 'retry', `attempt ${attempt} of ${attempts} failed on ${onWhat}: ${lockTimeoutText}; retrying in ${formatMs(delay)} (retry ${attempt} of ${settings.lockRetries})`, 'warn');
          await sleep(delay, options.signal);
          delay *= 2;
          continue;
        }
        // the build's own leftover is dropped once more; a leftover that just refused to go stays
        if (lockFailure.step === 'build') await cleanUp();
        else keepLeftover();
        if (options.signal?.aborted) return done('failed', 'cancelled', 'cancelled', lockFailure.error);
        const left = result.leftover ? '; the INVALID leftover could not be dropped' : '';
        return done(
          'failed',
          `${lockTimeoutText} on ${attempt} attempt${attempt === 1 ? '' : 's'}, the last one on ${onWhat}${canWait ? '' : '; no time left to retry'}${left}`,
          'lock-timeout',
          lockFailure.error,
        );
      }

      emit(position, def.name, 'verify', 'checking pg_index.indisvalid');
      const built = await lookupIndex(table, def.name);
      if (!built || !built.onTable) return done('failed', 'the index is not there after the build', 'error');
      if (!built.valid) {
        await cleanUp();
        return done('failed', 'the index is INVALID after the build', 'invalid-after-build');
      }
      emit(position, def.name, 'verify', `valid: ${built.definition ?? ''}`);
      const tableBytes = await measureTableBytes(table).catch(() => null);
      if (tableBytes !== null && buildSeconds !== null) result.measured = { tableBytes, seconds: buildSeconds };
      return done(leftover ? 'rebuilt-invalid' : 'built');
    };

    let stop: { outcome: SafeBuildOutcome; message: string } | null = null;
    let plannedStop: { outcome: SafeBuildOutcome; message: string } | null = null;
    try {
      for (let i = 0; i < total && !stop; i++) {
        const def = options.definitions[i]!;
        const position = i + 1;
        try {
          const blocked = await preflight(position, def);
          if (blocked) {
            if (!dryRun || blocked.outcome === 'cancelled') {
              stop = blocked;
              break;
            }
            plannedStop ??= blocked;
          }
          const result = await buildOne(def, position);
          results.push(result);
          if (result.failure === 'cancelled') stop = { outcome: 'cancelled', message: 'Cancelled.' };
          else if (result.failure === 'max-duration') stop = { outcome: 'failed', message: 'The maximum duration was exceeded.' };
          else if (result.failure === 'connection-lost' || !alive) stop = { outcome: 'failed', message: 'The connection to the database was lost.' };
        } catch (error) {
          // a query of ours failed (the connection, a permission): this index fails, the run goes on if it can
          const lost = error instanceof ConnectionLost;
          const reason = lost ? `the connection was lost (${(error as Error).message})` : withServerDetail(error);
          results.push({ ...unbuilt(def, 'failed', reason), failure: lost ? 'connection-lost' : 'error', error: lost ? null : describeConnectionError(error) });
          emit(position, def.name, 'result', `failed: ${reason}`, 'error');
          if (lost) stop = { outcome: 'failed', message: 'The connection to the database was lost.' };
        }
      }
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      if (alive && !dryRun) await shortQuery('SELECT pg_advisory_unlock($1::int, $2::int)', [...BUILDER_LOCK_KEY]).catch(() => undefined);
    }
    for (let i = results.length; i < total; i++) {
      const def = options.definitions[i]!;
      results.push(unbuilt(def, 'skipped', stop?.message ?? 'not reached'));
      emit(i + 1, def.name, 'result', `skipped: ${stop?.message ?? 'not reached'}`, 'warn');
    }
    const anyFailed = results.some((r) => r.status === 'failed');
    if (stop?.outcome === 'cancelled') return finish('cancelled', stop.message);
    if (anyFailed) return finish('failed', stop ? stop.message : 'See the failures above.');
    if (stop) return finish(stop.outcome, stop.message);
    if (plannedStop) return finish(plannedStop.outcome, `A real run would stop here: ${plannedStop.message}`);
    return finish('done', dryRun ? 'Dry run: nothing was written.' : 'Done.');

    /** The checks before each build: cancelled, time budget, safe hours, load. */
    async function preflight(position: number, def: IndexDefinition): Promise<{ outcome: SafeBuildOutcome; message: string } | null> {
      if (options.signal?.aborted) return { outcome: 'cancelled', message: 'Cancelled.' };
      if (deadline !== null && Date.now() >= deadline) {
        const message = `The maximum duration (${formatMs(options.maxDurationMs!)}) is reached; the remaining indexes wait for the next run.`;
        emit(position, def.name, 'stop', message, 'warn');
        return { outcome: 'max-duration-reached', message };
      }
      if (safeHours) {
        const at = now();
        if (!isWithinSafeHours(safeHours, at, options.timeZone)) {
          const message = `Outside the safe hours (${describeSafeHours(safeHours, options.timeZone)}; it is ${at.toISOString()}).`;
          emit(position, def.name, 'safe-hours', message, 'warn');
          return { outcome: 'outside-safe-hours', message };
        }
        emit(position, def.name, 'safe-hours', `inside the safe hours (${describeSafeHours(safeHours, options.timeZone)})`);
      }
      if (options.maxActiveConnections != null) {
        const { rows } = await query(
          `SELECT count(*) FILTER (WHERE state = 'active' AND pid <> pg_backend_pid())::int AS active
             FROM pg_stat_activity WHERE backend_type = 'client backend'`,
        );
        const active = Number((rows[0] as { active: number }).active);
        if (active > options.maxActiveConnections) {
          const message = `The database is busy: ${active} active connections, more than the maximum of ${options.maxActiveConnections}.`;
          emit(position, def.name, 'load', message, 'warn');
          return { outcome: 'too-busy', message };
        }
        emit(position, def.name, 'load', `${active} active connections (maximum ${options.maxActiveConnections})`);
      }
      return null;
    }
  });
}

/** The result for `def` before any attempt to build it (skipped, or the start of one being built). */
function unbuilt(def: IndexDefinition, status: IndexBuildStatus, reason: string | null): IndexBuildResult {
  return {
    index: def.name,
    schema: def.schema,
    table: def.table,
    definition: def,
    status,
    reason,
    failure: null,
    error: null,
    sql: null,
    attempts: 0,
    durationMs: 0,
    measured: null,
    leftover: null,
  };
}

/** The error's message, with the server's DETAIL (`Key (account_id)=(1) is duplicated.`) when it sent one. */
function withServerDetail(error: unknown): string {
  const detail = (error as { detail?: unknown } | null)?.detail;
  const message = describeConnectionError(error).detail;
  return typeof detail === 'string' && detail !== '' ? `${message}: ${detail}` : message;
}

function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '57P01' || code === '57P02' || code === '57P03' || code === '08006' || code === '08003') return true;
  const message = error instanceof Error ? error.message : String(error);
  return /Connection terminated|not queryable|Client was closed|ECONNRESET|EPIPE/i.test(message);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** A name as it can be printed in a log line: bare when plain, else quoted with control characters escaped. */
export function displayName(name: string): string {
  if (/^[a-z_][a-z0-9_$.]*$/.test(name)) return name;
  return `"${escapeControl(name.replace(/"/g, '""'))}"`;
}

function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

