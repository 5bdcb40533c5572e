// `pg-index-guard trace` against a real server: the report, the guards (production, the
// confirmation naming the database), and a trace killed mid-way that leaves nothing behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type pg from 'pg';
import { TRACE_APPLICATION_NAME } from '../../src/db/lock-trace';
import { SUPERUSER_PASSWORD, seedTables, useCluster, waitFor } from '../db/support/postgres';
import { buildCliBundleInto, run, tempDir } from './helpers';

const app = tempDir('pg-index-guard-trace-app-');
const bundle = tempDir('pg-index-guard-trace-bundle-');
after(() => {
  app.remove();
  bundle.remove();
});
let admin: pg.Client;
let url: string;
const MIGRATION = 'db/migrate/001_add_indexes.sql';

const cluster = useCluster({}, async (c) => {
  await c.createDatabase('trace_dev');
  admin = await c.connect('trace_dev');
  await seedTables(admin, { messages: 2_000, contacts: 1_000 });
  await admin.query('CREATE INDEX index_messages_on_status ON messages (status)');
  url = `postgres://postgres:${SUPERUSER_PASSWORD}@${c.host}:${c.port}/trace_dev?sslmode=disable`;
  mkdirSync(join(app.path, 'db', 'migrate'), { recursive: true });
  writeFileSync(
    join(app.path, MIGRATION),
    'CREATE INDEX CONCURRENTLY index_messages_on_body ON messages (body);\nCREATE INDEX index_contacts_on_email ON contacts (email);\nDROP INDEX index_messages_on_status;\n',
  );
  await buildCliBundleInto(bundle.path);
});

async function indexNames(): Promise<string[]> {
  const { rows } = await admin.query("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1");
  return rows.map((r: { indexname: string }) => r.indexname);
}

test('trace reports each statement\'s recorded locks against the lock model, the concurrent one traced without CONCURRENTLY, and keeps nothing', async () => {
  const before = await indexNames();
  const { code, stdout, stderr } = await run(['trace', MIGRATION, '--database-url', url, '--confirm', 'trace_dev'], { cwd: app.path });
  assert.equal(stderr, '');
  assert.equal(code, 0, stdout);
  assert.match(stdout, /001_add_indexes\.sql:1  CREATE INDEX CONCURRENTLY: traced as CREATE INDEX, without CONCURRENTLY \(it cannot run in a transaction\); the migration's own statement takes SHARE UPDATE EXCLUSIVE on the table\.\n  recorded: .*SHARE on table messages/);
  assert.match(stdout, /agrees: the lock model says SHARE on contacts/);
  assert.match(stdout, /agrees: the lock model says ACCESS EXCLUSIVE on index_messages_on_status/);
  assert.match(stdout, /3 statements traced; all agree with the lock model\. Nothing was kept\./);
  assert.deepEqual(await indexNames(), before);

  const json = await run(['trace', MIGRATION, '--database-url', url, '--confirm', 'trace_dev', '--format', 'json'], { cwd: app.path });
  const statements = JSON.parse(json.stdout).statements as Array<{ tracedNonConcurrently: boolean; tracedAs: string; agrees: boolean }>;
  assert.deepEqual(statements.map((s) => [s.tracedNonConcurrently, s.tracedAs, s.agrees]), [
    [true, 'CREATE INDEX', true],
    [false, 'CREATE INDEX', true],
    [false, 'DROP INDEX', true],
  ]);
});

test('trace refuses without a confirmation naming the database, and on production', async () => {
  const cases: Array<{ args: string[]; env?: Record<string, string>; message: RegExp }> = [
    { args: [], message: /A trace takes real locks on postgres@.*trace_dev .* Pass --confirm trace_dev to trace there\. Nothing was done\./ },
    { args: ['--confirm', 'other_db'], message: /--confirm other_db does not name this database/ },
    { args: ['--confirm', 'trace_dev'], env: { RAILS_ENV: 'production' }, message: /is a production database: a trace takes real locks/ },
    { args: ['--confirm', 'trace_dev'], env: { RAILS_ENV: 'staging' }, message: /pass --environment staging to trace there/ },
  ];
  for (const { args, env, message } of cases) {
    const { code, stdout, stderr } = await run(['trace', MIGRATION, '--database-url', url, ...args], { cwd: app.path, ...(env ? { env } : {}) });
    assert.equal(code, 2, stderr);
    assert.equal(stdout, '');
    assert.match(stderr, message);
  }
});

test('a trace killed mid-way leaves nothing behind', async () => {
  const before = await indexNames();
  // An open transaction that wrote to contacts: the second statement waits for its lock.
  const blocker = await cluster().connect('trace_dev');
  await blocker.query('BEGIN; UPDATE contacts SET email = email WHERE id = 1');
  try {
    const env: Record<string, string | undefined> = { ...process.env, PGPASSFILE: '/nonexistent' };
    delete env['DATABASE_URL'];
    delete env['RAILS_ENV'];
    const child = spawn(process.execPath, [join(bundle.path, 'cli.js'), 'trace', MIGRATION, '--database-url', url, '--confirm', 'trace_dev', '--lock-timeout', '60s'], { cwd: app.path, env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const pid = await waitFor('the trace to wait for its lock on contacts', async () => {
      const { rows } = await admin.query("SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock' AND query LIKE 'CREATE INDEX index_contacts_on_email%'", [TRACE_APPLICATION_NAME]);
      return rows[0]?.pid as number | undefined;
    }, 60_000);
    // The first statement has built its index (uncommitted) by now.
    child.kill('SIGKILL');
    await exited;
    // The server notices the closed connection once the statement no longer waits.
    await blocker.query('ROLLBACK');
    await waitFor('the server to end the trace\'s session', async () => {
      const { rows } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      return rows.length === 0 ? true : undefined;
    }, 30_000);
  } finally {
    await blocker.query('ROLLBACK').catch(() => undefined);
  }
  assert.deepEqual(await indexNames(), before);
  const { rows } = await admin.query("SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = $1", [TRACE_APPLICATION_NAME]);
  assert.equal(rows[0].n, 0);
});
