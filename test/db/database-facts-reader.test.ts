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

/**
 * The session, with the names of the queries each read sends through it written down. One
 * source per reader: the reader keeps its facts for the session (source) they came from.
 */
function recording(reader: DatabaseFactsReader) {
  let asked: QueryName[] = [];
  const source: StatusQuerySource = {
    query: (name, ...params) => {
      asked.push(name);
      return session.query(name, ...params);
    },
  };
  return async (options: Parameters<DatabaseFactsReader['read']>[2] = {}) => {
    asked = [];
    const facts = await reader.read(source, 100_000, options);
    return { facts, asked };
  };
}

const names = (facts: Awaited<ReturnType<DatabaseFactsReader['read']>>) => (facts.indexes ?? []).map((i) => i.name).sort();

test('reads every index again only when the catalog changed, the facts are a minute old, it is forced, or the session is another', async () => {
  let clock = 0;
  const reader = new DatabaseFactsReader(60_000, () => clock);
  const read = recording(reader);
  const admin = await cluster().connect(DB);
  try {
    const first = await read();
    assert.ok(first.asked.includes('existingIndexes'), 'the first read is a full one');
    assert.deepEqual(names(first.facts), ['accounts_pkey', 'index_accounts_on_owner_id']);
    // A valid index's size is its relpages, exact right after its build: what pg_relation_size says.
    const { rows: sized } = await admin.query<{ bytes: string }>("SELECT pg_relation_size('index_accounts_on_owner_id') AS bytes");
    assert.equal(first.facts.indexes?.find((i) => i.name === 'index_accounts_on_owner_id')?.sizeBytes, Number(sized[0]!.bytes));
    assert.ok(Number(sized[0]!.bytes) > 8192);

    const unchanged = await read();
    assert.equal(unchanged.facts, first.facts, 'the same facts, as they were');
    assert.deepEqual(unchanged.asked.sort(), ['buildsInProgress', 'catalogStamp'], 'a poll with nothing changed reads the stamp and the builds only');

    await admin.query('CREATE INDEX index_accounts_on_plan ON accounts (plan)');
    const created = await read();
    assert.deepEqual(names(created.facts), ['accounts_pkey', 'index_accounts_on_owner_id', 'index_accounts_on_plan']);
    assert.ok(created.asked.includes('existingIndexes'), 'a new index changes the stamp');

    // A rename leaves the stamp as it was: the facts catch up once they are a minute old.
    await admin.query('ALTER INDEX index_accounts_on_plan RENAME TO index_accounts_on_plan_renamed');
    assert.ok(names((await read()).facts).includes('index_accounts_on_plan'));
    clock += 60_000;
    assert.ok(names((await read()).facts).includes('index_accounts_on_plan_renamed'));

    const forced = await read({ force: true });
    assert.ok(forced.asked.includes('existingIndexes'), 'forced after a write');

    const otherSession = await recording(reader)();
    assert.ok(otherSession.asked.includes('existingIndexes'), 'facts of one session are not another\'s');
  } finally {
    await closeClient(admin);
  }
});

test('a build in progress is marked on every read, and unmarked once cancelled though the catalog did not change', async () => {
  const read = recording(new DatabaseFactsReader());
  const writer = await cluster().connect(DB);
  const builder = await cluster().connect(DB);
  const admin = await cluster().connect(DB);
  try {
    await writer.query('BEGIN');
    await writer.query('UPDATE accounts SET plan = plan WHERE id = 1');
    const { rows } = await builder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const build = builder.query('CREATE INDEX CONCURRENTLY index_accounts_on_id_and_plan ON accounts (id, plan)').catch((error: unknown) => error);
    // The stamp is read before the catalog, so a catalog entry committed between the two makes the
    // next read a full one again (an extra read, never stale facts). Wait for a poll that found the
    // build from the kept facts: from then on the catalog is settled.
    const building = await waitFor('the build to be marked from the kept facts', async () => {
      const { facts, asked } = await read();
      const index = facts.indexes?.find((i) => i.name === 'index_accounts_on_id_and_plan');
      return index?.building && !asked.includes('existingIndexes') ? index : undefined;
    });
    assert.equal(building.valid, false);
    assert.equal(building.building?.pid, rows[0]!.pid);
    // Builds handed over by the caller (the status refresh read them): marked the same, not asked again.
    const reader = new DatabaseFactsReader();
    const readWith = recording(reader);
    await readWith();
    const handed = await readWith({ builds: await session.query('buildsInProgress') });
    assert.deepEqual(handed.asked, ['catalogStamp']);
    assert.equal(handed.facts.indexes?.find((i) => i.name === 'index_accounts_on_id_and_plan')?.building?.pid, rows[0]!.pid);

    await admin.query('SELECT pg_cancel_backend($1)', [rows[0]!.pid]);
    assert.match(String(await build), /canceling statement/);
    const afterCancel = await read();
    const leftover = afterCancel.facts.indexes?.find((i) => i.name === 'index_accounts_on_id_and_plan');
    assert.ok(!afterCancel.asked.includes('existingIndexes'), 'the INVALID leftover was in the catalog already');
    assert.equal(leftover?.valid, false);
    assert.equal(leftover?.building, undefined, 'an INVALID leftover, no longer a build');
    const { rows: sized } = await admin.query<{ bytes: string }>("SELECT pg_relation_size('index_accounts_on_id_and_plan') AS bytes");
    assert.equal(leftover?.sizeBytes, Number(sized[0]!.bytes), 'an INVALID leftover is sized for real');
  } finally {
    await writer.query('ROLLBACK').catch(() => undefined);
    await admin.query('DROP INDEX IF EXISTS index_accounts_on_id_and_plan');
    await closeClient(writer);
    await closeClient(builder);
    await closeClient(admin);
  }
});
