// The Missing Indexes view asks the server which declared indexes are absent (by name), instead
// of reading every index: the same cases as findMissingIndexes' own test, on a real catalog,
// and the same answer as findMissingIndexes over every index the database has.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MonitorSession } from '../../src/db/session';
import { collectStatus, findMissingIndexes, type StatusWorkspace } from '../../src/db/status';
import { declared } from './support/declared';
import { closeClient, useCluster } from './support/postgres';

const DB = 'missing_declared_test';

const cluster = useCluster({}, async (c) => {
  await c.createDatabase(DB);
  const admin = await c.connect(DB);
  await admin.query(`
    CREATE TABLE messages (id bigint PRIMARY KEY, a int, b int, c int, d int, e int, f int, g int, body text);
    INSERT INTO messages (id, b) VALUES (1, 1), (2, 1);
    CREATE INDEX present ON messages (a);
    CREATE INDEX messages_c_d_idx ON messages (c, d);
    CREATE INDEX messages_e_idx ON messages (e);
    CREATE INDEX wrong_schema ON messages (g);
    CREATE INDEX messages_body_idx ON messages (lower(body));
    CREATE INDEX messages_f_partial ON messages (f) WHERE f > 0;
    CREATE SCHEMA other;
    CREATE TABLE other.events (id bigint PRIMARY KEY, kind int);
    CREATE INDEX events_kind_idx ON other.events (kind);`);
  // A failed concurrent build leaves an INVALID index: it counts as present.
  await admin.query('CREATE UNIQUE INDEX CONCURRENTLY invalid_counts_as_present ON messages (b)').catch(() => undefined);
  await closeClient(admin);
});


const DECLARED = [
  declared('present', 'messages', ['a']),
  declared('invalid_counts_as_present', 'messages', ['b'], { unique: true }),
  declared('renamed', 'messages', ['c', 'd']),
  declared('renamed_but_unique', 'messages', ['e'], { unique: true }),
  declared('gone', 'messages', ['f']),
  declared('gone_partial', 'messages', ['f'], { where: 'f > 0' }),
  declared('renamed_expression', 'messages', ['lower(body)']),
  declared('wrong_schema', 'messages', ['g'], { schema: 'other' }),
  declared('events_kind_renamed', 'events', ['kind'], { schema: 'other' }),
  declared('no_table', 'audits', ['h']),
];

test('declared indexes the database lacks, found by name on the server', async () => {
  const workspace: StatusWorkspace = { migrations: [], readFile: async () => '', parseIndexOperations: () => [], declaredIndexes: DECLARED };
  const session = new MonitorSession({ target: cluster().config(DB), reconnect: false });
  assert.ok((await session.connect()).ok);
  try {
    const status = await collectStatus(session, workspace);
    assert.equal(status.missingIndexes.error, null);
    const found = status.missingIndexes.items.map((m) => [m.name, m.equivalentIndex, m.tableMissing]);
    assert.deepEqual(found, [
      ['renamed', 'messages_c_d_idx', false],
      ['renamed_but_unique', null, false],
      ['gone', null, false],
      ['gone_partial', 'messages_f_partial', false],
      // An expression key is no column list: Postgres's columns for it are unknown (null).
      ['renamed_expression', null, false],
      ['wrong_schema', null, true],
      ['events_kind_renamed', 'events_kind_idx', false],
      ['no_table', null, true],
    ]);
    // The same answer as comparing with every index and table the database has.
    const existing = await session.query('existingIndexes', null);
    const tables = await session.query('tableRowEstimates');
    assert.deepEqual(found, findMissingIndexes(DECLARED, existing, tables).map((m) => [m.name, m.equivalentIndex, m.tableMissing]));
  } finally {
    await session.close();
  }
});
