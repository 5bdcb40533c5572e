import { ruleCases } from '../testing/rule-cases';

const migration = (body: string, header = '') =>
  `class AddIndexes < ActiveRecord::Migration[7.1]\n${header}  def change\n${body}  end\nend\n`;

ruleCases('require-concurrent-index-creation', {
  valid: [
    { name: 'concurrent add_index', source: migration('    add_index :messages, :user_id, algorithm: :concurrently\n', '  disable_ddl_transaction!\n\n') },
    { name: 'string algorithm', source: migration('    add_index :messages, :user_id, algorithm: "concurrently"\n', '  disable_ddl_transaction!\n') },
    { name: 'table created earlier in the migration', source: migration('    create_table :audits do |t|\n      t.bigint :user_id\n    end\n    add_index :audits, :user_id\n') },
    { name: 't.index inside create_table', source: migration('    create_table :audits do |t|\n      t.bigint :user_id\n      t.index :user_id\n    end\n') },
    { name: 'create_join_table with an index', source: migration('    create_join_table :users, :groups do |t|\n      t.index :user_id\n    end\n    add_index :groups_users, :group_id\n') },
    { name: 'not a migration', source: 'class User < ApplicationRecord\n  def x\n    add_index :messages, :user_id\n  end\nend\n' },
  ],
  invalid: [
    {
      name: 'add_index on an existing table',
      source: migration('    add_index :messages, :user_id\n'),
      findings: [{ at: '3:5-3:34', severity: 'warning', message: /"messages"/ }],
      fix: { safety: 'unsafe', title: /out of its transaction/ },
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :user_id, algorithm: :concurrently\n  end\nend\n',
    },
    {
      name: 'already out of the transaction: only the option is added, and the fix is safe',
      source: migration('    add_index :messages, :user_id\n', '  disable_ddl_transaction!\n\n'),
      findings: [{ at: '5:5-5:34' }],
      fix: { safety: 'safe' },
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :user_id, algorithm: :concurrently\n  end\nend\n',
    },
    {
      name: 'parentheses and label-style options',
      source: migration('    add_index(:messages, [:user_id, :created_at], unique: true)\n', '  disable_ddl_transaction!\n'),
      findings: [{ at: '4:5-4:64' }],
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n  def change\n    add_index(:messages, [:user_id, :created_at], unique: true, algorithm: :concurrently)\n  end\nend\n',
    },
    {
      name: 'hash rockets stay hash rockets',
      source: migration('    add_index :messages, :user_id, :name => "idx_user"\n', '  disable_ddl_transaction!\n'),
      findings: [{ at: '4:5-4:55' }],
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n  def change\n    add_index :messages, :user_id, :name => "idx_user", :algorithm => :concurrently\n  end\nend\n',
    },
    {
      name: 'multi-line argument list gets the option on its own line',
      source: migration('    add_index :messages,\n              :user_id,\n              unique: true\n', '  disable_ddl_transaction!\n'),
      findings: [{ at: '4:5-6:27' }],
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n  def change\n    add_index :messages,\n              :user_id,\n              unique: true,\n              algorithm: :concurrently\n  end\nend\n',
    },
    {
      name: 'an explicit algorithm other than concurrently is replaced',
      source: migration('    add_index :messages, :user_id, algorithm: :default\n', '  disable_ddl_transaction!\n'),
      findings: [{ at: '4:5-4:55' }],
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n  def change\n    add_index :messages, :user_id, algorithm: :concurrently\n  end\nend\n',
    },
    {
      name: 'a large table from settings raises the severity',
      source: migration('    add_index :messages, :user_id\n'),
      settings: { largeTables: ['messages'] },
      findings: [{ at: '3:5-3:34', severity: 'error' }],
    },
    {
      name: 'a table created after the index does not exempt it',
      source: migration('    add_index :audits, :user_id\n    create_table :audits\n'),
      findings: [{ at: '3:5-3:32' }],
    },
    {
      name: 'a table that cannot be known is still checked',
      source: migration('    %i[messages contacts].each do |table|\n      add_index table, :account_id\n    end\n'),
      findings: [{ at: '4:7-4:35', message: /cannot name/ }],
    },
    {
      name: 't.index inside change_table',
      source: migration('    change_table :messages do |t|\n      t.index :user_id\n    end\n', '  disable_ddl_transaction!\n'),
      findings: [{ at: '5:7-5:23' }],
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n  def change\n    change_table :messages do |t|\n      t.index :user_id, algorithm: :concurrently\n    end\n  end\nend\n',
    },
    {
      name: 'down migrations are checked too',
      source: 'class X < ActiveRecord::Migration[7.1]\n  def up\n  end\n\n  def down\n    add_index :messages, :user_id\n  end\nend\n',
      findings: [{ at: '6:5-6:34' }],
    },
    {
      name: 'non-ASCII text before the call keeps offsets right',
      source: migration('    # Index für Nachrichten — schneller\n    add_index :messages, :user_id\n', '  disable_ddl_transaction!\n'),
      findings: [{ at: '5:5-5:34' }],
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n  def change\n    # Index für Nachrichten — schneller\n    add_index :messages, :user_id, algorithm: :concurrently\n  end\nend\n',
    },
  ],
});
