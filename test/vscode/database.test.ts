import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import pg from 'pg';
import type { PgIndexGuardApi } from '../../src/extension/extension';
import { VIEW_IDS } from '../../src/extension/tree/section-views';
import { activateExtension, screenshot, waitFor } from './support';

function labels(api: PgIndexGuardApi, viewId: string, parent?: vscode.TreeItem): string[] {
  const provider = api.views.providers.get(viewId)!;
  return provider.getChildren(parent as never).map((node) => String(typeof node.label === 'object' ? node.label.label : node.label));
}

describe('connected to the test database', () => {
  let api: PgIndexGuardApi;
  const databaseUrl = process.env.DATABASE_URL;

  before(async function () {
    if (!databaseUrl) throw new Error('the runner starts a database and sets DATABASE_URL for the server');
    api = await activateExtension();
    const { candidates } = api.connections.findCandidates();
    const candidate = candidates.find((c) => c.source === 'DATABASE_URL');
    assert.ok(candidate, `DATABASE_URL not among ${candidates.map((c) => c.id).join(', ')}`);
    assert.ok(await api.connections.connect(candidate, { interactive: false }), String(api.connections.lastFailure?.title));
    await api.status.refresh();
  });

  after(async () => {
    await api?.connections.disconnect();
  });

  it('connects read-only, under its own application_name', async () => {
    const session = api.connections.current!.session;
    const rows = await session.query('serverVersion');
    assert.ok(rows[0]!.serverVersionNum >= 140000);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const activity = await client.query(
        "SELECT application_name FROM pg_stat_activity WHERE application_name = 'pg-index-guard monitor'",
      );
      assert.equal(activity.rowCount, 1);
    } finally {
      await client.end();
    }
  });

  it('lists pending migrations with their index operations, and large tables', async () => {
    // Named first, its version after: a narrow sidebar cuts the end of the line.
    const pending = api.views.providers.get(VIEW_IDS.pending)!.getChildren().map((n) => `${String(n.label)} | ${String(n.description)}`);
    assert.ok(pending.some((line) => /^add_index_to_messages_on_conversation_id \| 20240301120000 · 1 index operation/.test(line)), pending.join(', '));
    assert.ok(!pending.some((line) => line.startsWith('create_conversations |')), 'a migration in schema_migrations is not pending');
    const node = api.views.providers.get(VIEW_IDS.pending)!.getChildren().find((n) => String(n.description).startsWith('20240303080000'))!;
    const operations = api.views.providers.get(VIEW_IDS.pending)!.getChildren(node).filter((n) => n.contextValue?.startsWith('indexOperation'));
    assert.deepEqual(operations.map((n) => n.label), ['create index index_notifications_on_user_and_time']);
    // Flagged with its lint findings, read from the file on disk.
    const conversations = api.views.providers.get(VIEW_IDS.pending)!.getChildren().find((n) => String(n.description).startsWith('20240318100000'))!;
    assert.match(String(conversations.description), /1 index operation · 2 findings/);
    assert.match(String(conversations.tooltip), /require-concurrent-index-creation/);
    const tables = labels(api, VIEW_IDS.largeTables);
    assert.equal(tables[0], 'messages', `largest first: ${tables.join(', ')}`);
    assert.deepEqual(labels(api, VIEW_IDS.builds), ['No index build is running.']);
    assert.deepEqual(labels(api, VIEW_IDS.blocked), ['No session waits on a lock.']);
  });

  it('shows an invalid index with a badge', async () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      // A failed concurrent build's leftover, made directly: build it, then mark it invalid.
      await client.query('CREATE INDEX CONCURRENTLY index_contacts_on_phone_leftover ON contacts (phone)');
      await client.query("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'index_contacts_on_phone_leftover'::regclass");
    } finally {
      await client.end();
    }
    await api.status.refresh();
    assert.deepEqual(labels(api, VIEW_IDS.invalid), ['index_contacts_on_phone_leftover']);
    assert.equal(api.views.views.get(VIEW_IDS.invalid)!.badge?.value, 1);
    await vscode.commands.executeCommand('workbench.view.extension.pgIndexGuard');
    await waitFor('the views to render', () => (api.views.views.get(VIEW_IDS.invalid)!.visible ? true : undefined));
    await screenshot('tree-view');
  });

  it('flags a migration whose index exists as INVALID, and offers to drop it', async () => {
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'db/migrate/20240320100000_add_index_to_contacts_on_phone_again.rb');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const diagnostic = await waitFor('invalid-index-exists', () =>
      vscode.languages.getDiagnostics(uri).find((d) => typeof d.code === 'object' && d.code.value === 'invalid-index-exists'),
    );
    assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Error);
    assert.match(diagnostic.message, /index_contacts_on_phone_leftover/);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range, 'quickfix');
    const drop = actions.find((a) => a.command?.command === 'pgIndexGuard.dropInvalidIndexNamed');
    assert.ok(drop, actions.map((a) => a.title).join(' | '));
    assert.deepEqual(drop.command!.arguments, [{ schema: 'public', table: 'contacts', name: 'index_contacts_on_phone_leftover' }]);
  });

  it('drops the INVALID index from the tree after asking, and the badge goes', async () => {
    const asked: string[] = [];
    api.answerConfirmationsForTests(async (request) => {
      asked.push(`${request.question} | ${request.detail}`);
      return true;
    });
    try {
      const node = api.views.providers.get(VIEW_IDS.invalid)!.getChildren().find((n) => n.label === 'index_contacts_on_phone_leftover');
      assert.ok(node);
      assert.equal(await vscode.commands.executeCommand('pgIndexGuard.dropInvalidIndex', node), true);
      assert.equal(asked.length, 1);
      assert.match(asked[0]!, /Drop the INVALID index public\.index_contacts_on_phone_leftover\?.*DROP INDEX CONCURRENTLY IF EXISTS "public"\."index_contacts_on_phone_leftover";/s);
      await api.status.refresh();
      assert.deepEqual(labels(api, VIEW_IDS.invalid), ['No invalid indexes.']);
      assert.equal(api.views.views.get(VIEW_IDS.invalid)!.badge, undefined);
    } finally {
      api.answerConfirmationsForTests(undefined);
    }
  });
});
