// `npm start` as a user meets it: the sandbox starts, a browser opens the printed URL,
// the sample migration shows the diagnostic, and Ctrl-C leaves nothing running.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startSandbox, type SandboxProcess } from './sandbox-process';
// @ts-expect-error plain ESM helper shared with the test runner
import { CHROMIUM_ARGS } from '../../scripts/vscode-server.mjs';

const root = resolve(__dirname, '../..');
const artifacts = join(root, 'test-artifacts');
let sandbox: SandboxProcess;
let browser: Browser | undefined;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  sandbox = startSandbox();
});

after(async () => {
  await browser?.close();
  if (sandbox.process.exitCode === null) sandbox.process.kill('SIGKILL');
});

test('npm start serves a VS Code whose sample migration shows the diagnostic, and stops cleanly', { timeout: 240_000 }, async () => {
  const [, url] = await sandbox.waitForOutput(/Open:\n\s+(http\S+)/, 180_000);
  const [, workspace] = /sample app: (\S+)/.exec(sandbox.output())!;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url!);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // A first-time user is greeted by the walkthrough, its first step ticked off (the sandbox connects by itself),
  // and the status bar says where the window is connected.
  await page.getByText('Get started with PG Index Guard').first().waitFor({ timeout: 60_000 });
  await page.locator('.getting-started-step[data-step-id$="connect"][aria-checked="true"]').waitFor({ timeout: 60_000 });
  await page.locator('.statusbar-item', { hasText: 'chat_development · 127.0.0.1 · development' }).waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(artifacts, 'sandbox-walkthrough.png') });
  // Open the sample migration through Quick Open, as a user would.
  await page.locator('.explorer-folders-view').waitFor({ timeout: 60_000 });
  // Focus in the workbench, not in the walkthrough's page, for the keyboard shortcut to reach it.
  await page.locator('.explorer-folders-view').click();
  await page.keyboard.press('Control+P');
  // Typed before Quick Open is up, the keys would filter the explorer instead (a loaded machine is slow to open it).
  await page.locator('.quick-input-widget input').waitFor({ timeout: 30_000 });
  await page.keyboard.type('20240301120000_add_index_to_messages');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: '20240301120000_add_index_to_messages' }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  // The squiggle under add_index: a warning raised to error, since messages is a large table.
  await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
    await page.screenshot({ path: join(artifacts, 'sandbox-no-squiggle.png') });
    throw error;
  });
  await page.keyboard.press('Control+Shift+M');
  await page.getByText('Index built without CONCURRENTLY on "messages"').first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(artifacts, 'sandbox.png') });

  // The sandbox connects by itself: the views show the seeded tables out of the box.
  await page.locator('.activitybar .action-item a[aria-label^="PG Index Guard"]').first().click();
  await page.getByText(/messages\s*~10k rows/).first().waitFor({ timeout: 60_000 });
  await page.getByText('add_index_to_messages_on_conversation_id').first().waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(artifacts, 'sandbox-views.png') });

  sandbox.process.kill('SIGINT');
  const code = await new Promise<number | null>((r) => sandbox.process.once('exit', (c) => r(c)));
  assert.equal(code, 0, sandbox.output());
  assert.match(sandbox.output(), /nothing left running/);
  assert.equal(existsSync(workspace!), false, 'the scratch folder is removed');
});
