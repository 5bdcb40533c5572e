// coreIndexOperationParser keeps each file's operations for its text (a status refresh parses
// every migration of the app): the same text gives the same operations, an edited one is parsed
// again, and what a caller does with the list it got never reaches the kept one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadParsers } from '../core/lint';
import { coreIndexOperationParser } from './status';

const migration = (table: string) =>
  `class AddIndex < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :${table}, :created_at, algorithm: :concurrently\n  end\nend\n`;

test('operations are kept for a file\'s text: an edit is parsed again, a caller\'s change is not kept', async () => {
  const parsers = await loadParsers();
  const file = '/app/db/migrate/20240101000000_add_index.rb';
  const first = coreIndexOperationParser(parsers)(file, migration('messages'));
  assert.deepEqual(first.map((op) => [op.kind, op.table, op.columns, op.line]), [['createIndex', 'messages', ['created_at'], 5]]);
  first.pop();
  // another refresh, another parser function over the same parsers
  assert.deepEqual(coreIndexOperationParser(parsers)(file, migration('messages')).map((op) => op.table), ['messages']);
  assert.deepEqual(coreIndexOperationParser(parsers)(file, migration('contacts')).map((op) => op.table), ['contacts']);
  assert.deepEqual(coreIndexOperationParser(parsers)(file, migration('messages')).map((op) => op.table), ['messages']);
  // another file with the same text is its own entry
  assert.deepEqual(coreIndexOperationParser(parsers)('/app/db/migrate/20240102000000_add_index.rb', migration('messages')).map((op) => op.line), [5]);
});
