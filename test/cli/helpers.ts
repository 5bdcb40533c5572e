// Shared by the CLI suites: fixture paths, an in-process runner, and a temporary copy of the
// fixture Rails app with the folders the walker must skip (git cannot hold a .git folder and
// node_modules is ignored, so they are made here).
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { RULES } from '../../src/core/rules';
import { runCli } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';

export const ROOT = join(__dirname, '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'cli');
export const RAILS_APP = join(FIXTURES, 'rails-app');
export const BAD_MIGRATION = join(RAILS_APP, 'db', 'migrate', '20240102000000_add_index_to_messages.rb');
export const GOOD_MIGRATION = join(RAILS_APP, 'db', 'migrate', '20240103000000_add_index_to_notifications_concurrently.rb');
export const CREATE_TABLE_MIGRATION = join(RAILS_APP, 'db', 'migrate', '20240101000000_create_widgets.rb');
export const BROKEN_MIGRATION = join(RAILS_APP, 'db', 'migrate', '20240104000000_broken.rb');

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** This test file's build history (see run()), removed when the process exits. */
export const TEST_BUILD_HISTORY = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'pgig-history-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'build-history.json');
})();

/** Runs `pg-index-guard <args>` in this process, as a user in `cwd` would. */
export async function run(args: string[], options: { cwd?: string; env?: Record<string, string>; tty?: boolean } = {}): Promise<CliOutcome> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    cwd: options.cwd ?? RAILS_APP,
    // Colors and thread counts must not leak in from the environment running the tests.
    // Each test file its own build history: another file's builds must not change its estimates.
    env: { PG_INDEX_GUARD_THREADS: '1', PG_INDEX_GUARD_BUILD_HISTORY: TEST_BUILD_HISTORY, ...options.env },
    stdoutIsTTY: options.tty ?? false,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/**
 * The CLI as one bundle in `folder` (dist/ is rebuilt by the bundle suite while others run),
 * with the parsers' WASM beside it: a process can run it from there, whoever it runs as.
 */
export async function buildCliBundleInto(folder: string): Promise<void> {
  const require = createRequire(__filename);
  const { build } = require('esbuild') as typeof import('esbuild');
  await build({
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    external: ['vscode', 'pg-native'],
    entryPoints: [join(ROOT, 'src/cli/main.ts')],
    outfile: join(folder, 'cli.js'),
  });
  copyFileSync(require.resolve('@ruby/prism/src/prism.wasm'), join(folder, 'prism.wasm'));
  copyFileSync(join(dirname(require.resolve('libpg-query')), 'libpg-query.wasm'), join(folder, 'libpg-query.wasm'));
}

/** A temporary folder; removed by the returned function. */
export function tempDir(prefix = 'pg-index-guard-cli-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * The fixture app copied to a temporary folder, plus bad migrations where the walker must not
 * look: node_modules/, .git/ and another dot folder.
 */
export function makeRailsApp(): { path: string; remove: () => void } {
  const dir = tempDir('pg-index-guard-app-');
  cpSync(RAILS_APP, dir.path, { recursive: true });
  const bad = readFileSync(BAD_MIGRATION, 'utf8');
  for (const folder of ['node_modules/some-engine/db/migrate', '.git/objects/db/migrate', '.bundle/gems/db/migrate', 'db/.archive']) {
    mkdirSync(join(dir.path, folder), { recursive: true });
    writeFileSync(join(dir.path, folder, '20200101000000_add_index_to_messages.rb'), bad);
  }
  return dir;
}

/** Writes a config that turns every rule off except the given ones (at their default or a given severity). */
export function writeOnlyRulesConfig(path: string, enabled: Record<string, string>): string {
  const rules = Object.fromEntries([...RULES.keys()].map((id) => [id, enabled[id] ?? 'off']));
  writeFileSync(path, JSON.stringify({ rules }, null, 2));
  return path;
}

/** Ways Ruby nests, as an expression `depth` levels deep. */
export const RUBY_NESTINGS: Record<string, (depth: number) => string> = {
  blocks: (n) => '[1].map do\n'.repeat(n) + '1\n' + 'end\n'.repeat(n),
  parentheses: (n) => '('.repeat(n) + '1' + ')'.repeat(n),
  calls: (n) => 'f('.repeat(n) + '1' + ')'.repeat(n),
};

/** A migration with one blocking add_index on messages, after an expression nested `depth` levels deep. */
export function nestedMigration(name: string, nesting: string): string {
  return `class ${name} < ActiveRecord::Migration[7.1]\n  def change\n    nested = ${nesting}\n    add_index :messages, :user_id\n  end\nend\n`;
}
