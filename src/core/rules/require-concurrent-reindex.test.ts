import { ruleCases } from '../testing/rule-cases';

// REINDEX reaches the model through SQL: `execute "REINDEX ..."` here (read by the embedded
// SQL parser) and .sql files (their cases live with the SQL parser's tests).
const up = (body: string, header = '') => `class Rebuild < ActiveRecord::Migration[7.1]\n${header}  def up\n${body}  end\nend\n`;
const noTransaction = '  disable_ddl_transaction!\n\n';

ruleCases('require-concurrent-reindex', {
  valid: [
    { name: 'a migration without REINDEX', source: up('    add_index :messages, :user_id\n') },
    { name: 'REINDEX CONCURRENTLY', source: up('    execute "REINDEX INDEX CONCURRENTLY index_messages_on_user_id"\n', noTransaction) },
    { name: 'REINDEX SYSTEM has no concurrent form', source: up('    execute "REINDEX SYSTEM app"\n', noTransaction) },
    // SQL migrations (libpg-query).
    { name: 'sql: REINDEX CONCURRENTLY, old and new spelling', language: 'sql', source: 'REINDEX TABLE CONCURRENTLY messages;\nREINDEX (CONCURRENTLY) INDEX idx;\n' },
  ],
  invalid: [
    {
      name: 'REINDEX INDEX in execute',
      source: up('    execute "REINDEX INDEX index_messages_on_user_id"\n'),
      findings: [{ at: '3:14-3:53', severity: 'warning', message: /index index_messages_on_user_id/ }],
      fix: { safety: 'unsafe', title: /out of its transaction/ },
      fixed: up('    execute "REINDEX INDEX CONCURRENTLY index_messages_on_user_id"\n', noTransaction),
    },
    {
      name: 'REINDEX TABLE in a heredoc, outside the transaction: the fix is safe; a large table raises the severity',
      source: up('    execute <<~SQL\n      REINDEX TABLE messages;\n    SQL\n', noTransaction),
      settings: { largeTables: ['messages'] },
      findings: [{ at: '6:7-6:29', severity: 'error', message: /"messages"/ }],
      fix: { safety: 'safe' },
      fixed: up('    execute <<~SQL\n      REINDEX TABLE CONCURRENTLY messages;\n    SQL\n', noTransaction),
    },
    {
      name: 'a connected server before PostgreSQL 12 has no REINDEX CONCURRENTLY: other advice, no fix',
      source: up('    execute "REINDEX INDEX index_messages_on_user_id"\n'),
      context: { database: { serverVersionNum: 110022 } },
      findings: [{ at: '3:14-3:53', severity: 'warning', message: /before PostgreSQL 12\) has no REINDEX CONCURRENTLY: build a replacement with CREATE INDEX CONCURRENTLY/ }],
      noFix: true,
    },
    {
      name: 'a connected PostgreSQL 18 server: the usual fix',
      source: up('    execute "REINDEX INDEX index_messages_on_user_id"\n'),
      context: { database: { serverVersionNum: 180001 } },
      findings: [{ at: '3:14-3:53', message: /REINDEX without CONCURRENTLY/ }],
      fixed: up('    execute "REINDEX INDEX CONCURRENTLY index_messages_on_user_id"\n', noTransaction),
    },
    {
      name: 'connected: REINDEX INDEX names the table the database has the index on, and its size',
      source: up('    execute "REINDEX INDEX index_messages_on_user_id"\n'),
      context: {
        database: {
          tableRowEstimates: new Map([['messages', 5_000_000]]),
          indexes: [
            {
              schema: 'public',
              table: 'messages',
              name: 'index_messages_on_user_id',
              valid: true,
              method: 'btree', decoratedKey: false, partitioned: false,
              columns: ['user_id'],
              unique: false,
              predicate: null,
            },
          ],
        },
      },
      findings: [
        {
          at: '3:14-3:53',
          severity: 'error',
          message: /^REINDEX without CONCURRENTLY on index index_messages_on_user_id on "messages": writes to the table and queries using the index wait for the whole rebuild \(messages: ~5\.0M rows, large\)\.$/,
        },
      ],
      fixed: up('    execute "REINDEX INDEX CONCURRENTLY index_messages_on_user_id"\n', noTransaction),
    },
    // SQL migrations (libpg-query).
    {
      name: 'sql: CONCURRENTLY goes after the target kind, past the options list',
      language: 'sql',
      source: 'REINDEX (VERBOSE) INDEX idx;\n',
      findings: [{ at: '1:1-1:28' }],
      fixed: 'REINDEX (VERBOSE) INDEX CONCURRENTLY idx;\n',
    },
    {
      name: 'sql: REINDEX TABLE',
      language: 'sql',
      source: 'REINDEX TABLE messages;\n',
      findings: [{ at: '1:1-1:23', message: /"messages"/ }],
      fixed: 'REINDEX TABLE CONCURRENTLY messages;\n',
    },
  ],
});
