// collectStatus over a fixture Rails app and a real database: pending migrations (files vs
// schema_migrations), missing indexes (db/schema.rb vs the catalog), and their text/JSON output.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadParsers } from '../../src/core/lint';
import { MonitorSession } from '../../src/db/session';
import { collectStatus, readStatusWorkspace, type StatusWorkspace } from '../../src/db/status';
import { formatStatusText, statusToJson } from '../../src/db/status-format';
import { closeClient, seedTables, useCluster } from './support/postgres';

const APP = join(__dirname, '..', 'fixtures', 'db', 'rails-app');
let workspace: StatusWorkspace;

const cluster = useCluster({}, async (c) => {
  workspace = readStatusWorkspace(APP, { parsers: await loadParsers() });
  await c.createDatabase('status_test');
  const admin = await c.connect('status_test');
  await seedTables(admin, { messages: 5_000, conversations: 1_000, contacts: 500 });
  await admin.query(`
    CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
    INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240201000000');
    CREATE TABLE ar_internal_metadata (key varchar PRIMARY KEY, value varchar);
    INSERT INTO ar_internal_metadata VALUES ('environment', 'development');
    CREATE INDEX index_messages_on_status_pending ON messages (status) WHERE status = 0;
    CREATE INDEX conversations_account_id_status_idx ON conversations (account_id, status);
    CREATE ROLE limited LOGIN PASSWORD 'limited-pw';`);
  await closeClient(admin);
  await c.createDatabase('status_fresh');
});

async function withSession<T>(database: string, run: (session: MonitorSession) => Promise<T>, user?: { user: string; password: string }): Promise<T> {
  const session = new MonitorSession({ target: { ...cluster().config(database), ...(user ?? {}) }, reconnect: false });
  const outcome = await session.connect();
  assert.ok(outcome.ok, JSON.stringify(outcome));
  try {
    return await run(session);
  } finally {
    await session.close();
  }
}

test('the fixture app is read: migrations by version, declared indexes from db/schema.rb', () => {
  assert.deepEqual(
    workspace.migrations.map((m) => [m.version, m.name, m.relativePath]),
    [
      ['20240101000000', 'create_messages', 'db/migrate/20240101000000_create_messages.rb'],
      ['20240201000000', 'add_pending_status_index_to_messages', 'db/migrate/20240201000000_add_pending_status_index_to_messages.rb'],
      ['20240301000000', 'add_conversation_index_to_messages', 'db/migrate/20240301000000_add_conversation_index_to_messages.rb'],
      ['20240302000000', 'add_email_index_to_contacts', 'db/migrate/20240302000000_add_email_index_to_contacts.rb'],
    ],
  );
  assert.equal(workspace.declaredIndexes?.length, 6);
});

test('pending migrations and missing indexes', async () => {
  const status = await withSession('status_test', (session) => collectStatus(session, workspace));

  assert.equal(status.pendingMigrations.error, null);
  assert.equal(status.pendingMigrations.note, undefined);
  assert.deepEqual(
    status.pendingMigrations.items.map((m) => [m.version, m.indexOperations.map((op) => [op.kind, op.table, op.columns, op.concurrent, op.unique, op.line, op.rowEstimate])]),
    [
      [
        '20240301000000',
        [
          ['createIndex', 'messages', ['conversation_id'], true, false, 5, 5000],
          ['createIndex', 'messages', ['created_at'], true, false, 6, 5000],
        ],
      ],
      ['20240302000000', [['createIndex', 'contacts', ['email'], false, true, 3, 500]]],
    ],
  );

  assert.equal(status.missingIndexes.error, null);
  assert.deepEqual(
    status.missingIndexes.items.map((m) => [m.name, m.table, m.tableMissing, m.equivalentIndex, m.nameIsDefault, m.line]),
    [
      ['index_contacts_on_email', 'contacts', false, null, false, 11],
      ['index_conversations_on_account_id_and_status', 'conversations', false, 'conversations_account_id_status_idx', false, 18],
      ['index_messages_on_conversation_id', 'messages', false, null, false, 26],
      ['index_notifications_on_user_id', 'notifications', true, null, false, 33],
      ['index_messages_on_created_at', 'messages', false, null, true, 36],
    ],
  );
  assert.deepEqual(status.invalidIndexes.items, []);
  assert.deepEqual(status.buildsInProgress.items, []);
  assert.deepEqual(status.blockedQueries.items, []);
  assert.deepEqual(status.largeTables.items.map((t) => t.table).slice(0, 3), ['messages', 'conversations', 'contacts']);
  // Rails' bookkeeping is not the app's data, however few tables there are.
  const bookkeeping = status.largeTables.items.map((t) => t.table).filter((t) => t === 'schema_migrations' || t === 'ar_internal_metadata');
  assert.deepEqual(bookkeeping, []);
  assert.ok(status.serverVersionNum! >= 180000);

  const text = formatStatusText(status);
  assert.match(text, /^PG Index Guard database status \(PostgreSQL 18\.\d+, collected \d{4}-/);
  assert.match(text, /Pending migrations \(2\)\n {2}20240301000000 add_conversation_index_to_messages {2}\(db\/migrate\/20240301000000_add_conversation_index_to_messages\.rb\)\n {4}line 5: creates index on messages \(conversation_id\), concurrently, table ~5000 rows/);
  assert.match(text, /line 3: creates unique index on contacts \(email\), NOT concurrently, table ~500 rows/);
  assert.match(text, /Missing indexes \(5\)/);
  assert.match(text, /index_conversations_on_account_id_and_status on conversations \(account_id, status\) {2}declared in db\/schema\.rb:18\n {4}an equivalent index exists under another name: conversations_account_id_status_idx/);
  assert.match(text, /index_notifications_on_user_id on notifications \(user_id\) {2}declared in db\/schema\.rb:33\n {4}the table does not exist in this database/);
  assert.match(text, /Invalid indexes \(0\)\n {2}none/);
  assert.match(text, /public\.messages {2}~5000 rows {2}[\d.]+ kB total, [\d.]+ kB in 2 indexes/);

  const json = statusToJson(status);
  assert.equal(json.formatVersion, 1);
  assert.equal(json.collectedAt, status.collectedAt.toISOString());
  assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
  assert.equal(json.pendingMigrations.items.length, 2);
});

test('no schema_migrations table: every migration is pending, with a note', async () => {
  const status = await withSession('status_fresh', (session) => collectStatus(session, workspace));
  assert.equal(status.pendingMigrations.items.length, 4);
  assert.match(status.pendingMigrations.note ?? '', /no schema_migrations table/);
  assert.ok(status.missingIndexes.items.every((m) => m.tableMissing));
  assert.match(formatStatusText(status), /note: The database has no schema_migrations table/);
});

test('a role that may not read schema_migrations: that section says what to grant, the others still work', async () => {
  const status = await withSession('status_test', (session) => collectStatus(session, workspace), { user: 'limited', password: 'limited-pw' });
  assert.equal(status.pendingMigrations.error?.kind, 'missing-privilege');
  assert.match(status.pendingMigrations.error?.advice ?? '', /GRANT SELECT ON schema_migrations TO limited/);
  assert.equal(status.missingIndexes.error, null);
  assert.equal(status.missingIndexes.items.length, 5);
  assert.ok(status.largeTables.items.length >= 3);
  assert.match(formatStatusText(status), /Pending migrations\n {2}could not be read: "limited" may not read table schema_migrations\. .*GRANT SELECT/);
});

test('without a workspace only the database sections are filled', async () => {
  const status = await withSession('status_test', (session) => collectStatus(session, null));
  assert.deepEqual(status.pendingMigrations.items, []);
  assert.match(status.pendingMigrations.note ?? '', /No workspace/);
  assert.match(status.missingIndexes.note ?? '', /db\/schema\.rb/);
  assert.ok(status.largeTables.items.length >= 3);
});
