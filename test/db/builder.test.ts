// The safe builder against a real server and real faults: a table locked by another session, an
// open write transaction, the builder's backend terminated mid-build, a build past its maximum
// duration, a cancel, the hour and the load, a dry run, hostile names.
//
// Builds that must last a few seconds index `slow_id(id)`, an IMMUTABLE function that sleeps a
// millisecond per row: a real concurrent build whose length does not depend on the machine.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type pg from 'pg';
import { loadParsers, type Parsers } from '../../src/core/lint';
import type { IndexDefinition } from '../../src/db/builder/index-definition';
import { gatherIndexDefinitions } from '../../src/db/builder/pending';
import { BUILDER_LOCK_KEY, buildIndexesSafely, type BuildProgressEvent, type SafeBuildOptions, type SafeBuildResult } from '../../src/db/builder/safe-builder';
import { MonitorSession } from '../../src/db/session';
import { collectStatus, readStatusWorkspace, type StatusWorkspace } from '../../src/db/status';
import { closeClient, seedTables, useCluster, waitFor } from './support/postgres';

const APP = join(__dirname, '..', 'fixtures', 'db', 'rails-app');
const DB = 'builder_test';
let parsers: Parsers;
let workspace: StatusWorkspace;
let admin: pg.Client;

const cluster = useCluster({}, async (c) => {
  parsers = await loadParsers();
  workspace = readStatusWorkspace(APP, { parsers });
  await c.createDatabase(DB);
  admin = await c.connect(DB);
  await seedTables(admin, { messages: 200_000, conversations: 20_000, contacts: 5_000 });
  await admin.query(`
    CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
    INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240201000000');
    CREATE FUNCTION slow_id(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN PERFORM pg_sleep(0.001); RETURN i; END $$;
    CREATE TABLE slow_items (id int NOT NULL);
    INSERT INTO slow_items SELECT generate_series(1, 1500);
    CREATE TABLE lock_a (id int);
    CREATE TABLE lock_b (id int);
    INSERT INTO lock_a SELECT generate_series(1, 1000);
    INSERT INTO lock_b SELECT generate_series(1, 1000);`);
});

function def(overrides: Partial<IndexDefinition> & Pick<IndexDefinition, 'table' | 'name'>): IndexDefinition {
  return {
    schema: null,
    columns: [{ kind: 'column', name: 'id' }],
    unique: false,
    nullsNotDistinct: false,
    using: null,
    include: [],
    where: null,
    storageParameters: {},
    tablespace: null,
    origin: { kind: 'manual' },
    notes: [],
    ...overrides,
  };
}

const slowDef = (name: string) => def({ table: 'slow_items', name, columns: [{ kind: 'expression', sql: 'slow_id(id)' }] });

interface Run {
  result: SafeBuildResult;
  events: BuildProgressEvent[];
  log: string[];
}

async function build(options: Partial<SafeBuildOptions> & Pick<SafeBuildOptions, 'definitions'>, onEvent?: (event: BuildProgressEvent) => void): Promise<Run> {
  const events: BuildProgressEvent[] = [];
  const log: string[] = [];
  const line = (level: string) => (message: string) => {
    log.push(`${level} ${message}`);
    if (process.env['PGIG_TEST_LOG']) console.log(`${level} ${message}`);
  };
  const result = await buildIndexesSafely({
    connection: [cluster().config(DB)],
    parser: parsers.sql,
    lockTimeoutMs: 1_000,
    lockRetryDelayMs: 50,
    logger: { info: line('info'), warn: line('warn'), error: line('error') },
    onProgress: (event) => {
      events.push(event);
      onEvent?.(event);
    },
    ...options,
  });
  return { result, events, log };
}

async function invalidIndexes(): Promise<string[]> {
  const { rows } = await admin.query(`SELECT c.relname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid WHERE NOT x.indisvalid ORDER BY 1`);
  return rows.map((r) => r.relname as string);
}

async function indexState(name: string): Promise<{ valid: boolean; definition: string } | null> {
  const { rows } = await admin.query(
    `SELECT x.indisvalid AS valid, pg_get_indexdef(c.oid) AS definition FROM pg_class c JOIN pg_index x ON x.indexrelid = c.oid WHERE c.relname = $1`,
    [name],
  );
  return rows[0] ? { valid: rows[0].valid as boolean, definition: rows[0].definition as string } : null;
}

/** Everything a build could change: relations, indexes and their validity, schema_migrations. */
async function snapshot(): Promise<string> {
  const { rows } = await admin.query(`
    SELECT (SELECT string_agg(format('%s %s %s', c.relname, c.relkind, coalesce(x.indisvalid::text, '')), ', ' ORDER BY c.relname)
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_index x ON x.indexrelid = c.oid
             WHERE n.nspname = 'public') AS relations,
           (SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations) AS versions`);
  return JSON.stringify(rows[0]);
}

function steps(run: Run, step: BuildProgressEvent['step']): BuildProgressEvent[] {
  return run.events.filter((e) => e.step === step);
}

/** The builder's backend while it builds `index` (phase "building index..."). */
async function builderPidWhileBuilding(): Promise<number> {
  return waitFor('the build to reach its build phase', async () => {
    const { rows } = await admin.query(
      `SELECT p.pid FROM pg_stat_progress_create_index p JOIN pg_stat_activity a ON a.pid = p.pid
        WHERE a.application_name = 'pg-index-guard maintenance' AND p.phase LIKE 'building index%'`,
    );
    return rows[0] ? (rows[0].pid as number) : undefined;
  });
}

test('builds the indexes of pending migrations and missing declared ones, valid, with the timeouts set and reset', async () => {
  const before = await withSession((s) => collectStatus(s, workspace));
  const gathered = gatherIndexDefinitions({ status: before, workspaceRoot: APP, parsers });
  assert.deepEqual(
    gathered.definitions.map((d) => [d.name, d.origin.kind]),
    [
      ['index_messages_on_conversation_id', 'migration'],
      ['index_messages_on_created_at', 'migration'],
      ['index_contacts_on_email', 'migration'],
      ['index_conversations_on_account_id_and_status', 'schema'],
      ['index_messages_on_status_pending', 'schema'],
    ],
  );
  assert.deepEqual(gathered.skipped.map((s) => [s.index, s.reason]), [['index_notifications_on_user_id', 'the table notifications does not exist in the database (a pending migration creates it?)']]);
  assert.equal(gathered.warnings.length, 2);
  assert.match(gathered.warnings[0]!, /20240301000000_add_conversation_index_to_messages\.rb: once its indexes are built, this migration fails .* mark-as-run 20240301000000/);

  const run = await build({ definitions: gathered.definitions, maxActiveConnections: 50, safeHours: '0-24', lockTimeoutMs: 2_000, statementTimeoutMs: 60_000 });
  assert.equal(run.result.outcome, 'done', run.log.join('\n'));
  assert.deepEqual(run.result.results.map((r) => [r.index, r.status, r.attempts]), gathered.definitions.map((d) => [d.name, 'built', 1]));
  for (const d of gathered.definitions) assert.equal((await indexState(d.name))?.valid, true, d.name);
  assert.equal((await indexState('index_messages_on_status_pending'))?.definition, 'CREATE INDEX index_messages_on_status_pending ON public.messages USING btree (status) WHERE (status = 0)');
  assert.equal((await indexState('index_contacts_on_email'))?.definition, 'CREATE UNIQUE INDEX index_contacts_on_email ON public.contacts USING btree (email)');
  // every build: the session's timeouts set, the build, reset, verified
  const first = run.events.filter((e) => e.position === 1).map((e) => e.step);
  assert.deepEqual(first, ['safe-hours', 'load', 'inspect', 'set-timeouts', 'build', 'reset-timeouts', 'verify', 'verify', 'result']);
  assert.match(steps(run, 'set-timeouts')[0]!.message, /lock_timeout = '2000ms', statement_timeout = '60000ms'/);
  assert.equal(steps(run, 'reset-timeouts').length, 5);
  assert.deepEqual(await invalidIndexes(), []);

  const after = await withSession((s) => collectStatus(s, workspace));
  assert.deepEqual(after.missingIndexes.items.map((m) => m.name), ['index_notifications_on_user_id']);

  const again = await build({ definitions: gathered.definitions });
  assert.equal(again.result.outcome, 'done');
  assert.deepEqual(again.result.results.map((r) => r.status), gathered.definitions.map(() => 'already-valid'));
  assert.equal(steps(again, 'build').length, 0);
});

test('a table locked by another session: lock timeout, retried with backoff, then reported; nothing left behind', async () => {
  const blocker = await cluster().connect(DB);
  await blocker.query('BEGIN; LOCK TABLE lock_a IN SHARE UPDATE EXCLUSIVE MODE');
  try {
    const started = Date.now();
    const run = await build({ definitions: [def({ table: 'lock_a', name: 'lock_a_id' }), def({ table: 'lock_b', name: 'lock_b_id' })], lockTimeoutMs: 150, lockRetries: 2, lockRetryDelayMs: 100 });
    const [locked, other] = run.result.results;
    assert.equal(locked!.status, 'failed');
    assert.equal(locked!.failure, 'lock-timeout');
    assert.equal(locked!.attempts, 3);
    assert.equal(locked!.error?.code, '55P03');
    assert.match(locked!.reason!, /^lock timeout \(150 ms\) on 3 attempts, the last one on the build$/);
    assert.deepEqual(steps(run, 'build').filter((e) => e.index === 'lock_a_id' && e.level === 'info').map((e) => e.message.replace(/:.*/, '')), ['attempt 1 of 3', 'attempt 2 of 3', 'attempt 3 of 3']);
    assert.deepEqual(steps(run, 'retry').map((e) => e.message), [
      'attempt 1 of 3 failed on the build: lock timeout (150 ms); retrying in 100 ms (retry 1 of 2)',
      'attempt 2 of 3 failed on the build: lock timeout (150 ms); retrying in 200 ms (retry 2 of 2)',
    ]);
    assert.ok(Date.now() - started >= 3 * 150 + 300);
    // one index failing does not stop the others
    assert.equal(other!.status, 'built');
    assert.equal(run.result.outcome, 'failed');
    assert.equal(await indexState('lock_a_id'), null);
    assert.deepEqual(await invalidIndexes(), []);
  } finally {
    await closeClient(blocker);
  }
});

test('an open write transaction: the attempt times out waiting for it, its INVALID leftover is dropped, the retry builds', async () => {
  const writer = await cluster().connect(DB);
  await writer.query('BEGIN; INSERT INTO lock_b VALUES (0)');
  let committed: Promise<unknown> | null = null;
  try {
    const run = await build({ definitions: [def({ table: 'lock_b', name: 'lock_b_writer' })], lockTimeoutMs: 300, lockRetries: 3, lockRetryDelayMs: 300 }, (event) => {
      if (event.step === 'retry' && !committed) committed = writer.query('COMMIT');
    });
    const [result] = run.result.results;
    assert.equal(result!.status, 'built', run.log.join('\n'));
    assert.ok(result!.attempts >= 2);
    // the first attempt got as far as creating the (invalid) index before waiting for the writer
    assert.ok(steps(run, 'drop-invalid').some((e) => /dropping the INVALID leftover: DROP INDEX CONCURRENTLY IF EXISTS "public"\."lock_b_writer";/.test(e.message)), run.log.join('\n'));
    assert.equal((await indexState('lock_b_writer'))?.valid, true);
    assert.deepEqual(await invalidIndexes(), []);
  } finally {
    await committed;
    await closeClient(writer);
  }
});

/** An INVALID index named `name` on lock_b, as a failed earlier run leaves it (a unique build over duplicates). */
async function invalidLeftover(name: string): Promise<void> {
  await admin.query(`CREATE UNIQUE INDEX CONCURRENTLY ${name} ON lock_b ((id % 10))`).catch(() => undefined);
  assert.equal((await indexState(name))?.valid, false);
}

/**
 * Runs `work` with a write transaction open on lock_b until `writer.commit()` (else rolled back
 * at the end), then drops `index`: a failure must not fail the tests after it (they check that
 * nothing is INVALID).
 */
async function withOpenWriter(index: string, work: (writer: { commit(): void }) => Promise<void>): Promise<void> {
  const client = await cluster().connect(DB);
  await client.query('BEGIN; INSERT INTO lock_b VALUES (0)');
  let ended: Promise<unknown> | null = null;
  try {
    await work({ commit: () => void (ended ??= client.query('COMMIT')) });
  } finally {
    await (ended ?? client.query('ROLLBACK'));
    await closeClient(client);
    await admin.query(`DROP INDEX IF EXISTS ${index}`);
  }
}

/** The lines of a run's log about one index's attempts: retries, drops, builds. */
function attemptLines(run: Run): string[] {
  return run.events.filter((e) => e.step === 'retry' || e.step === 'drop-invalid' || (e.step === 'build' && e.level === 'info')).map((e) => `${e.step}: ${e.message.replace(/: (DROP|CREATE) .*/, '')}`);
}

test('an open write transaction on every attempt: each retry drops the leftover and builds again; the log says which attempt failed on what', async () => {
  await withOpenWriter('lock_b_whole_step', async (writer) => {
    // the writer stays until the second retry is announced: attempt 1 fails on the build, attempt 2 on the drop of its leftover
    const run = await build({ definitions: [def({ table: 'lock_b', name: 'lock_b_whole_step' })], lockTimeoutMs: 300, lockRetries: 3, lockRetryDelayMs: 200 }, (event) => {
      if (event.step === 'retry' && /^attempt 2 /.test(event.message)) writer.commit();
    });
    const [result] = run.result.results;
    assert.equal(result!.status, 'built', run.log.join('\n'));
    assert.equal(result!.attempts, 3);
    assert.deepEqual(attemptLines(run), [
      'build: attempt 1 of 4',
      'retry: attempt 1 of 4 failed on the build: lock timeout (300 ms); retrying in 200 ms (retry 1 of 3)',
      'drop-invalid: dropping the INVALID leftover',
      'drop-invalid: could not drop the INVALID leftover: lock timeout after 300 ms: another session holds a conflicting lock or an open transaction on the table',
      'retry: attempt 2 of 4 failed on dropping the INVALID leftover: lock timeout (300 ms); retrying in 400 ms (retry 2 of 3)',
      'drop-invalid: dropping the INVALID leftover',
      'build: attempt 3 of 4',
    ]);
    // a run that ends built logged no error on the way
    assert.deepEqual(run.log.filter((l) => l.startsWith('error')), []);
    assert.equal((await indexState('lock_b_whole_step'))?.valid, true);
    assert.deepEqual(await invalidIndexes(), []);
  });
});

test('an INVALID leftover of an earlier run, under an open write transaction: its drop is retried with the build, and the index is rebuilt', async () => {
  await invalidLeftover('lock_b_left_over');
  await withOpenWriter('lock_b_left_over', async (writer) => {
    const run = await build({ definitions: [def({ table: 'lock_b', name: 'lock_b_left_over' })], lockTimeoutMs: 300, lockRetries: 2, lockRetryDelayMs: 200 }, (event) => {
      if (event.step === 'retry') writer.commit();
    });
    const [result] = run.result.results;
    assert.equal(result!.status, 'rebuilt-invalid', run.log.join('\n'));
    assert.equal(result!.attempts, 2);
    assert.deepEqual(attemptLines(run), [
      'drop-invalid: dropping the INVALID leftover',
      'drop-invalid: could not drop the INVALID leftover: lock timeout after 300 ms: another session holds a conflicting lock or an open transaction on the table',
      'retry: attempt 1 of 3 failed on dropping the INVALID leftover: lock timeout (300 ms); retrying in 200 ms (retry 1 of 2)',
      'drop-invalid: dropping the INVALID leftover',
      'build: attempt 2 of 3',
    ]);
    assert.equal((await indexState('lock_b_left_over'))?.definition, 'CREATE INDEX lock_b_left_over ON public.lock_b USING btree (id)');
    assert.deepEqual(await invalidIndexes(), []);
  });
});

test('a writer that never lets go: every attempt is tried, then the leftover is reported with the SQL that drops it', async () => {
  await invalidLeftover('lock_b_stuck');
  await withOpenWriter('lock_b_stuck', async () => {
    const run = await build({ definitions: [def({ table: 'lock_b', name: 'lock_b_stuck' })], lockTimeoutMs: 200, lockRetries: 2, lockRetryDelayMs: 100 });
    const [result] = run.result.results;
    assert.equal(run.result.outcome, 'failed');
    assert.deepEqual([result!.status, result!.failure, result!.attempts], ['failed', 'lock-timeout', 3]);
    assert.equal(result!.reason, 'lock timeout (200 ms) on 3 attempts, the last one on dropping the INVALID leftover; the INVALID leftover could not be dropped');
    assert.deepEqual(result!.leftover, { schema: 'public', index: 'lock_b_stuck', dropSql: 'DROP INDEX CONCURRENTLY IF EXISTS "public"."lock_b_stuck";' });
    assert.deepEqual(steps(run, 'retry').map((e) => e.message), [
      'attempt 1 of 3 failed on dropping the INVALID leftover: lock timeout (200 ms); retrying in 100 ms (retry 1 of 2)',
      'attempt 2 of 3 failed on dropping the INVALID leftover: lock timeout (200 ms); retrying in 200 ms (retry 2 of 2)',
    ]);
  });
});

test("the builder's backend terminated mid-build: reported; the next run finds the INVALID leftover and rebuilds it", async () => {
  const running = build({ definitions: [slowDef('slow_terminated'), def({ table: 'lock_a', name: 'never_reached' })] });
  const pid = await builderPidWhileBuilding();
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  const run = await running;
  assert.equal(run.result.outcome, 'failed');
  assert.deepEqual(run.result.results.map((r) => [r.status, r.failure]), [['failed', 'connection-lost'], ['skipped', null]]);
  assert.deepEqual(await invalidIndexes(), ['slow_terminated']);

  const next = await build({ definitions: [slowDef('slow_terminated')] });
  assert.equal(next.result.outcome, 'done', next.log.join('\n'));
  assert.equal(next.result.results[0]!.status, 'rebuilt-invalid');
  assert.ok(next.log.some((l) => /an INVALID index with this name exists/.test(l)));
  assert.equal((await indexState('slow_terminated'))?.valid, true);
  assert.deepEqual(await invalidIndexes(), []);
});

test('maximum duration exceeded: the build is cancelled, its leftover dropped, the rest skipped', async () => {
  const run = await build({ definitions: [slowDef('slow_too_long'), def({ table: 'lock_a', name: 'after_deadline' })], maxDurationMs: 600 });
  assert.equal(run.result.outcome, 'failed');
  assert.deepEqual(run.result.results.map((r) => [r.status, r.failure]), [['failed', 'max-duration'], ['skipped', null]]);
  assert.equal(run.result.results[0]!.error?.code, '57014');
  assert.match(steps(run, 'set-timeouts')[0]!.message, /statement_timeout = '\d{3}ms'/);
  assert.ok(steps(run, 'drop-invalid').length === 1, run.log.join('\n'));
  assert.equal(await indexState('slow_too_long'), null);
  assert.equal(await indexState('after_deadline'), null);
  assert.deepEqual(await invalidIndexes(), []);
});

test('cancel (abort signal): the build is cancelled from a second connection and cleaned up', async () => {
  const controller = new AbortController();
  const running = build({ definitions: [slowDef('slow_cancelled')], signal: controller.signal });
  await builderPidWhileBuilding();
  controller.abort();
  const run = await running;
  assert.equal(run.result.outcome, 'cancelled');
  assert.equal(run.result.results[0]!.failure, 'cancelled');
  assert.ok(steps(run, 'cancel').some((e) => /pg_cancel_backend\(\d+\) from a second connection/.test(e.message)));
  assert.equal(await indexState('slow_cancelled'), null);
  assert.deepEqual(await invalidIndexes(), []);
});

test('outside the safe hours, or too many active connections, or another run: nothing is touched', async () => {
  const definitions = [def({ table: 'lock_a', name: 'not_now' })];
  const before = await snapshot();

  const noon = () => new Date('2024-06-01T12:00:00Z');
  const outside = await build({ definitions, safeHours: '2-5', timeZone: 'UTC', now: noon });
  assert.equal(outside.result.outcome, 'outside-safe-hours');
  assert.match(outside.result.message, /Outside the safe hours \(02:00-05:00 UTC; it is 2024-06-01T12:00:00\.000Z\)/);
  assert.deepEqual(outside.result.results.map((r) => r.status), ['skipped']);
  const inside = await build({ definitions: [], safeHours: '22-4', timeZone: 'UTC', now: () => new Date('2024-06-01T23:30:00Z') });
  assert.equal(inside.result.outcome, 'done');

  const sleepers = await Promise.all([cluster().connect(DB), cluster().connect(DB)]);
  const sleeping = sleepers.map((s) => s.query('SELECT pg_sleep(30)').catch(() => undefined));
  try {
    await waitFor('two active sleepers', async () => {
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'`);
      return rows[0].n === 2 ? true : undefined;
    });
    const busy = await build({ definitions, maxActiveConnections: 1 });
    assert.equal(busy.result.outcome, 'too-busy');
    assert.match(busy.result.message, /2 active connections, more than the maximum of 1/);
  } finally {
    await admin.query(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'`);
    await Promise.all(sleeping);
    for (const s of sleepers) await closeClient(s);
  }

  const other = await cluster().connect(DB);
  await other.query('SELECT pg_advisory_lock($1, $2)', [...BUILDER_LOCK_KEY]);
  try {
    const locked = await build({ definitions });
    assert.equal(locked.result.outcome, 'another-run-in-progress');
  } finally {
    await closeClient(other);
  }
  assert.equal(await snapshot(), before);
});

test('--dry-run reports the plan (a leftover to rebuild, a build, an existing index) and writes nothing', async () => {
  // a real failed build: a unique index over duplicates leaves an INVALID index behind
  await admin.query('CREATE UNIQUE INDEX CONCURRENTLY dry_dup ON lock_a ((id % 10))').catch(() => undefined);
  assert.deepEqual(await invalidIndexes(), ['dry_dup']);
  const before = await snapshot();
  const run = await build({
    dryRun: true,
    definitions: [
      def({ table: 'lock_a', name: 'dry_dup', columns: [{ kind: 'expression', sql: 'id % 10' }] }),
      def({ table: 'lock_a', name: 'dry_new' }),
      def({ table: 'messages', name: 'index_messages_on_conversation_id', columns: [{ kind: 'column', name: 'conversation_id' }] }),
      def({ table: 'no_such_table', name: 'dry_missing_table' }),
    ],
    safeHours: '0-24',
    maxActiveConnections: 100,
  });
  assert.equal(run.result.outcome, 'done');
  assert.equal(run.result.dryRun, true);
  assert.deepEqual(run.result.results.map((r) => r.status), ['would-rebuild-invalid', 'would-build', 'already-valid', 'skipped']);
  assert.match(steps(run, 'plan')[0]!.message, /would drop the INVALID leftover \(DROP INDEX CONCURRENTLY IF EXISTS "public"\."dry_dup";\) and run: CREATE UNIQUE INDEX|would drop the INVALID leftover \(DROP INDEX CONCURRENTLY IF EXISTS "public"\."dry_dup";\) and run: CREATE INDEX/);
  assert.equal(steps(run, 'set-timeouts').length + steps(run, 'build').length + steps(run, 'drop-invalid').length, 0);
  assert.equal(await snapshot(), before);
  await admin.query('DROP INDEX dry_dup');
});

test('hostile names are created exactly as written, and nothing else runs; a hostile predicate is refused', async () => {
  await admin.query(`CREATE TABLE "we""ird tab le" ("sp ace""col" int, status int); INSERT INTO "we""ird tab le" SELECT g, g % 3 FROM generate_series(1, 100) g`);
  const names = [`x"; DROP TABLE messages; --`, `Robert'); DROP TABLE students;--`, 'multi\nline'];
  const run = await build({
    definitions: [
      def({ table: 'we"ird tab le', name: names[0]!, columns: [{ kind: 'column', name: 'sp ace"col' }] }),
      def({ table: 'we"ird tab le', name: names[1]!, columns: [{ kind: 'column', name: 'status' }], where: 'status = 1' }),
      def({ table: 'we"ird tab le', name: names[2]!, columns: [{ kind: 'expression', sql: `("sp ace""col" + 1)` }] }),
      def({ table: 'messages', name: 'evil_predicate', columns: [{ kind: 'column', name: 'status' }], where: 'status = 0; DROP TABLE messages' }),
    ],
  });
  assert.deepEqual(run.result.results.map((r) => [r.status, r.failure]), [['built', null], ['built', null], ['built', null], ['failed', 'invalid-definition']]);
  assert.match(run.result.results[3]!.reason!, /refused: it contains a semicolon/);
  const { rows } = await admin.query(`SELECT c.relname FROM pg_class c JOIN pg_index x ON x.indexrelid = c.oid WHERE x.indrelid = '"we""ird tab le"'::regclass ORDER BY 1`);
  assert.deepEqual(rows.map((r) => r.relname).sort(), [...names].sort());
  assert.equal((await indexState(names[1]!))?.definition, `CREATE INDEX "Robert'); DROP TABLE students;--" ON public."we""ird tab le" USING btree (status) WHERE (status = 1)`);
  assert.equal((await admin.query(`SELECT to_regclass('messages') IS NOT NULL AS ok`)).rows[0].ok, true);
  assert.equal(await indexState('evil_predicate'), null);
  // log lines never carry a raw newline from a name
  assert.ok(run.log.every((l) => !l.includes('multi\nline')));
});

test("a build whose backend stops answering (SIGSTOP): past the deadline it is cancelled, then terminated and its connection closed; the leftover is reported", async () => {
  const running = build({ definitions: [slowDef('slow_frozen'), def({ table: 'lock_a', name: 'after_frozen' })], maxDurationMs: 500, cancelGraceMs: 100, terminateGraceMs: 300 });
  const pid = await builderPidWhileBuilding();
  process.kill(pid, 'SIGSTOP');
  let run: Run;
  try {
    run = await running;
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  assert.equal(run.result.outcome, 'failed');
  const [frozen, after] = run.result.results;
  assert.deepEqual([frozen!.status, frozen!.failure], ['failed', 'max-duration']);
  assert.equal(frozen!.reason, 'the maximum duration was exceeded, and the server did not answer the cancel: its connection was closed; the next run drops the INVALID leftover');
  assert.deepEqual(frozen!.leftover, { schema: 'public', index: 'slow_frozen', dropSql: 'DROP INDEX CONCURRENTLY IF EXISTS "public"."slow_frozen";' });
  assert.deepEqual([after!.status, after!.reason], ['skipped', 'The maximum duration was exceeded.']);
  assert.deepEqual(steps(run, 'cancel').map((e) => e.message.replace(/\(\d+\)/g, '(pid)')), [
    'maximum duration exceeded: cancelling the running build (pg_cancel_backend(pid) from a second connection)',
    'the build did not stop within 300 ms of the cancel: terminating it (pg_terminate_backend(pid) from a second connection) and closing its connection',
  ]);
  // once it runs again, the terminate it was sent ends it; its INVALID index is what the next run drops
  await waitFor('the frozen backend to end', async () => ((await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0 ? true : undefined));
  assert.deepEqual(await invalidIndexes(), ['slow_frozen']);
  const next = await build({ definitions: [slowDef('slow_frozen')] });
  assert.equal(next.result.results[0]!.status, 'rebuilt-invalid', next.log.join('\n'));
  assert.deepEqual(await invalidIndexes(), []);
});

async function withSession<T>(work: (session: MonitorSession) => Promise<T>): Promise<T> {
  const session = new MonitorSession({ target: cluster().config(DB), reconnect: false });
  const outcome = await session.connect();
  assert.ok(outcome.ok, JSON.stringify(outcome));
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}
