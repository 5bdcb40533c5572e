// `npm run bench -- orm`: lints a corpus of real Django and Node ORM migrations (Knex, TypeORM,
// node-pg-migrate, Sequelize) and prints what the issue measures: files, crashes (internal
// errors), files with a parse error (each reported once), findings on an index of a table the
// same migration creates (should be none), findings by rule, time per file.
//
// The corpus is not tracked: it is extracted from git mirrors of public projects (the session's
// `fetch` tool brings them to /work/.mirror/<owner>+<name>/repo) into --corpus (default
// $TMPDIR/pg-index-guard-orm-corpus), once; later runs reuse it.
//   npm run bench -- orm [--mirrors /work/.mirror] [--corpus <dir>] [--rebuild]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultContext } from '../../src/core/lint-context';
import { INTERNAL_ERROR, SYNTAX_ERROR, isMigrationPath, languageOfPath, lintSource, loadParsers, type MigrationLanguage } from '../../src/core/lint';
import { normalizeTable } from '../../src/core/rules/helpers';
import type { BenchSection } from './section';
import { count, ms, percentile, printTable, type Row } from './table';

const DJANGO_FILE = /(^|\/)migrations\/\d{4}_[^/]*\.py$/;
const NODE_FILE = /(^|\/)migrations?\/[^/]*\.(ts|js|mjs|cjs)$/;

/** Copies the migration files of every mirror under `mirrors` into `corpus/<owner+name>/<path>`. */
export function buildCorpus(mirrors: string, corpus: string): number {
  let files = 0;
  for (const name of existsSync(mirrors) ? readdirSync(mirrors).sort() : []) {
    const gitDir = join(mirrors, name, 'repo');
    if (!existsSync(gitDir)) continue;
    let listing: string;
    try {
      listing = execFileSync('git', ['--git-dir', gitDir, 'ls-tree', '-r', '--name-only', 'HEAD'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    } catch {
      continue;
    }
    const paths = listing.split('\n').filter((p) => (DJANGO_FILE.test(p) || NODE_FILE.test(p)) && !/\.d\.ts$|\.(test|spec)\.[cm]?[jt]s$/.test(p));
    for (const path of paths) {
      let text: Buffer;
      try {
        text = execFileSync('git', ['--git-dir', gitDir, 'show', `HEAD:${path}`], { maxBuffer: 1 << 26 });
      } catch {
        continue; // a large file the snapshot left out
      }
      const target = join(corpus, name, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
      files++;
    }
  }
  return files;
}

function listFiles(folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else found.push(path);
    }
  };
  if (existsSync(folder)) walk(folder);
  return found.sort();
}

interface Tally {
  files: number;
  migrations: number;
  internalErrors: number;
  parseErrorFiles: number;
  parseErrorsMoreThanOnce: number;
  onCreatedTable: number;
  findings: Map<string, number>;
  times: number[];
}

export const ormSection: BenchSection = {
  name: 'orm',
  description: 'real Django / Knex / TypeORM / node-pg-migrate / Sequelize migrations: crashes, parse errors, false positives on new tables',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { mirrors: { type: 'string' }, corpus: { type: 'string' }, rebuild: { type: 'boolean' } },
      strict: false,
    });
    const mirrors = (values.mirrors as string | undefined) ?? '/work/.mirror';
    const corpus = (values.corpus as string | undefined) ?? join(tmpdir(), 'pg-index-guard-orm-corpus');
    if (values.rebuild) rmSync(corpus, { recursive: true, force: true });
    if (!existsSync(corpus)) {
      const built = buildCorpus(mirrors, corpus);
      console.log(`corpus: ${count(built)} files extracted from the mirrors in ${mirrors} into ${corpus}`);
    }
    const files = listFiles(corpus).filter((f) => {
      const language = languageOfPath(f);
      return language !== null && language !== 'ruby' && language !== 'sql' && isMigrationPath(f, language);
    });
    if (files.length === 0) {
      console.log(`No corpus in ${corpus} (and no mirrors in ${mirrors}): fetch some public projects first.`);
      return;
    }
    const parsers = await loadParsers(['sql', 'python', 'typescript', 'javascript']);
    const context = defaultContext();
    const tallies = new Map<string, Tally>();
    for (const path of files) {
      const language = languageOfPath(path) as MigrationLanguage;
      const kind = language === 'python' ? 'Django' : 'Node ORMs';
      const tally: Tally = tallies.get(kind) ?? { files: 0, migrations: 0, internalErrors: 0, parseErrorFiles: 0, parseErrorsMoreThanOnce: 0, onCreatedTable: 0, findings: new Map(), times: [] };
      tallies.set(kind, tally);
      const source = readFileSync(path, 'utf8');
      const started = performance.now();
      const result = lintSource(relative(corpus, path), source, language, context, parsers);
      tally.times.push(performance.now() - started);
      tally.files++;
      if (result.file?.isMigration) tally.migrations++;
      const syntax = result.findings.filter((f) => f.ruleId === SYNTAX_ERROR).length;
      if (syntax > 0) tally.parseErrorFiles++;
      if (syntax > 1) tally.parseErrorsMoreThanOnce++;
      for (const finding of result.findings) {
        if (finding.ruleId === INTERNAL_ERROR) {
          tally.internalErrors++;
          console.log(`  internal error: ${relative(corpus, path)}: ${finding.message}`);
        }
        tally.findings.set(finding.ruleId, (tally.findings.get(finding.ruleId) ?? 0) + 1);
        const table = finding.operation?.table;
        if (table && result.file) {
          const created = result.file.operations.some((o) => o.kind === 'createTable' && o.table !== null && normalizeTable(o.table) === normalizeTable(table) && o.range.start <= finding.operation!.range.start && o.direction === finding.operation!.direction);
          if (created) tally.onCreatedTable++;
        }
      }
    }
    const rows: Row[] = [];
    for (const [kind, t] of tallies) {
      const sorted = [...t.times].sort((a, b) => a - b);
      rows.push({
        corpus: kind,
        files: count(t.files),
        migrations: count(t.migrations),
        crashes: count(t.internalErrors),
        'parse errors': `${count(t.parseErrorFiles)} files${t.parseErrorsMoreThanOnce ? ` (${t.parseErrorsMoreThanOnce} more than once)` : ', once each'}`,
        'on new tables': count(t.onCreatedTable),
        'median / p99 per file': `${ms(percentile(sorted, 50))} / ${ms(percentile(sorted, 99))}`,
      });
    }
    printTable(`Real migrations in ${corpus}`, rows, ['files', 'migrations', 'crashes', 'on new tables']);
    for (const [kind, t] of tallies) {
      printTable(
        `${kind}: findings by rule`,
        [...t.findings].sort((a, b) => b[1] - a[1]).map(([rule, n]) => ({ rule, findings: count(n) })),
        ['findings'],
      );
    }
  },
};

if (require.main === module) void ormSection.run(process.argv.slice(2));
