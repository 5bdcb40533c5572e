// The name prefer-robust-stmts and "Make this migration production-safe" give an unnamed SQL
// index must be the one Postgres itself chooses (ChooseIndexName), or naming it would change
// which index a later migration drops. Checked against a real server.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadParsers, parseMigration } from '../../src/core/lint';
import { postgresIndexName } from '../../src/core/fixes/sql-edits';
import { indexDefinitionsFromSql } from '../../src/db/builder/index-definition';
import { useCluster } from './support/postgres';

const cluster = useCluster();

const CASES: Array<{ table: string; index: string }> = [
  { table: 'messages (source_id int, account_id int)', index: 'messages (source_id)' },
  { table: 'messages (source_id int, account_id int)', index: 'messages (account_id, source_id)' },
  { table: 'messages (source_id int, account_id int)', index: 'messages (source_id, source_id)' },
  { table: 'contacts (email text, account_id int)', index: 'contacts (lower(email), account_id)' },
  { table: 'contacts (email text, account_id int)', index: 'contacts (lower(email), upper(email))' },
  { table: 'contacts (email text, account_id int)', index: 'contacts ((email || account_id::text))' },
  { table: 'contacts (email text, account_id int)', index: 'contacts (pg_catalog.lower(email))' },
  { table: '"Mixed" ("Col" int)', index: '"Mixed" ("Col")' },
  {
    table: 'conversation_participants_with_a_rather_long_name (last_read_message_id int, account_id int)',
    index: 'conversation_participants_with_a_rather_long_name (last_read_message_id, account_id)',
  },
  { table: `${'t'.repeat(40)} (${'c'.repeat(40)} int)`, index: `${'t'.repeat(40)} (${'c'.repeat(40)})` },
];

test('unnamed indexes: the generated name is the one Postgres chooses', async () => {
  const client = await cluster().connect(await cluster().createDatabase('unnamed_index_names').then((c) => c.database));
  const parsers = await loadParsers();
  for (const [i, c] of CASES.entries()) {
    await client.query(`CREATE SCHEMA s${i}; SET search_path = s${i}, public;`);
    await client.query(`CREATE TABLE ${c.table}`);
    const statement = `CREATE INDEX CONCURRENTLY ON ${c.index}`;
    await client.query(statement);
    const { rows } = await client.query<{ relname: string }>(
      `SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1`,
      [`s${i}`],
    );
    const file = parseMigration('migrations/001_x.sql', `${statement};\n`, 'sql', parsers)!;
    const operation = file.operations[0]!;
    assert.ok(operation.kind === 'createIndex' && operation.table !== null, statement);
    assert.equal(postgresIndexName(operation.table, operation.columns), rows[0]!.relname, statement);
    // create-pending builds an unnamed index under the same name, or the migration would build a second one.
    const { definitions } = indexDefinitionsFromSql(statement, parsers.sql, () => ({ kind: 'manual' }));
    assert.equal(definitions[0]?.name, rows[0]!.relname, `the builder's name for ${statement}`);
  }
});

test('what the finding says: no IF NOT EXISTS without a name, and a retry of an unnamed build makes <name>1', async () => {
  const client = await cluster().connect(await cluster().createDatabase('unnamed_index_retry').then((c) => c.database));
  await client.query('CREATE TABLE messages (source_id int)');
  await assert.rejects(client.query('CREATE INDEX CONCURRENTLY IF NOT EXISTS ON messages (source_id)'), /syntax error/);
  await client.query('CREATE INDEX CONCURRENTLY ON messages (source_id)');
  await client.query('CREATE INDEX CONCURRENTLY ON messages (source_id)');
  const { rows } = await client.query<{ relname: string }>(
    "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'messages'::regclass ORDER BY 1",
  );
  assert.deepEqual(rows.map((r) => r.relname), ['messages_source_id_idx', 'messages_source_id_idx1']);
  // Named as the fix names it, the retry is a no-op.
  await client.query('CREATE INDEX CONCURRENTLY IF NOT EXISTS messages_source_id_idx ON messages (source_id)');
  const again = await client.query("SELECT count(*)::int AS n FROM pg_index WHERE indrelid = 'messages'::regclass");
  assert.equal(again.rows[0].n, 2);
});
