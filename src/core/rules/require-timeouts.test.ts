import { ruleCases } from '../testing/rule-cases';

const migration = (body: string, header = '', method = 'change', version = '7.1') =>
  `class AddIndexes < ActiveRecord::Migration[${version}]\n${header}  def ${method}\n${body}  end\nend\n`;
const noTransaction = '  disable_ddl_transaction!\n';
const bothTimeouts = '  set_lock_timeout 5000\n  set_statement_timeout 3_600_000\n';

ruleCases('require-timeouts', {
  valid: [
    { name: 'a scheduled build (add_index_in_background) runs in a background job, not here', source: migration('    add_index_in_background :messages, :user_id\n') },
    { name: 'table created earlier in the migration', source: migration('    create_table :audits\n    add_index :audits, :user_id\n') },
    { name: 'timeouts configured for the whole project', source: migration('    add_index :messages, :user_id\n'), settings: { timeoutsConfiguredElsewhere: true } },
    { name: 'class-level timeouts (activerecord-safer_migrations)', source: migration('    add_index :messages, :user_id\n', bothTimeouts) },
    { name: 'a long statement_timeout before a concurrent build', source: migration('    add_index :messages, :user_id, algorithm: :concurrently\n', bothTimeouts + noTransaction) },
    { name: 'GitLab disable_statement_timeout counts as a statement_timeout', source: migration('    disable_statement_timeout\n    add_index :messages, :user_id\n', '  set_lock_timeout 5.seconds\n', 'up') },
    { name: 'GitLab helpers handle statement_timeout themselves', source: migration('    add_concurrent_index :messages, :user_id\n', '  set_lock_timeout 5000\n' + noTransaction) },
    {
      name: 'the minimum statement_timeout for builds is a setting',
      source: migration('    add_index :messages, :user_id, algorithm: :concurrently\n', '  set_lock_timeout 5000\n  set_statement_timeout 5000\n' + noTransaction),
      settings: { minBuildStatementTimeoutMs: 5000 },
    },
    { name: 'no index operation', source: migration('    add_column :messages, :flag, :boolean\n') },
    // SQL migrations (libpg-query).
    {
      name: 'sql: SET before the build',
      language: 'sql',
      source: "SET statement_timeout = 0;\nSET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\n",
    },
  ],
  invalid: [
    {
      name: 'the guide form: under if Rails.env.production? when fixTimeouts.onlyInProduction asks for it',
      source: migration('    add_index :messages, :user_id, algorithm: :concurrently\n', noTransaction, 'up'),
      settings: { fixTimeouts: { statement: '30min', lock: '5min', onlyInProduction: true } },
      findings: [{ at: '4:5-4:60' }],
      fixed: migration(
        `    if Rails.env.production?\n      execute "SET statement_timeout = '30min'"\n      execute "SET lock_timeout = '5min'"\n    end\n    add_index :messages, :user_id, algorithm: :concurrently\n    if Rails.env.production?\n      execute "RESET statement_timeout"\n      execute "RESET lock_timeout"\n    end\n`,
        noTransaction,
        'up',
      ),
    },
    {
      name: 'a one-line execute of SQL gets the timeouts around it',
      source: migration('    execute "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id)"\n', noTransaction, 'up'),
      findings: [{ at: '4:14-4:79' }],
      fixed: migration(
        `    execute "SET statement_timeout = '30min'"\n    execute "SET lock_timeout = '10s'"\n    execute "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id)"\n    execute "RESET statement_timeout"\n    execute "RESET lock_timeout"\n`,
        noTransaction,
        'up',
      ),
    },
    {
      name: 'no timeouts in an up method: plain execute lines around the call',
      source: migration('    add_index :messages, :user_id\n', '', 'up'),
      findings: [{ at: '3:5-3:34', severity: 'info', message: /No lock_timeout and statement_timeout/ }],
      fix: { safety: 'unsafe', title: /statement_timeout and lock_timeout/ },
      fixed: migration(
        '    execute "SET statement_timeout = \'30min\'"\n    execute "SET lock_timeout = \'10s\'"\n    add_index :messages, :user_id\n    execute "RESET statement_timeout"\n    execute "RESET lock_timeout"\n',
        '',
        'up',
      ),
    },
    {
      name: 'in a change method the lines go in up_only, since execute cannot be reversed',
      source: migration('    add_index :messages, :user_id\n'),
      findings: [{ at: '3:5-3:34' }],
      settings: { fixTimeouts: { statement: '1h', lock: '10s', onlyInProduction: false } },
      fixed: migration(
        '    up_only { execute "SET statement_timeout = \'1h\'" }\n    up_only { execute "SET lock_timeout = \'10s\'" }\n    add_index :messages, :user_id\n    up_only { execute "RESET statement_timeout" }\n    up_only { execute "RESET lock_timeout" }\n',
      ),
    },
    {
      name: 'before Rails 5.2 (no up_only) the lines go in reversible',
      source: migration('    add_index :messages, :user_id\n', '  set_statement_timeout 0\n', 'change', '5.1'),
      findings: [{ at: '4:5-4:34', message: /^No lock_timeout set/ }],
      fixed: migration(
        '    reversible { |dir| dir.up { execute "SET lock_timeout = \'10s\'" } }\n    add_index :messages, :user_id\n    reversible { |dir| dir.up { execute "RESET lock_timeout" } }\n',
        '  set_statement_timeout 0\n',
        'change',
        '5.1',
      ),
    },
    {
      name: 'only the missing one is added',
      source: migration('    add_index :messages, :user_id\n', '  set_lock_timeout 5000\n', 'up'),
      findings: [{ at: '4:5-4:34', message: /^No statement_timeout set.*nothing bounds/ }],
      fixed: migration(
        '    execute "SET statement_timeout = \'30min\'"\n    add_index :messages, :user_id\n    execute "RESET statement_timeout"\n',
        '  set_lock_timeout 5000\n',
        'up',
      ),
    },
    {
      name: 'a short statement_timeout before a concurrent build',
      source: migration('    add_index :messages, :user_id, algorithm: :concurrently\n', '  set_lock_timeout 5000\n  set_statement_timeout 5000\n' + noTransaction),
      findings: [{ at: '6:5-6:60', severity: 'warning', message: /statement_timeout is 5s \(set on line 3\).*INVALID index.*10min/ }],
    },
    {
      name: 'a short statement_timeout is reported even with project-wide timeouts',
      source: migration('    add_index :messages, :user_id, algorithm: :concurrently\n', '  set_lock_timeout 5000\n  set_statement_timeout 5000\n' + noTransaction),
      settings: { timeoutsConfiguredElsewhere: true },
      findings: [{ at: '6:5-6:60', message: /statement_timeout is 5s/ }],
    },
    {
      name: 'disable_statement_timeout with a block only covers the block',
      source: migration('    disable_statement_timeout do\n      add_index :messages, :user_id\n    end\n    add_index :messages, :account_id\n', '  set_lock_timeout(5000)\n'),
      findings: [{ at: '7:5-7:37', message: /No statement_timeout/ }],
    },
    {
      name: 'lock_timeout 0 means no limit',
      source: migration('    add_index :messages, :user_id\n', '  set_lock_timeout 0\n  set_statement_timeout 0\n'),
      findings: [{ at: '5:5-5:34', message: /^No lock_timeout set/ }],
    },
    {
      name: 'a large table raises the severity, and the message says why',
      source: migration('    add_index :messages, :user_id\n'),
      context: { database: { tableRowEstimates: new Map([['messages', 5_000_000]]) } },
      findings: [
        {
          at: '3:5-3:34',
          severity: 'warning',
          message:
            /^No lock_timeout and statement_timeout set for this index operation on "messages": while it waits for its SHARE lock, every write to the table queues behind it \(messages: ~5\.0M rows, large\)\.$/,
        },
      ],
    },
    {
      name: 'a concurrent build: its lock blocks no reads or writes, the lock_timeout bounds the waits; the fix writes seconds',
      source: migration('    add_index :messages, :user_id, algorithm: :concurrently\n', '  set_statement_timeout 3_600_000\n' + noTransaction, 'up'),
      findings: [
        {
          at: '5:5-5:60',
          severity: 'info',
          message:
            /^No lock_timeout set for this index operation on "messages": its SHARE UPDATE EXCLUSIVE lock does not block reads or writes, but without a lock_timeout the migration waits without limit for conflicting locks \(VACUUM, another build, a schema change\) and for older transactions to end; lock_timeout bounds these waits\.$/,
        },
      ],
      fix: { safety: 'unsafe', title: /^Set lock_timeout around this operation$/ },
      fixed: migration(
        '    execute "SET lock_timeout = \'10s\'"\n    add_index :messages, :user_id, algorithm: :concurrently\n    execute "RESET lock_timeout"\n',
        '  set_statement_timeout 3_600_000\n' + noTransaction,
        'up',
      ),
    },
    {
      name: 'REINDEX CONCURRENTLY: the lock_timeout also bounds the final swap',
      source: migration('    execute "REINDEX INDEX CONCURRENTLY index_messages_on_user_id"\n', '  set_statement_timeout 0\n' + noTransaction, 'up'),
      findings: [{ at: '5:14-5:66', message: /does not block reads or writes, .*and for the final swap of the old and new index; lock_timeout bounds these waits\.$/ }],
    },
    {
      name: 'a plain DROP INDEX queues every query, reads included',
      source: migration('    remove_index :messages, :user_id\n', '  set_statement_timeout 0\n', 'up'),
      findings: [{ at: '4:5-4:37', message: /: while it waits for its ACCESS EXCLUSIVE lock, every query on the table, reads included, queues behind it\.$/ }],
    },
    // SQL migrations (libpg-query).
    {
      name: 'sql: SET lines before the statement and RESET lines after it',
      language: 'sql',
      source: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\n',
      findings: [{ at: '1:1-1:66' }],
      fixed:
        "SET statement_timeout = '30min';\nSET lock_timeout = '10s';\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\nRESET statement_timeout;\nRESET lock_timeout;\n",
    },
    {
      name: 'sql: a short statement_timeout before a concurrent build',
      language: 'sql',
      source: "SET statement_timeout = '5s';\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\n",
      findings: [{ at: '2:1-2:66', message: /5s/ }, { at: '2:1-2:66', message: /lock_timeout/ }],
    },
  ],
});
