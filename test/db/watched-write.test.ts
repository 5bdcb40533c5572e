// A write that waits behind an idle-in-transaction session: the watcher names the session, a
// cancel stops the write (nothing dropped), and without a blocker the write just runs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runWatchedWrite, WriteCancelledError, type WriteBlocker } from '../../src/db/watched-write';
import { closeClient, useCluster, waitFor, type TestCluster } from './support/postgres';

const DB = 'watched_write_test';

const cluster = useCluster({}, async (c: TestCluster) => {
  await c.createDatabase(DB);
  const admin = await c.connect(DB);
  await admin.query('CREATE TABLE messages (id bigint PRIMARY KEY, status int)');
  await admin.query('INSERT INTO messages SELECT g, g % 3 FROM generate_series(1, 1000) g');
  await admin.query('CREATE INDEX index_messages_on_status ON messages (status)');
  await closeClient(admin);
});

const indexExists = async () => {
  const admin = await cluster().connect(DB);
  const { rows } = await admin.query("SELECT 1 FROM pg_class WHERE relname = 'index_messages_on_status'");
  await closeClient(admin);
  return rows.length === 1;
};

test('DROP INDEX CONCURRENTLY behind an idle transaction: the blocker is named, and a cancel stops the drop', async () => {
  const idle = await cluster().connect(DB);
  const idlePid = (await idle.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  await idle.query('BEGIN');
  await idle.query('SELECT count(*) FROM messages');
  const controller = new AbortController();
  const seen: WriteBlocker[][] = [];
  const write = runWatchedWrite([cluster().config(DB)], (client) => client.query('DROP INDEX CONCURRENTLY IF EXISTS index_messages_on_status'), {
    signal: controller.signal,
    onWaiting: (blockers) => seen.push(blockers),
    pollMs: 50,
  }).catch((error: unknown) => error);
  try {
    const blockers = await waitFor('the drop to wait for the idle transaction', async () => seen.find((b) => b.length > 0));
    assert.deepEqual(
      blockers.map((b) => [b.pid, b.state, b.query]),
      [[idlePid, 'idle in transaction', 'SELECT count(*) FROM messages']],
    );
    assert.ok(blockers[0]!.transactionSeconds !== null && blockers[0]!.transactionSeconds >= 0);
    controller.abort();
    assert.ok((await write) instanceof WriteCancelledError, 'the drop was cancelled');
    assert.equal(await indexExists(), true, 'nothing was dropped');
  } finally {
    await idle.query('ROLLBACK').catch(() => undefined);
    await closeClient(idle);
  }
});

test('without a blocker the write runs and nothing is reported', async () => {
  const seen: WriteBlocker[][] = [];
  await runWatchedWrite([cluster().config(DB)], (client) => client.query('DROP INDEX CONCURRENTLY IF EXISTS index_messages_on_status'), {
    onWaiting: (blockers) => seen.push(blockers),
    pollMs: 50,
  });
  assert.equal(await indexExists(), false);
  assert.deepEqual(seen, []);
});

test('an already aborted signal writes nothing', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(runWatchedWrite([cluster().config(DB)], (client) => client.query('CREATE INDEX index_messages_on_id2 ON messages (id)'), { signal: controller.signal }), WriteCancelledError);
  const admin = await cluster().connect(DB);
  assert.equal((await admin.query("SELECT 1 FROM pg_class WHERE relname = 'index_messages_on_id2'")).rows.length, 0);
  await closeClient(admin);
});
