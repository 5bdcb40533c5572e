import type { SchemaInfo } from '../lint-context';
import { ruleCases } from '../testing/rule-cases';

const migration = (body: string, header = '') =>
  `class AddIndexes < ActiveRecord::Migration[7.1]\n${header}  def change\n${body}  end\nend\n`;

// What db/schema.rb tells (parse-schema.test.ts covers reading it).
const schema: SchemaInfo = {
  tables: new Map([['conversations', new Map([['archived', 'boolean'], ['deleted_at', 'string']])]]),
  indexes: [],
};
const kindStats = new Map([['messages.kind', { nDistinct: 3 }]]);

ruleCases('prefer-partial-index', {
  valid: [
    { name: 'already partial', source: migration('    add_index :contacts, :deleted_at, where: "deleted_at IS NOT NULL"\n') },
    { name: 'a selective column', source: migration('    add_index :contacts, :email\n') },
    { name: 'a unique index: making it partial would change what it enforces', source: migration('    add_index :orders, :status, unique: true\n'), settings: { lowSelectivityColumns: ['status'] } },
    { name: 'a composite index with a selective column', source: migration('    add_index :contacts, [:account_id, :deleted_at]\n') },
    { name: 'a table created in the migration', source: migration('    create_table :posts\n    add_index :posts, :deleted_at\n') },
    { name: 'a column listed for another table', source: migration('    add_index :orders, :status\n'), settings: { lowSelectivityColumns: ['invoices.status'] } },
    {
      name: 'a soft-delete name whose db/schema.rb type is not a timestamp',
      source: migration('    add_index :conversations, :deleted_at\n'),
      context: { schema },
    },
    {
      name: 'few distinct values in the statistics, but a table known to be small',
      source: migration('    add_index :messages, :kind\n'),
      context: { database: { columnStats: kindStats, tableRowEstimates: new Map([['messages', 300]]) } },
    },
  ],
  invalid: [
    {
      name: 'soft-delete timestamp: suggests indexing only the deleted rows',
      source: migration('    add_index :contacts, :deleted_at\n'),
      findings: [{ at: '3:5-3:37', severity: 'hint', message: /deleted_at of "contacts" \(soft-delete timestamp/ }],
      fix: { safety: 'safe', title: /deleted_at IS NOT NULL/ },
      fixed: migration('    add_index :contacts, :deleted_at, where: "deleted_at IS NOT NULL"\n'),
    },
    {
      name: 'a column from settings on a large table: raised severity, no guessed predicate',
      source: migration('    add_index :orders, :status\n'),
      settings: { lowSelectivityColumns: ['status'], largeTables: ['orders'] },
      findings: [{ at: '3:5-3:31', severity: 'info', message: /listed in lowSelectivityColumns/ }],
    },
    {
      name: 'table-qualified setting',
      source: migration('    add_index :orders, [:status, :kind]\n'),
      settings: { lowSelectivityColumns: ['orders.status', 'kind'] },
      findings: [{ at: '3:5-3:40', message: /columns status, kind/ }],
    },
    {
      name: 't.index in change_table',
      source: migration('    change_table :posts do |t|\n      t.index :discarded_at\n    end\n'),
      findings: [{ at: '4:7-4:28' }],
      fixed: migration('    change_table :posts do |t|\n      t.index :discarded_at, where: "discarded_at IS NOT NULL"\n    end\n'),
    },
    {
      name: 'a boolean column known from db/schema.rb: a suggested predicate, raised on a large table',
      source: migration('    add_index :conversations, :archived\n'),
      settings: { largeTables: ['conversations'] },
      context: { schema },
      findings: [{ at: '3:5-3:40', severity: 'info', message: /\(boolean\)/ }],
      fix: { safety: 'safe', suggestion: true },
      fixed: migration('    add_index :conversations, :archived, where: "archived = true"\n'),
    },
    {
      name: 'few distinct values in the database statistics of a large table: no guessed predicate',
      source: migration('    add_index :messages, :kind\n'),
      context: { database: { columnStats: kindStats, tableRowEstimates: new Map([['messages', 50_000_000]]) } },
      findings: [{ at: '3:5-3:31', severity: 'info', message: /few distinct values in the database statistics/ }],
      noFix: true,
    },
  ],
});


