#!/usr/bin/env node
// The same mocha suite in desktop VS Code, through @vscode/test-electron. It downloads
// VS Code, so it only works where that download is possible (a developer laptop);
// CI and these machines use scripts/run-vscode-tests.mjs (the server build in Chromium).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'pgig-electron-'));
const workspace = join(work, 'workspace');
cpSync(join(root, 'test/fixtures/rails-app'), workspace, { recursive: true });
try {
  await runTests({
    version: process.env.VSCODE_VERSION ?? '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out/test/vscode/index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(work, 'user-data')],
    extensionTestsEnv: { PGIG_TEST_WORKSPACE: workspace },
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
