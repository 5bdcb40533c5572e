// `pg-index-guard explain` against a seeded real PostgreSQL (analyzed, so row estimates and
// pg_stats widths exist): the JSON and text reports, the figures they take from the server, the
// estimated index size checked against the index the statement then really builds, and the
// lock facts alone without a database.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
    measuredBuilds: 0,
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
      measuredBuilds: null,
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

test('explain after create-pending built two indexes: the estimate comes from the two builds measured on this server', async () => {
  // Big enough for builds of about a second here: shorter ones measure start-up more than speed.
  await admin.query('CREATE TABLE events (id bigint, account_id bigint, kind int)');
  await admin.query('INSERT INTO events SELECT g, g % 9973, g % 7 FROM generate_series(1, 2000000) g');
  await admin.query('ANALYZE events');
  const rails = tempDir('pg-index-guard-explain-history-');
  try {
    mkdirSync(join(rails.path, 'db', 'migrate'), { recursive: true });
    writeFileSync(
      join(rails.path, 'db', 'schema.rb'),
      `ActiveRecord::Schema[7.1].define(version: 1) do
  create_table "events", force: :cascade do |t|
    t.bigint "account_id"
    t.integer "kind"
    t.index ["account_id"], name: "index_events_on_account_id"
    t.index ["kind"], name: "index_events_on_kind"
  end
end
`,
    );
    const migration = join(rails.path, 'db', 'migrate', '20240401000000_add_index_to_events_on_id.rb');
    writeFileSync(migration, 'class AddIndexToEventsOnId < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :events, :id, algorithm: :concurrently\n  end\nend\n');
    const history = join(rails.path, 'history.json');
    const built = await run(['create-pending', '--from', 'missing', '--database-url', url], { cwd: rails.path, env: { ...env(), PG_INDEX_GUARD_BUILD_HISTORY: history } });
    assert.equal(built.code, 0, built.stdout + built.stderr);
    assert.match(built.stdout, /built\s+index_events_on_account_id/);
    assert.match(built.stdout, /built\s+index_events_on_kind/);

    const recorded = JSON.parse(readFileSync(history, 'utf8')).servers as Record<string, Array<{ index: string; tableBytes: number; seconds: number; concurrent: boolean }>>;
    const [key] = Object.keys(recorded);
    assert.match(key!, /^127\.0\.0\.1:\d+\/explain_db$/);
    const builds = recorded[key!]!;
    assert.deepEqual(builds.map((b) => [b.index, b.concurrent]), [['index_events_on_account_id', true], ['index_events_on_kind', true]]);
    const { rows: [size] } = await admin.query("SELECT pg_relation_size('events') AS bytes");
    for (const b of builds) assert.ok(Math.abs(b.tableBytes - Number(size.bytes)) / Number(size.bytes) < 0.05, `${b.index}: measured ${b.tableBytes} bytes of table, pg_relation_size says ${size.bytes}`);

    const explained = await run(['explain', 'db/migrate', '--format', 'json', '--database-url', url], { cwd: rails.path, env: { ...env(), PG_INDEX_GUARD_BUILD_HISTORY: history } });
    assert.equal(explained.code, 0, explained.stderr);
    const [operation] = JSON.parse(explained.stdout).operations;
    assert.equal(operation.estimateBasis, 'history');
    assert.equal(operation.measuredBuilds, 2);
    // Both were concurrent builds of the same table: the estimate of a third is about their time.
    const rates = builds.map((b) => b.tableBytes / b.seconds);
    const expected = (2 * operation.tableBytes) / ((rates[0]! + rates[1]!) / 2) / 2;
    assert.ok(Math.abs(operation.estimatedSeconds - expected) <= 0.1, `estimated ${operation.estimatedSeconds} s, the two builds took ${builds.map((b) => b.seconds).join(' and ')} s`);

    const text = await run(['explain', 'db/migrate', '--database-url', url], { cwd: rails.path, env: { ...env(), PG_INDEX_GUARD_BUILD_HISTORY: history } });
    assert.match(text.stdout, /from 2 builds measured on this server/);
  } finally {
    rails.remove();
    await admin.query('DROP TABLE IF EXISTS events');
  }
});

test('explain text: lock, blocks, table, existing indexes, estimates, and the summary line', async () => {
  const outcome = await run(['explain', 'db/migrate', '--database-url', url], { cwd: app.path, env: env() });
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
