// One end-to-end run in a real editor other than VS Code: Debian's Neovim (0.7.2 here, installed
// by .ci/run), headless, attaches the language server the way a user's init.lua does
// (vim.lsp.start_client + vim.lsp.buf_attach_client), reads the published diagnostics, applies a
// code action and sees its diagnostic go. test/lsp/neovim/run.lua is the Neovim side.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from '../cli/helpers';
import { buildServer, copyInto, tempDir } from './client';

const MIGRATION = 'db/migrate/20240301120000_add_index_to_messages_on_conversation_id.rb';

interface NeovimDiagnostic {
  lnum: number;
  col: number;
  severity: number;
  message: string;
  source: string;
  code: string;
  href: string | null;
}

interface NeovimRun {
  error?: string;
  filetype: string;
  attached: boolean;
  steps: { diagnosed?: boolean; applied?: boolean; cleared?: boolean; stopped?: boolean };
  diagnostics: NeovimDiagnostic[];
  actions: string[];
  after?: NeovimDiagnostic[];
  text?: string;
}

let folder: { path: string; remove: () => void };
let cli: string;
before(async () => {
  folder = tempDir('pg-index-guard-neovim-');
  cli = await buildServer(join(folder.path, 'bundle'));
});
after(() => folder.remove());

test('Neovim (headless) shows the server diagnostics and applies its code action', () => {
  const app = join(folder.path, 'app');
  copyInto(app, join(ROOT, 'test/fixtures/rails-app', MIGRATION), MIGRATION);
  writeFileSync(join(app, 'Gemfile'), "source 'https://rubygems.org'\n");
  const out = join(folder.path, 'neovim.json');
  const env: Record<string, string | undefined> = {
    ...process.env,
    PGIG_OUT: out,
    PGIG_CLI: cli,
    PGIG_ROOT: app,
    PGIG_NODE: process.execPath,
    // Neovim's state and log files go to the temporary folder, not the user's home.
    XDG_STATE_HOME: join(folder.path, 'state'),
    XDG_CACHE_HOME: join(folder.path, 'cache'),
    XDG_DATA_HOME: join(folder.path, 'data'),
    XDG_CONFIG_HOME: join(folder.path, 'config'),
  };
  delete env['NODE_OPTIONS'];
  const nvim = spawnSync('nvim', ['--headless', '--clean', '-c', `luafile ${join(ROOT, 'test/lsp/neovim/run.lua')}`, MIGRATION], {
    cwd: app,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(nvim.error, undefined, `could not run nvim (Debian's neovim package; .ci/run installs it): ${nvim.error?.message}`);
  assert.equal(nvim.status, 0, `nvim exited ${nvim.status} ${nvim.signal ?? ''}\n${nvim.stdout}\n${nvim.stderr}`);
  const run = JSON.parse(readFileSync(out, 'utf8')) as NeovimRun;
  assert.equal(run.error, undefined);
  assert.equal(run.filetype, 'ruby');
  assert.equal(run.attached, true);
  assert.equal(run.steps.diagnosed, true, 'diagnostics arrived');

  // initializationOptions reached the server: messages is large, so the finding is an error (1).
  const [concurrent, timeouts] = run.diagnostics;
  assert.equal(run.diagnostics.length, 2, JSON.stringify(run.diagnostics));
  assert.deepEqual(concurrent, {
    lnum: 2,
    col: 4,
    severity: 1,
    source: 'pg-index-guard',
    code: 'require-concurrent-index-creation',
    href: 'https://github.com/pg-index-guard/pg-index-guard/blob/main/docs/rules/require-concurrent-index-creation.md',
    message: 'Index built without CONCURRENTLY on "messages": writes to the table are blocked for the whole build (messages: large, listed in largeTables).',
  });
  assert.equal(timeouts!.code, 'require-timeouts');

  assert.ok(run.actions.includes('Disable require-concurrent-index-creation for this line'), run.actions.join('\n'));
  assert.ok(run.actions.some((title) => title.startsWith('Build the index concurrently')), run.actions.join('\n'));
  assert.equal(run.steps.applied, true);
  assert.equal(run.steps.cleared, true, 'the disabled finding went away');
  assert.deepEqual(run.after!.map((d) => d.code), ['require-timeouts']);
  assert.match(run.text!, /^ {4}# pg-index-guard:disable-next-line require-concurrent-index-creation\n {4}add_index :messages, :conversation_id$/m);
  assert.equal(run.steps.stopped, true, 'the server stopped when Neovim asked');
});
