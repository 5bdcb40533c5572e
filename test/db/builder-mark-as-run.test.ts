// "Mark as run, build later": the migration leaves the pending list, its indexes show as missing
// (db/schema.rb declares them), and the builder then builds them.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type pg from 'pg';
import { loadParsers, type Parsers } from '../../src/core/lint';
import { MarkAsRunError, markMigrationAsRun } from '../../src/db/builder/mark-as-run';
import { gatherIndexDefinitions } from '../../src/db/builder/pending';
import { buildIndexesSafely } from '../../src/db/builder/safe-builder';
import { MonitorSession } from '../../src/db/session';
import { collectStatus, readStatusWorkspace, type StatusWorkspace } from '../../src/db/status';
import { DbError } from '../../src/db/errors';
import { withWriteConnection } from '../../src/db/write-connection';
import { seedTables, useCluster } from './support/postgres';

const APP = join(__dirname, '..', 'fixtures', 'db', 'rails-app');
let parsers: Parsers;
let workspace: StatusWorkspace;
let admin: pg.Client;

const cluster = useCluster({}, async (c) => {
  parsers = await loadParsers();
  workspace = readStatusWorkspace(APP, { parsers });
  await c.createDatabase('mark_test');
  await c.createDatabase('mark_no_table');
  admin = await c.connect('mark_test');
  await seedTables(admin, { messages: 20_000, conversations: 1_000, contacts: 1_000 });
  await admin.query(`
    CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
    INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240201000000');`);
});

async function status() {
  const session = new MonitorSession({ target: cluster().config('mark_test'), reconnect: false });
  assert.ok((await session.connect()).ok);
  try {
    return await collectStatus(session, workspace);
  } finally {
    await session.close();
  }
}

test('mark as run: idempotent, the migration is no longer pending, its indexes show as missing and can be built', async () => {
  const before = await status();
  assert.deepEqual(before.pendingMigrations.items.map((m) => m.version), ['20240301000000', '20240302000000']);

  const first = await withWriteConnection([cluster().config('mark_test')], (client) => markMigrationAsRun(client, '20240301000000'));
  const second = await withWriteConnection([cluster().config('mark_test')], (client) => markMigrationAsRun(client, '20240301000000'));
  assert.deepEqual([first, second], [
    { version: '20240301000000', inserted: true },
    { version: '20240301000000', inserted: false },
  ]);
  const { rows } = await admin.query(`SELECT count(*)::int AS n FROM schema_migrations WHERE version = '20240301000000'`);
  assert.equal(rows[0].n, 1);

  const after = await status();
  assert.deepEqual(after.pendingMigrations.items.map((m) => m.version), ['20240302000000']);
  const missing = after.missingIndexes.items.map((m) => m.name);
  assert.ok(missing.includes('index_messages_on_conversation_id'));
  assert.ok(missing.includes('index_messages_on_created_at'));

  // build later: only the missing ones, as a scheduled run would
  const gathered = gatherIndexDefinitions({ status: after, workspaceRoot: APP, parsers, sources: ['missing'], only: ['index_messages_on_conversation_id', 'index_messages_on_created_at'] });
  assert.deepEqual(gathered.unknownNames, []);
  const run = await buildIndexesSafely({ connection: [cluster().config('mark_test')], definitions: gathered.definitions, parser: parsers.sql });
  assert.equal(run.outcome, 'done');
  const built = await status();
  assert.ok(!built.missingIndexes.items.some((m) => m.name === 'index_messages_on_conversation_id' || m.name === 'index_messages_on_created_at'));
});

test('no schema_migrations table: a clear error, and nothing is created; a malformed version is refused', async () => {
  const config = [cluster().config('mark_no_table')];
  await assert.rejects(
    withWriteConnection(config, (client) => markMigrationAsRun(client, '20240301000000')),
    (error: Error) => {
      const cause = (error as { cause?: unknown }).cause;
      return cause instanceof MarkAsRunError && cause.kind === 'no-schema-migrations' && /no schema_migrations table/.test(cause.message);
    },
  );
  const exists = await withWriteConnection(config, (client) => client.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS e`));
  assert.equal(exists.rows[0].e, false);
  await assert.rejects(
    withWriteConnection([cluster().config('mark_test')], (client) => markMigrationAsRun(client, "1'); DROP TABLE messages; --")),
    (error: Error) => (error as { cause?: unknown }).cause instanceof MarkAsRunError,
  );
});

test('the writer connection of mark-as-run gives up on a backend that stops answering (SIGSTOP), and the version is not recorded', async () => {
  let pid = 0;
  try {
    await assert.rejects(
      withWriteConnection(
        [cluster().config('mark_test')],
        async (client) => {
          pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
          process.kill(pid, 'SIGSTOP');
          return markMigrationAsRun(client, '20240302000000');
        },
        { queryTimeoutMs: 500 },
      ),
      (err: unknown) => {
        assert.ok(err instanceof DbError);
        assert.equal(err.description.kind, 'timeout');
        assert.equal(err.description.title, 'The server did not answer in time.');
        return true;
      },
    );
  } finally {
    if (pid) process.kill(pid, 'SIGCONT');
  }
  const { rows } = await admin.query(`SELECT count(*)::int AS n FROM schema_migrations WHERE version = '20240302000000'`);
  assert.equal(rows[0].n, 0);
});
