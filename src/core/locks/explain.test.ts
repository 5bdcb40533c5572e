// The impact of a migration from the lock model and the database facts: estimates, the hover's
// Markdown, the summary line, the CLI's JSON. The facts are what collectDatabaseFacts returns
// (test/db/impact.test.ts reads them from a real server); here they are written out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DatabaseFacts } from '../lint-context';
import { loadParsers, parseMigration, type MigrationLanguage } from '../lint';
import { impactJson, impactMarkdown, impactText, summaryLine } from './describe';
import { DEFAULT_BUILD_BYTES_PER_SECOND, estimateBuildSeconds, estimateIndexBytes, formatEstimatedDuration } from './estimates';
import { explainMigration, impactAt, summarizeByTable } from './explain';

const MB = 1024 * 1024;
const GB = 1024 * MB;

const FACTS: DatabaseFacts = {
  tableRowEstimates: new Map([['messages', 52_000_000], ['contacts', 4_000]]),
  tableBytes: new Map([['messages', 2.4 * GB], ['contacts', 600_000]]),
  columnWidths: new Map([['messages.account_id', 8], ['messages.created_at', 8], ['messages.content', 120], ['contacts.email', 24]]),
  indexes: [
    { schema: 'public', table: 'messages', name: 'index_messages_on_account_id_and_status', valid: true, method: 'btree', decoratedKey: false, partitioned: false, columns: ['account_id', 'status'], unique: false, predicate: null, sizeBytes: 1.1 * GB },
    { schema: 'public', table: 'messages', name: 'messages_pkey', valid: true, method: 'btree', decoratedKey: false, partitioned: false, columns: ['id'], unique: true, predicate: null, sizeBytes: 1.2 * GB },
  ],
};

async function parse(source: string, language: MigrationLanguage = 'ruby') {
  const parsers = await loadParsers();
  const file = parseMigration(language === 'ruby' ? 'db/migrate/20240101000000_x.rb' : 'migrations/001_x.sql', source, language, parsers);
  assert.ok(file);
  return file;
}

const CONCURRENT_MIGRATION = `class AddIndexes < ActiveRecord::Migration[7.1]
  disable_ddl_transaction!

  def change
    add_index :messages, :account_id, algorithm: :concurrently
    add_index :messages, [:created_at], algorithm: :concurrently, where: "deleted_at IS NULL"
  end
end
`;

test('estimateBuildSeconds: the conservative default without history, the server\'s median rate with it', () => {
  const none = estimateBuildSeconds({ tableBytes: 2 * GB, concurrent: false }, null);
  assert.deepEqual(none, { seconds: (2 * GB) / DEFAULT_BUILD_BYTES_PER_SECOND, basis: 'default', bytesPerSecond: DEFAULT_BUILD_BYTES_PER_SECOND, measuredBuilds: 0 });
  assert.equal(estimateBuildSeconds({ tableBytes: 2 * GB, concurrent: true }, { builds: [] }).seconds, (2 * (2 * GB)) / DEFAULT_BUILD_BYTES_PER_SECOND);
  // Three builds at 100, 200 and 50 MB/s of plain build (the concurrent one took two scans' time): median 100 MB/s.
  const history = { builds: [{ tableBytes: 1000 * MB, seconds: 10, concurrent: false }, { tableBytes: 400 * MB, seconds: 4, concurrent: true }, { tableBytes: 50 * MB, seconds: 1, concurrent: false }] };
  const measured = estimateBuildSeconds({ tableBytes: 1000 * MB, concurrent: true, indexCount: 2 }, history);
  assert.deepEqual(measured, { seconds: 40, basis: 'history', bytesPerSecond: 100 * MB, measuredBuilds: 3 });
  assert.equal(estimateBuildSeconds({ tableBytes: null, concurrent: false }, history).seconds, null);
});

test('estimateIndexBytes: a B-tree from rows and widths; unknown when a fact is missing', () => {
  // 8-byte keys: 16-byte tuples + 4-byte line pointers, 366 a leaf page at fill factor 90 (2733
  // leaves), 284 an internal page at 70 (10 pages, then the root), and the metapage.
  assert.equal(estimateIndexBytes({ rows: 1_000_000, columnWidths: [8], using: null, partial: false }), (2733 + 10 + 1 + 1) * 8192);
  assert.equal(estimateIndexBytes({ rows: 1_000_000, columnWidths: [8, null], using: null, partial: false }), null);
  assert.equal(estimateIndexBytes({ rows: null, columnWidths: [8], using: null, partial: false }), null);
  assert.equal(estimateIndexBytes({ rows: 1_000_000, columnWidths: [8], using: 'gin', partial: false }), null);
  assert.equal(estimateIndexBytes({ rows: 1_000_000, columnWidths: [8], using: null, partial: true }), null);
});

test('formatEstimatedDuration rounds as an estimate', () => {
  assert.deepEqual([0.2, 12.4, 240, 4800, 7200].map(formatEstimatedDuration), ['< 1 s', '~12 s', '~4 min', '~1 h 20 min', '~2 h']);
});

test('hover, connected: lock, what it blocks, table, existing indexes, index size and build time', async () => {
  const file = await parse(CONCURRENT_MIGRATION);
  const offset = file.source.indexOf('add_index :messages, :account_id');
  const impact = impactAt(file, offset + 3, { database: FACTS });
  assert.ok(impact);
  assert.equal(
    impactMarkdown(impact, { ruleDocsLink: { ruleId: 'require-concurrent-index-creation', target: 'command:x' } }),
    [
      '**CREATE INDEX CONCURRENTLY** `index_messages_on_account_id` on `messages`',
      '',
      '- **Lock:** SHARE UPDATE EXCLUSIVE on the table for the whole build; waits for older transactions',
      '- **Blocks:** other DDL (ALTER TABLE, DROP INDEX, concurrent index builds), autovacuum (VACUUM and ANALYZE skip the table); reads and writes go on',
      '- **Table:** ~52.0M rows · 2.4 GB',
      '- **Existing indexes on these columns:** `index_messages_on_account_id_and_status` (account_id, status)',
      '- **Estimated index size:** ~1.1 GB',
      '- **Estimated build time:** ~4 min (no builds measured on this server yet: assumes 20 MB of table per second, plus its waits for older transactions)',
      '',
      '_Scans the table twice; before each scan it waits for the transactions that have written to the table, and after the second for every transaction with an older snapshot._',
      '',
      '_A failed or cancelled build leaves an INVALID index behind._',
      '',
      '[Rule: require-concurrent-index-creation](command:x)',
    ].join('\n'),
  );
  // Not on an operation: no hover.
  assert.equal(impactAt(file, file.source.indexOf('disable_ddl'), { database: FACTS }), null);
});

test('hover, not connected: the lock facts, and what connecting adds', async () => {
  const file = await parse('DROP INDEX index_messages_on_account_id_and_status;\n', 'sql');
  const [impact] = explainMigration(file, {});
  assert.equal(
    impactMarkdown(impact!),
    [
      '**DROP INDEX** `index_messages_on_account_id_and_status`',
      '',
      '- **Lock:** ACCESS EXCLUSIVE on the table for a moment once granted (a catalog change); ACCESS EXCLUSIVE on the index',
      '- **Blocks:** reads (SELECT), writes (INSERT, UPDATE, DELETE), other DDL (ALTER TABLE, DROP INDEX, concurrent index builds), autovacuum (VACUUM and ANALYZE skip the table)',
      "- _Connect to a database to see the table's rows and size and the estimated index size and build time._",
      '',
      '_While it waits for its lock, the later queries it conflicts with queue behind it: set a short lock_timeout._',
    ].join('\n'),
  );
  // Connected, the database names the index's table.
  assert.equal(explainMigration(file, { database: FACTS })[0]!.table, 'messages');
});

test('a partial index: its size is unknown, its build still scans the whole table', async () => {
  const file = await parse(CONCURRENT_MIGRATION);
  const partial = explainMigration(file, { database: FACTS })[1]!;
  assert.equal(partial.estimatedIndexBytes, null);
  assert.equal(partial.buildTime!.seconds, (2 * 2.4 * GB) / DEFAULT_BUILD_BYTES_PER_SECOND);
  assert.match(impactText(partial, 'db/migrate/x.rb'), /^ {2}index {4}unknown \(a partial/m);
});

test('summary line per table, and the JSON of explain', async () => {
  const file = await parse(CONCURRENT_MIGRATION);
  const impacts = explainMigration(file, { database: FACTS });
  assert.deepEqual(summarizeByTable(impacts).map(summaryLine), ['messages: SHARE UPDATE EXCLUSIVE ~8 min · 1.1 GB index · 2 statements outside a transaction']);
  assert.deepEqual(impactJson(impacts[0]!, 'db/migrate/x.rb'), {
    file: 'db/migrate/x.rb',
    line: 5,
    table: 'messages',
    index: 'index_messages_on_account_id',
    statement: 'CREATE INDEX CONCURRENTLY',
    lock: 'SHARE UPDATE EXCLUSIVE',
    indexLock: null,
    blocks: ['ddl', 'autovacuum'],
    duration: 'build',
    inTransaction: false,
    waitsForOlderTransactions: true,
    rows: 52_000_000,
    tableBytes: 2.4 * GB,
    estimatedIndexBytes: impacts[0]!.estimatedIndexBytes,
    estimatedSeconds: 245.8,
    estimateBasis: 'default',
    measuredBuilds: 0,
    notes: impacts[0]!.lock.notes,
  });
  // Disconnected, the JSON says null for what only the database knows.
  const offline = impactJson(explainMigration(file, {})[0]!, 'db/migrate/x.rb');
  assert.deepEqual([offline.rows, offline.tableBytes, offline.estimatedIndexBytes, offline.estimatedSeconds, offline.estimateBasis], [null, null, null, null, null]);
});

test('summary: a blocking build in the transaction, a table created here, REINDEX TABLE from the index sizes', async () => {
  const file = await parse(`class Change < ActiveRecord::Migration[7.1]
  def change
    create_table :widgets do |t|
      t.string :name
    end
    add_index :widgets, :name
    add_index :contacts, :email
    execute "REINDEX TABLE messages"
  end
end
`);
  const impacts = explainMigration(file, { database: FACTS });
  assert.deepEqual(summarizeByTable(impacts).map(summaryLine), [
    'widgets: blocks nothing (new table) · 1 statement in a transaction',
    'contacts: SHARE < 1 s · 176 kB index · 1 statement in a transaction',
    'messages: SHARE ~4 min · 2.3 GB index · 1 statement in a transaction',
  ]);
  assert.equal(impacts[2]!.buildTime!.seconds, (2 * 2.4 * GB) / DEFAULT_BUILD_BYTES_PER_SECOND, 'one table scan per index of the table');
});
