import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultContext, type LintContext } from '../lint-context';
import { lintSource, loadParsers } from '../lint';
import { applyEdits } from '../fixes/fix';
import { parseRailsSchema } from '../parsers/rails/parse-schema';
import { ruleCases } from '../testing/rule-cases';

const migration = (body: string, header = '') =>
  `class AddIndexes < ActiveRecord::Migration[7.1]\n${header}  def change\n${body}  end\nend\n`;

ruleCases('prefer-partial-index', {
  valid: [
    { name: 'already partial', source: migration('    add_index :contacts, :deleted_at, where: "deleted_at IS NOT NULL"\n') },
    { name: 'a selective column', source: migration('    add_index :contacts, :email\n') },
    { name: 'a unique index: making it partial would change what it enforces', source: migration('    add_index :orders, :status, unique: true\n'), settings: { lowSelectivityColumns: ['status'] } },
    { name: 'a composite index with a selective column', source: migration('    add_index :contacts, [:account_id, :deleted_at]\n') },
    { name: 'a table created in the migration', source: migration('    create_table :posts\n    add_index :posts, :deleted_at\n') },
    { name: 'a column listed for another table', source: migration('    add_index :orders, :status\n'), settings: { lowSelectivityColumns: ['invoices.status'] } },
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
  ],
});

const schemaSource = `ActiveRecord::Schema[7.1].define(version: 2024_01_01_000000) do
  create_table "conversations", force: :cascade do |t|
    t.boolean "archived", default: false, null: false
    t.string "deleted_at"
  end
end
`;

async function partialIndexFindings(source: string, context: LintContext) {
  const { findings } = lintSource('db/migrate/20240101000000_case.rb', source, 'ruby', context, await loadParsers());
  return findings.filter((f) => f.ruleId === 'prefer-partial-index');
}

test('prefer-partial-index: a boolean column known from db/schema.rb', async () => {
  const parsers = await loadParsers();
  const context: LintContext = { ...defaultContext({ largeTables: ['conversations'] }), schema: parseRailsSchema(schemaSource, parsers.ruby) };
  const source = migration('    add_index :conversations, :archived\n');
  const [finding, ...rest] = await partialIndexFindings(source, context);
  assert.ok(finding);
  assert.equal(rest.length, 0);
  assert.equal(finding.severity, 'info');
  assert.match(finding.message, /\(boolean\)/);
  const fix = finding.fixes[0]!;
  assert.equal(fix.suggestion, true);
  assert.equal(applyEdits(source, fix.edits), migration('    add_index :conversations, :archived, where: "archived = true"\n'));
});

test('prefer-partial-index: a soft-delete name whose schema type is not a timestamp is left alone', async () => {
  const parsers = await loadParsers();
  const context: LintContext = { ...defaultContext(), schema: parseRailsSchema(schemaSource, parsers.ruby) };
  assert.deepEqual(await partialIndexFindings(migration('    add_index :conversations, :deleted_at\n'), context), []);
});

test('prefer-partial-index: database statistics, and silence on a table known to be small', async () => {
  const source = migration('    add_index :messages, :kind\n');
  const stats = new Map([['messages.kind', { nDistinct: 3 }]]);
  const large: LintContext = {
    ...defaultContext(),
    database: { columnStats: stats, tableRowEstimates: new Map([['messages', 50_000_000]]) },
  };
  const [finding] = await partialIndexFindings(source, large);
  assert.match(finding?.message ?? '', /few distinct values in the database statistics/);
  assert.equal(finding?.severity, 'info');
  assert.deepEqual(finding?.fixes, []);
  const small: LintContext = { ...defaultContext(), database: { columnStats: stats, tableRowEstimates: new Map([['messages', 300]]) } };
  assert.deepEqual(await partialIndexFindings(source, small), []);
});
