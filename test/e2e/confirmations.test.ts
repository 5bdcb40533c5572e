// The real modal confirmations, as a user meets them in `npm start`'s sandbox at 1280×800 (VS
// Code refuses modal dialogs in extension test mode; in the browser they are part of the page):
// each fits the window, names the database, shows the SQL, and several index builds default to
// reviewing the list, not to building. Screenshots land in test-artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startSandbox, type SandboxProcess } from './sandbox-process';
// @ts-expect-error plain ESM helper shared with the test runner
import { CHROMIUM_ARGS } from '../../scripts/vscode-server.mjs';

const root = resolve(__dirname, '../..');
const artifacts = join(root, 'test-artifacts');
const VIEWPORT = { width: 1280, height: 800 };
let sandbox: SandboxProcess;
let browser: Browser | undefined;
const clients: pg.Client[] = [];

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  sandbox = startSandbox();
});

after(async () => {
  for (const client of clients) await client.end().catch(() => undefined);
  await browser?.close();
  if (sandbox.process.exitCode === null) {
    sandbox.process.kill('SIGINT');
    await new Promise((r) => sandbox.process.once('exit', r));
  }
});

async function connect(url: string, applicationName: string): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName });
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return { client, pid: (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid };
}

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').waitFor({ timeout: 20_000 });
  await page.keyboard.type(title);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 20_000 });
  await page.keyboard.press('Enter');
}

/** The modal on screen: asserts it fits the window and returns its text and the focused (default) button. */
async function modal(page: Page, name: string): Promise<{ text: string; focused: string; buttons: string[] }> {
  const box = page.locator('.monaco-dialog-box');
  await box.waitFor({ timeout: 30_000 }).catch(async (error: unknown) => {
    await page.screenshot({ path: join(artifacts, `${name}-missing.png`) });
    throw error;
  });
  await page.waitForTimeout(300); // the dialog's fade-in
  const bounds = (await box.boundingBox())!;
  assert.ok(bounds.y >= 0 && bounds.y + bounds.height <= VIEWPORT.height, `${name}: the dialog (${Math.round(bounds.height)} px tall at y ${Math.round(bounds.y)}) fits a ${VIEWPORT.height} px window`);
  assert.ok(bounds.x >= 0 && bounds.x + bounds.width <= VIEWPORT.width, `${name}: the dialog fits the window's width`);
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
  const text = await box.innerText();
  // Evaluated in the page (this file is compiled without the DOM library).
  const focused = String(await page.evaluate('document.activeElement ? document.activeElement.innerText.trim() : ""'));
  const buttons = (await box.locator('.monaco-button').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
  return { text, focused, buttons };
}

async function closeModal(page: Page, button: string): Promise<void> {
  await page.locator('.monaco-dialog-box .monaco-button', { hasText: button }).first().click();
  await page.locator('.monaco-dialog-box').waitFor({ state: 'detached', timeout: 10_000 });
}

/** Right-clicks a tree item and picks a context menu entry, as a user would. */
async function contextMenu(page: Page, label: string, entry: string): Promise<void> {
  await (await treeItem(page, label)).click({ button: 'right' });
  const item = page.locator('.context-view .action-item', { hasText: entry }).first();
  await item.waitFor({ timeout: 20_000 });
  // A menu ignores the mouse for a moment after it opens (the right-click's own release): hover, then Enter.
  await page.waitForTimeout(500);
  await item.hover();
  await page.keyboard.press('Enter');
}

async function treeItem(page: Page, label: string | RegExp) {
  const item = page.locator('.monaco-list-row', { hasText: label }).first();
  await item.waitFor({ timeout: 60_000 });
  return item;
}

test('every write confirmation fits a 1280×800 window, names the database and shows the SQL', { timeout: 420_000 }, async () => {
  const [, url] = await sandbox.waitForOutput(/Open:\n\s+(http\S+)/, 180_000);
  const [, workspace] = /sample app: (\S+)/.exec(sandbox.output())!;
  const databaseUrl = /DATABASE_URL=(\S+)/.exec(readFileSync(join(workspace!, '.env'), 'utf8'))![1]!;
  const indexCount = async () => {
    const { client } = await connect(databaseUrl, 'e2e check');
    return (await client.query("SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'i'")).rows[0].n as number;
  };

  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: VIEWPORT });
  await page.goto(url!);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // The sandbox opens the walkthrough once the extension is up: opened later, it would take the
  // focus from a quick pick and close it.
  await page.getByText('Get started with PG Index Guard').first().waitFor({ timeout: 90_000 });
  await page.locator('.activitybar .action-item a[aria-label^="PG Index Guard"]').first().click();
  await page.getByText(/messages\s*~10k rows/).first().waitFor({ timeout: 90_000 });

  // Several indexes: a summary, and the default (focused) button reviews instead of building.
  const before = await indexCount();
  await runCommand(page, 'PG Index Guard: Create Pending Indexes');
  const create = await modal(page, 'confirm-create-pending');
  const count = /Build (\d+) Indexes/.exec(create.buttons.join(' '))?.[1];
  assert.ok(count && Number(count) > 1, create.buttons.join(' | '));
  assert.equal(create.focused, `Review ${count} Indexes…`, 'Enter reviews the list');
  assert.match(create.text, /Build these \d+ indexes on chat_development/);
  assert.match(create.text, /rails db:migrate fails/);
  assert.doesNotMatch(create.text, /CREATE INDEX/);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'index_' }).first().waitFor({ timeout: 20_000 });
  await page.screenshot({ path: join(artifacts, 'confirm-create-pending-review.png') });
  await page.keyboard.press('Escape');
  await modal(page, 'confirm-create-pending-again');
  await closeModal(page, 'Cancel');
  assert.equal(await indexCount(), before, 'nothing was built');

  // An INVALID leftover, dropped from the tree's context menu.
  const { client: admin } = await connect(databaseUrl, 'e2e admin');
  await admin.query('CREATE INDEX CONCURRENTLY index_contacts_on_created_at_leftover ON contacts (created_at)');
  await admin.query("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'index_contacts_on_created_at_leftover'::regclass");
  await runCommand(page, 'PG Index Guard: Refresh');
  await contextMenu(page, 'index_contacts_on_created_at_leftover', 'Drop Invalid Index Concurrently…');
  const drop = await modal(page, 'confirm-drop-invalid');
  assert.match(drop.text, /Database chat_development on 127\.0\.0\.1:\d+ as postgres/);
  assert.match(drop.text, /DROP INDEX CONCURRENTLY IF EXISTS "public"\."index_contacts_on_created_at_leftover";/);
  await closeModal(page, 'Cancel');

  // A session blocked by an idle transaction: terminate the blocker.
  const blocker = await connect(databaseUrl, 'stuck worker');
  const waiter = await connect(databaseUrl, 'app');
  await blocker.client.query('BEGIN');
  await blocker.client.query('UPDATE contacts SET phone = phone WHERE id = 2');
  const waiting = waiter.client.query('UPDATE contacts SET phone = phone WHERE id = 2').catch((e: unknown) => e);
  await runCommand(page, 'PG Index Guard: Refresh');
  await contextMenu(page, `PID ${waiter.pid} waits for PID ${blocker.pid}`, 'Terminate the Blocking Session…');
  const terminate = await modal(page, 'confirm-terminate-blocker');
  assert.match(terminate.text, new RegExp(`SELECT pg_terminate_backend\\(${blocker.pid}\\);`));
  assert.ok(terminate.buttons.includes('Keep Session'), terminate.buttons.join(' | '));
  await closeModal(page, 'Keep Session');
  await blocker.client.query('ROLLBACK');
  await waiting;

  // A build held in "waiting for writers": Cancel Build from the command palette.
  const writer = await connect(databaseUrl, 'writer');
  const builder = await connect(databaseUrl, 'migration');
  await writer.client.query('BEGIN');
  await writer.client.query('UPDATE contacts SET phone = phone WHERE id = 1');
  const build = builder.client.query('CREATE INDEX CONCURRENTLY index_contacts_on_email_e2e ON contacts (email)').catch((e: unknown) => e);
  await runCommand(page, 'PG Index Guard: Refresh');
  await treeItem(page, 'index_contacts_on_email_e2e on contacts');
  await runCommand(page, 'PG Index Guard: Cancel Index Build');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'index_contacts_on_email_e2e' }).first().waitFor({ timeout: 20_000 });
  await page.keyboard.press('Enter');
  const cancel = await modal(page, 'confirm-cancel-build');
  assert.ok(cancel.buttons.includes('Cancel Build') && cancel.buttons.includes('Keep Building'), cancel.buttons.join(' | '));
  assert.match(cancel.text, new RegExp(`SELECT pg_cancel_backend\\(${builder.pid}\\);`));
  await closeModal(page, 'Keep Building');
  await writer.client.query('COMMIT');
  assert.ok(!((await build) instanceof Error), 'the build was kept and finished');
});
