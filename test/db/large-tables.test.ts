// The Large Tables view's query ranks its candidates from the catalog (page counts) instead of
// sizing every table's files: it must list what sizing every table lists, including a table
// that was never vacuumed or analyzed (its catalog pages are unknown).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MonitorSession } from '../../src/db/session';
import { closeClient, useCluster } from './support/postgres';

const DB = 'large_tables_test';

/** Every table's total size, as the view listed it before: the reference. */
const SIZE_EVERY_TABLE = `
SELECT c.relname, pg_total_relation_size(c.oid)::float8 AS total_bytes
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'm') AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
   AND c.relname NOT IN ('schema_migrations', 'ar_internal_metadata')
 ORDER BY pg_total_relation_size(c.oid) DESC, n.nspname, c.relname
 LIMIT $1::int`;

const cluster = useCluster({}, async (c) => {
  await c.createDatabase(DB);
  const admin = await c.connect(DB);
  // More tables than the query measures (limit * 4 + 20): a hundred small ones, analyzed.
  await admin.query(`DO $$ BEGIN FOR i IN 1..100 LOOP
    EXECUTE format('CREATE TABLE %I (id bigint PRIMARY KEY, note text)', 'small_' || i);
    EXECUTE format('INSERT INTO %I SELECT g, md5(g::text) FROM generate_series(1, %s) g', 'small_' || i, i);
  END LOOP; END $$`);
  await admin.query(`
    CREATE TABLE big_heap (id bigint NOT NULL, body text);
    INSERT INTO big_heap SELECT g, md5(g::text) FROM generate_series(1, 60000) g;
    CREATE TABLE big_indexes (id bigint NOT NULL, a text, b text);
    INSERT INTO big_indexes SELECT g, md5(g::text), md5((g * 7)::text) FROM generate_series(1, 20000) g;
    CREATE INDEX ON big_indexes (a); CREATE INDEX ON big_indexes (b); CREATE INDEX ON big_indexes (a, b);
    CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
    INSERT INTO schema_migrations SELECT g::text FROM generate_series(1, 100000) g;
    ANALYZE;
    -- never vacuumed or analyzed, no index (a build would record its size): reltuples is -1
    CREATE TABLE never_analyzed (id bigint NOT NULL, body text);
    INSERT INTO never_analyzed SELECT g, md5(g::text) FROM generate_series(1, 40000) g;`);
  await closeClient(admin);
});

test('largeTables lists the largest tables as sizing every table does, never-analyzed ones included', async () => {
  const admin = await cluster().connect(DB);
  const { rows } = await admin.query<{ reltuples: number }>(`SELECT reltuples FROM pg_class WHERE relname = 'never_analyzed'`);
  assert.equal(rows[0]!.reltuples, -1, 'the table is not known to the catalog yet');
  const session = new MonitorSession({ target: cluster().config(DB), reconnect: false });
  assert.ok((await session.connect()).ok);
  try {
    for (const limit of [3, 10, 30]) {
      const listed = await session.query('largeTables', limit);
      const reference = (await admin.query<{ relname: string; total_bytes: number }>(SIZE_EVERY_TABLE, [limit])).rows;
      // Small tables of equal size may come in either order: the sizes are what must match.
      assert.deepEqual(listed.map((t) => t.totalBytes), reference.map((r) => r.total_bytes), `limit ${limit}`);
    }
    const [first, second, third] = await session.query('largeTables', 3);
    assert.deepEqual([first!.table, second!.table, third!.table], ['big_indexes', 'big_heap', 'never_analyzed']);
    assert.equal(third!.rowEstimate, null);
    assert.equal(first!.indexCount, 3);
    assert.ok(first!.indexBytes > first!.tableBytes && first!.totalBytes >= first!.tableBytes + first!.indexBytes);
  } finally {
    await session.close();
    await closeClient(admin);
  }
});
