import { ruleCases } from '../testing/rule-cases';

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
  ],
  invalid: [
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
