// The lock model, one case per statement kind, each from a Rails and a SQL migration: the lock on
// the table and on the index, what it blocks and for how long (PostgreSQL docs: "Explicit
// Locking" and each statement's reference page). test/db/lock-model.test.ts checks the same
// locks against a real server's pg_locks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadParsers, parseMigration, type MigrationLanguage } from '../lint';
import type { OperationKind } from '../model/migration';
import { ACTIVITIES, activitiesBlockedBy, conflicts, LOCK_MODES, type Activity } from './lock-modes';
import { lockOf, type OperationLock } from './operation-locks';

const rails = (body: string, { transaction = true } = {}) =>
  `class Change < ActiveRecord::Migration[7.1]\n${transaction ? '' : '  disable_ddl_transaction!\n\n'}  def change\n${body}  end\nend\n`;

interface LockCase {
  name: string;
  language: MigrationLanguage;
  source: string;
  /** Which operation of the file (the first of this kind). */
  kind: OperationKind;
  expected: Pick<OperationLock, 'statement' | 'tableLock' | 'indexLock' | 'duration' | 'waitsForOlderTransactions' | 'inTransaction'> & { blocks: readonly Activity[] };
  /** A note the lock must carry. */
  note?: RegExp;
}

const ALL = ['reads', 'writes', 'ddl', 'autovacuum'] as const;
const BUILD_SHARE = { tableLock: 'SHARE', indexLock: null, blocks: ['writes', 'ddl', 'autovacuum'], waitsForOlderTransactions: false } as const;
const CONCURRENT = { tableLock: 'SHARE UPDATE EXCLUSIVE', blocks: ['ddl', 'autovacuum'], waitsForOlderTransactions: true, inTransaction: false } as const;

const CASES: LockCase[] = [
  // ADD FOREIGN KEY: SHARE ROW EXCLUSIVE on both tables while this one is scanned; DROP COLUMN: ACCESS EXCLUSIVE, its indexes with it.
  { name: 'sql ADD FOREIGN KEY', language: 'sql', kind: 'addForeignKey', source: 'ALTER TABLE messages ADD FOREIGN KEY (account_id) REFERENCES accounts;\n', expected: { statement: 'ALTER TABLE ... ADD FOREIGN KEY', tableLock: 'SHARE ROW EXCLUSIVE', indexLock: null, blocks: ['writes', 'ddl', 'autovacuum'], duration: 'build', waitsForOlderTransactions: false, inTransaction: false }, note: /referenced table too/ },
  { name: 'sql DROP COLUMN', language: 'sql', kind: 'dropColumn', source: 'ALTER TABLE messages DROP COLUMN source_id;\n', expected: { statement: 'ALTER TABLE ... DROP COLUMN', tableLock: 'ACCESS EXCLUSIVE', indexLock: null, blocks: ALL, duration: 'moment', waitsForOlderTransactions: false, inTransaction: false }, note: /Every index on the column is dropped with it/ },
  { name: 'a scheduled build (add_index_in_background) takes no lock in the migration', language: 'ruby', kind: 'createIndex', source: rails('    add_index_in_background :messages, :user_id\n'), expected: { statement: 'CREATE INDEX CONCURRENTLY (scheduled)', tableLock: null, indexLock: null, blocks: [], duration: 'none', waitsForOlderTransactions: false, inTransaction: true }, note: /background job/ },
  // CREATE INDEX: SHARE, writes wait for the whole build (until commit inside a transaction).
  { name: 'add_index in the migration transaction', language: 'ruby', kind: 'createIndex', source: rails('    add_index :messages, :user_id\n'), expected: { ...BUILD_SHARE, statement: 'CREATE INDEX', duration: 'commit', inTransaction: true }, note: /queue behind it/ },
  { name: 'sql CREATE INDEX run statement by statement', language: 'sql', kind: 'createIndex', source: 'CREATE INDEX idx ON messages (user_id);\n', expected: { ...BUILD_SHARE, statement: 'CREATE INDEX', duration: 'build', inTransaction: false } },
  { name: 'add_index unique: true', language: 'ruby', kind: 'createIndex', source: rails('    add_index :users, :email, unique: true\n', { transaction: false }), expected: { ...BUILD_SHARE, statement: 'CREATE UNIQUE INDEX', duration: 'build', inTransaction: false } },
  { name: 'sql CREATE UNIQUE INDEX in BEGIN ... COMMIT', language: 'sql', kind: 'createIndex', source: 'BEGIN;\nCREATE UNIQUE INDEX idx ON users (email);\nCOMMIT;\n', expected: { ...BUILD_SHARE, statement: 'CREATE UNIQUE INDEX', duration: 'commit', inTransaction: true } },
  // CONCURRENTLY: SHARE UPDATE EXCLUSIVE, reads and writes go on, waits for older transactions.
  { name: 'add_index algorithm: :concurrently', language: 'ruby', kind: 'createIndex', source: rails('    add_index :messages, :user_id, algorithm: :concurrently\n', { transaction: false }), expected: { ...CONCURRENT, statement: 'CREATE INDEX CONCURRENTLY', indexLock: null, duration: 'build' }, note: /INVALID index/ },
  { name: 'sql CREATE INDEX CONCURRENTLY', language: 'sql', kind: 'createIndex', source: 'CREATE INDEX CONCURRENTLY idx ON messages (user_id);\n', expected: { ...CONCURRENT, statement: 'CREATE INDEX CONCURRENTLY', indexLock: null, duration: 'build' }, note: /waits for the transactions that have written to the table/ },
  { name: 'concurrently inside the migration transaction fails', language: 'ruby', kind: 'createIndex', source: rails('    add_index :messages, :user_id, algorithm: :concurrently\n'), expected: { ...CONCURRENT, statement: 'CREATE INDEX CONCURRENTLY', indexLock: null, duration: 'build', inTransaction: true }, note: /^Fails as written: CREATE INDEX CONCURRENTLY cannot run inside a transaction block/ },
  { name: 'sql CREATE INDEX ON ONLY a partitioned parent', language: 'sql', kind: 'createIndex', source: 'CREATE INDEX idx ON ONLY measurements (logdate);\n', expected: { ...BUILD_SHARE, statement: 'CREATE INDEX ON ONLY', duration: 'moment', inTransaction: false }, note: /without building anything/ },
  // DROP INDEX: ACCESS EXCLUSIVE on the table and the index: everything waits.
  { name: 'remove_index in the migration transaction', language: 'ruby', kind: 'dropIndex', source: rails('    remove_index :messages, :user_id\n'), expected: { statement: 'DROP INDEX', tableLock: 'ACCESS EXCLUSIVE', indexLock: 'ACCESS EXCLUSIVE', blocks: [...ALL], duration: 'commit', waitsForOlderTransactions: false, inTransaction: true } },
  { name: 'sql DROP INDEX', language: 'sql', kind: 'dropIndex', source: 'DROP INDEX idx;\n', expected: { statement: 'DROP INDEX', tableLock: 'ACCESS EXCLUSIVE', indexLock: 'ACCESS EXCLUSIVE', blocks: [...ALL], duration: 'moment', waitsForOlderTransactions: false, inTransaction: false }, note: /queue behind it/ },
  // DROP INDEX CONCURRENTLY: SHARE UPDATE EXCLUSIVE on the table, the index's lock once nobody uses it.
  { name: 'remove_index algorithm: :concurrently', language: 'ruby', kind: 'dropIndex', source: rails('    remove_index :messages, :user_id, algorithm: :concurrently\n', { transaction: false }), expected: { ...CONCURRENT, statement: 'DROP INDEX CONCURRENTLY', indexLock: 'ACCESS EXCLUSIVE', duration: 'moment' } },
  { name: 'sql DROP INDEX CONCURRENTLY', language: 'sql', kind: 'dropIndex', source: 'DROP INDEX CONCURRENTLY IF EXISTS idx;\n', expected: { ...CONCURRENT, statement: 'DROP INDEX CONCURRENTLY', indexLock: 'ACCESS EXCLUSIVE', duration: 'moment' }, note: /may still use the index/ },
  // REINDEX: SHARE on the table, ACCESS EXCLUSIVE on the index, which blocks reads as well.
  { name: 'execute REINDEX INDEX', language: 'ruby', kind: 'reindex', source: rails('    execute "REINDEX INDEX index_messages_on_user_id"\n'), expected: { statement: 'REINDEX INDEX', tableLock: 'SHARE', indexLock: 'ACCESS EXCLUSIVE', blocks: [...ALL], duration: 'commit', waitsForOlderTransactions: false, inTransaction: true }, note: /blocks reads too/ },
  { name: 'sql REINDEX TABLE', language: 'sql', kind: 'reindex', source: 'REINDEX TABLE messages;\n', expected: { statement: 'REINDEX TABLE', tableLock: 'SHARE', indexLock: 'ACCESS EXCLUSIVE', blocks: [...ALL], duration: 'build', waitsForOlderTransactions: false, inTransaction: false }, note: /every index of the table/ },
  // REINDEX CONCURRENTLY: SHARE UPDATE EXCLUSIVE on the table and its indexes.
  { name: 'execute REINDEX INDEX CONCURRENTLY', language: 'ruby', kind: 'reindex', source: rails('    execute "REINDEX INDEX CONCURRENTLY index_messages_on_user_id"\n', { transaction: false }), expected: { ...CONCURRENT, statement: 'REINDEX INDEX CONCURRENTLY', indexLock: 'SHARE UPDATE EXCLUSIVE', duration: 'build' } },
  { name: 'sql REINDEX TABLE CONCURRENTLY', language: 'sql', kind: 'reindex', source: 'REINDEX TABLE CONCURRENTLY messages;\n', expected: { ...CONCURRENT, statement: 'REINDEX TABLE CONCURRENTLY', indexLock: 'SHARE UPDATE EXCLUSIVE', duration: 'build' }, note: /_ccnew/ },
  // ALTER TABLE ... ADD CONSTRAINT UNIQUE: builds its index under ACCESS EXCLUSIVE.
  { name: 'add_unique_constraint', language: 'ruby', kind: 'addUniqueConstraint', source: rails('    add_unique_constraint :contacts, [:email]\n'), expected: { statement: 'ALTER TABLE ... ADD CONSTRAINT ... UNIQUE', tableLock: 'ACCESS EXCLUSIVE', indexLock: null, blocks: [...ALL], duration: 'commit', waitsForOlderTransactions: false, inTransaction: true } },
  { name: 'sql ADD CONSTRAINT ... PRIMARY KEY', language: 'sql', kind: 'addUniqueConstraint', source: 'ALTER TABLE contacts ADD CONSTRAINT contacts_pkey PRIMARY KEY (id);\n', expected: { statement: 'ALTER TABLE ... ADD CONSTRAINT ... PRIMARY KEY', tableLock: 'ACCESS EXCLUSIVE', indexLock: null, blocks: [...ALL], duration: 'build', waitsForOlderTransactions: false, inTransaction: false }, note: /Builds the unique index while holding the lock/ },
  // ... USING INDEX: only a catalog change, under ACCESS EXCLUSIVE.
  { name: 'add_unique_constraint using_index:', language: 'ruby', kind: 'addUniqueConstraint', source: rails('    add_unique_constraint :contacts, using_index: "index_contacts_on_email"\n', { transaction: false }), expected: { statement: 'ALTER TABLE ... ADD CONSTRAINT ... UNIQUE USING INDEX', tableLock: 'ACCESS EXCLUSIVE', indexLock: 'SHARE UPDATE EXCLUSIVE', blocks: [...ALL], duration: 'moment', waitsForOlderTransactions: false, inTransaction: false } },
  { name: 'sql ADD CONSTRAINT ... PRIMARY KEY USING INDEX', language: 'sql', kind: 'addUniqueConstraint', source: 'ALTER TABLE contacts ADD CONSTRAINT contacts_pkey PRIMARY KEY USING INDEX contacts_id_idx;\n', expected: { statement: 'ALTER TABLE ... ADD CONSTRAINT ... PRIMARY KEY USING INDEX', tableLock: 'ACCESS EXCLUSIVE', indexLock: 'SHARE UPDATE EXCLUSIVE', blocks: [...ALL], duration: 'moment', waitsForOlderTransactions: false, inTransaction: false }, note: /not yet NOT NULL first scans the whole table/ },
  // CREATE TABLE: locks only the new table.
  { name: 'create_table', language: 'ruby', kind: 'createTable', source: rails('    create_table :widgets do |t|\n      t.string :name\n    end\n'), expected: { statement: 'CREATE TABLE', tableLock: null, indexLock: null, blocks: [], duration: 'none', waitsForOlderTransactions: false, inTransaction: true } },
  { name: 'sql CREATE TABLE', language: 'sql', kind: 'createTable', source: 'CREATE TABLE widgets (id bigint PRIMARY KEY);\n', expected: { statement: 'CREATE TABLE', tableLock: null, indexLock: null, blocks: [], duration: 'none', waitsForOlderTransactions: false, inTransaction: false } },
  // An index on a table created earlier in the migration blocks nothing of consequence.
  { name: 'add_index on a table created earlier', language: 'ruby', kind: 'createIndex', source: rails('    create_table :widgets do |t|\n      t.string :name\n    end\n    add_index :widgets, :name\n'), expected: { ...BUILD_SHARE, blocks: [], statement: 'CREATE INDEX', duration: 'moment', inTransaction: true }, note: /created earlier in this migration/ },
  { name: 'sql CREATE INDEX on a table created earlier', language: 'sql', kind: 'createIndex', source: 'CREATE TABLE widgets (name text);\nCREATE INDEX idx ON widgets (name);\n', expected: { ...BUILD_SHARE, blocks: [], statement: 'CREATE INDEX', duration: 'moment', inTransaction: false } },
  // SET: no lock.
  { name: "execute SET statement_timeout", language: 'ruby', kind: 'setTimeout', source: rails('    execute "SET statement_timeout = \'30min\'"\n'), expected: { statement: 'SET statement_timeout', tableLock: null, indexLock: null, blocks: [], duration: 'none', waitsForOlderTransactions: false, inTransaction: true } },
  { name: 'sql SET LOCAL lock_timeout', language: 'sql', kind: 'setTimeout', source: "BEGIN;\nSET LOCAL lock_timeout = '5s';\nCOMMIT;\n", expected: { statement: 'SET LOCAL lock_timeout', tableLock: null, indexLock: null, blocks: [], duration: 'none', waitsForOlderTransactions: false, inTransaction: true } },
  // BEGIN: no lock, but what follows holds its locks until COMMIT.
  { name: 'sql BEGIN', language: 'sql', kind: 'transactionControl', source: 'BEGIN;\nCOMMIT;\n', expected: { statement: 'BEGIN', tableLock: null, indexLock: null, blocks: [], duration: 'none', waitsForOlderTransactions: false, inTransaction: false }, note: /held until COMMIT/ },
];

for (const c of CASES) {
  test(`lock model: ${c.name}`, async () => {
    const parsers = await loadParsers();
    const path = c.language === 'ruby' ? 'db/migrate/20240101000000_change.rb' : 'migrations/001_change.sql';
    const file = parseMigration(path, c.source, c.language, parsers);
    assert.ok(file, 'the source should parse');
    assert.deepEqual(file.problems, []);
    const operation = file.operations.find((o) => o.kind === c.kind);
    assert.ok(operation, `no ${c.kind} among ${file.operations.map((o) => o.kind).join(', ')}`);
    const lock = lockOf(file, operation);
    const { statement, tableLock, indexLock, blocks, duration, waitsForOlderTransactions, inTransaction } = lock;
    assert.deepEqual({ statement, tableLock, indexLock, blocks, duration, waitsForOlderTransactions, inTransaction }, c.expected);
    if (c.note) assert.ok(lock.notes.some((n) => c.note!.test(n)), `no note matching ${c.note} in ${JSON.stringify(lock.notes)}`);
  });
}

test('lock modes: the conflict table is symmetric, as Table 13.2 is', () => {
  for (const a of LOCK_MODES) for (const b of LOCK_MODES) assert.equal(conflicts(a, b), conflicts(b, a), `${a} / ${b}`);
});

test('lock modes: what each mode held on a table blocks', () => {
  const table = Object.fromEntries(LOCK_MODES.map((mode) => [mode, activitiesBlockedBy(mode)]));
  assert.deepEqual(table, {
    'ACCESS SHARE': ['ddl'],
    'ROW SHARE': ['ddl'],
    'ROW EXCLUSIVE': ['ddl'],
    'SHARE UPDATE EXCLUSIVE': ['ddl', 'autovacuum'],
    SHARE: ['writes', 'ddl', 'autovacuum'],
    'SHARE ROW EXCLUSIVE': ['writes', 'ddl', 'autovacuum'],
    EXCLUSIVE: ['writes', 'ddl', 'autovacuum'],
    'ACCESS EXCLUSIVE': [...ACTIVITIES],
  });
  // Two plain CREATE INDEX on one table run side by side; two CONCURRENTLY builds do not.
  assert.equal(conflicts('SHARE', 'SHARE'), false);
  assert.equal(conflicts('SHARE UPDATE EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE'), true);
});
