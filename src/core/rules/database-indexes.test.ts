import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DatabaseIndex } from '../lint-context';
import { databaseIndexNamed, indexesOnTable, isOnTable } from './database-indexes';

const index = (schema: string, table: string, name: string): DatabaseIndex => ({
  schema, table, name, valid: true, method: 'btree', decoratedKey: false, partitioned: false, columns: ['id'], unique: false, predicate: null,
});
const INDEXES = [
  index('public', 'messages', 'index_messages_on_id'),
  index('archive', 'messages', 'index_archive_messages_on_id'),
  index('public', 'Contacts', 'index_contacts_on_id'),
  index('public', 'contacts', 'index_messages_on_id'),
];

test('indexesOnTable finds what a scan with isOnTable finds, for every way a migration names a table', () => {
  for (const table of ['messages', 'public.messages', '"public"."messages"', 'archive.messages', 'MESSAGES', 'contacts', '"Contacts"', 'missing', 'other.messages']) {
    assert.deepEqual(indexesOnTable(INDEXES, table), INDEXES.filter((i) => isOnTable(i, table)), table);
  }
  assert.deepEqual(indexesOnTable(INDEXES, 'archive.messages').map((i) => i.name), ['index_archive_messages_on_id']);
});

test('databaseIndexNamed: the first index of that name, on the table when one is given', () => {
  assert.equal(databaseIndexNamed(INDEXES, 'index_messages_on_id', null), INDEXES[0]);
  assert.equal(databaseIndexNamed(INDEXES, 'index_messages_on_id', 'contacts'), INDEXES[3]);
  assert.equal(databaseIndexNamed(INDEXES, 'index_messages_on_id', 'archive.messages'), undefined);
  assert.equal(databaseIndexNamed(INDEXES, 'nope', null), undefined);
});
