import { ruleCases } from '../testing/rule-cases';

const migration = (body: string, header = '', version = '7.1') =>
  `class AddIndexes < ActiveRecord::Migration[${version}]\n${header}  def change\n${body}  end\nend\n`;
const noTransaction = '  disable_ddl_transaction!\n';

ruleCases('disallowed-unique-constraint', {
  valid: [
    { name: 'using_index: an index built beforehand', source: migration('    add_unique_constraint :contacts, using_index: "index_contacts_on_email"\n') },
    { name: 'a table created in the migration', source: migration('    create_table :contacts\n    add_unique_constraint :contacts, :email\n') },
    { name: 't.unique_constraint inside create_table', source: migration('    create_table :contacts do |t|\n      t.string :email\n      t.unique_constraint :email\n    end\n') },
    { name: 'a unique index is another rule', source: migration('    add_index :contacts, :email, unique: true\n') },
    // SQL migrations (libpg-query).
    { name: 'sql: USING INDEX', language: 'sql', source: 'ALTER TABLE messages ADD CONSTRAINT u UNIQUE USING INDEX idx;\n' },
    { name: 'sql: table created earlier in the file', language: 'sql', source: 'CREATE TABLE t (x int);\nALTER TABLE t ADD CONSTRAINT tu UNIQUE (x);\n' },
    { name: 'sql: table created earlier as public.t', language: 'sql', source: 'CREATE TABLE public.t (x int);\nALTER TABLE t ADD UNIQUE (x);\n' },
  ],
  invalid: [
    {
      name: 'add_unique_constraint on an existing table',
      source: migration('    add_unique_constraint :contacts, [:account_id, :email]\n'),
      findings: [{ at: '3:5-3:59', severity: 'warning', message: /UNIQUE constraint on "contacts".*ACCESS EXCLUSIVE/ }],
      fix: { safety: 'unsafe', title: /USING INDEX/ },
      fixed:
        'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n' +
        '    add_index :contacts, [:account_id, :email], unique: true, name: "contacts_account_id_email_key", algorithm: :concurrently, if_not_exists: true\n' +
        '    add_unique_constraint :contacts, [:account_id, :email], using_index: "contacts_account_id_email_key"\n' +
        '  end\nend\n',
    },
    {
      name: 'a named constraint names its index; outside a transaction the fix is safe',
      source: migration('    add_unique_constraint :contacts, :email, name: "contacts_email_key"\n', noTransaction, '7.2'),
      findings: [{ at: '4:5-4:72' }],
      fix: { safety: 'safe' },
      fixed: migration(
        '    add_index :contacts, :email, unique: true, name: "contacts_email_key", algorithm: :concurrently, if_not_exists: true\n' +
          '    add_unique_constraint :contacts, :email, name: "contacts_email_key", using_index: "contacts_email_key"\n',
        noTransaction,
        '7.2',
      ),
    },
    {
      name: 't.unique_constraint in change_table',
      source: migration('    change_table :contacts do |t|\n      t.unique_constraint :email\n    end\n', noTransaction),
      findings: [{ at: '5:7-5:33' }],
      fixed: migration(
        '    change_table :contacts do |t|\n      add_index :contacts, :email, unique: true, name: "contacts_email_key", algorithm: :concurrently, if_not_exists: true\n      t.unique_constraint :email, using_index: "contacts_email_key"\n    end\n',
        noTransaction,
      ),
    },
    // SQL migrations (libpg-query).
    {
      name: 'sql: the unique index is built concurrently first, then attached',
      language: 'sql',
      source: 'ALTER TABLE messages ADD CONSTRAINT u UNIQUE (a, b);\n',
      findings: [{ at: '1:1-1:52' }],
      fixed: 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS u ON messages (a, b);\nALTER TABLE messages ADD CONSTRAINT u UNIQUE USING INDEX u;\n',
    },
    {
      name: 'sql: an unnamed constraint: the index gets the name Postgres would give the constraint',
      language: 'sql',
      source: 'ALTER TABLE public.contacts ADD UNIQUE (account_id, email);\n',
      findings: [{ at: '1:1-1:59' }],
      fix: { safety: 'safe' },
      fixed:
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS contacts_account_id_email_key ON public.contacts (account_id, email);\n' +
        'ALTER TABLE public.contacts ADD UNIQUE USING INDEX contacts_account_id_email_key;\n',
    },
    {
      name: 'sql: a long unnamed constraint name is shortened as Postgres shortens it (63 bytes)',
      language: 'sql',
      source: 'ALTER TABLE customer_notification_preferences ADD UNIQUE (notification_channel_identifier);\n',
      findings: [{ at: '1:1-1:91' }],
      fixed:
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS customer_notification_prefere_notification_channel_identifi_key ON customer_notification_preferences (notification_channel_identifier);\n' +
        'ALTER TABLE customer_notification_preferences ADD UNIQUE USING INDEX customer_notification_prefere_notification_channel_identifi_key;\n',
    },
    {
      name: 'sql: goose runs the file in a transaction: the fix also adds NO TRANSACTION, unsafe',
      language: 'sql',
      source: '-- +goose Up\nALTER TABLE messages ADD CONSTRAINT u UNIQUE (a);\n',
      findings: [{ at: '2:1-2:49' }],
      fix: { safety: 'unsafe' },
      fixed: '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS u ON messages (a);\nALTER TABLE messages ADD CONSTRAINT u UNIQUE USING INDEX u;\n',
    },
    {
      name: 'sql: a dbmate down section in a transaction gets its own transaction:false',
      language: 'sql',
      source: '-- migrate:up transaction:false\nDROP INDEX CONCURRENTLY IF EXISTS u;\n\n-- migrate:down\nALTER TABLE messages ADD CONSTRAINT u UNIQUE (a);\n',
      findings: [{ at: '5:1-5:49' }],
      fix: { safety: 'unsafe' },
      fixed:
        '-- migrate:up transaction:false\nDROP INDEX CONCURRENTLY IF EXISTS u;\n\n-- migrate:down transaction:false\n' +
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS u ON messages (a);\nALTER TABLE messages ADD CONSTRAINT u UNIQUE USING INDEX u;\n',
    },
    {
      name: 'sql: Flyway leaves its transaction by itself once the script builds concurrently: no marker, unsafe',
      language: 'sql',
      path: 'db/migration/V7__unique_email.sql',
      source: 'ALTER TABLE contacts ADD CONSTRAINT contacts_email_key UNIQUE (email);\n',
      findings: [{ at: '1:1-1:70' }],
      fix: { safety: 'unsafe', title: /Flyway/ },
      fixed:
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS contacts_email_key ON contacts (email);\n' +
        'ALTER TABLE contacts ADD CONSTRAINT contacts_email_key UNIQUE USING INDEX contacts_email_key;\n',
    },
    {
      name: 'sql: golang-migrate sends the file as one query string: no statement can be added',
      language: 'sql',
      path: 'migrations/000007_unique_email.up.sql',
      source: 'ALTER TABLE contacts ADD CONSTRAINT contacts_email_key UNIQUE (email);\n',
      findings: [{ at: '1:1-1:70' }],
      noFix: true,
    },
  ],
});
