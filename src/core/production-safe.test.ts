// "Make this migration production-safe": the whole file after the rewrite, for Rails and SQL in
// several styles and runners, files already partly safe, and files it must leave alone. Each
// rewritten file is linted again: none of the pattern's findings is left, and a second rewrite
// has nothing to do.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultContext, type LintSettings } from './lint-context';
import { lintSource, loadParsers, type MigrationLanguage } from './lint';
import { PRODUCTION_SAFE_RULES, productionSafeText } from './production-safe';
import type { SqlParseOptions } from './parsers/sql/parse-sql-migration';

interface Case {
  name: string;
  source: string;
  language?: MigrationLanguage;
  path?: string;
  settings?: Partial<LintSettings>;
  sqlOptions?: SqlParseOptions;
  /** The whole file after the rewrite; omitted: the file is left as it is. */
  expected?: string;
  /** How many operations it changes. */
  operations?: number;
  /** Pattern findings that stay (the rewrite cannot answer them), by rule id. */
  left?: string[];
}

const rails = (body: string, { header = '', method = 'change', version = '7.1' } = {}) =>
  `class AddIndexesToMessages < ActiveRecord::Migration[${version}]\n${header}  def ${method}\n${body}  end\nend\n`;
const noTransaction = '  disable_ddl_transaction!\n\n';
const TIMEOUTS_SET = `    execute "SET statement_timeout = '30min'"\n    execute "SET lock_timeout = '10s'"\n`;
const TIMEOUTS_RESET = '    execute "RESET statement_timeout"\n    execute "RESET lock_timeout"\n';
const UP_ONLY_SET = `    up_only { execute "SET statement_timeout = '30min'" }\n    up_only { execute "SET lock_timeout = '10s'" }\n`;
const UP_ONLY_RESET = '    up_only { execute "RESET statement_timeout" }\n    up_only { execute "RESET lock_timeout" }\n';
const SQL_SET = "SET statement_timeout = '30min';\nSET lock_timeout = '10s';\n";
const SQL_RESET = 'RESET statement_timeout;\nRESET lock_timeout;\n';

const CASES: Case[] = [
  // Rails.
  {
    name: 'rails: a plain add_index in change gets the whole pattern',
    source: rails('    add_index :messages, :source_id\n'),
    expected: rails(`${UP_ONLY_SET}    add_index :messages, :source_id, algorithm: :concurrently, if_not_exists: true\n${UP_ONLY_RESET}`, { header: noTransaction }),
    operations: 1,
  },
  {
    name: 'rails: the guide form, under if Rails.env.production?, with the configured values; one pair for consecutive operations',
    settings: { fixTimeouts: { statement: '30min', lock: '5min', onlyInProduction: true } },
    source: rails('    add_index :messages, :source_id\n\n    # the old one goes\n    remove_index :messages, :old_id\n', { method: 'up' }),
    expected: rails(
      [
        '    if Rails.env.production?',
        `      execute "SET statement_timeout = '30min'"`,
        `      execute "SET lock_timeout = '5min'"`,
        '    end',
        '    add_index :messages, :source_id, algorithm: :concurrently, if_not_exists: true',
        '',
        '    # the old one goes',
        '    remove_index :messages, :old_id, algorithm: :concurrently, if_exists: true',
        '    if Rails.env.production?',
        '      execute "RESET statement_timeout"',
        '      execute "RESET lock_timeout"',
        '    end',
        '',
      ].join('\n'),
      { method: 'up', header: noTransaction },
    ),
    operations: 2,
  },
  {
    name: 'rails: rocket options and a parenthesized multi-line call keep their style',
    source: rails('    add_index(:messages, [:account_id, :source_id],\n              :unique => true)\n', { method: 'up' }),
    expected: rails(
      `${TIMEOUTS_SET}    add_index(:messages, [:account_id, :source_id],\n              :unique => true,\n              :algorithm => :concurrently,\n              :if_not_exists => true)\n${TIMEOUTS_RESET}`,
      { method: 'up', header: noTransaction },
    ),
    operations: 1,
  },
  {
    name: 'rails: already concurrent and out of the transaction: only the guard and the timeouts are added',
    source: rails('    add_index :messages, :source_id, algorithm: :concurrently\n', { method: 'up', header: noTransaction }),
    expected: rails(`${TIMEOUTS_SET}    add_index :messages, :source_id, algorithm: :concurrently, if_not_exists: true\n${TIMEOUTS_RESET}`, {
      method: 'up',
      header: noTransaction,
    }),
    operations: 1,
  },
  {
    name: 'rails: timeouts already set by the migration are kept, not doubled',
    source: rails(`${TIMEOUTS_SET}    add_index :messages, :source_id\n`, { method: 'up' }),
    expected: rails(`${TIMEOUTS_SET}    add_index :messages, :source_id, algorithm: :concurrently, if_not_exists: true\n`, { method: 'up', header: noTransaction }),
    operations: 1,
  },
  {
    name: 'rails: add_reference takes the algorithm inside index: (no guard for the column it adds)',
    source: rails('    add_reference :messages, :source, index: true\n', { method: 'up' }),
    expected: rails(`${TIMEOUTS_SET}    add_reference :messages, :source, index: { algorithm: :concurrently }\n${TIMEOUTS_RESET}`, { method: 'up', header: noTransaction }),
    operations: 1,
  },
  {
    name: 'rails: t.index in change_table, several indexes',
    source: rails('    change_table :messages do |t|\n      t.index :source_id\n      t.index :sender_id\n    end\n', { method: 'up' }),
    expected: rails(
      `    change_table :messages do |t|\n  ${TIMEOUTS_SET.replace(/\n    /g, '\n      ')}      t.index :source_id, algorithm: :concurrently, if_not_exists: true\n      t.index :sender_id, algorithm: :concurrently, if_not_exists: true\n  ${TIMEOUTS_RESET.replace(/\n    /g, '\n      ')}    end\n`,
      { method: 'up', header: noTransaction },
    ),
    operations: 2,
  },
  {
    name: 'rails 6.0: no if_not_exists (add_index does not take it before 6.1)',
    source: rails('    add_index :messages, :source_id\n', { version: '6.0', method: 'up' }),
    expected: rails(`${TIMEOUTS_SET}    add_index :messages, :source_id, algorithm: :concurrently\n${TIMEOUTS_RESET}`, { version: '6.0', method: 'up', header: noTransaction }),
    operations: 1,
  },
  {
    name: 'rails 5.1 change: reversible instead of up_only',
    source: rails('    add_index :messages, :source_id\n', { version: '5.1' }),
    expected: rails(
      `    reversible { |dir| dir.up { execute "SET statement_timeout = '30min'" } }\n    reversible { |dir| dir.up { execute "SET lock_timeout = '10s'" } }\n    add_index :messages, :source_id, algorithm: :concurrently\n    reversible { |dir| dir.up { execute "RESET statement_timeout" } }\n    reversible { |dir| dir.up { execute "RESET lock_timeout" } }\n`,
      { version: '5.1', header: noTransaction },
    ),
    operations: 1,
  },
  {
    name: 'rails: timeouts set project-wide (timeoutsConfiguredElsewhere): none written',
    settings: { timeoutsConfiguredElsewhere: true },
    source: rails('    add_index :messages, :source_id\n'),
    expected: rails('    add_index :messages, :source_id, algorithm: :concurrently, if_not_exists: true\n', { header: noTransaction }),
    operations: 1,
  },
  {
    name: 'rails: SQL in execute is edited as SQL, the unnamed index named',
    source: rails('    execute "CREATE INDEX ON messages (source_id)"\n', { method: 'up' }),
    expected: rails(`${TIMEOUTS_SET}    execute "CREATE INDEX CONCURRENTLY IF NOT EXISTS messages_source_id_idx ON messages (source_id)"\n${TIMEOUTS_RESET}`, {
      method: 'up',
      header: noTransaction,
    }),
    operations: 1,
  },
  {
    // Out of the transaction, the blocking build is no longer atomic with the rest: it gets its guard.
    name: 'rails: a suppressed line keeps its blocking build, the rest is rewritten',
    source: rails(
      '    # pg-index-guard:disable-next-line require-concurrent-index-creation require-timeouts -- maintenance window\n    add_index :notifications, :user_id\n\n    add_index :messages, :source_id\n',
      { method: 'up' },
    ),
    expected: rails(
      `    # pg-index-guard:disable-next-line require-concurrent-index-creation require-timeouts -- maintenance window\n    add_index :notifications, :user_id, if_not_exists: true\n\n${TIMEOUTS_SET}    add_index :messages, :source_id, algorithm: :concurrently, if_not_exists: true\n${TIMEOUTS_RESET}`,
      { method: 'up', header: noTransaction },
    ),
    operations: 2,
  },
  // Left alone.
  { name: 'rails: already production-safe', source: rails(`${TIMEOUTS_SET}    add_index :messages, :source_id, algorithm: :concurrently, if_not_exists: true\n${TIMEOUTS_RESET}`, { method: 'up', header: noTransaction }) },
  { name: 'rails: a table created in the same migration', source: rails('    create_table :audits do |t|\n      t.string :key\n    end\n    add_index :audits, :key\n') },
  { name: 'rails: safety_assured', source: rails('    safety_assured { add_index :messages, :source_id }\n') },
  {
    name: 'rails: a file that does not parse',
    source: 'class AddIndexesToMessages < ActiveRecord::Migration[7.1]\n  def change\n    add_index(:messages, :source_id\n  end\n',
    left: ['require-concurrent-index-creation', 'require-timeouts'],
  },
  {
    name: 'rails: inside a transaction block nothing can be made concurrent',
    settings: { timeoutsConfiguredElsewhere: true },
    source: rails('    transaction do\n      add_index :messages, :source_id\n    end\n', { method: 'up' }),
    left: ['require-concurrent-index-creation'],
  },

  // SQL.
  {
    name: 'sql (psql): unnamed and named builds, consecutive, share one SET / RESET pair',
    language: 'sql',
    source: 'CREATE INDEX ON messages (source_id);\n-- the second\nCREATE INDEX idx_messages_sender ON messages (sender_id);\n',
    expected: `${SQL_SET}CREATE INDEX CONCURRENTLY IF NOT EXISTS messages_source_id_idx ON messages (source_id);\n-- the second\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_messages_sender ON messages (sender_id);\n${SQL_RESET}`,
    operations: 2,
  },
  {
    name: 'sql: lower-case statements get lower-case keywords',
    language: 'sql',
    source: 'create index idx on messages (source_id);\ndrop index old_idx;\n',
    expected:
      "set statement_timeout = '30min';\nset lock_timeout = '10s';\ncreate index concurrently if not exists idx on messages (source_id);\ndrop index concurrently if exists old_idx;\nreset statement_timeout;\nreset lock_timeout;\n",
    operations: 2,
  },
  {
    name: 'sql (goose): the no-transaction marker, each section its own pair',
    language: 'sql',
    source: '-- +goose Up\nCREATE INDEX idx ON messages (source_id);\n\n-- +goose Down\nDROP INDEX idx;\n',
    expected: `-- +goose NO TRANSACTION\n-- +goose Up\n${SQL_SET}CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (source_id);\n${SQL_RESET}\n-- +goose Down\n${SQL_SET}DROP INDEX CONCURRENTLY IF EXISTS idx;\n${SQL_RESET}`,
    operations: 2,
  },
  {
    name: 'sql (dbmate): transaction:false on the up section',
    language: 'sql',
    source: '-- migrate:up\nCREATE INDEX idx ON messages (source_id);\n\n-- migrate:down\nDROP INDEX idx;\n',
    expected: `-- migrate:up transaction:false\n${SQL_SET}CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (source_id);\n${SQL_RESET}\n-- migrate:down transaction:false\n${SQL_SET}DROP INDEX CONCURRENTLY IF EXISTS idx;\n${SQL_RESET}`,
    operations: 2,
  },
  {
    name: 'sql (atlas): txmode none in the header',
    language: 'sql',
    settings: { sqlRunner: 'atlas' },
    source: 'CREATE INDEX idx ON messages (source_id);\n',
    expected: `-- atlas:txmode none\n\n${SQL_SET}CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (source_id);\n${SQL_RESET}`,
    operations: 1,
  },
  {
    name: 'sql (Flyway): no marker, Flyway runs a script with CONCURRENTLY outside a transaction by itself',
    language: 'sql',
    path: 'db/migration/V2__add_index.sql',
    settings: { sqlRunner: 'flyway' },
    source: 'CREATE INDEX idx ON messages (source_id);\n',
    expected: `${SQL_SET}CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (source_id);\n${SQL_RESET}`,
    operations: 1,
  },
  {
    name: 'sql: already concurrent: the guard and the timeouts; a last statement without semicolon gets one',
    language: 'sql',
    source: 'CREATE INDEX CONCURRENTLY idx ON messages (source_id)',
    expected: `${SQL_SET}CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (source_id);\n${SQL_RESET.trimEnd()}`,
    operations: 1,
  },
  // Left alone.
  { name: 'sql: already production-safe', language: 'sql', source: `${SQL_SET}CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (source_id);\n${SQL_RESET}` },
  { name: 'sql: a table created in the same file', language: 'sql', source: 'CREATE TABLE audits (id bigint, key text);\nCREATE INDEX ON audits (key);\n' },
  {
    name: 'sql (golang-migrate): only a file of its own takes a statement out of the implicit transaction',
    language: 'sql',
    path: 'migrations/000002_add_index.up.sql',
    settings: { sqlRunner: 'golang-migrate', timeoutsConfiguredElsewhere: true },
    source: 'CREATE INDEX idx ON messages (source_id);\nCREATE INDEX idx2 ON messages (sender_id);\n',
    left: ['require-concurrent-index-creation', 'require-concurrent-index-creation'],
  },
];

for (const c of CASES) {
  test(`production-safe: ${c.name}`, async () => {
    const parsers = await loadParsers();
    const language = c.language ?? 'ruby';
    const path = c.path ?? (language === 'ruby' ? 'db/migrate/20240101000000_add_indexes_to_messages.rb' : 'migrations/001_add_index.sql');
    const context = defaultContext(c.settings);
    const result = productionSafeText(path, c.source, language, context, parsers, c.sqlOptions);
    assert.equal(result.text, c.expected ?? c.source);
    assert.equal(result.operations, c.expected === undefined ? 0 : (c.operations ?? result.operations));
    const left = lintSource(path, result.text, language, context, parsers, c.sqlOptions).findings.filter((f) => PRODUCTION_SAFE_RULES.has(f.ruleId));
    assert.deepEqual(left.map((f) => f.ruleId), c.left ?? [], 'pattern findings left after the rewrite');
    // Nothing more to do the second time.
    assert.equal(productionSafeText(path, result.text, language, context, parsers, c.sqlOptions).text, result.text);
  });
}
