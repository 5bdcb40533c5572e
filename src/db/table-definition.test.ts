import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tableDefinitionLine } from './table-definition';

test('finds where schema.rb or structure.sql defines a table', () => {
  const schemaRb = 'ActiveRecord::Schema[7.1].define(version: 1) do\n  create_table "messages_archive", force: :cascade do |t|\n  end\n\n  create_table "messages", force: :cascade do |t|\n  end\nend\n';
  const structureSql = 'SET x = 1;\n\nCREATE TABLE public.messages_archive (\n    id bigint\n);\n\nCREATE TABLE public.messages (\n    id bigint\n);\nCREATE UNLOGGED TABLE "app"."Events" (id int);\n';
  const cases: Array<[string, string, 'schema.rb' | 'structure.sql', string, string, number | null]> = [
    ['schema.rb, not the longer name first', schemaRb, 'schema.rb', 'public', 'messages', 5],
    ['schema.rb, the longer name', schemaRb, 'schema.rb', 'public', 'messages_archive', 2],
    ['schema.rb, symbol', 'create_table :contacts do |t|\nend\n', 'schema.rb', 'public', 'contacts', 1],
    ['schema.rb, absent', schemaRb, 'schema.rb', 'public', 'contacts', null],
    ['structure.sql, schema-qualified', structureSql, 'structure.sql', 'public', 'messages', 7],
    ['structure.sql, quoted, unlogged', structureSql, 'structure.sql', 'app', 'Events', 10],
    ['structure.sql, absent', structureSql, 'structure.sql', 'public', 'contacts', null],
  ];
  for (const [what, source, kind, schema, table, line] of cases) assert.equal(tableDefinitionLine(source, kind, schema, table), line, what);
});
