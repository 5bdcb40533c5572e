import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultContext } from '../lint-context';
import { lintSource, loadParsers } from '../lint';
import { applyEdits } from '../fixes/fix';
import { ruleCases } from '../testing/rule-cases';

const migration = (body: string, header = '', method = 'change') =>
  `class AddIndexes < ActiveRecord::Migration[7.1]\n${header}  def ${method}\n${body}  end\nend\n`;
const noTransaction = '  disable_ddl_transaction!\n';
const twoTables =
  '    add_index :messages, :account_id, algorithm: :concurrently\n    add_index :contacts, :account_id, algorithm: :concurrently\n';

ruleCases('one-large-table-per-migration', {
  valid: [
    { name: 'several indexes on one table', source: migration('    add_index :messages, :account_id\n    add_index :messages, :user_id\n    remove_index :messages, :state\n') },
    { name: 'the other table is created in the migration', source: migration('    create_table :audits\n    add_index :audits, :user_id\n    add_index :messages, :user_id\n') },
    {
      name: 'sql: public.messages and messages are one table',
      language: 'sql',
      source: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS a ON public.messages (x);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS b ON messages (y);\n',
    },
    { name: 'a table that cannot be named does not count', source: migration('    add_index :messages, :user_id\n    [:a].each { |t| add_index t, :user_id }\n') },
  ],
  invalid: [
    {
      name: 'two existing tables: a hint on the first operation of the second table',
      source: migration(twoTables, noTransaction),
      findings: [{ at: '5:5-5:63', severity: 'hint', message: /2 existing tables \(messages, contacts\)/ }],
      fix: { safety: 'unsafe', title: /Split into one migration per table/ },
      fixed: migration('    add_index :messages, :account_id, algorithm: :concurrently\n', noTransaction),
      newFiles: ['db/migrate/20240101000001_add_indexes_on_contacts.rb'],
    },
    {
      name: 'the split skips versions other migrations in the folder have',
      source: migration(twoTables, noTransaction),
      context: { versionFolderEntries: ['20240101000000_case.rb', '20240101000001_add_users.rb', '20240101000002_x.rb', '20240101000004_y.rb', 'schema.rb'] },
      findings: [{ at: '5:5-5:63' }],
      fixed: migration('    add_index :messages, :account_id, algorithm: :concurrently\n', noTransaction),
      newFiles: ['db/migrate/20240101000003_add_indexes_on_contacts.rb'],
    },
    {
      name: 'a Windows path: the split still finds the version, and writes forward slashes',
      path: 'C:\\app\\db\\migrate\\20240101235959_add_indexes.rb',
      source: migration(twoTables, noTransaction),
      findings: [{ at: '5:5-5:63' }],
      fixed: migration('    add_index :messages, :account_id, algorithm: :concurrently\n', noTransaction),
      newFiles: ['C:/app/db/migrate/20240102000000_add_indexes_on_contacts.rb'],
    },
    {
      name: 'two large tables: a warning',
      source: migration(twoTables, noTransaction),
      settings: { largeTables: ['messages', 'contacts'] },
      findings: [{ at: '5:5-5:63', severity: 'warning', message: /2 large tables/ }],
    },
    {
      name: 'one large table and one of unknown size stays a hint',
      source: migration(twoTables, noTransaction),
      settings: { largeTables: ['messages'] },
      findings: [{ at: '5:5-5:63', severity: 'hint' }],
    },
    // SQL migrations (libpg-query).
    {
      name: 'sql: the statements on the second table move to the next migration file',
      language: 'sql',
      source: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS a ON messages (x);\n-- contacts too\nCREATE INDEX CONCURRENTLY IF NOT EXISTS b ON contacts (x);\n',
      findings: [{ at: '3:1-3:58' }],
      fixed: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS a ON messages (x);\n',
      newFiles: ['migrations/002_case_on_contacts.sql'],
    },
    {
      name: 'sql: a Prisma migration moves to a new migration folder, after the versions taken',
      language: 'sql',
      path: 'prisma/migrations/20240101000000_add_indexes/migration.sql',
      context: { versionFolderEntries: ['20240101000000_add_indexes', '20240101000001_add_users', 'migration_lock.toml'] },
      source: 'CREATE INDEX a ON messages (x);\nCREATE INDEX b ON contacts (x);\n',
      findings: [{ at: '2:1-2:31' }],
      fixed: 'CREATE INDEX a ON messages (x);\n',
      newFiles: ['prisma/migrations/20240101000002_add_indexes_on_contacts/migration.sql'],
    },
  ],
});

test('one-large-table-per-migration: the split writes one new migration per moved table, with the down direction too', async () => {
  const source =
    '# frozen_string_literal: true\n\n' +
    'class AddAccountIndexes < ActiveRecord::Migration[7.1]\n' +
    '  disable_ddl_transaction!\n\n' +
    '  def up\n' +
    '    add_index :messages, :account_id, algorithm: :concurrently\n' +
    '    # contacts are looked up by account on every page\n' +
    '    add_index :contacts, :account_id, algorithm: :concurrently\n' +
    '    add_index :notifications, :account_id, algorithm: :concurrently\n' +
    '  end\n\n' +
    '  def down\n' +
    '    remove_index :contacts, :account_id, algorithm: :concurrently\n' +
    '    remove_index :messages, :account_id, algorithm: :concurrently\n' +
    '  end\n' +
    'end\n';
  const { findings } = lintSource('db/migrate/20241231235959_add_account_indexes.rb', source, 'ruby', defaultContext(), await loadParsers());
  const finding = findings.find((f) => f.ruleId === 'one-large-table-per-migration');
  assert.ok(finding);
  const fix = finding.fixes[0]!;
  assert.equal(
    applyEdits(source, fix.edits),
    '# frozen_string_literal: true\n\n' +
      'class AddAccountIndexes < ActiveRecord::Migration[7.1]\n' +
      '  disable_ddl_transaction!\n\n' +
      '  def up\n' +
      '    add_index :messages, :account_id, algorithm: :concurrently\n' +
      '  end\n\n' +
      '  def down\n' +
      '    remove_index :messages, :account_id, algorithm: :concurrently\n' +
      '  end\n' +
      'end\n',
  );
  assert.deepEqual(fix.newFiles, [
    {
      path: 'db/migrate/20250101000000_add_account_indexes_on_contacts.rb',
      text:
        '# frozen_string_literal: true\n\n' +
        'class AddAccountIndexesOnContacts < ActiveRecord::Migration[7.1]\n' +
        '  disable_ddl_transaction!\n\n' +
        '  def up\n' +
        '    # contacts are looked up by account on every page\n' +
        '    add_index :contacts, :account_id, algorithm: :concurrently\n' +
        '  end\n\n' +
        '  def down\n' +
        '    remove_index :contacts, :account_id, algorithm: :concurrently\n' +
        '  end\n' +
        'end\n',
    },
    {
      path: 'db/migrate/20250101000001_add_account_indexes_on_notifications.rb',
      text:
        '# frozen_string_literal: true\n\n' +
        'class AddAccountIndexesOnNotifications < ActiveRecord::Migration[7.1]\n' +
        '  disable_ddl_transaction!\n\n' +
        '  def up\n' +
        '    add_index :notifications, :account_id, algorithm: :concurrently\n' +
        '  end\n' +
        'end\n',
    },
  ]);
});

test('one-large-table-per-migration: no split when a moved operation sits inside a block', async () => {
  const source = migration('    add_index :messages, :user_id\n    transaction do\n      add_index :contacts, :user_id\n    end\n');
  const { findings } = lintSource('db/migrate/20240101000000_add_indexes.rb', source, 'ruby', defaultContext(), await loadParsers());
  const finding = findings.find((f) => f.ruleId === 'one-large-table-per-migration');
  assert.ok(finding);
  assert.deepEqual(finding.fixes, []);
});
