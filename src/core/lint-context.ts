import type { Severity } from './rules/rule';
import { formatCount } from './format';

export type RuleSetting = Severity | 'off' | 'default';

export interface LintSettings {
  /** Per-rule override: off, or a fixed severity. */
  rules: Record<string, RuleSetting>;
  /** Tables known to be large (severity grows on them). */
  largeTables: string[];
  /** Row estimate above which a table counts as large (used with database facts). */
  largeTableRowThreshold: number;
  /** Files larger than this are skipped with a message. */
  maxFileBytes: number;
  /**
   * lock_timeout / statement_timeout are set for every migration outside the migration file
   * (a StrongMigrations initializer, database or role settings): require-timeouts then only
   * checks timeouts a migration sets itself.
   */
  timeoutsConfiguredElsewhere: boolean;
  /**
   * Values the require-timeouts fix (and "Make this migration production-safe") writes, in
   * Postgres interval syntax; `onlyInProduction`: Rails, inside `if Rails.env.production?`.
   */
  fixTimeouts: { statement: string; lock: string; onlyInProduction?: boolean };
  /** A statement_timeout below this (milliseconds) before a concurrent build is reported: it would cancel the build. */
  minBuildStatementTimeoutMs: number;
  /** Columns known to hold few distinct values (`status`, or `orders.status` for one table). */
  lowSelectivityColumns: string[];
  /**
   * The tool that runs the project's SQL migrations (`goose`, `dbmate`, `flyway`, `atlas`,
   * `postgres-migrations`, `golang-migrate`, `prisma`, `psql`), for files that do not say it
   * themselves with a marker comment. Unset: detected from each file (markers, then its path).
   */
  sqlRunner?: string;
  /**
   * strong_migrations' `safe_by_default` is on (read from config/initializers/strong_migrations.rb,
   * not a settings key): at run time it builds and drops the indexes of `add_index`, `remove_index`
   * and `add_reference` concurrently, outside the migration's transaction.
   */
  strongMigrationsSafeByDefault?: boolean;
}

/** pg_stats facts about one column. */
export interface ColumnStats {
  /** pg_stats.n_distinct: positive = count of distinct values, negative = fraction of rows. */
  nDistinct: number;
  /** Frequency of the most common value (0..1), when known. */
  mostCommonFrequency?: number;
}

/** What a connected database tells the linter. All optional: the linter works without a database. */
export interface DatabaseFacts {
  /** Row estimates by table name (unqualified, lower case). */
  tableRowEstimates?: Map<string, number>;
  serverVersionNum?: number;
  /** Column statistics keyed `table.column` (unqualified, lower case). */
  columnStats?: Map<string, ColumnStats>;
  /** The indexes that exist, valid or not (pg_index joined with pg_class). */
  indexes?: DatabaseIndex[];
  /** pg_relation_size of each table (its heap), keyed like tableRowEstimates. */
  tableBytes?: Map<string, number>;
  /** pg_stats.avg_width (bytes) of each analyzed column, keyed `table.column` like columnStats. */
  columnWidths?: Map<string, number>;
}

/** One index as the database has it. */
export interface DatabaseIndex {
  schema: string;
  table: string;
  name: string;
  /** pg_index.indisvalid: false after a failed concurrent build (or while one runs). */
  valid: boolean;
  /** The access method (pg_am.amname): btree, gin, gist, hash, brin... */
  method: string;
  /** Key columns in order; an expression as a placeholder, `(expression 1)`. */
  columns: string[];
  /**
   * A key column has an order (DESC, NULLS FIRST / LAST), an operator class or a collation of its
   * own: what the index model does not carry, so such an index is not compared with another.
   */
  decoratedKey: boolean;
  /** An index of a partitioned table: INVALID until every partition's index is attached. */
  partitioned: boolean;
  unique: boolean;
  /** The partial index's predicate as pg_get_expr writes it, or null. */
  predicate: string | null;
  /**
   * A build of this index is running right now (pg_stat_progress_create_index): it is INVALID
   * only until that build ends, so it is no leftover to drop. Absent when none runs.
   */
  building?: IndexBuildFact;
  /** The index's size in bytes, when known (relpages of a valid index: see the existingIndexes query). */
  sizeBytes?: number | null;
}

/** What pg_stat_progress_create_index says about a build in progress. */
export interface IndexBuildFact {
  /** The backend running the build. */
  pid: number;
  /** The phase PostgreSQL reports (`building index: scanning table`). */
  phase: string;
  /** The current phase's progress, 0..1, when PostgreSQL reports counters for it. */
  phaseProgress: number | null;
}

/** `building index: scanning table, 43%, PID 4242` */
export function describeIndexBuild(build: IndexBuildFact): string {
  return `${build.phase}${build.phaseProgress === null ? '' : `, ${Math.floor(build.phaseProgress * 100)}%`}, PID ${build.pid}`;
}

/** Columns and indexes read from db/schema.rb (or, later, db/structure.sql). */
export interface SchemaInfo {
  /** table -> column -> type as the schema writes it (`boolean`, `datetime`, `bigint`...). */
  tables: Map<string, Map<string, string>>;
  indexes: SchemaIndex[];
}

export interface SchemaIndex {
  table: string;
  columns: string[];
  name: string | null;
  unique: boolean;
  where: string | null;
}

export interface LintContext {
  settings: LintSettings;
  database?: DatabaseFacts;
  schema?: SchemaInfo;
  /**
   * Names of the files and folders in the migration's version folder (versionFolderOf), when the
   * caller listed it: a split then never gives a new migration a version one of them has.
   */
  versionFolderEntries?: readonly string[];
}

export const DEFAULT_SETTINGS: LintSettings = {
  rules: {},
  largeTables: [],
  largeTableRowThreshold: 1_000_000,
  maxFileBytes: 1_000_000,
  timeoutsConfiguredElsewhere: false,
  // lock_timeout in seconds (strong_migrations' default is 10 s): a migration that cannot get its lock
  // soon should fail and be retried, not wait minutes.
  fixTimeouts: { statement: '30min', lock: '10s', onlyInProduction: false },
  minBuildStatementTimeoutMs: 10 * 60 * 1000,
  lowSelectivityColumns: [],
};

export function defaultContext(overrides: Partial<LintSettings> = {}): LintContext {
  return { settings: { ...DEFAULT_SETTINGS, ...overrides } };
}

/** Is this table known to be large, known to be small, or unknown? */
export function tableSize(table: string | null, context: LintContext): 'large' | 'small' | 'unknown' {
  const known = knownSize(table, context);
  return known === null ? 'unknown' : known.large ? 'large' : 'small';
}

/**
 * Why a table counts as large, as a finding's message says it (`messages: ~5.0M rows, large`),
 * or null when it is not known to be large.
 */
export function largeTableReason(table: string | null, context: LintContext): string | null {
  const known = knownSize(table, context);
  if (known === null || !known.large) return null;
  const name = unqualified(table!);
  return known.rows === null ? `${name}: large, listed in largeTables` : `${name}: ~${formatCount(known.rows)} rows, large`;
}

/** What settings and database say of the table's size; rows null when only the largeTables setting knows it. */
function knownSize(table: string | null, context: LintContext): { large: boolean; rows: number | null } | null {
  if (table === null) return null;
  // Nothing to look the table up in (the usual case without a database).
  if (context.settings.largeTables.length === 0 && context.database?.tableRowEstimates === undefined) return null;
  const name = unqualified(table).toLowerCase();
  if (context.settings.largeTables.some((t) => t.toLowerCase() === name)) return { large: true, rows: null };
  const rows = context.database?.tableRowEstimates?.get(name);
  if (rows === undefined) return null;
  return { large: rows >= context.settings.largeTableRowThreshold, rows };
}

function unqualified(table: string): string {
  return table.replace(/^.*\./, '').replace(/"/g, '');
}

/** Type of a column from the schema, or null when the schema does not know it. */
export function columnType(schema: SchemaInfo | undefined, table: string, column: string): string | null {
  return schema?.tables.get(table.toLowerCase().replace(/^.*\./, ''))?.get(column) ?? null;
}
