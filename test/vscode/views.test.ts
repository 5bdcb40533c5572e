// "Show where you are": the connection in the status bar, the database in the views, one Connect
// button, and tree items whose labels, tooltips and clicks carry the facts.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import pg from 'pg';
import type { PgIndexGuardApi } from '../../src/extension/extension';
import type { DatabaseNode } from '../../src/extension/tree/nodes';
import { VIEW_IDS } from '../../src/extension/tree/section-views';
import { activateExtension, codeOf, hoverTreeRow, ourDiagnostics, pageElements, screenshot, waitFor, workspaceFile } from './support';

const text = (value: string | vscode.TreeItemLabel | vscode.MarkdownString | undefined | boolean): string =>
  typeof value === 'object' && value !== null ? ('label' in value ? value.label : value.value) : String(value ?? '');

function children(api: PgIndexGuardApi, viewId: string, parent?: DatabaseNode): DatabaseNode[] {
  return api.views.providers.get(viewId)!.getChildren(parent);
}

/** Every node of every view, depth first. */
function allNodes(api: PgIndexGuardApi): DatabaseNode[] {
  const walk = (viewId: string, parent?: DatabaseNode): DatabaseNode[] => children(api, viewId, parent).flatMap((node) => [node, ...walk(viewId, node)]);
  return Object.values(VIEW_IDS).flatMap((id) => walk(id));
}

function pendingNode(api: PgIndexGuardApi, prefix: string): DatabaseNode {
  const node = children(api, VIEW_IDS.pending).find((n) => String(n.description).startsWith(prefix));
  assert.ok(node, `no pending migration ${prefix}`);
  return node;
}

async function runItemCommand(node: vscode.TreeItem): Promise<vscode.TextEditor> {
  assert.ok(node.command, `${text(node.label)} has no click command`);
  await vscode.commands.executeCommand(node.command.command, ...(node.command.arguments ?? []));
  return waitFor('an editor', () => vscode.window.activeTextEditor);
}

async function connectTo(api: PgIndexGuardApi, database?: string): Promise<void> {
  const base = api.connections.findCandidates().candidates.find((c) => c.source === 'DATABASE_URL');
  assert.ok(base, 'the runner sets DATABASE_URL');
  const candidate = database ? { ...base, id: `test:${database}`, config: { ...base.config, database } } : base;
  assert.ok(await api.connections.connect(candidate, { interactive: false }), String(api.connections.lastFailure?.title));
  await api.status.refresh();
}

describe('show where you are', () => {
  let api: PgIndexGuardApi;

  before(async () => {
    api = await activateExtension();
    await api.connections.disconnect();
  });

  after(async () => {
    await api.connections.disconnect();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('shows one Connect to Database button while disconnected; the other views say what they will show', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.pgIndexGuard');
    await waitFor('the views to render', () => (api.views.views.get(VIEW_IDS.blocked)!.visible ? true : undefined));
    const welcome = await waitFor('the welcome views', async () => {
      const found = await pageElements('welcome-views', '.pane-body .welcome-view-content');
      return found.length >= 6 ? found : undefined;
    });
    const buttons = await pageElements('welcome-buttons', '.pane-body .welcome-view-content .monaco-button');
    assert.deepEqual(buttons.map((b) => b.text.trim()), ['Connect to Database']);
    assert.equal(welcome.filter((w) => /show here once connected/.test(w.text)).length, 5, welcome.map((w) => w.text).join(' | '));
    await screenshot('views-disconnected');
  });

  it('names the database, host and environment in the status bar; production stands out; a click switches', async () => {
    const item = api.connectionStatusBar.item;
    assert.equal(item.text, '$(database) Not connected');
    assert.equal(typeof item.command === 'object' ? item.command.command : item.command, 'pgIndexGuard.connect');
    await connectTo(api);
    assert.equal(item.text, '$(database) chat_test · 127.0.0.1 · test');
    assert.equal(item.backgroundColor, undefined);
    // The tooltip's Markdown, without the escapes of its plain-text values.
    assert.match(text(item.tooltip as vscode.MarkdownString).replace(/\\(.)/g, '$1'), /database \| chat_test[\s\S]*host \| 127\.0\.0\.1:\d+[\s\S]*environment \| test[\s\S]*Click to switch/);
    const shown = await waitFor('the item on screen', async () =>
      (await pageElements('status-bar-items', '.statusbar-item')).find((e) => e.text.includes('chat_test · 127.0.0.1 · test')),
    );
    assert.match(shown.label, /PG Index Guard: chat_test · 127\.0\.0\.1 · test, connected/);

    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query('DROP DATABASE IF EXISTS chat_production');
      await admin.query('CREATE DATABASE chat_production');
    } finally {
      await admin.end();
    }
    await connectTo(api, 'chat_production');
    assert.equal(item.text, '$(database) chat_production · 127.0.0.1 · production');
    assert.equal((item.backgroundColor as vscode.ThemeColor | undefined)?.id, 'statusBarItem.warningBackground');
    const production = await waitFor('the production item on screen', async () =>
      (await pageElements('status-bar-production', '.statusbar-item')).find((e) => e.text.includes('chat_production')),
    );
    assert.match(production.classes, /warning-kind/);
    await screenshot('status-bar-production');
  });

  it("names the database in the views' descriptions", async () => {
    await connectTo(api);
    for (const id of Object.values(VIEW_IDS)) assert.equal(api.views.views.get(id)!.description, 'chat_test', id);
  });

  it('lists no Rails bookkeeping table among the large tables, and offers a menu on them', async () => {
    const tables = children(api, VIEW_IDS.largeTables).map((n) => text(n.label));
    assert.equal(tables[0], 'messages');
    assert.ok(!tables.includes('schema_migrations'), tables.join(', '));
    const menus = (vscode.extensions.getExtension('pg-index-guard.pg-index-guard')!.packageJSON.contributes.menus['view/item/context'] as Array<{ command: string; when: string }>)
      .filter((m) => m.when === 'viewItem == largeTable')
      .map((m) => m.command);
    assert.deepEqual([...new Set(menus)], ['pgIndexGuard.openTableDefinition', 'pgIndexGuard.copyTableName']);
    const messages = children(api, VIEW_IDS.largeTables)[0]!;
    await vscode.commands.executeCommand('pgIndexGuard.copyTableName', messages);
    assert.equal(await vscode.env.clipboard.readText(), 'messages');
    assert.equal(await vscode.commands.executeCommand('pgIndexGuard.openTableDefinition', messages), true);
    const editor = await waitFor('db/schema.rb', () => (vscode.window.activeTextEditor?.document.uri.path.endsWith('db/schema.rb') ? vscode.window.activeTextEditor : undefined));
    assert.match(editor.document.lineAt(editor.selection.active.line).text, /create_table "messages"/);
  });

  it('tooltips carry the facts: rows, size, definition, findings', async () => {
    const messages = children(api, VIEW_IDS.largeTables)[0]!;
    assert.match(text(messages.tooltip), /^public\.messages\nrows: ~[\d.]+k? \(the planner's estimate\)\nsize: [\d.]+ [kM]B in all: [\d.]+ [kM]B table, [\d.]+ [kM]B in \d+ index/);
    const missing = children(api, VIEW_IDS.missing);
    assert.ok(missing.length > 0, 'the fixture declares indexes the database lacks');
    for (const node of missing) assert.match(text(node.tooltip), /^(UNIQUE )?INDEX \S+ ON \S+ .*\(.+\)\nDeclared in db\/schema\.rb:\d+, absent from the database\./);
    const conversations = pendingNode(api, '20240318100000');
    assert.match(text(conversations.tooltip), /db\/migrate\/20240318100000_add_index_to_conversations_on_status\.rb\n1 index operation, not run yet/);
    assert.match(text(conversations.tooltip), /• line \d+: Index built without CONCURRENTLY on .*\(require-concurrent-index-creation\)/);
    const operation = children(api, VIEW_IDS.pending, conversations)[0]!;
    assert.match(text(operation.tooltip), /^create index status\ntable: conversations \(~[\d.]+k? rows\)\ncolumns: status\nruns without CONCURRENTLY/);

    // And on screen, under the mouse.
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.commands.executeCommand('workbench.view.extension.pgIndexGuard');
    const shown = await hoverTreeRow('tree-tooltip', 'rows · ');
    assert.match(shown, /public\.messages[\s\S]*rows: ~[\d.]+k? \(the planner's estimate\)[\s\S]*size:/);
  });

  it('lists the findings of a pending migration as child items that open their line', async () => {
    const conversations = pendingNode(api, '20240318100000');
    const findings = children(api, VIEW_IDS.pending, conversations).filter((n) => n.contextValue === 'finding');
    assert.deepEqual(findings.map((f) => text(f.description).replace(/^line \d+ · /, '')).sort(), ['require-concurrent-index-creation', 'require-timeouts']);
    const creation = findings.find((f) => text(f.description).endsWith('require-concurrent-index-creation'))!;
    assert.match(text(creation.label), /^Index built without CONCURRENTLY on .*conversations/);
    const editor = await runItemCommand(creation);
    assert.match(editor.document.uri.path, /20240318100000_add_index_to_conversations_on_status\.rb$/);
    const diagnostic = await waitFor('the finding in the editor', () => ourDiagnostics(editor.document.uri).find((d) => codeOf(d) === 'require-concurrent-index-creation'));
    assert.deepEqual(editor.selection.start, diagnostic.range.start);
    assert.equal(text(creation.description), `line ${diagnostic.range.start.line + 1} · require-concurrent-index-creation`);
  });

  it('opens a missing index where db/schema.rb declares it', async () => {
    const node = children(api, VIEW_IDS.missing).find((n) => text(n.label) === 'index_messages_on_conversation_id');
    assert.ok(node, children(api, VIEW_IDS.missing).map((n) => text(n.label)).join(', '));
    const editor = await runItemCommand(node);
    assert.match(editor.document.uri.path, /db\/schema\.rb$/);
    assert.match(editor.document.lineAt(editor.selection.active.line).text, /conversation_id/);
  });

  it('labels without glitches: no "on ?", no double spaces, queries cut at a word', async () => {
    // A query that waits on a lock, long enough to be cut in the Blocked Queries view.
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    const waiter = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    await waiter.connect();
    const query = "UPDATE contacts SET phone = phone WHERE email = 'someone@example.com' AND account_id IN (1, 2, 3) AND deleted_at IS NULL";
    let waiting: Promise<unknown> = Promise.resolve();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE');
      waiting = waiter.query(query).catch(() => undefined);
      const blocked = await waitFor('the blocked query', async () => {
        await api.status.refresh();
        return children(api, VIEW_IDS.blocked).find((n) => n.contextValue === 'blockedQuery');
      });
      const [, cut] = /^[^·]+ · (.*)…$/.exec(text(blocked.description)) ?? [];
      assert.ok(cut, `the query is cut: ${text(blocked.description)}`);
      assert.ok(query.startsWith(cut) && query[cut.length] === ' ', `cut at a word: "${cut}"`);

      const reindex = children(api, VIEW_IDS.pending, pendingNode(api, '20240316100000'))[0]!;
      assert.equal(text(reindex.label), 'reindex index_messages_on_conversation_id');
      assert.match(text(reindex.description), /^(BLOCKING|concurrently)$/, 'no table named, none shown');
      for (const node of allNodes(api)) {
        for (const shown of [text(node.label), text(node.description), text(node.tooltip)]) {
          assert.doesNotMatch(shown, / on \?|\S {2,}\S|\( ?\)/, `${text(node.label)}: "${shown}"`);
        }
      }
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await waiting;
      await holder.end();
      await waiter.end();
    }
  });

  it('keeps a screenshot of the views and the status bar, connected', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.view.extension.pgIndexGuard');
    await api.status.refresh();
    await screenshot('views-connected');
  });
});
