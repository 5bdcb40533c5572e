// The lock trace against a real server: each migration is run in a transaction that is rolled
// back, the locks pg_locks shows per statement compared with the lock model, and nothing stays.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { loadParsers, parseMigration } from '../../src/core/lint';
import { traceLocks, traceStepsOf } from '../../src/db/lock-trace';
import { seedTables, useCluster } from './support/postgres';

let admin: pg.Client;
const cluster = useCluster({}, async (c) => {
  await c.createDatabase('trace_db');
  admin = await c.connect('trace_db');
  await seedTables(admin, { messages: 2_000, contacts: 1_000 });
  await admin.query('CREATE INDEX index_messages_on_status ON messages (status)');
  await admin.query('CREATE UNIQUE INDEX index_contacts_on_email ON contacts (email)');
});

const configs = () => [cluster().config('trace_db')];

async function trace(path: string, source: string) {
  const parsers = await loadParsers();
  const file = parseMigration(path, source, path.endsWith('.rb') ? 'ruby' : 'sql', parsers);
  assert.ok(file);
  return traceLocks(configs(), traceStepsOf(file, parsers.sql, path));
}

async function userRelations(): Promise<string[]> {
  const { rows } = await admin.query("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace ORDER BY relname");
  return rows.map((r: { relname: string }) => r.relname);
}

const CASES: Array<{ sql: string; recorded: Record<string, string>; nonConcurrent?: boolean }> = [
  { sql: 'CREATE INDEX index_messages_on_body ON messages (body)', recorded: { messages: 'SHARE' } },
  { sql: 'CREATE INDEX CONCURRENTLY index_messages_on_created_at ON messages (created_at)', recorded: { messages: 'SHARE' }, nonConcurrent: true },
  { sql: 'DROP INDEX index_messages_on_status', recorded: { messages: 'ACCESS EXCLUSIVE', index_messages_on_status: 'ACCESS EXCLUSIVE' } },
  { sql: 'REINDEX INDEX index_messages_on_status', recorded: { messages: 'SHARE', index_messages_on_status: 'ACCESS EXCLUSIVE' } },
  { sql: 'ALTER TABLE contacts ADD CONSTRAINT contacts_email_unique UNIQUE (email)', recorded: { contacts: 'ACCESS EXCLUSIVE' } },
];

for (const { sql, recorded, nonConcurrent } of CASES) {
  test(`a trace records the lock model's locks and keeps nothing: ${sql}`, async () => {
    const before = await userRelations();
    const [result, ...rest] = await trace('db/migrate/001_x.sql', `${sql};\n`);
    assert.equal(rest.length, 0);
    assert.equal(result!.error, null);
    assert.equal(result!.step.tracedNonConcurrently, nonConcurrent === true);
    if (nonConcurrent) assert.equal(result!.step.sql, sql.replace(' CONCURRENTLY', ''));
    const checked = Object.fromEntries(result!.checks.map((c) => [c.relation, c.recorded]));
    assert.deepEqual(checked, recorded);
    assert.ok(result!.agrees, JSON.stringify(result!.checks));
    assert.deepEqual(await userRelations(), before);
  });
}

test('a trace attributes locks to the statement that took them, and runs a Rails add_index as the builder generates it', async () => {
  const rails = `class AddIndexes < ActiveRecord::Migration[7.1]
  def change
    add_index :contacts, :email, name: "index_contacts_on_email_2"
    remove_index :messages, name: "index_messages_on_status"
  end
end
`;
  const before = await userRelations();
  const [create, drop] = await trace('db/migrate/20240101000000_add_indexes.rb', rails);
  assert.match(create!.step.sql!, /^CREATE INDEX "index_contacts_on_email_2" ON "contacts"/);
  assert.deepEqual(create!.taken.filter((l) => l.relation === 'contacts').map((l) => l.mode), ['SHARE']);
  assert.ok(create!.agrees, JSON.stringify(create));
  assert.equal(drop!.step.sql, 'DROP INDEX "index_messages_on_status"');
  assert.ok(drop!.agrees, JSON.stringify(drop));
  assert.ok(!drop!.taken.some((l) => l.relation === 'contacts'), 'the earlier statement\'s lock is not the drop\'s');
  assert.deepEqual(await userRelations(), before);
});

test('a statement that fails is reported and the trace goes on', async () => {
  const [bad, good] = await trace('db/migrate/002_x.sql', 'CREATE INDEX i_missing ON messages (no_such_column);\nREINDEX INDEX index_contacts_on_email;\n');
  assert.match(bad!.error!, /no_such_column/);
  assert.equal(bad!.agrees, false);
  assert.equal(good!.error, null);
  assert.ok(good!.agrees, JSON.stringify(good));
});
