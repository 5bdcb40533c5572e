import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPrismParser } from './prism';
import { parseRailsSchema } from './parse-schema';

test('reads tables, column types and indexes from db/schema.rb', async () => {
  const source = `ActiveRecord::Schema[7.1].define(version: 2024_03_01_120000) do
  enable_extension "plpgsql"

  create_table "messages", force: :cascade do |t|
    t.bigint "conversation_id", null: false
    t.boolean "private", default: false
    t.datetime "deleted_at"
    t.column "kind", :integer
    t.timestamps
    t.index ["conversation_id"], name: "index_messages_on_conversation_id"
    t.index ["deleted_at"], name: "index_messages_active", where: "(deleted_at IS NULL)"
  end

  create_table "tags", id: :uuid, force: :cascade do |t|
    t.string "name", "slug"
  end

  create_table "joins", id: false do |t|
  end

  add_index "tags", ["name"], unique: true, name: "index_tags_on_name"
end
`;
  const schema = parseRailsSchema(source, await loadPrismParser());
  assert.deepEqual(Object.fromEntries([...schema.tables].map(([table, columns]) => [table, Object.fromEntries(columns)])), {
    messages: {
      id: 'bigint',
      conversation_id: 'bigint',
      private: 'boolean',
      deleted_at: 'datetime',
      kind: 'integer',
      created_at: 'datetime',
      updated_at: 'datetime',
    },
    tags: { id: 'uuid', name: 'string', slug: 'string' },
    joins: {},
  });
  assert.deepEqual(schema.indexes, [
    { table: 'messages', columns: ['conversation_id'], name: 'index_messages_on_conversation_id', unique: false, where: null },
    { table: 'messages', columns: ['deleted_at'], name: 'index_messages_active', unique: false, where: '(deleted_at IS NULL)' },
    { table: 'tags', columns: ['name'], name: 'index_tags_on_name', unique: true, where: null },
  ]);
});

test('broken schema.rb: keeps what it could read', async () => {
  const schema = parseRailsSchema('ActiveRecord::Schema.define do\n  create_table "a" do |t|\n    t.boolean "flag"\n  end\n  create_table "b" do |t|\n    t.string (\n', await loadPrismParser());
  assert.equal(schema.tables.get('a')?.get('flag'), 'boolean');
});
