// The lint's facts read every index from pg_index alone, without pg_get_indexdef (most of the
// facts' time on a big catalog): what the rules took from a definition's text (an order, operator
// class or collation of its own; a partitioned parent's index) must be what that text says, on
// a real server, and the rules that read it must find what they found with the text.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintSource, loadParsers } from '../../src/core/lint';
import { defaultContext } from '../../src/core/lint-context';
import { MonitorSession } from '../../src/db/session';
import { collectDatabaseFacts } from '../../src/db/status';
import { closeClient, useCluster, type TestCluster } from './support/postgres';

const DB = 'lint_facts_indexes_test';

/** Each index, and what pg_get_indexdef writes of it. */
const INDEXES = [
  'CREATE INDEX plain ON items (a)',
  'CREATE INDEX two_columns ON items (a, b)',
  'CREATE INDEX descending ON items (a DESC)',
  'CREATE INDEX nulls_first ON items (a NULLS FIRST)',
  'CREATE INDEX descending_nulls_last ON items (b DESC NULLS LAST)',
  'CREATE INDEX pattern_ops ON items (name text_pattern_ops)',
  'CREATE INDEX varchar_default_ops ON items (code text_ops)',
  'CREATE INDEX collated ON items (name COLLATE "C")',
  'CREATE INDEX same_collation ON items (name COLLATE "default")',
  'CREATE INDEX column_collated ON items (label)',
  'CREATE INDEX including ON items (a) INCLUDE (name)',
  'CREATE INDEX expression ON items (lower(name))',
  'CREATE INDEX partial ON items (b) WHERE a > 0',
  'CREATE INDEX gin_tags ON items USING gin (tags)',
  'CREATE INDEX parent_only ON ONLY events (created_at)',
  'CREATE INDEX parent_all ON events (kind)',
];

const cluster = useCluster({}, async (c: TestCluster) => {
  await c.createDatabase(DB);
  const admin = await c.connect(DB);
  await admin.query(`
    CREATE TABLE items (id bigint PRIMARY KEY, a int, b int, name text, code varchar(20), label text COLLATE "C", tags text[]);
    CREATE TABLE events (id bigint, kind text, created_at timestamptz) PARTITION BY RANGE (created_at);
    CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');`);
  for (const sql of INDEXES) await admin.query(sql);
  await closeClient(admin);
});

test('an order, operator class or collation of its own, and a partitioned parent, as pg_get_indexdef writes them', async () => {
  const session = new MonitorSession({ target: cluster().config(DB), reconnect: false });
  assert.ok((await session.connect()).ok);
  const admin = await cluster().connect(DB);
  try {
    const facts = await collectDatabaseFacts(session, 100_000);
    const { rows } = await admin.query<{ name: string; definition: string; partitioned: boolean }>(
      `SELECT c.relname AS name, pg_get_indexdef(c.oid) AS definition, c.relkind = 'I' AS partitioned
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('i', 'I') AND n.nspname = 'public' ORDER BY 1`,
    );
    assert.ok(rows.length >= INDEXES.length);
    const byName = new Map((facts.indexes ?? []).map((index) => [index.name, index]));
    for (const row of rows) {
      const index = byName.get(row.name);
      assert.ok(index, row.name);
      // What redundant-index looked for in the key list of the definition before.
      const keys = row.definition.slice(row.definition.indexOf('('), row.definition.search(/\)\s+WHERE\s/) + 1 || undefined);
      const decorated = /_ops\b|\bDESC\b|\bCOLLATE\b|\bNULLS\s+(FIRST|LAST)\b/i.test(keys.replace(/ INCLUDE \(.*$/, ''));
      assert.equal(index.decoratedKey, decorated, `${row.name}: ${row.definition}`);
      assert.equal(index.partitioned, row.partitioned, row.name);
      assert.equal(index.method, /USING (\w+)/.exec(row.definition)![1], row.name);
    }
    assert.deepEqual(
      ['descending', 'nulls_first', 'descending_nulls_last', 'pattern_ops', 'collated'].map((name) => byName.get(name)!.decoratedKey),
      [true, true, true, true, true],
    );
    assert.deepEqual(
      ['plain', 'varchar_default_ops', 'same_collation', 'column_collated', 'including', 'partial', 'gin_tags'].map((name) => byName.get(name)!.decoratedKey),
      [false, false, false, false, false, false, false],
    );
    assert.equal(byName.get('parent_only')!.valid, false);
    assert.equal(byName.get('parent_only')!.partitioned, true);

    // The rules with these facts: an index like a decorated one is not called redundant, one like
    // a plain one is; the partitioned parent's INVALID index is no leftover to drop.
    const parsers = await loadParsers(['sql']);
    const context = defaultContext();
    context.database = facts;
    const lint = (sql: string) => lintSource('migrations/20240101000000_case.sql', sql, 'sql', context, parsers).findings.map((f) => f.ruleId);
    assert.ok(lint('CREATE INDEX CONCURRENTLY IF NOT EXISTS another_plain ON items (a);\n').includes('redundant-index'));
    assert.ok(!lint('CREATE INDEX CONCURRENTLY IF NOT EXISTS another_b ON items (b);\n').includes('redundant-index'), 'b is indexed DESC or partially only');
    assert.ok(!lint('CREATE INDEX IF NOT EXISTS parent_only ON ONLY events (created_at);\n').includes('invalid-index-exists'));
  } finally {
    await closeClient(admin);
    await session.close();
  }
});
