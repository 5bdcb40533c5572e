import { ruleCases } from '../testing/rule-cases';
import type { DatabaseIndex, SchemaInfo } from '../lint-context';

const migration = (body: string, header = '') =>
  `class AddForeignKeys < ActiveRecord::Migration[7.1]\n${header}  def change\n${body}  end\nend\n`;

const schema: SchemaInfo = {
  tables: new Map(),
  indexes: [
    { table: 'messages', columns: ['account_id', 'created_at'], name: 'index_messages_on_account_id_and_created_at', unique: false, where: null },
    { table: 'messages', columns: ['inbox_id'], name: 'index_messages_on_inbox_id_active', unique: false, where: 'deleted_at IS NULL' },
  ],
};

const databaseIndex = (name: string, columns: string[], extra: Partial<DatabaseIndex> = {}): DatabaseIndex => ({
  schema: 'public',
  table: 'messages',
  name,
  valid: true,
  method: 'btree', decoratedKey: false, partitioned: false,
  columns,
  unique: false,
  predicate: null,
  ...extra,
});

ruleCases('require-index-for-foreign-key', {
  valid: [
    { name: 'add_reference with its default index', source: migration('    add_reference :messages, :account, foreign_key: true\n') },
    { name: 'add_reference without a foreign key', source: migration('    add_reference :messages, :account, index: false\n') },
    { name: 'add_foreign_key with an index built in the same migration', source: migration('    add_foreign_key :messages, :accounts\n    add_index :messages, :account_id, algorithm: :concurrently\n', '  disable_ddl_transaction!\n') },
    { name: 'an index created before the key, its first column', source: migration('    add_index :messages, [:account_id, :created_at], algorithm: :concurrently\n    add_foreign_key :messages, :accounts\n', '  disable_ddl_transaction!\n') },
    { name: 'the table is created earlier in the migration', source: migration('    create_table :audits do |t|\n      t.references :user, foreign_key: true, index: false\n    end\n    add_foreign_key :audits, :accounts\n') },
    { name: 'db/schema.rb has an index led by the column', source: migration('    add_foreign_key :messages, :accounts\n'), context: { schema } },
    {
      name: 'connected: an existing valid index led by the column',
      source: migration('    add_foreign_key :messages, :users, column: :author_id\n'),
      context: { database: { indexes: [databaseIndex('index_messages_on_author_id', ['author_id'])] } },
    },
    { name: 'safety_assured', source: migration('    safety_assured { add_foreign_key :messages, :accounts }\n') },
    { name: 'a composite key covered by an index in another order', source: migration('    add_index :messages, [:b, :a], algorithm: :concurrently\n    add_foreign_key :messages, :pairs, column: [:a, :b]\n', '  disable_ddl_transaction!\n') },
    { name: 'sql: an index in the same file', language: 'sql', source: 'ALTER TABLE messages ADD CONSTRAINT fk FOREIGN KEY (account_id) REFERENCES accounts (id);\nCREATE INDEX CONCURRENTLY messages_account_id_idx ON messages (account_id);\n' },
    { name: 'sql: a foreign key in CREATE TABLE', language: 'sql', source: 'CREATE TABLE audits (id bigint, user_id bigint REFERENCES users);\n' },
    { name: 'sql: added to a table created in the file', language: 'sql', source: 'CREATE TABLE audits (id bigint, user_id bigint);\nALTER TABLE audits ADD FOREIGN KEY (user_id) REFERENCES users;\n' },
  ],
  invalid: [
    {
      name: 'add_foreign_key on an existing table, the column from the referenced table',
      source: migration('    add_foreign_key :messages, :accounts\n'),
      findings: [{ at: '3:5-3:41', severity: 'hint', message: /^Foreign key on "messages" \(account_id\) has no index on its columns: every DELETE on "accounts", and every update of its key, scans "messages" to check it\.$/ }],
      fix: { title: /^Index account_id concurrently and take the migration out of its transaction$/, safety: 'unsafe' },
      fixed: 'class AddForeignKeys < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_foreign_key :messages, :accounts\n    add_index :messages, :account_id, algorithm: :concurrently\n  end\nend\n',
    },
    {
      name: 'add_foreign_key with column:, outside a transaction already: a safe fix',
      source: migration('    add_foreign_key :messages, :users, column: :author_id\n', '  disable_ddl_transaction!\n\n'),
      findings: [{ at: '5:5-5:58', message: /\(author_id\).*DELETE on "users"/ }],
      fix: { title: /^Index author_id concurrently$/, safety: 'safe' },
      fixed: 'class AddForeignKeys < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_foreign_key :messages, :users, column: :author_id\n    add_index :messages, :author_id, algorithm: :concurrently\n  end\nend\n',
    },
    {
      name: 'add_reference with foreign_key: true, index: false',
      source: migration('    add_reference :messages, :account, foreign_key: true, index: false\n'),
      findings: [{ at: '3:5-3:71', message: /DELETE on "accounts"/ }],
      fixed: 'class AddForeignKeys < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_reference :messages, :account, foreign_key: true, index: { algorithm: :concurrently }\n  end\nend\n',
    },
    {
      name: 't.references with foreign_key: true, index: false in change_table',
      source: migration('    change_table :messages do |t|\n      t.references :inbox, foreign_key: true, index: false\n    end\n'),
      findings: [{ at: '4:7-4:59', message: /\(inbox_id\).*DELETE on "inboxes"/ }],
      fixed: 'class AddForeignKeys < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    change_table :messages do |t|\n      t.references :inbox, foreign_key: true, index: { algorithm: :concurrently }\n    end\n  end\nend\n',
    },
    {
      name: 't.foreign_key in change_table: t.index after it',
      source: migration('    change_table :messages do |t|\n      t.foreign_key :accounts\n    end\n', '  disable_ddl_transaction!\n\n'),
      findings: [{ at: '6:7-6:30' }],
      fixed: 'class AddForeignKeys < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    change_table :messages do |t|\n      t.foreign_key :accounts\n      t.index :account_id, algorithm: :concurrently\n    end\n  end\nend\n',
    },
    {
      name: 'a partial index in db/schema.rb does not serve the key; the finding is raised on a large table',
      source: migration('    add_foreign_key :messages, :inboxes\n'),
      settings: { largeTables: ['messages'] },
      context: { schema },
      findings: [{ at: '3:5-3:40', severity: 'info', message: /\(messages: large, listed in largeTables\)\.$/ }],
    },
    {
      name: 'connected: an invalid index and one led by another column do not count',
      source: migration('    add_foreign_key :messages, :users, column: :author_id\n'),
      context: {
        database: {
          indexes: [
            databaseIndex('index_messages_on_author_id', ['author_id'], { valid: false }),
            databaseIndex('index_messages_on_state_and_author_id', ['state', 'author_id']),
          ],
        },
      },
      findings: [{ at: '3:5-3:58' }],
    },
    {
      name: 'connected: an index db/schema.rb declares but the database lacks does not count',
      source: migration('    add_foreign_key :messages, :accounts\n'),
      context: { schema, database: { indexes: [] } },
      findings: [{ at: '3:5-3:41' }],
    },
    {
      name: 'in a down method, the message names the rollback',
      source: 'class X < ActiveRecord::Migration[7.1]\n  def up\n    remove_foreign_key :messages, :accounts\n  end\n\n  def down\n    add_foreign_key :messages, :accounts\n  end\nend\n',
      findings: [{ at: '7:5-7:41', message: /^On rollback \(down\): Foreign key on "messages"/ }],
    },
    {
      name: 'GitLab add_concurrent_foreign_key',
      source: migration('    add_concurrent_foreign_key :messages, :accounts, column: :account_id\n', '  disable_ddl_transaction!\n\n'),
      findings: [{ at: '5:5-5:73' }],
      fixed: 'class AddForeignKeys < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_concurrent_foreign_key :messages, :accounts, column: :account_id\n    add_index :messages, :account_id, algorithm: :concurrently\n  end\nend\n',
    },
    {
      name: 'sql: ALTER TABLE ADD CONSTRAINT FOREIGN KEY',
      language: 'sql',
      source: 'ALTER TABLE messages ADD CONSTRAINT fk_account FOREIGN KEY (account_id) REFERENCES accounts (id);\n',
      findings: [{ at: '1:1-1:97', severity: 'hint', message: /^Foreign key on "messages" \(account_id\)/ }],
      fix: { safety: 'safe' },
      fixed: 'ALTER TABLE messages ADD CONSTRAINT fk_account FOREIGN KEY (account_id) REFERENCES accounts (id);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS messages_account_id_idx ON messages (account_id);\n',
    },
    {
      name: 'sql: ADD COLUMN ... REFERENCES in a goose migration (leaves the transaction with the marker)',
      language: 'sql',
      source: '-- +goose Up\nalter table messages add column user_id bigint references users;\n',
      findings: [{ at: '2:1-2:64', message: /\(user_id\).*DELETE on "users"/ }],
      fix: { safety: 'unsafe' },
      fixed: '-- +goose NO TRANSACTION\n-- +goose Up\nalter table messages add column user_id bigint references users;\ncreate index concurrently if not exists messages_user_id_idx on messages (user_id);\n',
    },
  ],
});
