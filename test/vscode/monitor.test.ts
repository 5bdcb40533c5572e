import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import pg from 'pg';
import type { PgIndexGuardApi } from '../../src/extension/extension';
import { resolveConnectionCandidates } from '../../src/db/connection';
import { activateExtension, monitorOverflow, screenshot, waitFor, webviewText } from './support';

/** Reads the panel's text until it shows what the test waits for (the webview renders a moment later). */
async function panelShows(name: string, pattern: RegExp): Promise<string> {
  let text = '';
  await waitFor(`the panel to show ${pattern}`, async () => {
    rmSync(join(process.env.PGIG_TEST_ARTIFACTS!, `${name}.txt`), { force: true });
    text = await webviewText(name);
    return pattern.test(text) ? true : undefined;
  }, 30_000);
  return text;
}

describe('the build monitor during a real build', () => {
  let api: PgIndexGuardApi;
  let writer: pg.Client;
  let builder: pg.Client;
  let build: Promise<unknown>;
  let writerPid: number;

  before(async () => {
    api = await activateExtension();
    if (api.connections.state !== 'connected') {
      const candidate = api.connections.findCandidates().candidates.find((c) => c.source === 'DATABASE_URL')!;
      assert.ok(await api.connections.connect(candidate, { interactive: false }));
    }
    // An open transaction that wrote to contacts holds CREATE INDEX CONCURRENTLY in its
    // "waiting for writers" phase for as long as the test wants.
    writer = new pg.Client({ connectionString: process.env.DATABASE_URL });
    builder = new pg.Client({ connectionString: process.env.DATABASE_URL, application_name: 'migration' });
    await writer.connect();
    await builder.connect();
    writerPid = (await writer.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await writer.query('BEGIN');
    await writer.query('UPDATE contacts SET phone = phone WHERE id = 1');
    build = builder.query('CREATE INDEX CONCURRENTLY index_contacts_on_email_and_account ON contacts (email, account_id)').catch((e) => e);
  });

  after(async () => {
    await writer?.query('ROLLBACK').catch(() => undefined);
    await build;
    await writer?.end();
    await builder?.end();
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', undefined, vscode.ConfigurationTarget.Global);
  });

  it('shows the waiting build with its locker, and the status bar counts it', async () => {
    await vscode.commands.executeCommand('pgIndexGuard.openBuildMonitor');
    assert.ok(api.panel.isOpen);
    const text = await panelShows('monitor-waiting', /index_contacts_on_email_and_account/);
    assert.match(text, /contacts/);
    assert.match(text, /CREATE INDEX CONCURRENTLY/);
    assert.match(text, new RegExp(`PID ${writerPid}`));
    assert.match(text, /UPDATE contacts SET phone = phone WHERE id = 1/);
    await waitFor('the status bar item', () => (/contacts \d+%/.test(api.statusBar.text) ? true : undefined));
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await waitFor('the tree to list the build', () =>
      api.views.providers.get('pgIndexGuard.builds')!.getChildren().some((n) => String(n.label).includes('index_contacts_on_email_and_account')) ? true : undefined,
    );
    await screenshot('monitor-panel-light');
    await vscode.workspace.getConfiguration('workbench').update('colorTheme', 'Default Dark Modern', vscode.ConfigurationTarget.Global);
    await new Promise((r) => setTimeout(r, 1500));
    await screenshot('monitor-panel-dark');
  });

  it('shows the build finish as a valid index once the writer commits', async () => {
    await writer.query('COMMIT');
    const error = await build;
    assert.ok(!(error instanceof Error), String(error));
    const text = await panelShows('monitor-finished', /valid/i);
    assert.match(text, /index_contacts_on_email_and_account/);
  });

  it('fits Recent builds in its card, in the editor and beside a migration', async () => {
    await vscode.commands.executeCommand('workbench.action.closeSidebar');
    await vscode.commands.executeCommand('pgIndexGuard.openBuildMonitor');
    // The finished build leaves the in-progress list a poll later than it enters Recent builds.
    await panelShows('monitor-fit-text', /No index build is running[\s\S]*index_contacts_on_email_and_account/);
    const recentCard = (cards: Array<{ card: string; width: number }>) => cards.find((c) => c.card.includes('recent'))!;
    const wide = await monitorOverflow('monitor-fit-wide');
    assert.deepEqual(wide.flatMap((card) => card.overflowing), [], JSON.stringify(wide));
    await screenshot('monitor-recent');
    // Beside a migration with the sidebar open: half of a 1280-pixel window, less the sidebar.
    await vscode.commands.executeCommand('workbench.view.extension.pgIndexGuard');
    const migration = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0]!.uri, 'db/migrate/20240302090000_add_index_to_contacts_on_email.rb');
    await vscode.window.showTextDocument(migration, { viewColumn: vscode.ViewColumn.One });
    await vscode.commands.executeCommand('workbench.action.moveEditorToNextGroup');
    await new Promise((r) => setTimeout(r, 1000));
    await vscode.commands.executeCommand('pgIndexGuard.openBuildMonitor');
    await new Promise((r) => setTimeout(r, 1500));
    const narrow = await monitorOverflow('monitor-fit-narrow');
    await screenshot('monitor-recent-beside');
    assert.ok(recentCard(narrow).width < recentCard(wide).width, `the panel is narrower: ${JSON.stringify({ wide, narrow })}`);
    assert.deepEqual(narrow.flatMap((card) => card.overflowing), [], JSON.stringify(narrow));
  });
});

describe('the build monitor when the server goes away', () => {
  // The monitor connects as a role of its own that the test can lock out (CONNECTION LIMIT 0)
  // and cut off (pg_terminate_backend): its reconnect attempts fail until the limit is lifted.
  const ROLE = 'pgig_reconnect_watcher';
  let api: PgIndexGuardApi;
  let admin: pg.Client;
  let url: string;

  before(async () => {
    api = await activateExtension();
    admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD 'watcher-pw' IN ROLE pg_monitor`);
    const target = new URL(process.env.DATABASE_URL!);
    target.username = ROLE;
    target.password = 'watcher-pw';
    url = target.toString();
  });

  after(async () => {
    await admin.query(`ALTER ROLE ${ROLE} CONNECTION LIMIT -1`);
    // Back to the suite's own connection for the tests that follow.
    const suite = api.connections.findCandidates().candidates.find((c) => c.source === 'DATABASE_URL')!;
    await api.connections.connect(suite, { interactive: false });
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [ROLE]);
    await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await admin.end();
  });

  it('says it is reconnecting (not "not connected") until the server lets it in again', async () => {
    const [candidate] = resolveConnectionCandidates({ env: { DATABASE_URL: url } }).candidates;
    // A panel opened on another connection keeps that one's view: open it anew on this one.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.ok(await api.connections.connect(candidate!, { interactive: false }));
    await vscode.commands.executeCommand('pgIndexGuard.openBuildMonitor');
    await panelShows('reconnect-connected', new RegExp(`Connected to ${candidate!.config.database}`));

    await admin.query(`ALTER ROLE ${ROLE} CONNECTION LIMIT 0`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [ROLE]);
    const down = await panelShows('reconnect-down', /Reconnecting/);
    assert.match(down, new RegExp(`Reconnecting to ${candidate!.config.database}`));
    assert.doesNotMatch(down, /Not connected|not connected yet/i);
    assert.equal(api.connections.reconnecting, true);
    await screenshot('monitor-reconnecting');
    // A failed attempt (too many connections for the role) keeps it reconnecting.
    await waitFor('a failed attempt', () => (api.connections.lastFailure?.kind === 'too-many-connections' ? true : undefined));
    assert.match(await panelShows('reconnect-still-down', /Reconnecting/), /no free connection slots/);

    await admin.query(`ALTER ROLE ${ROLE} CONNECTION LIMIT -1`);
    await panelShows('reconnect-back', new RegExp(`Connected to ${candidate!.config.database}`));
    assert.equal(api.connections.reconnecting, false);
  });
});
