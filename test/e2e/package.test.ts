// The .vsix as a user gets it: `npm run package`, installed into a VS Code (the server build)
// with its own CLI, then a migration opened in the browser shows the finding — the parsers'
// WASM files load from the installed package, not from this repository.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
// @ts-expect-error plain ESM helper shared with the test runner
import { CHROMIUM_ARGS, ensureVsCodeServer, startVsCodeServer, workbenchUrl } from '../../scripts/vscode-server.mjs';
// @ts-expect-error plain ESM helper shared with the packaging scripts
import { CLI_FILES } from '../../scripts/lib/stage.mjs';

const root = resolve(__dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'pgig-vsix-'));
let browser: Browser | undefined;
let server: { port: number; stop(): Promise<void> } | undefined;

after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('npm run package makes a .vsix that installs into VS Code and lints a migration', { timeout: 240_000 }, async () => {
  const packaged = spawnSync('npm', ['run', '-s', 'package'], { cwd: root, encoding: 'utf8' });
  assert.equal(packaged.status, 0, packaged.stdout + packaged.stderr);
  const vsix = join(root, 'pg-index-guard.vsix');

  const vscodeDir: string = ensureVsCodeServer();
  const dataDir = join(work, 'data');
  const extensionsDir = join(dataDir, 'server-data', 'extensions');
  mkdirSync(extensionsDir, { recursive: true });
  const installed = execFileSync(
    process.execPath,
    [join(vscodeDir, 'out/server-main.js'), '--install-extension', vsix, '--extensions-dir', extensionsDir, '--accept-server-license-terms'],
    { encoding: 'utf8' },
  );
  assert.match(installed, /successfully installed/);
  const [folder] = readdirSync(extensionsDir).filter((name) => name.startsWith('pg-index-guard.'));
  assert.ok(folder, 'the extension folder exists');
  const files = readdirSync(join(extensionsDir, folder, 'dist')).sort();
  // The extension's bundles and the CLI's files (the extension runs the CLI's language server and commands).
  assert.deepEqual(files, [...new Set([...CLI_FILES, 'extension.js', 'webview.js'])].sort());
  const top = readdirSync(join(extensionsDir, folder)).sort();
  for (const absent of ['src', 'test', 'node_modules', 'scripts', 'webview']) assert.ok(!top.includes(absent), `${absent} is not shipped`);
  // contributes.jsonValidation points at it: completion in .pg-index-guard.json.
  assert.deepEqual(readdirSync(join(extensionsDir, folder, 'schemas')), ['pg-index-guard.schema.json']);

  const workspace = join(work, 'app');
  cpSync(join(root, 'test/fixtures/rails-app'), workspace, { recursive: true });
  server = await startVsCodeServer({ vscodeDir, dataDir });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(workbenchUrl(server!.port, { folder: workspace }));
  await page.locator('.explorer-folders-view').waitFor({ timeout: 60_000 });
  await page.keyboard.press('Control+P');
  await page.keyboard.type('20240318100000_add_index_to_conversations');
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  await page.locator('.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning').first().waitFor({ timeout: 60_000 });
  const title = await page.title();
  assert.doesNotMatch(title, /Extension Development Host/, 'the installed extension, not the development one');
  await page.screenshot({ path: join(root, 'test-artifacts', 'installed-vsix.png') });
});
