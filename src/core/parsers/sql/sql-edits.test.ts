// The SQL edits of src/core/fixes/sql-edits.ts, on files read by the SQL parser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AddUniqueConstraintOperation, MigrationFile } from '../../model/migration';
import { applyEdits } from '../../fixes/fix';
import {
  addIndexPredicate,
  insertTimeouts,
  noTransactionMarker,
  splitFilePaths,
  splitMigration,
  uniqueIndexFirst,
} from '../../fixes/sql-edits';
import { loadSqlParser } from './libpg-query';
import { parseSqlMigration, type SqlParseOptions } from './parse-sql-migration';

async function parse(source: string, path = 'migrations/001_case.sql', options: SqlParseOptions = {}): Promise<MigrationFile> {
  return parseSqlMigration(path, source, await loadSqlParser(), options);
}

const INDEX = 'CREATE INDEX CONCURRENTLY idx ON messages (user_id);';

interface MarkerCase {
  name: string;
  path?: string;
  sql: string;
  options?: SqlParseOptions;
  /** Which operation the marker is for (dbmate sections); none: the file's. */
  operation?: number;
  fixed: string | null;
}

const markerCases: MarkerCase[] = [
  {
    name: 'goose: NO TRANSACTION at the top',
    sql: `-- +goose Up\n${INDEX}\n`,
    fixed: `-- +goose NO TRANSACTION\n-- +goose Up\n${INDEX}\n`,
  },
  {
    name: 'goose with CRLF line ends',
    sql: `-- +goose Up\r\n${INDEX}\r\n`,
    fixed: `-- +goose NO TRANSACTION\r\n-- +goose Up\r\n${INDEX}\r\n`,
  },
  { name: 'goose already without a transaction', sql: `-- +goose NO TRANSACTION\n-- +goose Up\n${INDEX}\n`, fixed: null },
  {
    name: 'dbmate: transaction:false on the up line',
    sql: `-- migrate:up\n${INDEX}\n\n-- migrate:down\nDROP INDEX idx;\n`,
    fixed: `-- migrate:up transaction:false\n${INDEX}\n\n-- migrate:down\nDROP INDEX idx;\n`,
  },
  {
    name: 'dbmate: the down section of a down operation',
    sql: `-- migrate:up transaction:false\n${INDEX}\n\n-- migrate:down\nDROP INDEX CONCURRENTLY idx;\n`,
    operation: 1,
    fixed: `-- migrate:up transaction:false\n${INDEX}\n\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY idx;\n`,
  },
  {
    name: 'dbmate: transaction:true becomes false',
    sql: `-- migrate:up transaction:true\n${INDEX}\n`,
    fixed: `-- migrate:up transaction:false\n${INDEX}\n`,
  },
  {
    name: 'Atlas: a directive block of its own',
    sql: `-- add an index\n${INDEX}`,
    options: { runner: 'atlas' },
    fixed: `-- atlas:txmode none\n\n-- add an index\n${INDEX}`,
  },
  {
    name: 'Atlas: txmode file becomes none',
    sql: `-- atlas:txmode file\n\n${INDEX}`,
    fixed: `-- atlas:txmode none\n\n${INDEX}`,
  },
  {
    name: 'postgres-migrations: its comment on the first line',
    sql: INDEX,
    options: { runner: 'postgres-migrations' },
    fixed: `-- postgres-migrations disable-transaction\n${INDEX}`,
  },
  { name: 'Flyway leaves by itself (or by its .conf): no marker', path: 'db/V1__x.sql', sql: 'CREATE INDEX a ON t (x);', fixed: null },
  {
    name: 'golang-migrate: only a file of its own helps',
    path: 'migrations/1_x.up.sql',
    sql: `SET lock_timeout = '1s';\n${INDEX}`,
    fixed: null,
  },
  { name: 'explicit BEGIN ... COMMIT are left alone', sql: `BEGIN;\n${INDEX}\nCOMMIT;`, fixed: null },
];

for (const c of markerCases) {
  test(`sql noTransactionMarker: ${c.name}`, async () => {
    const file = await parse(c.sql, c.path, c.options);
    const edit = noTransactionMarker(file, c.operation === undefined ? undefined : file.operations[c.operation]);
    assert.equal(edit === null ? null : applyEdits(file.source, [edit]), c.fixed);
  });
}

interface EditCase {
  name: string;
  path?: string;
  sql: string;
  /** Index of the operation to edit. */
  operation?: number;
  edit: (file: MigrationFile, operationIndex: number) => ReturnType<typeof insertTimeouts>;
  fixed: string | null;
}

const timeouts = (file: MigrationFile, i: number) => insertTimeouts(file, file.operations[i]!, { statement: '0', lock: '5s' });

const editCases: EditCase[] = [
  {
    name: 'timeouts around an indented statement',
    sql: '-- +goose Up\n  CREATE INDEX idx ON messages (user_id); -- why\n',
    edit: timeouts,
    fixed:
      "-- +goose Up\n  SET statement_timeout = '0';\n  SET lock_timeout = '5s';\n  CREATE INDEX idx ON messages (user_id); -- why\n  RESET statement_timeout;\n  RESET lock_timeout;\n",
  },
  {
    name: 'timeouts after the last statement without a semicolon, lower case',
    sql: 'create index idx on messages (user_id)',
    edit: (file, i) => insertTimeouts(file, file.operations[i]!, { lock: "'1min'" }),
    fixed: "set lock_timeout = '1min';\ncreate index idx on messages (user_id);\nreset lock_timeout;",
  },
  {
    name: 'timeouts around a statement sharing its line',
    sql: 'SELECT 1; CREATE INDEX idx ON t (x); SELECT 2;',
    operation: 0,
    edit: (file, i) => insertTimeouts(file, file.operations[i]!, { lock: '5s' }),
    fixed: "SELECT 1; SET lock_timeout = '5s';\nCREATE INDEX idx ON t (x);\nRESET lock_timeout;\n SELECT 2;",
  },
  {
    name: 'no timeouts next to a concurrent build sent as one query string (golang-migrate)',
    path: 'migrations/1_x.up.sql',
    sql: INDEX,
    edit: timeouts,
    fixed: null,
  },
  {
    name: 'a WHERE clause for a partial index',
    sql: 'CREATE INDEX idx ON messages (user_id) INCLUDE (id);',
    edit: (file, i) => {
      const edit = addIndexPredicate(file, file.operations[i]!, 'status IN (0, 1)');
      return edit && [edit];
    },
    fixed: 'CREATE INDEX idx ON messages (user_id) INCLUDE (id) WHERE status IN (0, 1);',
  },
  {
    name: 'the unique index built first, then attached with USING INDEX',
    sql: '  ALTER TABLE public."Messages" ADD CONSTRAINT uniq UNIQUE (account_id, "order") DEFERRABLE;\n',
    edit: (file, i) => uniqueIndexFirst(file, file.operations[i] as AddUniqueConstraintOperation, 'index_messages_uniq'),
    fixed:
      '  CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS index_messages_uniq ON public."Messages" (account_id, "order");\n' +
      '  ALTER TABLE public."Messages" ADD CONSTRAINT uniq UNIQUE USING INDEX index_messages_uniq DEFERRABLE;\n',
  },
  {
    name: 'a primary key, lower case',
    sql: 'alter table messages add primary key (id);',
    edit: (file, i) => uniqueIndexFirst(file, file.operations[i] as AddUniqueConstraintOperation, 'messages_pkey'),
    fixed:
      'create unique index concurrently if not exists messages_pkey on messages (id);\nalter table messages add primary key using index messages_pkey;',
  },
  {
    name: 'no USING INDEX when the constraint carries index options',
    sql: 'ALTER TABLE messages ADD CONSTRAINT u UNIQUE (a) INCLUDE (b);',
    edit: (file, i) => uniqueIndexFirst(file, file.operations[i] as AddUniqueConstraintOperation, 'u_idx'),
    fixed: null,
  },
  {
    name: 'no concurrent build inside BEGIN ... COMMIT',
    sql: 'BEGIN;\nALTER TABLE messages ADD CONSTRAINT u UNIQUE (a);\nCOMMIT;',
    operation: 1,
    edit: (file, i) => uniqueIndexFirst(file, file.operations[i] as AddUniqueConstraintOperation, 'u_idx'),
    fixed: null,
  },
];

for (const c of editCases) {
  test(`sql edits: ${c.name}`, async () => {
    const file = await parse(c.sql, c.path);
    const edits = c.edit(file, c.operation ?? 0);
    assert.equal(edits === null ? null : applyEdits(file.source, edits), c.fixed);
  });
}

test('sql splitMigration: one goose file per table, with the marker and the sections', async () => {
  const source =
    '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY a ON messages (x);\n' +
    '-- on contacts\nCREATE INDEX CONCURRENTLY b ON contacts (x);\n\n-- +goose Down\nDROP INDEX CONCURRENTLY a;\nDROP INDEX CONCURRENTLY b;\n';
  const file = await parse(source, 'db/migrations/20240101000000_add_indexes.sql');
  const [a, b, dropA, dropB] = file.operations;
  const result = splitMigration(file, [
    { table: 'messages', operations: [a!, dropA!] },
    { table: 'contacts', operations: [b!, dropB!] },
  ]);
  assert.ok(result);
  assert.equal(
    applyEdits(file.source, result.edits),
    '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY a ON messages (x);\n\n-- +goose Down\nDROP INDEX CONCURRENTLY a;\n',
  );
  assert.deepEqual(result.newFiles, [
    {
      path: 'db/migrations/20240101000001_add_indexes_on_contacts.sql',
      text:
        '-- +goose NO TRANSACTION\n-- +goose Up\n-- on contacts\nCREATE INDEX CONCURRENTLY b ON contacts (x);\n-- +goose Down\nDROP INDEX CONCURRENTLY b;\n',
    },
  ]);
});

test('sql splitMigration: nothing inside BEGIN ... COMMIT', async () => {
  const file = await parse('BEGIN;\nCREATE INDEX a ON messages (x);\nCREATE INDEX b ON contacts (x);\nCOMMIT;');
  const [, a, b] = file.operations;
  assert.equal(splitMigration(file, [{ table: 'messages', operations: [a!] }, { table: 'contacts', operations: [b!] }]), null);
});

test('sql split file names follow each runner and skip the versions already taken', () => {
  const cases: Array<{ path: string; runner: string; tables: string[]; entries?: string[]; expected: string[] | null }> = [
    { path: 'migrations/000012_add_indexes.up.sql', runner: 'golang-migrate', tables: ['contacts'], expected: ['migrations/000013_add_indexes_on_contacts.up.sql'] },
    {
      // golang-migrate reads 14 and 000014 as one version.
      path: 'migrations/000012_add_indexes.up.sql',
      runner: 'golang-migrate',
      tables: ['contacts', 'users'],
      entries: ['000012_add_indexes.up.sql', '000012_add_indexes.down.sql', '000013_x.up.sql', '000013_x.down.sql', '14_y.up.sql'],
      expected: ['migrations/000015_add_indexes_on_contacts.up.sql', 'migrations/000016_add_indexes_on_users.up.sql'],
    },
    {
      path: 'db/migration/V3__add_indexes.sql',
      runner: 'flyway',
      tables: ['users', 'public.Contacts'],
      expected: ['db/migration/V3.1__add_indexes_on_users.sql', 'db/migration/V3.2__add_indexes_on_contacts.sql'],
    },
    { path: 'db/migration/V3__add_indexes.sql', runner: 'flyway', tables: ['users'], entries: ['V3__add_indexes.sql', 'V3.1__other.sql', 'V3.10__x.sql'], expected: ['db/migration/V3.2__add_indexes_on_users.sql'] },
    {
      path: 'prisma/migrations/20240101000000_add_indexes/migration.sql',
      runner: 'prisma',
      tables: ['contacts'],
      expected: ['prisma/migrations/20240101000001_add_indexes_on_contacts/migration.sql'],
    },
    { path: 'sql/0003-add-indexes.sql', runner: 'psql', tables: ['contacts'], expected: ['sql/0004-add-indexes-on_contacts.sql'] },
    { path: 'sql/0003-add-indexes.sql', runner: 'psql', tables: ['contacts'], entries: ['0004.sql', '0005-a.sql'], expected: ['sql/0006-add-indexes-on_contacts.sql'] },
    { path: 'D:\\app\\sql\\0003-add-indexes.sql', runner: 'psql', tables: ['contacts'], expected: ['D:/app/sql/0004-add-indexes-on_contacts.sql'] },
    { path: 'sql/add_indexes.sql', runner: 'psql', tables: ['contacts'], expected: null },
  ];
  for (const c of cases) {
    assert.deepEqual(splitFilePaths(c.path, c.runner, c.tables, c.entries), c.expected, c.path);
  }
});
