// `npm run bench -- large [--sizes 1,5,50]`: one big migration at a time through the bundled CLI,
// written on one line and on many, Ruby and SQL: the time per MB must stay flat as files grow
// (positions and lines are computed once a file, not once a finding). Sizes in MB; the default
// run stays short, `--sizes 1,5,10,50` gives the large figures.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchSection } from './section';
import { buildCli, CLI, measureCommand } from './cli-runs';
import { printTable, seconds, type Row } from './table';

export type Layout = 'one line' | 'multi-line';

/** A Rails migration of about `bytes` bytes: add_index calls (every one a finding), on one line or one a line. */
export function largeRubyMigration(bytes: number, layout: Layout): string {
  const oneLine = layout === 'one line';
  const separator = oneLine ? '; ' : '\n    ';
  const calls: string[] = [];
  for (let length = 0, i = 0; length < bytes; i++) {
    const call = `add_index :messages, :column_${i}`;
    calls.push(call);
    length += call.length + separator.length;
  }
  return oneLine
    ? `class AddIndexes < ActiveRecord::Migration[7.1]; def change; ${calls.join(separator)}; end; end\n`
    : `class AddIndexes < ActiveRecord::Migration[7.1]\n  def change\n    ${calls.join(separator)}\n  end\nend\n`;
}

/**
 * A SQL migration of about `bytes` bytes: CREATE INDEX statements, one in ten on an expression
 * (which the fast reader leaves to libpg-query), separated by a space or a newline.
 */
export function largeSqlMigration(bytes: number, layout: Layout): string {
  const separator = layout === 'one line' ? ' ' : '\n';
  const statements: string[] = [];
  for (let length = 0, i = 0; length < bytes; i++) {
    const statement = i % 10 === 9 ? `CREATE INDEX index_messages_on_lower_c${i} ON messages ((lower(c${i})));` : `CREATE INDEX index_messages_on_c${i} ON messages (c${i});`;
    statements.push(statement);
    length += statement.length + separator.length;
  }
  return statements.join(separator) + '\n';
}

const MB = 1024 * 1024;

export const largeFilesSection: BenchSection = {
  name: 'large',
  description: 'one large migration (Ruby, SQL; one line, many lines) through the CLI: time per MB by size',
  async run(args) {
    const { values } = parseArgs({ args, strict: false, options: { sizes: { type: 'string' }, 'no-build': { type: 'boolean' } } });
    const sizes = String(values.sizes ?? '1,5')
      .split(',')
      .map(Number)
      .filter((n) => n > 0);
    if (values['no-build'] !== true) buildCli();
    const work = mkdtempSync(join(tmpdir(), 'pgig-bench-large-'));
    // NODE_EXTRA_CA_CERTS makes node read a CA bundle before running anything: not the CLI's time.
    const env = { ...process.env };
    delete env['NODE_EXTRA_CA_CERTS'];
    try {
      const config = join(work, 'config.json');
      writeFileSync(config, JSON.stringify({ maxFileSize: (Math.max(...sizes) + 1) * MB }));
      const rows: Row[] = [];
      for (const [language, write] of [
        ['Ruby', largeRubyMigration],
        ['SQL', largeSqlMigration],
      ] as const) {
        for (const layout of ['one line', 'multi-line'] as const) {
          for (const size of sizes) {
            const file = join(work, `large.${language === 'Ruby' ? 'rb' : 'sql'}`);
            writeFileSync(file, write(size * MB, layout));
            const bytes = statSync(file).size;
            const run = measureCommand(process.execPath, [CLI, 'lint', file, '--format', 'json', '--config', config], work, { env, discardOutput: true });
            const problem = run.stderr.trim().split('\n')[0] ?? '';
            rows.push({
              file: `${language}, ${layout}`,
              size: `${(bytes / MB).toFixed(1)} MB`,
              time: seconds(run.wallMs),
              'per MB': `${(run.wallMs / (bytes / MB)).toFixed(0)} ms`,
              'peak RSS': run.maxRssBytes === null ? '?' : `${(run.maxRssBytes / MB).toFixed(0)} MB`,
              exit: String(run.exitCode),
              stderr: problem.slice(0, 80),
            });
          }
        }
      }
      printTable(`One large file through \`lint --format json\` (wall time, start-up included; maxFileSize raised to fit)`, rows, ['size', 'time', 'per MB', 'peak RSS']);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
