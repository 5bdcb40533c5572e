import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultContext } from './lint-context';
import { disableEdits, fixAll } from './fix-all';
import { applyEdits } from './fixes/fix';
import { lintSource, loadParsers } from './lint';

const path = 'db/migrate/20240101000000_add_indexes.rb';
const migration = (body: string, header = '') =>
  `class AddIndexes < ActiveRecord::Migration[7.1]\n${header}  def change\n${body}  end\nend\n`;
const noTransaction = '  disable_ddl_transaction!\n';
// Timeouts are configured project-wide here so that only the fixes under test are in play.
const context = defaultContext({ timeoutsConfiguredElsewhere: true });

test('fixAll applies safe fixes, re-lints and repeats until stable', async () => {
  // Both fixes insert at the end of the same call: they clash in round one, so the second waits a round.
  const source = migration('    add_index :messages, :user_id\n    remove_index :contacts, :state\n', noTransaction);
  const result = fixAll(path, source, 'ruby', context, await loadParsers());
  assert.equal(
    result.text,
    migration(
      '    add_index :messages, :user_id, if_not_exists: true, algorithm: :concurrently\n    remove_index :contacts, :state, if_exists: true, algorithm: :concurrently\n',
      noTransaction,
    ),
  );
  // Five: the remove_index's rollback finding (its rebuild in `change`) is fixed by the same edit as its drop.
  assert.equal(result.applied, 5);
  // Stable: a second run finds nothing left to do.
  assert.deepEqual(fixAll(path, result.text, 'ruby', context, await loadParsers()), { text: result.text, applied: 0, failed: [] });
});

test('fixAll leaves unsafe fixes alone (taking the migration out of its transaction)', async () => {
  const source = migration('    add_index :messages, :user_id\n');
  assert.deepEqual(fixAll(path, source, 'ruby', defaultContext(), await loadParsers()), { text: source, applied: 0, failed: [] });
});

test('fixAll with unsafe: the production-safe rewrite first, then the other unsafe fixes; never a split', async () => {
  const source = migration('    add_index :messages, :user_id\n    add_unique_constraint :contacts, :email\n').replace('def change', 'def up');
  const result = fixAll(path, source, 'ruby', defaultContext(), await loadParsers(), undefined, { unsafe: true });
  assert.deepEqual(result.failed, []);
  assert.equal(
    result.text,
    migration(
      [
        `    execute "SET statement_timeout = '30min'"`,
        `    execute "SET lock_timeout = '10s'"`,
        '    add_index :messages, :user_id, algorithm: :concurrently, if_not_exists: true',
        // disallowed-unique-constraint's unsafe fix, inside the run the timeouts cover.
        '    add_index :contacts, :email, unique: true, name: "contacts_email_key", algorithm: :concurrently, if_not_exists: true',
        '    add_unique_constraint :contacts, :email, using_index: "contacts_email_key"',
        '    execute "RESET statement_timeout"',
        '    execute "RESET lock_timeout"',
        '',
      ].join('\n'),
      noTransaction + '\n',
    ).replace('def change', 'def up'),
  );
  // The default stays safe-only: nothing here is safe to do inside the transaction.
  assert.deepEqual(fixAll(path, source, 'ruby', defaultContext(), await loadParsers()), { text: source, applied: 0, failed: [] });
});

test('fixAll never applies suggestions or splits', async () => {
  const source = migration(
    '    add_index :contacts, :deleted_at, algorithm: :concurrently, if_not_exists: true\n    add_index :messages, :deleted_at, algorithm: :concurrently, if_not_exists: true\n',
    noTransaction,
  );
  const { findings } = lintSource(path, source, 'ruby', context, await loadParsers());
  assert.deepEqual(findings.map((f) => f.ruleId).sort(), ['one-large-table-per-migration', 'prefer-partial-index', 'prefer-partial-index']);
  assert.deepEqual(fixAll(path, source, 'ruby', context, await loadParsers()), { text: source, applied: 0, failed: [] });
});

test('fixAll on unparsable text returns it unchanged', async () => {
  const source = 'class AddIndexes < ActiveRecord::Migration[7.1]\n  def change\n    add_index(\n';
  assert.equal(fixAll(path, source, 'ruby', context, await loadParsers()).text, source);
});

async function firstFinding(source: string, ruleId: string) {
  const { file, findings } = lintSource(path, source, 'ruby', context, await loadParsers());
  const finding = findings.find((f) => f.ruleId === ruleId);
  assert.ok(file && finding);
  return { file, finding };
}

async function ruleIdsAfter(source: string) {
  return lintSource(path, source, 'ruby', context, await loadParsers()).findings.map((f) => f.ruleId);
}

test('disableEdits: a disable-next-line comment above the finding, with its indentation', async () => {
  const source = migration('    change_table :messages do |t|\n      t.index :user_id\n    end\n');
  const { file, finding } = await firstFinding(source, 'require-concurrent-index-creation');
  const fixed = applyEdits(source, disableEdits(file, finding, 'line'));
  assert.equal(
    fixed,
    migration('    change_table :messages do |t|\n      # pg-index-guard:disable-next-line require-concurrent-index-creation\n      t.index :user_id\n    end\n'),
  );
  assert.deepEqual(await ruleIdsAfter(fixed), []);
});

test('disableEdits: adds the rule to a disable-next-line comment already there, before its reason', async () => {
  const source = migration(
    '    # pg-index-guard:disable-next-line prefer-partial-index -- tiny table\n    add_index :contacts, :deleted_at\n',
  );
  const { file, finding } = await firstFinding(source, 'require-concurrent-index-creation');
  const fixed = applyEdits(source, disableEdits(file, finding, 'line'));
  assert.equal(
    fixed,
    migration(
      '    # pg-index-guard:disable-next-line prefer-partial-index, require-concurrent-index-creation -- tiny table\n    add_index :contacts, :deleted_at\n',
    ),
  );
  assert.deepEqual(await ruleIdsAfter(fixed), []);
});

test('disableEdits: file scope goes below Ruby magic comments, or into the directive already there', async () => {
  const source = `# frozen_string_literal: true\n\n${migration('    add_index :messages, :user_id\n    remove_index :messages, :state\n')}`;
  const { file, finding } = await firstFinding(source, 'require-concurrent-index-creation');
  const once = applyEdits(source, disableEdits(file, finding, 'file'));
  assert.equal(once, `# frozen_string_literal: true\n# pg-index-guard:disable require-concurrent-index-creation\n\n${migration('    add_index :messages, :user_id\n    remove_index :messages, :state\n')}`);
  assert.deepEqual(await ruleIdsAfter(once), ['require-concurrent-index-deletion']);

  const second = await firstFinding(once, 'require-concurrent-index-deletion');
  const twice = applyEdits(once, disableEdits(second.file, second.finding, 'file'));
  assert.match(twice, /^# frozen_string_literal: true\n# pg-index-guard:disable require-concurrent-index-creation, require-concurrent-index-deletion\n\n/);
  assert.deepEqual(await ruleIdsAfter(twice), []);
});

test('fixAll passes how a SQL file runs on to each round', async () => {
  const parsers = await loadParsers();
  const source = 'DROP INDEX CONCURRENTLY old;\n';
  // Run statement by statement, a concurrent drop is not atomic: IF EXISTS makes the retry pass.
  assert.equal(fixAll('m.sql', source, 'sql', defaultContext(), parsers).text, 'DROP INDEX CONCURRENTLY IF EXISTS old;\n');
  // In goose's transaction it is another problem (unsafe to fix), and a failure rolls back.
  assert.equal(fixAll('m.sql', source, 'sql', defaultContext(), parsers, { runner: 'goose' }).text, source);
});
