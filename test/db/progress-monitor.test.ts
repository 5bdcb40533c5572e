// The ProgressMonitor against a real PostgreSQL: a CREATE INDEX CONCURRENTLY on 2.5 M narrow
// rows followed through its phases (other connections hold it in the waiting ones), a build
// held by an open transaction, a cancelled build and its INVALID leftover, a failed unique
// build, and a monitor whose connection is killed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { cancelBuild, CancelRequests, dropInvalidIndexConcurrently } from '../../src/db/progress/cancel';
import { ProgressMonitor, type ProgressMonitorEvents } from '../../src/db/progress/progress-monitor';
import { phasesFor, PHASES } from '../../src/db/progress/progress-model';
import { MonitorSession } from '../../src/db/session';
import { HIDDEN_BUILD_LABEL, type BuildView, type FinishedBuildView } from '../../src/shared/messages';
import { collectStatus } from '../../src/db/status';
import { formatStatusText } from '../../src/db/status-format';
import { closeClient, useCluster, waitFor, type TestCluster } from './support/postgres';

const DB = 'progress_monitor_test';
const BIG_ROWS = 2_500_000;
let session: MonitorSession;
let admin: pg.Client;

const cluster = useCluster({}, async (c: TestCluster) => {
  await c.createDatabase(DB);
  admin = await c.connect(DB);
  await admin.query(`
    CREATE TABLE events (id bigint NOT NULL, conversation_id bigint NOT NULL, status int NOT NULL);
    INSERT INTO events SELECT g, (g::bigint * 7919) % 100000, g % 10 FROM generate_series(1, ${BIG_ROWS}) g;
    CREATE TABLE small_events (id bigint NOT NULL, account_id bigint NOT NULL);
    INSERT INTO small_events SELECT g, g % 50 FROM generate_series(1, 200000) g;`);
  await admin.query('VACUUM ANALYZE events, small_events');
  session = new MonitorSession({ target: c.config(DB), reconnect: false });
  const outcome = await session.connect();
  assert.ok(outcome.ok, JSON.stringify(outcome));
});

type Recorded = { [K in keyof ProgressMonitorEvents]: { type: K; payload: ProgressMonitorEvents[K] } }[keyof ProgressMonitorEvents];

function record(monitor: ProgressMonitor): Recorded[] {
  const events: Recorded[] = [];
  for (const type of ['build-started', 'build-progress', 'phase-changed', 'build-finished', 'error', 'recovered'] as const) {
    monitor.on(type, (payload) => events.push({ type, payload } as Recorded));
  }
  return events;
}

function nextEvent<K extends keyof ProgressMonitorEvents>(
  monitor: ProgressMonitor,
  type: K,
  predicate: (payload: ProgressMonitorEvents[K]) => boolean,
  timeoutMs = 20_000,
): Promise<ProgressMonitorEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for ${type}`));
    }, timeoutMs);
    const off = monitor.on(type, (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

async function pidOf(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0]!.pid;
}

/** Starts a statement on its own connection without waiting for it. */
async function startStatement(sql: string): Promise<{ client: pg.Client; pid: number; done: Promise<unknown> }> {
  const client = await cluster().connect(DB);
  const pid = await pidOf(client);
  const done = client.query(sql).then(
    () => 'finished',
    (err: unknown) => err,
  );
  return { client, pid, done };
}

async function indexValidity(name: string): Promise<boolean | null> {
  const { rows } = await admin.query<{ valid: boolean }>(
    `SELECT x.indisvalid AS valid FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE i.relname = $1`,
    [name],
  );
  return rows[0]?.valid ?? null;
}

test('CREATE INDEX CONCURRENTLY on 2.5 M rows is followed through every phase it goes through and ends valid', async () => {
  const monitor = new ProgressMonitor(session, { activeIntervalMs: 20, idleIntervalMs: 20 });
  const events = record(monitor);
  const watch = monitor.watch();
  const writer = await cluster().connect(DB);
  const snapshotHolder = await cluster().connect(DB);
  const writerPid = await pidOf(writer);
  const holderPid = await pidOf(snapshotHolder);
  try {
    // While the table is scanned, a writer opens a transaction on it (the build waits for it
    // before validation) and a repeatable-read transaction takes a snapshot (it waits for that
    // in "waiting for old snapshots"). Each is released once the monitor has shown the wait.
    const heldUp = nextEvent(monitor, 'build-progress', (b) => b.phase === PHASES.buildScanTable).then(async () => {
      await writer.query('BEGIN');
      await writer.query('INSERT INTO events VALUES (0, 0, 0)');
      await snapshotHolder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await snapshotHolder.query('SELECT count(*) FROM small_events WHERE id < 10');
    });
    const waitedForWriter = nextEvent(monitor, 'build-progress', (b) => b.phase === PHASES.waitWritersBeforeValidation && b.waitingOn?.pid === writerPid).then(
      async (b) => {
        await writer.query('COMMIT');
        return b;
      },
    );
    const waitedForSnapshot = nextEvent(monitor, 'build-progress', (b) => b.phase === PHASES.waitOldSnapshots && b.waitingOn?.pid === holderPid).then(
      async (b) => {
        await snapshotHolder.query('COMMIT');
        return b;
      },
    );
    const finished = nextEvent(monitor, 'build-finished', (f) => f.build.index === 'index_events_on_conversation_id', 40_000);

    const builder = await startStatement('CREATE INDEX CONCURRENTLY index_events_on_conversation_id ON events (conversation_id)');
    await heldUp;
    const writerWait = await waitedForWriter;
    const snapshotWait = await waitedForSnapshot;
    const result = await finished;
    assert.equal(await builder.done, 'finished');
    await closeClient(builder.client);

    // waiting phases name the session and its statement, and give no ETA
    assert.equal(writerWait.waiting, true);
    assert.equal(writerWait.etaSeconds, null);
    assert.match(writerWait.waitingOn?.query ?? '', /INSERT INTO events/);
    assert.equal(writerWait.waitingOn?.state, 'idle in transaction');
    assert.deepEqual(writerWait.lockers, { done: 0, total: 1 });
    assert.match(snapshotWait.waitingOn?.query ?? '', /SELECT count\(\*\) FROM small_events/);

    // the build's view
    const progress = events.filter((e): e is Extract<Recorded, { type: 'build-progress' }> => e.type === 'build-progress').map((e) => e.payload);
    const mine = progress.filter((b) => b.pid === builder.pid);
    assert.ok(mine.length > 20, `only ${mine.length} samples`);
    const last = mine[mine.length - 1]!;
    assert.equal(last.command, 'CREATE INDEX CONCURRENTLY');
    assert.equal(last.table, 'events');
    assert.equal(last.schema, 'public');
    assert.equal(last.index, 'index_events_on_conversation_id');

    // every phase seen is one of the command's, in the command's order, and the long ones were all seen
    const order = phasesFor('CREATE INDEX CONCURRENTLY').map((s) => s.phase);
    const seen = [...new Set(mine.map((b) => b.phase))];
    const positions = seen.map((p) => order.indexOf(p));
    assert.ok(positions.every((p) => p >= 0), `unknown phase in ${seen.join(' | ')}`);
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b), `phases out of order: ${seen.join(' | ')}`);
    for (const phase of [
      PHASES.buildScanTable,
      PHASES.buildSortLive,
      PHASES.buildLoadTree,
      PHASES.waitWritersBeforeValidation,
      PHASES.validateScanIndex,
      PHASES.validateSortTuples,
      PHASES.validateScanTable,
      PHASES.waitOldSnapshots,
    ]) {
      assert.ok(seen.includes(phase), `phase "${phase}" was not observed; saw ${seen.join(' | ')}`);
    }
    const changes = events.filter((e) => e.type === 'phase-changed' && e.payload.build.pid === builder.pid).length;
    assert.equal(changes, seen.length - 1);

    // percent never decreases within a phase, the overall percent never at all
    for (let i = 1; i < mine.length; i++) {
      const [a, b] = [mine[i - 1]!, mine[i]!];
      assert.ok(b.overallPercent >= a.overallPercent, `overall went back: ${a.overallPercent} -> ${b.overallPercent}`);
      if (a.phase === b.phase && a.phasePercent !== null && b.phasePercent !== null) {
        assert.ok(b.phasePercent >= a.phasePercent, `${a.phase}: ${a.phasePercent} -> ${b.phasePercent}`);
      }
    }
    const scanning = mine.filter((b) => b.phase === PHASES.buildScanTable && b.phasePercent !== null && b.phasePercent > 0);
    assert.ok(scanning.length > 0 && scanning.every((b) => b.counter?.kind === 'blocks'));
    assert.ok(mine.some((b) => b.phase === PHASES.buildLoadTree && b.counter?.kind === 'tuples' && b.counter.total === BIG_ROWS));
    assert.ok(mine.some((b) => b.etaSeconds !== null), 'no ETA was ever given');
    const timeline = last.timeline;
    assert.equal(timeline.find((s) => s.status === 'current')?.phase, last.phase);
    assert.ok(timeline.filter((s) => s.status === 'done').length >= 8);

    assert.equal(result.outcome, 'valid');
    assert.equal(result.leftover, null);
    assert.equal(await indexValidity('index_events_on_conversation_id'), true);
    assert.equal(monitor.recent[0]?.build.id, result.build.id);
    assert.ok(result.durationSeconds > 0.5);
    assert.equal(events.filter((e) => e.type === 'error').length, 0);
  } finally {
    watch.dispose();
    monitor.dispose();
    await closeClient(writer);
    await closeClient(snapshotHolder);
  }
});

test('a build held by an open transaction on its table shows the locker PID and query', async () => {
  const monitor = new ProgressMonitor(session, { activeIntervalMs: 50, idleIntervalMs: 50 });
  const watch = monitor.watch();
  const holder = await cluster().connect(DB);
  const holderPid = await pidOf(holder);
  try {
    await holder.query('BEGIN');
    await holder.query(`UPDATE small_events SET account_id = account_id WHERE id = 42`);
    const waiting = nextEvent(monitor, 'build-progress', (b) => b.table === 'small_events' && b.waitingOn !== null);
    const finished = nextEvent(monitor, 'build-finished', (f) => f.build.table === 'small_events');
    const builder = await startStatement('CREATE INDEX CONCURRENTLY index_small_events_on_account_id ON small_events (account_id)');
    const build: BuildView = await waiting;
    assert.equal(build.pid, builder.pid);
    assert.equal(build.phase, PHASES.waitWritersBeforeBuild);
    assert.equal(build.phaseLabel, 'Waiting for writers before build');
    assert.equal(build.waiting, true);
    assert.equal(build.etaSeconds, null);
    assert.equal(build.waitingOn?.pid, holderPid);
    assert.equal(build.waitingOn?.self, false);
    assert.match(build.waitingOn?.query ?? '', /UPDATE small_events SET account_id = account_id WHERE id = 42/);
    assert.deepEqual(build.lockers, { done: 0, total: 1 });
    assert.deepEqual(
      build.timeline.filter((s) => s.status !== 'pending').map((s) => [s.phase, s.status]),
      [
        [PHASES.initializing, 'done'],
        [PHASES.waitWritersBeforeBuild, 'current'],
      ],
    );
    // still waiting a while later: the monitor keeps saying so, with no ETA
    await new Promise((r) => setTimeout(r, 300));
    const still = monitor.builds.find((b) => b.pid === builder.pid)!;
    assert.equal(still.waitingOn?.pid, holderPid);
    assert.ok(still.elapsedSeconds >= 0.2, `elapsed ${still.elapsedSeconds}`);

    await holder.query('ROLLBACK');
    const result: FinishedBuildView = await finished;
    assert.equal(await builder.done, 'finished');
    await closeClient(builder.client);
    assert.equal(result.outcome, 'valid');
  } finally {
    watch.dispose();
    monitor.dispose();
    await closeClient(holder);
  }
});

test('a monitor role without pg_monitor sees that a build runs, and is told what to grant; the status says the same', async () => {
  await admin.query(`CREATE ROLE plain_monitor LOGIN PASSWORD 'plain-pw'`);
  await admin.query(`GRANT CONNECT ON DATABASE ${DB} TO plain_monitor`);
  const plain = new MonitorSession({ target: { ...cluster().config(DB), user: 'plain_monitor', password: 'plain-pw' }, reconnect: false });
  assert.ok((await plain.connect()).ok);
  const monitor = new ProgressMonitor(plain, { activeIntervalMs: 50, idleIntervalMs: 50 });
  const watch = monitor.watch();
  const holder = await cluster().connect(DB);
  try {
    // An open write transaction holds the superuser's build in a waiting phase while we look.
    await holder.query('BEGIN');
    await holder.query(`UPDATE small_events SET account_id = account_id WHERE id = 7`);
    const seen = nextEvent(monitor, 'build-progress', () => true);
    const builder = await startStatement('CREATE INDEX CONCURRENTLY index_small_events_hidden ON small_events (account_id)');
    const build: BuildView = await seen;
    assert.equal(build.pid, builder.pid);
    assert.equal(build.hidden, true);
    assert.equal(build.table, '(hidden)');
    assert.equal(build.phaseLabel, HIDDEN_BUILD_LABEL);
    const status = await collectStatus(plain, null);
    assert.ok('items' in status.buildsInProgress, JSON.stringify(status.buildsInProgress));
    const [row] = status.buildsInProgress.items;
    assert.equal(row?.pid, builder.pid);
    assert.equal(row?.hidden, true);
    assert.match(formatStatusText(status), new RegExp(`an index build  pid ${builder.pid}\\n +${HIDDEN_BUILD_LABEL}\\n`));
    await holder.query('ROLLBACK');
    assert.equal(await builder.done, 'finished');
    await closeClient(builder.client);
  } finally {
    watch.dispose();
    monitor.dispose();
    await closeClient(holder);
    await plain.close();
  }
  await admin.query('DROP INDEX IF EXISTS index_small_events_hidden');
});

test('a cancelled build is reported as cancelled with its INVALID leftover, which is then dropped', async () => {
  const registry = new CancelRequests();
  const monitor = new ProgressMonitor(session, { activeIntervalMs: 25, idleIntervalMs: 25, cancelRequests: registry });
  const watch = monitor.watch();
  try {
    const scanning = nextEvent(monitor, 'build-progress', (b) => b.index === 'index_events_on_status' && b.phase === PHASES.buildScanTable && (b.phasePercent ?? 0) > 0);
    const finished = nextEvent(monitor, 'build-finished', (f) => f.build.index === 'index_events_on_status');
    const builder = await startStatement('CREATE INDEX CONCURRENTLY index_events_on_status ON events (status, conversation_id)');
    const build = await scanning;
    assert.deepEqual(await cancelBuild(admin, build.pid, registry), { cancelled: true });
    const err = (await builder.done) as { code?: string };
    assert.equal(err.code, '57014'); // query_canceled
    await closeClient(builder.client);

    const result = await finished;
    assert.equal(result.outcome, 'cancelled');
    assert.deepEqual(result.leftover, { schema: 'public', index: 'index_events_on_status' });
    assert.match(result.detail, /INVALID index index_events_on_status/);
    assert.equal(await indexValidity('index_events_on_status'), false);

    // nothing to cancel any more; a valid index is never dropped; the leftover is
    assert.deepEqual(await cancelBuild(admin, build.pid, registry), { cancelled: false, reason: 'not-building' });
    assert.deepEqual(await dropInvalidIndexConcurrently(admin, 'public', 'index_events_on_conversation_id'), { dropped: false, reason: 'valid' });
    assert.deepEqual(await dropInvalidIndexConcurrently(admin, 'public', 'index_events_on_status'), { dropped: true });
    assert.equal(await indexValidity('index_events_on_status'), null);
    assert.deepEqual(await dropInvalidIndexConcurrently(admin, 'public', 'index_events_on_status'), { dropped: false, reason: 'missing' });
    // names are quoted, never pasted
    assert.deepEqual(await dropInvalidIndexConcurrently(admin, 'public', 'x"; DROP TABLE events; --'), { dropped: false, reason: 'missing' });
    await assert.rejects(dropInvalidIndexConcurrently(admin, 'public', 'x'.repeat(64)), /longer than 63 bytes/);
  } finally {
    watch.dispose();
    monitor.dispose();
  }
});

test('a failed unique build leaves an INVALID index (outcome invalid); a plain CREATE INDEX ends valid', async () => {
  const monitor = new ProgressMonitor(session, { activeIntervalMs: 10, idleIntervalMs: 10 });
  const watch = monitor.watch();
  try {
    const failed = nextEvent(monitor, 'build-finished', (f) => f.build.index === 'index_events_unique_status');
    const builder = await startStatement('CREATE UNIQUE INDEX CONCURRENTLY index_events_unique_status ON events (status)');
    const err = (await builder.done) as { code?: string };
    assert.equal(err.code, '23505'); // unique_violation
    await closeClient(builder.client);
    const result = await failed;
    assert.equal(result.outcome, 'invalid');
    assert.deepEqual(result.leftover, { schema: 'public', index: 'index_events_unique_status' });
    assert.deepEqual(await dropInvalidIndexConcurrently(admin, 'public', 'index_events_unique_status'), { dropped: true });

    // a plain (blocking) CREATE INDEX reports no index oid while it runs: its name comes from the statement
    const started = nextEvent(monitor, 'build-started', (b) => b.command === 'CREATE INDEX');
    const plain = nextEvent(monitor, 'build-finished', (f) => f.build.command === 'CREATE INDEX');
    const plainBuilder = await startStatement('CREATE INDEX "Index_Events_Id" ON events (id)');
    const view = await started;
    assert.equal(view.index, 'Index_Events_Id');
    assert.equal(view.concurrent, false);
    assert.deepEqual(
      view.timeline.map((s) => s.phase),
      [PHASES.initializing, PHASES.buildScanTable, PHASES.buildSortLive, PHASES.buildLoadTree],
    );
    assert.equal(await plainBuilder.done, 'finished');
    await closeClient(plainBuilder.client);
    const done = await plain;
    assert.equal(done.outcome, 'valid');
    assert.equal(await indexValidity('Index_Events_Id'), true);
  } finally {
    watch.dispose();
    monitor.dispose();
  }
});

test('REINDEX INDEX CONCURRENTLY: the new copy is built under another name, and the outcome is judged by the original name', async () => {
  const monitor = new ProgressMonitor(session, { activeIntervalMs: 10, idleIntervalMs: 10 });
  const watch = monitor.watch();
  try {
    const started = nextEvent(monitor, 'build-started', (b) => b.command === 'REINDEX CONCURRENTLY');
    const finished = nextEvent(monitor, 'build-finished', (f) => f.build.command === 'REINDEX CONCURRENTLY');
    const builder = await startStatement('REINDEX INDEX CONCURRENTLY index_small_events_on_account_id');
    assert.equal(await builder.done, 'finished');
    await closeClient(builder.client);
    const view = await started;
    assert.equal(view.table, 'small_events');
    assert.equal(view.timeline.length, 12);
    assert.equal(view.timeline.at(-1)!.phase, PHASES.waitReadersBeforeDropping);
    const result = await finished;
    assert.equal(result.outcome, 'valid', result.detail);
    assert.equal(await indexValidity('index_small_events_on_account_id'), true);
  } finally {
    watch.dispose();
    monitor.dispose();
  }
});

test('a monitor whose connection is killed emits an error event, keeps polling, and recovers on a new connection', async () => {
  const client = await cluster().connect(DB);
  const monitor = new ProgressMonitor(client, { activeIntervalMs: 30, idleIntervalMs: 30, errorIntervalMs: 30 });
  const events = record(monitor);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const watch = monitor.watch();
  try {
    assert.ok(await monitor.poll());
    await admin.query('SELECT pg_terminate_backend($1)', [await pidOf(client)]);
    await waitFor('an error event', async () => (events.some((e) => e.type === 'error') ? true : undefined));
    const error = events.find((e): e is Extract<Recorded, { type: 'error' }> => e.type === 'error')!.payload;
    assert.equal(error.description.kind, 'connection-lost');
    assert.equal(await monitor.poll(), null);
    assert.ok(monitor.isRunning);

    const fresh = await cluster().connect(DB);
    monitor.setSource(fresh);
    await waitFor('recovery', async () => (events.some((e) => e.type === 'recovered') ? true : undefined));
    assert.ok(await monitor.poll());
    assert.deepEqual(unhandled, []);
  } finally {
    watch.dispose();
    monitor.dispose();
    process.off('unhandledRejection', onUnhandled);
  }
  assert.equal(monitor.isRunning, false);
});
