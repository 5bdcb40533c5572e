import type { DatabaseIndex, LintContext } from '../lint-context';
import { ruleCases } from '../testing/rule-cases';

const migration = (body: string, header = '  disable_ddl_transaction!\n', method = 'change') =>
  `class AddIndexes < ActiveRecord::Migration[7.1]\n${header}  def ${method}\n${body}  end\nend\n`;

function index(name: string, valid: boolean, more: Partial<DatabaseIndex> = {}): DatabaseIndex {
  const table = more.table ?? 'messages';
  const columns = more.columns ?? ['conversation_id'];
  return {
    schema: 'public',
    table,
    name,
    valid,
    method: 'btree', decoratedKey: false, partitioned: false,
    columns,
    unique: false,
    predicate: null,
    ...more,
  };
}

const withIndexes = (...indexes: DatabaseIndex[]): Omit<Partial<LintContext>, 'settings'> => ({ database: { indexes } });
const leftOver = withIndexes(index('index_messages_on_conversation_id', false), index('index_messages_on_user_id', true));

ruleCases('invalid-index-exists', {
  valid: [
    {
      name: 'no database connected',
      source: migration('    add_index :messages, :conversation_id, algorithm: :concurrently, if_not_exists: true\n'),
    },
    {
      name: 'the index exists and is valid (the migration already ran)',
      source: migration('    add_index :messages, :user_id, algorithm: :concurrently, if_not_exists: true\n'),
      context: leftOver,
    },
    {
      name: 'the migration drops the invalid index concurrently before building it again',
      source: migration(
        '    remove_index :messages, :conversation_id, algorithm: :concurrently, if_exists: true\n' +
          '    add_index :messages, :conversation_id, algorithm: :concurrently, if_not_exists: true\n',
        '  disable_ddl_transaction!\n',
        'up',
      ),
      context: leftOver,
    },
    {
      name: 'sql: REINDEX INDEX CONCURRENTLY before it repairs it in place',
      language: 'sql',
      source: 'REINDEX INDEX CONCURRENTLY index_messages_on_conversation_id;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS index_messages_on_conversation_id ON messages (conversation_id);\n',
      context: leftOver,
    },
    {
      name: 'a rollback re-creating an index is not compared with the database as it is now',
      source: migration('    add_index :messages, :conversation_id, algorithm: :concurrently\n', '  disable_ddl_transaction!\n', 'down'),
      context: leftOver,
    },
    {
      name: 'another name on the same columns (add_index name:)',
      source: migration('    add_index :messages, :conversation_id, name: "messages_by_conversation", algorithm: :concurrently\n'),
      context: leftOver,
    },
    {
      name: 'sql: an unnamed CREATE INDEX gets a fresh name from Postgres',
      language: 'sql',
      source: 'CREATE INDEX CONCURRENTLY ON messages (conversation_id);\n',
      context: leftOver,
    },
    {
      name: 'the same index name on another table',
      source: migration('    add_index :contacts, :conversation_id, name: "index_messages_on_conversation_id", algorithm: :concurrently\n'),
      context: leftOver,
    },
    {
      name: "sql: a partitioned parent's index is INVALID until its partitions are attached",
      language: 'sql',
      source: 'CREATE INDEX IF NOT EXISTS measurements_city_idx ON ONLY measurements (city_id);\n',
      context: withIndexes(
        index('measurements_city_idx', false, { table: 'measurements', columns: ['city_id'], partitioned: true }),
      ),
    },
  ],
  invalid: [
    {
      name: 'an index being built right now is reported as building (info), never as a leftover to drop',
      source: migration('    add_index :messages, :conversation_id, algorithm: :concurrently, if_not_exists: true\n'),
      context: withIndexes(index('index_messages_on_conversation_id', false, { building: { pid: 4242, phase: 'building index: scanning table', phaseProgress: 0.437 } })),
      findings: [
        {
          at: '4:5-4:89',
          severity: 'info',
          message:
            /^Index "index_messages_on_conversation_id" is being built now \(building index: scanning table, 43%, PID 4242\): it is INVALID only until that build ends, not a leftover\. Let the build finish before this migration runs; do not drop it\.$/,
        },
      ],
      noFix: true,
    },
    {
      name: 'sql: a build waiting for older transactions, no percent known yet',
      language: 'sql',
      source: 'CREATE INDEX CONCURRENTLY index_messages_on_conversation_id ON messages (conversation_id);\n',
      context: withIndexes(index('index_messages_on_conversation_id', false, { building: { pid: 7, phase: 'waiting for writers before build', phaseProgress: null } })),
      findings: [{ at: '1:1-1:90', severity: 'info', message: /being built now \(waiting for writers before build, PID 7\).*do not drop it/ }],
    },
    {
      name: 'if_not_exists: true would skip the INVALID index silently (Rails default index name)',
      source: migration('    add_index :messages, :conversation_id, algorithm: :concurrently, if_not_exists: true\n'),
      context: leftOver,
      findings: [
        {
          at: '4:5-4:89',
          severity: 'error',
          message: /"index_messages_on_conversation_id" already exists in the database as INVALID.*if_not_exists: true skips it silently.*DROP INDEX CONCURRENTLY public\.index_messages_on_conversation_id/,
        },
      ],
      noFix: true,
    },
    {
      name: 'without if_not_exists the retry fails with "already exists"',
      source: migration('    add_index :messages, :conversation_id, algorithm: :concurrently\n'),
      context: leftOver,
      findings: [{ at: '4:5-4:68', message: /fails with "relation already exists"/ }],
    },
    {
      name: 'add_reference names its index the Rails way too',
      source: migration('    add_reference :messages, :conversation, index: { algorithm: :concurrently }\n'),
      context: leftOver,
      findings: [{ at: '4:5-4:80' }],
    },
    {
      name: 'safety_assured does not hide a broken index',
      source: migration('    safety_assured { add_index :messages, :conversation_id, algorithm: :concurrently, if_not_exists: true }\n'),
      context: leftOver,
      findings: [{ at: '4:22-4:106' }],
    },
    {
      name: 'sql: IF NOT EXISTS on a schema-qualified table',
      language: 'sql',
      source: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS index_messages_on_conversation_id ON public.messages (conversation_id);\n',
      context: leftOver,
      findings: [{ at: '1:1-1:111', message: /IF NOT EXISTS skips it silently/ }],
    },
    {
      name: 'sql: a drop of another index first does not help',
      language: 'sql',
      source: 'DROP INDEX CONCURRENTLY IF EXISTS other;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS index_messages_on_conversation_id ON messages (conversation_id);\n',
      context: leftOver,
      findings: [{ at: '2:1-2:104' }],
    },
    {
      name: 'execute heredoc in Rails, index in another schema named by the statement',
      source: migration('    execute <<~SQL\n      CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_events_kind\n        ON audit.events (kind);\n    SQL\n', '  disable_ddl_transaction!\n', 'up'),
      context: withIndexes(index('idx_events_kind', false, { schema: 'audit', table: 'events', columns: ['kind'] })),
      findings: [{ at: '5:7-6:31', message: /DROP INDEX CONCURRENTLY audit\.idx_events_kind/ }],
    },
  ],
});
