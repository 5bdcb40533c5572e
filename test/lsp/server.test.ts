// `pg-index-guard lsp --stdio` driven over stdio by a real LSP client: what an editor sees.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { CodeAction, MarkupContent } from 'vscode-languageserver';
import { ROOT, run } from '../cli/helpers';
import { buildServer, codes, copyInto, LspTestClient, tempDir } from './client';

const RAILS_FIXTURE = join(ROOT, 'test/fixtures/rails-app/db/migrate/20240301120000_add_index_to_messages_on_conversation_id.rb');
const SQL_FIXTURE = join(ROOT, 'test/fixtures/sql/001_add_index_messages_conversation_id.sql');
const RULES_DOCS = 'https://github.com/pg-index-guard/pg-index-guard/blob/main/docs/rules/';

describe('the language server over stdio', () => {
  let folder: { path: string; remove: () => void };
  let cli: string;
  let app: string;
  let railsPath: string;
  let sqlPath: string;
  const clients: LspTestClient[] = [];

  before(async () => {
    folder = tempDir('pg-index-guard-lsp-');
    cli = await buildServer(join(folder.path, 'bundle'));
    app = join(folder.path, 'app');
    railsPath = copyInto(app, RAILS_FIXTURE, 'db/migrate/20240301120000_add_index_to_messages_on_conversation_id.rb');
    sqlPath = copyInto(app, SQL_FIXTURE, 'migrations/001_add_index_messages_conversation_id.sql');
    writeFileSync(join(app, 'Gemfile'), "source 'https://rubygems.org'\n");
  });
  after(() => {
    for (const client of clients) client.kill();
    folder.remove();
  });

  async function start(options: Omit<Parameters<typeof LspTestClient.start>[0], 'cli'> = {}) {
    const started = await LspTestClient.start({ cli, rootUri: pathToFileURL(app).href, ...options });
    clients.push(started.client);
    return started;
  }

  test('lints a Rails and a SQL migration, fixes one and sees its diagnostic go, and exits cleanly', async () => {
    const { client, initialized } = await start();
    assert.equal(initialized.serverInfo?.name, 'pg-index-guard');
    assert.deepEqual((initialized.capabilities.codeActionProvider as { codeActionKinds: string[] }).codeActionKinds, ['quickfix', 'source.fixAll.pgIndexGuard']);

    const railsUri = pathToFileURL(railsPath).href;
    const sqlUri = pathToFileURL(sqlPath).href;
    await client.open(railsUri, 'ruby', readFileSync(railsPath, 'utf8'));
    await client.open(sqlUri, 'sql', readFileSync(sqlPath, 'utf8'));

    const rails = await client.diagnosticsOf(railsUri, 1);
    assert.deepEqual(codes(rails.diagnostics), ['require-concurrent-index-creation', 'require-timeouts']);
    const concurrent = rails.diagnostics[0]!;
    assert.equal(concurrent.source, 'pg-index-guard');
    assert.equal(concurrent.codeDescription?.href, `${RULES_DOCS}require-concurrent-index-creation.md`);
    assert.deepEqual(concurrent.range, { start: { line: 2, character: 4 }, end: { line: 2, character: 41 } });
    assert.match(String(concurrent.message), /without CONCURRENTLY on "messages"/);

    const sql = await client.diagnosticsOf(sqlUri, 1);
    assert.deepEqual(codes(sql.diagnostics), ['require-concurrent-index-creation', 'require-timeouts']);

    // Code actions of the Rails finding: its fixes, then disable for the line and the file.
    const actions = await client.codeActions(railsUri, [concurrent]);
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Disable require-concurrent-index-creation for this line'), titles.join('\n'));
    assert.ok(titles.includes('Disable require-concurrent-index-creation for this file'), titles.join('\n'));
    // Unsafe (it takes the migration out of its transaction): offered, not preferred.
    const fix = actions.find((a) => a.title.startsWith('Build the index concurrently'))!;
    assert.ok(fix, `no fix in:\n${titles.join('\n')}`);
    assert.equal(fix.isPreferred, false);
    assert.deepEqual(fix.diagnostics, [concurrent]);
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.edit?.documentChanges?.length, 1, 'a versioned edit of the document alone');

    await client.apply(fix.edit!);
    const fixed = await client.diagnosticsOf(railsUri, 2);
    assert.ok(!codes(fixed.diagnostics).includes('require-concurrent-index-creation'), JSON.stringify(codes(fixed.diagnostics)));
    const text = client.documents.get(railsUri)!.getText();
    assert.match(text, /disable_ddl_transaction!/);
    assert.match(text, /algorithm: :concurrently/);

    assert.equal(await client.stop(), 0);
  });

  test('a Django migration (python, in a migrations folder) is linted and fixed in its idiom; other Python files are not', async () => {
    const { client } = await start();
    const migration = join(app, 'blog/migrations/0002_post_author.py');
    const source = 'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.AddIndex(model_name="post", index=models.Index(fields=["author"], name="i")),\n    ]\n';
    const uri = pathToFileURL(migration).href;
    await client.open(uri, 'python', source);
    const linted = await client.diagnosticsOf(uri, 1);
    assert.ok(codes(linted.diagnostics).includes('require-concurrent-index-creation'), JSON.stringify(codes(linted.diagnostics)));
    const concurrent = linted.diagnostics.find((d) => d.code === 'require-concurrent-index-creation')!;
    const fix = (await client.codeActions(uri, [concurrent])).find((a) => a.kind === 'quickfix' && !a.title.startsWith('Disable'))!;
    assert.ok(fix, 'a fix for the Django operation');
    await client.apply(fix.edit!);
    const fixed = await client.diagnosticsOf(uri, 2);
    assert.ok(!codes(fixed.diagnostics).includes('require-concurrent-index-creation'), client.documents.get(uri)!.getText());
    assert.match(client.documents.get(uri)!.getText(), /AddIndexConcurrently\(model_name="post"/);
    assert.match(client.documents.get(uri)!.getText(), /^    atomic = False$/m);

    // The same text outside a migrations folder is no migration: nothing is published for it.
    const settingsUri = pathToFileURL(join(app, 'blog/settings.py')).href;
    await client.open(settingsUri, 'python', source);
    const hover = await client.hover(settingsUri, 5, 20);
    assert.equal(hover, null);
    assert.equal(await client.stop(), 0);
  });

  test('source.fixAll.pgIndexGuard applies every safe fix; disable for this line silences one finding', async () => {
    const { client } = await start();
    const uri = pathToFileURL(sqlPath).href;
    await client.open(uri, 'sql', readFileSync(sqlPath, 'utf8'));
    const first = await client.diagnosticsOf(uri, 1);

    const fixAll = await client.codeActions(uri, [], ['source.fixAll.pgIndexGuard']);
    assert.equal(fixAll.length, 1);
    assert.equal(fixAll[0]!.kind, 'source.fixAll.pgIndexGuard');
    await client.apply(fixAll[0]!.edit!);
    const afterFixAll = await client.diagnosticsOf(uri, 2);
    // The timeouts of a file run statement by statement are left to the author (not an automatic fix).
    assert.deepEqual(codes(afterFixAll.diagnostics), ['require-timeouts'], client.documents.get(uri)!.getText());
    assert.match(client.documents.get(uri)!.getText(), /CREATE INDEX CONCURRENTLY IF NOT EXISTS index_messages_on_conversation_id/);

    // Back to the original text, then one finding disabled for its line.
    await client.change(uri, readFileSync(sqlPath, 'utf8'));
    const again = await client.diagnosticsOf(uri, 3);
    assert.deepEqual(codes(again.diagnostics), codes(first.diagnostics));
    const timeouts = again.diagnostics.find((d) => d.code === 'require-timeouts')!;
    const disable = (await client.codeActions(uri, [timeouts])).find((a: CodeAction) => a.title === 'Disable require-timeouts for this line')!;
    await client.apply(disable.edit!);
    const disabled = await client.diagnosticsOf(uri, 4);
    assert.deepEqual(codes(disabled.diagnostics), ['require-concurrent-index-creation']);
    assert.match(client.documents.get(uri)!.getText(), /^-- pg-index-guard:disable-next-line require-timeouts$/m);
    await client.stop();
  });

  test("hover shows the rule's summary and docs link and the lock the operation takes", async () => {
    const { client } = await start();
    const uri = pathToFileURL(railsPath).href;
    await client.open(uri, 'ruby', readFileSync(railsPath, 'utf8'));
    await client.diagnosticsOf(uri, 1);
    const hover = await client.hover(uri, 2, 8);
    assert.ok(hover, 'a hover over add_index');
    const value = (hover.contents as MarkupContent).value;
    assert.equal((hover.contents as MarkupContent).kind, 'markdown');
    assert.match(value, /\*\*require-concurrent-index-creation\*\*: /);
    assert.ok(value.includes(`(${RULES_DOCS}require-concurrent-index-creation.md)`), value);
    assert.match(value, /\*\*Lock:\*\* SHARE/);
    assert.match(value, /\*\*Blocks:\*\*/);
    assert.equal(await client.hover(uri, 0, 0), null, 'nothing to say over the class line');
    await client.stop();
  });

  test('publishes only results of the version they were computed on, the newest last', async () => {
    const { client } = await start({ initializationOptions: { lintDelay: 50 } });
    const uri = pathToFileURL(join(app, 'db/migrate/20240401000000_typing.rb')).href;
    const safe = (body: string) => `class Typing < ActiveRecord::Migration[7.1]\n  def change\n${body}  end\nend\n`;
    const versions = new Map<number, string>();
    versions.set(1, safe(''));
    await client.open(uri, 'ruby', versions.get(1)!);
    await client.diagnosticsOf(uri, 1);
    // Typing fast: each version differs in what it finds.
    const bodies = ['    add_index :messages, :a\n', '    create_table :widgets\n', '    add_index :messages, :a\n    remove_index :messages, :b\n', ''];
    for (const body of bodies) {
      const document = await client.change(uri, safe(body));
      versions.set(document.version, document.getText());
    }
    const last = await client.diagnosticsOf(uri, 5);
    assert.deepEqual(codes(last.diagnostics), []);
    const published = client.published.filter((p) => p.uri === uri);
    for (const p of published) {
      const expected = p.version === 2 || p.version === 4 ? 'require-concurrent-index-creation' : null;
      if (expected) assert.ok(codes(p.diagnostics).includes(expected), `v${p.version}: ${codes(p.diagnostics)}`);
      else assert.deepEqual(codes(p.diagnostics), [], `v${p.version}`);
    }
    assert.equal(published.at(-1)!.version, 5);
    await client.stop();
  });

  test('reads initializationOptions, workspace/configuration and, winning over both, .pg-index-guard.json', async () => {
    const uri = pathToFileURL(sqlPath).href;
    const text = readFileSync(sqlPath, 'utf8');

    const byOptions = await start({ initializationOptions: { rules: { 'require-concurrent-index-creation': 'error', 'require-timeouts': 'off' } } });
    await byOptions.client.open(uri, 'sql', text);
    const optioned = await byOptions.client.diagnosticsOf(uri, 1);
    assert.deepEqual(codes(optioned.diagnostics), ['require-concurrent-index-creation']);
    assert.equal(optioned.diagnostics[0]!.severity, 1, 'error');
    await byOptions.client.stop();

    const scopes: Array<string | undefined> = [];
    let answer: unknown = { rules: { 'require-concurrent-index-creation': 'off' } };
    const byConfiguration = await start({
      initializationOptions: { rules: { 'require-timeouts': 'off' } },
      configuration: (scopeUri) => {
        scopes.push(scopeUri);
        return answer;
      },
    });
    await byConfiguration.client.open(uri, 'sql', text);
    const configured = await byConfiguration.client.diagnosticsOf(uri, 1);
    // The answer's `rules` replaces the options' as a whole, as a setting does.
    assert.deepEqual(codes(configured.diagnostics), ['require-timeouts']);
    assert.ok(scopes.includes(uri), `asked for the document's scope: ${JSON.stringify(scopes)}`);
    // Settings changed in the editor: asked again, the open document linted again (same version).
    answer = { rules: {} };
    await byConfiguration.client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    const reconfigured = await byConfiguration.client.diagnostics(uri, (p) => p.version === 1 && p !== configured);
    assert.deepEqual(codes(reconfigured.diagnostics), ['require-concurrent-index-creation', 'require-timeouts']);
    await byConfiguration.client.stop();

    const settingsFile = join(app, '.pg-index-guard.json');
    writeFileSync(settingsFile, JSON.stringify({ rules: { 'require-concurrent-index-creation': 'off' } }));
    try {
      const byFile = await start({ initializationOptions: { rules: { 'require-timeouts': 'off' } } });
      await byFile.client.open(uri, 'sql', text);
      const filed = await byFile.client.diagnosticsOf(uri, 1);
      assert.deepEqual(codes(filed.diagnostics), ['require-timeouts']);
      // A broken file: said once, the editor's settings apply.
      writeFileSync(settingsFile, '{ "rules": ');
      await byFile.client.change(uri, `${text}\n`);
      const broken = await byFile.client.diagnosticsOf(uri, 2);
      assert.deepEqual(codes(broken.diagnostics), ['require-concurrent-index-creation']);
      assert.ok(byFile.client.messages.some((m) => m.includes('.pg-index-guard.json is not valid JSON')), byFile.client.messages.join('\n'));
      await byFile.client.stop();
    } finally {
      writeFileSync(settingsFile, '{}');
    }
  });

  test("reads the project's strong_migrations initializer and db/structure.sql, and lints as the CLI does", async () => {
    const project = join(folder.path, 'structure-app');
    const files: Record<string, string> = {
      'Gemfile': "source 'https://rubygems.org'\n",
      'db/structure.sql': 'CREATE INDEX index_messages_on_source_id ON public.messages USING btree (source_id);\n',
      // safe_by_default makes add_index concurrent; the initializer's timeouts cover every migration.
      'config/initializers/strong_migrations.rb': 'StrongMigrations.safe_by_default = true\nStrongMigrations.lock_timeout = 10.seconds\nStrongMigrations.statement_timeout = 1.hour\n',
      'db/migrate/20240101000000_remove_source.rb': 'class RemoveSource < ActiveRecord::Migration[7.1]\n  def change\n    remove_column :messages, :source_id, :bigint\n  end\nend\n',
      'db/migrate/20240102000000_add_conversation.rb': 'class AddConversation < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :conversation_id\n  end\nend\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(project, path)), { recursive: true });
      writeFileSync(join(project, path), text);
    }
    const { client } = await start({ rootUri: pathToFileURL(project).href });
    const byServer: string[] = [];
    for (const path of Object.keys(files).filter((p) => p.startsWith('db/migrate/'))) {
      const uri = pathToFileURL(join(project, path)).href;
      await client.open(uri, 'ruby', files[path]!);
      for (const code of codes((await client.diagnosticsOf(uri, 1)).diagnostics)) byServer.push(`${path} ${code}`);
    }
    // The index structure.sql declares is dropped with the column; add_index is made safe by the initializer.
    assert.deepEqual(byServer, ['db/migrate/20240101000000_remove_source.rb require-concurrent-index-deletion']);
    const cli = await run(['lint', '.', '--format', 'json'], { cwd: project });
    const byCli = (JSON.parse(cli.stdout) as { findings: Array<{ file: string; rule: string }> }).findings.map((f) => `${f.file} ${f.rule}`);
    assert.deepEqual(byServer, byCli);
  });

  test('a syntax error typed in shows only once the text has stayed unchanged a moment (opened: at once)', async () => {
    const { client } = await start({ initializationOptions: { lintDelay: 0 } });
    const uri = pathToFileURL(join(app, 'db/migrate/20240403000000_unfinished.rb')).href;
    const valid = 'class Unfinished < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :a\n  end\nend\n';
    await client.open(uri, 'ruby', valid);
    assert.deepEqual(codes((await client.diagnosticsOf(uri, 1)).diagnostics), ['require-concurrent-index-creation', 'require-timeouts']);
    const typed = await client.change(uri, valid.replace('  end\nend\n', ''));
    const typing = await client.diagnosticsOf(uri, typed.version);
    assert.ok(!codes(typing.diagnostics).includes('syntax-error'), JSON.stringify(codes(typing.diagnostics)));
    const settled = await client.diagnostics(uri, (p) => p.version === typed.version && codes(p.diagnostics).includes('syntax-error'));
    assert.ok(client.published.indexOf(settled) > client.published.indexOf(typing));
    await client.stop();
  });

  test('an action registered in MIGRATION_ACTIONS is offered with the fixes, as a versioned edit', async () => {
    const server = join(ROOT, 'test/lsp/support/server-with-action.ts');
    const { client } = await start({ serverArgs: ['--import', 'tsx', '--no-warnings=ExperimentalWarning', server, '--stdio'] });
    const uri = pathToFileURL(railsPath).href;
    await client.open(uri, 'ruby', readFileSync(railsPath, 'utf8'));
    const published = await client.diagnosticsOf(uri, 1);
    const actions = await client.codeActions(uri, published.diagnostics);
    const whole = actions.find((a) => a.title.startsWith('Whole migration'))!;
    assert.equal(whole?.title, 'Whole migration: 1 operation(s), 2 finding(s)');
    // After the fixes of single findings, before the disable comments.
    assert.ok(actions.indexOf(whole) < actions.findIndex((a) => a.title.startsWith('Disable')));
    await client.apply(whole.edit!);
    assert.match(client.documents.get(uri)!.getText(), /^# reviewed\nclass /);
    await client.stop();
  });

  test('"Make this migration production-safe" is offered with the fixes and writes the whole pattern', async () => {
    const { client } = await start();
    const uri = pathToFileURL(railsPath).href;
    await client.open(uri, 'ruby', readFileSync(railsPath, 'utf8'));
    const published = await client.diagnosticsOf(uri, 1);
    const actions = await client.codeActions(uri, published.diagnostics);
    const safe = actions.find((a) => a.title === 'Make this migration production-safe');
    assert.ok(safe?.edit, actions.map((a) => a.title).join(' | '));
    await client.apply(safe.edit);
    const text = client.documents.get(uri)!.getText();
    assert.match(text, /\n  disable_ddl_transaction!\n/);
    assert.match(text, /add_index :messages, :conversation_id, algorithm: :concurrently, if_not_exists: true\n/);
    assert.match(text, /up_only \{ execute "SET lock_timeout = '10s'" \}/);
    await client.stop();
  });

  test('bad settings and files that are no migration never crash it', async () => {
    const { client } = await start({ initializationOptions: { lintDelay: -1, largeTables: 'messages', nonsense: true } });
    const uri = pathToFileURL(join(app, 'db/migrate/20240402000000_broken.rb')).href;
    await client.open(uri, 'ruby', 'class Broken < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :a\n');
    const broken = await client.diagnosticsOf(uri, 1);
    assert.ok(codes(broken.diagnostics).includes('syntax-error'), JSON.stringify(codes(broken.diagnostics)));
    assert.equal(broken.diagnostics.find((d) => d.code === 'syntax-error')!.severity, 4, 'a hint: the Ruby server reports syntax errors');
    const other = pathToFileURL(join(app, 'README.md')).href;
    await client.open(other, 'markdown', '# app\n');
    assert.deepEqual(await client.codeActions(other, []), []);
    assert.equal(await client.hover(other, 0, 0), null);
    assert.ok(client.messages.some((m) => m.includes('lintDelay')), client.messages.join('\n'));
    assert.ok(client.messages.some((m) => m.includes('"largeTables" must be an array')), client.messages.join('\n'));
    assert.ok(client.messages.some((m) => m.includes('unknown setting "nonsense"')), client.messages.join('\n'));
    assert.equal(await client.stop(), 0);
  });
});
