// The database status shared by the tree view and the CLI: builds in progress, pending
// migrations, missing and invalid indexes, large tables, blocked queries. One failing section
// never hides the others: each carries its own error.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatabaseFacts, IndexBuildFact } from '../core/lint-context';
import { languageOfPath, loadGrammarsFor, parseMigration, type MigrationLanguage, type Parsers } from '../core/lint';
import type { Operation } from '../core/model/migration';
import { lineStarts, positionAt } from '../core/parsers/source-text';
import { readSchemaRbIndexes, readStructureSqlIndexes, type DeclaredIndex } from '../core/parsers/declared-indexes';
import { describeConnectionError, unreadableTable, type ErrorDescription } from './errors';
import {
  phaseProgress,
  type BlockedQueryRow,
  type BuildInProgressRow,
  type ExistingIndexRow,
  type InvalidIndexRow,
  type LargeTableRow,
  type MissingDeclaredIndexRow,
  type PendingMigrationFactsRow,
  type QueryName,
  type QueryParams,
  type QueryRow,
} from './queries';

import { dropInvalidIndexSql, reindexConcurrentlySql } from './sql-text';

export { dropInvalidIndexSql, reindexConcurrentlySql, quoteIdentifier } from './sql-text';

/** What collectStatus needs from a session: the named queries. MonitorSession fits. */
export interface StatusQuerySource {
  query<K extends QueryName>(name: K, ...params: QueryParams<K>): Promise<QueryRow<K>[]>;
  /** The server's version when the source learnt it on connecting (MonitorSession does): then no query asks for it. */
  readonly serverVersionNum?: number | null;
}

export interface MigrationFileRef {
  /** Absolute path. */
  path: string;
  /** Workspace-relative path for display. */
  relativePath: string;
  /** The file name's numeric prefix: Rails' schema_migrations.version; Django: `<app>.<migration name>`, as django_migrations has it. */
  version: string;
  /** Set for a Django migration (applied ones are read from django_migrations, not schema_migrations). */
  framework?: 'django';
  /** `add_index_to_messages` */
  name: string;
}

export interface PendingIndexOperation {
  kind: 'createIndex' | 'dropIndex' | 'reindex' | 'addUniqueConstraint';
  table: string | null;
  name: string | null;
  columns: string[];
  concurrent: boolean;
  unique: boolean;
  /** How the migration spells it: `add_index`, `remove_index`, `CREATE INDEX`, `REINDEX`... */
  statement: string;
  /** 1-based line in the migration file. */
  line: number;
  /** The table's row estimate, when the database knows the table. */
  rowEstimate?: number | null;
}

export interface StatusWorkspace {
  /** All migration files; collectStatus finds the pending ones. */
  migrations: readonly MigrationFileRef[];
  readFile(file: string): Promise<string>;
  /** Index operations of one migration (the core parser: see `coreIndexOperationParser`). */
  parseIndexOperations(file: string, source: string): PendingIndexOperation[];
  /** Loads what parseIndexOperations needs for these files (the tree-sitter grammar of Django migrations). */
  loadParsersFor?(files: readonly string[]): Promise<void>;
  /** Indexes declared in db/schema.rb or db/structure.sql; null when the app has neither, or the file could not be read. */
  declaredIndexes: readonly DeclaredIndex[] | null;
  /** Why db/schema.rb or db/structure.sql could not be read (the missing indexes are then unknown). */
  declaredIndexesProblem?: string;
}

export interface StatusSection<T> {
  items: T[];
  /** Set when this section could not be collected. */
  error: ErrorDescription | null;
  /** Something the reader should know (e.g. no schema_migrations table). */
  note?: string;
}

export interface BuildInProgress extends BuildInProgressRow {
  /** 0..1 of the current phase, null when the phase reports no counters. */
  phaseProgress: number | null;
}

export interface PendingMigration extends MigrationFileRef {
  indexOperations: PendingIndexOperation[];
  /** Set when the file could not be read or parsed. */
  problem?: string;
}

export interface MissingIndex extends DeclaredIndex {
  /** The table itself does not exist in the database (a pending migration creates it?). */
  tableMissing: boolean;
  /** An index with the same table, columns and uniqueness exists under this other name. */
  equivalentIndex: string | null;
}

export interface InvalidIndex extends InvalidIndexRow {
  /** SQL the "drop invalid index" command would run (after confirmation). */
  dropSql: string;
  reindexSql: string;
}

export interface DatabaseStatus {
  collectedAt: Date;
  serverVersionNum: number | null;
  buildsInProgress: StatusSection<BuildInProgress>;
  pendingMigrations: StatusSection<PendingMigration>;
  missingIndexes: StatusSection<MissingIndex>;
  invalidIndexes: StatusSection<InvalidIndex>;
  largeTables: StatusSection<LargeTableRow>;
  blockedQueries: StatusSection<BlockedQueryRow>;
}

export interface CollectStatusOptions {
  /** How many of the largest tables to list (default 10). */
  largeTablesLimit?: number;
}

export async function collectStatus(
  session: StatusQuerySource,
  workspace: StatusWorkspace | null,
  options: CollectStatusOptions = {},
): Promise<DatabaseStatus> {
  const attempt = async <T>(run: () => Promise<T>): Promise<{ value: T } | { error: ErrorDescription }> => {
    try {
      return { value: await run() };
    } catch (err) {
      return { error: describeConnectionError(err) };
    }
  };
  // Declared indexes are looked up by name on the server: a big catalog's indexes never travel.
  const declared = workspace && !workspace.declaredIndexesProblem ? workspace.declaredIndexes : null;
  const knownVersion = session.serverVersionNum;
  // One statement per view. pg runs one query at a time per connection; issuing them together just pipelines them.
  const [version, builds, invalid, large, blocked, missingDeclared, pending] = await Promise.all([
    typeof knownVersion === 'number' ? knownVersion : attempt(async () => (await session.query('serverVersion'))[0]?.serverVersionNum ?? null),
    attempt(() => session.query('buildsInProgress')),
    attempt(() => session.query('invalidIndexes')),
    attempt(() => session.query('largeTables', options.largeTablesLimit ?? 10)),
    attempt(() => session.query('blockedQueries')),
    declared
      ? attempt(() => session.query('missingDeclaredIndexes', declared.map((d) => d.schema), declared.map((d) => d.table), declared.map((d) => d.name)))
      : Promise.resolve(null),
    pendingSection(session, workspace),
  ]);

  const section = <R, T>(result: { value: R } | { error: ErrorDescription }, map: (value: R) => T[]): StatusSection<T> =>
    'error' in result ? { items: [], error: result.error } : { items: map(result.value), error: null };

  return {
    collectedAt: new Date(),
    serverVersionNum: typeof version === 'number' ? version : 'value' in version ? version.value : null,
    buildsInProgress: section(builds, (rows) => rows.map((row) => ({ ...row, phaseProgress: phaseProgress(row) }))),
    pendingMigrations: pending,
    missingIndexes: missingSection(workspace, missingDeclared),
    invalidIndexes: section(invalid, (rows) => rows.map(withRepairSql)),
    largeTables: section(large, (rows) => rows),
    blockedQueries: section(blocked, (rows) => rows),
  };
}

/**
 * The Pending Migrations view, in one statement (pendingMigrationFacts) as long as the pending
 * migrations name the tables the refresh before asked about; one more when they name others.
 * Which migrations are pending is only known from the statement's answer, and asking for the
 * tables of every migration would read every file of the app at each refresh (thousands in a big
 * Rails app): only the pending ones are read, each parsed once per text (coreIndexOperationParser).
 */
async function pendingSection(session: StatusQuerySource, workspace: StatusWorkspace | null): Promise<StatusSection<PendingMigration>> {
  if (!workspace) return { items: [], error: null, note: 'No workspace: migration files are not known.' };
  const migrations = workspace.migrations;
  const hasDjango = migrations.some((m) => m.framework === 'django');
  const asked = askedBefore.get(session) ?? { tables: [], indexes: [] };
  let facts: PendingMigrationFactsRow;
  try {
    facts = await readPendingMigrationFacts(session, asked.tables, asked.indexes, hasDjango);
  } catch (err) {
    return { items: [], error: describeConnectionError(err) };
  }
  if (facts.rails === 'unreadable') return { items: [], error: unreadableTableError('schema_migrations', facts.role) };
  if (facts.django === 'unreadable') return { items: [], error: unreadableTableError('django_migrations', facts.role) };
  const applied = facts.rails === 'missing' ? null : new Set(facts.rails);
  const appliedDjango = facts.django === 'missing' ? null : new Set(facts.django);
  const hasRails = migrations.some((m) => m.framework !== 'django');
  const notes: string[] = [];
  if (applied === null && (hasRails || !hasDjango)) notes.push('The database has no schema_migrations table: every migration counts as pending.');
  if (hasDjango && appliedDjango === null) notes.push('The database has no django_migrations table: every Django migration counts as pending.');

  const pending = migrations.filter((migration) => {
    const known = migration.framework === 'django' ? appliedDjango : applied;
    return known === null || !known.has(migration.version);
  });
  await workspace.loadParsersFor?.(pending.map((m) => m.path));
  const parsed: Array<{ operations: PendingIndexOperation[] } | { problem: string }> = [];
  for (const migration of pending) {
    try {
      const source = await workspace.readFile(migration.path);
      parsed.push({ operations: workspace.parseIndexOperations(migration.path, source) });
    } catch (err) {
      parsed.push({ problem: err instanceof Error ? err.message : String(err) });
    }
  }
  const operations = parsed.flatMap((p) => ('operations' in p ? p.operations : []));
  const unqualified = (name: string) => name.replace(/^.*\./, '');
  const tables = [...new Set(operations.flatMap((op) => (op.table === null ? [] : [unqualified(op.table)])))].sort();
  // REINDEX INDEX names no table: the database knows it.
  const indexes = [...new Set(operations.flatMap((op) => (op.kind === 'reindex' && op.table === null && op.name !== null ? [unqualified(op.name)] : [])))].sort();
  askedBefore.set(session, { tables, indexes });
  const askedTables = new Set(asked.tables);
  const askedIndexes = new Set(asked.indexes);
  if (tables.some((t) => !askedTables.has(t)) || indexes.some((i) => !askedIndexes.has(i))) {
    // Pending migrations the refresh before did not know (the first refresh, a new file): their tables now.
    try {
      const more = await readPendingMigrationFacts(session, tables, indexes, false);
      facts = { ...facts, estimates: more.estimates, indexTables: more.indexTables };
    } catch (err) {
      // The pending migrations are known already: shown without the sizes the failed statement was
      // to give (the next refresh asks for them in its one statement).
      notes.push(`Table sizes could not be read (${describeConnectionError(err).title}): the row estimates of new pending migrations are left out until the next refresh.`);
    }
  }

  const rowEstimates = new Map<string, number | null>();
  for (const row of facts.estimates) {
    rowEstimates.set(`${row.schema}.${row.table}`, row.rowEstimate);
    if (!rowEstimates.has(row.table) || (row.rowEstimate ?? 0) > (rowEstimates.get(row.table) ?? 0)) rowEstimates.set(row.table, row.rowEstimate);
  }
  const withFacts = (op: PendingIndexOperation): PendingIndexOperation => {
    const resolved = op.kind === 'reindex' && op.table === null ? { ...op, table: tableOfIndex(facts.indexTables, op.name) } : op;
    const estimate = resolved.table === null ? undefined : (rowEstimates.get(resolved.table) ?? rowEstimates.get(unqualified(resolved.table)));
    return estimate === undefined ? resolved : { ...resolved, rowEstimate: estimate };
  };
  const items: PendingMigration[] = pending.map((migration, i) => {
    const p = parsed[i]!;
    return 'problem' in p ? { ...migration, indexOperations: [], problem: p.problem } : { ...migration, indexOperations: p.operations.map(withFacts) };
  });
  items.sort((a, b) => (a.version.length - b.version.length) || a.version.localeCompare(b.version));
  return { items, error: null, ...(notes.length > 0 ? { note: notes.join(' ') } : {}) };
}

/** The tables (and REINDEX INDEX names) the last refresh on a session asked the estimates of. */
const askedBefore = new WeakMap<StatusQuerySource, { tables: string[]; indexes: string[] }>();

function unreadableTableError(table: string, role: string): ErrorDescription {
  return { kind: 'missing-privilege', ...unreadableTable(table, role), detail: `permission denied for table ${table}`, code: '42501', retryable: false };
}

/** pendingMigrationFacts, or on a server without XML support the same facts from separate statements. */
export async function readPendingMigrationFacts(session: StatusQuerySource, tables: string[], indexes: string[], django: boolean): Promise<PendingMigrationFactsRow> {
  if (!withoutXml.has(session)) {
    try {
      const [row] = await session.query('pendingMigrationFacts', tables, indexes, django);
      if (row) return row;
    } catch (err) {
      // 0A000: a server built without libxml has no query_to_xml ("unsupported XML feature"); said once, not every poll.
      if (describeConnectionError(err).code !== '0A000') throw err;
      withoutXml.add(session);
    }
  }
  return readPendingMigrationFactsSeparately(session, tables, indexes, django);
}

const withoutXml = new WeakSet<StatusQuerySource>();

/**
 * The facts of pendingMigrationFacts in up to six round trips, as they were read before it. A role
 * that may not read a table gets the server's permission error.
 */
export async function readPendingMigrationFactsSeparately(session: StatusQuerySource, tables: string[], indexes: string[], django: boolean): Promise<PendingMigrationFactsRow> {
  const versions = async (exists: 'schemaMigrationsTableExists' | 'djangoMigrationsTableExists', read: 'schemaMigrationVersions' | 'djangoMigrationVersions'): Promise<string[] | 'missing'> => {
    if (!(await session.query(exists))[0]?.exists) return 'missing';
    try {
      return (await session.query(read)).map((r) => r.version);
    } catch (err) {
      // dropped between the two queries
      if (describeConnectionError(err).code === '42P01') return 'missing';
      throw err;
    }
  };
  const rails = await versions('schemaMigrationsTableExists', 'schemaMigrationVersions');
  const djangoVersions = django ? await versions('djangoMigrationsTableExists', 'djangoMigrationVersions') : 'missing';
  // Unknown tables and estimates leave operations without row estimates, as an unknown table would.
  const indexTables = indexes.length > 0 ? await session.query('indexTablesOf', indexes).catch(() => []) : [];
  const named = [...new Set([...tables, ...indexTables.map((t) => t.table)])];
  const estimates = named.length > 0 ? await session.query('tableRowEstimatesOf', named).catch(() => []) : [];
  // role: only said of an 'unreadable' table, which these queries report as the server's error instead.
  return { role: '', rails, django: djangoVersions, estimates, indexTables };
}

/** The table of an index the database has, by its (possibly schema-qualified) name. */
function tableOfIndex(existing: readonly { schema: string; table: string; index: string }[], name: string | null): string | null {
  if (name === null) return null;
  const dot = name.lastIndexOf('.');
  const schema = dot === -1 ? null : name.slice(0, dot);
  const index = existing.find((e) => e.index === name.slice(dot + 1) && (schema === null || e.schema === schema));
  return index?.table ?? null;
}

function missingSection(
  workspace: StatusWorkspace | null,
  missing: { value: MissingDeclaredIndexRow[] } | { error: ErrorDescription } | null,
): StatusSection<MissingIndex> {
  if (workspace?.declaredIndexesProblem) {
    const title = workspace.declaredIndexesProblem;
    const advice = 'The missing indexes are not known until it can be read: please report this with the file attached.';
    return { items: [], error: { kind: 'unreadable-file', title, advice, detail: title, retryable: false } };
  }
  if (!workspace?.declaredIndexes) {
    return { items: [], error: null, note: 'Neither db/schema.rb nor db/structure.sql was found: declared indexes are not known.' };
  }
  if (!missing) return { items: [], error: null };
  if ('error' in missing) return { items: [], error: missing.error };
  const declared = workspace.declaredIndexes;
  const items = missing.value.flatMap((row) => {
    const index = declared[row.ord - 1];
    return index ? [{ ...index, tableMissing: !row.tableExists, equivalentIndex: equivalentIndexName(index, row.tableIndexes) }] : [];
  });
  return { items, error: null };
}

/** The first of a table's indexes with the declared index's columns, uniqueness and partial-ness, under another name. */
function equivalentIndexName(
  index: DeclaredIndex,
  onTable: readonly { index: string; unique: boolean; partial: boolean; columns: readonly (string | null)[] }[],
): string | null {
  const equivalent = onTable.find(
    (e) =>
      e.unique === index.unique &&
      e.columns.length === index.columns.length &&
      e.columns.every((c, i) => c === index.columns[i]) &&
      e.partial === (index.where !== null),
  );
  return equivalent?.index ?? null;
}

/**
 * Declared indexes absent from the database by name (a declaration without a schema matches the
 * name in any schema). Invalid indexes count as present: they have their own section.
 */
export function findMissingIndexes(
  declared: readonly DeclaredIndex[],
  existing: readonly ExistingIndexRow[],
  tables: readonly { schema: string; table: string }[] | null,
): MissingIndex[] {
  const missing: MissingIndex[] = [];
  for (const index of declared) {
    const sameName = existing.some((e) => e.index === index.name && (index.schema === null || e.schema === index.schema));
    if (sameName) continue;
    const onTable = (t: { schema: string; table: string }) => t.table === index.table && (index.schema === null || t.schema === index.schema);
    const candidates = existing.filter(onTable).map((e) => ({ index: e.index, unique: e.unique, partial: e.predicate !== null, columns: e.columns }));
    const tableKnown = tables ? tables.some(onTable) : existing.some(onTable);
    missing.push({ ...index, tableMissing: !tableKnown, equivalentIndex: equivalentIndexName(index, candidates) });
  }
  return missing;
}

function withRepairSql(row: InvalidIndexRow): InvalidIndex {
  return { ...row, dropSql: dropInvalidIndexSql(row.schema, row.index), reindexSql: reindexConcurrentlySql(row.schema, row.index) };
}

/** Builds in progress by `schema.index` (an index lives in its table's schema). */
function buildFacts(builds: readonly BuildInProgressRow[]): Map<string, IndexBuildFact> {
  const facts = new Map<string, IndexBuildFact>();
  for (const row of builds) {
    if (row.schema !== null && row.index !== null) facts.set(`${row.schema}.${row.index}`, { pid: row.pid, phase: row.phase, phaseProgress: phaseProgress(row) });
  }
  return facts;
}

/** Row estimates and server version for the linter (`LintContext.database`). */
export async function collectDatabaseFacts(session: StatusQuerySource, largeTableRows = 100_000): Promise<DatabaseFacts> {
  const [catalog, builds] = await Promise.all([readCatalogFacts(session, largeTableRows), readBuilds(session)]);
  return withBuilds(catalog, builds);
}

/** An index being built is INVALID until its build ends: invalid-index-exists must tell the two apart. */
function readBuilds(session: StatusQuerySource): Promise<BuildInProgressRow[]> {
  return session.query('buildsInProgress').catch(() => []);
}

/**
 * The catalog's facts with the indexes being built marked (the catalog's own indexes carry no
 * mark). With no build running they are returned as they are: a poll then hands the lint the
 * same object, whose index lookup (rules/database-indexes) is built once.
 */
function withBuilds(catalog: DatabaseFacts, builds: readonly BuildInProgressRow[]): DatabaseFacts {
  const building = buildFacts(builds);
  if (building.size === 0) return catalog;
  return {
    ...catalog,
    indexes: (catalog.indexes ?? []).map((index) => {
      const build = building.get(`${index.schema}.${index.name}`);
      return build ? { ...index, building: build } : index;
    }),
  };
}

/**
 * The lint's facts for the extension's refresh, which runs every few seconds. Reading every index
 * with its definition is the costly part (seconds on 50,000 indexes), so it is read again only when
 * the catalog's stamp changed (an index made, dropped or turned valid, a table made or dropped),
 * after `maxAgeMs` (for row estimates, sizes, renames), or when forced after a write. Builds in
 * progress are read on every call: they change by the second.
 */
export class DatabaseFactsReader {
  /** The last full read, of the session it came from: another session (database) reads again. */
  private cached: { session: StatusQuerySource; stamp: string; at: number; largeTableRows: number; catalog: DatabaseFacts } | null = null;

  constructor(
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `builds`: the builds in progress when the caller has just read them (the status refresh), not asked again. */
  async read(session: StatusQuerySource, largeTableRows: number, options: { force?: boolean; builds?: readonly BuildInProgressRow[] } = {}): Promise<DatabaseFacts> {
    // The stamp is read before the catalog: a change between the two costs one more full read at
    // the next poll, where the other order could keep facts older than their stamp for a minute.
    const [[stampRow], builds] = await Promise.all([session.query('catalogStamp'), options.builds ?? readBuilds(session)]);
    const stamp = stampRow?.stamp ?? '';
    const cached = this.cached;
    const fresh =
      cached && !options.force && cached.session === session && cached.stamp === stamp && cached.largeTableRows === largeTableRows && this.now() - cached.at < this.maxAgeMs;
    if (fresh) return withBuilds(cached.catalog, builds);
    const catalog = await readCatalogFacts(session, largeTableRows);
    this.cached = { session, stamp, at: this.now(), largeTableRows, catalog };
    return withBuilds(catalog, builds);
  }
}

async function readCatalogFacts(session: StatusQuerySource, largeTableRows: number): Promise<DatabaseFacts> {
  const knownVersion = session.serverVersionNum;
  const [version, estimates, indexes, stats, sizes, widths] = await Promise.all([
    typeof knownVersion === 'number' ? [{ serverVersionNum: knownVersion }] : session.query('serverVersion'),
    session.query('tableRowEstimates'),
    session.query('existingIndexes', null),
    session.query('lowSelectivityStats', largeTableRows),
    session.query('tableSizes'),
    session.query('columnWidths'),
  ]);
  // prefer-partial-index reads these as `table.column`.
  const columnStats = new Map(
    stats.map((row) => [
      `${row.table.toLowerCase()}.${row.column.toLowerCase()}`,
      { nDistinct: row.distinctValues, ...(row.mostCommonFrequency !== null ? { mostCommonFrequency: row.mostCommonFrequency } : {}) },
    ]),
  );
  const tableRowEstimates = new Map<string, number>();
  for (const row of estimates) {
    if (row.rowEstimate === null) continue;
    const key = row.table.toLowerCase();
    tableRowEstimates.set(key, Math.max(tableRowEstimates.get(key) ?? 0, row.rowEstimate));
  }
  // The impact estimates (src/core/locks) read these, keyed like the row estimates.
  const tableBytes = new Map<string, number>();
  for (const row of sizes) {
    const key = row.table.toLowerCase();
    tableBytes.set(key, Math.max(tableBytes.get(key) ?? 0, row.tableBytes));
  }
  const columnWidths = new Map(widths.map((row) => [`${row.table.toLowerCase()}.${row.column.toLowerCase()}`, row.avgWidth]));
  return {
    tableRowEstimates,
    columnStats,
    tableBytes,
    columnWidths,
    // invalid-index-exists and redundant-index compare a migration's index with these.
    indexes: indexes.map((row) => ({
      schema: row.schema,
      table: row.table,
      name: row.index,
      valid: row.valid,
      method: row.method,
      decoratedKey: row.decoratedKey,
      partitioned: row.partitioned,
      // An expression key's text is only in the definition; a placeholder keeps positions aligned.
      columns: row.columns.map((column, i) => column ?? `(expression ${i + 1})`),
      unique: row.unique,
      predicate: row.predicate,
      sizeBytes: row.sizeBytes,
    })),
    ...(version[0] ? { serverVersionNum: version[0].serverVersionNum } : {}),
  };
}

/** Rails migration file names: `20240102030405_add_index_to_messages.rb`. */
const MIGRATION_FILE = /^(\d+)_([A-Za-z0-9_]+)\.rb$/;

/** Lists the migration files under each migrations path (default db/migrate), by version. */
export function listMigrationFiles(workspaceRoot: string, migrationsPaths: readonly string[] = ['db/migrate']): MigrationFileRef[] {
  const files: MigrationFileRef[] = [];
  for (const dir of migrationsPaths) {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(workspaceRoot, dir));
    } catch {
      continue;
    }
    for (const name of names) {
      const match = MIGRATION_FILE.exec(name);
      if (!match) continue;
      const file = path.join(workspaceRoot, dir, name);
      files.push({ path: file, relativePath: path.relative(workspaceRoot, file), version: match[1]!, name: match[2]! });
    }
  }
  return files.sort((a, b) => a.version.length - b.version.length || a.version.localeCompare(b.version));
}

/** Django migration file names: `0002_post_author.py` in an app's `migrations/` folder. */
const DJANGO_MIGRATION_FILE = /^(\d{4,}_\w+)\.py$/;
/** Folders a Django project keeps no migrations of its own in (virtualenvs hold Django's own). */
const NOT_APP_FOLDERS = new Set(['node_modules', 'venv', 'env', 'site-packages', '__pycache__', 'migrations']);

/**
 * The Django migrations of a project: `<app>/migrations/NNNN_*.py` up to four folders deep,
 * when the folder (or one of its folders) holds Django's `manage.py`. Empty for other projects.
 */
export function listDjangoMigrationFiles(workspaceRoot: string): MigrationFileRef[] {
  const isDjango = fs.existsSync(path.join(workspaceRoot, 'manage.py')) || subfolders(workspaceRoot).some((d) => fs.existsSync(path.join(workspaceRoot, d, 'manage.py')));
  if (!isDjango) return [];
  const files: MigrationFileRef[] = [];
  const walk = (folder: string, depth: number): void => {
    for (const name of subfolders(folder)) {
      const child = path.join(folder, name);
      const migrations = path.join(child, 'migrations');
      let entries: string[] = [];
      try {
        entries = fs.readdirSync(migrations);
      } catch {
        // no migrations folder here
      }
      for (const entry of entries) {
        const match = DJANGO_MIGRATION_FILE.exec(entry);
        if (!match) continue;
        const file = path.join(migrations, entry);
        files.push({ path: file, relativePath: path.relative(workspaceRoot, file), version: `${name}.${match[1]!}`, name: match[1]!.replace(/^\d+_/, ''), framework: 'django' });
      }
      if (depth < 4) walk(child, depth + 1);
    }
  };
  walk(workspaceRoot, 1);
  return files.sort((a, b) => a.version.localeCompare(b.version));
}

function subfolders(folder: string): string[] {
  try {
    return fs
      .readdirSync(folder, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !NOT_APP_FOLDERS.has(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * Index operations of a migration, through the core parser. Rolled-back (`down`) operations are left
 * out. A refresh parses the pending migrations (see pendingSection): each file's operations are
 * kept for its text, by parsers, so a file is parsed again only when it changed.
 */
export function coreIndexOperationParser(parsers: Parsers): StatusWorkspace['parseIndexOperations'] {
  let byFile = operationsByParsers.get(parsers);
  if (!byFile) operationsByParsers.set(parsers, (byFile = new Map()));
  const known = byFile;
  return (file, source) => {
    const kept = known.get(file);
    if (kept && kept.source === source) return [...kept.operations];
    const language = languageOfPath(file);
    if (!language) return [];
    const parsed = parseMigration(file, source, language, parsers);
    // not kept: a grammar loaded later may parse it
    if (!parsed) return [];
    const starts = lineStarts(source);
    const operations = parsed.operations.filter((op) => op.direction !== 'down').flatMap((op) => summarize(op, positionAt(starts, op.range.start).line + 1));
    known.set(file, { source, operations });
    return [...operations];
  };
}

const operationsByParsers = new WeakMap<Parsers, Map<string, { source: string; operations: PendingIndexOperation[] }>>();

function summarize(op: Operation, line: number): PendingIndexOperation[] {
  switch (op.kind) {
    case 'createIndex':
      return [{ kind: op.kind, table: op.table, name: op.name, columns: op.columns, concurrent: op.concurrent, unique: op.unique, statement: statementOf(op), line }];
    case 'dropIndex':
      return [{ kind: op.kind, table: op.table, name: op.name, columns: op.columns, concurrent: op.concurrent, unique: false, statement: statementOf(op), line }];
    case 'reindex':
      return [{ kind: op.kind, table: op.table, name: op.name, columns: [], concurrent: op.concurrent, unique: false, statement: statementOf(op), line }];
    case 'addUniqueConstraint':
      return [{ kind: op.kind, table: op.table, name: null, columns: [], concurrent: false, unique: true, statement: statementOf(op), line }];
    default:
      return [];
  }
}

/** The operation as its migration spells it, for people: the Rails method, or the SQL statement. */
function statementOf(op: Extract<Operation, { kind: PendingIndexOperation['kind'] }>): string {
  if (op.via === 'orm') return (op.syntax?.kind === 'ormCall' && op.syntax.method) || (op.kind === 'dropIndex' ? 'drop index' : 'index');
  if (op.via !== 'execute' && op.via !== 'sql' && op.via !== 'helper') return op.via;
  switch (op.kind) {
    case 'createIndex':
      return op.via === 'helper' ? 'add_concurrent_index' : 'CREATE INDEX';
    case 'dropIndex':
      return op.via === 'helper' ? 'remove_concurrent_index' : 'DROP INDEX';
    case 'reindex':
      return 'REINDEX';
    case 'addUniqueConstraint':
      return op.primaryKey ? 'ADD PRIMARY KEY' : 'ADD UNIQUE';
  }
}

export interface ReadStatusWorkspaceOptions {
  parsers: Parsers;
  /** Default db/migrate (a Rails multi-database app has e.g. db/queue_migrate too). */
  migrationsPaths?: readonly string[];
}

/** Reads a Rails app's migrations and declared indexes from disk for collectStatus. */
export function readStatusWorkspace(workspaceRoot: string, options: ReadStatusWorkspaceOptions): StatusWorkspace {
  const schemaRb = readOptional(path.join(workspaceRoot, 'db', 'schema.rb'));
  const structureSql = schemaRb === null ? readOptional(path.join(workspaceRoot, 'db', 'structure.sql')) : null;
  let declaredIndexes: DeclaredIndex[] | null = null;
  let declaredIndexesProblem: string | undefined;
  try {
    declaredIndexes =
      schemaRb !== null
        ? remembered(path.join(workspaceRoot, 'db', 'schema.rb'), schemaRb, options.parsers.ruby, () => readSchemaRbIndexes(schemaRb, options.parsers.ruby))
        : structureSql !== null
          ? remembered(path.join(workspaceRoot, 'db', 'structure.sql'), structureSql, null, () => readStructureSqlIndexes(structureSql))
          : null;
  } catch (error) {
    // A parser failure (a file nested beyond what Prism follows): said, never taken for "nothing declared".
    declaredIndexesProblem = `${schemaRb !== null ? 'db/schema.rb' : 'db/structure.sql'} could not be read: ${error instanceof Error ? error.message : String(error)}.`;
  }
  return {
    migrations: [...listMigrationFiles(workspaceRoot, options.migrationsPaths), ...listDjangoMigrationFiles(workspaceRoot)],
    readFile: (file) => fs.promises.readFile(file, 'utf8'),
    parseIndexOperations: coreIndexOperationParser(options.parsers),
    loadParsersFor: (files) => loadGrammarsFor(files.map(languageOfPath).filter((l): l is MigrationLanguage => l !== null)),
    declaredIndexes,
    ...(declaredIndexesProblem !== undefined ? { declaredIndexesProblem } : {}),
  };
}

/**
 * The declared indexes last read from each schema file. The views refresh every few seconds, and
 * parsing the db/schema.rb of a big app each time took longer than all their queries; keyed by
 * the file's text (and the parser), so any change is read again.
 */
const declaredByFile = new Map<string, { text: string; parser: unknown; indexes: DeclaredIndex[] }>();

function remembered(file: string, text: string, parser: unknown, read: () => DeclaredIndex[]): DeclaredIndex[] {
  const known = declaredByFile.get(file);
  if (known && known.text === text && known.parser === parser) return [...known.indexes];
  const indexes = read();
  declaredByFile.set(file, { text, parser, indexes });
  return [...indexes];
}

function readOptional(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

