import { ruleCases } from '../testing/rule-cases';

const migration = (body: string, header = '') =>
  `class AddIndexes < ActiveRecord::Migration[7.1]\n${header}  def change\n${body}  end\nend\n`;
const noTransaction = '  disable_ddl_transaction!\n';

ruleCases('ban-concurrent-index-creation-in-transaction', {
  valid: [
    { name: 'online_migrations add_index_in_background only schedules the build', source: migration('    add_index_in_background :messages, :user_id\n') },
    { name: 'GitLab prepare_async_index only schedules the build', source: migration('    prepare_async_index :messages, :user_id, name: "index_messages_on_user_id"\n') },
    { name: 'safe_by_default: strong_migrations commits the transaction before the build', source: migration('    add_index :messages, :user_id, algorithm: :concurrently\n'), settings: { strongMigrationsSafeByDefault: true } },
    { name: 'concurrent build outside the transaction', source: migration('    add_index :messages, :user_id, algorithm: :concurrently\n', noTransaction) },
    { name: 'a blocking build is another rule', source: migration('    add_index :messages, :user_id\n') },
    { name: 'GitLab helper outside the transaction', source: migration('    add_concurrent_index :messages, :user_id\n', noTransaction) },
    { name: 'concurrent drop outside the transaction', source: migration('    remove_index :messages, :user_id, algorithm: :concurrently\n', noTransaction) },
    // SQL migrations (libpg-query).
    { name: 'sql: run statement by statement (psql -f)', language: 'sql', source: 'CREATE INDEX CONCURRENTLY idx ON messages (user_id);\n' },
    { name: 'sql: goose NO TRANSACTION', language: 'sql', source: '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY idx ON messages (user_id);\n' },
    { name: 'sql: dbmate transaction:false', language: 'sql', source: '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY idx ON messages (user_id);\n' },
    { name: 'sql: after COMMIT', language: 'sql', source: 'BEGIN;\nCREATE TABLE t (x int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY idx ON messages (user_id);\n' },
    {
      name: 'sql: dbmate down section with its own transaction:false, the up one in a transaction',
      language: 'sql',
      source: '-- migrate:up\nCREATE TABLE t (x int);\n\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY IF EXISTS idx;\n',
    },
    {
      name: 'sql: Flyway runs a script holding CREATE INDEX CONCURRENTLY outside a transaction by itself',
      language: 'sql',
      path: 'db/migration/V2__add_index.sql',
      source: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\n',
    },
    {
      name: 'sql: the runner named by the caller (statement by statement) beats the path',
      language: 'sql',
      path: 'migrations/1_add_index.up.sql',
      sqlOptions: { runner: 'psql' },
      source: 'SET lock_timeout = 1000;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\n',
    },
    {
      name: 'sql: a goose marker in the file beats the project setting',
      language: 'sql',
      settings: { sqlRunner: 'atlas' },
      source: '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY idx ON messages (user_id);\n',
    },
  ],
  invalid: [
    {
      name: 'online_migrations add_reference_concurrently needs disable_ddl_transaction!',
      source: migration('    add_reference_concurrently :messages, :author\n'),
      findings: [{ at: '3:5-3:50' }],
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_reference_concurrently :messages, :author\n  end\nend\n',
    },
    {
      name: 'algorithm: :concurrently without disable_ddl_transaction!',
      source: migration('    add_index :messages, :user_id, algorithm: :concurrently\n'),
      findings: [{ at: '3:5-3:60', severity: 'error', message: /no disable_ddl_transaction!/ }],
      fix: { safety: 'unsafe', title: /disable_ddl_transaction!/ },
      fixed: 'class AddIndexes < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :user_id, algorithm: :concurrently\n  end\nend\n',
    },
    {
      name: 'inside a transaction block: no automatic fix',
      source: migration('    transaction do\n      add_index :messages, :user_id, algorithm: :concurrently\n    end\n', noTransaction),
      findings: [{ at: '5:7-5:62', message: /transaction block/ }],
    },
    {
      name: 'ActiveRecord::Base.transaction counts as a transaction block',
      source: migration('    ActiveRecord::Base.transaction do\n      remove_index :messages, :user_id, algorithm: :concurrently\n    end\n', noTransaction),
      findings: [{ at: '5:7-5:65' }],
    },
    {
      name: 'GitLab add_concurrent_index refuses to run in a transaction too',
      source: migration('    add_concurrent_index :messages, :user_id\n'),
      findings: [{ at: '3:5-3:45' }],
    },
    {
      name: 'safety_assured does not help: Postgres refuses the statement',
      source: migration('    safety_assured { add_index :messages, :user_id, algorithm: :concurrently }\n'),
      findings: [{ at: '3:22-3:77' }],
    },
    {
      name: 'GitLab with_lock_retries runs its block in a transaction',
      source: migration('    with_lock_retries do\n      add_index :messages, :user_id, algorithm: :concurrently\n    end\n', noTransaction),
      findings: [{ at: '5:7-5:62' }],
    },
    // SQL migrations (libpg-query).
    {
      name: 'sql: between BEGIN and COMMIT: reported without a fix',
      language: 'sql',
      source: 'BEGIN;\nDROP INDEX CONCURRENTLY idx;\nREINDEX TABLE CONCURRENTLY messages;\nCOMMIT;\n',
      findings: [{ at: '2:1-2:28', message: /transaction block/ }, { at: '3:1-3:36' }],
    },
    {
      name: 'sql: goose wraps each file in a transaction: the fix adds NO TRANSACTION',
      language: 'sql',
      source: '-- +goose Up\nCREATE INDEX CONCURRENTLY idx ON messages (user_id);\n',
      findings: [{ at: '2:1-2:52' }],
      fix: { safety: 'unsafe' },
      fixed: '-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY idx ON messages (user_id);\n',
    },
    {
      name: 'sql: Atlas txmode file becomes none',
      language: 'sql',
      source: '-- atlas:txmode file\n\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\n',
      findings: [{ at: '3:1-3:66' }],
      fixed: '-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\n',
    },
    {
      name: 'sql: a dbmate down section in a transaction while up is not: the marker goes on the down line',
      language: 'sql',
      source: '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\n\n-- migrate:down\nDROP INDEX CONCURRENTLY IF EXISTS idx;\n',
      findings: [{ at: '5:1-5:38', severity: 'error', message: /inside the migration's transaction/ }],
      fix: { safety: 'unsafe', title: /outside a transaction/ },
      fixed: '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\n\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY IF EXISTS idx;\n',
    },
    {
      name: 'sql: the project setting names the runner when the file does not (Atlas: a transaction per file)',
      language: 'sql',
      settings: { sqlRunner: 'atlas' },
      source: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\n',
      findings: [{ at: '1:1-1:66' }],
      fixed: '-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\n',
    },
    {
      name: 'sql: the runner named by the caller beats detection',
      language: 'sql',
      sqlOptions: { runner: 'goose' },
      source: 'CREATE INDEX CONCURRENTLY idx ON messages (user_id);\n',
      findings: [{ at: '1:1-1:52' }],
      fixed: '-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY idx ON messages (user_id);\n',
    },
    {
      name: 'sql: Flyway does not know REINDEX ... CONCURRENTLY needs no transaction: reported, no marker to add',
      language: 'sql',
      path: 'db/migration/V3__reindex.sql',
      source: 'REINDEX INDEX CONCURRENTLY idx;\n',
      findings: [{ at: '1:1-1:31' }],
      noFix: true,
    },
  ],
});
