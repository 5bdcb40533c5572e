// Every write asked the same way and run the same way, against the real database: an index being
// built is never offered for a drop, a drop stuck behind an idle transaction says so and can be
// cancelled, several index builds are summarized with a default that does not build, and each
// confirmation names the database and shows the SQL.
import * as assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import pg from 'pg';
import type { ConfirmationRequest } from '../../src/extension/confirm';
import type { PgIndexGuardApi } from '../../src/extension/extension';
import type { BlockedQueryNode, BuildNode, InvalidIndexNode } from '../../src/extension/tree/nodes';
import { VIEW_IDS } from '../../src/extension/tree/section-views';
import { activateExtension, clickNotificationButton, EXTENSION_ID, notificationsText, pageElements, screenshot, waitFor, webviewText, workspaceFile } from './support';

const LEFTOVER_MIGRATION = 'db/migrate/20240320100000_add_index_to_contacts_on_phone_again.rb';
const BUILT_NAME = 'index_contacts_on_phone_leftover';

async function connectClient(applicationName = 'pgig writes test'): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL, application_name: applicationName });
  client.on('error', () => undefined); // a terminated session must not crash the host
  await client.connect();
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  return { client, pid };
}

async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const { client } = await connectClient();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const indexExists = async (name: string) => (await query('SELECT 1 FROM pg_class WHERE relname = $1', [name])).length === 1;

function children(api: PgIndexGuardApi, viewId: string): vscode.TreeItem[] {
  return api.views.providers.get(viewId)!.getChildren();
}

// The suite is bundled apart from the extension: its node classes are not the extension's, so
// nodes are told apart by their contextValue.
const isInvalidIndex = (n: vscode.TreeItem): n is InvalidIndexNode => n.contextValue?.startsWith('invalidIndex') === true;
const isBuild = (n: vscode.TreeItem): n is BuildNode => n.contextValue === 'build';
const isBlockedQuery = (n: vscode.TreeItem): n is BlockedQueryNode => n.contextValue === 'blockedQuery';

/** Refreshes (as the timer would) until the tree shows what the test waits for. */
function treeShows<T>(api: PgIndexGuardApi, what: string, probe: () => T | undefined): Promise<T> {
  return waitFor(what, async () => {
    await api.status.refresh();
    return probe();
  }, 30_000);
}

describe('writes: asked one way, run with progress, never one stray key away', () => {
  let api: PgIndexGuardApi;
  let asked: ConfirmationRequest[] = [];
  let answer: (request: ConfirmationRequest) => boolean = () => false;

  before(async () => {
    api = await activateExtension();
    api.answerConfirmationsForTests(async (request) => {
      asked.push(request);
      return answer(request);
    });
    if (api.connections.state !== 'connected') {
      const candidate = api.connections.findCandidates().candidates.find((c) => c.source === 'DATABASE_URL')!;
      assert.ok(await api.connections.connect(candidate, { interactive: false }));
    }
  });

  after(() => api.answerConfirmationsForTests(undefined));

  beforeEach(async () => {
    asked = [];
    answer = () => false;
    await vscode.commands.executeCommand('notifications.clearAll');
    // VS Code shows no toast for a 4th notification within 800 ms (its toasts' spam protection),
    // and these tests make notifications fast: each starts after a quiet moment.
    await new Promise((r) => setTimeout(r, 900));
  });

  describe('an index build in progress', () => {
    let writer: { client: pg.Client; pid: number };
    let builder: { client: pg.Client; pid: number };
    let build: Promise<unknown>;

    before(async () => {
      // An open write transaction on contacts holds the concurrent build in "waiting for writers".
      writer = await connectClient();
      builder = await connectClient('migration');
      await writer.client.query('BEGIN');
      await writer.client.query('UPDATE contacts SET phone = phone WHERE id = 1');
      build = builder.client.query(`CREATE INDEX CONCURRENTLY ${BUILT_NAME} ON contacts (phone)`).catch((e: unknown) => e);
    });

    after(async () => {
      await writer.client.query('ROLLBACK').catch(() => undefined);
      await build;
      await writer.client.end();
      await builder.client.end();
      await query(`DROP INDEX CONCURRENTLY IF EXISTS ${BUILT_NAME}`);
    });

    it('shows as building in the tree, the migration gets info (not an error), no drop fix, and a drop refuses it', async () => {
      const node = await treeShows(api, 'the Invalid Indexes view to list the build', () =>
        children(api, VIEW_IDS.invalid).find((n): n is InvalidIndexNode => isInvalidIndex(n) && n.index.index === BUILT_NAME && n.index.build !== null),
      );
      assert.equal(node.contextValue, 'invalidIndex.building');
      assert.equal((node.iconPath as vscode.ThemeIcon).id, 'sync~spin');
      assert.match(String(node.description), new RegExp(`being built: waiting for writers before build, 0%, PID ${builder.pid}$`));
      assert.equal(api.views.views.get(VIEW_IDS.invalid)!.badge, undefined, 'a build is no INVALID leftover to count');

      const uri = workspaceFile(LEFTOVER_MIGRATION);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      const diagnostic = await waitFor('invalid-index-exists as being built', () =>
        vscode.languages.getDiagnostics(uri).find((d) => typeof d.code === 'object' && d.code.value === 'invalid-index-exists' && /being built now/.test(d.message)),
      );
      assert.equal(diagnostic.severity, vscode.DiagnosticSeverity.Information);
      assert.match(diagnostic.message, new RegExp(`^Index "${BUILT_NAME}" is being built now \\(waiting for writers before build, 0%, PID ${builder.pid}\\).*do not drop it\\.$`));
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range, 'quickfix');
      assert.deepEqual(
        actions.filter((a) => a.command?.command === 'pgIndexGuard.dropInvalidIndexNamed').map((a) => a.title),
        [],
        'no quick fix invites a drop of an index being built',
      );
      await screenshot('invalid-index-being-built');

      // The drop commands look at the database again and refuse, without asking.
      assert.equal(await vscode.commands.executeCommand('pgIndexGuard.dropInvalidIndexNamed', { schema: 'public', table: 'contacts', name: BUILT_NAME }), false);
      assert.equal(await vscode.commands.executeCommand('pgIndexGuard.dropInvalidIndex', node), false);
      assert.deepEqual(asked, []);
      assert.ok(await indexExists(BUILT_NAME));
    });

    it('Cancel Index Build from the command palette picks the build; its buttons read "Cancel Build" / "Keep Building"', async () => {
      const palette = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.menus.commandPalette as { command: string; when: string }[];
      assert.equal(palette.find((e) => e.command === 'pgIndexGuard.cancelBuild')?.when, 'pgIndexGuard.connected');
      assert.equal(palette.find((e) => e.command === 'pgIndexGuard.markMigrationAsRun')?.when, 'pgIndexGuard.connected');
      await treeShows(api, 'the build in the Builds view', () => children(api, VIEW_IDS.builds).find((n) => isBuild(n) && n.build.pid === builder.pid));
      const cancel = vscode.commands.executeCommand('pgIndexGuard.cancelBuild');
      await new Promise((r) => setTimeout(r, 1000)); // the picker opens
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      assert.equal(await cancel, false, 'declined');
      assert.equal(asked.length, 1);
      const [request] = asked;
      assert.equal(request!.question, `Cancel CREATE INDEX CONCURRENTLY of ${BUILT_NAME} on contacts?`);
      assert.equal(request!.button, 'Cancel Build');
      assert.equal(request!.declineButton, 'Keep Building');
      assert.match(request!.detail, new RegExp(`^Database chat_test on 127\\.0\\.0\\.1:\\d+ as \\w+:\\n\\nSELECT pg_cancel_backend\\(${builder.pid}\\);`));
    });

    it("after a cancel, the monitor's drop of the leftover is the same modal, naming the database and showing the SQL", async () => {
      answer = () => true;
      await vscode.commands.executeCommand('pgIndexGuard.openBuildMonitor');
      const node = children(api, VIEW_IDS.builds).find((n) => isBuild(n) && n.build.pid === builder.pid);
      assert.ok(node);
      assert.equal(await vscode.commands.executeCommand('pgIndexGuard.cancelBuild', node), true);
      assert.equal(((await build) as { code?: string }).code, '57014', 'the build was cancelled');
      // The drop waits for transactions on the table: let the writer go.
      await writer.client.query('ROLLBACK');
      const drop = await waitFor('the monitor to offer the drop', () => asked.find((r) => /^The cancelled build left/.test(r.question)), 30_000);
      assert.equal(drop.question, `The cancelled build left public.${BUILT_NAME} INVALID. Drop it concurrently?`);
      assert.equal(drop.button, 'Drop Concurrently');
      assert.match(drop.detail, new RegExp(`^Database chat_test on 127\\.0\\.0\\.1:\\d+ as \\w+:\\n\\nDROP INDEX CONCURRENTLY IF EXISTS "public"\\."${BUILT_NAME}";`));
      await waitFor('the leftover to be dropped', async () => !(await indexExists(BUILT_NAME)) || undefined, 30_000);
      // The monitor lists the cancelled build, and no longer offers to drop what is gone.
      await waitFor('the monitor to list the cancelled build without a drop button', async () => {
        rmSync(join(process.env.PGIG_TEST_ARTIFACTS!, 'monitor-after-drop.txt'), { force: true });
        const shown = await webviewText('monitor-after-drop');
        return shown.includes(BUILT_NAME) && !shown.includes('Drop INVALID Index…') ? true : undefined;
      }, 30_000);
      assert.equal(api.watcher.last?.recent.find((r) => r.build.index === BUILT_NAME)?.leftover, null);
    });
  });

  it('a drop stuck behind an idle transaction names it in a cancellable progress; once done, the tree and badge are fresh', async () => {
    const name = 'index_contacts_on_created_at_leftover';
    await query(`CREATE INDEX CONCURRENTLY ${name} ON contacts (created_at)`);
    await query(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = '${name}'::regclass`);
    const idle = await connectClient('idle app');
    try {
      await idle.client.query('BEGIN');
      await idle.client.query('SELECT count(*) FROM contacts');
      const node = await treeShows(api, 'the leftover in the tree', () =>
        children(api, VIEW_IDS.invalid).find((n): n is InvalidIndexNode => isInvalidIndex(n) && n.index.index === name),
      );
      assert.equal(api.views.views.get(VIEW_IDS.invalid)!.badge?.value, 1);
      answer = () => true;

      const first = vscode.commands.executeCommand('pgIndexGuard.dropInvalidIndex', node);
      const waiting = await waitFor('the progress to name the idle session', async () => {
        const text = await notificationsText('drop-progress');
        return new RegExp(`waiting for PID ${idle.pid} \\(idle in transaction`).test(text) ? text : undefined;
      }, 30_000);
      assert.match(waiting, new RegExp(`Dropping ${name} on chat_test`));
      assert.match(waiting, /SELECT count\(\*\) FROM contacts/);
      await screenshot('drop-waiting-progress');
      await clickNotificationButton('cancel-drop', 'Cancel');
      assert.equal(await first, false, 'the cancelled drop reports no drop');
      assert.ok(await indexExists(name), 'nothing was dropped');

      const second = vscode.commands.executeCommand('pgIndexGuard.dropInvalidIndex', node);
      await waitFor('the second drop to wait', async () => (/waiting for PID/.test(await notificationsText('drop-progress-2')) ? true : undefined), 30_000);
      await idle.client.query('ROLLBACK');
      assert.equal(await second, true);
      // No refresh by the test: what the user sees the moment the write ends.
      assert.ok(!children(api, VIEW_IDS.invalid).some((n) => n.label === name), 'the tree no longer lists the dropped index');
      assert.equal(api.views.views.get(VIEW_IDS.invalid)!.badge, undefined);
      assert.equal(asked.length, 2);
      assert.ok(asked.every((r) => r.detail.includes(`DROP INDEX CONCURRENTLY IF EXISTS "public"."${name}";`)));
    } finally {
      await idle.client.query('ROLLBACK').catch(() => undefined);
      await idle.client.end();
      await query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
    }
  });

  it('Create Pending Indexes with several indexes: a short summary with the if_not_exists warning, and the default button reviews the list', async () => {
    const before = await query("SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'i'");
    assert.equal(await vscode.commands.executeCommand('pgIndexGuard.createPendingIndexes'), null);
    assert.equal(asked.length, 1);
    const [request] = asked;
    const count = Number(/^Build (\d+) Indexes$/.exec(request!.button)?.[1]);
    assert.ok(count > 1, request!.button);
    assert.match(request!.question, new RegExp(`^Build these ${count} indexes on chat_test \\(127\\.0\\.0\\.1:\\d+\\) now\\?$`));
    // Listed first, so Enter reviews instead of building them all.
    assert.equal(request!.review?.button, `Review ${count} Indexes…`);
    const detail = request!.detail;
    assert.ok(detail.split('\n').length <= 10 && detail.length < 900, `the dialog fits a window: ${detail.split('\n').length} lines, ${detail.length} characters`);
    assert.doesNotMatch(detail, /CREATE INDEX/, 'the statements are in the review list, not in the dialog');
    assert.match(detail, new RegExp(`^${count} indexes on \\d+ tables: .*messages \\(\\d+\\).*; about [\\d.]+ (B|kB|MB|GB) in all \\(estimated from row counts and column widths\\)\\.`));
    assert.match(detail, /Warning: \d+ migrations \(.*\) have no if_not_exists: once the indexes are built, rails db:migrate fails on them \("relation already exists"\)\./);
    assert.deepEqual(await query("SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'i'"), before, 'nothing was built');
  });

  it('a build reports steps a user knows and ends with a summary', async () => {
    const writer = await connectClient();
    try {
      await writer.client.query('BEGIN');
      await writer.client.query('UPDATE notifications SET read = read WHERE id = 1');
      answer = () => true;
      const node = children(api, VIEW_IDS.pending).find((n) => String(n.description).startsWith('20240319100000'));
      assert.ok(node, 'the notifications migration is pending');
      const run = vscode.commands.executeCommand('pgIndexGuard.createPendingIndexes', node);
      const text = await waitFor('the progress to name the step', async () => {
        const shown = await notificationsText('build-progress');
        return /Building index_notifications_on_user_id_and_read \(1 of 1\)/.test(shown) ? shown : undefined;
      }, 30_000).catch(async (error) => {
        // What the user could still see: the bell's count and the notification center.
        const bell = await pageElements('build-progress-bell', '[id="status.notifications"]');
        await vscode.commands.executeCommand('notifications.showList');
        const center = await pageElements('build-progress-center', '.notifications-center');
        await screenshot('build-progress-missing');
        await vscode.commands.executeCommand('notifications.hideList');
        throw new Error(`${error}; bell: ${bell.map((b) => b.label).join(' | ')}; center: ${center.map((c) => c.text).join(' | ')}`);
      });
      assert.doesNotMatch(text, /\bRESET\b|\bSET lock_timeout/);
      await screenshot('build-progress');
      await writer.client.query('COMMIT');
      await run;
      const done = await waitFor('the summary', async () => {
        const shown = await notificationsText('build-summary');
        return /1 built\./.test(shown) ? shown : undefined;
      });
      assert.doesNotMatch(done, /\bRESET\b/);
    } finally {
      await writer.client.query('ROLLBACK').catch(() => undefined);
      await writer.client.end();
    }
  });

  it('Mark Migration as Run from the command palette picks a migration, asks with the SQL, and says what it did', async () => {
    answer = () => true;
    const run = vscode.commands.executeCommand('pgIndexGuard.markMigrationAsRun');
    await new Promise((r) => setTimeout(r, 1000)); // the picker opens
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.equal(await run, true);
    assert.equal(asked.length, 1);
    const match = /^Mark (db\/migrate\/(\d+)_\w+\.rb) as run on chat_test\?$/.exec(asked[0]!.question);
    assert.ok(match, asked[0]!.question);
    const [, path, version] = match;
    assert.match(asked[0]!.detail, new RegExp(`^Database chat_test on .*:\\n\\nINSERT INTO schema_migrations \\(version\\) VALUES \\('${version}'\\)`));
    assert.equal((await query('SELECT 1 FROM schema_migrations WHERE version = $1', [version])).length, 1);
    const shown = await waitFor('the confirmation of what it did', async () => {
      const text = await notificationsText('mark-as-run');
      return text.includes(`Marked ${path} as run on chat_test`) ? text : undefined;
    });
    assert.match(shown, new RegExp(`version ${version} is in schema_migrations`));
  });

  it('Terminate the Blocking Session on a Blocked Queries item: asks with the database and pg_terminate_backend, then ends the blocker', async () => {
    const menu = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.menus['view/item/context'] as { command: string; when: string }[];
    assert.ok(menu.some((e) => e.command === 'pgIndexGuard.terminateBlocker' && e.when === 'viewItem == blockedQuery'));
    const blocker = await connectClient('stuck worker');
    const waiter = await connectClient('app');
    await blocker.client.query('BEGIN');
    await blocker.client.query('UPDATE contacts SET phone = phone WHERE id = 2');
    const waiting = waiter.client.query('UPDATE contacts SET phone = phone WHERE id = 2').then(
      () => 'done',
      (e: unknown) => e,
    );
    try {
      const node = await treeShows(api, 'the blocked query', () =>
        children(api, VIEW_IDS.blocked).find((n): n is BlockedQueryNode => isBlockedQuery(n) && n.row.pid === waiter.pid),
      );
      answer = () => true;
      assert.equal(await vscode.commands.executeCommand('pgIndexGuard.terminateBlocker', node), true);
      const [request] = asked;
      assert.equal(request!.question, `Terminate PID ${blocker.pid}, which blocks PID ${waiter.pid}?`);
      assert.equal(request!.button, 'Terminate Session');
      assert.equal(request!.declineButton, 'Keep Session');
      assert.match(
        request!.detail,
        new RegExp(`^Database chat_test on 127\\.0\\.0\\.1:\\d+ as \\w+:\\n\\nSELECT pg_terminate_backend\\(${blocker.pid}\\);\\n\\nPID ${blocker.pid} \\(\\w+, stuck worker, idle in transaction, its transaction open for [^)]+\\): UPDATE contacts SET phone = phone WHERE id = 2`),
      );
      assert.equal(await waiting, 'done', 'the waiting update went through');
      assert.deepEqual(await query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [blocker.pid]), []);
    } finally {
      await blocker.client.end().catch(() => undefined);
      await waiting;
      await waiter.client.end();
    }
  });
});
