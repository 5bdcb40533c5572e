// `npm run bench -- estimates`: how close the build-time estimates come to the builds they
// estimate, on this machine, in embedded PostgreSQL.
//  - Tables of several sizes; each gets a CREATE INDEX CONCURRENTLY on a bigint column, timed.
//  - Each build is estimated first (estimateBuildSeconds with the history so far, and with the
//    default rate for comparison), then built, timed and recorded as the product records it
//    (src/db/build-history.ts: table size from pg_class.relpages, the statement's own time).
//  - The table prints each estimate's error; the history's counts from the third build on.
// Run it on a quiet machine: other work on the cores makes builds slower at random.
// Figures only; nothing is asserted. Options: --rows <n,...> rows per table (default
// 500000,1000000,2000000,4000000,8000000), --column <id|account_id> (default account_id).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { estimateBuildSeconds } from '../../src/core/locks/estimates';
import { BuildHistoryFile } from '../../src/db/build-history';
import { QUERIES } from '../../src/db/queries';
import { startBenchDatabase } from './postgres';
import type { BenchSection } from './section';
import { count, mib, printTable, type Row } from './table';

const DB = 'estimates_bench';
const KEY = 'bench';

export const estimatesSection: BenchSection = {
  name: 'estimates',
  description: 'build-time estimates: error against real builds once two builds are recorded',
  async run(args) {
    const { values } = parseArgs({ args, strict: false, options: { rows: { type: 'string' }, column: { type: 'string' } } });
    const sizes = String(values.rows ?? '500000,1000000,2000000,4000000,8000000')
      .split(',')
      .map((s) => Math.max(10_000, Math.round(Number(s))))
      .filter(Number.isFinite);
    const column = values.column === 'id' ? 'id' : 'account_id';
    const db = await startBenchDatabase(DB);
    const scratch = mkdtempSync(join(tmpdir(), 'pgig-bench-history-'));
    try {
      const client = await db.connect();
      console.log(`${await db.describe()}, default settings; index on ${column}`);
      const history = new BuildHistoryFile(join(scratch, 'build-history.json'));
      const rows: Row[] = [];
      const errors: number[] = [];
      for (const [i, n] of sizes.entries()) {
        const table = `t_${i}`;
        await client.query(`CREATE TABLE ${table} (id bigint NOT NULL, account_id bigint NOT NULL, kind int NOT NULL)`);
        await client.query(`INSERT INTO ${table} SELECT g, (g::bigint * 7919) % 100003, g % 7 FROM generate_series(1, $1::int) g`, [n]);
        await client.query(`VACUUM ANALYZE ${table}`);
        const tableBytes = Number((await client.query<{ b: string }>('SELECT pg_relation_size($1::regclass) AS b', [table])).rows[0]!.b);
        const recorded = history.read(KEY);
        const fromHistory = estimateBuildSeconds({ tableBytes, concurrent: true }, recorded);
        const fromDefault = estimateBuildSeconds({ tableBytes, concurrent: true }, null);

        const started = performance.now();
        await client.query(`CREATE INDEX CONCURRENTLY ${table}_idx ON ${table} (${column})`);
        const took = (performance.now() - started) / 1000;

        const measured = (await client.query({ text: QUERIES.tablePagesBytes.text, values: ['public', table] })).rows[0] as { table_bytes: number };
        const calibrating = recorded.builds.length < 2;
        history.record(KEY, { tableBytes: Number(measured.table_bytes), seconds: took, concurrent: true, finishedAt: new Date().toISOString(), schema: 'public', table, index: `${table}_idx` });
        const error = (estimate: number | null) => (estimate === null ? '?' : `${(((estimate - took) / took) * 100).toFixed(0)} %`);
        if (!calibrating && fromHistory.seconds !== null) errors.push(Math.abs((fromHistory.seconds - took) / took));
        rows.push({
          table: `${table} (${count(n)} rows)`,
          size: mib(tableBytes),
          built: `${took.toFixed(2)} s`,
          history: calibrating ? `(${recorded.builds.length} recorded)` : `${fromHistory.seconds!.toFixed(2)} s (${error(fromHistory.seconds)})`,
          default: `${fromDefault.seconds!.toFixed(2)} s (${error(fromDefault.seconds)})`,
        });
      }
      printTable('CREATE INDEX CONCURRENTLY: built, and estimated before the build (error)', rows, ['size', 'built', 'history', 'default']);
      if (errors.length > 0) {
        console.log(`\nworst error once two builds were recorded: ${(Math.max(...errors) * 100).toFixed(0)} % (target: within 30 %), over ${errors.length} builds`);
      }
    } finally {
      await db.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
