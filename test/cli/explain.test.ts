// `pg-index-guard explain` against a seeded real PostgreSQL (analyzed, so row estimates and
// pg_stats widths exist): the JSON and text reports, the figures they take from the server, the
// estimated index size checked against the index the statement then really builds, and the
// lock facts alone without a database.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type pg from 'pg';
import { DEFAULT_BUILD_BYTES_PER_SECOND } from '../../src/core/locks/estimates';
import { SUPERUSER_PASSWORD, seedTables, useCluster } from '../db/support/postgres';
import { run, tempDir } from './helpers';

const MESSAGES = 100_000;
const app = tempDir('pg-index-guard-explain-');
after(() => app.remove());
let admin: pg.Client;
let url: string;

useCluster({}, async (cluster) => {
  await cluster.createDatabase('explain_db');
  admin = await cluster.connect('explain_db');
  await seedTables(admin, { messages: MESSAGES, contacts: 5_000 });
  await admin.query('CREATE INDEX index_messages_on_conversation_id ON messages (conversation_id)');
  url = `postgres://postgres:${SUPERUSER_PASSWORD}@${cluster.host}:${cluster.port}/explain_db?sslmode=disable`;
  mkdirSync(join(app.path, 'db', 'migrate'), { recursive: true });
  mkdirSync(join(app.path, 'migrations'));
  writeFileSync(
    join(app.path, 'db', 'migrate', '20240301000000_add_conversation_status_index.rb'),
    `class AddConversationStatusIndex < ActiveRecord::Migration[7.1]
  disable_ddl_transaction!

  def change
    add_index :messages, [:conversation_id, :status], algorithm: :concurrently
  end
end
`,
  );
  writeFileSync(
    join(app.path, 'migrations', '001_messages.sql'),
    'CREATE UNIQUE INDEX CONCURRENTLY index_messages_on_id_unique ON messages (id);\nDROP INDEX index_messages_on_conversation_id;\n',
  );
});

const env = () => ({ PGPASSFILE: '/nonexistent' });

test('explain --format json: the lock facts and the server\'s figures for each operation', async () => {
  const outcome = await run(['explain', 'db/migrate', 'migrations', '--format', 'json', '--database-url', url], { cwd: app.path, env: env() });
  assert.equal(outcome.code, 0, outcome.stderr);
  const { operations, database } = JSON.parse(outcome.stdout);
  assert.match(database, /explain_db/);
  const { rows: [table] } = await admin.query("SELECT reltuples::float8 AS rows, pg_relation_size('messages') AS bytes FROM pg_class WHERE relname = 'messages'");
  const rows = Number(table.rows);
  const tableBytes = Number(table.bytes);
  const concurrentSeconds = Math.round(((2 * tableBytes) / DEFAULT_BUILD_BYTES_PER_SECOND) * 10) / 10;
  const pick = (o: Record<string, unknown>) => {
    const { notes: _notes, estimatedIndexBytes: _size, ...rest } = o;
    return rest;
  };
  // What the two CONCURRENTLY builds on messages share.
  const concurrentBuild = {
    table: 'messages',
    lock: 'SHARE UPDATE EXCLUSIVE',
    indexLock: null,
    blocks: ['ddl', 'autovacuum'],
    duration: 'build',
    inTransaction: false,
    waitsForOlderTransactions: true,
    rows,
    tableBytes,
    estimatedSeconds: concurrentSeconds,
    estimateBasis: 'default',
  };
  assert.deepEqual(operations.map(pick), [
    {
      file: 'db/migrate/20240301000000_add_conversation_status_index.rb',
      line: 5,
      index: 'index_messages_on_conversation_id_and_status',
      statement: 'CREATE INDEX CONCURRENTLY',
      ...concurrentBuild,
    },
    {
      file: 'migrations/001_messages.sql',
      line: 1,
      index: 'index_messages_on_id_unique',
      statement: 'CREATE UNIQUE INDEX CONCURRENTLY',
      ...concurrentBuild,
    },
    {
      file: 'migrations/001_messages.sql',
      line: 2,
      // The SQL names only the index: the database tells its table.
      table: 'messages',
      index: 'index_messages_on_conversation_id',
      statement: 'DROP INDEX',
      lock: 'ACCESS EXCLUSIVE',
      indexLock: 'ACCESS EXCLUSIVE',
      blocks: ['reads', 'writes', 'ddl', 'autovacuum'],
      duration: 'moment',
      inTransaction: false,
      waitsForOlderTransactions: false,
      rows,
      tableBytes,
      estimatedSeconds: null,
      estimateBasis: null,
    },
  ]);
  assert.equal(rows, MESSAGES, 'ANALYZE counted the rows');
  assert.equal(operations[2].estimatedIndexBytes, null, 'a drop builds nothing');

  // The unique index's estimate against the index PostgreSQL then builds.
  const estimate = operations[1].estimatedIndexBytes as number;
  await admin.query('CREATE UNIQUE INDEX CONCURRENTLY index_messages_on_id_unique ON messages (id)');
  const { rows: [built] } = await admin.query("SELECT pg_relation_size('index_messages_on_id_unique') AS bytes");
  const actual = Number(built.bytes);
  assert.ok(Math.abs(estimate - actual) / actual < 0.1, `estimated ${estimate} bytes, built ${actual}`);
  await admin.query('DROP INDEX index_messages_on_id_unique');
});

test('explain text: lock, blocks, table, existing indexes, estimates, and the summary line', async () => {
  const outcome = await run(['explain', 'db/migrate', '--database-url', url], { cwd: app.path, env: env() });
  console.log('XX' + outcome.stdout); const all = await run(['explain', '.', '--database-url', url], { cwd: app.path, env: env() }); console.log('XX' + all.stdout + all.stderr);
  assert.equal(outcome.code, 0, outcome.stderr);
  const file = 'db/migrate/20240301000000_add_conversation_status_index.rb';
  const lines = outcome.stdout.split('\n');
  assert.equal(lines[0], `${file}:5  CREATE INDEX CONCURRENTLY index_messages_on_conversation_id_and_status on messages`);
  assert.equal(lines[1], '  lock     SHARE UPDATE EXCLUSIVE on the table for the whole build; waits for older transactions');
  assert.equal(lines[2], '  blocks   other DDL (ALTER TABLE, DROP INDEX, concurrent index builds), autovacuum (VACUUM and ANALYZE skip the table); reads and writes go on');
  assert.match(lines[3]!, /^ {2}table {4}~100k rows · \d+(\.\d)? MB$/);
  assert.equal(lines[4], '  existing index_messages_on_conversation_id (conversation_id)');
  assert.match(lines[5]!, /^ {2}index {4}~\d+(\.\d)? MB$/);
  assert.match(lines[6]!, /^ {2}build {4}(< 1 s|~\d+ s) \(no builds measured on this server yet: assumes 20 MB of table per second, plus its waits for older transactions\)$/);
  assert.match(outcome.stdout, new RegExp(`^${file}  summary: messages: SHARE UPDATE EXCLUSIVE (< 1 s|~\\d+ s) · \\d+(\\.\\d)? MB index · 1 statement outside a transaction$`, 'm'));
  assert.match(outcome.stdout, /^1 index operation in 1 file; database: postgres@127\.0\.0\.1:\d+\/explain_db/m);
});

test('explain without a database: the lock facts, null where only the server knows', async () => {
  const json = await run(['explain', 'migrations', '--format', 'json'], { cwd: app.path, env: env() });
  assert.equal(json.code, 0, json.stderr);
  const { operations, database } = JSON.parse(json.stdout);
  assert.equal(database, null);
  assert.deepEqual(
    operations.map((o: Record<string, unknown>) => [o.statement, o.lock, o.table, o.rows, o.tableBytes, o.estimatedIndexBytes, o.estimatedSeconds]),
    [
      ['CREATE UNIQUE INDEX CONCURRENTLY', 'SHARE UPDATE EXCLUSIVE', 'messages', null, null, null, null],
      ['DROP INDEX', 'ACCESS EXCLUSIVE', null, null, null, null, null],
    ],
  );
  const text = await run(['explain', 'migrations'], { cwd: app.path, env: env() });
  assert.match(text.stdout, /2 index operations in 1 file; no database: lock facts only/);
  assert.doesNotMatch(text.stdout, /^ {2}(table|build) /m);
});

test('explain: usage errors and an unreachable database exit 2 with a message', async () => {
  const format = await run(['explain', 'migrations', '--format', 'sarif'], { cwd: app.path, env: env() });
  assert.equal(format.code, 2);
  assert.match(format.stderr, /--format must be one of text, json/);
  const nothing = await run(['explain'], { cwd: app.path, env: env() });
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /name the migration files or folders/);
  const down = await run(['explain', 'migrations', '--database-url', 'postgres://postgres:x@127.0.0.1:1/none?sslmode=disable'], { cwd: app.path, env: env() });
  assert.equal(down.code, 2);
  assert.match(down.stderr, /Cannot connect to/);
  const help = await run(['--help'], { cwd: app.path, env: env() });
  assert.match(help.stdout, /^ {2}explain +Show the locks, blocking and estimated build time of each index operation$/m);
});
