// Live index builds on a table of a few million rows: watched from the monitor session while a
// third connection holds them up, then while they scan; a build killed halfway leaves an
// INVALID index that the monitor reports, and the SQL it offers removes it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import type { BuildInProgressRow } from '../../src/db/queries';
import { MonitorSession } from '../../src/db/session';
import { collectDatabaseFacts, collectStatus } from '../../src/db/status';
import { formatStatusText } from '../../src/db/status-format';
import { closeClient, seedTables, sessionRecordingQueries, useCluster, waitFor, type TestCluster } from './support/postgres';

const DB = 'index_builds_test';
const MESSAGES = 2_000_000;
let session: MonitorSession;
/** The statements the session sent (its log of each query), since last emptied. */
const sent: string[] = [];

const cluster = useCluster({}, async (c: TestCluster) => {
  await c.createDatabase(DB);
  const admin = await c.connect(DB);
  await seedTables(admin, { messages: MESSAGES, conversations: 20_000, contacts: 5_000 });
  await closeClient(admin);
  session = await sessionRecordingQueries(c.config(DB), sent);
});

/** Starts a statement on its own connection without waiting for it; returns its pid and completion. */
async function startStatement(sql: string): Promise<{ client: pg.Client; pid: number; done: Promise<unknown> }> {
  const client = await cluster().connect(DB);
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const done = client.query(sql).then(
    () => 'finished',
    (err: unknown) => err,
  );
  return { client, pid: rows[0]!.pid, done };
}

/** A connection holding an open write transaction on messages: concurrent builds must wait for it. */
async function holdWriteTransaction(): Promise<{ client: pg.Client; pid: number }> {
  const client = await cluster().connect(DB);
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  await client.query('BEGIN');
  await client.query(`UPDATE messages SET status = status WHERE id = 1`);
  return { client, pid: rows[0]!.pid };
}

const buildOf = (pid: number) => async (): Promise<BuildInProgressRow | undefined> =>
  (await session.query('buildsInProgress')).find((b) => b.pid === pid);

test('a concurrent build in progress: waiting for a writer, then scanning with progress', async () => {
  const writer = await holdWriteTransaction();
  const builder = await startStatement('CREATE INDEX CONCURRENTLY index_messages_on_conversation_id ON messages (conversation_id)');
  try {
    const waiting = await waitFor('the build to wait for the open transaction', async () => {
      const build = await buildOf(builder.pid)();
      return build?.phase.startsWith('waiting') ? build : undefined;
    });
    assert.equal(waiting.command, 'CREATE INDEX CONCURRENTLY');
    assert.equal(waiting.phase, 'waiting for writers before build');
    assert.equal(waiting.schema, 'public');
    assert.equal(waiting.table, 'messages');
    assert.equal(waiting.index, 'index_messages_on_conversation_id');
    assert.equal(waiting.currentLockerPid, writer.pid);
    assert.equal(waiting.lockersTotal, 1);
    assert.match(waiting.query ?? '', /CREATE INDEX CONCURRENTLY index_messages_on_conversation_id/);
    assert.ok(waiting.queryStart instanceof Date);
    assert.ok(waiting.runningSeconds !== null && waiting.runningSeconds >= 0);

    // the same moment, as the status view sees it: blocked by the writer, invalid while it builds
    sent.length = 0;
    const status = await collectStatus(session, null);
    // one statement per view: the builds bring their blockers, the invalid indexes their builds
    assert.deepEqual([...sent].sort(), ['pgig_blocked_queries_v2', 'pgig_builds_in_progress_v2', 'pgig_invalid_indexes_v2', 'pgig_large_tables_v3']);
    const build = status.buildsInProgress.items.find((b) => b.pid === builder.pid)!;
    assert.deepEqual(build.blockedBy.map((b) => b.pid), [writer.pid]);
    assert.equal(build.blockedBy[0]!.state, 'idle in transaction');
    assert.equal(build.phaseProgress, 0);
    assert.ok(status.blockedQueries.items.some((q) => q.pid === builder.pid && q.blockingPid === writer.pid && /UPDATE messages/.test(q.blockingQuery ?? '')));
    // what Blocked Queries lists for the build's pid, as its blockers
    assert.deepEqual(
      build.blockedBy.map(({ pid, query, state }) => ({ pid, query, state })),
      status.blockedQueries.items.filter((q) => q.pid === builder.pid).map((q) => ({ pid: q.blockingPid, query: q.blockingQuery, state: q.blockingState })),
    );
    assert.ok(build.blockedBy[0]!.transactionSeconds! >= 0);
    const invalidWhileBuilding = status.invalidIndexes.items.find((i) => i.index === 'index_messages_on_conversation_id');
    assert.equal(invalidWhileBuilding?.buildInProgress, true);
    assert.deepEqual(invalidWhileBuilding?.build, { pid: builder.pid, phase: 'waiting for writers before build', phaseProgress: 0 });
    // the build Builds in Progress shows
    assert.deepEqual(invalidWhileBuilding?.build, { pid: build.pid, phase: build.phase, phaseProgress: build.phaseProgress });
    // What the linter reads: the INVALID index is being built, not a leftover.
    const facts = await collectDatabaseFacts(session, 1_000_000);
    const fact = facts.indexes!.find((i) => i.name === 'index_messages_on_conversation_id')!;
    assert.equal(fact.valid, false);
    assert.deepEqual(fact.building, { pid: builder.pid, phase: 'waiting for writers before build', phaseProgress: 0 });
    const text = formatStatusText(status);
    assert.match(text, /index_messages_on_conversation_id on messages {2}CREATE INDEX CONCURRENTLY {2}pid \d+/);
    assert.match(text, new RegExp(`waiting for pid ${writer.pid} \\(idle in transaction`));
    assert.match(text, /a concurrent build is still running/);

    await writer.client.query('COMMIT');

    const scanning = await waitFor(
      'the build to report scan progress',
      async () => {
        const b = await buildOf(builder.pid)();
        return b?.phase === 'building index: scanning table' && (b.blocksDone ?? 0) > 0 ? b : undefined;
      },
      20_000,
      10,
    );
    assert.ok(scanning.blocksDone! <= scanning.blocksTotal!);
    assert.ok(scanning.blocksTotal! > 10_000, `blocks_total ${scanning.blocksTotal}`);
    assert.equal(await builder.done, 'finished');
    assert.equal(await buildOf(builder.pid)(), undefined);
    assert.equal((await session.query('invalidIndexes')).length, 0);
  } finally {
    // a failed assertion must not leave the build running into the next test
    await writer.client.query('ROLLBACK').catch(() => undefined);
    await closeClient(writer.client);
    await builder.done;
    await closeClient(builder.client);
  }
});

test('a build killed halfway leaves an INVALID index; the offered SQL drops it', async () => {
  const builder = await startStatement('CREATE INDEX CONCURRENTLY index_messages_on_created_at_body ON messages (created_at, body)');
  const midway = await waitFor(
    'the build to be halfway',
    async () => {
      const b = await buildOf(builder.pid)();
      return b?.phase.startsWith('building index') && (b.blocksDone ?? 0) > 0 ? b : undefined;
    },
    20_000,
    10,
  );
  assert.ok(midway.blocksDone! < midway.blocksTotal!);
  const admin = await cluster().connect(DB);
  await admin.query('SELECT pg_terminate_backend($1)', [builder.pid]);
  const failure = (await builder.done) as { code?: string };
  assert.equal(failure.code, '57P01', 'the builder was terminated');
  await closeClient(builder.client);

  const invalid = await waitFor('no build in progress', async () => ((await buildOf(builder.pid)()) ? undefined : await session.query('invalidIndexes')));
  assert.deepEqual(invalid.map((i) => i.index), ['index_messages_on_created_at_body']);
  const [leftover] = invalid;
  assert.equal(leftover!.schema, 'public');
  assert.equal(leftover!.table, 'messages');
  assert.equal(leftover!.index, 'index_messages_on_created_at_body');
  assert.equal(leftover!.buildInProgress, false);
  assert.equal((await collectDatabaseFacts(session, 1_000_000)).indexes!.find((i) => i.name === 'index_messages_on_created_at_body')!.building, undefined);
  assert.equal(leftover!.reindexLeftover, false);
  assert.equal(leftover!.definition, 'CREATE INDEX index_messages_on_created_at_body ON public.messages USING btree (created_at, body)');
  assert.ok(leftover!.sizeBytes !== null);

  const status = await collectStatus(session, null);
  const item = status.invalidIndexes.items[0]!;
  assert.equal(item.dropSql, 'DROP INDEX CONCURRENTLY IF EXISTS "public"."index_messages_on_created_at_body";');
  assert.equal(item.reindexSql, 'REINDEX INDEX CONCURRENTLY "public"."index_messages_on_created_at_body";');
  assert.match(formatStatusText(status), /leftover of a failed concurrent build/);

  await admin.query(item.dropSql);
  assert.deepEqual(await session.query('invalidIndexes'), []);
  await closeClient(admin);
});

test('large tables, row estimates, existing indexes, column statistics', async () => {
  const large = await session.query('largeTables', 2);
  assert.deepEqual(large.map((t) => t.table), ['messages', 'conversations']);
  const messages = large[0]!;
  assert.ok(Math.abs(messages.rowEstimate! - MESSAGES) < MESSAGES * 0.05, `row estimate ${messages.rowEstimate}`);
  assert.equal(messages.indexCount, 2); // primary key + index_messages_on_conversation_id
  assert.ok(messages.totalBytes > messages.tableBytes && messages.indexBytes > 0);

  const facts = await collectDatabaseFacts(session, 1_000_000);
  assert.ok(facts.tableRowEstimates!.get('contacts')! > 4000);
  assert.ok(facts.serverVersionNum! >= 180000);
  // Few distinct values on a table above the threshold: what prefer-partial-index reads.
  assert.equal(facts.columnStats!.get('messages.status')!.nDistinct, 2);
  assert.ok(facts.columnStats!.get('messages.status')!.mostCommonFrequency! > 0.9);
  assert.equal(facts.columnStats!.has('messages.id'), false);
  assert.ok([...facts.columnStats!.keys()].every((key) => key.startsWith('messages.')), 'only tables above the threshold');
  assert.ok(facts.indexes!.some((i) => i.name === 'index_messages_on_conversation_id' && i.valid && i.columns[0] === 'conversation_id'));

  const indexes = await session.query('existingIndexes', 'messages');
  assert.deepEqual(
    indexes.map((i) => [i.index, i.columns, i.unique, i.primary, i.valid, i.method]),
    [
      ['index_messages_on_conversation_id', ['conversation_id'], false, false, true, 'btree'],
      ['messages_pkey', ['id'], true, true, true, 'btree'],
    ],
  );

  const [status] = await session.query('columnStats', 'messages', 'status', null);
  assert.ok(status);
  assert.equal(status.schema, 'public');
  assert.equal(status.nullFraction, 0);
  assert.equal(status.distinctValues, 2);
  assert.deepEqual(status.mostCommonValues, ['2', '0']);
  assert.ok(Math.abs(status.mostCommonFrequencies![0]! - 0.95) < 0.02);
  assert.ok(status.rowEstimate! > 1_900_000);
  assert.deepEqual(await session.query('columnStats', 'messages', 'status', 'other_schema'), []);
});

test('close the monitor session', async () => {
  await session.close();
  assert.equal(session.state, 'closed');
});
