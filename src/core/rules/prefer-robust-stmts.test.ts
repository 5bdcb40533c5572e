import { ruleCases } from '../testing/rule-cases';

const migration = (body: string, header = '', version = '7.1') =>
  `class AddIndexes < ActiveRecord::Migration[${version}]\n${header}  def change\n${body}  end\nend\n`;
const noTransaction = '  disable_ddl_transaction!\n';
const concurrentAdd = '    add_index :messages, :user_id, algorithm: :concurrently\n';

ruleCases('prefer-robust-stmts', {
  valid: [
    {
      name: 'sql: a dbmate down section in a transaction while up is not: a failure rolls it back',
      language: 'sql',
      source: '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (x);\n\n-- migrate:down\nDROP INDEX old;\nDROP INDEX older;\n',
    },
    { name: 'inside the migration transaction a failure rolls back', source: migration('    add_index :messages, :user_id\n') },
    { name: 'a lone blocking statement is atomic', source: migration('    add_index :messages, :user_id\n', noTransaction) },
    { name: 'if_not_exists: true', source: migration('    add_index :messages, :user_id, algorithm: :concurrently, if_not_exists: true\n', noTransaction) },
    { name: 'if_exists: true', source: migration('    remove_index :messages, :user_id, algorithm: :concurrently, if_exists: true\n', noTransaction) },
    { name: 'Rails 6.0 has no if_not_exists on add_index', source: migration(concurrentAdd, noTransaction, '6.0') },
    { name: 'Rails 5.2', source: migration(concurrentAdd, noTransaction, '5.2') },
    { name: 'unversioned migration', source: `class AddIndexes < ActiveRecord::Migration\n${noTransaction}  def change\n${concurrentAdd}  end\nend\n` },
    { name: 'table created earlier in the migration', source: migration('    create_table :audits\n    add_index :audits, :user_id\n', noTransaction) },
    { name: 'add_reference is left alone', source: migration('    add_reference :messages, :author, index: { algorithm: :concurrently }\n', noTransaction) },
    { name: 'GitLab helpers check index_exists? themselves', source: migration('    add_concurrent_index :messages, :user_id\n    remove_concurrent_index :messages, :account_id\n', noTransaction) },
    // SQL migrations (libpg-query).
    {
      name: 'sql: IF NOT EXISTS and IF EXISTS',
      language: 'sql',
      source: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\nDROP INDEX CONCURRENTLY IF EXISTS old;\n',
    },
  ],
  invalid: [
    {
      name: 'add_index outside a transaction without if_not_exists',
      source: migration(concurrentAdd, noTransaction),
      findings: [{ at: '4:5-4:60', severity: 'info', message: /not idempotent.*if_not_exists: true/ }],
      fix: { safety: 'safe', title: /if_not_exists: true/ },
      fixed: migration('    add_index :messages, :user_id, algorithm: :concurrently, if_not_exists: true\n', noTransaction),
    },
    {
      name: 'remove_index outside a transaction without if_exists',
      source: migration('    remove_index :messages, :user_id, algorithm: :concurrently\n', noTransaction),
      findings: [{ at: '4:5-4:63', message: /does not exist.*if_exists: true/ }],
      fix: { safety: 'safe', title: /if_exists: true/ },
      fixed: migration('    remove_index :messages, :user_id, algorithm: :concurrently, if_exists: true\n', noTransaction),
    },
    {
      name: 'Rails 6.1 is the first version with the options',
      source: migration(concurrentAdd, noTransaction, '6.1'),
      findings: [{ at: '4:5-4:60' }],
    },
    {
      name: 't.index in change_table',
      source: migration('    change_table :messages do |t|\n      t.index :user_id, algorithm: :concurrently\n    end\n', noTransaction),
      findings: [{ at: '5:7-5:49' }],
      fixed: migration('    change_table :messages do |t|\n      t.index :user_id, algorithm: :concurrently, if_not_exists: true\n    end\n', noTransaction),
    },
    {
      name: 'blocking statements next to others can leave partial work behind',
      source: migration('    add_index :messages, :user_id\n    remove_index :messages, :state, algorithm: :concurrently, if_exists: true\n', noTransaction),
      findings: [{ at: '4:5-4:34' }],
    },
    {
      name: 'a large table raises the severity',
      source: migration(concurrentAdd, noTransaction),
      settings: { largeTables: ['messages'] },
      findings: [{ at: '4:5-4:60', severity: 'warning', message: / \(messages: large, listed in largeTables\)\.$/ }],
    },
    // SQL migrations (libpg-query).
    {
      name: 'sql: IF NOT EXISTS goes before the index name',
      language: 'sql',
      source: 'CREATE INDEX CONCURRENTLY idx ON messages (user_id);\n',
      findings: [{ at: '1:1-1:52' }],
      fix: { safety: 'safe' },
      fixed: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\n',
    },
    {
      name: 'sql: IF EXISTS goes before the dropped index',
      language: 'sql',
      source: 'DROP INDEX CONCURRENTLY old;\n',
      findings: [{ at: '1:1-1:28' }],
      fixed: 'DROP INDEX CONCURRENTLY IF EXISTS old;\n',
    },
    // An unnamed index cannot take IF NOT EXISTS (Postgres needs the name), and its retry builds `<name>1`.
    {
      name: 'sql: an unnamed concurrent build is named as Postgres would name it, then guarded',
      language: 'sql',
      source: 'CREATE INDEX CONCURRENTLY ON messages (source_id);\n',
      findings: [
        {
          at: '1:1-1:50',
          message:
            /^Unnamed index creation on "messages" cannot be made idempotent: Postgres takes IF NOT EXISTS only with an index name, and without one a failed build leaves an INVALID messages_source_id_idx behind and the retry builds messages_source_id_idx1 beside it, silently\. Name the index and add IF NOT EXISTS\.$/,
        },
      ],
      fix: { safety: 'safe', title: /^Name the index messages_source_id_idx \(as Postgres would\) and add IF NOT EXISTS$/ },
      fixed: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS messages_source_id_idx ON messages (source_id);\n',
    },
    {
      name: 'sql: an unnamed blocking build next to other statements: its retry builds a second index',
      language: 'sql',
      source: 'create unique index on public.messages (account_id, source_id);\ndrop index concurrently if exists old;\n',
      findings: [{ at: '1:1-1:63', message: /the retry builds messages_account_id_source_id_idx1 beside the first, silently/ }],
      fixed: 'create unique index if not exists messages_account_id_source_id_idx on public.messages (account_id, source_id);\ndrop index concurrently if exists old;\n',
    },
    {
      name: 'sql: an expression column is named after its function, as Postgres does',
      language: 'sql',
      source: 'CREATE INDEX CONCURRENTLY ON contacts (lower(email), account_id);\n',
      findings: [{ at: '1:1-1:65' }],
      fixed: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS contacts_lower_account_id_idx ON contacts (lower(email), account_id);\n',
    },
    {
      name: 'sql: a long name is cut to 63 bytes the way Postgres cuts it (the longer part first, a trailing _ kept)',
      language: 'sql',
      source: 'CREATE INDEX CONCURRENTLY ON conversation_participants_with_a_rather_long_name (last_read_message_id, account_id);\n',
      findings: [{ at: '1:1-1:114' }],
      fixed:
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS conversation_participants_wit_last_read_message_id_account__idx ON conversation_participants_with_a_rather_long_name (last_read_message_id, account_id);\n',
    },
    {
      name: 'rails: an unnamed CREATE INDEX in execute is named inside the string',
      source: migration('    execute "CREATE INDEX CONCURRENTLY ON messages (source_id)"\n', noTransaction),
      findings: [{ at: '4:14-4:63', message: /^Unnamed index creation on "messages" cannot be made idempotent/ }],
      fixed: migration('    execute "CREATE INDEX CONCURRENTLY IF NOT EXISTS messages_source_id_idx ON messages (source_id)"\n', noTransaction),
    },
    {
      name: 'sql: a dbmate down section outside a transaction while up runs in one',
      language: 'sql',
      source: '-- migrate:up\nCREATE TABLE t (x int);\n\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY old;\n',
      findings: [{ at: '5:1-5:28' }],
      fixed: '-- migrate:up\nCREATE TABLE t (x int);\n\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY IF EXISTS old;\n',
    },
  ],
});
