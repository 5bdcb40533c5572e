import type { DatabaseIndex, LintContext } from '../lint-context';
import { ruleCases } from '../testing/rule-cases';

const migration = (body: string, method = 'change') =>
  `class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n  def ${method}\n${body}  end\nend\n`;

function index(name: string, columns: string[], more: Partial<DatabaseIndex> = {}): DatabaseIndex {
  const unique = more.unique ?? false;
  return {
    schema: 'public',
    table: 'messages',
    name,
    valid: true,
    method: 'btree',
    decoratedKey: false,
    partitioned: false,
    columns,
    unique,
    predicate: null,
    ...more,
  };
}

const database = (...indexes: DatabaseIndex[]): Omit<Partial<LintContext>, 'settings'> => ({ database: { indexes } });
const composite = database(index('index_messages_on_conversation_id_and_created_at', ['conversation_id', 'created_at']));
const add = (args: string) => migration(`    add_index :messages, ${args}, algorithm: :concurrently, if_not_exists: true\n`);

ruleCases('redundant-index', {
  valid: [
    { name: 'no database connected', source: add(':conversation_id') },
    { name: 'not the leading column', source: add(':created_at'), context: composite },
    { name: 'more columns than the existing index', source: add('[:conversation_id, :created_at, :id]'), context: composite },
    { name: 'a unique index is not covered by a wider one', source: add('[:conversation_id], unique: true'), context: composite },
    {
      name: 'the index with the same name is this one, already built',
      source: add('[:conversation_id, :created_at]'),
      context: composite,
    },
    {
      name: 'an INVALID index covers nothing (invalid-index-exists is about those)',
      source: add(':conversation_id'),
      context: database(index('old', ['conversation_id', 'created_at'], { valid: false })),
    },
    {
      name: 'a different predicate',
      source: add(':conversation_id, where: "deleted_at IS NULL"'),
      context: composite,
    },
    {
      name: 'a different access method',
      source: add(':conversation_id, using: :gin'),
      context: composite,
    },
    {
      name: 'a descending key or an operator class is not compared',
      source: add(':conversation_id'),
      context: database(index('x', ['conversation_id'], { decoratedKey: true })),
    },
    {
      name: 'the migration drops the older index first',
      source: migration(
        '    remove_index :messages, name: "index_messages_on_conversation_id_and_created_at", algorithm: :concurrently, if_exists: true\n' +
          '    add_index :messages, :conversation_id, algorithm: :concurrently, if_not_exists: true\n',
        'up',
      ),
      context: composite,
    },
    {
      name: 'a rollback re-creating an index',
      source: migration('    add_index :messages, :conversation_id, algorithm: :concurrently\n', 'down'),
      context: composite,
    },
    { name: 'another table', source: migration('    add_index :contacts, :conversation_id, algorithm: :concurrently\n'), context: composite },
  ],
  invalid: [
    {
      name: 'the leading column of a valid composite index',
      source: add(':conversation_id'),
      context: composite,
      findings: [
        {
          at: '4:5-4:89',
          severity: 'hint',
          message: /"index_messages_on_conversation_id_and_created_at" on "messages" \(conversation_id, created_at\) already has these columns as its leading ones/,
        },
      ],
      noFix: true,
    },
    {
      name: 'a unique index next to a unique one on the same columns, under another name',
      source: add('[:account_id, :email], unique: true'),
      context: database(index('messages_account_id_email_key', ['account_id', 'email'], { unique: true })),
      findings: [{ at: '4:5-4:108', message: /already indexes the same columns/ }],
    },
    {
      name: 'sql: same predicate as pg_get_expr writes it, schema-qualified table',
      language: 'sql',
      source: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS active_by_conversation ON public.messages (conversation_id) WHERE deleted_at IS NULL;\n',
      context: database(index('partial', ['conversation_id', 'id'], { predicate: '(deleted_at IS NULL)' })),
      findings: [{ at: '1:1-1:125' }],
    },
    {
      name: 'sql: an expression key; one written with a cast is not taken for the same',
      language: 'sql',
      source: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS by_email ON messages (lower(email));\n',
      context: database(index('messages_lower_email_key', ['lower((email)::text)'], { unique: true }), index('by_lower', ['lower(email)'])),
      findings: [{ at: '1:1-1:76', message: /"by_lower"/ }],
    },
  ],
});
