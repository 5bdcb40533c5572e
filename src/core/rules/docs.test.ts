import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultContext, type DatabaseIndex, type LintContext, type LintSettings } from '../lint-context';
import { lintSource, loadParsers } from '../lint';
import { RULES } from './index';
import { README_END, README_START, renderRuleDoc, replaceReadmeTable, ruleDocsDrift } from './rule-docs';

const root = join(__dirname, '..', '..', '..');
const read = (relativePath: string) => {
  const path = join(root, relativePath);
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
};
const pages = () => (existsSync(join(root, 'docs', 'rules')) ? readdirSync(join(root, 'docs', 'rules')) : []);

test('docs/rules and the README rule table match the rules (run scripts/generate-rule-docs.ts when this fails)', () => {
  assert.deepEqual(ruleDocsDrift(read, pages()), []);
});

test('the drift check notices an edited page and a page of a rule that does not exist', () => {
  const id = 'require-concurrent-index-creation';
  const edited = (path: string) => (path === `docs/rules/${id}.md` ? 'hand-edited\n' : read(path));
  assert.deepEqual(ruleDocsDrift(edited, [...pages(), 'retired-rule.md']), [`docs/rules/${id}.md`, 'docs/rules/retired-rule.md']);
});

test('every rule documents why, a bad and a good example, and its fix', () => {
  for (const rule of RULES.values()) {
    const { docs } = rule.meta;
    assert.ok(docs.why.length > 80 && docs.fix.length > 20, rule.meta.id);
    assert.ok((docs.bad.ruby || docs.bad.sql) && (docs.good.ruby || docs.good.sql), rule.meta.id);
    assert.match(renderRuleDoc(rule), new RegExp(`^# ${rule.meta.id}$`, 'm'));
  }
});

test('only the text between the README markers is replaced', () => {
  const readme = `# PG Index Guard\n\nintro\n\n${README_START}\nold\n${README_END}\n\nmore\n`;
  assert.equal(replaceReadmeTable(readme, 'new'), `# PG Index Guard\n\nintro\n\n${README_START}\nnew\n${README_END}\n\nmore\n`);
  assert.equal(replaceReadmeTable('# PG Index Guard\n', 'new'), `# PG Index Guard\n\n## Rules\n\n${README_START}\nnew\n${README_END}\n`);
});

// The examples are what users copy: the bad one must trigger its rule, the good one must not.
const EXAMPLE_SETTINGS: Record<string, Partial<LintSettings>> = {
  'prefer-partial-index': { lowSelectivityColumns: ['archived'] },
};

const databaseIndex = (name: string, columns: string[], valid: boolean): DatabaseIndex => ({
  schema: 'public',
  table: 'messages',
  name,
  valid,
  method: 'btree', decoratedKey: false, partitioned: false,
  columns,
  unique: false,
  predicate: null,
});

// The database states the `assumes` of these rules' docs describe.
const EXAMPLE_CONTEXT: Record<string, Omit<Partial<LintContext>, 'settings'>> = {
  'invalid-index-exists': { database: { indexes: [databaseIndex('index_messages_on_conversation_id', ['conversation_id'], false)] } },
  'redundant-index': {
    database: { indexes: [databaseIndex('index_messages_on_conversation_id_and_created_at', ['conversation_id', 'created_at'], true)] },
  },
};

// Shows two migration files in one snippet: not one file to lint.
const MULTI_FILE_EXAMPLES = new Set(['one-large-table-per-migration:good:sql']);

test('each rule\'s bad examples trigger it and its good ones do not', async () => {
  const parsers = await loadParsers(['ruby', 'sql', 'python', 'typescript', 'javascript']);
  const paths = {
    ruby: 'db/migrate/20240101000000_example.rb',
    sql: 'migrations/001_example.sql',
    python: 'chat/migrations/0002_example.py',
    typescript: 'migrations/1700000000000_example.ts',
    javascript: 'migrations/1700000000000_example.js',
  };
  for (const rule of RULES.values()) {
    const { id, docs } = rule.meta;
    for (const which of ['bad', 'good'] as const) {
      for (const language of ['ruby', 'sql', 'python', 'typescript', 'javascript'] as const) {
        const example = docs[which][language];
        if (!example || MULTI_FILE_EXAMPLES.has(`${id}:${which}:${language}`)) continue;
        const context: LintContext = { ...defaultContext(EXAMPLE_SETTINGS[id]), ...EXAMPLE_CONTEXT[id] };
        const path = paths[language];
        const hits = lintSource(path, example, language, context, parsers).findings.filter((f) => f.ruleId === id).length;
        if (which === 'bad') assert.ok(hits > 0, `${id}: the bad ${language} example should be reported`);
        else assert.equal(hits, 0, `${id}: the good ${language} example should not be reported`);
      }
    }
  }
});
