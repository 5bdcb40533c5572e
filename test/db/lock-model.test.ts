// The lock model (src/core/locks) against a real server: each statement is run and the locks
// its session holds are read from pg_locks. Statements that can run in a transaction are run in
// one and rolled back; concurrent ones are held in their first wait by an open transaction that
// wrote to the table, and their locks read while they wait.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type pg from 'pg';
import { loadParsers, parseMigration } from '../../src/core/lint';
import { lockOf } from '../../src/core/locks/operation-locks';
import type { LockMode } from '../../src/core/locks/lock-modes';
import { closeClient, seedTables, useCluster, waitFor } from './support/postgres';

let admin: pg.Client;
const cluster = useCluster({}, async (c) => {
  await c.createDatabase('locks_db');
  admin = await c.connect('locks_db');
  await seedTables(admin, { messages: 2_000, contacts: 1_000 });
  await admin.query('CREATE INDEX index_messages_on_status ON messages (status)');
  await admin.query('CREATE UNIQUE INDEX index_contacts_on_email ON contacts (email)');
});

/** `SHARE UPDATE EXCLUSIVE` as pg_locks names it: `ShareUpdateExclusiveLock`. */
function pgLocksName(mode: LockMode): string {
  return `${mode.toLowerCase().replace(/(^| )(\w)/g, (_, _space, letter: string) => letter.toUpperCase())}Lock`;
}

/** The strongest granted lock `pid` holds on each relation, by name. */
async function locksOf(client: pg.Client, pid: number): Promise<Record<string, string>> {
  const { rows } = await client.query(
    `SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
      WHERE l.pid = $1 AND l.granted AND l.locktype = 'relation' AND c.relnamespace = 'public'::regnamespace`,
    [pid],
  );
  const order = ['AccessShareLock', 'RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'];
  const strongest: Record<string, string> = {};
  for (const row of rows as { relname: string; mode: string }[]) {
    if (!(row.relname in strongest) || order.indexOf(row.mode) > order.indexOf(strongest[row.relname]!)) strongest[row.relname] = row.mode;
  }
  return strongest;
}

async function modelOf(sql: string) {
  const file = parseMigration('migrations/001_x.sql', sql, 'sql', await loadParsers());
  assert.ok(file && file.operations.length === 1, sql);
  return lockOf(file, file.operations[0]!);
}

const IN_TRANSACTION: Array<{ sql: string; table: string; index: string | null }> = [
  { sql: 'CREATE INDEX index_messages_on_body ON messages (body)', table: 'messages', index: null },
  { sql: 'CREATE UNIQUE INDEX index_messages_on_id_unique ON messages (id)', table: 'messages', index: null },
  { sql: 'DROP INDEX index_messages_on_status', table: 'messages', index: 'index_messages_on_status' },
  { sql: 'REINDEX INDEX index_messages_on_status', table: 'messages', index: 'index_messages_on_status' },
  { sql: 'REINDEX TABLE messages', table: 'messages', index: 'index_messages_on_status' },
  { sql: 'ALTER TABLE contacts ADD CONSTRAINT contacts_email_unique UNIQUE (email)', table: 'contacts', index: null },
  { sql: 'ALTER TABLE contacts ADD CONSTRAINT contacts_email_unique UNIQUE USING INDEX index_contacts_on_email', table: 'contacts', index: 'index_contacts_on_email' },
];

for (const { sql, table, index } of IN_TRANSACTION) {
  test(`pg_locks agrees with the lock model: ${sql}`, async () => {
    const lock = await modelOf(`${sql};\n`);
    const client = await cluster().connect('locks_db');
    try {
      await client.query('BEGIN');
      await client.query(sql);
      const { rows: [{ pid }] } = await client.query('SELECT pg_backend_pid() AS pid');
      const held = await locksOf(admin, pid);
      assert.equal(held[table], pgLocksName(lock.tableLock!), `table ${table}: ${JSON.stringify(held)}`);
      if (index !== null) assert.equal(held[index], pgLocksName(lock.indexLock!), `index ${index}: ${JSON.stringify(held)}`);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await closeClient(client);
    }
  });
}

const CONCURRENT: Array<{ sql: string; indexLockWhileWaiting?: string }> = [
  { sql: 'CREATE INDEX CONCURRENTLY index_messages_on_created_at ON messages (created_at)' },
  // DROP INDEX CONCURRENTLY takes the index's ACCESS EXCLUSIVE last, once no query uses it.
  { sql: 'DROP INDEX CONCURRENTLY index_messages_on_status', indexLockWhileWaiting: 'index_messages_on_status' },
  { sql: 'REINDEX INDEX CONCURRENTLY index_messages_on_status', indexLockWhileWaiting: 'index_messages_on_status' },
  { sql: 'REINDEX TABLE CONCURRENTLY messages' },
];

for (const { sql, indexLockWhileWaiting } of CONCURRENT) {
  test(`pg_locks agrees with the lock model while it waits for an older transaction: ${sql}`, async () => {
    const lock = await modelOf(`${sql};\n`);
    assert.equal(lock.waitsForOlderTransactions, true);
    const blocker = await cluster().connect('locks_db');
    const runner = await cluster().connect('locks_db');
    try {
      // A transaction that wrote to the table: every concurrent statement waits for it.
      await blocker.query("BEGIN; UPDATE messages SET body = body WHERE id = 1");
      const { rows: [{ pid }] } = await runner.query('SELECT pg_backend_pid() AS pid');
      const running = runner.query(sql);
      const held = await waitFor(`${sql} to wait`, async () => {
        const { rows } = await admin.query("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1", [pid]);
        return rows[0]?.wait_event_type === 'Lock' ? locksOf(admin, pid) : undefined;
      });
      assert.equal(held['messages'], pgLocksName(lock.tableLock!), JSON.stringify(held));
      if (indexLockWhileWaiting) assert.equal(held[indexLockWhileWaiting], 'ShareUpdateExclusiveLock', JSON.stringify(held));
      await blocker.query('COMMIT');
      await running;
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      await closeClient(blocker);
      await closeClient(runner);
    }
    // Put back what the statement dropped.
    await admin.query('CREATE INDEX IF NOT EXISTS index_messages_on_status ON messages (status)');
  });
}
