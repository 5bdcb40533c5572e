// `npm run bench -- editor`: what a user of the extension waits for, in the real VS Code server
// driven by headless Chromium (the VS Code suite's runner, scripts/run-vscode-tests.mjs, with
// the bench's own module out/bench/vscode/index.js, built from scripts/bench/editor-host.ts):
//  - activation: a migration opened in an editor (nothing activated the extension before), to
//    its first diagnostic; and VS Code's own marks around the extension's activate();
//  - keystroke to diagnostic on a 5,000-line Rails migration and a 5,000-line SQL one: an edit
//    that moves every finding by a line, to the diagnostics that show them moved; with the
//    default lintDelay (250 ms debounce: what a user waits) and with lintDelay 0 (the lint path);
//  - extension-host memory (process.memoryUsage() inside it) before activation, after the
//    first diagnostic, and with the app's 200 migrations open and linted; then the heap after a
//    full GC (V8 collects before a heap snapshot, which the host takes and throws away).
// Figures only; nothing is asserted. Options: --edits <n> per file and delay (default 40), --no-build, --keep.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './cli-runs';
import type { EditorBenchResults } from './editor-host';
import type { BenchSection } from './section';
import { median, mib, ms, percentile, printTable, seconds, type Row } from './table';

const MIGRATIONS = 200;
const BIG_LINES = 5_000;

export const editorSection: BenchSection = {
  name: 'editor',
  description: 'VS Code: activation to first diagnostic, keystroke to diagnostic on 5,000 lines, extension-host memory',
  async run(args) {
    const { values } = parseArgs({ args, strict: false, options: { edits: { type: 'string' }, 'no-build': { type: 'boolean' }, keep: { type: 'boolean' } } });
    const edits = Math.max(4, Number(values.edits ?? 40));
    const bundle = join(ROOT, 'out', 'bench', 'vscode', 'index.js');
    if (values['no-build'] !== true || !existsSync(bundle)) {
      const started = performance.now();
      const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
      console.log(`built the extension and the bench module in ${seconds(performance.now() - started)}`);
    }
    const work = mkdtempSync(join(tmpdir(), 'pgig-bench-editor-'));
    const workspace = join(work, 'workspace');
    const resultsFile = join(work, 'results.json');
    try {
      writeWorkspace(workspace);
      const env: NodeJS.ProcessEnv = { ...process.env, PGIG_BENCH_RESULTS: resultsFile, PGIG_BENCH_EDITS: String(edits) };
      delete env['NODE_EXTRA_CA_CERTS'];
      const started = performance.now();
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'scripts', 'run-vscode-tests.mjs'), '--tests', bundle, '--workspace', workspace, '--no-database'],
        { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      if (run.status !== 0 || !existsSync(resultsFile)) {
        throw new Error(`the VS Code run failed (exit ${run.status}):\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-4000)}`);
      }
      console.log(`VS Code ${JSON.parse(readFileSync(resultsFile, 'utf8')).vscodeVersion} server in headless Chromium, ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}); run took ${seconds(performance.now() - started)}`);
      print(JSON.parse(readFileSync(resultsFile, 'utf8')) as EditorBenchResults);
    } finally {
      if (values.keep) console.log(`kept ${work}`);
      else rmSync(work, { recursive: true, force: true });
    }
  },
};

function print(r: EditorBenchResults): void {
  const a = r.activation;
  printTable('Activation (a migration opened in an editor; the extension was not active before)', [
    { step: 'open the migration -> its first diagnostic', time: ms(a.openToFirstDiagnosticMs, 0) },
    { step: "  of which the extension's activate() (VS Code's marks)", time: a.activateCallMs === null ? 'n/a' : ms(a.activateCallMs, 0) },
    { step: '  of which open -> activation starts', time: a.openToActivateStartMs === null ? 'n/a' : ms(a.openToActivateStartMs, 0) },
  ]);
  if (r.activeBeforeOpen) console.log('note: the extension was active before the migration was opened; the activation figure is not a cold one.');
  const rows: Row[] = r.keystrokes.map((k) => {
    const sorted = [...k.samplesMs].sort((x, y) => x - y);
    return {
      file: `${k.file} (${k.lines.toLocaleString('en-US')} lines, ${k.diagnostics} diagnostics)`,
      lintDelay: `${k.lintDelayMs} ms`,
      edits: String(k.edits),
      median: ms(median(sorted), 0),
      p95: ms(percentile(sorted, 95), 0),
      max: ms(sorted[sorted.length - 1] ?? NaN, 0),
      'open -> first diagnostic': ms(k.openToFirstDiagnosticMs, 0),
    };
  });
  printTable('Keystroke -> diagnostic (an edit through the editor API, to the diagnostics that show its effect; lintDelay 250 ms is the default debounce)', rows, ['edits', 'median', 'p95', 'max', 'open -> first diagnostic']);
  printTable(
    `Extension-host memory (process.memoryUsage() in the host, which also runs VS Code's built-in extensions; ${r.workspace.migrations} migrations linted in ${ms(r.workspace.allLintedMs, 0)})`,
    r.memory.map((m) => ({ when: m.when, RSS: mib(m.rss), 'heap used': mib(m.heapUsed), 'heap total': mib(m.heapTotal), 'external (WASM memories)': mib(m.external) })),
    ['RSS', 'heap used', 'heap total', 'external (WASM memories)'],
  );
  console.log(`heap used after a full GC, ${r.workspace.migrations} migrations still open: ${mib(r.liveHeapUsedAtEnd)} (heap used above counts garbage not collected yet)`);
}

/** app/: a Rails app with MIGRATIONS migrations (each with findings); big/: the 5,000-line files. */
function writeWorkspace(workspace: string): void {
  const migrate = join(workspace, 'app', 'db', 'migrate');
  mkdirSync(migrate, { recursive: true });
  mkdirSync(join(workspace, 'big'), { recursive: true });
  mkdirSync(join(workspace, 'app', 'config'), { recursive: true });
  writeFileSync(join(workspace, 'app', 'Gemfile'), "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\n");
  const tables = ['messages', 'conversations', 'contacts', 'notifications', 'accounts', 'users', 'inboxes', 'attachments'];
  for (let i = 1; i <= MIGRATIONS; i++) {
    const table = tables[i % tables.length]!;
    const column = `column_${i}`;
    const body =
      i % 3 === 0
        ? `  disable_ddl_transaction!\n\n  def change\n    add_index :${table}, :${column}, algorithm: :concurrently\n  end\n`
        : i % 3 === 1
          ? `  def change\n    add_column :${table}, :${column}, :bigint\n    add_index :${table}, :${column}\n  end\n`
          : `  def up\n    execute "CREATE INDEX index_${table}_on_${column} ON ${table} (${column})"\n  end\n\n  def down\n    remove_index :${table}, name: :index_${table}_on_${column}\n  end\n`;
    writeFileSync(join(migrate, `${20240101000000 + i}_add_${column}_to_${table}.rb`), `class Add${i}To${table[0]!.toUpperCase()}${table.slice(1)} < ActiveRecord::Migration[7.1]\n${body}end\n`);
  }
  writeFileSync(join(workspace, 'big', '20240601000000_big_data_migration.rb'), bigRailsMigration(tables));
  writeFileSync(join(workspace, 'big', 'big_migration.sql'), bigSqlMigration(tables));
}

/** A 5,000-line data migration: index changes among data fixes, SQL heredocs and tables created here. */
function bigRailsMigration(tables: string[]): string {
  const lines = ['class BigDataMigration < ActiveRecord::Migration[7.1]', '  def up'];
  // Whole blocks only (a cut one would not parse), then comment lines up to the size.
  for (let i = 0; lines.length + 14 <= BIG_LINES - 2; i++) {
    const table = tables[i % tables.length]!;
    lines.push(
      `    # batch ${i}: backfill and index ${table}`,
      `    add_index :${table}, [:account_id, :column_${i}]`,
      `    ${table.slice(0, -1).replace(/^./, (c) => c.toUpperCase())}.where(column_${i}: nil).in_batches(of: 1_000) do |batch|`,
      `      batch.update_all(column_${i}: 0)`,
      '    end',
      '    execute <<~SQL',
      `      UPDATE ${table} SET status = 1 WHERE status IS NULL AND id > ${i * 1000};`,
      '    SQL',
      `    create_table :archive_${i} do |t|`,
      `      t.references :${table.slice(0, -1)}, null: false`,
      '      t.timestamps',
      '    end',
      `    remove_index :${table}, name: :index_${table}_on_old_${i}, if_exists: true`,
      '',
    );
  }
  while (lines.length < BIG_LINES - 2) lines.push('    # (end of the batches)');
  lines.push('  end', 'end', '');
  return lines.join('\n');
}

function bigSqlMigration(tables: string[]): string {
  const lines = ['-- a long hand-written migration', 'SET lock_timeout = 0;'];
  for (let i = 0; lines.length + 9 <= BIG_LINES; i++) {
    const table = tables[i % tables.length]!;
    lines.push(
      `-- step ${i}`,
      `CREATE INDEX index_${table}_on_column_${i} ON ${table} (account_id, column_${i});`,
      `UPDATE ${table}`,
      `   SET status = 1`,
      ` WHERE status IS NULL AND id BETWEEN ${i * 1000} AND ${i * 1000 + 999};`,
      `CREATE TABLE archive_${i} (id bigint PRIMARY KEY, ${table.slice(0, -1)}_id bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now());`,
      `CREATE INDEX ON archive_${i} (${table.slice(0, -1)}_id);`,
      `DROP INDEX IF EXISTS index_${table}_on_old_${i};`,
      '',
    );
  }
  while (lines.length < BIG_LINES) lines.push('-- (end of the steps)');
  return `${lines.join('\n')}\n`;
}
