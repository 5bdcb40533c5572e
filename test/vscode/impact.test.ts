import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import pg from 'pg';
import type { PgIndexGuardApi } from '../../src/extension/extension';
import { activateExtension, screenshot, waitFor, workspaceFile } from './support';

// Files of their own, outside db/migrate: the other suites count the pending migrations there.
const RUBY = 'impact/20240401000000_add_indexes_to_messages.rb';
const SQL = 'impact/001_messages_indexes.sql';
const RUBY_SOURCE = `class AddIndexesToMessages < ActiveRecord::Migration[7.1]
  disable_ddl_transaction!

  def change
    add_index :messages, [:account_id, :created_at], algorithm: :concurrently, if_not_exists: true
    add_index :messages, :user_id, algorithm: :concurrently, if_not_exists: true
  end
end
`;
const SQL_SOURCE = `CREATE INDEX CONCURRENTLY IF NOT EXISTS index_messages_on_id_copy ON messages (id);
DROP INDEX index_messages_on_user_id;
`;

async function open(relativePath: string): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument(workspaceFile(relativePath));
  await vscode.window.showTextDocument(document);
  return document;
}

/** Our hover's Markdown at the start of `text` in the document. */
async function hoverAt(document: vscode.TextDocument, text: string): Promise<string> {
  const position = document.positionAt(document.getText().indexOf(text) + 2);
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position);
  const ours = hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === 'string' ? content : content.value))
    .filter((value) => value.includes('- **Lock:**'));
  assert.equal(ours.length, 1, `hovers: ${JSON.stringify(hovers.map((h) => h.contents))}`);
  return ours[0]!;
}

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function codeLensTitles(document: vscode.TextDocument): Promise<string[]> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri);
  return lenses.map((lens) => lens.command?.title ?? '');
}

describe('what a migration will do to production: hover and CodeLens', () => {
  let api: PgIndexGuardApi;

  before(async () => {
    api = await activateExtension();
    await vscode.workspace.fs.writeFile(workspaceFile(RUBY), new TextEncoder().encode(RUBY_SOURCE));
    await vscode.workspace.fs.writeFile(workspaceFile(SQL), new TextEncoder().encode(SQL_SOURCE));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(workspaceFile('impact'), { recursive: true });
  });

  describe('not connected', () => {
    before(async () => {
      await api.connections.disconnect();
    });

    it('hovers a Ruby index operation with its lock, what it blocks and the rule link', async () => {
      const markdown = await hoverAt(await open(RUBY), 'add_index :messages, [:account_id');
      assert.match(markdown, /^\*\*CREATE INDEX CONCURRENTLY\*\* `index_messages_on_account_id_and_created_at` on `messages`$/m);
      assert.match(markdown, /^- \*\*Lock:\*\* SHARE UPDATE EXCLUSIVE on the table for the whole build; waits for older transactions$/m);
      assert.match(markdown, /^- \*\*Blocks:\*\* other DDL .*, autovacuum .*; reads and writes go on$/m);
      assert.match(markdown, /Connect to a database to see the table's rows and size/);
      assert.match(markdown, /\[Rule: require-concurrent-index-creation\]\(command:pgIndexGuard\.showRuleDocumentation\?/);
      assert.doesNotMatch(markdown, /Estimated/);
    });

    it('hovers a SQL DROP INDEX: ACCESS EXCLUSIVE, everything waits', async () => {
      const markdown = await hoverAt(await open(SQL), 'DROP INDEX');
      assert.match(markdown, /^\*\*DROP INDEX\*\* `index_messages_on_user_id`$/m);
      assert.match(markdown, /^- \*\*Lock:\*\* ACCESS EXCLUSIVE on the table for a moment once granted \(a catalog change\); ACCESS EXCLUSIVE on the index$/m);
      assert.match(markdown, /^- \*\*Blocks:\*\* reads \(SELECT\), writes .*, other DDL .*, autovacuum .*$/m);
      assert.match(markdown, /queue behind it: set a short lock_timeout/);
      assert.match(markdown, /\[Rule: require-concurrent-index-deletion\]/);
    });

    it('CodeLens: the lock and the statements outside a transaction, without estimates', async () => {
      assert.deepEqual(await codeLensTitles(await open(RUBY)), ['messages: SHARE UPDATE EXCLUSIVE · 2 statements outside a transaction']);
      // Offline, DROP INDEX names only its index: its table is not known.
      assert.deepEqual(await codeLensTitles(await open(SQL)), [
        'messages: SHARE UPDATE EXCLUSIVE · 1 statement outside a transaction',
        'the table of index_messages_on_user_id: ACCESS EXCLUSIVE · 1 statement outside a transaction',
      ]);
    });
  });

  describe('connected to the test database', () => {
    before(async () => {
      // The index the SQL migration drops, so that the database can name its table (before the
      // connection's first refresh reads the indexes).
      await sql('CREATE INDEX IF NOT EXISTS index_messages_on_user_id ON messages (user_id)');
      const candidate = api.connections.findCandidates().candidates.find((c) => c.source === 'DATABASE_URL');
      assert.ok(candidate, 'the runner sets DATABASE_URL');
      assert.ok(await api.connections.connect(candidate, { interactive: false }), String(api.connections.lastFailure?.title));
      await api.status.refresh();
      await waitFor('the database facts', () => api.lintService.currentDatabaseFacts()?.tableBytes?.has('messages') || undefined);
    });

    after(async () => {
      await api.connections.disconnect();
      await sql('DROP INDEX IF EXISTS index_messages_on_user_id');
    });

    it('hovers a Ruby index operation with the table, existing indexes and estimates', async () => {
      const document = await open(RUBY);
      const markdown = await hoverAt(document, 'add_index :messages, :user_id');
      // The seed's messages: 20 000 rows (scale 0.02), analyzed.
      assert.match(markdown, /^- \*\*Table:\*\* ~20k rows · \d+(\.\d)? MB$/m);
      assert.match(markdown, /^- \*\*Estimated index size:\*\* ~\d+ kB$/m);
      assert.match(markdown, /^- \*\*Estimated build time:\*\* < 1 s \(no builds measured on this server yet: assumes 20 MB of table per second, plus its waits for older transactions\)$/m);
      const editor = vscode.window.activeTextEditor!;
      const at = document.positionAt(document.getText().indexOf('add_index :messages, :user_id') + 2);
      editor.selection = new vscode.Selection(at, at);
      await vscode.commands.executeCommand('workbench.action.closePanel');
      await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
      await vscode.commands.executeCommand('editor.action.showHover');
      await screenshot('impact-hover-ruby');
    });

    it('hovers a SQL index operation with the index the table already has on the column', async () => {
      const markdown = await hoverAt(await open(SQL), 'CREATE INDEX CONCURRENTLY');
      assert.match(markdown, /^\*\*CREATE INDEX CONCURRENTLY\*\* `index_messages_on_id_copy` on `messages`$/m);
      assert.match(markdown, /^- \*\*Existing indexes on these columns:\*\* `messages_pkey` \(id\)$/m);
      assert.match(markdown, /^- \*\*Estimated index size:\*\* ~\d+ kB$/m);
    });

    it('CodeLens: lock, estimated build time and index size per table; off with the setting', async () => {
      const document = await open(RUBY);
      const [title] = await waitFor('a CodeLens with estimates', async () => {
        const titles = await codeLensTitles(document);
        return titles.length === 1 && / index ·/.test(titles[0]!) ? titles : undefined;
      });
      assert.match(title!, /^messages: SHARE UPDATE EXCLUSIVE < 1 s · \d+(\.\d)? (kB|MB) index · 2 statements outside a transaction$/);
      // Connected, the database names the dropped index's table: one line for messages.
      const sqlTitles = await codeLensTitles(await open(SQL));
      assert.equal(sqlTitles.length, 1, sqlTitles.join(' | '));
      assert.match(sqlTitles[0]!, /^messages: ACCESS EXCLUSIVE < 1 s · \d+(\.\d)? (kB|MB) index · 2 statements outside a transaction$/);
      await open(RUBY);
      await vscode.commands.executeCommand('workbench.action.closePanel');
      await screenshot('impact-codelens');
      const config = vscode.workspace.getConfiguration('pgIndexGuard');
      await config.update('impact.codeLens', false, vscode.ConfigurationTarget.Workspace);
      try {
        await waitFor('no CodeLens', async () => ((await codeLensTitles(document)).length === 0 ? true : undefined));
      } finally {
        await config.update('impact.codeLens', undefined, vscode.ConfigurationTarget.Workspace);
      }
      assert.equal((await codeLensTitles(document)).length, 1);
    });

    it("estimates from this server's builds: one the monitor saw finish, and one the CLI recorded", async () => {
      // What a cron job's create-pending left in the CLI's history (the runner points it at a scratch file).
      const url = new URL(process.env.DATABASE_URL!);
      const key = `${url.hostname}:${url.port}/${url.pathname.slice(1)}`;
      const cliBuild = { tableBytes: 400 * 1024 * 1024, seconds: 40, concurrent: true, finishedAt: new Date(Date.now() - 86_400_000).toISOString(), schema: 'public', table: 'contacts', index: 'index_contacts_on_x' };
      await vscode.workspace.fs.writeFile(vscode.Uri.file(process.env.PG_INDEX_GUARD_BUILD_HISTORY!), new TextEncoder().encode(JSON.stringify({ version: 1, servers: { [key]: [cliBuild] } })));

      // A build held in "waiting for writers" until the monitor has seen it, then let go.
      const writer = new pg.Client({ connectionString: process.env.DATABASE_URL });
      const builder = new pg.Client({ connectionString: process.env.DATABASE_URL, application_name: 'migration' });
      await writer.connect();
      await builder.connect();
      const watch = api.watcher.watch();
      try {
        await writer.query('BEGIN');
        await writer.query('UPDATE messages SET id = id WHERE id = 1');
        const build = builder.query('CREATE INDEX CONCURRENTLY index_messages_on_created_at_measured ON messages (created_at)');
        await waitFor('the monitor to see the build', () => api.watcher.last?.builds.find((b) => b.index === 'index_messages_on_created_at_measured'), 30_000);
        await new Promise((r) => setTimeout(r, 600)); // long enough to count as a measurement
        await writer.query('COMMIT');
        await build;
        const markdown = await waitFor('the hover to estimate from both builds', async () => {
          const text = await hoverAt(await open(RUBY), 'add_index :messages, :user_id');
          return /from 2 builds measured on this server/.test(text) ? text : undefined;
        }, 30_000);
        assert.match(markdown, /^- \*\*Estimated build time:\*\* (< 1 s|~\d+ s) \(from 2 builds measured on this server, plus its waits for older transactions\)$/m);
      } finally {
        watch.dispose();
        await writer.query('ROLLBACK').catch(() => undefined);
        await writer.end();
        await builder.end();
        await sql('DROP INDEX IF EXISTS index_messages_on_created_at_measured');
      }
    });
  });
});
