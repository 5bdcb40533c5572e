import { ruleCases } from '../testing/rule-cases';
import type { SchemaInfo } from '../lint-context';

/** What db/schema.rb (or structure.sql) says the table has. */
const schema: SchemaInfo = {
  tables: new Map(),
  indexes: [
    { table: 'messages', columns: ['source_id'], name: 'index_messages_on_source_id', unique: false, where: null },
    { table: 'messages', columns: ['account_id', 'sender_id'], name: null, unique: false, where: null },
  ],
};

const migration = (body: string, header = '') =>
  `class AddIndexes < ActiveRecord::Migration[7.1]\n${header}  def change\n${body}  end\nend\n`;
const noTransaction = '  disable_ddl_transaction!\n';

ruleCases('require-concurrent-index-deletion', {
  valid: [
    { name: 'concurrent remove_index', source: migration('    remove_index :messages, :user_id, algorithm: :concurrently\n', noTransaction) },
    { name: 'table created earlier in the migration', source: migration('    create_table :audits do |t|\n      t.index :user_id\n    end\n    remove_index :audits, :user_id\n') },
    { name: 'GitLab remove_concurrent_index', source: migration('    remove_concurrent_index :messages, :user_id\n', noTransaction) },
    { name: 'GitLab remove_concurrent_index_by_name', source: migration('    remove_concurrent_index_by_name :messages, "index_messages_on_user_id"\n', noTransaction) },
    { name: 'index creation is another rule', source: migration('    add_index :messages, :user_id\n') },
    // SQL migrations (libpg-query).
    { name: 'sql: DROP INDEX CONCURRENTLY', language: 'sql', source: 'DROP INDEX CONCURRENTLY IF EXISTS idx;\n' },
    { name: 'sql: the index of a table created earlier in the file', language: 'sql', source: 'CREATE TABLE t (x int);\nCREATE INDEX i ON t (x);\nDROP INDEX i;\n' },
    { name: 'remove_column of a column no known index holds', source: migration('    remove_column :messages, :body, :text\n'), context: { schema } },
    { name: 'remove_column with no schema or database to know its indexes', source: migration('    remove_column :messages, :source_id, :bigint\n') },
    { name: 'remove_column after its index was dropped concurrently', source: migration('    remove_index :messages, :source_id, algorithm: :concurrently\n    remove_column :messages, :source_id, :bigint\n', noTransaction), context: { schema } },
    { name: 'safe_by_default: remove_index', source: migration('    remove_index :messages, :user_id\n'), settings: { strongMigrationsSafeByDefault: true } },
  ],
  invalid: [
    {
      name: 'remove_column of a column db/schema.rb indexes',
      source: migration('    remove_column :messages, :source_id, :bigint\n'),
      context: { schema },
      findings: [{ at: '3:5-3:49', severity: 'warning', message: /^Removing "source_id" from "messages" also drops its index "index_messages_on_source_id" without CONCURRENTLY, under an ACCESS EXCLUSIVE lock every query on the table queues behind: drop it concurrently first\.$/ }],
      fix: { title: /^Drop the index concurrently first and take the migration out of its transaction$/, safety: 'unsafe' },
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    remove_index :messages, column: :source_id, name: "index_messages_on_source_id", algorithm: :concurrently\n    remove_column :messages, :source_id, :bigint\n  end\nend\n',
    },
    {
      name: 'remove_reference: the index holding the column second counts too',
      source: migration('    remove_reference :messages, :sender\n'),
      context: { schema },
      findings: [{ at: '3:5-3:40', message: /^Removing "sender_id" from "messages" also drops its index "index_messages_on_account_id_and_sender_id"/ }],
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    remove_index :messages, column: [:account_id, :sender_id], name: "index_messages_on_account_id_and_sender_id", algorithm: :concurrently\n    remove_reference :messages, :sender\n  end\nend\n',
    },
    {
      name: 'remove_columns and t.remove, connected: the database\'s indexes',
      source: migration('    remove_columns :messages, :state, :kind, type: :integer\n    change_table :messages do |t|\n      t.remove :flag\n    end\n'),
      context: {
        database: {
          indexes: [
            { schema: 'public', table: 'messages', name: 'idx_state', valid: true, method: 'btree', decoratedKey: false, partitioned: false, columns: ['state'], unique: false, predicate: null },
            { schema: 'public', table: 'messages', name: 'idx_kind', valid: true, method: 'btree', decoratedKey: false, partitioned: false, columns: ['kind'], unique: false, predicate: null },
            { schema: 'public', table: 'messages', name: 'idx_flag', valid: false, method: 'btree', decoratedKey: false, partitioned: false, columns: ['flag'], unique: false, predicate: null },
          ],
        },
      },
      findings: [
        { at: '3:5-3:60', message: /^Removing "state", "kind" from "messages" also drops its indexes "idx_state", "idx_kind" without CONCURRENTLY.*drop them concurrently first\.$/ },
        { at: '5:7-5:21', message: /drops its index "idx_flag"/ },
      ],
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    remove_index :messages, column: :state, name: "idx_state", algorithm: :concurrently\n    remove_index :messages, column: :kind, name: "idx_kind", algorithm: :concurrently\n    remove_columns :messages, :state, :kind, type: :integer\n    change_table :messages do |t|\n      t.remove :flag\n    end\n  end\nend\n',
    },
    {
      name: 't.remove in change_table: t.remove_index before it, unique and partial as the schema says',
      source: migration('    change_table :messages do |t|\n      t.remove :code\n    end\n', noTransaction),
      context: { schema: { tables: new Map(), indexes: [{ table: 'messages', columns: ['code'], name: 'by_code', unique: true, where: 'code IS NOT NULL' }] } },
      findings: [{ at: '5:7-5:21' }],
      fix: { safety: 'safe' },
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n  def change\n    change_table :messages do |t|\n      t.remove_index column: :code, name: "by_code", unique: true, where: "code IS NOT NULL", algorithm: :concurrently\n      t.remove :code\n    end\n  end\nend\n',
    },
    {
      name: 'an index created earlier in the same migration',
      source: 'class X < ActiveRecord::Migration[7.1]\n  def up\n    add_index :messages, :code\n    remove_column :messages, :code\n  end\nend\n',
      findings: [{ at: '4:5-4:35', message: /drops its index "index_messages_on_code"/ }],
    },
    {
      name: 'sql: ALTER TABLE ... DROP COLUMN of an indexed column',
      language: 'sql',
      source: 'ALTER TABLE messages DROP COLUMN source_id;\n',
      context: { schema },
      findings: [{ at: '1:1-1:43', message: /^Removing "source_id" from "messages" also drops its index "index_messages_on_source_id"/ }],
      fix: { safety: 'safe' },
      fixed: 'DROP INDEX CONCURRENTLY IF EXISTS index_messages_on_source_id;\nALTER TABLE messages DROP COLUMN source_id;\n',
    },
    {
      name: 'a down method: the message names the rollback',
      source: 'class X < ActiveRecord::Migration[7.1]\n  def up\n    add_index :messages, :user_id, algorithm: :concurrently\n  end\n\n  def down\n    remove_index :messages, :user_id\n  end\nend\n',
      findings: [{ at: '7:5-7:37', message: /^On rollback \(down\): Index dropped without CONCURRENTLY on "messages"/ }],
      fixed: 'class X < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def up\n    add_index :messages, :user_id, algorithm: :concurrently\n  end\n\n  def down\n    remove_index :messages, :user_id, algorithm: :concurrently\n  end\nend\n',
    },
    {
      name: 'remove_index on an existing table',
      source: migration('    remove_index :messages, :user_id\n'),
      findings: [{ at: '3:5-3:37', severity: 'warning', message: /"messages".*ACCESS EXCLUSIVE/ }],
      fix: { safety: 'unsafe', title: /Drop the index concurrently.*out of its transaction/ },
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    remove_index :messages, :user_id, algorithm: :concurrently\n  end\nend\n',
    },
    {
      name: 'column: and name: options; already outside a transaction, so the fix is safe',
      source: migration('    remove_index :messages, column: :user_id, name: "idx"\n', noTransaction),
      findings: [{ at: '4:5-4:58' }],
      fix: { safety: 'safe' },
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n  def change\n    remove_index :messages, column: :user_id, name: "idx", algorithm: :concurrently\n  end\nend\n',
    },
    {
      name: 't.remove_index inside change_table',
      source: migration('    change_table :messages do |t|\n      t.remove_index :user_id\n    end\n', noTransaction),
      findings: [{ at: '5:7-5:30' }],
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n  def change\n    change_table :messages do |t|\n      t.remove_index :user_id, algorithm: :concurrently\n    end\n  end\nend\n',
    },
    {
      name: 'down migrations are checked',
      source: 'class X < ActiveRecord::Migration[7.1]\n  def up\n  end\n\n  def down\n    remove_index :messages, :user_id\n  end\nend\n',
      findings: [{ at: '6:5-6:37' }],
    },
    {
      name: 'a large table raises the severity, and the message says why',
      source: migration('    remove_index :messages, :user_id\n'),
      settings: { largeTables: ['messages'] },
      findings: [{ at: '3:5-3:37', severity: 'error', message: /every query on the table queues behind it \(messages: large, listed in largeTables\)\.$/ }],
    },
    {
      name: 'a large table from the database row estimates: an error that gives the rows',
      source: migration('    remove_index :messages, :user_id\n'),
      context: { database: { tableRowEstimates: new Map([['messages', 5_000_000]]) } },
      findings: [
        {
          at: '3:5-3:37',
          severity: 'error',
          message: /^Index dropped without CONCURRENTLY on "messages": the drop waits for an ACCESS EXCLUSIVE lock and every query on the table queues behind it \(messages: ~5\.0M rows, large\)\.$/,
        },
      ],
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    remove_index :messages, :user_id, algorithm: :concurrently\n  end\nend\n',
    },
    // SQL migrations (libpg-query).
    {
      name: 'sql: DROP INDEX gets CONCURRENTLY',
      language: 'sql',
      source: 'drop index if exists idx;\n',
      findings: [{ at: '1:1-1:25' }],
      fix: { safety: 'safe' },
      fixed: 'drop index concurrently if exists idx;\n',
    },
    {
      name: 'sql: the table of an index created earlier in the file is named',
      language: 'sql',
      source: 'CREATE INDEX CONCURRENTLY idx ON messages (user_id);\nDROP INDEX idx;\n',
      findings: [{ at: '2:1-2:15', message: /"messages"/ }],
    },
  ],
});
