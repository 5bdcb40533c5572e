import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultContext, type LintSettings } from './lint-context';
import { SYNTAX_ERROR, SqlParserPending, deferredSqlParser, lintSource, loadParsers } from './lint';
import { lineStarts, positionAt } from './parsers/source-text';

const migration = (body: string, header = '') =>
  `class AddIndexes < ActiveRecord::Migration[7.1]\n${header}  def change\n${body}  end\nend\n`;

/** `ruleId severity line:column` for every finding, in order. */
async function findingsOf(source: string, settings: Partial<LintSettings> = {}): Promise<string[]> {
  const { findings } = lintSource('db/migrate/20240101000000_case.rb', source, 'ruby', defaultContext(settings), await loadParsers());
  const starts = lineStarts(source);
  return findings.map((f) => {
    const p = positionAt(starts, f.range.start);
    return `${f.ruleId} ${f.severity} ${p.line + 1}:${p.column + 1}`;
  });
}

const onlyCreation = { rules: { 'require-timeouts': 'off' } } as const;

test('disable-next-line silences the listed rules on the next code line only', async () => {
  const source = migration(
    '    # pg-index-guard:disable-next-line require-concurrent-index-creation, require-timeouts -- built at night\n' +
      '\n' +
      '    add_index :messages, :user_id\n' +
      '    add_index :messages, :account_id\n',
  );
  assert.deepEqual(await findingsOf(source, onlyCreation), ['require-concurrent-index-creation warning 6:5']);
});

test('disable-next-line for another rule does not silence this one', async () => {
  const source = migration('    # pg-index-guard:disable-next-line prefer-robust-stmts\n    add_index :messages, :user_id\n');
  assert.deepEqual(await findingsOf(source, onlyCreation), ['require-concurrent-index-creation warning 4:5']);
});

test('disable-next-line without rule ids silences every rule on that line', async () => {
  const source = migration('    # pg-index-guard:disable-next-line\n    add_index :messages, :user_id\n');
  assert.deepEqual(await findingsOf(source), []);
});

test('disable silences a rule for the whole file', async () => {
  const source = `# pg-index-guard:disable require-concurrent-index-creation\n${migration('    add_index :messages, :user_id\n    remove_index :messages, :state\n')}`;
  assert.deepEqual(await findingsOf(source, onlyCreation), ['require-concurrent-index-deletion warning 5:5']);
});

test('safety_assured silences rules that honor it, but not a migration that will fail', async () => {
  const source = migration('    safety_assured do\n      add_index :messages, :user_id\n      add_index :messages, :account_id, algorithm: :concurrently\n    end\n');
  assert.deepEqual(await findingsOf(source), ['ban-concurrent-index-creation-in-transaction error 5:7']);
});

test('per-rule settings: off, or a fixed severity whatever the table size', async () => {
  const source = migration('    add_index :messages, :user_id\n');
  assert.deepEqual(await findingsOf(source, { largeTables: ['messages'] }), [
    'require-concurrent-index-creation error 3:5',
    'require-timeouts warning 3:5',
  ]);
  assert.deepEqual(await findingsOf(source, { largeTables: ['messages'], rules: { 'require-concurrent-index-creation': 'hint' } }), [
    'require-concurrent-index-creation hint 3:5',
    'require-timeouts warning 3:5',
  ]);
  assert.deepEqual(await findingsOf(source, { rules: { 'require-concurrent-index-creation': 'off', 'require-timeouts': 'default' } }), [
    'require-timeouts info 3:5',
  ]);
});

test('broken Ruby: a syntax error, and the add_index before it is still reported', async () => {
  const source = migration('    add_index :messages, :user_id\n    add_index :x, (\n');
  const findings = await findingsOf(source, onlyCreation);
  assert.equal(findings[0], 'require-concurrent-index-creation warning 3:5');
  assert.ok(findings.some((f) => f.startsWith(`${SYNTAX_ERROR} error`)), findings.join('\n'));
});

test('garbage never throws', async () => {
  for (const source of ['', '\u0000\u0001', 'class', 'class X < ActiveRecord::Migration[7.1]\n  def change\n    add_index(', '}}}{{{']) {
    await findingsOf(source);
  }
});

test('lintSource takes how a SQL file runs from the caller, then the sqlRunner setting, then the file', async () => {
  const parsers = await loadParsers();
  const sql = 'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx ON messages (user_id);\n';
  const banned = (settings: Partial<LintSettings>, options?: Parameters<typeof lintSource>[5], source = sql) =>
    lintSource('db/migrations/20240101_add_index.sql', source, 'sql', defaultContext(settings), parsers, options)
      .findings.filter((f) => f.ruleId === 'ban-concurrent-index-creation-in-transaction').length;
  assert.equal(banned({}), 0, 'psql by default: statement by statement');
  assert.equal(banned({ sqlRunner: 'atlas' }), 1, 'the setting: Atlas runs each file in a transaction');
  assert.equal(banned({ sqlRunner: 'atlas' }, { runner: 'psql' }), 0, 'the caller beats the setting');
  assert.equal(banned({}, { runner: 'goose' }), 1);
  assert.equal(banned({ sqlRunner: 'flyway' }, { sidecarConfig: 'executeInTransaction=true' }), 1, "Flyway's .conf keeps it in a transaction");
  assert.equal(banned({ sqlRunner: 'atlas' }, undefined, `-- atlas:txmode none\n\n${sql}`), 0, "the file's own directive");
  const file = lintSource('x.sql', sql, 'sql', defaultContext({ sqlRunner: ' Goose ' }), parsers).file;
  assert.deepEqual([file?.sqlRunner?.name, file?.sqlRunner?.detectedBy], ['goose', 'setting']);
});

test('loadParsers for SQL alone still parses a Ruby file when one comes (Prism compiled on first use)', async () => {
  const parsers = await loadParsers(['sql']);
  const { findings } = lintSource('db/migrate/20240101000000_case.rb', migration('    add_index :messages, :user_id\n'), 'ruby', defaultContext(), parsers);
  assert.ok(findings.some((f) => f.ruleId === 'require-concurrent-index-creation'));
});

test('a deferred SQL parser: files the fast reader knows need no libpg-query; the others say so and lint the same once it is loaded', async () => {
  const eager = await loadParsers();
  const sql = deferredSqlParser();
  const parsers = { ruby: eager.ruby, sql };
  const known = "SET lock_timeout = '5s';\nCREATE INDEX index_messages_on_account_id ON messages (account_id);\n";
  const unknown = 'WITH ids AS (SELECT 1) SELECT * INTO archived_ids FROM ids;\nCREATE INDEX index_messages_on_lower_email ON messages ((lower(email)));\n';
  const broken = 'CREATE INDEX index_messages_on_x ON messages (x;\nDROP INDEX index_messages_on_y;\n';
  // SQL inside a Ruby `execute` goes through parseEmbeddedSql, which swallows what it throws.
  const ruby = migration('    execute "WITH ids AS (SELECT 1) SELECT * INTO archived_ids FROM ids; CREATE INDEX index_messages_on_a ON messages (a)"\n');
  const summary = (result: ReturnType<typeof lintSource>) => result.findings.map((f) => `${f.ruleId} ${f.range.start}-${f.range.end} ${f.message}`);
  const cases: Array<[string, string, 'sql' | 'ruby']> = [
    ['db/known.sql', known, 'sql'],
    ['db/unknown.sql', unknown, 'sql'],
    ['db/broken.sql', broken, 'sql'],
    ['db/migrate/20240101000000_case.rb', ruby, 'ruby'],
  ];
  const expected = cases.map(([path, source, language]) => summary(lintSource(path, source, language, defaultContext(), eager)));
  assert.ok(expected.every((findings) => findings.length > 0));

  assert.deepEqual(summary(lintSource(...cases[0]!, defaultContext(), parsers)), expected[0]);
  for (const [path, source, language] of cases.slice(1)) {
    assert.throws(() => lintSource(path, source, language, defaultContext(), parsers), SqlParserPending, path);
  }
  await sql.load();
  cases.forEach(([path, source, language], i) => assert.deepEqual(summary(lintSource(path, source, language, defaultContext(), parsers)), expected[i], path));
});
