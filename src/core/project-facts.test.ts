import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultLintSettings } from './settings-keys';
import { loadPrismParser } from './parsers/rails/prism';
import { projectFactsFromTexts, withProjectFacts, type ProjectTexts } from './project-facts';

const none: ProjectTexts = { settings: null, schema: null, structure: null, initializer: null };
const SCHEMA_RB = 'ActiveRecord::Schema[7.1].define(version: 1) do\n  create_table "messages" do |t|\n    t.bigint "source_id"\n    t.index ["source_id"], name: "index_messages_on_source_id"\n  end\nend\n';
const STRUCTURE = 'CREATE INDEX index_contacts_on_email ON public.contacts USING btree (email);\n';

test('what each project file tells the linter', async () => {
  const cases: Array<{ name: string; texts: Partial<ProjectTexts>; expected: { indexes?: string[]; timeouts: boolean; safe: boolean; settings?: boolean; error?: RegExp } }> = [
    { name: 'no files', texts: {}, expected: { timeouts: false, safe: false } },
    { name: 'schema.rb', texts: { schema: SCHEMA_RB }, expected: { indexes: ['index_messages_on_source_id'], timeouts: false, safe: false } },
    { name: 'structure.sql alone', texts: { structure: STRUCTURE }, expected: { indexes: ['index_contacts_on_email'], timeouts: false, safe: false } },
    { name: 'schema.rb wins over structure.sql', texts: { schema: SCHEMA_RB, structure: STRUCTURE }, expected: { indexes: ['index_messages_on_source_id'], timeouts: false, safe: false } },
    { name: 'initializer with timeouts and safe_by_default', texts: { initializer: 'StrongMigrations.lock_timeout = 10.seconds\nStrongMigrations.safe_by_default = true\n' }, expected: { timeouts: true, safe: true } },
    { name: 'a valid settings file', texts: { settings: '{ "largeTables": ["messages"] }' }, expected: { timeouts: false, safe: false, settings: true } },
    { name: 'a broken settings file', texts: { settings: '{ "rules": ' }, expected: { timeouts: false, safe: false, error: /not valid JSON/ } },
  ];
  for (const { name, texts, expected } of cases) {
    const facts = await projectFactsFromTexts({ ...none, ...texts }, loadPrismParser);
    assert.deepEqual(facts.schema?.indexes.map((i) => i.name), expected.indexes, name);
    assert.equal(facts.timeoutsConfigured, expected.timeouts, name);
    assert.equal(facts.safeByDefault, expected.safe, name);
    assert.equal(facts.settings !== undefined, expected.settings ?? false, name);
    if (expected.error) assert.match(facts.settingsError?.message ?? '', expected.error, name);
    else assert.equal(facts.settingsError, undefined, name);
  }
});

test('withProjectFacts adds what the initializer says and leaves the settings it was given alone', () => {
  const settings = defaultLintSettings();
  const merged = withProjectFacts(settings, { timeoutsConfigured: true, safeByDefault: true });
  assert.equal(merged.timeoutsConfiguredElsewhere, true);
  assert.equal(merged.strongMigrationsSafeByDefault, true);
  assert.equal(settings.timeoutsConfiguredElsewhere, false);
  assert.equal(settings.strongMigrationsSafeByDefault, undefined);
});
