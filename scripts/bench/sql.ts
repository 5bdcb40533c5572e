// `npm run bench -- sql`: our CLI against squawk (the peer, npm package squawk-cli) over the same
// SQL migrations: the real-world corpus when `npm run bench:corpus` has built it (corpus.ts), else
// a generated one (--generated forces it), each through its own command line, start-up included:
//  - ours:          node dist/cli.js lint <dir> --format json (what `pg-index-guard` runs)
//  - squawk binary: squawk's native binary, as a Homebrew or cargo install runs it, with the
//                   folder's glob (it takes paths or patterns, not folders)
//  - squawk:        the `squawk` command squawk-cli installs (node js/bin/squawk, which spawns
//                   that binary), the same way
// Prints files per second, wall time, CPU time and peak RSS of each, the ratio, how statements are
// read (fast path, not parsed, libpg-query) and, on the real-world corpus, where the CPU time goes.
// Target: our CLI at least as fast as squawk's binary over the whole corpus, start-up included.
// Also runnable alone: node --import tsx scripts/bench/sql.ts [--generated] [--files n] [--runs n] [--profile]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSquawk, squawkBinary, squawkCommand } from '../../test/squawk/squawk';
import { lexSql } from '../../src/core/parsers/sql/lexer';
import { loadSqlParser, type SqlParser } from '../../src/core/parsers/sql/libpg-query';
import { readSqlText } from '../../src/core/parsers/sql/statements';
import { buildCli, CLI, CORPUS_BENCH_OPTIONS, measureCommand, profileCli, ROOT, type CommandRun } from './cli-runs';
import { loadCorpus } from './corpus';
import { prng } from './rails-corpus';
import type { BenchSection } from './section';
import { count, median, mib, ms, printTable, seconds, type Row } from './table';

const DEFAULT_FILES = 3000;

// ---------------------------------------------------------------------------------------------
// Corpus: what SQL migration folders hold. Mostly index work on existing tables, tables with
// their indexes, column changes, timeouts, some goose / dbmate files, BEGIN ... COMMIT blocks,
// functions with dollar quotes, comments, and a rare file that does not parse.

const TABLES = [
  'messages', 'conversations', 'contacts', 'notifications', 'users', 'accounts', 'inboxes', 'attachments',
  'campaigns', 'labels', 'taggings', 'events', 'audit_logs', 'webhooks', 'teams', 'team_members',
  'reporting_events', 'contact_inboxes', 'mentions', 'csat_survey_responses', 'articles', 'portals',
];
const COLUMNS = [
  'account_id', 'conversation_id', 'contact_id', 'inbox_id', 'user_id', 'assignee_id', 'team_id', 'created_at',
  'updated_at', 'status', 'message_type', 'source_id', 'email', 'phone_number', 'identifier', 'uuid', 'name',
  'display_id', 'last_activity_at', 'priority', 'sender_type', 'sender_id', 'content_type', 'deleted_at',
];
const TYPES = ['bigint', 'integer', 'text', 'varchar(255)', 'boolean NOT NULL DEFAULT false', 'timestamptz', 'jsonb', 'numeric(12,2)', 'uuid'];
const COMMENTS = [
  '-- Speeds up the conversation list filters.',
  '-- Needed by the reporting dashboard.',
  '-- TODO: drop the old index once this one is live.',
  '-- See https://github.com/example/app/issues/1234',
  '-- The table is large: built concurrently, outside a transaction.',
  '/* Backfilled in a separate job. */',
];

interface Gen {
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  int(min: number, max: number): number;
}

function gen(seed: number): Gen {
  const random = prng(seed);
  return {
    pick: (items) => items[Math.floor(random() * items.length)]!,
    chance: (p) => random() < p,
    int: (min, max) => min + Math.floor(random() * (max - min + 1)),
  };
}

function columns(g: Gen): string[] {
  if (g.chance(0.6)) return [g.pick(COLUMNS)];
  return [...new Set(Array.from({ length: g.int(2, 3) }, () => g.pick(COLUMNS)))];
}

function createIndex(g: Gen, table: string, concurrent: boolean): string {
  const cols = columns(g);
  const unique = g.chance(0.2) ? 'UNIQUE ' : '';
  const guard = g.chance(0.5) ? 'IF NOT EXISTS ' : '';
  const name = `index_${table}_on_${cols.join('_and_')}`.slice(0, 63);
  const using = g.chance(0.08) ? ` USING ${g.pick(['gin', 'brin', 'btree'])}` : '';
  const where = g.chance(0.15) ? ` WHERE ${g.pick(['deleted_at IS NULL', 'status IN (0, 1)', 'private = false'])}` : '';
  const keys = cols.map((c) => (g.chance(0.05) ? `${c} DESC` : c)).join(', ');
  const head = `CREATE ${unique}INDEX ${concurrent ? 'CONCURRENTLY ' : ''}${guard}${name}`;
  if (g.chance(0.3)) return `${head}\n  ON ${table}${using} (${keys})${where};`;
  return `${head} ON ${table}${using} (${keys})${where};`;
}

function dropIndex(g: Gen, table: string, concurrent: boolean): string {
  return `DROP INDEX ${concurrent ? 'CONCURRENTLY ' : ''}${g.chance(0.5) ? 'IF EXISTS ' : ''}index_${table}_on_${g.pick(COLUMNS)};`;
}

function createTable(g: Gen, table: string): string[] {
  const lines = [`CREATE TABLE ${g.chance(0.3) ? 'IF NOT EXISTS ' : ''}${table} (`, '  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,'];
  const n = g.int(2, 7);
  for (let i = 0; i < n; i++) lines.push(`  ${g.pick(COLUMNS)}_${i} ${g.pick(TYPES)},`);
  lines.push('  created_at timestamptz NOT NULL DEFAULT now()');
  lines.push(');');
  for (let i = g.int(0, 2); i > 0; i--) lines.push(`CREATE INDEX ${table}_created_at_${i}_idx ON ${table} (created_at);`);
  return lines;
}

function timeouts(g: Gen): string[] {
  return [`SET lock_timeout = '${g.pick(['5s', '10s', '2s'])}';`, `SET statement_timeout = '${g.pick(['30min', '1h', '0'])}';`];
}

function functionBody(g: Gen, table: string): string[] {
  return [
    `CREATE OR REPLACE FUNCTION touch_${table}() RETURNS trigger AS $$`,
    'BEGIN',
    '  NEW.updated_at := now();',
    '  RETURN NEW;',
    'END;',
    '$$ LANGUAGE plpgsql;',
    `CREATE TRIGGER ${table}_touch BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION touch_${table}();`,
    ...(g.chance(0.5) ? [`COMMENT ON FUNCTION touch_${table}() IS 'keeps updated_at current';`] : []),
  ];
}

/** The statements of one up (or down) direction. */
function body(g: Gen, concurrent: boolean): string[] {
  const lines: string[] = [];
  const table = g.pick(TABLES);
  const kind = g.int(0, 99);
  if (g.chance(0.3)) lines.push(g.pick(COMMENTS));
  if (kind < 35) {
    if (g.chance(0.4)) lines.push(...timeouts(g));
    for (let i = g.int(1, 3); i > 0; i--) lines.push(createIndex(g, g.chance(0.8) ? table : g.pick(TABLES), concurrent));
  } else if (kind < 50) {
    lines.push(...createTable(g, `${table}_${g.pick(['archive', 'history', 'stats', 'settings'])}`));
  } else if (kind < 60) {
    lines.push(dropIndex(g, table, concurrent));
    if (g.chance(0.4)) lines.push(createIndex(g, table, concurrent));
  } else if (kind < 70) {
    lines.push(`ALTER TABLE ${table} ADD COLUMN ${g.pick(COLUMNS)}_v2 ${g.pick(TYPES)};`);
    if (g.chance(0.5)) lines.push(createIndex(g, table, concurrent));
  } else if (kind < 76) {
    lines.push(`REINDEX ${g.pick(['INDEX', 'TABLE'])} ${concurrent ? 'CONCURRENTLY ' : ''}${g.chance(0.5) ? table : `index_${table}_on_${g.pick(COLUMNS)}`};`);
  } else if (kind < 82) {
    const cols = columns(g);
    lines.push(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_${cols.join('_')}_key UNIQUE (${cols.join(', ')});`);
  } else if (kind < 88) {
    lines.push(...functionBody(g, table));
  } else if (kind < 94) {
    lines.push(`UPDATE ${table} SET status = 0 WHERE status IS NULL;`, `ALTER TABLE ${table} ALTER COLUMN status SET NOT NULL;`);
  } else {
    lines.push(`INSERT INTO settings (key, value) VALUES ('${table}.enabled', 'true') ON CONFLICT (key) DO NOTHING;`);
    lines.push(createIndex(g, table, concurrent));
  }
  return lines;
}

/** One migration file's text; the style of runner it is written for varies. */
export function generateSqlMigration(seed: number): string {
  const g = gen(seed);
  const style = g.int(0, 99);
  const concurrent = g.chance(0.5);
  if (style < 45) {
    // psql -f: statement by statement, sometimes an explicit transaction.
    const lines = body(g, concurrent);
    if (!concurrent && g.chance(0.3)) return ['BEGIN;', '', ...lines, '', 'COMMIT;', ''].join('\n');
    return [...lines, ''].join('\n');
  }
  if (style < 75) {
    const marker = concurrent && g.chance(0.7) ? ['-- +goose NO TRANSACTION'] : [];
    return [...marker, '-- +goose Up', ...body(g, concurrent), '', '-- +goose Down', ...body(g, concurrent), ''].join('\n');
  }
  if (style < 95) {
    const up = concurrent && g.chance(0.7) ? '-- migrate:up transaction:false' : '-- migrate:up';
    return [up, ...body(g, concurrent), '', '-- migrate:down', ...body(g, concurrent), ''].join('\n');
  }
  if (style < 99) return [...timeouts(g), ...body(g, concurrent), 'RESET ALL;', ''].join('\n');
  // A template placeholder someone forgot to render.
  return `CREATE INDEX index_{{ table }}_on_account_id ON {{ table }} (account_id);\n${body(g, concurrent).join('\n')}\n`;
}

export interface SqlCorpus {
  folder: string;
  files: number;
  bytes: number;
  lines: number;
}

/** Writes `count` migrations into `<root>/migrations`, the same files for the same seed. */
export function writeSqlCorpus(root: string, count: number, seed = 20240601): SqlCorpus {
  const folder = join(root, 'migrations');
  mkdirSync(folder, { recursive: true });
  const random = prng(seed);
  let bytes = 0;
  let lines = 0;
  let time = Date.UTC(2020, 0, 1);
  for (let n = 0; n < count; n++) {
    time += Math.floor(random() * 2 * 86_400_000) + 1000;
    const timestamp = new Date(time).toISOString().replace(/[-:T]/g, '').slice(0, 14);
    const source = generateSqlMigration(Math.floor(random() * 2 ** 32));
    writeFileSync(join(folder, `${timestamp}_migration_${String(n).padStart(5, '0')}.sql`), source);
    bytes += Buffer.byteLength(source);
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) lines++;
  }
  return { folder, files: count, bytes, lines };
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** Our CLI; `keepOutput`: read its report (the timed runs send it to /dev/null, as for squawk). */
function ours(paths: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, keepOutput = false): CommandRun {
  const run = measureCommand(process.execPath, [CLI, 'lint', ...paths, '--format', 'json'], cwd, { env, discardOutput: !keepOutput });
  if (run.exitCode === null || run.exitCode > 1) throw new Error(`our CLI failed (exit ${run.exitCode}):\n${run.stderr}`);
  return run;
}

/** squawk as squawk-cli's `squawk` command (`native`: its binary alone, without the node launcher). */
function squawk(patterns: string[], cwd: string, how: 'npm' | 'native' = 'npm', env: NodeJS.ProcessEnv = process.env): CommandRun {
  const args = ['--reporter=json', ...patterns];
  const run =
    how === 'npm'
      ? measureCommand(process.execPath, [squawkCommand(), ...args], cwd, { env, spawnsChildren: true, discardOutput: true })
      : measureCommand(squawkBinary(), args, cwd, { env, discardOutput: true });
  if (run.exitCode === null || run.exitCode > 1) throw new Error(`squawk failed (exit ${run.exitCode}):\n${run.stderr}`);
  return run;
}

function summaryOf(run: CommandRun): { files: number; findings: number; parseErrors: number } {
  return (JSON.parse(run.stdout) as { summary: { files: number; findings: number; parseErrors: number } }).summary;
}

/** Where the linted files are: `target` (ours, a folder) and `pattern` (squawk's glob) relative to `cwd`. */
interface SqlBenchCorpus {
  cwd: string;
  target: string;
  pattern: string;
  files: number;
  description: string;
  /** A folder of the bench's own, removed afterwards (the generated corpus). */
  temporary: string | null;
}

function chooseCorpus(values: { generated?: unknown; files?: unknown; seed?: unknown }): SqlBenchCorpus {
  const real = values.generated === true ? null : loadCorpus('sql');
  if (real) {
    const projects = real.projects.map((p) => `${p.repo} ${count(p.files)}`).join(', ');
    return {
      cwd: dirname(real.folder),
      target: 'sql',
      pattern: 'sql/**/*.sql',
      files: real.files,
      description:
        `real-world: ${count(real.files)} SQL migrations from ${real.projects.length} projects, ${(real.bytes / 1024 / 1024).toFixed(1)} MiB, ${count(real.lines)} lines, ` +
        `in ${real.folder}${real.stale ? ' (STALE: corpus-repos.json changed since; npm run bench:corpus rebuilds it)' : ''}\n  ${projects}`,
      temporary: null,
    };
  }
  const fileCount = Math.max(1, Number(values.files ?? DEFAULT_FILES));
  const seed = Number(values.seed ?? 20240601);
  const work = mkdtempSync(join(tmpdir(), 'pg-index-guard-bench-sql-'));
  const corpus = writeSqlCorpus(work, fileCount, seed);
  return {
    cwd: work,
    target: 'migrations',
    pattern: 'migrations/*.sql',
    files: fileCount,
    description:
      `generated: ${count(corpus.files)} SQL migrations, ${(corpus.bytes / 1024 / 1024).toFixed(1)} MiB, ${count(corpus.lines)} lines, in ${corpus.folder} (seed ${seed}); ` +
      (values.generated === true ? '--generated' : 'no real-world corpus: npm run bench:corpus builds it'),
    temporary: work,
  };
}

/** The first file the walk of `folder` meets, relative to `cwd`. */
function firstFile(cwd: string, folder: string): string {
  const entries = readdirSync(join(cwd, folder), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (entry.isFile() && entry.name.endsWith('.sql')) return join(folder, entry.name);
    if (entry.isDirectory()) {
      const found = firstFile(cwd, join(folder, entry.name));
      if (found) return found;
    }
  }
  return '';
}

/**
 * How the lint reading takes the corpus's statements: each file read as the lint reads it
 * (readSqlText with lintTrees), through a libpg-query that counts what it is asked to parse.
 * Statements left unread have the empty tree; those libpg-query parsed are counted by its calls
 * that succeeded (one with a whole file's text counts that file's statements); statements left
 * out (a syntax error, a template placeholder) are counted apart; the rest are the fast path's.
 */
async function statementBreakdown(cwd: string, target: string): Promise<Row[]> {
  const libpg = await loadSqlParser();
  let files = 0;
  let statements = 0;
  let unread = 0;
  let parsed = 0;
  let leftOut = 0;
  let filesParsing = 0;
  const parsedKinds = new Map<string, number>();
  let text = '';
  let calls: Array<{ chunk: string; ok: boolean }> = [];
  const counting: SqlParser = {
    parse: (chunk) => {
      const outcome = libpg.parse(chunk);
      calls.push({ chunk, ok: outcome.ok });
      return outcome;
    },
    scan: (chunk) => libpg.scan(chunk),
  };
  const visit = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.sql')) {
        files++;
        text = readFileSync(path, 'utf8');
        calls = [];
        const read = readSqlText(text, counting, { lintTrees: true });
        statements += read.statementCount;
        leftOut += read.statementCount - read.statements.length;
        for (const statement of read.statements) if (Object.keys(statement.node).length === 0) unread++;
        if (calls.length === 0) continue;
        filesParsing++;
        for (const { chunk, ok } of calls) {
          const whole = chunk === text;
          if (ok) parsed += whole ? read.statements.length : 1;
          const kind = whole ? 'a whole file' : (lexSql(chunk) ?? []).filter((t) => !t.comment).slice(0, 2).map((t) => (t.keyword ? t.word : '<name>')).join(' ');
          parsedKinds.set(kind, (parsedKinds.get(kind) ?? 0) + 1);
        }
      }
    }
  };
  visit(join(cwd, target));
  const fast = statements - leftOut - unread - parsed;
  const share = (n: number) => `${((n / Math.max(1, statements)) * 100).toFixed(1)} %`;
  const kinds = [...parsedKinds].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, n]) => `${k} ${n}`).join(', ');
  return [
    { 'statements (lint reading)': 'fast path (no libpg-query)', count: count(fast), share: share(fast) },
    { 'statements (lint reading)': 'tree unread, not parsed (INSERT, DO, CREATE FUNCTION, WITH ... INSERT...)', count: count(unread), share: share(unread) },
    { 'statements (lint reading)': `parsed by libpg-query, in ${count(filesParsing)} of ${count(files)} files`, count: count(parsed), share: share(parsed) },
    { 'statements (lint reading)': `  asked of it: ${kinds}`, count: '', share: '' },
    { 'statements (lint reading)': 'left out: a syntax error (the first one is reported), a template placeholder', count: count(leftOut), share: share(leftOut) },
  ];
}

export const sqlSection: BenchSection = {
  name: 'sql',
  description: 'our CLI against squawk over the real-world SQL corpus (npm run bench:corpus), else generated SQL migrations',
  async run(args) {
    const { values } = parseArgs({
      args,
      strict: false,
      options: CORPUS_BENCH_OPTIONS,
    });
    const runs = Math.max(1, Number(values.runs ?? 5));
    if (values['no-build'] !== true || !existsSync(CLI)) buildCli();
    const corpus = chooseCorpus(values);
    const { cwd, target, pattern, files: fileCount } = corpus;
    try {
      console.log(`corpus: ${corpus.description}`);
      console.log(
        `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
          spawnSync(squawkBinary(), ['--version'], { encoding: 'utf8' }).stdout.trim(),
      );
      // NODE_EXTRA_CA_CERTS makes node read a CA bundle before running anything (seen: 50 ms); it is
      // set on the machines this was written on, not on users': every run here goes without it.
      const env = { ...process.env };
      delete env['NODE_EXTRA_CA_CERTS'];
      const oneFile = firstFile(cwd, target);
      const startupOurs = median(Array.from({ length: 5 }, () => ours([oneFile], cwd, env).wallMs));
      const nodeAlone = median(Array.from({ length: 5 }, () => measureCommand(process.execPath, ['-e', '0'], cwd, { env }).wallMs));
      const moduleLoad = median(Array.from({ length: 5 }, () => measureCommand(process.execPath, [CLI, '--version'], cwd, { env }).wallMs));
      const libpgLoad = median(
        Array.from({ length: 3 }, () => {
          const run = spawnSync(process.execPath, ['-e', LIBPG_LOAD_SCRIPT], { cwd: ROOT, env, encoding: 'utf8' });
          return Number(run.stdout.trim());
        }),
      );
      // The first run after an install or upgrade has no code cache yet (dist/cli.js writes it where node has one).
      const noCodeCache = median(
        Array.from({ length: 3 }, () => {
          const cacheDir = mkdtempSync(join(tmpdir(), 'pg-index-guard-bench-cache-'));
          try {
            return ours([target], cwd, { ...env, PG_INDEX_GUARD_CACHE_DIR: cacheDir }).wallMs;
          } finally {
            rmSync(cacheDir, { recursive: true, force: true });
          }
        }),
      );
      const startupSquawk = median(Array.from({ length: 5 }, () => squawk([oneFile], cwd, 'npm', env).wallMs));
      const startupSquawkBinary = median(Array.from({ length: 5 }, () => squawk([oneFile], cwd, 'native', env).wallMs));

      // Interleaved, so machine noise hits all alike.
      const ourRuns: CommandRun[] = [];
      const squawkRuns: CommandRun[] = [];
      const binaryRuns: CommandRun[] = [];
      for (let i = 0; i < runs; i++) {
        ourRuns.push(ours([target], cwd, env));
        squawkRuns.push(squawk([pattern], cwd, 'npm', env));
        binaryRuns.push(squawk([pattern], cwd, 'native', env));
      }
      const summary = summaryOf(ours([target], cwd, env, true));
      const squawkFindings = runSquawk([pattern], { cwd }).findings;
      const squawkFiles = new Set(squawkFindings.map((f) => f.file)).size;
      if (summary.files !== fileCount) throw new Error(`our CLI linted ${summary.files} files of ${fileCount}`);

      const wallOf = (list: CommandRun[]) => median(list.map((r) => r.wallMs));
      const wall = { ours: wallOf(ourRuns), squawk: wallOf(squawkRuns), binary: wallOf(binaryRuns) };
      const cpu = (list: CommandRun[]) => (list.every((r) => r.cpuMs !== null) ? median(list.map((r) => r.cpuMs!)) : null);
      const rss = (list: CommandRun[]) => Math.max(...list.map((r) => r.maxRssBytes ?? 0));
      const speed = (theirs: number, oursMs: number, whose = "squawk's") => `${(theirs / oursMs).toFixed(2)}x ${whose} speed`;
      // The target is the binary's speed: squawk as fast as it gets (a Homebrew or cargo install).
      const met = wall.ours <= wall.binary;
      const ratio = wall.ours / wall.binary;
      const cpuText = (list: CommandRun[]) => {
        const value = cpu(list);
        return value === null ? 'n/a' : seconds(value);
      };
      const rssText = (list: CommandRun[]) => (rss(list) ? mib(rss(list)) : 'n/a');
      const rows: Row[] = [
        {
          metric: 'start-up: node -e 0 / CLI --version (module load) / CLI on 1 file (median of 5)',
          ours: `${ms(nodeAlone, 0)} / ${ms(moduleLoad, 0)} / ${ms(startupOurs, 0)}`,
          squawk: ms(startupSquawk, 0),
          'squawk binary': ms(startupSquawkBinary, 0),
          target: '',
          result: `libpg-query load (WASM compile), when a file needs it: ${ms(libpgLoad, 0)}`,
        },
        {
          metric: `wall, ${count(fileCount)} files incl. start-up (median of ${runs})`,
          ours: seconds(wall.ours),
          squawk: seconds(wall.squawk),
          'squawk binary': seconds(wall.binary),
          target: 'ours <= 1.0x binary',
          result: `${met ? 'ok' : 'MISSED'}: ours / binary = ${ratio.toFixed(2)}x the time; ${speed(wall.squawk, wall.ours, "squawk-cli's command's")}`,
        },
        {
          metric: 'wall, first run after install (no code cache yet, median of 3)',
          ours: seconds(noCodeCache),
          squawk: '',
          'squawk binary': '',
          target: '',
          result: '',
        },
        {
          metric: 'files per second (wall)',
          ours: count((fileCount / wall.ours) * 1000),
          squawk: count((fileCount / wall.squawk) * 1000),
          'squawk binary': count((fileCount / wall.binary) * 1000),
          target: '',
          result: '',
        },
        { metric: 'CPU time, user + sys (median)', ours: cpuText(ourRuns), squawk: cpuText(squawkRuns), 'squawk binary': cpuText(binaryRuns), target: '', result: '' },
        { metric: 'peak RSS', ours: rssText(ourRuns), squawk: rssText(squawkRuns), 'squawk binary': rssText(binaryRuns), target: '', result: '' },
        {
          metric: 'findings (all rules) / files with findings',
          ours: `${count(summary.findings)} / ${count(summary.files)} linted`,
          squawk: `${count(squawkFindings.length)} / ${count(squawkFiles)}`,
          'squawk binary': '',
          target: '',
          result: `parse errors (ours): ${summary.parseErrors}`,
        },
      ];
      printTable(`sql: ${count(fileCount)} SQL migrations (${corpus.temporary ? 'generated' : 'real-world'}), our CLI against squawk`, rows, ['ours', 'squawk', 'squawk binary']);
      console.log(`\nsql: ours / squawk binary = ${ratio.toFixed(2)}x (wall, start-up included, NODE_EXTRA_CA_CERTS unset, ${corpus.temporary ? 'generated' : 'real-world'} corpus)`);
      printTable('How the lint reading takes the statements', await statementBreakdown(cwd, target));
      console.log(
        `\nnotes: our CLI lints on one thread per two CPUs (${availableParallelism()} here; PG_INDEX_GUARD_THREADS overrides), ` +
          'the bundle from its code cache where node has one (22.1+). squawk is the `squawk` command of the npm ' +
          'package squawk-cli (a node script that spawns its native binary); "squawk binary" is that binary called directly, which ' +
          'lints on several threads. Both are given a glob (squawk does not walk folders). Wall time on a shared machine is noisy.',
      );
      // Where the time goes: on the real-world corpus always (the breakdown is part of the figures), else on a miss or --profile.
      if (values.profile === true || !met || !corpus.temporary) {
        console.log('\nProfiling one single-threaded run of our CLI (node --cpu-prof)...');
        const profileDir = mkdtempSync(join(tmpdir(), 'pg-index-guard-bench-profile-'));
        try {
          profileCli(cwd, target, profileDir);
        } finally {
          rmSync(profileDir, { recursive: true, force: true });
        }
      }
    } finally {
      if (corpus.temporary) {
        if (values.keep === true) console.log(`kept ${corpus.temporary}`);
        else rmSync(corpus.temporary, { recursive: true, force: true });
      }
    }
  },
};

/** Prints how long loading libpg-query's WASM takes in a fresh process (ms). */
const LIBPG_LOAD_SCRIPT =
  "const t = performance.now(); require('libpg-query').loadModule().then(() => console.log(performance.now() - t));";

if (process.argv[1] && /bench[\\/]sql\.ts$/.test(process.argv[1])) {
  sqlSection.run(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
}
