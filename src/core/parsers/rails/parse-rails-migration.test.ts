import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Operation } from '../../model/migration';
import { loadPrismParser } from './prism';
import { parseRailsMigration, type EmbeddedSqlParser } from './parse-rails-migration';

const path = 'db/migrate/20240101000000_case.rb';

test('execute string and heredoc arguments go to the injected SQL parser with their file offsets', async () => {
  const source =
    'class Rebuild < ActiveRecord::Migration[7.1]\n' +
    '  def up\n' +
    '    execute "REINDEX INDEX idx_a"\n' +
    '    transaction do\n' +
    '      connection.execute(<<~SQL.squish)\n' +
    '        REINDEX INDEX idx_b\n' +
    '      SQL\n' +
    '    end\n' +
    '    execute "SELECT #{1}"\n' +
    '    execute <<~SQL\n' +
    '      REINDEX INDEX\n' +
    '        idx_c\n' +
    '    SQL\n' +
    '  end\n' +
    'end\n';
  const seen: Array<{ sql: string; offset: number }> = [];
  const parseEmbeddedSql: EmbeddedSqlParser = (sql, offset) => {
    seen.push({ sql, offset });
    if (!sql.includes('REINDEX')) return [];
    const start = offset + sql.indexOf('REINDEX');
    // What a SQL parser returns: ranges in the file; the Rails parser fills in where the call stands.
    const reindex: Operation = {
      kind: 'reindex',
      via: 'execute',
      target: 'index',
      name: null,
      concurrent: false,
      range: { start, end: start + 'REINDEX'.length },
      direction: 'sql',
      table: null,
      inTransactionBlock: false,
      safetyAssured: false,
    };
    return [reindex];
  };
  const file = parseRailsMigration(path, source, await loadPrismParser(), { parseEmbeddedSql });
  // An interpolated string keeps `#{}` as written (the SQL reader makes it a placeholder); a
  // multi-line squiggly heredoc (an InterpolatedStringNode to Prism) is its body as written.
  assert.deepEqual(seen.map((s) => s.sql), ['REINDEX INDEX idx_a', '        REINDEX INDEX idx_b\n', 'SELECT #{1}', '      REINDEX INDEX\n        idx_c\n']);
  for (const { sql, offset } of seen) assert.equal(source.slice(offset, offset + sql.length), sql);
  assert.deepEqual(
    file.operations.map((o) => [o.kind, o.direction, o.inTransactionBlock, source.slice(o.range.start, o.range.end)]),
    [
      ['reindex', 'up', false, 'REINDEX'],
      ['reindex', 'up', true, 'REINDEX'],
      ['reindex', 'up', false, 'REINDEX'],
    ],
  );
});

test('without an injected SQL parser execute strings are skipped', async () => {
  const source = 'class Rebuild < ActiveRecord::Migration[7.1]\n  def up\n    execute "REINDEX INDEX idx_a"\n  end\nend\n';
  assert.deepEqual(parseRailsMigration(path, source, await loadPrismParser()).operations, []);
});

test('directions: change, reversible up/down, up_only, and down methods', async () => {
  const source =
    'class X < ActiveRecord::Migration[7.1]\n' +
    '  def change\n' +
    '    add_index :a, :x\n' +
    '    reversible do |direction|\n' +
    '      direction.up { add_index :b, :x }\n' +
    '      direction.down { remove_index :b, :x }\n' +
    '    end\n' +
    '    up_only { add_index :c, :x }\n' +
    '  end\n' +
    'end\n';
  const file = parseRailsMigration(path, source, await loadPrismParser());
  assert.deepEqual(
    file.operations.map((o) => `${o.kind} ${o.table} ${o.direction}`),
    ['createIndex a change', 'createIndex b up', 'dropIndex b down', 'createIndex c up'],
  );
});

test('class layout and timeouts: what a split copies, class-level and block-scoped timeouts', async () => {
  const source =
    '# frozen_string_literal: true\n\n' +
    'class X < ActiveRecord::Migration[7.1]\n' +
    '  disable_ddl_transaction!\n' +
    '  set_lock_timeout 3.seconds\n\n' +
    '  def up\n' +
    '    disable_statement_timeout do\n' +
    '      add_index :a, :x\n' +
    '    end\n' +
    '  end\n' +
    'end\n';
  const file = parseRailsMigration(path, source, await loadPrismParser());
  assert.deepEqual(file.railsClass, {
    preamble: '# frozen_string_literal: true\n\n',
    superclass: 'ActiveRecord::Migration[7.1]',
    classLevelStatements: ['disable_ddl_transaction!', 'set_lock_timeout 3.seconds'],
    bodyIndent: '  ',
  });
  assert.deepEqual(
    file.operations.map((o) => (o.kind === 'setTimeout' ? `${o.setting}=${o.milliseconds}${o.reset ? ' reset' : ''}${o.wholeMigration ? ' whole' : ''}` : o.kind)),
    ['lock_timeout=3000 whole', 'statement_timeout=0', 'createIndex', 'statement_timeout=null reset'],
  );
});

test('a class inside a module: no layout to copy into a new file', async () => {
  const source = 'module Db\n  class X < ActiveRecord::Migration[7.1]\n    def change\n      add_index :a, :x\n    end\n  end\nend\n';
  const file = parseRailsMigration(path, source, await loadPrismParser());
  assert.equal(file.isMigration, true);
  assert.equal(file.railsClass, undefined);
  assert.equal(file.operations.length, 1);
});

test('change_table column definitions with index:, foreign keys, removed columns and the index helpers', async () => {
  const source =
    'class Shapes < ActiveRecord::Migration[7.1]\n' +
    '  def change\n' +
    '    change_table :messages do |t|\n' +
    '      t.string :key, :other, index: true\n' +
    '      t.text :body, index: { unique: true, name: "by_body" }\n' +
    '      t.column :code, :string, index: true\n' +
    '      t.integer :plain, index: false\n' +
    '      t.references :inbox, foreign_key: true, index: false\n' +
    '      t.foreign_key :accounts\n' +
    '      t.remove :a, :b\n' +
    '      t.remove_references :owner, polymorphic: true\n' +
    '    end\n' +
    '    add_foreign_key :messages, :people\n' +
    '    add_foreign_key :messages, :users, column: :author_id\n' +
    '    add_reference :messages, :contact, foreign_key: { to_table: :people }, index: false\n' +
    '    remove_column :messages, :source_id, :bigint\n' +
    '    remove_columns :messages, :x, :y, type: :string\n' +
    '    remove_reference :messages, :sender\n' +
    '    add_reference_concurrently :messages, :team\n' +
    '    add_index_in_background :messages, :state\n' +
    '    prepare_async_index :messages, :kind, name: "idx_kind"\n' +
    '  end\n' +
    'end\n';
  const file = parseRailsMigration(path, source, await loadPrismParser());
  const summary = file.operations.map((o) => {
    if (o.kind === 'createIndex') return [o.kind, o.via, o.columns.join(','), o.concurrent, o.unique, o.name, o.runsLater ?? false];
    if (o.kind === 'addForeignKey') return [o.kind, o.via, o.table, o.columns.join(','), o.referencedTable];
    if (o.kind === 'dropColumn') return [o.kind, o.via, o.table, o.columns.join(',')];
    return [o.kind];
  });
  assert.deepEqual(summary, [
    ['createIndex', 't.column', 'key', false, false, null, false],
    ['createIndex', 't.column', 'other', false, false, null, false],
    ['createIndex', 't.column', 'body', false, true, 'by_body', false],
    ['createIndex', 't.column', 'code', false, false, null, false],
    ['addForeignKey', 't.references', 'messages', 'inbox_id', 'inboxes'],
    ['addForeignKey', 't.foreign_key', 'messages', 'account_id', 'accounts'],
    ['dropColumn', 't.remove', 'messages', 'a,b'],
    ['dropColumn', 't.remove_references', 'messages', 'owner_type,owner_id'],
    ['addForeignKey', 'add_foreign_key', 'messages', 'person_id', 'people'],
    ['addForeignKey', 'add_foreign_key', 'messages', 'author_id', 'users'],
    ['addForeignKey', 'add_reference', 'messages', 'contact_id', 'people'],
    ['dropColumn', 'remove_column', 'messages', 'source_id'],
    ['dropColumn', 'remove_columns', 'messages', 'x,y'],
    ['dropColumn', 'remove_reference', 'messages', 'sender_id'],
    ['createIndex', 'add_reference', 'team_id', true, false, null, false],
    ['createIndex', 'helper', 'state', true, false, null, true],
    ['createIndex', 'helper', 'kind', true, false, 'idx_kind', true],
  ]);
});
