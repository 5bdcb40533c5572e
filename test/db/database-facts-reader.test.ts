// The extension's refresh reads the lint's facts through DatabaseFactsReader: every index with its
// definition is read again only when the catalog changed, the facts got old, or a write forces it;
// builds in progress are read every time. Checked against a real server, counting the named
// queries the reader sends through a real session.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { QueryName } from '../../src/db/queries';
import { MonitorSession } from '../../src/db/session';
import { DatabaseFactsReader, type StatusQuerySource } from '../../src/db/status';
import { closeClient, useCluster, waitFor, type TestCluster } from './support/postgres';

const DB = 'facts_reader_test';
let session: MonitorSession;

const cluster = useCluster({}, async (c: TestCluster) => {
  await c.createDatabase(DB);
  const admin = await c.connect(DB);
  await admin.query('CREATE TABLE accounts (id bigint PRIMARY KEY, owner_id bigint, plan text)');
  await admin.query('INSERT INTO accounts SELECT g, g % 100, (g % 3)::text FROM generate_series(1, 50000) g');
  await admin.query('CREATE INDEX index_accounts_on_owner_id ON accounts (owner_id)');
  await closeClient(admin);
  session = new MonitorSession({ target: c.config(DB), reconnect: false });
  const outcome = await session.connect();
  assert.ok(outcome.ok, JSON.stringify(outcome));
});

/** The session, with the names of the queries sent through it written down. */
function recording(): { source: StatusQuerySource; asked: QueryName[] } {
  const asked: QueryName[] = [];
  const source: StatusQuerySource = {
    query: (name, ...params) => {
      asked.push(name);
      return session.query(name, ...params);
    },
  };
  return { source, asked };
}

const names = (facts: Awaited<ReturnType<DatabaseFactsReader['read']>>) => (facts.indexes ?? []).map((i) => i.name).sort();

test('reads every index again only when the catalog changed, the facts are a minute old, or it is forced', async () => {
  let clock = 0;
  const reader = new DatabaseFactsReader(60_000, () => clock);
  const admin = await cluster().connect(DB);
  try {
    const first = recording();
    const facts = await reader.read(first.source, 100_000);
    assert.ok(first.asked.includes('existingIndexes'), 'the first read is a full one');
    assert.deepEqual(names(facts), ['accounts_pkey', 'index_accounts_on_owner_id']);

    const unchanged = recording();
    assert.deepEqual(await reader.read(unchanged.source, 100_000), facts);
    assert.deepEqual(unchanged.asked.sort(), ['buildsInProgress', 'catalogStamp'], 'a poll with nothing changed reads the stamp and the builds only');

    await admin.query('CREATE INDEX index_accounts_on_plan ON accounts (plan)');
    const created = recording();
    assert.deepEqual(names(await reader.read(created.source, 100_000)), ['accounts_pkey', 'index_accounts_on_owner_id', 'index_accounts_on_plan']);
    assert.ok(created.asked.includes('existingIndexes'), 'a new index changes the stamp');

    // A rename leaves the stamp as it was: the facts catch up once they are a minute old.
    await admin.query('ALTER INDEX index_accounts_on_plan RENAME TO index_accounts_on_plan_renamed');
    assert.ok(names(await reader.read(recording().source, 100_000)).includes('index_accounts_on_plan'));
    clock += 60_000;
    assert.ok(names(await reader.read(recording().source, 100_000)).includes('index_accounts_on_plan_renamed'));

    const forced = recording();
    await reader.read(forced.source, 100_000, { force: true });
    assert.ok(forced.asked.includes('existingIndexes'), 'forced after a write');
  } finally {
    await closeClient(admin);
  }
});

test('a build in progress is marked on every read, and unmarked once cancelled though the catalog did not change', async () => {
  const reader = new DatabaseFactsReader();
  const writer = await cluster().connect(DB);
  const builder = await cluster().connect(DB);
  const admin = await cluster().connect(DB);
  try {
    await writer.query('BEGIN');
    await writer.query('UPDATE accounts SET plan = plan WHERE id = 1');
    const { rows } = await builder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const build = builder.query('CREATE INDEX CONCURRENTLY index_accounts_on_id_and_plan ON accounts (id, plan)').catch((error: unknown) => error);
    const building = await waitFor('the build to be marked', async () => {
      const index = (await reader.read(recording().source, 100_000)).indexes?.find((i) => i.name === 'index_accounts_on_id_and_plan');
      return index?.building ? index : undefined;
    });
    assert.equal(building.valid, false);
    assert.equal(building.building?.pid, rows[0]!.pid);

    await admin.query('SELECT pg_cancel_backend($1)', [rows[0]!.pid]);
    assert.match(String(await build), /canceling statement/);
    const afterCancel = recording();
    const leftover = (await reader.read(afterCancel.source, 100_000)).indexes?.find((i) => i.name === 'index_accounts_on_id_and_plan');
    assert.ok(!afterCancel.asked.includes('existingIndexes'), 'the INVALID leftover was in the catalog already');
    assert.equal(leftover?.valid, false);
    assert.equal(leftover?.building, undefined, 'an INVALID leftover, no longer a build');
  } finally {
    await writer.query('ROLLBACK').catch(() => undefined);
    await admin.query('DROP INDEX IF EXISTS index_accounts_on_id_and_plan');
    await closeClient(writer);
    await closeClient(builder);
    await closeClient(admin);
  }
});
