// Declared indexes (db/schema.rb through Prism, db/structure.sql by scanning), the missing-index
// comparison, and the SQL text the repair commands run. Pure.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPrismParser } from '../../src/core/parsers/rails/prism';
import { railsDefaultIndexName, readSchemaRbIndexes, readStructureSqlIndexes } from '../../src/core/parsers/declared-indexes';
import type { ExistingIndexRow } from '../../src/db/queries';
import { dropInvalidIndexSql, identifierProblem, InvalidIdentifierError, qualifiedName, quoteIdentifier, quoteLiteral, reindexConcurrentlySql } from '../../src/db/sql-text';
import { findMissingIndexes } from '../../src/db/status';
import { declared } from './support/declared';
import { formatBytes, formatCount, formatDuration, formatServerVersion } from '../../src/db/status-format';

const FIXTURES = join(__dirname, '..', 'fixtures', 'db');

test('db/schema.rb: t.index inside create_table and add_index, with options and default names', async () => {
  const parse = await loadPrismParser();
  const declared = readSchemaRbIndexes(readFileSync(join(FIXTURES, 'rails-app', 'db', 'schema.rb'), 'utf8'), parse);
  assert.deepEqual(
    declared.map((d) => [d.schema, d.table, d.name, d.nameIsDefault, d.columns, d.unique, d.where, d.line]),
    [
      [null, 'contacts', 'index_contacts_on_email', false, ['email'], true, null, 11],
      [null, 'conversations', 'index_conversations_on_account_id_and_status', false, ['account_id', 'status'], false, null, 18],
      [null, 'messages', 'index_messages_on_conversation_id', false, ['conversation_id'], false, null, 26],
      [null, 'messages', 'index_messages_on_status_pending', false, ['status'], false, '(status = 0)', 27],
      [null, 'notifications', 'index_notifications_on_user_id', false, ['user_id'], false, null, 33],
      [null, 'messages', 'index_messages_on_created_at', true, ['created_at'], false, null, 36],
    ],
  );
  assert.ok(declared.every((d) => d.file === 'db/schema.rb'));

  const other = readSchemaRbIndexes(
    [
      'ActiveRecord::Schema[8.0].define(version: 1) do',
      '  create_table "billing.invoices" do |t|',
      '    t.index "lower((number)::text)", name: "index_invoices_on_lower_number", using: :btree',
      '  end',
      '  create_table "plain" do |x|',
      '    x.index [:a, :b], unique: true',
      '  end',
      '  index_not_in_a_table = foo.index(:x)',
      'end',
    ].join('\n'),
    parse,
  );
  assert.deepEqual(
    other.map((d) => [d.schema, d.table, d.name, d.columns, d.unique, d.using]),
    [
      ['billing', 'invoices', 'index_invoices_on_lower_number', ['lower((number)::text)'], false, 'btree'],
      [null, 'plain', 'index_plain_on_a_and_b', ['a', 'b'], true, null],
    ],
  );
  assert.equal(railsDefaultIndexName('messages', ['a', 'b']), 'index_messages_on_a_and_b');
});

test('db/structure.sql: CREATE INDEX statements, not the ones in comments or function bodies', () => {
  const declared = readStructureSqlIndexes(readFileSync(join(FIXTURES, 'structure-sql', 'structure.sql'), 'utf8'));
  assert.deepEqual(
    declared.map((d) => [d.schema, d.table, d.name, d.columns, d.unique, d.where, d.using, d.line]),
    [
      ['public', 'messages', 'index_messages_on_conversation_id', ['conversation_id'], false, null, 'btree', 31],
      ['public', 'messages', 'index_messages_on_status_pending', ['status'], false, 'status = ANY (ARRAY[0, 1])', 'btree', 38],
      ['public', 'contacts', 'Index_Contacts_Email', ['lower((email)::text)', 'account_id'], true, null, 'btree', 41],
      ['public', 'notifications', 'index_notifications_on_user_id_and_created_at', ['user_id', 'created_at'], false, null, 'btree', 43],
      [null, 'messages', 'idx_gin', ["to_tsvector('english'::regconfig, body)"], false, null, 'gin', 45],
    ],
  );
});

test('missing indexes: by name (schema-less declarations match any schema), with equivalents and missing tables', () => {
  const existing = (index: string, table: string, columns: string[], extra: Partial<ExistingIndexRow> = {}): ExistingIndexRow => ({
    schema: 'public',
    table,
    index,
    decoratedKey: false,
    partitioned: false,
    columns,
    unique: false,
    primary: false,
    valid: true,
    method: 'btree',
    predicate: null,
    sizeBytes: 8192,
    ...extra,
  });

  const missing = findMissingIndexes(
    [
      declared('present', 'messages', ['a']),
      declared('invalid_counts_as_present', 'messages', ['b']),
      declared('renamed', 'messages', ['c', 'd']),
      declared('renamed_but_unique', 'messages', ['e'], { unique: true }),
      declared('gone', 'messages', ['f']),
      declared('wrong_schema', 'messages', ['g'], { schema: 'other' }),
      declared('no_table', 'audits', ['h']),
    ],
    [
      existing('present', 'messages', ['a']),
      existing('invalid_counts_as_present', 'messages', ['b'], { valid: false }),
      existing('messages_c_d_idx', 'messages', ['c', 'd']),
      existing('messages_e_idx', 'messages', ['e']),
      existing('wrong_schema', 'messages', ['g']),
    ],
    [{ schema: 'public', table: 'messages' }],
  );
  assert.deepEqual(
    missing.map((m) => [m.name, m.equivalentIndex, m.tableMissing]),
    [
      ['renamed', 'messages_c_d_idx', false],
      ['renamed_but_unique', null, false],
      ['gone', null, false],
      ['wrong_schema', null, true],
      ['no_table', null, true],
    ],
  );
});

test('quoted identifiers and the repair SQL', () => {
  assert.equal(quoteIdentifier('index_messages_on_body'), '"index_messages_on_body"');
  assert.equal(quoteIdentifier('My "odd" Index'), '"My ""odd"" Index"');
  assert.equal(quoteIdentifier('x; DROP TABLE users; --'), '"x; DROP TABLE users; --"');
  assert.equal(qualifiedName('public', 'i'), '"public"."i"');
  assert.equal(qualifiedName(null, 'i'), '"i"');
  assert.equal(quoteLiteral("it's"), "'it''s'");
  for (const bad of ['', 'a\0b', 'x'.repeat(64), 'é'.repeat(32)]) {
    assert.throws(() => quoteIdentifier(bad), InvalidIdentifierError, JSON.stringify(bad));
  }
  assert.equal(identifierProblem('x'.repeat(63)), null);
  assert.equal(identifierProblem(42), 'not a string');
  assert.equal(dropInvalidIndexSql('public', 'index_messages_on_body'), 'DROP INDEX CONCURRENTLY IF EXISTS "public"."index_messages_on_body";');
  assert.equal(reindexConcurrentlySql('app', 'Idx"1'), 'REINDEX INDEX CONCURRENTLY "app"."Idx""1";');
  assert.throws(() => dropInvalidIndexSql('public', ''), InvalidIdentifierError);
});

test('number formatting', () => {
  assert.equal(formatServerVersion(180004), '18.4');
  assert.equal(formatServerVersion(90624), '9.6.24');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 kB');
  assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GB');
  assert.equal(formatCount(2_000_000), '2.0M');
  assert.equal(formatCount(45_300), '45k');
  assert.equal(formatCount(999), '999');
  assert.equal(formatDuration(5.4), '5s');
  assert.equal(formatDuration(125), '2m05s');
  assert.equal(formatDuration(7260), '2h01m');
});
