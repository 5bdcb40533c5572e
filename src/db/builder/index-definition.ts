// What the safe builder builds: a typed index definition, read from a migration (Rails
// add_index / t.index / add_reference, SQL CREATE INDEX, SQL inside `execute`) or from a
// declaration in db/schema.rb / db/structure.sql, and the one statement that builds it.
//
// Identifiers are always quoted. Expressions and WHERE predicates are SQL text written by the
// team in their migrations; they are never trusted as text: each fragment must scan as balanced
// SQL without comments or semicolons, and the whole statement built from the definition must
// parse (with libpg-query, the real Postgres parser) as exactly one CREATE INDEX whose every
// part is the definition's own. Anything else is refused with an IndexDefinitionError.

import { chooseIndexName, indexKeyFunctionName } from '../../core/fixes/sql-edits';
import { createHash } from 'node:crypto';
import type { IndexElem, IndexStmt, Node } from 'libpg-query';
import type { CreateIndexOperation, MigrationFile, RubyValue } from '../../core/model/migration';
import type { SqlParser } from '../../core/parsers/sql/libpg-query';
import { readSqlText, type RawStatement } from '../../core/parsers/sql/statements';
import { blankByteOrderMark, byteToUtf16Mapper } from '../../core/parsers/source-text';
import { railsDefaultIndexName, type DeclaredIndex } from '../../core/parsers/declared-indexes';
import { identifierProblem, qualifiedName, quoteIdentifier, quoteLiteral } from '../sql-text';

/** Where a definition was read from, for messages and for "mark as run". */
export type IndexOrigin =
  | { kind: 'migration'; file: string; relativePath: string; version: string | null; line: number }
  | { kind: 'schema'; file: string; line: number }
  | { kind: 'manual' };

interface IndexKeyBase {
  /** `COLLATE`, as name parts (`["C"]`, `["pg_catalog", "C"]`). */
  collation?: string[];
  /** Operator class, as name parts (`["text_pattern_ops"]`). */
  opclass?: string[];
  order?: 'asc' | 'desc';
  nulls?: 'first' | 'last';
}

export interface IndexKeyColumn extends IndexKeyBase {
  kind: 'column';
  /** The column's name exactly as the catalog holds it (no folding is applied). */
  name: string;
}

export interface IndexKeyExpression extends IndexKeyBase {
  kind: 'expression';
  /** The expression as written (`lower(email)`), without surrounding parentheses. */
  sql: string;
}

export type IndexKey = IndexKeyColumn | IndexKeyExpression;

export interface IndexDefinition {
  /** null: the table is found through search_path (the index goes into the table's schema). */
  schema: string | null;
  table: string;
  name: string;
  columns: IndexKey[];
  unique: boolean;
  /** `NULLS NOT DISTINCT` (Postgres 15+, Rails 7.1 `nulls_not_distinct: true`). */
  nullsNotDistinct: boolean;
  /** Access method (`gin`, `gist`, ...); null for the default (btree). */
  using: string | null;
  /** INCLUDE columns. */
  include: string[];
  /** Partial index predicate as written, without the WHERE keyword. */
  where: string | null;
  /** `WITH (name = 'value')` storage parameters. */
  storageParameters: Record<string, string>;
  tablespace: string | null;
  origin: IndexOrigin;
  /** Things the reader should know (a default name was derived, an option was ignored). */
  notes: string[];
}

export class IndexDefinitionError extends Error {
  constructor(
    message: string,
    /** The index, when known. */
    readonly index: string | null = null,
  ) {
    super(message);
    this.name = 'IndexDefinitionError';
  }
}

// ---------------------------------------------------------------------------------------------
// The statement

/**
 * `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT EXISTS "name" ON "schema"."table" USING "method"
 * (keys) INCLUDE (...) NULLS NOT DISTINCT WITH (...) TABLESPACE "ts" WHERE (predicate)`, checked
 * by the parser to be exactly that. Throws IndexDefinitionError for anything else.
 */
export function createIndexConcurrentlySql(def: IndexDefinition, parser: SqlParser): string {
  const fail = (message: string): never => {
    throw new IndexDefinitionError(`Index ${JSON.stringify(def.name)}: ${message}`, def.name);
  };
  for (const [what, name] of identifiersOf(def)) {
    const problem = identifierProblem(name);
    if (problem !== null) fail(`${what} ${JSON.stringify(String(name))} is not a valid identifier (${problem}).`);
  }
  if (def.columns.length === 0) fail('no columns.');
  for (const key of def.columns) {
    if (key.kind === 'expression') {
      const problem = fragmentProblem(key.sql, parser);
      if (problem) fail(`the expression ${JSON.stringify(key.sql)} is refused: ${problem}.`);
    }
  }
  if (def.where !== null) {
    const problem = fragmentProblem(def.where, parser);
    if (problem) fail(`the WHERE predicate ${JSON.stringify(def.where)} is refused: ${problem}.`);
  }
  const sql = renderCreateIndexSql(def);
  const problem = statementProblem(sql, def, parser);
  if (problem) fail(`the statement built from it is refused: ${problem}.`);
  return sql;
}

/** The statement text alone (quoting, no parser check): use `createIndexConcurrentlySql` to run anything. */
export function renderCreateIndexSql(def: IndexDefinition): string {
  const parts = [`CREATE ${def.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdentifier(def.name)} ON ${qualifiedName(def.schema, def.table)}`];
  if (def.using !== null) parts.push(`USING ${quoteIdentifier(def.using)}`);
  parts.push(`(${def.columns.map(renderKey).join(', ')})`);
  if (def.include.length > 0) parts.push(`INCLUDE (${def.include.map(quoteIdentifier).join(', ')})`);
  if (def.nullsNotDistinct) parts.push('NULLS NOT DISTINCT');
  const storage = Object.entries(def.storageParameters);
  if (storage.length > 0) parts.push(`WITH (${storage.map(([k, v]) => `${quoteIdentifier(k)} = ${quoteLiteral(v)}`).join(', ')})`);
  if (def.tablespace !== null) parts.push(`TABLESPACE ${quoteIdentifier(def.tablespace)}`);
  if (def.where !== null) parts.push(`WHERE (${def.where})`);
  return parts.join(' ');
}

function renderKey(key: IndexKey): string {
  let text = key.kind === 'column' ? quoteIdentifier(key.name) : `(${key.sql})`;
  if (key.collation) text += ` COLLATE ${key.collation.map(quoteIdentifier).join('.')}`;
  if (key.opclass) text += ` ${key.opclass.map(quoteIdentifier).join('.')}`;
  if (key.order) text += key.order === 'desc' ? ' DESC' : ' ASC';
  if (key.nulls) text += key.nulls === 'first' ? ' NULLS FIRST' : ' NULLS LAST';
  return text;
}

function identifiersOf(def: IndexDefinition): [string, unknown][] {
  const list: [string, unknown][] = [
    ['the index name', def.name],
    ['the table name', def.table],
  ];
  if (def.schema !== null) list.push(['the schema name', def.schema]);
  if (def.using !== null) list.push(['the access method', def.using]);
  if (def.tablespace !== null) list.push(['the tablespace', def.tablespace]);
  for (const c of def.include) list.push(['the INCLUDE column', c]);
  for (const k of Object.keys(def.storageParameters)) list.push(['the storage parameter', k]);
  for (const key of def.columns) {
    if (key.kind === 'column') list.push(['the column', key.name]);
    for (const part of key.collation ?? []) list.push(['the collation', part]);
    for (const part of key.opclass ?? []) list.push(['the operator class', part]);
  }
  return list;
}

/** Why a SQL fragment (an expression, a predicate) cannot be placed in a statement, or null. */
export function fragmentProblem(text: string, parser: SqlParser): string | null {
  if (text.includes('\0')) return 'it contains a NUL character';
  const tokens = parser.scan(text);
  if (tokens === null) return 'it does not scan as SQL (an unterminated string, quoted name or comment)';
  if (tokens.length === 0) return 'it is empty';
  let depth = 0;
  for (const token of tokens) {
    if (token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT') return 'it contains a comment';
    if (token.text === ';') return 'it contains a semicolon';
    if (token.text === '(') depth++;
    else if (token.text === ')' && --depth < 0) return 'it closes a parenthesis it did not open';
  }
  if (depth !== 0) return 'it leaves a parenthesis open';
  return null;
}

/** Parses `sql` and checks that it is exactly the one CREATE INDEX that `def` describes. */
function statementProblem(sql: string, def: IndexDefinition, parser: SqlParser): string | null {
  const parsed = parser.parse(sql);
  if (!parsed.ok) return `it does not parse (${parsed.message})`;
  const stmts = parsed.result.stmts ?? [];
  if (stmts.length !== 1) return `it holds ${stmts.length} statements, not one`;
  const stmt = nodeAs<IndexStmt>(stmts[0]!.stmt, 'IndexStmt');
  if (!stmt) return `it is not a CREATE INDEX statement (${Object.keys(stmts[0]!.stmt ?? {})[0] ?? 'nothing'})`;
  const rel = stmt.relation;
  const checks: [boolean, string][] = [
    [stmt.idxname === def.name, 'the index name differs'],
    [rel?.relname === def.table && (rel.schemaname ?? null) === def.schema && rel.catalogname === undefined, 'the table differs'],
    [rel?.inh === true, 'it names ONLY a parent table'],
    [stmt.concurrent === true && stmt.if_not_exists === true, 'it is not CONCURRENTLY IF NOT EXISTS'],
    [(stmt.unique === true) === def.unique, 'UNIQUE differs'],
    [(stmt.nulls_not_distinct === true) === def.nullsNotDistinct, 'NULLS NOT DISTINCT differs'],
    [(stmt.accessMethod ?? 'btree') === (def.using ?? 'btree'), 'the access method differs'],
    [(stmt.tableSpace ?? null) === def.tablespace, 'the tablespace differs'],
    [(stmt.options ?? []).length === Object.keys(def.storageParameters).length, 'the storage parameters differ'],
    [(stmt.whereClause !== undefined) === (def.where !== null), 'the WHERE clause differs'],
    [!stmt.primary && !stmt.isconstraint && (stmt.excludeOpNames ?? []).length === 0, 'it is not a plain index'],
  ];
  for (const [ok, problem] of checks) if (!ok) return problem;
  const params = (stmt.indexParams ?? []).map((p) => nodeAs<IndexElem>(p, 'IndexElem'));
  if (params.length !== def.columns.length) return `it has ${params.length} index columns instead of ${def.columns.length}`;
  for (let i = 0; i < params.length; i++) {
    const elem = params[i];
    const key = def.columns[i]!;
    if (!elem) return `index column ${i + 1} is not a column`;
    if (key.kind === 'column' ? elem.name !== key.name || elem.expr !== undefined : elem.name !== undefined || elem.expr === undefined) {
      return `index column ${i + 1} differs`;
    }
    if ((elem.opclassopts ?? []).length > 0) return `index column ${i + 1} has operator class options`;
    if (!sameNames(namesOf(elem.opclass), key.opclass) || !sameNames(namesOf(elem.collation), key.collation)) return `index column ${i + 1}'s operator class or collation differs`;
    if (orderOf(elem) !== (key.order ?? null) || nullsOf(elem) !== (key.nulls ?? null)) return `index column ${i + 1}'s ordering differs`;
  }
  const include = (stmt.indexIncludingParams ?? []).map((p) => nodeAs<IndexElem>(p, 'IndexElem')?.name);
  if (include.length !== def.include.length || include.some((n, i) => n !== def.include[i])) return 'the INCLUDE columns differ';
  return null;
}

// ---------------------------------------------------------------------------------------------
// From a Rails migration operation

/**
 * The definition of a createIndex operation, read the way Rails would run it. `file` is the
 * parsed migration (its Rails version decides the default name of long index names, its source
 * holds the SQL of `execute`). Throws IndexDefinitionError when the operation cannot be built
 * as written (a computed table or column, an unparsable expression).
 */
export function indexDefinitionFromOperation(op: CreateIndexOperation, file: MigrationFile, parser: SqlParser, origin: IndexOrigin): IndexDefinition {
  const label = op.name ?? `on ${op.table ?? '?'} (${op.columns.join(', ')})`;
  const fail = (message: string): never => {
    throw new IndexDefinitionError(`Index ${label}: ${message}`, op.name);
  };
  if (op.onlyParent) fail('CREATE INDEX ON ONLY a partitioned parent cannot be built concurrently.');
  if (op.table === null) fail('its table is computed in Ruby and cannot be known without running the migration.');
  if (op.via === 'sql' || op.via === 'execute') return fromSqlOperation(op, file, parser, origin, fail);
  if (op.via === 'orm') return fromOrmOperation(op, file, origin, fail);
  if (op.via === 'helper') fail('it is built by a helper method whose SQL is not known.');

  const { schema, table } = splitRailsTable(op.table!);
  const options = railsIndexOptions(op);
  const notes: string[] = [];
  if (op.columns.length === 0 || op.columns.includes('?')) fail('its columns are computed in Ruby and cannot be known without running the migration.');
  const columns = railsColumns(op.columns, options, parser, fail);
  let name = op.name;
  if (name === null) {
    name = railsGeneratedIndexName(op.table!, op.columns, file.frameworkVersion);
    // Logged after the index's name: the name itself once is enough.
    notes.push("the migration names none: Rails' default name");
  }
  if (options['comment']) notes.push('the comment: option is not applied (run COMMENT ON INDEX yourself)');
  return {
    schema,
    table,
    name,
    columns,
    unique: op.unique,
    nullsNotDistinct: isTrue(options['nulls_not_distinct']),
    using: op.using === null ? null : op.using.toLowerCase(),
    include: nameList(options['include'], 'include', fail),
    where: op.where,
    storageParameters: {},
    tablespace: null,
    origin,
    notes,
  };
}

function fromSqlOperation(
  op: CreateIndexOperation,
  file: MigrationFile,
  parser: SqlParser,
  origin: IndexOrigin,
  fail: (message: string) => never,
): IndexDefinition {
  // The statement as written: exact (operator classes, ordering, WITH, ...) when it can be read back.
  const text = file.source.slice(op.range.start, op.range.end);
  const statements = readSqlText(text, parser).statements.filter((s) => nodeAs<IndexStmt>(s.node, 'IndexStmt'));
  if (statements.length === 1) {
    const defs = definitionFromIndexStatement(statements[0]!, text, parser, origin);
    if (op.name === null || defs.name === op.name) return defs;
  }
  // SQL inside a Ruby string with escapes: rebuilt from what the parser read.
  const { schema, table } = splitRailsTable(op.table!);
  const columns = op.columns.map((c) => (/^[a-z_][a-z0-9_$]*$/.test(c) ? ({ kind: 'column', name: c } as IndexKey) : parseIndexKeyText(c, parser, fail)));
  if (columns.length === 0) fail('no columns.');
  const name = op.name ?? postgresDefaultIndexName(table, columns);
  return {
    schema,
    table,
    name,
    columns,
    unique: op.unique,
    nullsNotDistinct: false,
    using: op.using === null || op.using === 'btree' ? null : op.using,
    include: [],
    where: op.where,
    storageParameters: {},
    tablespace: null,
    origin,
    notes: op.name === null ? [`the statement names no index: Postgres' default name ${name} is used`] : [],
  };
}

/**
 * A Django or Node ORM call (`AddIndex(index=models.Index(fields=[...], name=...))`,
 * `pgm.createIndex(...)`): built only when it is fully known, a name and plain columns; a
 * Django `condition=Q(...)` is Python, not SQL.
 */
function fromOrmOperation(op: CreateIndexOperation, file: MigrationFile, origin: IndexOrigin, fail: (message: string) => never): IndexDefinition {
  if (op.name === null) fail('the framework names it itself (Django hashes the name): give the index a name in the migration to build it ahead.');
  if (op.columns.length === 0 || !op.columns.every((c) => /^[A-Za-z_][\w$]*$/.test(c))) {
    fail('its fields are not plain column names (a descending "-field" or an expression): run the migration itself.');
  }
  if (op.where !== null && file.dialect === 'django') fail('its condition is a Django Q() expression, not SQL: run the migration itself.');
  const { schema, table } = splitRailsTable(op.table!);
  return {
    schema,
    table,
    name: op.name!,
    columns: op.columns.map((name) => ({ kind: 'column', name }) as IndexKey),
    unique: op.unique,
    nullsNotDistinct: false,
    using: op.using === null || op.using.toLowerCase() === 'btree' ? null : op.using.toLowerCase(),
    include: [],
    where: op.where,
    storageParameters: {},
    tablespace: null,
    origin,
    notes: [],
  };
}

/** The options hash of add_index / t.index, or the `index: { ... }` hash of add_reference / t.references. */
function railsIndexOptions(op: CreateIndexOperation): Record<string, RubyValue> {
  if (op.syntax?.kind !== 'railsCall') return {};
  const options: Record<string, RubyValue> = {};
  for (const [key, option] of Object.entries(op.syntax.options)) options[key] = option.value;
  if (op.via === 'add_reference' || op.via === 't.references' || op.via === 't.column') {
    const index = options['index'];
    return index?.type === 'hash' ? index.entries : {};
  }
  return options;
}

/**
 * Rails: one string with a non-word character is SQL pasted as the column list
 * (`"lower(email)"`, `"lower(email), created_at"`); otherwise each entry is a column name,
 * quoted. `order:` and `opclass:` apply to named columns (a value for all, or a hash by column).
 */
function railsColumns(columns: readonly string[], options: Record<string, RubyValue>, parser: SqlParser, fail: (m: string) => never): IndexKey[] {
  if (columns.length === 1 && /\W/.test(columns[0]!)) {
    return splitTopLevel(columns[0]!, parser, fail).map((piece) => parseIndexKeyText(piece, parser, fail));
  }
  return columns.map((name) => {
    const key: IndexKeyColumn = { kind: 'column', name };
    const order = perColumn(options['order'], name);
    if (order !== null) Object.assign(key, railsOrder(order, fail));
    const opclass = perColumn(options['opclass'], name);
    if (opclass !== null) key.opclass = [opclass];
    return key;
  });
}

function perColumn(value: RubyValue | undefined, column: string): string | null {
  if (!value) return null;
  if (value.type === 'symbol' || value.type === 'string') return value.value;
  if (value.type === 'hash') {
    const entry = value.entries[column];
    return entry && (entry.type === 'symbol' || entry.type === 'string') ? entry.value : null;
  }
  return null;
}

function railsOrder(text: string, fail: (m: string) => never): Pick<IndexKeyBase, 'order' | 'nulls'> {
  const match = /^\s*(asc|desc)?\s*(?:nulls\s+(first|last))?\s*$/i.exec(text);
  if (!match || (!match[1] && !match[2])) fail(`the order ${JSON.stringify(text)} is not ASC / DESC [NULLS FIRST / LAST].`);
  return {
    ...(match![1] ? { order: match![1].toLowerCase() as 'asc' | 'desc' } : {}),
    ...(match![2] ? { nulls: match![2].toLowerCase() as 'first' | 'last' } : {}),
  };
}

function nameList(value: RubyValue | undefined, option: string, fail: (m: string) => never): string[] {
  if (!value || value.type === 'nil') return [];
  if (value.type === 'symbol' || value.type === 'string') return [value.value];
  if (value.type === 'array') {
    return value.items.map((item) => (item.type === 'symbol' || item.type === 'string' ? item.value : fail(`${option}: is computed in Ruby.`)));
  }
  return fail(`${option}: is computed in Ruby.`);
}

function isTrue(value: RubyValue | undefined): boolean {
  return value?.type === 'boolean' && value.value;
}

function splitRailsTable(name: string): { schema: string | null; table: string } {
  const dot = name.indexOf('.');
  return dot === -1 ? { schema: null, table: name } : { schema: name.slice(0, dot), table: name.slice(dot + 1) };
}

/**
 * Rails' name for an index given none. Rails 7.1 and later shorten a name longer than 62
 * bytes to `idx_on_<columns>_<hash>`; older versions refuse it (and so does this).
 */
export function railsGeneratedIndexName(table: string, columns: readonly string[], railsVersion: string | null): string {
  const name = railsDefaultIndexName(table, columns);
  const maxBytes = 62;
  if (Buffer.byteLength(name, 'utf8') <= maxBytes || !railsAtLeast(railsVersion, 7, 1)) return name;
  const hashed = `_${createHash('sha256').update(name).digest('hex').slice(0, 10)}`;
  const short = truncateBytes(`idx_on_${columns.join('_')}`, maxBytes - hashed.length);
  return `${short}${hashed}`;
}

function railsAtLeast(version: string | null, major: number, minor: number): boolean {
  const match = version === null ? null : /^(\d+)(?:\.(\d+))?/.exec(version);
  if (!match) return false;
  const [maj, min] = [Number(match[1]), Number(match[2] ?? 0)];
  return maj > major || (maj === major && min >= minor);
}

function truncateBytes(text: string, maxBytes: number): string {
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch, 'utf8') > maxBytes) break;
    out += ch;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// From a declaration (db/schema.rb, db/structure.sql)

export interface DeclaredIndexExtras {
  /** The options of the schema.rb call (`order:`, `opclass:`, `include:`, `nulls_not_distinct:`). */
  railsOptions?: Record<string, RubyValue>;
}

/** The definition of an index declared in db/schema.rb (Rails conventions) or db/structure.sql. */
export function indexDefinitionFromDeclared(index: DeclaredIndex, parser: SqlParser, origin: IndexOrigin, extras: DeclaredIndexExtras = {}): IndexDefinition {
  const fail = (message: string): never => {
    throw new IndexDefinitionError(`Index ${index.name} (${index.file}:${index.line}): ${message}`, index.name);
  };
  const options = extras.railsOptions ?? {};
  const fromSql = index.file.endsWith('.sql');
  const columns = fromSql
    ? index.columns.map((c) => parseIndexKeyText(/^[a-z_][a-z0-9_$]*$/.test(c) ? c : c.includes('(') ? c : quoteIdentifier(c), parser, fail))
    : railsColumns(index.columns, options, parser, fail);
  return {
    schema: index.schema,
    table: index.table,
    name: index.name,
    columns,
    unique: index.unique,
    nullsNotDistinct: isTrue(options['nulls_not_distinct']),
    using: index.using === null || index.using.toLowerCase() === 'btree' ? null : index.using.toLowerCase(),
    include: nameList(options['include'], 'include', fail),
    where: index.where,
    storageParameters: {},
    tablespace: null,
    origin,
    notes: index.nameIsDefault ? [`no name in ${index.file}: the default name ${index.name} is used`] : [],
  };
}

/**
 * Every CREATE INDEX of a SQL text (a structure.sql, a SQL migration), read exactly: operator
 * classes, ordering, INCLUDE, WITH, TABLESPACE and WHERE as written. Statements that cannot be
 * built come back as errors.
 */
export function indexDefinitionsFromSql(
  text: string,
  parser: SqlParser,
  originAt: (offset: number) => IndexOrigin,
): { definitions: IndexDefinition[]; errors: IndexDefinitionError[] } {
  const definitions: IndexDefinition[] = [];
  const errors: IndexDefinitionError[] = [];
  text = blankByteOrderMark(text);
  for (const statement of readSqlText(text, parser).statements) {
    if (!nodeAs<IndexStmt>(statement.node, 'IndexStmt')) continue;
    try {
      definitions.push(definitionFromIndexStatement(statement, text, parser, originAt(statement.start)));
    } catch (error) {
      if (error instanceof IndexDefinitionError) errors.push(error);
      else throw error;
    }
  }
  return { definitions, errors };
}

function definitionFromIndexStatement(statement: RawStatement, text: string, parser: SqlParser, origin: IndexOrigin): IndexDefinition {
  const stmt = nodeAs<IndexStmt>(statement.node, 'IndexStmt')!;
  const label = stmt.idxname ?? `on ${stmt.relation?.relname ?? '?'}`;
  const fail = (message: string): never => {
    throw new IndexDefinitionError(`Index ${label}: ${message}`, stmt.idxname ?? null);
  };
  const rel = stmt.relation;
  if (!rel?.relname) fail('no table.');
  if (rel!.inh !== true) fail('CREATE INDEX ON ONLY a partitioned parent cannot be built concurrently.');
  if (stmt.primary || stmt.isconstraint) fail('not a plain index.');
  const tokens = statement.tokens;
  const onAt = tokens.findIndex((t) => t.keyword && t.word === 'ON');
  const open = tokens.findIndex((t, i) => i > onAt && t.word === '(');
  if (onAt === -1 || open === -1) fail('no column list.');
  let close = -1;
  for (let i = open, depth = 0; i < tokens.length; i++) {
    if (tokens[i]!.word === '(') depth++;
    else if (tokens[i]!.word === ')' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close === -1) fail('unbalanced column list.');
  const pieces: string[] = [];
  for (let i = open + 1, depth = 0, from = open + 1; i <= close; i++) {
    const w = tokens[i]!.word;
    if (w === '(') depth++;
    else if (w === ')' && depth > 0) depth--;
    else if ((w === ',' && depth === 0) || i === close) {
      if (i > from) pieces.push(text.slice(tokens[from]!.start, tokens[i - 1]!.end));
      from = i + 1;
    }
  }
  const columns = pieces.map((piece) => parseIndexKeyText(piece, parser, fail));
  if (columns.length !== (stmt.indexParams ?? []).length) fail('the column list could not be read.');

  let where: string | null = null;
  if (stmt.whereClause) {
    let depth = 0;
    for (let i = close + 1; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.word === '(') depth++;
      else if (t.word === ')') depth--;
      else if (depth === 0 && t.keyword && t.word === 'WHERE' && tokens[i + 1]) {
        where = text.slice(tokens[i + 1]!.start, statement.end).trim();
        break;
      }
    }
    if (where === null) fail('the WHERE clause could not be read.');
  }

  const storageParameters: Record<string, string> = {};
  for (const option of stmt.options ?? []) {
    const def = nodeAs<{ defname?: string; defnamespace?: string; arg?: Node }>(option, 'DefElem');
    const value = def?.arg ? constantText(def.arg) : null;
    if (!def?.defname || def.defnamespace || value === null) fail('a WITH (...) storage parameter could not be read.');
    storageParameters[def!.defname!] = value!;
  }
  const include = (stmt.indexIncludingParams ?? []).map((p) => nodeAs<IndexElem>(p, 'IndexElem')?.name ?? fail('an INCLUDE entry is not a column.'));
  const name = stmt.idxname ?? postgresDefaultIndexName(rel!.relname!, columns);
  const method = stmt.accessMethod ?? 'btree';
  return {
    schema: rel!.schemaname ?? null,
    table: rel!.relname!,
    name,
    columns,
    unique: stmt.unique === true,
    nullsNotDistinct: stmt.nulls_not_distinct === true,
    using: method === 'btree' ? null : method,
    include,
    where,
    storageParameters,
    tablespace: stmt.tableSpace ?? null,
    origin,
    notes: stmt.idxname ? [] : [`the statement names no index: Postgres' default name ${name} is used`],
  };
}

function constantText(node: Node): string | null {
  const n = node as unknown as Record<string, Record<string, unknown> | undefined>;
  if (n['String']) return String(n['String']['sval'] ?? '');
  if (n['Integer']) return String(n['Integer']['ival'] ?? 0);
  if (n['Float']) return String(n['Float']['fval'] ?? '');
  if (n['Boolean']) return n['Boolean']['boolval'] === true ? 'true' : 'false';
  return null;
}

/** Postgres' own name for an unnamed index on `table` (a bare name) with these keys. */
export function postgresDefaultIndexName(table: string, columns: readonly IndexKey[]): string {
  return chooseIndexName(table, columns.map((key) => (key.kind === 'column' ? key.name : (indexKeyFunctionName(key.sql) ?? 'expr'))));
}

// ---------------------------------------------------------------------------------------------
// Index keys written as SQL

/**
 * One index key written as SQL (`email`, `"Email" DESC`, `lower(email) text_pattern_ops`,
 * `(a + b)`), read by the parser. Throws (through `fail`) for anything that is not exactly one key.
 */
export function parseIndexKeyText(text: string, parser: SqlParser, fail: (message: string) => never = defaultFail): IndexKey {
  const problem = fragmentProblem(text, parser);
  if (problem) fail(`the index column ${JSON.stringify(text)} is refused: ${problem}.`);
  // Parsed inside a statement that is never run: the grammar of an index key is only reachable there.
  const parsed = parser.parse(`CREATE INDEX pgig_probe ON pgig_probe (${text})`);
  const stmts = parsed.ok ? (parsed.result.stmts ?? []) : [];
  const stmt = stmts.length === 1 ? nodeAs<IndexStmt>(stmts[0]!.stmt, 'IndexStmt') : undefined;
  const params = stmt?.indexParams ?? [];
  const elem = params.length === 1 ? nodeAs<IndexElem>(params[0], 'IndexElem') : undefined;
  if (!elem) fail(`the index column ${JSON.stringify(text)} is not one index column${parsed.ok ? '' : ` (${parsed.message})`}.`);
  if ((elem!.opclassopts ?? []).length > 0) fail(`the index column ${JSON.stringify(text)} has operator class options, which are not supported.`);
  if (elem!.ordering === 'SORTBY_USING') fail(`the index column ${JSON.stringify(text)} uses a sort operator.`);
  const modifiers: IndexKeyBase = {};
  const collation = namesOf(elem!.collation);
  if (collation) modifiers.collation = collation;
  const opclass = namesOf(elem!.opclass);
  if (opclass) modifiers.opclass = opclass;
  const order = orderOf(elem!);
  if (order) modifiers.order = order;
  const nulls = nullsOf(elem!);
  if (nulls) modifiers.nulls = nulls;
  if (elem!.name !== undefined) return { kind: 'column', name: elem!.name, ...modifiers };

  // The expression is a function call or a parenthesized expression: it ends at the parenthesis
  // closing the first one; what follows is COLLATE / operator class / ordering.
  const tokens = scanTokens(text, parser);
  const open = tokens.findIndex((t) => t.text === '(');
  let close = -1;
  for (let i = open, depth = 0; open !== -1 && i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    else if (tokens[i]!.text === ')' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (open === -1 || close === -1) fail(`the index expression ${JSON.stringify(text)} could not be read.`);
  const wrapped = open === 0;
  const from = wrapped ? tokens[1]!.start : tokens[0]!.start;
  const to = wrapped ? tokens[close - 1]!.end : tokens[close]!.end;
  return { kind: 'expression', sql: text.slice(from, to), ...modifiers };
}

function defaultFail(message: string): never {
  throw new IndexDefinitionError(message);
}

/** Splits a column list written as SQL at its top-level commas. */
function splitTopLevel(text: string, parser: SqlParser, fail: (m: string) => never): string[] {
  const problem = fragmentProblem(text, parser);
  if (problem) fail(`the column list ${JSON.stringify(text)} is refused: ${problem}.`);
  const tokens = scanTokens(text, parser);
  const pieces: string[] = [];
  let depth = 0;
  let from = 0;
  tokens.forEach((t, i) => {
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (t.text === ',' && depth === 0) {
      if (i > from) pieces.push(text.slice(tokens[from]!.start, tokens[i - 1]!.end));
      from = i + 1;
    }
  });
  if (from < tokens.length) pieces.push(text.slice(tokens[from]!.start, tokens[tokens.length - 1]!.end));
  if (pieces.length === 0) fail('no columns.');
  return pieces;
}

/** Scanner tokens with UTF-16 offsets into `text`. */
function scanTokens(text: string, parser: SqlParser): { start: number; end: number; text: string }[] {
  const toOffset = byteToUtf16Mapper(text);
  return (parser.scan(text) ?? []).map((t) => {
    const start = toOffset(t.start);
    const end = toOffset(t.end);
    return { start, end, text: text.slice(start, end) };
  });
}

function namesOf(list: Node[] | undefined): string[] | undefined {
  if (!list || list.length === 0) return undefined;
  return list.map((n) => nodeAs<{ sval?: string }>(n, 'String')?.sval ?? '');
}

function sameNames(a: string[] | undefined, b: string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function orderOf(elem: IndexElem): 'asc' | 'desc' | null {
  return elem.ordering === 'SORTBY_ASC' ? 'asc' : elem.ordering === 'SORTBY_DESC' ? 'desc' : null;
}

function nullsOf(elem: IndexElem): 'first' | 'last' | null {
  return elem.nulls_ordering === 'SORTBY_NULLS_FIRST' ? 'first' : elem.nulls_ordering === 'SORTBY_NULLS_LAST' ? 'last' : null;
}

function nodeAs<T>(node: Node | undefined, type: string): T | undefined {
  if (!node || !(type in node)) return undefined;
  return (node as unknown as Record<string, T>)[type];
}

/** One line for messages: `index_x on public.messages (status) WHERE status = 0`. */
export function describeIndexDefinition(def: IndexDefinition): string {
  const keys = def.columns.map((k) => (k.kind === 'column' ? k.name : k.sql)).join(', ');
  const table = def.schema ? `${def.schema}.${def.table}` : def.table;
  return `${def.unique ? 'unique ' : ''}${def.name} on ${table}${def.using ? ` using ${def.using}` : ''} (${keys})${def.where ? ` WHERE ${def.where}` : ''}`;
}
