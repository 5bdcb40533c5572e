// `npm run bench -- big-database`: the database side on a big catalog, in embedded PostgreSQL:
// 10,000 tables and 50,000 indexes (a primary key and four indexes each; ten tables with rows,
// the rest empty and never analyzed, as autovacuum leaves them; some INVALID leftovers of failed concurrent builds), and a generated Rails
// app whose db/schema.rb and migrations name some of them.
//  - The CLI's `status` and `check-missing` (one path: collectCliStatus), wall time with start-up.
//  - The tree views' refresh, as the extension does it (src/extension/database/status-controller:
//    collectStatus and collectDatabaseFacts on one read-only MonitorSession), and the named
//    queries each view is built from: time and round trips (counted by wrapping pg's
//    Client.prototype.query for the section's run).
//  - The database-aware lint: loading its facts (collectDatabaseFacts) and a lint with them.
//  - The build monitor's poll with 200 idle and 20 active backends (15 in pg_sleep, 5 waiting
//    on a lock, so Blocked Queries has rows).
// Figures only; nothing is asserted. Options: --tables <n> (default 10000), --runs <n> (default 5),
// --no-build.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { defaultContext } from '../../src/core/lint-context';
import { lintSource, loadParsers } from '../../src/core/lint';
import { ProgressMonitor } from '../../src/db/progress/progress-monitor';
import type { QueryName } from '../../src/db/queries';
import { MonitorSession } from '../../src/db/session';
import { collectDatabaseFacts, collectStatus, DatabaseFactsReader, readStatusWorkspace } from '../../src/db/status';
import { buildCli, CLI, measureCommand } from './cli-runs';
import { cpuMsOf } from './monitor';
import { startBenchDatabase } from './postgres';
import type { BenchSection } from './section';
import { count, median, ms, percentile, printTable, seconds, type Row } from './table';

const DB = 'big_database_bench';
const INDEXES_PER_TABLE = 5; // the primary key and four
const TABLES_WITH_ROWS = 10;
const ROWS_PER_TABLE = 100_000;
const INVALID_INDEXES = 20;
const SCHEMA_TABLES = 1_000; // tables db/schema.rb declares
const MISSING_DECLARED = 20; // indexes db/schema.rb declares that the database lacks
const MIGRATIONS = 200;
const PENDING = 10;
const IDLE_BACKENDS = 200;
const SLEEPING_BACKENDS = 15;
const WAITING_BACKENDS = 5;

export const tableName = (i: number) => `table_${String(i).padStart(5, '0')}`;

/** What each tree view is built from (src/db/status.ts); the server version comes with the session. */
const VIEW_QUERIES: Array<[view: string, queries: QueryName[]]> = [
  ['Builds in Progress', ['buildsInProgress']],
  ['Pending Migrations', ['pendingMigrationFacts']],
  ['Missing Indexes', ['missingDeclaredIndexes']],
  ['Invalid Indexes', ['invalidIndexes']],
  ['Large Tables', ['largeTables']],
  ['Blocked Queries', ['blockedQueries']],
];

/**
 * The views this section's figures made faster, as they were built before (queries of the
 * commit before; the old Large Tables text is kept here to be measured against the new one).
 */
const LARGE_TABLES_BEFORE = `
SELECT n.nspname AS schema_name, c.relname AS table_name,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::float8 END AS row_estimate,
       pg_total_relation_size(c.oid) AS total_bytes,
       pg_relation_size(c.oid) AS table_bytes,
       pg_indexes_size(c.oid) AS index_bytes,
       (SELECT count(*) FROM pg_index x WHERE x.indrelid = c.oid) AS index_count
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'm')
   AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
   AND c.relname NOT IN ('schema_migrations', 'ar_internal_metadata')
 ORDER BY pg_total_relation_size(c.oid) DESC, 1, 2
 LIMIT $1::int`;
/** Before one statement per view (issue 15): the builds and the invalid indexes read without each other. */
const BUILDS_IN_PROGRESS_BEFORE = `
SELECT p.pid, p.datname, n.nspname AS schema_name, c.relname AS table_name, ic.relname AS index_name,
       p.command, p.phase, p.lockers_total, p.lockers_done, p.current_locker_pid,
       p.blocks_total, p.blocks_done, p.tuples_total, p.tuples_done, p.partitions_total, p.partitions_done,
       a.query, a.query_start, a.state, a.wait_event_type, a.wait_event, a.usename, a.application_name,
       extract(epoch FROM clock_timestamp() - a.query_start)::float8 AS running_seconds
  FROM pg_stat_progress_create_index p
  LEFT JOIN pg_stat_activity a ON a.pid = p.pid
  LEFT JOIN pg_class c ON c.oid = p.relid AND p.datname = current_database()
  LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class ic ON ic.oid = p.index_relid AND p.index_relid <> 0 AND p.datname = current_database()
 ORDER BY a.query_start NULLS LAST, p.pid`;
const INVALID_INDEXES_BEFORE = `
SELECT n.nspname AS schema_name, t.relname AS table_name, i.relname AS index_name,
       pg_get_indexdef(x.indexrelid) AS definition,
       pg_relation_size(x.indexrelid) AS size_bytes,
       EXISTS (SELECT 1 FROM pg_stat_progress_create_index p
                WHERE p.datname = current_database() AND p.index_relid = x.indexrelid) AS build_in_progress
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = i.relnamespace
 WHERE NOT x.indisvalid
   AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
 ORDER BY 1, 2, 3`;
/** Old texts measured against the new ones, by the name the tables print. */
const BEFORE_TEXTS = {
  largeTablesBefore: { text: LARGE_TABLES_BEFORE, params: [10] },
  buildsInProgressBefore: { text: BUILDS_IN_PROGRESS_BEFORE, params: [] },
  invalidIndexesBefore: { text: INVALID_INDEXES_BEFORE, params: [] },
} as const;
type Measured = QueryName | keyof typeof BEFORE_TEXTS;
const isBefore = (name: Measured): name is keyof typeof BEFORE_TEXTS => name in BEFORE_TEXTS;
const VIEWS_BEFORE: Array<[view: string, queries: Measured[]]> = [
  ['Builds in Progress', ['buildsInProgressBefore', 'blockedQueries']],
  ['Pending Migrations', ['schemaMigrationsTableExists', 'schemaMigrationVersions', 'tableRowEstimatesOf']],
  ['Missing Indexes', ['existingIndexes', 'tableRowEstimates']],
  ['Invalid Indexes', ['invalidIndexesBefore', 'buildsInProgressBefore']],
  ['Large Tables', ['largeTablesBefore']],
];

/** Round trips to the server: every Client.query call of this process while counting. */
const trips = { count: 0 };
const originalQuery = pg.Client.prototype.query;
function countRoundTrips(): () => void {
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    trips.count++;
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof originalQuery;
  return () => {
    pg.Client.prototype.query = originalQuery;
  };
}

/** Runs `work` `runs` times: the first run's time, the median of the others, round trips of one run. */
async function measure(runs: number, work: () => Promise<unknown>): Promise<{ firstMs: number; medianMs: number; p95Ms: number; trips: number }> {
  const times: number[] = [];
  let roundTrips = 0;
  for (let i = 0; i < runs; i++) {
    const before = trips.count;
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
    roundTrips = trips.count - before;
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  return { firstMs: times[0]!, medianMs: median(warm.length ? warm : times), p95Ms: percentile(warm.length ? warm : times, 95), trips: roundTrips };
}

export const bigDatabaseSection: BenchSection = {
  name: 'big-database',
  description: 'status, tree views, lint facts and monitor on 10,000 tables and 50,000 indexes',
  async run(args) {
    const { values } = parseArgs({ args, strict: false, options: { tables: { type: 'string' }, runs: { type: 'string' }, 'no-build': { type: 'boolean' } } });
    const tables = Math.max(100, Number(values.tables ?? 10_000));
    const runs = Math.max(2, Number(values.runs ?? 5));
    if (values['no-build'] !== true || !existsSync(CLI)) buildCli();
    const db = await startBenchDatabase(DB, {
      // 200 idle + 20 active backends and the bench's own; a throwaway cluster needs no durability.
      postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    });
    const app = mkdtempSync(join(tmpdir(), 'pgig-bench-big-app-'));
    const restore = countRoundTrips();
    try {
      const admin = await db.connect();
      console.log(`${await db.describe()}, max_connections 300, fsync off`);
      const seeded = await seed(admin, tables);
      writeRailsApp(app, tables);
      console.log(
        `seeded ${count(seeded.tables)} tables, ${count(seeded.indexes)} indexes (${seeded.invalid} INVALID), ${TABLES_WITH_ROWS} tables with ${count(ROWS_PER_TABLE)} rows, ` +
          `in ${seconds(seeded.ms)}; Rails app: db/schema.rb with ${count(Math.min(SCHEMA_TABLES, tables))} tables, ${MIGRATIONS} migrations (${PENDING} pending)`,
      );

      await cliFigures(db.url, app, runs);
      const session = new MonitorSession({ target: { connectionString: db.url }, reconnect: false });
      const outcome = await session.connect();
      if (!outcome.ok) throw new Error(`monitor session: ${outcome.error.title}`);
      try {
        const parsers = await loadParsers();
        const workspace = () => readStatusWorkspace(app, { parsers });
        await refreshFigures(session, workspace, runs, 'no other backends');
        await lintFigures(db.url, app, parsers, runs);
        const load = await startBackends(db.connect);
        try {
          await refreshFigures(session, workspace, runs, `${IDLE_BACKENDS} idle and ${SLEEPING_BACKENDS + WAITING_BACKENDS} active backends`, true);
          await monitorFigures(session, load.describe);
        } finally {
          await load.stop();
        }
      } finally {
        await session.close();
      }
    } finally {
      restore();
      await db.close();
      rmSync(app, { recursive: true, force: true });
    }
  },
};

export async function seed(admin: pg.Client, tables: number): Promise<{ tables: number; indexes: number; invalid: number; ms: number }> {
  const started = performance.now();
  // One function call per thousand tables: each a transaction whose locks fit the lock table.
  await admin.query(`
CREATE FUNCTION pgig_bench_tables(first int, last int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t text;
BEGIN
  FOR i IN first..last LOOP
    t := 'table_' || lpad(i::text, 5, '0');
    EXECUTE format('CREATE TABLE %I (id bigint PRIMARY KEY, account_id bigint NOT NULL, status int NOT NULL DEFAULT 0, name text, created_at timestamptz NOT NULL DEFAULT now())', t);
    EXECUTE format('CREATE INDEX %I ON %I (account_id)', 'index_' || t || '_on_account_id', t);
    EXECUTE format('CREATE INDEX %I ON %I (status)', 'index_' || t || '_on_status', t);
    EXECUTE format('CREATE INDEX %I ON %I (account_id, created_at)', 'index_' || t || '_on_account_id_and_created_at', t);
    EXECUTE format('CREATE INDEX %I ON %I (lower(name))', 'index_' || t || '_on_lower_name', t);
  END LOOP;
END $$`);
  for (let first = 1; first <= tables; first += 1000) {
    await admin.query('SELECT pgig_bench_tables($1::int, $2::int)', [first, Math.min(tables, first + 999)]);
  }
  for (let i = 1; i <= TABLES_WITH_ROWS; i++) {
    await admin.query(
      `INSERT INTO ${tableName(i)} (id, account_id, status, name, created_at)
         SELECT g, g % 5000, (g % 100 = 0)::int, 'name ' || (g % 1000), now() - g * interval '1 second' FROM generate_series(1, $1::int) g`,
      [ROWS_PER_TABLE],
    );
  }
  // Leftovers of failed concurrent builds: a unique index over duplicates fails and stays INVALID.
  let invalid = 0;
  for (let i = TABLES_WITH_ROWS + 1; i <= TABLES_WITH_ROWS + INVALID_INDEXES && i <= tables; i++) {
    await admin.query(`INSERT INTO ${tableName(i)} (id, account_id) VALUES (1, 7), (2, 7)`);
    await admin.query(`CREATE UNIQUE INDEX CONCURRENTLY ${`index_${tableName(i)}_on_account_id_unique`} ON ${tableName(i)} (account_id)`).catch(() => invalid++);
  }
  // Autovacuum analyzes the tables that get rows; the empty ones stay never analyzed (reltuples -1).
  for (let i = 1; i <= TABLES_WITH_ROWS + INVALID_INDEXES && i <= tables; i++) await admin.query(`ANALYZE ${tableName(i)}`);
  await admin.query('CREATE TABLE schema_migrations (version varchar PRIMARY KEY)');
  // A long history (squashed long ago) and the app's migrations but the pending ones.
  await admin.query(`INSERT INTO schema_migrations SELECT (20150101000000 + g)::text FROM generate_series(1, 3000) g`);
  await admin.query(`INSERT INTO schema_migrations SELECT (20240101000000 + g)::text FROM generate_series(1, $1::int) g`, [MIGRATIONS - PENDING]);
  await admin.query('ANALYZE schema_migrations');
  const { rows } = await admin.query<{ indexes: string }>(`SELECT count(*) AS indexes FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'`);
  return { tables, indexes: Number(rows[0]!.indexes), invalid, ms: performance.now() - started };
}

/** db/schema.rb for the first SCHEMA_TABLES tables (and a few indexes the database lacks), and the migrations. */
function writeRailsApp(app: string, tables: number): void {
  mkdirSync(join(app, 'db', 'migrate'), { recursive: true });
  const schema = [`ActiveRecord::Schema[7.1].define(version: ${20240101000000 + MIGRATIONS}) do`, '  enable_extension "plpgsql"', ''];
  for (let i = 1; i <= Math.min(SCHEMA_TABLES, tables); i++) {
    const t = tableName(i);
    schema.push(
      `  create_table "${t}", force: :cascade do |t|`,
      '    t.bigint "account_id", null: false',
      '    t.integer "status", default: 0, null: false',
      '    t.text "name"',
      '    t.datetime "created_at", null: false',
      `    t.index ["account_id"], name: "index_${t}_on_account_id"`,
      `    t.index ["status"], name: "index_${t}_on_status"`,
      `    t.index ["account_id", "created_at"], name: "index_${t}_on_account_id_and_created_at"`,
      `    t.index "lower(name)", name: "index_${t}_on_lower_name"`,
      ...(i <= MISSING_DECLARED ? [`    t.index ["name"], name: "index_${t}_on_name"`] : []),
      '  end',
      '',
    );
  }
  schema.push('end', '');
  writeFileSync(join(app, 'db', 'schema.rb'), schema.join('\n'));
  for (let i = 1; i <= MIGRATIONS; i++) {
    const version = 20240101000000 + i;
    const t = tableName(((i - 1) % Math.min(tables, 1000)) + 1);
    const pending = i > MIGRATIONS - PENDING;
    const className = `AddIndexOnCreatedAtTo${t.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}V${i}`;
    const body = pending && i % 2 === 0
      ? `  def change\n    add_index :${tableName(i - (MIGRATIONS - PENDING))}, :created_at\n  end\n`
      : `  disable_ddl_transaction!\n\n  def change\n    add_index :${pending ? tableName(i - (MIGRATIONS - PENDING)) : t}, :created_at, algorithm: :concurrently, if_not_exists: true\n  end\n`;
    writeFileSync(join(app, 'db', 'migrate', `${version}_add_index_on_created_at_v${i}.rb`), `class ${className} < ActiveRecord::Migration[7.1]\n${body}end\n`);
  }
}

async function cliFigures(url: string, app: string, runs: number): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url };
  delete env['NODE_EXTRA_CA_CERTS'];
  const rows: Row[] = [];
  for (const command of ['status', 'check-missing']) {
    const results = Array.from({ length: runs }, () => measureCommand(process.execPath, [CLI, command], app, { env }));
    const failed = results.find((r) => r.exitCode === null || r.exitCode > 1);
    if (failed) throw new Error(`pg-index-guard ${command} failed (exit ${failed.exitCode}):\n${failed.stderr}`);
    const times = results.map((r) => r.wallMs).sort((a, b) => a - b);
    rows.push({
      command: `pg-index-guard ${command}`,
      exit: String(results[0]!.exitCode),
      'wall median': ms(median(times), 0),
      'wall min': ms(times[0]!, 0),
      'wall max': ms(times[times.length - 1]!, 0),
      CPU: results[0]!.cpuMs === null ? 'n/a' : ms(median(results.map((r) => r.cpuMs ?? 0)), 0),
      'peak RSS': results[0]!.maxRssBytes === null ? 'n/a' : `${(median(results.map((r) => r.maxRssBytes ?? 0)) / 1024 / 1024).toFixed(0)} MiB`,
      output: `${count(results[0]!.stdout.split('\n').length)} lines`,
    });
  }
  printTable(`CLI on the big database, from the Rails app's root (${runs} runs each, start-up included, NODE_EXTRA_CA_CERTS unset)`, rows, ['exit', 'wall median', 'wall min', 'wall max', 'CPU', 'peak RSS', 'output']);
}

async function refreshFigures(
  session: MonitorSession,
  workspace: () => ReturnType<typeof readStatusWorkspace>,
  runs: number,
  load: string,
  viewsOnly = false,
): Promise<void> {
  const readStarted = performance.now();
  const declared = workspace().declaredIndexes ?? [];
  const firstReadMs = performance.now() - readStarted;
  const pendingTables = Array.from({ length: PENDING }, (_, i) => tableName(i + 1));
  // The tables every migration of the app names, as collectStatus asks for them.
  const app = workspace();
  const operations = await Promise.all(app.migrations.map(async (m) => app.parseIndexOperations(m.path, await app.readFile(m.path))));
  const migrationTables = [...new Set(operations.flat().flatMap((op) => (op.table === null ? [] : [op.table])))];
  // Each query with the parameters collectStatus gives it for this app.
  const call = (name: Measured): Promise<unknown[]> => {
    const q = session.query.bind(session) as (n: QueryName, ...p: unknown[]) => Promise<unknown[]>;
    if (isBefore(name)) {
      const before = BEFORE_TEXTS[name];
      return session.run({ name: `pgig_bench_${name}`, text: before.text, mapRow: (r) => r }, [...before.params]);
    }
    switch (name) {
      case 'pendingMigrationFacts':
        // the tables of every migration of the app: the pending ones are known from its answer
        return q(name, migrationTables, [], false);
      case 'largeTables':
        return q(name, 10);
      case 'existingIndexes':
        return q(name, null);
      case 'lowSelectivityStats':
        return q(name, 1_000_000);
      case 'missingDeclaredIndexes':
        return q(name, declared.map((d) => d.schema), declared.map((d) => d.table), declared.map((d) => d.name));
      case 'tableRowEstimatesOf':
        return q(name, pendingTables);
      default:
        return q(name);
    }
  };
  const names = [...new Set<Measured>([...VIEW_QUERIES.flatMap(([, q]) => q), ...VIEWS_BEFORE.flatMap(([, q]) => q), 'lowSelectivityStats', 'tableSizes', 'columnWidths'])];
  // Interleaved: every query once per round, so the machine's noise falls on all of them alike.
  const times = new Map(names.map((n) => [n, [] as number[]]));
  const rowsOf = new Map<string, number>();
  const failures = new Map<string, string>();
  const tripsOf = new Map<string, number>();
  for (let round = 0; round < runs; round++) {
    for (const name of names) {
      const before = trips.count;
      const started = performance.now();
      // The extension's session settings (statement_timeout 5 s): a query over it fails as it would there.
      const result = await call(name).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      times.get(name)!.push(performance.now() - started);
      if (result instanceof Error) failures.set(name, result.message);
      else rowsOf.set(name, result.length);
      tripsOf.set(name, trips.count - before);
    }
  }
  const warm = (name: string) => median(times.get(name as QueryName)!.slice(1));
  if (!viewsOnly) {
    printTable(
      `Named queries on the big database (${load}; first run, then the median and the worst of the ${runs - 1} others, interleaved)`,
      names.map((name) => ({
        query: isBefore(name) ? `${name.replace(/Before$/, '')} (before)` : name,
        rows: failures.has(name) ? `failed: ${failures.get(name)}` : count(rowsOf.get(name)!),
        first: ms(times.get(name)![0]!, 1),
        median: ms(warm(name), 1),
        max: ms(Math.max(...times.get(name)!.slice(1)), 1),
        'round trips': String(tripsOf.get(name)),
      })),
      ['rows', 'first', 'median', 'max', 'round trips'],
    );
  }
  const viewRows: Row[] = VIEW_QUERIES.map(([view, queries]) => {
    const before = VIEWS_BEFORE.find(([v]) => v === view)?.[1];
    return {
      view,
      'built from': queries.join(' + '),
      refresh: ms(queries.reduce((sum, q) => sum + warm(q), 0), 1),
      'round trips': String(queries.length),
      before: before ? `${ms(before.reduce((sum, q) => sum + warm(q), 0), 1)}, ${before.length} round trips` : '(unchanged)',
    };
  });
  const reading = await measure(runs, async () => workspace());
  const status = await measure(runs, () => collectStatus(session, workspace()));
  // As the extension does: facts that fail to load leave the lint without them.
  const both = await measure(runs, () => Promise.all([collectStatus(session, workspace()), collectDatabaseFacts(session, 1_000_000).catch(() => undefined)]));
  // The extension's poll every few seconds: the lint's facts through DatabaseFactsReader, the catalog unchanged since its first read.
  const reader = new DatabaseFactsReader();
  await reader.read(session, 1_000_000).catch(() => undefined);
  // As status-controller does it: the facts take the builds in progress the views just read.
  const poll = await measure(runs, async () => {
    const polled = await collectStatus(session, workspace());
    return reader.read(session, 1_000_000, { builds: polled.buildsInProgress.items }).catch(() => undefined);
  });
  viewRows.push(
    { view: 'reading the app', 'built from': 'readStatusWorkspace: migrations, db/schema.rb (this run\'s first read, then again)', refresh: `${ms(firstReadMs, 1)}, then ${ms(reading.medianMs, 1)}`, 'round trips': '0', before: '' },
    { view: 'all six (collectStatus)', 'built from': 'the queries above once each; the pending migrations read, parsed once per text', refresh: ms(status.medianMs, 1), 'round trips': String(status.trips), before: '' },
    { view: "the extension's refresh", 'built from': 'collectStatus + collectDatabaseFacts (lint facts)', refresh: ms(both.medianMs, 1), 'round trips': String(both.trips), before: '' },
    { view: "the extension's poll", 'built from': 'collectStatus, then DatabaseFactsReader with its builds (catalog unchanged)', refresh: ms(poll.medianMs, 1), 'round trips': String(poll.trips), before: '' },
  );
  printTable(
    `Tree views' refresh (${load}; a view: the sum of its queries' medians, the session runs them one at a time; target under 500 ms and one round trip per view)`,
    viewRows,
    ['refresh', 'round trips'],
  );
}

async function lintFigures(url: string, app: string, parsers: Awaited<ReturnType<typeof loadParsers>>, runs: number): Promise<void> {
  // The language server's session (statement_timeout 30 s); the extension's has 5 s.
  const session = new MonitorSession({ target: { connectionString: url }, reconnect: false, statementTimeoutMs: 30_000 });
  if (!(await session.connect()).ok) throw new Error('lint facts session: cannot connect');
  const loaded = await measure(runs, () => collectDatabaseFacts(session, 1_000_000));
  const facts = await collectDatabaseFacts(session, 1_000_000);
  // The extension's poll: the catalog's stamp and the builds, the rest from the last full read.
  const reader = new DatabaseFactsReader();
  await reader.read(session, 1_000_000);
  const polled = await measure(runs, () => reader.read(session, 1_000_000));
  await session.close();
  const file = join(app, 'db', 'migrate', `${20240101000000 + MIGRATIONS}_add_index_on_created_at_v${MIGRATIONS}.rb`);
  const source = readFileSync(file, 'utf8');
  const context = { ...defaultContext(), database: facts };
  const plain = defaultContext();
  const times = (ctx: typeof context | typeof plain) => {
    const out: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      lintSource(file, source, 'ruby', ctx, parsers);
      out.push(performance.now() - started);
    }
    return out.sort((a, b) => a - b);
  };
  const withFacts = times(context);
  const without = times(plain);
  const findings = lintSource(file, source, 'ruby', context, parsers).findings.map((f) => f.ruleId);
  printTable('Database-aware lint on the big database', [
    { step: 'load the facts (collectDatabaseFacts, 30 s statement_timeout as in the language server)', first: ms(loaded.firstMs, 1), median: ms(loaded.medianMs, 1), 'round trips': String(loaded.trips), note: `${count(facts.indexes?.length ?? 0)} indexes, ${count(facts.tableRowEstimates?.size ?? 0)} tables` },
    { step: "the extension's poll when the catalog is unchanged (DatabaseFactsReader)", first: ms(polled.firstMs, 1), median: ms(polled.medianMs, 1), 'round trips': String(polled.trips), note: 'every index read again only after a change, a minute, or a write' },
    { step: 'lint one migration with the facts', first: ms(withFacts[0]!, 2), median: ms(median(withFacts), 2), 'round trips': '0', note: findings.join(', ') || 'no findings' },
    { step: 'lint the same migration without facts', first: ms(without[0]!, 2), median: ms(median(without), 2), 'round trips': '0', note: '' },
  ], ['first', 'median', 'round trips']);
}

/** 200 idle connections, 15 in pg_sleep, 5 waiting on a lock that an idle-in-transaction session holds. */
async function startBackends(connect: () => Promise<pg.Client>): Promise<{ stop(): Promise<void>; describe(): string }> {
  const idle = await Promise.all(Array.from({ length: IDLE_BACKENDS }, () => connect()));
  const sleepers = await Promise.all(Array.from({ length: SLEEPING_BACKENDS }, () => connect()));
  const holder = await connect();
  await holder.query('BEGIN');
  // SHARE blocks writers but not the AccessShareLock that pg_relation_size takes.
  await holder.query(`LOCK TABLE ${tableName(1)} IN SHARE MODE`);
  const waiters = await Promise.all(Array.from({ length: WAITING_BACKENDS }, () => connect()));
  const running = [
    ...sleepers.map((c) => c.query('SELECT pg_sleep(600)').catch(() => undefined)),
    ...waiters.map((c, i) => c.query(`UPDATE ${tableName(1)} SET status = 1 WHERE id = $1`, [i + 1]).catch(() => undefined)),
  ];
  // Wait until every one of them is seen active.
  for (let i = 0; i < 100; i++) {
    const { rows } = await holder.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND (query LIKE 'SELECT pg_sleep%' OR query LIKE 'UPDATE%')`);
    if (Number(rows[0]!.n) >= SLEEPING_BACKENDS + WAITING_BACKENDS) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    describe: () => `${idle.length} idle, ${sleepers.length} in pg_sleep, ${waiters.length} waiting on a lock, 1 idle in transaction`,
    async stop() {
      const pids = [...sleepers, ...waiters].map((c) => (c as unknown as { processID: number }).processID);
      await holder.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
      await holder.query('ROLLBACK').catch(() => undefined);
      await Promise.all(running);
    },
  };
}

async function monitorFigures(session: MonitorSession, describe: () => string): Promise<void> {
  const monitor = new ProgressMonitor(session);
  const pid = session.backendPid;
  const cpuBefore = pid === null ? null : cpuMsOf(pid);
  const times: number[] = [];
  const before = trips.count;
  const polls = 200;
  for (let i = 0; i < polls; i++) {
    const tick = await monitor.poll();
    if (tick) times.push(tick.queryMs);
  }
  const perPoll = (trips.count - before) / polls;
  const cpuAfter = pid === null ? null : cpuMsOf(pid);
  monitor.dispose();
  times.sort((a, b) => a - b);
  const blocked = await measure(5, () => session.query('blockedQueries'));
  const blockedRows = (await session.query('blockedQueries')).length;
  const counts = await measure(5, () => session.query('connectionCounts'));
  printTable(`Build monitor with ${describe()} (no build running; ${polls} polls back to back)`, [
    { what: 'monitor poll (buildsInProgress)', median: ms(median(times), 2), p95: ms(percentile(times, 95), 2), 'round trips': perPoll.toFixed(0), 'backend CPU': cpuBefore === null || cpuAfter === null ? 'n/a' : `${ms((cpuAfter - cpuBefore) / polls, 2)}/poll` },
    { what: `blockedQueries (Blocked Queries view, ${blockedRows} rows)`, median: ms(blocked.medianMs, 2), p95: ms(blocked.p95Ms, 2), 'round trips': String(blocked.trips), 'backend CPU': '' },
    { what: "connectionCounts (builder's load check)", median: ms(counts.medianMs, 2), p95: ms(counts.p95Ms, 2), 'round trips': String(counts.trips), 'backend CPU': '' },
  ], ['median', 'p95', 'round trips', 'backend CPU']);
}
