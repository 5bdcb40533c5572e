import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MigrationFile, Operation } from '../../model/migration';
import { applyEdits } from '../../fixes/fix';
import { insertConcurrently, insertIfExists } from '../../fixes/sql-edits';
import { lineStarts, positionAt } from '../source-text';
import { loadSqlParser } from './libpg-query';
import { parseSqlMigration, type SqlParseOptions } from './parse-sql-migration';
import { parseDuration } from './operations';

async function parse(source: string, path = 'migrations/001_case.sql', options: SqlParseOptions = {}): Promise<MigrationFile> {
  return parseSqlMigration(path, source, await loadSqlParser(), options);
}

const textOf = (file: MigrationFile, operation: Operation) => file.source.slice(operation.range.start, operation.range.end);

/** The listed fields of an operation, plus `text`: the source its range covers. */
function pick(file: MigrationFile, operation: Operation, expected: Record<string, unknown>): Record<string, unknown> {
  const actual: Record<string, unknown> = {};
  for (const key of Object.keys(expected)) {
    actual[key] = key === 'text' ? textOf(file, operation) : (operation as unknown as Record<string, unknown>)[key];
  }
  return actual;
}

interface KindCase {
  name: string;
  sql: string;
  operations: Array<Record<string, unknown>>;
}

const kindCases: KindCase[] = [
  {
    name: 'plain CREATE INDEX',
    sql: 'CREATE INDEX idx_messages_user ON messages (user_id);',
    operations: [
      {
        kind: 'createIndex',
        text: 'CREATE INDEX idx_messages_user ON messages (user_id)',
        table: 'messages',
        columns: ['user_id'],
        name: 'idx_messages_user',
        unique: false,
        concurrent: false,
        ifNotExists: false,
        where: null,
        using: null,
        via: 'sql',
        direction: 'sql',
        inTransactionBlock: false,
      },
    ],
  },
  {
    name: 'UNIQUE CONCURRENTLY IF NOT EXISTS, schema-qualified, several columns',
    sql: 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx ON public.messages (account_id, created_at DESC);',
    operations: [
      { kind: 'createIndex', table: 'public.messages', columns: ['account_id', 'created_at'], unique: true, concurrent: true, ifNotExists: true },
    ],
  },
  {
    name: 'partial index keeps its predicate as written',
    sql: "CREATE INDEX idx ON messages (user_id) WHERE status IN (0, 1) AND kind <> 'x';",
    operations: [{ kind: 'createIndex', where: "status IN (0, 1) AND kind <> 'x'", columns: ['user_id'] }],
  },
  {
    name: 'expression index, USING, INCLUDE, WITH',
    sql: 'CREATE INDEX idx ON contacts USING gin ((lower(email)), to_tsvector(\'simple\', name)) INCLUDE (id) WITH (fastupdate = off);',
    operations: [{ kind: 'createIndex', using: 'gin', columns: ['lower(email)', "to_tsvector('simple', name)"], where: null }],
  },
  {
    name: 'lower-case keywords, quoted names keep their case',
    sql: 'create index "IdxName" on "Messages" (user_id);',
    operations: [{ kind: 'createIndex', name: 'IdxName', table: 'Messages', text: 'create index "IdxName" on "Messages" (user_id)' }],
  },
  {
    name: 'ON ONLY a partitioned parent',
    sql: 'CREATE INDEX idx ON ONLY measurements (logdate);',
    operations: [{ kind: 'createIndex', table: 'measurements', onlyParent: true }],
  },
  {
    name: 'index without a name',
    sql: 'CREATE INDEX ON messages (user_id);',
    operations: [{ kind: 'createIndex', name: null, table: 'messages' }],
  },
  {
    name: 'DROP INDEX, its table known from an earlier CREATE INDEX',
    sql: 'CREATE INDEX idx ON messages (a);\nDROP INDEX CONCURRENTLY IF EXISTS idx;\nDROP INDEX other;',
    operations: [
      { kind: 'createIndex' },
      { kind: 'dropIndex', name: 'idx', table: 'messages', concurrent: true, ifExists: true, via: 'sql', text: 'DROP INDEX CONCURRENTLY IF EXISTS idx' },
      { kind: 'dropIndex', name: 'other', table: null, concurrent: false, ifExists: false },
    ],
  },
  {
    name: 'DROP INDEX of several indexes, schema-qualified',
    sql: 'DROP INDEX public.a, b CASCADE;',
    operations: [{ kind: 'dropIndex', name: 'public.a' }],
  },
  {
    name: 'REINDEX of every kind',
    sql:
      'REINDEX INDEX idx;\nREINDEX TABLE messages;\nREINDEX SCHEMA app;\nREINDEX DATABASE chat;\nREINDEX SYSTEM;\n' +
      'REINDEX (VERBOSE) TABLE CONCURRENTLY messages;\nREINDEX (CONCURRENTLY, VERBOSE) INDEX idx;\nREINDEX (CONCURRENTLY false) TABLE t;',
    operations: [
      { kind: 'reindex', target: 'index', name: 'idx', table: null, concurrent: false },
      { kind: 'reindex', target: 'table', name: 'messages', table: 'messages', concurrent: false },
      { kind: 'reindex', target: 'schema', name: 'app', table: null },
      { kind: 'reindex', target: 'database', name: 'chat' },
      { kind: 'reindex', target: 'system', name: null },
      { kind: 'reindex', target: 'table', concurrent: true },
      { kind: 'reindex', target: 'index', concurrent: true },
      { kind: 'reindex', target: 'table', concurrent: false },
    ],
  },
  {
    name: 'unique and primary key constraints, USING INDEX, and ADD COLUMN ... UNIQUE',
    sql:
      'ALTER TABLE messages ADD CONSTRAINT uniq UNIQUE (a, b);\n' +
      'ALTER TABLE messages ADD PRIMARY KEY (id);\n' +
      'ALTER TABLE messages ADD CONSTRAINT uniq2 UNIQUE USING INDEX idx;\n' +
      'ALTER TABLE messages ADD COLUMN code text UNIQUE, ADD CONSTRAINT c CHECK (x > 0);\n' +
      'ALTER TABLE messages ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES t (id);',
    operations: [
      { kind: 'addUniqueConstraint', table: 'messages', primaryKey: false, usingIndex: null, columns: ['a', 'b'], name: 'uniq', via: 'sql' },
      { kind: 'addUniqueConstraint', primaryKey: true, usingIndex: null, columns: ['id'], name: null },
      { kind: 'addUniqueConstraint', primaryKey: false, usingIndex: 'idx', name: 'uniq2' },
      { kind: 'addUniqueConstraint', primaryKey: false, columns: ['code'] },
      { kind: 'addForeignKey', table: 'messages', columns: ['a'], referencedTable: 't' },
    ],
  },
  {
    name: 'foreign keys (table and column constraints) and dropped columns',
    sql:
      'ALTER TABLE messages ADD CONSTRAINT fk FOREIGN KEY (account_id, "Inbox") REFERENCES public.accounts (id, inbox);\n' +
      'ALTER TABLE messages ADD COLUMN user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE;\n' +
      'ALTER TABLE messages DROP COLUMN source_id, DROP COLUMN IF EXISTS state CASCADE;',
    operations: [
      { kind: 'addForeignKey', table: 'messages', columns: ['account_id', 'Inbox'], referencedTable: 'public.accounts', via: 'sql' },
      { kind: 'addForeignKey', table: 'messages', columns: ['user_id'], referencedTable: 'users' },
      { kind: 'dropColumn', table: 'messages', columns: ['source_id'], via: 'sql' },
      { kind: 'dropColumn', table: 'messages', columns: ['state'] },
    ],
  },
  {
    name: 'tables created in the file: CREATE TABLE, CREATE TABLE AS, SELECT INTO',
    sql: 'CREATE TABLE audits (id bigint, user_id bigint);\nCREATE TABLE copies AS SELECT 1;\nSELECT * INTO backup FROM t;',
    operations: [
      { kind: 'createTable', table: 'audits', via: 'sql' },
      { kind: 'createTable', table: 'copies' },
      { kind: 'createTable', table: 'backup' },
    ],
  },
  {
    name: 'timeouts: SET, SET LOCAL, TO, units, zero, DEFAULT, RESET, RESET ALL, set_config',
    sql:
      "SET lock_timeout = '5s';\nSET LOCAL statement_timeout TO 5000;\nSET lock_timeout = 0;\nSET statement_timeout = '1h';\n" +
      "SET lock_timeout TO DEFAULT;\nRESET statement_timeout;\nRESET ALL;\nSELECT set_config('lock_timeout', '2min', false);\nSET search_path = app;",
    operations: [
      { kind: 'setTimeout', setting: 'lock_timeout', milliseconds: 5000, local: false },
      { kind: 'setTimeout', setting: 'statement_timeout', milliseconds: 5000, local: true },
      { kind: 'setTimeout', setting: 'lock_timeout', milliseconds: 0 },
      { kind: 'setTimeout', setting: 'statement_timeout', milliseconds: 3_600_000 },
      { kind: 'setTimeout', setting: 'lock_timeout', milliseconds: null, reset: true },
      { kind: 'setTimeout', setting: 'statement_timeout', milliseconds: null, reset: true },
      { kind: 'setTimeout', setting: 'lock_timeout', reset: true },
      { kind: 'setTimeout', setting: 'statement_timeout', reset: true },
      { kind: 'setTimeout', setting: 'lock_timeout', milliseconds: 120_000, local: false },
    ],
  },
  {
    name: 'BEGIN ... COMMIT marks what is between; every spelling of begin and end',
    sql:
      'CREATE INDEX a ON t (x);\nBEGIN;\nCREATE INDEX b ON t (x);\nCOMMIT;\nSTART TRANSACTION;\nCREATE INDEX c ON t (x);\nEND;\n' +
      'BEGIN;\nCREATE INDEX d ON t (x);\nROLLBACK;\nCREATE INDEX e ON t (x);',
    operations: [
      { kind: 'createIndex', name: 'a', inTransactionBlock: false },
      { kind: 'transactionControl', action: 'begin', text: 'BEGIN' },
      { kind: 'createIndex', name: 'b', inTransactionBlock: true },
      { kind: 'transactionControl', action: 'commit' },
      { kind: 'transactionControl', action: 'begin', text: 'START TRANSACTION' },
      { kind: 'createIndex', name: 'c', inTransactionBlock: true },
      { kind: 'transactionControl', action: 'commit', text: 'END' },
      { kind: 'transactionControl', action: 'begin' },
      { kind: 'createIndex', name: 'd', inTransactionBlock: true },
      { kind: 'transactionControl', action: 'rollback' },
      { kind: 'createIndex', name: 'e', inTransactionBlock: false },
    ],
  },
  {
    name: 'COMMIT AND CHAIN keeps the next statements in a transaction',
    sql: 'BEGIN;\nCOMMIT AND CHAIN;\nCREATE INDEX a ON t (x);',
    operations: [{ kind: 'transactionControl' }, { kind: 'transactionControl', action: 'commit' }, { kind: 'createIndex', inTransactionBlock: true }],
  },
  {
    name: 'other statements are not operations',
    sql: 'INSERT INTO t VALUES (1);\nUPDATE t SET a = 1;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\nVACUUM t;',
    operations: [],
  },
];

for (const c of kindCases) {
  test(`sql parser: ${c.name}`, async () => {
    const file = await parse(c.sql);
    assert.deepEqual(file.problems, []);
    assert.deepEqual(
      file.operations.map((operation, i) => pick(file, operation, c.operations[i] ?? {})),
      c.operations,
    );
  });
}

interface RangeCase {
  name: string;
  sql: string;
  /** Each operation's range as `line:column-line:column` (1-based, UTF-16 columns) and its text. */
  ranges: Array<[string, string]>;
}

const rangeCases: RangeCase[] = [
  {
    name: 'multi-byte UTF-8 before the statements (2, 3 and 4 bytes)',
    sql: '-- Index für Nachrichten — schneller 😀 索引\nCREATE INDEX idx ON messages (user_id);\n/* ü */ DROP INDEX idx;',
    ranges: [
      ['2:1-2:39', 'CREATE INDEX idx ON messages (user_id)'],
      ['3:9-3:23', 'DROP INDEX idx'],
    ],
  },
  {
    name: 'multi-byte text inside a statement',
    sql: "CREATE INDEX idx ON messages (user_id) WHERE body <> 'ünïcødé 😀';\nCREATE INDEX b ON t (x);",
    ranges: [
      ["1:1-1:66", "CREATE INDEX idx ON messages (user_id) WHERE body <> 'ünïcødé 😀'"],
      ['2:1-2:24', 'CREATE INDEX b ON t (x)'],
    ],
  },
  {
    name: 'comments around and inside, CRLF line ends, no semicolon at the end',
    sql: 'SET lock_timeout = 1000; -- a\r\n\r\n/* lead */ CREATE INDEX /* in */ idx\r\n  ON messages (user_id) -- trailing\r\n  ;\r\nCREATE INDEX b ON t (x)',
    ranges: [
      ['1:1-1:24', 'SET lock_timeout = 1000'],
      ['3:12-4:24', 'CREATE INDEX /* in */ idx\r\n  ON messages (user_id)'],
      ['6:1-6:24', 'CREATE INDEX b ON t (x)'],
    ],
  },
  {
    name: 'statements sharing a line',
    sql: 'BEGIN; CREATE INDEX a ON t (x); COMMIT;',
    ranges: [
      ['1:1-1:6', 'BEGIN'],
      ['1:8-1:31', 'CREATE INDEX a ON t (x)'],
      ['1:33-1:39', 'COMMIT'],
    ],
  },
];

for (const c of rangeCases) {
  test(`sql parser ranges: ${c.name}`, async () => {
    const file = await parse(c.sql);
    const starts = lineStarts(file.source);
    const at = (offset: number) => {
      const p = positionAt(starts, offset);
      return `${p.line + 1}:${p.column + 1}`;
    };
    assert.deepEqual(
      file.operations.map((o) => [`${at(o.range.start)}-${at(o.range.end)}`, textOf(file, o)]),
      c.ranges,
    );
  });
}

interface AnchorCase {
  name: string;
  sql: string;
  edit: 'CONCURRENTLY' | 'IF NOT EXISTS' | 'IF EXISTS';
  /** The text after the edit; null when no edit is possible. */
  fixed: string | null;
  /** Which operation (default: the first). */
  index?: number;
}

const anchorCases: AnchorCase[] = [
  {
    name: 'CONCURRENTLY after INDEX',
    sql: 'CREATE INDEX idx ON messages (user_id);',
    edit: 'CONCURRENTLY',
    fixed: 'CREATE INDEX CONCURRENTLY idx ON messages (user_id);',
  },
  {
    name: 'CONCURRENTLY after UNIQUE INDEX, before a comment',
    sql: 'CREATE UNIQUE INDEX/* c */idx ON messages (user_id);',
    edit: 'CONCURRENTLY',
    fixed: 'CREATE UNIQUE INDEX CONCURRENTLY/* c */idx ON messages (user_id);',
  },
  {
    name: 'lower-case statement gets a lower-case keyword',
    sql: 'create index if not exists idx on messages (user_id);',
    edit: 'CONCURRENTLY',
    fixed: 'create index concurrently if not exists idx on messages (user_id);',
  },
  {
    name: 'a comment mentioning INDEX before the statement does not move the anchor',
    sql: "-- CREATE INDEX here\nCREATE INDEX idx ON messages (note) WHERE note <> 'INDEX';",
    edit: 'CONCURRENTLY',
    fixed: "-- CREATE INDEX here\nCREATE INDEX CONCURRENTLY idx ON messages (note) WHERE note <> 'INDEX';",
  },
  {
    name: 'no CONCURRENTLY for ON ONLY (Postgres refuses it)',
    sql: 'CREATE INDEX idx ON ONLY measurements (logdate);',
    edit: 'CONCURRENTLY',
    fixed: null,
  },
  {
    name: 'CONCURRENTLY in DROP INDEX',
    sql: 'DROP INDEX IF EXISTS idx;',
    edit: 'CONCURRENTLY',
    fixed: 'DROP INDEX CONCURRENTLY IF EXISTS idx;',
  },
  {
    name: 'no CONCURRENTLY for DROP INDEX of several indexes',
    sql: 'DROP INDEX a, b;',
    edit: 'CONCURRENTLY',
    fixed: null,
  },
  {
    name: 'no CONCURRENTLY for DROP INDEX ... CASCADE',
    sql: 'DROP INDEX a CASCADE;',
    edit: 'CONCURRENTLY',
    fixed: null,
  },
  {
    name: 'CONCURRENTLY after REINDEX TABLE',
    sql: 'REINDEX TABLE messages;',
    edit: 'CONCURRENTLY',
    fixed: 'REINDEX TABLE CONCURRENTLY messages;',
  },
  {
    name: 'CONCURRENTLY after REINDEX (options) INDEX',
    sql: 'REINDEX (VERBOSE, TABLESPACE fast) INDEX idx;',
    edit: 'CONCURRENTLY',
    fixed: 'REINDEX (VERBOSE, TABLESPACE fast) INDEX CONCURRENTLY idx;',
  },
  {
    name: 'no CONCURRENTLY for REINDEX SYSTEM',
    sql: 'REINDEX SYSTEM;',
    edit: 'CONCURRENTLY',
    fixed: null,
  },
  {
    name: 'IF NOT EXISTS before the name, after CONCURRENTLY',
    sql: 'CREATE INDEX CONCURRENTLY idx ON messages (user_id);',
    edit: 'IF NOT EXISTS',
    fixed: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);',
  },
  {
    name: 'no IF NOT EXISTS without an index name',
    sql: 'CREATE INDEX ON messages (user_id);',
    edit: 'IF NOT EXISTS',
    fixed: null,
  },
  {
    name: 'IF EXISTS before the dropped index',
    sql: 'drop index concurrently public.idx;',
    edit: 'IF EXISTS',
    fixed: 'drop index concurrently if exists public.idx;',
  },
];

for (const c of anchorCases) {
  test(`sql edit anchors: ${c.name}`, async () => {
    const file = await parse(c.sql);
    const operation = file.operations[c.index ?? 0]!;
    const edit =
      c.edit === 'CONCURRENTLY' ? insertConcurrently(file, operation) : insertIfExists(file, operation, c.edit);
    assert.equal(edit === null ? null : applyEdits(file.source, [edit]), c.fixed);
  });
}

test('sql edit anchors: CONCURRENTLY and IF NOT EXISTS together', async () => {
  const file = await parse('CREATE INDEX idx ON messages (user_id);');
  const operation = file.operations[0]!;
  const edits = [insertConcurrently(file, operation)!, insertIfExists(file, operation, 'IF NOT EXISTS')!];
  assert.equal(applyEdits(file.source, edits), 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);');
});

interface RunnerCase {
  name: string;
  path?: string;
  sql: string;
  options?: SqlParseOptions;
  runner: string;
  detectedBy?: string;
  runsInTransaction: boolean;
  execution?: string;
  leaveBy?: string;
  /** Direction and per-operation transaction override of each operation, when given. */
  operations?: Array<{ direction?: string; runsInTransaction?: boolean }>;
}

const INDEX = 'CREATE INDEX CONCURRENTLY idx ON messages (user_id);';

const runnerCases: RunnerCase[] = [
  {
    name: 'no marker, no known path: statement by statement, like psql -f',
    sql: `${INDEX}\nCREATE INDEX b ON t (x);`,
    runner: 'psql',
    detectedBy: 'default',
    runsInTransaction: false,
    execution: 'statements',
    leaveBy: 'none',
    operations: [{ direction: 'sql' }, { direction: 'sql' }],
  },
  {
    name: 'goose: a transaction per file, Up and Down sections',
    path: 'db/migrations/20240101000000_add_index.sql',
    sql: `-- +goose Up\n${INDEX}\n\n-- +goose Down\nDROP INDEX idx;\n`,
    runner: 'goose',
    detectedBy: 'marker',
    runsInTransaction: true,
    execution: 'transaction',
    leaveBy: 'marker',
    operations: [{ direction: 'up', runsInTransaction: undefined }, { direction: 'down', runsInTransaction: undefined }],
  },
  {
    name: 'goose NO TRANSACTION and StatementBegin/End',
    sql: `-- +goose NO TRANSACTION\n-- +goose Up\n-- +goose StatementBegin\n${INDEX}\n-- +goose StatementEnd\n`,
    runner: 'goose',
    runsInTransaction: false,
    execution: 'statements',
    operations: [{ direction: 'up' }],
  },
  {
    name: 'goose annotations are case-insensitive',
    sql: `-- +goose no transaction\n-- +goose up\n${INDEX}\n`,
    runner: 'goose',
    runsInTransaction: false,
    operations: [{ direction: 'up' }],
  },
  {
    name: 'dbmate: a transaction per section',
    sql: `-- migrate:up\n${INDEX}\n\n-- migrate:down\nDROP INDEX idx;\n`,
    runner: 'dbmate',
    runsInTransaction: true,
    leaveBy: 'marker',
    operations: [{ direction: 'up' }, { direction: 'down' }],
  },
  {
    name: 'dbmate transaction:false on up only: the down section still runs in one',
    sql: `-- migrate:up transaction:false\n${INDEX}\n\n-- migrate:down\nDROP INDEX CONCURRENTLY idx;\n`,
    runner: 'dbmate',
    runsInTransaction: false,
    operations: [
      { direction: 'up', runsInTransaction: undefined },
      { direction: 'down', runsInTransaction: true },
    ],
  },
  {
    name: 'Flyway (by file name): a plain script runs in a transaction',
    path: 'src/main/resources/db/migration/V3__add_index.sql',
    sql: 'CREATE INDEX idx ON messages (user_id);',
    runner: 'flyway',
    detectedBy: 'path',
    runsInTransaction: true,
    leaveBy: 'automatic',
  },
  {
    name: 'Flyway runs a script with CREATE INDEX CONCURRENTLY outside a transaction by itself',
    path: 'db/migration/V3__add_index.sql',
    sql: `SET lock_timeout = '5s';\n${INDEX}`,
    runner: 'flyway',
    runsInTransaction: false,
  },
  {
    name: 'Flyway does not know REINDEX TABLE CONCURRENTLY: still in a transaction',
    path: 'db/migration/V3_1__reindex.sql',
    sql: 'REINDEX TABLE CONCURRENTLY messages;',
    runner: 'flyway',
    runsInTransaction: true,
  },
  {
    name: 'Flyway executeInTransaction=false in the script config',
    path: 'db/migration/R__views.sql',
    sql: 'CREATE INDEX idx ON messages (user_id);',
    options: { sidecarConfig: '# comment\nexecuteInTransaction=false\n' },
    runner: 'flyway',
    runsInTransaction: false,
  },
  {
    name: 'Flyway executeInTransaction=true wins over detection, and an undo script runs down',
    path: 'db/migration/U3__add_index.sql',
    sql: INDEX,
    options: { sidecarConfig: 'executeInTransaction=true' },
    runner: 'flyway',
    detectedBy: 'sidecar',
    runsInTransaction: true,
    leaveBy: 'config',
    operations: [{ direction: 'down' }],
  },
  {
    name: 'Atlas: txmode none',
    sql: `-- atlas:txmode none\n\n${INDEX}`,
    runner: 'atlas',
    runsInTransaction: false,
  },
  {
    name: 'Atlas: txmode file',
    sql: `-- atlas:txmode file\n\n${INDEX}`,
    runner: 'atlas',
    runsInTransaction: true,
    leaveBy: 'marker',
  },
  {
    name: 'postgres-migrations: disable-transaction',
    sql: `-- postgres-migrations disable-transaction\n${INDEX}`,
    runner: 'postgres-migrations',
    runsInTransaction: false,
  },
  {
    name: 'postgres-migrations named by the runner option: a transaction per file',
    sql: INDEX,
    options: { runner: 'postgres-migrations' },
    runner: 'postgres-migrations',
    detectedBy: 'option',
    runsInTransaction: true,
    leaveBy: 'marker',
  },
  {
    name: 'golang-migrate: one statement alone is outside any transaction',
    path: 'migrations/000012_add_index.up.sql',
    sql: `-- a comment is not a statement\n${INDEX}\n`,
    runner: 'golang-migrate',
    detectedBy: 'path',
    runsInTransaction: false,
    execution: 'multiStatement',
    leaveBy: 'splitFile',
    operations: [{ direction: 'up' }],
  },
  {
    name: 'golang-migrate: two statements are one implicit transaction',
    path: 'migrations/000012_add_index.down.sql',
    sql: `SET lock_timeout = '5s';\n${INDEX}\n`,
    runner: 'golang-migrate',
    runsInTransaction: true,
    execution: 'multiStatement',
    operations: [{ direction: 'down' }, { direction: 'down' }],
  },
  {
    name: 'Prisma: migration.sql in its own folder',
    path: 'prisma/migrations/20240101000000_add_index/migration.sql',
    sql: `${INDEX}\nCREATE INDEX b ON t (x);`,
    runner: 'prisma',
    runsInTransaction: true,
    execution: 'multiStatement',
  },
  {
    name: 'the runner option wins over the path',
    path: 'migrations/000012_add_index.up.sql',
    sql: `${INDEX}\nCREATE INDEX b ON t (x);`,
    options: { runner: 'psql' },
    runner: 'psql',
    detectedBy: 'option',
    runsInTransaction: false,
  },
  {
    name: 'an unknown runner option is ignored',
    sql: `-- +goose Up\n${INDEX}`,
    options: { runner: 'liquibase' },
    runner: 'goose',
    runsInTransaction: true,
  },
  {
    name: 'annotations only count at the start of a line',
    sql: `SELECT 1; -- +goose NO TRANSACTION\n${INDEX}`,
    runner: 'psql',
    runsInTransaction: false,
  },
];

for (const c of runnerCases) {
  test(`sql runner: ${c.name}`, async () => {
    const file = await parse(c.sql, c.path, c.options);
    assert.equal(file.sqlRunner?.name, c.runner);
    if (c.detectedBy) assert.equal(file.sqlRunner?.detectedBy, c.detectedBy);
    assert.equal(file.runsInTransaction, c.runsInTransaction);
    if (c.execution) assert.equal(file.sqlRunner?.execution, c.execution);
    if (c.leaveBy) assert.equal(file.sqlRunner?.leaveBy, c.leaveBy);
    if (c.operations) {
      assert.deepEqual(
        file.operations.map((o, i) => ('runsInTransaction' in (c.operations![i] ?? {}) ? { direction: o.direction, runsInTransaction: o.runsInTransaction } : { direction: o.direction })),
        c.operations,
      );
    }
  });
}

interface ProblemCase {
  name: string;
  sql: string;
  /** The problem's position (1-based) and the text it covers; null when the SQL is fine. */
  problem: [string, string] | null;
  message?: RegExp;
  /** Names (or kinds) of the operations still read. */
  operations: string[];
}

const problemCases: ProblemCase[] = [
  {
    name: 'a template placeholder: the error at its position, the other statements still read',
    sql: 'CREATE INDEX a ON t (x);\nCREATE INDEX b ON {{ table }} (x);\nCREATE INDEX c ON t (x);',
    problem: ['2:19', '{'],
    message: /unexpected "\{".*template/,
    operations: ['a', 'c'],
  },
  {
    name: '${...} placeholders after multi-byte text',
    sql: '-- Größe\nCREATE INDEX a ON t (x);\nCREATE INDEX ${name} ON t (x);\nDROP INDEX z;',
    problem: ['3:14', '$'],
    operations: ['a', 'z'],
  },
  {
    name: 'a typo',
    sql: 'CREATE INDX a ON t (x);\nCREATE INDEX b ON t (x);',
    problem: ['1:8', 'INDX'],
    message: /unexpected "INDX"/,
    operations: ['b'],
  },
  {
    name: 'an unterminated string while typing: statements before it are read',
    sql: "CREATE INDEX a ON t (x);\nCREATE INDEX b ON t (x) WHERE s = 'open;\nCREATE INDEX c ON t (x);",
    problem: ['2:35', "'"],
    message: /unterminated quoted string/,
    operations: ['a'],
  },
  {
    name: 'an unterminated comment',
    sql: 'CREATE INDEX a ON t (x);\n/* unfinished\nCREATE INDEX b ON t (x);',
    problem: ['2:1', '/'],
    message: /unterminated \/\* comment/,
    operations: ['a'],
  },
  {
    name: 'the end of the input',
    sql: 'CREATE INDEX a ON t (x);\nCREATE INDEX b ON',
    problem: ['2:16', 'ON'],
    message: /end of input/,
    operations: ['a'],
  },
  {
    name: 'many broken statements give one problem',
    sql: 'CREATE INDEX {{a}};\nCREATE INDEX {{b}};\nCREATE INDEX {{c}};\nCREATE INDEX d ON t (x);',
    problem: ['1:14', '{'],
    operations: ['d'],
  },
  {
    name: 'psql meta-commands are skipped',
    sql: '\\set ON_ERROR_STOP on\n  \\echo ünïcode\nCREATE INDEX a ON t (x);',
    problem: null,
    operations: ['a'],
  },
  { name: 'an empty file', sql: '', problem: null, operations: [] },
  { name: 'only comments', sql: '-- nothing\n/* here */\n', problem: null, operations: [] },
  { name: 'only semicolons', sql: ';;\n;', problem: null, operations: [] },
];

for (const c of problemCases) {
  test(`sql parser problems: ${c.name}`, async () => {
    const file = await parse(c.sql);
    const starts = lineStarts(file.source);
    assert.ok(file.problems.length <= 1, 'never more than one problem');
    const problem = file.problems[0];
    if (c.problem === null) assert.equal(problem, undefined);
    else {
      assert.ok(problem, 'a problem is reported');
      const p = positionAt(starts, problem.range.start);
      assert.deepEqual([`${p.line + 1}:${p.column + 1}`, file.source.slice(problem.range.start, problem.range.end)], c.problem);
      if (c.message) assert.match(problem.message, c.message);
    }
    assert.deepEqual(
      file.operations.map((o) => ('name' in o && o.name) || o.kind),
      c.operations,
    );
  });
}

// A broken file is read statement by statement as a valid one is, libpg-query reading only the
// statements the fast reader does not know: the same statements, problem (message, position:
// libpg-query counts characters from the start of what it parsed) and count as parsing the
// whole text, the reading `fullSyntaxTrees` keeps.
const brokenTexts = [
  'SELECT (',
  'CREATE INDEX a ON t (x);\nCREATE INDEX b ON -- c\n',
  'ALTER TABLE t ADD COLUMN',
  'CREATE INDEX a ON t (x);\nSELECT ( -- a comment after',
  'CREATE INDEX a ON t (x);\nSELECT (\n\n  /* x */  ',
  'select 1; SELECT ( ;',
  'FOO bar;',
  'CREATE INDEX a ON t (x);\nFOO bar;\nCREATE INDEX b ON t (x);',
  "SELECT '😀😀'; SELECT {{x}}; CREATE INDEX a ON t (x);",
  "SELECT '😀'; CREATE INDX a ON t (x); CREATE INDEX b ON t (x)",
  "-- Größe 😀\nCREATE INDEX a ON t (lower(x)) WHERE s = 'ü';\nCREATE INDEX b ON t USING {{ method }} (x);",
  'CREATE TABLE t (like x including foo);',
  'SELECT 1; ALTER TABLE t ADD CONSTRAINT c UNIQUE (a) NOT VALID;',
  'SELECT 1; CREATE TABLE a.b.c.d (x int); CREATE INDEX a ON t (x);',
  'CREATE INDEX a ON t (x); CREATE INDEX {{ name }} ON t (x); CREATE INDX b ON t (x); CREATE INDEX c ON t (x)',
  'CREATE INDEX a ON t (x)\n;\n;CREATE INDEX {{ x }} ON t (x)\n-- trailing',
  'CREATE INDEX index_{{ table }}_on_id ON {{ table }} (id);\nALTER TABLE t ADD COLUMN a int;',
  // Semicolons inside a statement and texts the scanner rejects keep the whole-text reading.
  'CREATE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END; CREATE INDEX {{x}} ON t (a);',
  'CREATE RULE r AS ON INSERT TO t DO ALSO (NOTIFY a; NOTIFY b); CREATE INDX a ON t (x);',
  "CREATE INDX a ON t (x); SELECT 'abc",
  'CREATE INDEX a ON t ((x);',
];

test('sql parser: broken files are read as parsing the whole text reads them', async () => {
  const parser = await loadSqlParser();
  for (const sql of brokenTexts) {
    const fast = parseSqlMigration('migrations/001_case.sql', sql, parser);
    assert.equal(fast.problems.length, 1, sql);
    assert.deepStrictEqual(fast, parseSqlMigration('migrations/001_case.sql', sql, parser, { fullSyntaxTrees: true }), sql);
  }
});

test('sql parser: suppression comments with their 0-based lines', async () => {
  const file = await parse(
    '-- pg-index-guard:disable prefer-robust-stmts\nSELECT 1;\n-- pg-index-guard:disable-next-line require-concurrent-index-creation\nCREATE INDEX a ON t (x); -- squawk-ignore require-concurrent-index-creation\n/* pg-index-guard:disable */',
  );
  assert.deepEqual(file.suppressions, [
    { scope: 'file', ruleIds: ['prefer-robust-stmts'], line: 0 },
    { scope: 'next-line', ruleIds: ['require-concurrent-index-creation'], line: 2 },
    { scope: 'next-line', ruleIds: ['require-concurrent-index-creation'], line: 3 },
  ]);
});

test('sql parser: a large file parses quickly', async () => {
  const statements = Array.from({ length: 3000 }, (_, i) => `CREATE INDEX idx_${i} ON messages (c${i}) WHERE x <> 'ü';`);
  const broken = [...statements.slice(0, 1500), 'CREATE INDEX {{ x }};', ...statements.slice(1500)].join('\n');
  const started = Date.now();
  const file = await parse(broken);
  assert.equal(file.operations.length, 3000);
  assert.equal(file.problems.length, 1);
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});

test('parseDuration reads Postgres time values in milliseconds', () => {
  const cases: Array<[string, number | null]> = [
    ['5000', 5000],
    ['5s', 5000],
    ['5 s', 5000],
    ['1.5s', 1500],
    ['5min', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['250ms', 250],
    ['1500us', 2],
    ['0', 0],
    ['5S', null],
    ['5 minutes', null],
    ['', null],
  ];
  assert.deepEqual(
    cases.map(([value]) => [value, parseDuration(value)]),
    cases,
  );
});
