// The monitor's SQL: named, parameterized, read-only queries with typed result rows.
// bigint columns arrive from pg as strings; they are converted to numbers here (index sizes and
// block counts stay far below 2^53).

export interface BuildInProgressRow {
  pid: number;
  databaseName: string | null;
  /** null when the build runs in another database (names are only known for this one). */
  schema: string | null;
  table: string | null;
  /** null until the build has created its catalog entry. */
  index: string | null;
  command: string;
  phase: string;
  lockersTotal: number | null;
  lockersDone: number | null;
  currentLockerPid: number | null;
  blocksTotal: number | null;
  blocksDone: number | null;
  tuplesTotal: number | null;
  tuplesDone: number | null;
  partitionsTotal: number | null;
  partitionsDone: number | null;
  query: string | null;
  queryStart: Date | null;
  state: string | null;
  waitEventType: string | null;
  waitEvent: string | null;
  user: string | null;
  applicationName: string | null;
  /** Seconds since the statement started, by the server's clock. */
  runningSeconds: number | null;
  /** The role may not see this build's progress (no pg_read_all_stats): only its pid is known. */
  hidden: boolean;
  /** Sessions this build waits for a lock of (pg_blocking_pids), by pid; empty when it waits for none. */
  blockedBy: BuildBlocker[];
}

export interface BuildBlocker {
  pid: number;
  query: string | null;
  state: string | null;
  /** How long the blocker's transaction has been open. */
  transactionSeconds: number | null;
}

export interface InvalidIndexRow {
  schema: string;
  table: string;
  index: string;
  definition: string;
  sizeBytes: number | null;
  /** A CREATE/REINDEX CONCURRENTLY is still running on it: not (yet) a leftover. */
  buildInProgress: boolean;
  /** That build (its phase, as Builds in Progress shows it), or null. */
  build: { pid: number; phase: string; phaseProgress: number | null } | null;
  /** Leftover of a failed REINDEX CONCURRENTLY (`_ccnew` / `_ccold` suffix). */
  reindexLeftover: boolean;
}

export interface LargeTableRow {
  schema: string;
  table: string;
  /** pg_class.reltuples; null when the table was never analyzed. */
  rowEstimate: number | null;
  totalBytes: number;
  tableBytes: number;
  indexBytes: number;
  indexCount: number;
}

export interface TableRowEstimateRow {
  schema: string;
  table: string;
  rowEstimate: number | null;
}

export interface TableSizeRow {
  schema: string;
  table: string;
  /** pg_relation_size: the heap's main fork. */
  tableBytes: number;
}

export interface ColumnWidthRow {
  table: string;
  column: string;
  /** pg_stats.avg_width, in bytes. */
  avgWidth: number;
}

export interface BlockedQueryRow {
  pid: number;
  databaseName: string | null;
  user: string | null;
  applicationName: string | null;
  query: string | null;
  waitEventType: string | null;
  waitEvent: string | null;
  waitingSeconds: number | null;
  blockingPid: number;
  blockingUser: string | null;
  blockingApplicationName: string | null;
  blockingQuery: string | null;
  blockingState: string | null;
  /** How long the blocker's transaction has been open. */
  blockingTransactionSeconds: number | null;
}

export interface ExistingIndexRow {
  schema: string;
  table: string;
  index: string;
  /** Key columns in order; null for an expression. */
  columns: (string | null)[];
  /**
   * A key column has what pg_get_indexdef would write after it: a DESC or NULLS order, an operator
   * class that is not its type's default, a collation that is not its column's.
   */
  decoratedKey: boolean;
  /** An index of a partitioned table (relkind I): INVALID until every partition's index is attached. */
  partitioned: boolean;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  method: string;
  /** WHERE clause of a partial index, as the server prints it. */
  predicate: string | null;
  sizeBytes: number | null;
}

export interface MissingDeclaredIndexRow {
  /** 1-based position of the declared index in the query's arrays. */
  ord: number;
  tableExists: boolean;
  /** The indexes of the declared index's table; columns null for an expression. */
  tableIndexes: { index: string; unique: boolean; partial: boolean; columns: (string | null)[] }[];
}

export interface PendingMigrationFactsRow {
  /** current_user: whom to grant SELECT to when a table is unreadable. */
  role: string;
  /** The applied versions, or why they are unknown. */
  rails: string[] | 'missing' | 'unreadable';
  /** Likewise for django_migrations; 'missing' when not asked for. */
  django: string[] | 'missing' | 'unreadable';
  estimates: TableRowEstimateRow[];
  indexTables: { schema: string; table: string; index: string }[];
}

export interface SchemaMigrationsTableRow {
  exists: boolean;
}

export interface SchemaMigrationVersionRow {
  version: string;
}

export interface ServerVersionRow {
  serverVersionNum: number;
  version: string;
}

export interface ColumnStatsRow {
  schema: string;
  table: string;
  column: string;
  inherited: boolean;
  nullFraction: number;
  /** Positive: distinct values; negative: minus the fraction of rows that are distinct. */
  distinctValues: number;
  mostCommonValues: string[] | null;
  mostCommonFrequencies: number[] | null;
  /** The table's row estimate, to turn fractions into counts. */
  rowEstimate: number | null;
}

export interface ConnectionCountRow {
  active: number;
  total: number;
  maxConnections: number;
}

type Row = Record<string, unknown>;

export interface NamedQuery<Params extends readonly unknown[], Result> {
  /** Prepared statement name (stable, unique). */
  name: string;
  text: string;
  mapRow(row: Row): Result;
  /** Never lets a parameter through unvalidated: params are bound, never spliced into text. */
  readonly params?: Params;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const date = (v: unknown): Date | null => (v instanceof Date ? v : v === null || v === undefined ? null : new Date(String(v)));

function query<Params extends readonly unknown[], Result>(name: string, text: string, mapRow: (row: Row) => Result): NamedQuery<Params, Result> {
  return { name: `pgig_${name}`, text: text.trim(), mapRow };
}

export const QUERIES = {
  /**
   * With the sessions each build waits for (what Blocked Queries lists for its pid), asked only of a
   * build that waits for a lock: pg_blocking_pids takes the lock manager's locks for a moment.
   */
  buildsInProgress: query<[], BuildInProgressRow>(
    'builds_in_progress_v2',
    `
SELECT p.pid, p.datname, n.nspname AS schema_name, c.relname AS table_name, ic.relname AS index_name,
       p.command, p.phase, p.lockers_total, p.lockers_done, p.current_locker_pid,
       p.blocks_total, p.blocks_done, p.tuples_total, p.tuples_done, p.partitions_total, p.partitions_done,
       a.query, a.query_start, a.state, a.wait_event_type, a.wait_event, a.usename, a.application_name,
       extract(epoch FROM clock_timestamp() - a.query_start)::float8 AS running_seconds,
       CASE WHEN a.wait_event_type = 'Lock' THEN
         (SELECT json_agg(json_build_object('pid', blocker.pid, 'query', b.query, 'state', b.state,
                                            'transactionSeconds', extract(epoch FROM clock_timestamp() - b.xact_start)::float8)
                          ORDER BY blocker.pid)
            FROM unnest(pg_blocking_pids(p.pid)) AS blocker(pid)
            LEFT JOIN pg_stat_activity b ON b.pid = blocker.pid)
       END AS blocked_by
  FROM pg_stat_progress_create_index p
  LEFT JOIN pg_stat_activity a ON a.pid = p.pid
  LEFT JOIN pg_class c ON c.oid = p.relid AND p.datname = current_database()
  LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_class ic ON ic.oid = p.index_relid AND p.index_relid <> 0 AND p.datname = current_database()
 ORDER BY a.query_start NULLS LAST, p.pid`,
    (r) => ({
      pid: Number(r['pid']),
      databaseName: str(r['datname']),
      schema: str(r['schema_name']),
      table: str(r['table_name']),
      index: str(r['index_name']),
      command: String(r['command'] ?? ''),
      phase: String(r['phase'] ?? ''),
      hidden: r['command'] === null,
      lockersTotal: num(r['lockers_total']),
      lockersDone: num(r['lockers_done']),
      currentLockerPid: num(r['current_locker_pid']) || null,
      blocksTotal: num(r['blocks_total']),
      blocksDone: num(r['blocks_done']),
      tuplesTotal: num(r['tuples_total']),
      tuplesDone: num(r['tuples_done']),
      partitionsTotal: num(r['partitions_total']),
      partitionsDone: num(r['partitions_done']),
      query: str(r['query']),
      queryStart: date(r['query_start']),
      state: str(r['state']),
      waitEventType: str(r['wait_event_type']),
      waitEvent: str(r['wait_event']),
      user: str(r['usename']),
      applicationName: str(r['application_name']),
      runningSeconds: num(r['running_seconds']),
      blockedBy: Array.isArray(r['blocked_by'])
        ? (r['blocked_by'] as Array<Record<string, unknown>>).map((b) => ({
            pid: Number(b['pid']),
            query: str(b['query']),
            state: str(b['state']),
            transactionSeconds: num(b['transactionSeconds']),
          }))
        : [],
    }),
  ),

  /** With the build running on each, if any (one build per index: it holds a lock that conflicts with another's). */
  invalidIndexes: query<[], InvalidIndexRow>(
    'invalid_indexes_v2',
    `
SELECT n.nspname AS schema_name, t.relname AS table_name, i.relname AS index_name,
       pg_get_indexdef(x.indexrelid) AS definition,
       pg_relation_size(x.indexrelid) AS size_bytes,
       p.pid AS build_pid, p.phase AS build_phase, p.lockers_total, p.lockers_done,
       p.blocks_total, p.blocks_done, p.tuples_total, p.tuples_done
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = i.relnamespace
  LEFT JOIN pg_stat_progress_create_index p ON p.index_relid = x.indexrelid AND p.datname = current_database()
 WHERE NOT x.indisvalid
   AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
 ORDER BY 1, 2, 3`,
    (r) => {
      const phase = String(r['build_phase'] ?? '');
      const counters = {
        phase,
        lockersTotal: num(r['lockers_total']),
        lockersDone: num(r['lockers_done']),
        blocksTotal: num(r['blocks_total']),
        blocksDone: num(r['blocks_done']),
        tuplesTotal: num(r['tuples_total']),
        tuplesDone: num(r['tuples_done']),
      };
      return {
        schema: String(r['schema_name']),
        table: String(r['table_name']),
        index: String(r['index_name']),
        definition: String(r['definition'] ?? ''),
        sizeBytes: num(r['size_bytes']),
        buildInProgress: r['build_pid'] !== null && r['build_pid'] !== undefined,
        build: r['build_pid'] === null || r['build_pid'] === undefined ? null : { pid: Number(r['build_pid']), phase, phaseProgress: phaseProgress(counters) },
        reindexLeftover: /_cc(new|old)\d*$/.test(String(r['index_name'])),
      };
    },
  ),

  /**
   * $1: how many tables (largest first). Rails' own bookkeeping tables are not the app's data.
   * Sizing every table from its files (pg_total_relation_size: a stat per fork of the table, its
   * TOAST table and each index) took seconds on 10,000 tables; the candidates are ranked from the
   * catalog's page counts instead (kept up to date by VACUUM, ANALYZE and CREATE INDEX), by the
   * heap's file for a table never vacuumed or analyzed (reltuples -1, pages unknown) that the
   * cumulative statistics saw rows written to (autovacuum leaves empty tables unanalyzed: a big
   * schema has thousands, and opening each one costs a fresh backend seconds), and only the first
   * few are measured, with room for the estimate to be off.
   */
  largeTables: query<[limit: number], LargeTableRow>(
    'large_tables_v3',
    `
WITH index_pages AS (
  SELECT x.indrelid, sum(i.relpages) AS pages
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
   GROUP BY x.indrelid
), candidates AS (
  SELECT c.oid, n.nspname, c.relname, c.reltuples
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
    LEFT JOIN index_pages ip ON ip.indrelid = c.oid
   WHERE c.relkind IN ('r', 'm')
     AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
     AND c.relname NOT IN ('schema_migrations', 'ar_internal_metadata')
   ORDER BY CASE WHEN c.reltuples >= 0 THEN c.relpages::bigint + COALESCE(t.relpages, 0) + COALESCE(ip.pages, 0)
                 WHEN pg_stat_get_tuples_inserted(c.oid) + pg_stat_get_tuples_updated(c.oid) + pg_stat_get_live_tuples(c.oid) = 0 THEN 0
                 ELSE pg_relation_size(c.oid) / current_setting('block_size')::bigint
            END DESC
   LIMIT $1::int * 4 + 20
)
SELECT c.nspname AS schema_name, c.relname AS table_name,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::float8 END AS row_estimate,
       pg_total_relation_size(c.oid) AS total_bytes,
       pg_relation_size(c.oid) AS table_bytes,
       pg_indexes_size(c.oid) AS index_bytes,
       (SELECT count(*) FROM pg_index x WHERE x.indrelid = c.oid) AS index_count
  FROM candidates c
 ORDER BY pg_total_relation_size(c.oid) DESC, 1, 2
 LIMIT $1::int`,
    (r) => ({
      schema: String(r['schema_name']),
      table: String(r['table_name']),
      rowEstimate: num(r['row_estimate']),
      totalBytes: Number(r['total_bytes']),
      tableBytes: Number(r['table_bytes']),
      indexBytes: Number(r['index_bytes']),
      indexCount: Number(r['index_count']),
    }),
  ),

  /** Row estimates of every user table (for the linter's database facts). */
  tableRowEstimates: query<[], TableRowEstimateRow>(
    'table_row_estimates_v1',
    `
SELECT n.nspname AS schema_name, c.relname AS table_name,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::float8 END AS row_estimate
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'm', 'p')
   AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
 ORDER BY 1, 2`,
    (r) => ({ schema: String(r['schema_name']), table: String(r['table_name']), rowEstimate: num(r['row_estimate']) }),
  ),

  /** Heap size of every user table (for the impact estimates: what an index build scans). */
  tableSizes: query<[], TableSizeRow>(
    'table_sizes_v1',
    `
SELECT n.nspname AS schema_name, c.relname AS table_name, pg_relation_size(c.oid) AS table_bytes
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'm')
   AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
 ORDER BY 1, 2`,
    (r) => ({ schema: String(r['schema_name']), table: String(r['table_name']), tableBytes: Number(r['table_bytes']) }),
  ),

  /**
   * One table's size from pg_class.relpages, which an index build brings up to date: read
   * without a lock, so a monitor never queues behind a waiting ACCESS EXCLUSIVE. $1 schema, $2 table.
   */
  tablePagesBytes: query<[schema: string, table: string], { tableBytes: number }>(
    'table_pages_bytes_v1',
    `
SELECT c.relpages::float8 * current_setting('block_size')::float8 AS table_bytes
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1::text AND c.relname = $2::text AND c.relkind IN ('r', 'm', 'p')`,
    (r) => ({ tableBytes: Number(r['table_bytes']) }),
  ),

  /** pg_stats.avg_width of the analyzed columns (for the estimated size of a new index). */
  columnWidths: query<[], ColumnWidthRow>(
    'column_widths_v1',
    `
SELECT s.tablename AS table_name, s.attname AS column_name, s.avg_width
  FROM pg_stats s
 WHERE s.schemaname <> 'information_schema' AND s.schemaname !~ '^pg_'
   AND NOT s.inherited
 ORDER BY 1, 2
 LIMIT 20000`,
    (r) => ({ table: String(r['table_name']), column: String(r['column_name']), avgWidth: Number(r['avg_width']) }),
  ),

  blockedQueries: query<[], BlockedQueryRow>(
    'blocked_queries_v2',
    `
SELECT a.pid, a.datname, a.usename, a.application_name, a.query, a.wait_event_type, a.wait_event,
       extract(epoch FROM clock_timestamp() - a.state_change)::float8 AS waiting_seconds,
       b.pid AS blocking_pid, b.usename AS blocking_user, b.application_name AS blocking_application_name,
       b.query AS blocking_query, b.state AS blocking_state,
       extract(epoch FROM clock_timestamp() - b.xact_start)::float8 AS blocking_transaction_seconds
  FROM pg_stat_activity a
 CROSS JOIN LATERAL unnest(pg_blocking_pids(a.pid)) AS blocker(pid)
  LEFT JOIN pg_stat_activity b ON b.pid = blocker.pid
 WHERE a.wait_event_type = 'Lock'
   AND a.pid <> pg_backend_pid()
 ORDER BY a.state_change NULLS LAST, a.pid, blocker.pid`,
    (r) => ({
      pid: Number(r['pid']),
      databaseName: str(r['datname']),
      user: str(r['usename']),
      applicationName: str(r['application_name']),
      query: str(r['query']),
      waitEventType: str(r['wait_event_type']),
      waitEvent: str(r['wait_event']),
      waitingSeconds: num(r['waiting_seconds']),
      blockingPid: Number(r['blocking_pid']),
      blockingUser: str(r['blocking_user']),
      blockingApplicationName: str(r['blocking_application_name']),
      blockingQuery: str(r['blocking_query']),
      blockingState: str(r['blocking_state']),
      blockingTransactionSeconds: num(r['blocking_transaction_seconds']),
    }),
  ),

  /** $1: a table name to restrict to, or null for all. */
  /**
   * Every index, for the lint's facts, read from the catalog alone: on 50,000 indexes
   * pg_get_indexdef took most of this statement's time, and pg_relation_size (which opens each
   * index and asks the file system) most of the rest on a fresh connection. What the rules read of
   * a definition comes from pg_index instead (decorated_key, partitioned). The size of a valid
   * index is its pg_class.relpages, as of its build or last VACUUM / ANALYZE (autovacuum keeps it
   * near); an INVALID one, whose relpages a failed build may have left at 0, and one with none
   * recorded are sized for real.
   */
  existingIndexes: query<[table: string | null], ExistingIndexRow>(
    'existing_indexes_v3',
    `
WITH not_default AS (SELECT coalesce(array_agg(oid), '{}') AS opclasses FROM pg_opclass WHERE NOT opcdefault)
SELECT n.nspname AS schema_name, t.relname AS table_name, i.relname AS index_name,
       ARRAY(SELECT a.attname::text
               FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0
              WHERE k.ord <= x.indnkeyatts
              ORDER BY k.ord) AS columns,
       -- An order, an operator class that is not the default, a collation that is not the column's
       -- (looked at only when a key is collatable at all). Array tests: a subquery per index costs.
       (0 <> ANY (x.indoption::int2[]) OR x.indclass::oid[] && nd.opclasses
        OR (NOT x.indcollation::oid[] <@ '{0}'::oid[] AND EXISTS (
              SELECT 1 FROM unnest(x.indkey::int2[], x.indcollation::oid[]) AS k(attnum, coll)
                JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
               WHERE k.attnum > 0 AND k.coll <> 0 AND k.coll <> a.attcollation))) AS decorated_key,
       i.relkind = 'I' AS partitioned,
       x.indisunique AS is_unique, x.indisprimary AS is_primary, x.indisvalid AS is_valid,
       am.amname AS method, pg_get_expr(x.indpred, x.indrelid) AS predicate,
       CASE WHEN x.indisvalid AND i.relpages > 0 THEN i.relpages::bigint * current_setting('block_size')::bigint
            ELSE pg_relation_size(x.indexrelid) END AS size_bytes
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = i.relnamespace
  JOIN pg_am am ON am.oid = i.relam
 CROSS JOIN not_default nd
 WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
   AND ($1::text IS NULL OR t.relname = $1::text)
 ORDER BY 1, 2, 3`,
    (r) => ({
      schema: String(r['schema_name']),
      table: String(r['table_name']),
      index: String(r['index_name']),
      columns: Array.isArray(r['columns']) ? (r['columns'] as unknown[]).map((c) => str(c)) : [],
      decoratedKey: r['decorated_key'] === true,
      partitioned: r['partitioned'] === true,
      unique: r['is_unique'] === true,
      primary: r['is_primary'] === true,
      valid: r['is_valid'] === true,
      method: String(r['method'] ?? ''),
      predicate: str(r['predicate']),
      sizeBytes: num(r['size_bytes']),
    }),
  ),

  /**
   * The declared indexes ($1 schemas, null for any; $2 tables; $3 index names; one entry per
   * index) that no index of that name exists for, with whether their table exists and the
   * table's indexes (to find one on the same columns under another name). Looked up by name on
   * the server: the Missing Indexes view never reads every index of a big catalog.
   */
  missingDeclaredIndexes: query<[schemas: (string | null)[], tables: string[], names: string[]], MissingDeclaredIndexRow>(
    'missing_declared_indexes_v1',
    `
SELECT d.ord::int AS ord,
       EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relname = d.table_name AND c.relkind IN ('r', 'm', 'p')
                  AND (d.schema_name IS NULL OR n.nspname = d.schema_name)
                  AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_') AS table_exists,
       (SELECT json_agg(json_build_object(
                 'index', i.relname, 'unique', x.indisunique, 'partial', x.indpred IS NOT NULL,
                 'columns', ARRAY(SELECT a.attname::text
                                    FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                                    LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0
                                   WHERE k.ord <= x.indnkeyatts
                                   ORDER BY k.ord)) ORDER BY n.nspname, i.relname)
          FROM pg_class t
          JOIN pg_namespace n ON n.oid = t.relnamespace
          JOIN pg_index x ON x.indrelid = t.oid
          JOIN pg_class i ON i.oid = x.indexrelid
         WHERE t.relname = d.table_name AND (d.schema_name IS NULL OR n.nspname = d.schema_name)
           AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_') AS table_indexes
  FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS d(schema_name, table_name, index_name, ord)
 WHERE NOT EXISTS (SELECT 1 FROM pg_class i JOIN pg_namespace n ON n.oid = i.relnamespace
                    WHERE i.relname = d.index_name AND i.relkind IN ('i', 'I')
                      AND (d.schema_name IS NULL OR n.nspname = d.schema_name)
                      AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_')
 ORDER BY d.ord`,
    (r) => ({
      ord: Number(r['ord']),
      tableExists: r['table_exists'] === true,
      tableIndexes: Array.isArray(r['table_indexes'])
        ? (r['table_indexes'] as Array<Record<string, unknown>>).map((i) => ({
            index: String(i['index']),
            unique: i['unique'] === true,
            partial: i['partial'] === true,
            columns: Array.isArray(i['columns']) ? (i['columns'] as unknown[]).map((c) => str(c)) : [],
          }))
        : [],
    }),
  ),

  /** Row estimates of the tables named $1 (unqualified), in every schema: what pending operations touch. */
  tableRowEstimatesOf: query<[tables: string[]], TableRowEstimateRow>(
    'table_row_estimates_of_v1',
    `
SELECT n.nspname AS schema_name, c.relname AS table_name,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::float8 END AS row_estimate
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'm', 'p') AND c.relname = ANY($1::text[])
   AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
 ORDER BY 1, 2`,
    (r) => ({ schema: String(r['schema_name']), table: String(r['table_name']), rowEstimate: num(r['row_estimate']) }),
  ),

  /** The table of each index named $1 (unqualified), in every schema: for REINDEX INDEX, which names no table. */
  indexTablesOf: query<[indexes: string[]], { schema: string; table: string; index: string }>(
    'index_tables_of_v1',
    `
SELECT n.nspname AS schema_name, t.relname AS table_name, i.relname AS index_name
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = i.relnamespace
 WHERE i.relname = ANY($1::text[])
   AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
 ORDER BY 1, 2, 3`,
    (r) => ({ schema: String(r['schema_name']), table: String(r['table_name']), index: String(r['index_name']) }),
  ),

  /**
   * A cheap stamp of the catalog the lint's facts come from: it changes when an index is created,
   * dropped or turns valid, or a table comes or goes (one row; no definitions, no sizes).
   */
  catalogStamp: query<[], { stamp: string }>(
    'catalog_stamp_v1',
    `
SELECT concat_ws(':', count(*), sum(x.indexrelid::int8), count(*) FILTER (WHERE x.indisvalid),
                 (SELECT count(*) FROM pg_class c WHERE c.relkind IN ('r', 'm', 'p'))) AS stamp
  FROM pg_index x`,
    (r) => ({ stamp: String(r['stamp']) }),
  ),

  /**
   * What the Pending Migrations view needs, in one statement: the versions in Rails'
   * schema_migrations and (when $3) Django's django_migrations, the row estimates of the tables
   * named $1 (unqualified, every schema), and the table of each index named $2 (REINDEX INDEX
   * names no table) with that table's estimate. A table that is missing, or that this role may not
   * read, gives NULL and no server error: query_to_xml runs its query text only when the CASE
   * reaches it (a statement naming the table itself would fail to parse without it), and XMLTABLE
   * reads the one JSON value back. Both tables are found through search_path, as Rails and Django do.
   */
  pendingMigrationFacts: query<[tables: string[], indexes: string[], django: boolean], PendingMigrationFactsRow>(
    'pending_migration_facts_v1',
    `
WITH migration_tables AS (
  SELECT to_regclass('schema_migrations') AS rails,
         CASE WHEN $3::boolean THEN to_regclass('django_migrations') END AS django
), index_tables AS (
  SELECT n.nspname AS schema_name, t.relname AS table_name, i.relname AS index_name
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = i.relnamespace
   WHERE i.relname = ANY($2::text[])
     AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
), estimates AS (
  SELECT n.nspname AS schema_name, c.relname AS table_name,
         CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::float8 END AS row_estimate
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'm', 'p') AND c.relname = ANY($1::text[] || ARRAY(SELECT table_name::text FROM index_tables))
     AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
)
SELECT current_user AS role_name,
       m.rails IS NOT NULL AS rails_exists,
       m.rails IS NOT NULL AND has_column_privilege(m.rails, 'version', 'SELECT') AS rails_readable,
       CASE WHEN m.rails IS NOT NULL AND has_column_privilege(m.rails, 'version', 'SELECT') THEN
         (SELECT v FROM XMLTABLE('/row' PASSING query_to_xml('SELECT COALESCE(json_agg(version::text), ''[]'') AS v FROM schema_migrations', false, true, '')
                                COLUMNS v json PATH 'v'))
       END AS rails_versions,
       m.django IS NOT NULL AS django_exists,
       m.django IS NOT NULL AND has_column_privilege(m.django, 'app', 'SELECT') AND has_column_privilege(m.django, 'name', 'SELECT') AS django_readable,
       CASE WHEN m.django IS NOT NULL AND has_column_privilege(m.django, 'app', 'SELECT') AND has_column_privilege(m.django, 'name', 'SELECT') THEN
         (SELECT v FROM XMLTABLE('/row' PASSING query_to_xml('SELECT COALESCE(json_agg(app || ''.'' || name), ''[]'') AS v FROM django_migrations', false, true, '')
                                COLUMNS v json PATH 'v'))
       END AS django_versions,
       (SELECT COALESCE(json_agg(json_build_object('schema', e.schema_name, 'table', e.table_name, 'rowEstimate', e.row_estimate)
                                 ORDER BY e.schema_name, e.table_name), '[]') FROM estimates e) AS estimates,
       (SELECT COALESCE(json_agg(json_build_object('schema', it.schema_name, 'table', it.table_name, 'index', it.index_name)
                                 ORDER BY it.schema_name, it.table_name, it.index_name), '[]') FROM index_tables it) AS index_tables
  FROM migration_tables m`,
    (r) => {
      const versions = (v: unknown): string[] | null => (Array.isArray(v) ? v.map(String) : null);
      const rows = (v: unknown): Array<Record<string, unknown>> => (Array.isArray(v) ? (v as Array<Record<string, unknown>>) : []);
      return {
        role: String(r['role_name']),
        rails: r['rails_exists'] !== true ? 'missing' : r['rails_readable'] !== true ? 'unreadable' : (versions(r['rails_versions']) ?? []),
        django: r['django_exists'] !== true ? 'missing' : r['django_readable'] !== true ? 'unreadable' : (versions(r['django_versions']) ?? []),
        estimates: rows(r['estimates']).map((e) => ({ schema: String(e['schema']), table: String(e['table']), rowEstimate: num(e['rowEstimate']) })),
        indexTables: rows(r['index_tables']).map((e) => ({ schema: String(e['schema']), table: String(e['table']), index: String(e['index']) })),
      };
    },
  ),

  /** Rails' schema_migrations, resolved through search_path like the next query does. */
  schemaMigrationsTableExists: query<[], SchemaMigrationsTableRow>(
    'schema_migrations_exists_v1',
    `SELECT to_regclass('schema_migrations') IS NOT NULL AS table_exists`,
    (r) => ({ exists: r['table_exists'] === true }),
  ),

  schemaMigrationVersions: query<[], SchemaMigrationVersionRow>(
    'schema_migration_versions_v1',
    `SELECT version::text AS version FROM schema_migrations ORDER BY version`,
    (r) => ({ version: String(r['version']) }),
  ),

  djangoMigrationsTableExists: query<[], SchemaMigrationsTableRow>(
    'django_migrations_exists_v1',
    `SELECT to_regclass('django_migrations') IS NOT NULL AS table_exists`,
    (r) => ({ exists: r['table_exists'] === true }),
  ),

  /** Django's applied migrations as `<app>.<name>`, the version a Django MigrationFileRef carries. */
  djangoMigrationVersions: query<[], SchemaMigrationVersionRow>(
    'django_migration_versions_v1',
    `SELECT app || '.' || name AS version FROM django_migrations ORDER BY id`,
    (r) => ({ version: String(r['version']) }),
  ),

  serverVersion: query<[], ServerVersionRow>(
    'server_version_v1',
    `SELECT current_setting('server_version_num')::int AS server_version_num, version() AS version`,
    (r) => ({ serverVersionNum: Number(r['server_version_num']), version: String(r['version']) }),
  ),

  /** $1 table, $2 column, $3 schema or null for every schema that has such a table. */
  /**
   * Column statistics of the tables above a row estimate, for the linter's partial-index advice
   * (which columns hold few distinct values, and how common the most common one is).
   */
  lowSelectivityStats: query<[minRows: number], { table: string; column: string; distinctValues: number; mostCommonFrequency: number | null }>(
    'low_selectivity_stats_v1',
    `
SELECT s.tablename AS table_name, s.attname AS column_name, s.n_distinct::float8 AS n_distinct,
       (s.most_common_freqs::float8[])[1] AS top_freq
  FROM pg_stats s
  JOIN pg_namespace n ON n.nspname = s.schemaname
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
 WHERE s.schemaname <> 'information_schema' AND s.schemaname !~ '^pg_'
   AND NOT s.inherited
   AND c.reltuples >= $1::float8
   AND ((s.n_distinct > 0 AND s.n_distinct <= 10) OR (s.most_common_freqs::float8[])[1] >= 0.5)
 ORDER BY 1, 2
 LIMIT 5000`,
    (r) => ({
      table: String(r['table_name']),
      column: String(r['column_name']),
      distinctValues: Number(r['n_distinct']),
      mostCommonFrequency: num(r['top_freq']),
    }),
  ),
  columnStats: query<[table: string, column: string, schema: string | null], ColumnStatsRow>(
    'column_stats_v1',
    `
SELECT s.schemaname AS schema_name, s.tablename AS table_name, s.attname AS column_name, s.inherited,
       s.null_frac::float8 AS null_frac, s.n_distinct::float8 AS n_distinct,
       s.most_common_vals::text::text[] AS most_common_vals,
       s.most_common_freqs::float8[] AS most_common_freqs,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::float8 END AS row_estimate
  FROM pg_stats s
  LEFT JOIN pg_namespace n ON n.nspname = s.schemaname
  LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
 WHERE s.tablename = $1::text AND s.attname = $2::text
   AND ($3::text IS NULL OR s.schemaname = $3::text)
 ORDER BY s.schemaname, s.inherited`,
    (r) => ({
      schema: String(r['schema_name']),
      table: String(r['table_name']),
      column: String(r['column_name']),
      inherited: r['inherited'] === true,
      nullFraction: Number(r['null_frac']),
      distinctValues: Number(r['n_distinct']),
      mostCommonValues: Array.isArray(r['most_common_vals']) ? (r['most_common_vals'] as unknown[]).map(String) : null,
      mostCommonFrequencies: Array.isArray(r['most_common_freqs']) ? (r['most_common_freqs'] as unknown[]).map(Number) : null,
      rowEstimate: num(r['row_estimate']),
    }),
  ),

  /** $1: the table as SQL names it (quoted, schema optional); $2: key column names. What an index size estimate needs. */
  indexKeyWidths: query<[table: string, columns: string[]], { rowEstimate: number | null; widths: Record<string, number> }>(
    'index_key_widths_v1',
    `
SELECT CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::float8 END AS row_estimate,
       (SELECT json_object_agg(s.attname, s.avg_width)
          FROM pg_stats s
         WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND NOT s.inherited
           AND s.attname = ANY($2::text[])) AS widths
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = to_regclass($1::text)`,
    (r) => ({
      rowEstimate: num(r['row_estimate']),
      widths: r['widths'] && typeof r['widths'] === 'object' ? (r['widths'] as Record<string, number>) : {},
    }),
  ),

  connectionCounts: query<[], ConnectionCountRow>(
    'connection_counts_v1',
    `
SELECT count(*) FILTER (WHERE state = 'active') AS active, count(*) AS total,
       current_setting('max_connections')::int AS max_connections
  FROM pg_stat_activity WHERE backend_type = 'client backend'`,
    (r) => ({ active: Number(r['active']), total: Number(r['total']), maxConnections: Number(r['max_connections']) }),
  ),
} as const;

export type Queries = typeof QUERIES;
export type QueryName = keyof Queries;
export type QueryParams<K extends QueryName> = Queries[K] extends NamedQuery<infer P, unknown> ? P : never;
export type QueryRow<K extends QueryName> = Queries[K] extends NamedQuery<readonly unknown[], infer R> ? R : never;

/** Anything that runs a pg query config (a pg Client, a PoolClient). */
export interface Queryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}

/** Runs a named query on any pg client (the monitor session uses this too). */
export async function runNamedQuery<K extends QueryName>(client: Queryable, name: K, ...params: QueryParams<K>): Promise<QueryRow<K>[]> {
  const q = QUERIES[name] as unknown as NamedQuery<readonly unknown[], QueryRow<K>>;
  const result = await client.query({ name: q.name, text: q.text, values: [...params] });
  return result.rows.map((row) => q.mapRow(row));
}

/** The fraction (0..1) of the current phase that is done, from the counters that phase reports; null when unknown. */
export function phaseProgress(row: Pick<BuildInProgressRow, 'phase' | 'lockersDone' | 'lockersTotal' | 'blocksDone' | 'blocksTotal' | 'tuplesDone' | 'tuplesTotal'>): number | null {
  const ratio = (done: number | null, total: number | null) => (done !== null && total !== null && total > 0 ? Math.min(1, done / total) : null);
  if (row.phase.startsWith('waiting')) return ratio(row.lockersDone, row.lockersTotal);
  if (row.phase.includes('loading tuples') || row.phase.includes('sorting tuples')) return ratio(row.tuplesDone, row.tuplesTotal) ?? ratio(row.blocksDone, row.blocksTotal);
  return ratio(row.blocksDone, row.blocksTotal) ?? ratio(row.tuplesDone, row.tuplesTotal);
}
