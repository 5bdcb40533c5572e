// Index definitions and the statement built from them, without a database: Rails and SQL
// sources, Rails' default names, and hostile names, expressions and predicates.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { loadParsers, parseMigration, type Parsers } from '../../src/core/lint';
import type { CreateIndexOperation } from '../../src/core/model/migration';
import {
  createIndexConcurrentlySql,
  IndexDefinitionError,
  indexDefinitionFromDeclared,
  indexDefinitionFromOperation,
  indexDefinitionsFromSql,
  parseIndexKeyText,
  postgresDefaultIndexName,
  railsGeneratedIndexName,
  type IndexDefinition,
} from '../../src/db/builder/index-definition';
import { gatherIndexDefinitions } from '../../src/db/builder/pending';
import { displayName } from '../../src/db/builder/safe-builder';
import { readSchemaRbIndexes, readStructureSqlIndexes, type DeclaredIndex } from '../../src/core/parsers/declared-indexes';
import { isWithinSafeHours, minuteOfDay, parseSafeHours, SafeHoursError } from '../../src/db/builder/safe-hours';
import { quoteIdentifier } from '../../src/db/sql-text';

let parsers: Parsers;
before(async () => {
  parsers = await loadParsers();
});

function railsDefinitions(body: string, version = '7.1'): (IndexDefinition | string)[] {
  const source = `class AddIndexes < ActiveRecord::Migration[${version}]\n  disable_ddl_transaction!\n\n  def change\n${body}\n  end\nend\n`;
  const file = parseMigration('db/migrate/20240101000000_add_indexes.rb', source, 'ruby', parsers)!;
  return file.operations
    .filter((op): op is CreateIndexOperation => op.kind === 'createIndex')
    .map((op) => {
      try {
        return indexDefinitionFromOperation(op, file, parsers.sql, { kind: 'manual' });
      } catch (error) {
        if (error instanceof IndexDefinitionError) return `refused: ${error.message}`;
        throw error;
      }
    });
}

function sqlOf(def: IndexDefinition | string): string {
  assert.equal(typeof def, 'object', String(def));
  return createIndexConcurrentlySql(def as IndexDefinition, parsers.sql);
}

function manual(overrides: Partial<IndexDefinition>): IndexDefinition {
  return {
    schema: null,
    table: 'messages',
    name: 'idx',
    columns: [{ kind: 'column', name: 'status' }],
    unique: false,
    nullsNotDistinct: false,
    using: null,
    include: [],
    where: null,
    storageParameters: {},
    tablespace: null,
    origin: { kind: 'manual' },
    notes: [],
    ...overrides,
  };
}

describe('from Rails migrations', () => {
  test('add_index with every option Rails passes on, and the default name', () => {
    const [def] = railsDefinitions(
      `    add_index :messages, [:conversation_id, :created_at], order: { created_at: "DESC NULLS LAST" }, opclass: { conversation_id: :int8_ops },` +
        ` include: [:status], where: "status IN (0, 1)", algorithm: :concurrently, nulls_not_distinct: true, unique: true`,
    );
    assert.equal(
      sqlOf(def!),
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "index_messages_on_conversation_id_and_created_at" ON "messages" ' +
        '("conversation_id" "int8_ops", "created_at" DESC NULLS LAST) INCLUDE ("status") NULLS NOT DISTINCT WHERE (status IN (0, 1))',
    );
    assert.deepEqual((def as IndexDefinition).notes, ["the migration names none: Rails' default name"]);
  });

  test('expression strings, using:, schema-qualified tables, add_reference and t.index in change_table', () => {
    const defs = railsDefinitions(
      [
        `    add_index :users, "lower(email) text_pattern_ops, id DESC", unique: true, name: "index_users_on_lower_email"`,
        `    add_index :users, :email, using: :gin, opclass: :gin_trgm_ops`,
        `    add_index "crm.contacts", :email`,
        `    add_reference :messages, :contact, index: { where: "contact_id IS NOT NULL", algorithm: :concurrently }`,
        `    change_table :messages do |t|\n      t.index :body, name: "index_messages_on_body"\n    end`,
      ].join('\n'),
    );
    assert.deepEqual(defs.map(sqlOf), [
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "index_users_on_lower_email" ON "users" ((lower(email)) "text_pattern_ops", "id" DESC)',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "index_users_on_email" ON "users" USING "gin" ("email" "gin_trgm_ops")',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "index_crm.contacts_on_email" ON "crm"."contacts" ("email")',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "index_messages_on_contact_id" ON "messages" ("contact_id") WHERE (contact_id IS NOT NULL)',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "index_messages_on_body" ON "messages" ("body")',
    ]);
  });

  test('a column definition with index: in change_table: the index hash is the index\'s options', () => {
    const defs = railsDefinitions(`    change_table :messages do |t|\n      t.string :key, index: { unique: true, where: "key IS NOT NULL" }\n      t.column :code, :string, index: true\n    end`);
    assert.deepEqual(defs.map(sqlOf), [
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "index_messages_on_key" ON "messages" ("key") WHERE (key IS NOT NULL)',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "index_messages_on_code" ON "messages" ("code")',
    ]);
  });

  test('SQL inside execute is read back exactly (WITH, ordering, schema)', () => {
    const [def] = railsDefinitions(
      `    execute "CREATE INDEX CONCURRENTLY idx_body ON public.messages USING btree ((lower(body)) DESC NULLS LAST) WITH (fillfactor = 70) WHERE status = 0"`,
    );
    assert.equal(
      sqlOf(def!),
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_body" ON "public"."messages" ((lower(body)) DESC NULLS LAST) WITH ("fillfactor" = \'70\') WHERE (status = 0)',
    );
  });

  test('long default names: Rails 7.1 shortens them with a hash, older Rails refuses them (and so do we)', () => {
    const columns = ['first_long_column_name', 'second_long_column_name'];
    assert.equal(railsGeneratedIndexName('a_very_long_table_name_for_testing', columns, '7.1'), 'idx_on_first_long_column_name_second_long_column_na_c8852c979e');
    assert.equal(railsGeneratedIndexName('messages', ['status'], '7.1'), 'index_messages_on_status');
    const [old] = railsDefinitions(`    add_index :a_very_long_table_name_for_testing, [:first_long_column_name, :second_long_column_name]`, '7.0');
    assert.throws(() => sqlOf(old!), /longer than 63 bytes/);
  });

  test('what cannot be known without running Ruby is refused with the reason', () => {
    const defs = railsDefinitions([`    add_index table_name, :status`, `    add_index :messages, columns`].join('\n'));
    assert.match(String(defs[0]), /^refused: .*its table is computed in Ruby/);
    assert.match(String(defs[1]), /^refused: .*its columns are computed in Ruby/);
  });
});

describe('from SQL and declarations', () => {
  test('CREATE INDEX statements of a SQL text, unnamed ones under the name Postgres would give them', () => {
    const sql = `CREATE INDEX i1 ON t (a);\n-- a comment\nCREATE UNIQUE INDEX ON "T" ("A b", (a + b)) INCLUDE (c) NULLS NOT DISTINCT;\nCREATE INDEX i3 ON ONLY parent (a);`;
    const { definitions, errors } = indexDefinitionsFromSql(sql, parsers.sql, () => ({ kind: 'manual' }));
    assert.deepEqual(definitions.map((d) => sqlOf(d)), [
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "i1" ON "t" ("a")',
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "T_A b_expr_idx" ON "T" ("A b", (a + b)) INCLUDE ("c") NULLS NOT DISTINCT',
    ]);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /ON ONLY a partitioned parent/);
    assert.equal(postgresDefaultIndexName('t'.repeat(40), [{ kind: 'column', name: 'c'.repeat(40) }]).length, 63);
  });

  test('a structure.sql that starts with a byte order mark: its first CREATE INDEX is read too', () => {
    const sql = '\uFEFFCREATE INDEX i1 ON t (a);\nCREATE INDEX i2 ON t (b);\n';
    const { definitions, errors } = indexDefinitionsFromSql(sql, parsers.sql, () => ({ kind: 'manual' }));
    assert.deepEqual(errors, []);
    assert.deepEqual(definitions.map((d) => sqlOf(d)), ['CREATE INDEX CONCURRENTLY IF NOT EXISTS "i1" ON "t" ("a")', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "i2" ON "t" ("b")']);
  });

  test('schema.rb declarations: expressions as Rails dumps them, where as dumped', () => {
    const def = indexDefinitionFromDeclared(
      { schema: null, table: 'users', name: 'index_users_on_lower_email', nameIsDefault: false, columns: ['lower((email)::text)'], unique: true, where: '(deleted_at IS NULL)', using: null, file: 'db/schema.rb', line: 3 },
      parsers.sql,
      { kind: 'schema', file: 'db/schema.rb', line: 3 },
      { railsOptions: {} },
    );
    assert.equal(sqlOf(def), 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "index_users_on_lower_email" ON "users" ((lower((email)::text))) WHERE ((deleted_at IS NULL))');
  });

  test('index keys written as SQL', () => {
    assert.deepEqual(parseIndexKeyText('"Email" COLLATE "C" DESC', parsers.sql), { kind: 'column', name: 'Email', collation: ['C'], order: 'desc' });
    assert.deepEqual(parseIndexKeyText('(a + b) NULLS FIRST', parsers.sql), { kind: 'expression', sql: 'a + b', nulls: 'first' });
    assert.deepEqual(parseIndexKeyText('public.f(x, (y)) public.my_ops', parsers.sql), { kind: 'expression', sql: 'public.f(x, (y))', opclass: ['public', 'my_ops'] });
    assert.throws(() => parseIndexKeyText('a, b', parsers.sql), /not one index column/);
  });
});

describe('missing indexes, read back from their declaration', () => {
  const missing = (declared: DeclaredIndex[]) => ({
    pendingMigrations: { items: [], error: null },
    missingIndexes: { items: declared.map((d) => ({ ...d, tableMissing: false, equivalentIndex: null })), error: null },
  });

  test('db/schema.rb: order, opclass, include and nulls_not_distinct of the declaration', () => {
    const root = mkdtempSync(join(tmpdir(), 'pgig-gather-'));
    try {
      mkdirSync(join(root, 'db'));
      const schema = `ActiveRecord::Schema[7.1].define(version: 1) do
  create_table "messages" do |t|
    t.index ["conversation_id", "created_at"], name: "idx_conv", order: { created_at: :desc }, include: ["status"], nulls_not_distinct: true, unique: true
    t.index ["body"], name: "idx_body", opclass: :text_pattern_ops
  end
end
`;
      writeFileSync(join(root, 'db', 'schema.rb'), schema);
      const gathered = gatherIndexDefinitions({ status: missing(readSchemaRbIndexes(schema, parsers.ruby)), workspaceRoot: root, parsers });
      assert.deepEqual(gathered.definitions.map(sqlOf), [
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "idx_conv" ON "messages" ("conversation_id", "created_at" DESC) INCLUDE ("status") NULLS NOT DISTINCT',
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_body" ON "messages" ("body" "text_pattern_ops")',
      ]);
      assert.deepEqual(gathered.definitions.map((d) => d.origin), [
        { kind: 'schema', file: 'db/schema.rb', line: 3 },
        { kind: 'schema', file: 'db/schema.rb', line: 4 },
      ]);
      const only = gatherIndexDefinitions({ status: missing(readSchemaRbIndexes(schema, parsers.ruby)), workspaceRoot: root, parsers, only: ['idx_body', 'nope'] });
      assert.deepEqual(only.definitions.map((d) => d.name), ['idx_body']);
      assert.deepEqual(only.unknownNames, ['nope']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('db/structure.sql: the statement exactly as dumped', () => {
    const root = mkdtempSync(join(tmpdir(), 'pgig-gather-'));
    try {
      mkdirSync(join(root, 'db'));
      const structure = `SET statement_timeout = 0;\n\nCREATE INDEX idx_s ON public.messages USING btree (status text_pattern_ops DESC) WHERE (status = 0);\n`;
      writeFileSync(join(root, 'db', 'structure.sql'), structure);
      const gathered = gatherIndexDefinitions({ status: missing(readStructureSqlIndexes(structure)), workspaceRoot: root, parsers });
      assert.deepEqual(gathered.definitions.map(sqlOf), [
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_s" ON "public"."messages" ("status" "text_pattern_ops" DESC) WHERE ((status = 0))',
      ]);
      assert.deepEqual(gathered.definitions[0]!.origin, { kind: 'schema', file: 'db/structure.sql', line: 3 });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('hostile input', () => {
  test('names with quotes, spaces, newlines and SQL in them are quoted, and the parser confirms one statement', () => {
    const def = manual({
      schema: 'my "schema"',
      table: 'we"ird tab le',
      name: `x"; DROP TABLE messages; --`,
      columns: [{ kind: 'column', name: 'sp ace"col' }, { kind: 'column', name: `Robert'); DROP TABLE students;--` }],
      include: ['in"clude'],
      using: 'btree',
    });
    assert.equal(
      sqlOf(def),
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "x""; DROP TABLE messages; --" ON "my ""schema"""."we""ird tab le" USING "btree" ' +
        `("sp ace""col", "Robert'); DROP TABLE students;--") INCLUDE ("in""clude")`,
    );
    assert.equal(displayName('multi\nline"name'), '"multi\\x0aline""name"');
  });

  test('expressions and predicates that would end the statement, comment out the rest or change its shape are refused', () => {
    const refused: [Partial<IndexDefinition>, RegExp][] = [
      [{ where: 'status = 0; DROP TABLE messages' }, /WHERE predicate .* refused: it contains a semicolon/],
      [{ where: 'status = 0 -- and more' }, /it contains a comment/],
      [{ where: 'status = 0 /* x */' }, /it contains a comment/],
      [{ where: 'true) OR (false' }, /closes a parenthesis it did not open/],
      [{ where: "status = 'unterminated" }, /does not scan as SQL/],
      [{ where: '' }, /it is empty/],
      [{ columns: [{ kind: 'expression', sql: 'lower(email)) WHERE (true' }] }, /closes a parenthesis/],
      [{ columns: [{ kind: 'expression', sql: 'lower(email)); DROP TABLE messages; --' }] }, /refused/],
      [{ columns: [{ kind: 'expression', sql: 'a), (b' }] }, /closes a parenthesis/],
      [{ columns: [{ kind: 'expression', sql: 'email' }, { kind: 'column', name: 'x' }], where: 'x) INCLUDE (y' }, /closes a parenthesis/],
      [{ columns: [{ kind: 'expression', sql: 'SELECT 1' }] }, /does not parse/],
      [{ name: '' }, /not a valid identifier \(empty\)/],
      [{ name: 'x'.repeat(64) }, /longer than 63 bytes/],
      [{ table: 'a\u0000b' }, /NUL/],
      [{ columns: [] }, /no columns/],
    ];
    for (const [overrides, message] of refused) {
      assert.throws(() => createIndexConcurrentlySql(manual(overrides), parsers.sql), (error: Error) => error instanceof IndexDefinitionError && message.test(error.message), JSON.stringify(overrides));
    }
  });

  test('the refusal of a 100-character name prints it whole', () => {
    const name = `index_messages_on_${'conversation_id_and_'.repeat(3)}created_at`.padEnd(100, '_');
    assert.equal(name.length, 100);
    assert.throws(
      () => createIndexConcurrentlySql(manual({ name }), parsers.sql),
      (error: Error) => {
        assert.ok(error instanceof IndexDefinitionError);
        assert.equal(error.message, `Index "${name}": the index name "${name}" is not a valid identifier (longer than 63 bytes).`);
        return true;
      },
    );
    assert.throws(() => quoteIdentifier(name), (error: Error) => error.message === `Not a valid Postgres identifier (longer than 63 bytes): "${name}"`);
  });
});

describe('safe hours', () => {
  const at = (hhmm: string) => new Date(`2024-06-01T${hhmm}:00Z`);
  test('a window inside one day, across midnight, the whole day', () => {
    const night = parseSafeHours('2-5');
    assert.deepEqual([at('01:59'), at('02:00'), at('04:59'), at('05:00')].map((d) => isWithinSafeHours(night, d, 'UTC')), [false, true, true, false]);
    const late = parseSafeHours('22-4');
    assert.deepEqual([at('21:59'), at('22:00'), at('00:30'), at('03:59'), at('04:00'), at('12:00')].map((d) => isWithinSafeHours(late, d, 'UTC')), [false, true, true, true, false, false]);
    assert.ok(isWithinSafeHours(parseSafeHours('0-24'), at('13:37'), 'UTC'));
    assert.ok(isWithinSafeHours(parseSafeHours('1:30-4:45'), at('04:44'), 'UTC'));
  });

  test('in a time zone', () => {
    assert.equal(minuteOfDay(at('01:00'), 'Asia/Tokyo'), 10 * 60);
    assert.ok(isWithinSafeHours(parseSafeHours('2-5'), at('18:30'), 'Asia/Tokyo'));
  });

  test('malformed windows', () => {
    for (const text of ['2', '2-2', '25-3', '2:60-3', 'night', '2-5-7']) assert.throws(() => parseSafeHours(text), SafeHoursError, text);
  });
});
