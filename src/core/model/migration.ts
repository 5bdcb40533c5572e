// The neutral migration model. Parsers turn Ruby or SQL into this; rules only ever see this.
// Offsets are UTF-16 code-unit offsets into `MigrationFile.source` (what editors use).

export interface SourceRange {
  start: number;
  end: number;
}

/** `django`: a Django migration (Python); `js`: a Knex, TypeORM, node-pg-migrate or Sequelize migration. */
export type Dialect = 'rails' | 'sql' | 'django' | 'js';

/** The framework that runs a Django or Node migration (`MigrationFile.framework`). */
export type OrmFramework = 'django' | 'knex' | 'typeorm' | 'node-pg-migrate' | 'sequelize';

/** Where an operation runs: Rails `change`/`up`/`down`, or a SQL file's single direction. */
export type Direction = 'change' | 'up' | 'down' | 'sql';

/**
 * Syntax facts a fixer needs to edit an operation in place, kept opaque to rules.
 * Rails: the call's argument layout. SQL: keyword positions in the statement.
 */
export type OperationSyntax = RailsCallSyntax | SqlStatementSyntax | OrmCallSyntax;

/** A text edit the parser of a Django or Node migration worked out in its framework's idiom. */
export interface OrmEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * A Django or Node ORM call (`migrations.AddIndex(...)`, `pgm.createIndex(...)`): the edits that
 * rewrite it are worked out by its parser, which knows the framework's idiom; absent: no such fix.
 */
export interface OrmCallSyntax {
  kind: 'ormCall';
  /** The call as users know it (`AddIndex`, `AddField`, `pgm.createIndex`, `table.index`), for messages and views. */
  method?: string;
  /** Makes the operation concurrent (`AddIndex` -> `AddIndexConcurrently` and its import; `{ concurrently: true }`). */
  concurrent?: OrmEdit[];
  /** Makes it idempotent (`ifNotExists: true` / `ifExists: true`). */
  ifExists?: OrmEdit[];
  /**
   * Django: the whole lines of the `operations` list item this operation comes from (its call,
   * the comma after it), when the item stands on lines of its own: what a split moves.
   */
  item?: SourceRange;
}

/** Django: what a fix that writes a new migration out of this one needs. */
export interface DjangoMigrationLayout {
  /** The app label (the folder above `migrations/`) and this migration's name (`0002_post_author`). */
  app: string;
  name: string;
  /** Text before `class Migration` (the imports). */
  preamble: string;
  /** The class statement as written (`class Migration(migrations.Migration):`). */
  classLine: string;
  /** Indentation of the class body. */
  bodyIndent: string;
  atomic: boolean;
}

export interface RailsCallSyntax {
  kind: 'railsCall';
  /** Offset right after the last argument (before a closing paren or a block). */
  lastArgumentEnd: number;
  /** Start offset of the last argument. */
  lastArgumentStart: number;
  /** Start offset of the first argument. */
  firstArgumentStart: number;
  /** True when the call has parentheses around its arguments. */
  parenthesized: boolean;
  /** How existing keyword options are written; `none` when there are none. */
  optionStyle: 'label' | 'rocket' | 'none';
  /** When options are an explicit `{ ... }` hash, the offset just before its closing brace content ends. */
  bracedHashLastElementEnd?: number;
  /** True when each argument sits on its own line (a multi-line argument list). */
  multiline: boolean;
  /** Indentation of the last argument's line (for multi-line argument lists). */
  lastArgumentIndent: string;
  /** Options given to the call: name -> source range of the value (and of the whole pair). */
  options: Record<string, RailsOption>;
  /** Offset of the start of the line the call starts on, and that line's indentation. */
  lineStart: number;
  indent: string;
  /**
   * True when the call is a statement directly in `change`/`up`/`down`, not inside a block:
   * only then can a fix move its lines to another migration.
   */
  directInMethod?: boolean;
}

export interface RailsOption {
  valueRange: SourceRange;
  pairRange: SourceRange;
  value: RubyValue;
  /** When the value is a `{ ... }` hash (`index: { unique: true }`): where a fix adds a key to it. */
  hash?: {
    /** End of the last pair, or null for an empty `{}`. */
    lastElementEnd: number | null;
    optionStyle: 'label' | 'rocket' | 'none';
    options: Record<string, { valueRange: SourceRange; pairRange: SourceRange }>;
  };
}

export interface SqlStatementSyntax {
  kind: 'sqlStatement';
  /** Offset just after the keyword CONCURRENTLY may follow (INDEX for CREATE/DROP, the target for REINDEX). */
  concurrentlyInsertAt?: number;
  /** Offset where `IF NOT EXISTS ` / `IF EXISTS ` goes. */
  ifExistsInsertAt?: number;
  /** An unnamed CREATE INDEX: where its name (and `IF NOT EXISTS`, which needs one) goes, before ON. */
  nameInsertAt?: number;
  /** Offset of the start of the statement's first line and its indentation. */
  lineStart: number;
  indent: string;
  /** Offset just after the statement's terminating semicolon (or its end). */
  statementEnd: number;
  /** False when no semicolon ends the statement (the last one of a file): text added after it needs one. */
  terminated?: boolean;
  /** The table's name as written (`public."Messages"`), to reuse it in new statements. */
  tableRange?: SourceRange;
  /**
   * ADD [CONSTRAINT x] UNIQUE / PRIMARY KEY: the parenthesized column list as written, when
   * nothing but constraint attributes follows it (so it can become `USING INDEX x`).
   */
  constraintColumnsRange?: SourceRange;
}

/** A literal value from the source, simplified. */
export type RubyValue =
  | { type: 'symbol'; value: string }
  | { type: 'string'; value: string }
  | { type: 'integer'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'nil' }
  | { type: 'array'; items: RubyValue[] }
  | { type: 'hash'; entries: Record<string, RubyValue> }
  | { type: 'unknown'; text: string };

interface OperationBase {
  /** The whole statement or call. Findings point here. */
  range: SourceRange;
  direction: Direction;
  /**
   * The table the operation touches; `null` when it cannot be known statically
   * (a variable, a loop): such operations are still checked.
   */
  table: string | null;
  /** Inside a Rails `transaction do ... end` block or a SQL BEGIN ... COMMIT. */
  inTransactionBlock: boolean;
  /** Inside strong_migrations' `safety_assured { }`. */
  safetyAssured: boolean;
  syntax?: OperationSyntax;
  /**
   * SQL only, and only when it differs from `MigrationFile.runsInTransaction`: whether this
   * operation's part of the file runs in the runner's transaction (dbmate's up and down
   * sections each have their own `transaction:false`).
   */
  runsInTransaction?: boolean;
}

export interface CreateIndexOperation extends OperationBase {
  kind: 'createIndex';
  /**
   * Which source construct builds the index; fixes and messages depend on it. `helper`: GitLab's;
   * `orm`: a Django or Node ORM call; `t.column`: a column definition of `change_table` with
   * `index:` (`t.string :key, index: true`).
   */
  via: 'add_index' | 'add_reference' | 't.index' | 't.references' | 't.column' | 'execute' | 'sql' | 'helper' | 'orm';
  columns: string[];
  name: string | null;
  unique: boolean;
  concurrent: boolean;
  ifNotExists: boolean;
  where: string | null;
  using: string | null;
  /**
   * SQL `CREATE INDEX ... ON ONLY parent`: creates the partitioned parent's index alone, marked
   * invalid, without building anything (and it cannot be CONCURRENTLY).
   */
  onlyParent?: boolean;
  /**
   * A helper that only schedules the build (online_migrations' `add_index_in_background`, GitLab's
   * `prepare_async_index`): a background job builds it concurrently later, outside the migration.
   */
  runsLater?: boolean;
}

export interface DropIndexOperation extends OperationBase {
  kind: 'dropIndex';
  via: 'remove_index' | 't.remove_index' | 'execute' | 'sql' | 'helper' | 'orm';
  name: string | null;
  columns: string[];
  concurrent: boolean;
  ifExists: boolean;
}

export interface ReindexOperation extends OperationBase {
  kind: 'reindex';
  via: 'execute' | 'sql';
  target: 'index' | 'table' | 'schema' | 'database' | 'system';
  name: string | null;
  concurrent: boolean;
}

export interface AddUniqueConstraintOperation extends OperationBase {
  kind: 'addUniqueConstraint';
  via: 'add_unique_constraint' | 'execute' | 'sql';
  primaryKey: boolean;
  usingIndex: string | null;
  /** The constrained columns and the constraint's name, when known (a fix builds the index from them). */
  columns?: string[];
  name?: string | null;
}

export interface CreateTableOperation extends OperationBase {
  kind: 'createTable';
  via: 'create_table' | 'create_join_table' | 'sql';
}

export interface SetTimeoutOperation extends OperationBase {
  kind: 'setTimeout';
  setting: 'lock_timeout' | 'statement_timeout';
  /** Milliseconds; 0 means no limit; null when it cannot be read (a variable) or on reset. */
  milliseconds: number | null;
  local: boolean;
  /** `RESET x` / `SET x TO DEFAULT`: back to the server's default, which the linter cannot know. */
  reset?: boolean;
  /**
   * Applies to the whole migration whatever its position and direction
   * (a class-level setting such as activerecord-safer_migrations' `set_lock_timeout`).
   */
  wholeMigration?: boolean;
}

/** A foreign key added to an existing or new table: the referencing columns want an index. */
export interface AddForeignKeyOperation extends OperationBase {
  kind: 'addForeignKey';
  via: 'add_foreign_key' | 'add_reference' | 't.references' | 't.foreign_key' | 'helper' | 'execute' | 'sql';
  /** The referencing columns of `table`; `?` for one that cannot be read. */
  columns: string[];
  /** The referenced (parent) table, when known. */
  referencedTable: string | null;
}

/**
 * Columns dropped from a table (`remove_column`, `remove_reference`, `ALTER TABLE ... DROP COLUMN`):
 * every index on them goes with them, under the ALTER TABLE's ACCESS EXCLUSIVE lock.
 */
export interface DropColumnOperation extends OperationBase {
  kind: 'dropColumn';
  via: 'remove_column' | 'remove_columns' | 'remove_reference' | 't.remove' | 't.remove_references' | 'execute' | 'sql';
  columns: string[];
}

export interface TransactionControlOperation extends OperationBase {
  kind: 'transactionControl';
  action: 'begin' | 'commit' | 'rollback';
}

export type Operation =
  | CreateIndexOperation
  | DropIndexOperation
  | ReindexOperation
  | AddUniqueConstraintOperation
  | CreateTableOperation
  | SetTimeoutOperation
  | AddForeignKeyOperation
  | DropColumnOperation
  | TransactionControlOperation;

export type OperationKind = Operation['kind'];

export interface ParseProblem {
  message: string;
  range: SourceRange;
}

/** A `# pg-index-guard:disable...` (or squawk-ignore) comment. */
export interface SuppressionComment {
  scope: 'next-line' | 'file';
  /** Rule ids; empty means every rule. */
  ruleIds: string[];
  /** 0-based line the comment stands on. */
  line: number;
}

export interface RailsClassLayout {
  /** Text before the `class` keyword (magic comments, requires). */
  preamble: string;
  /** The superclass as written, e.g. `ActiveRecord::Migration[7.1]`. */
  superclass: string;
  /** Class-level statements other than method definitions (`disable_ddl_transaction!`, ...), as written. */
  classLevelStatements: string[];
  /** Indentation of the class body. */
  bodyIndent: string;
}

export interface MigrationFile {
  path: string;
  dialect: Dialect;
  source: string;
  operations: Operation[];
  /** Does the migration run inside one transaction (Rails default: yes)? */
  runsInTransaction: boolean;
  /** Rails: `disable_ddl_transaction!` present. */
  ddlTransactionDisabled: boolean;
  /** Rails: the migration class's version, e.g. "7.1"; null for legacy or SQL. */
  frameworkVersion: string | null;
  /** Rails: where a class-level line such as `disable_ddl_transaction!` is inserted, and its indentation. */
  classBodyInsert?: { offset: number; indent: string };
  /** Rails: the class name and the version number from the file name. */
  className?: string | null;
  /** Rails: what a fix that writes a new migration out of this one copies. */
  railsClass?: RailsClassLayout;
  suppressions: SuppressionComment[];
  problems: ParseProblem[];
  /** False when the file is not a migration at all (a Ruby file without a migration class). */
  isMigration: boolean;
  /** SQL: the tool that runs the file and how it uses transactions. */
  sqlRunner?: SqlRunnerInfo;
  /** Django and Node migrations: the framework that runs the file. */
  framework?: OrmFramework;
  /**
   * Django and Node migrations: the edits that take the migration out of its transaction in the
   * framework's idiom (`atomic = False`, `exports.config = { transaction: false }`,
   * `pgm.noTransaction()`); absent when the file offers no place for them.
   */
  leaveTransactionEdits?: OrmEdit[];
  /** Django: the migration's layout, for the split fix. */
  djangoMigration?: DjangoMigrationLayout;
}

/** SQL migration tools whose transaction handling is known. `psql` stands for "statement by statement". */
export type SqlRunnerName =
  | 'psql'
  | 'goose'
  | 'dbmate'
  | 'flyway'
  | 'atlas'
  | 'postgres-migrations'
  | 'golang-migrate'
  | 'prisma';

export const SQL_RUNNER_NAMES: readonly SqlRunnerName[] = [
  'psql',
  'goose',
  'dbmate',
  'flyway',
  'atlas',
  'postgres-migrations',
  'golang-migrate',
  'prisma',
];

export interface SqlRunnerInfo {
  name: SqlRunnerName;
  /**
   * What identified the runner: the `runner` option, a marker comment, its Flyway `.conf`, the
   * project's `sqlRunner` setting, the file's path, or nothing (psql).
   */
  detectedBy: 'option' | 'marker' | 'sidecar' | 'setting' | 'path' | 'default';
  /**
   * How the runner sends the file to Postgres:
   * - `statements`: one statement at a time, outside any transaction (psql -f, or a no-transaction marker);
   * - `transaction`: inside one transaction the runner opens around the file (or the section);
   * - `multiStatement`: the whole file as one query string, which Postgres runs as one implicit
   *   transaction as soon as it holds more than one statement (golang-migrate, Prisma).
   */
  execution: 'statements' | 'transaction' | 'multiStatement';
  /**
   * How this runner lets a file leave its transaction:
   * - `none`: nothing to leave (psql; explicit BEGIN ... COMMIT are the file's own);
   * - `marker`: a comment in the file (`-- +goose NO TRANSACTION`; the fixer writes it);
   * - `automatic`: the runner detects it (Flyway runs a script holding CREATE/DROP INDEX CONCURRENTLY outside a transaction);
   * - `config`: a setting outside the file (Flyway's `executeInTransaction=false` in `<script>.sql.conf`);
   * - `splitFile`: only by moving the statement into a migration file of its own.
   */
  leaveBy: 'none' | 'marker' | 'automatic' | 'config' | 'splitFile';
  /** The no-transaction marker as users write it, for messages. */
  marker?: string;
  /** Up/down sections (goose `-- +goose Up`, dbmate `-- migrate:up`), in file order. */
  sections: SqlSection[];
  /** Atlas: an existing `-- atlas:txmode <mode>` directive (the mode word's range). */
  txModeDirective?: { valueRange: SourceRange; value: string };
}

export interface SqlSection {
  direction: Direction;
  /** The section's annotation comment (`-- migrate:up transaction:false`). */
  annotation: SourceRange;
  /** From the annotation to the next one (or the end of the file). */
  range: SourceRange;
  runsInTransaction: boolean;
}
