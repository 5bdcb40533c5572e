// One parsed SQL statement -> the neutral operations rules check. Reads libpg-query's
// syntax tree for meaning and the scanner's tokens for positions (keywords a fix edits).
import type {
  A_Const,
  AlterTableCmd,
  AlterTableStmt,
  ColumnDef,
  Constraint,
  CreateStmt,
  CreateTableAsStmt,
  DefElem,
  DropStmt,
  FuncCall,
  IndexElem,
  IndexStmt,
  Node,
  RangeVar,
  ReindexStmt,
  ResTarget,
  SelectStmt,
  TransactionStmt,
  VariableSetStmt,
} from 'libpg-query';
import type {
  CreateIndexOperation,
  Direction,
  Operation,
  SourceRange,
  ReindexOperation,
  SetTimeoutOperation,
  SqlStatementSyntax,
  TransactionControlOperation,
} from '../../model/migration';
import { indentationAt, lineStartOf } from '../source-text';
import type { RawStatement, SqlToken } from './statements';

export interface StatementContext {
  /** The SQL text the statement's offsets refer to. */
  text: string;
  /** The file the operations belong to (the Ruby file for SQL inside `execute`). */
  source: string;
  /** Text offset -> file offset. */
  toSource(offset: number): number;
  direction: Direction;
  inTransactionBlock: boolean;
  safetyAssured: boolean;
  via: 'sql' | 'execute';
  /** Names standing for Ruby interpolation, which name nothing knowable. */
  isPlaceholder(name: string): boolean;
  /** Indexes created earlier in the file, by unqualified name -> their table (DROP INDEX names no table). */
  indexTables: Map<string, string | null>;
}

/** The settings modelled, in this order for RESET ALL. */
const TIMEOUT_SETTINGS = new Set(['lock_timeout', 'statement_timeout']);

/** Reads the inside of a syntax tree node when it is of the given type. */
function nodeAs<T>(node: Node | undefined, type: string): T | undefined {
  if (!node || !(type in node)) return undefined;
  return (node as unknown as Record<string, T>)[type];
}

/** The type of a syntax tree node: its one key (`{ IndexStmt: {...} }`); '' for an empty node. */
function nodeType(node: Node): string {
  // A for-in that stops at the first key: Object.keys would make an array for each node.
  for (const type in node) return type;
  return '';
}

/**
 * Whether a statement's syntax tree is of a type operationsOf and transactionEffect never read,
 * told from its first keywords (`tokens`: its code tokens): INSERT, UPDATE, DELETE, GRANT,
 * COMMENT, DO...; CREATE of anything but a table, an index or a materialized view; DROP of
 * anything but an index; ALTER of anything but a table (ALTER INDEX, TYPE, SEQUENCE: their
 * trees are AlterTableStmt of another objtype, or other types); SELECT and WITH that neither
 * select INTO a table nor call set_config. Such a statement is not parsed at all (a syntax error
 * in it goes unreported), its tree not built. When this says false the tree is read.
 */
export function statementTreeUnread(tokens: readonly SqlToken[]): boolean {
  const first = tokens[0];
  if (!first?.keyword) return false;
  const second = tokens[1];
  switch (first.word) {
    case 'CREATE': {
      if (!second?.keyword) return false;
      if (second.word === 'OR') return tokens[2]?.word === 'REPLACE' && tokens[2].keyword && tokens[3]?.keyword === true && !TREE_READ_AFTER_CREATE.has(tokens[3].word);
      return !TREE_READ_AFTER_CREATE.has(second.word);
    }
    case 'DROP':
      return second?.keyword === true && second.word !== 'INDEX';
    case 'ALTER':
      return second?.keyword === true && second.word !== 'TABLE';
    case 'SELECT':
    case 'WITH':
      return !selectTreeMayBeRead(tokens);
    default:
      return TREE_UNREAD_FIRST_WORDS.has(first.word);
  }
}

/**
 * Whether a SELECT (or a WITH ... statement, whose tree may be a SELECT) may give an operation:
 * `SELECT ... INTO table` creates one, `SELECT set_config('lock_timeout', ...)` sets a timeout
 * (selectStatement). Any INTO but INSERT's and MERGE's, or a word set_config anywhere, and the
 * tree is read. The rest (a data migration's WITH ... INSERT, `SELECT create_partition(...)`)
 * is not parsed.
 */
function selectTreeMayBeRead(tokens: readonly SqlToken[]): boolean {
  for (let k = 1; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.keyword) {
      if (t.word === 'INTO' && tokens[k - 1]!.word !== 'INSERT' && tokens[k - 1]!.word !== 'MERGE') return true;
    } else if (t.word.length >= 10 && t.word.toLowerCase().replace(/"/g, '') === 'set_config') return true;
  }
  return false;
}

/** After CREATE (or CREATE OR REPLACE): the words that may begin a CreateStmt, IndexStmt or CreateTableAsStmt. */
const TREE_READ_AFTER_CREATE = new Set(['TABLE', 'INDEX', 'UNIQUE', 'TEMP', 'TEMPORARY', 'LOCAL', 'GLOBAL', 'UNLOGGED', 'MATERIALIZED']);
/** Statements whose first keyword alone gives a type operationsOf ignores (SET, BEGIN... are read). */
const TREE_UNREAD_FIRST_WORDS = new Set([
  'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'GRANT', 'REVOKE', 'COMMENT', 'DO', 'LOCK', 'TRUNCATE', 'ANALYZE', 'ANALYSE',
  'VACUUM', 'CLUSTER', 'NOTIFY', 'LISTEN', 'UNLISTEN', 'REFRESH', 'SECURITY', 'COPY', 'CALL', 'CHECKPOINT', 'REASSIGN', 'IMPORT',
]);

export function operationsOf(statement: RawStatement, ctx: StatementContext): Operation[] {
  const node = statement.node;
  // One look at the node's type, then a switch: a test of each type in turn costs a call apiece.
  const fields = node as unknown as Record<string, unknown>;
  const type = nodeType(node);
  switch (type) {
    case 'IndexStmt':
      return [createIndex(statement, fields[type] as IndexStmt, ctx)];
    case 'DropStmt': {
      const drop = fields[type] as DropStmt;
      return drop.removeType === 'OBJECT_INDEX' ? [dropIndex(statement, drop, ctx)] : [];
    }
    case 'ReindexStmt':
      return [reindexOperation(statement, fields[type] as ReindexStmt, ctx)];
    case 'AlterTableStmt':
      return alterTable(statement, fields[type] as AlterTableStmt, ctx);
    case 'CreateStmt':
      return createTable(statement, fields[type] as CreateStmt, ctx);
    case 'CreateTableAsStmt':
      return createTableAs(statement, fields[type] as CreateTableAsStmt, ctx);
    case 'VariableSetStmt':
      return setTimeouts(statement, fields[type] as VariableSetStmt, ctx);
    case 'SelectStmt':
      return selectStatement(statement, fields[type] as SelectStmt, ctx);
    case 'TransactionStmt':
      return transactionControl(statement, fields[type] as TransactionStmt, ctx);
    default:
      return [];
  }
}

function createTable(statement: RawStatement, create: CreateStmt, ctx: StatementContext): Operation[] {
  const table = relationName(create.relation, ctx);
  return [
    {
      range: rangeOf(statement, ctx),
      direction: ctx.direction,
      table,
      inTransactionBlock: ctx.inTransactionBlock,
      safetyAssured: ctx.safetyAssured,
      syntax: syntaxOf(statement, ctx, { table: relationRange(statement, create.relation) }),
      kind: 'createTable',
      via: 'sql',
    },
  ];
}

function createTableAs(statement: RawStatement, createAs: CreateTableAsStmt, ctx: StatementContext): Operation[] {
  return [
    {
      range: rangeOf(statement, ctx),
      direction: ctx.direction,
      table: relationName(createAs.into?.rel, ctx),
      inTransactionBlock: ctx.inTransactionBlock,
      safetyAssured: ctx.safetyAssured,
      syntax: syntaxOf(statement, ctx, NO_ANCHORS),
      kind: 'createTable',
      via: 'sql',
    },
  ];
}

// Operations are built as whole object literals with the common fields written out in each: an
// object spread of shared fields costs several times more.
function rangeOf(statement: RawStatement, ctx: StatementContext): SourceRange {
  return { start: ctx.toSource(statement.start), end: ctx.toSource(statement.end) };
}

/** Positions in the SQL text, mapped to the file by `syntaxOf`. */
interface Anchors {
  concurrentlyInsertAt?: number;
  ifExistsInsertAt?: number;
  nameInsertAt?: number;
  table?: SourceRange | null;
  constraintColumns?: SourceRange | null;
}

/** No anchors: one shared object rather than an empty literal for each operation. */
const NO_ANCHORS: Anchors = Object.freeze({});

function syntaxOf(statement: RawStatement, ctx: StatementContext, anchors: Anchors): SqlStatementSyntax {
  const start = ctx.toSource(statement.start);
  const lineStart = lineStartOf(ctx.source, start);
  const syntax: SqlStatementSyntax = {
    kind: 'sqlStatement',
    concurrentlyInsertAt: anchors.concurrentlyInsertAt === undefined ? undefined : ctx.toSource(anchors.concurrentlyInsertAt),
    ifExistsInsertAt: anchors.ifExistsInsertAt === undefined ? undefined : ctx.toSource(anchors.ifExistsInsertAt),
    lineStart,
    indent: indentationAt(ctx.source, lineStart),
    statementEnd: ctx.toSource(statement.terminatorEnd),
    terminated: statement.terminated,
  };
  if (anchors.nameInsertAt !== undefined) syntax.nameInsertAt = ctx.toSource(anchors.nameInsertAt);
  if (anchors.table) syntax.tableRange = sourceRange(anchors.table, ctx);
  if (anchors.constraintColumns) syntax.constraintColumnsRange = sourceRange(anchors.constraintColumns, ctx);
  return syntax;
}

function sourceRange(range: SourceRange, ctx: StatementContext): SourceRange {
  return { start: ctx.toSource(range.start), end: ctx.toSource(range.end) };
}

/** The tokens of a relation name as written (`public."Messages"`), from its syntax tree location. */
function relationRange(statement: RawStatement, relation: RangeVar | undefined): SourceRange | null {
  if (relation?.location === undefined) return null;
  const offset = statement.at(relation.location);
  const tokens = statement.tokens;
  let i = tokenStartingAt(tokens, offset);
  if (i === -1) return null;
  const start = tokens[i]!.start;
  while (tokens[i + 1]?.word === '.' && tokens[i + 2]) i += 2;
  return { start, end: tokens[i]!.end };
}

/** Index of the token starting at `offset` (tokens are in order), or -1. */
function tokenStartingAt(tokens: SqlToken[], offset: number): number {
  let low = 0;
  let high = tokens.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const start = tokens[mid]!.start;
    if (start === offset) return mid;
    if (start < offset) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

function relationName(relation: RangeVar | undefined, ctx: StatementContext): string | null {
  if (!relation?.relname || ctx.isPlaceholder(relation.relname)) return null;
  return relation.schemaname ? `${relation.schemaname}.${relation.relname}` : relation.relname;
}

function unqualified(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Index of the first keyword token `word` at or after `from`, or -1. */
function keywordAt(tokens: SqlToken[], word: string, from = 0): number {
  for (let i = from; i < tokens.length; i++) if (tokens[i]!.keyword && tokens[i]!.word === word) return i;
  return -1;
}

/** Index of the `)` closing the `(` at `open`, or the last token. */
function closingParen(tokens: SqlToken[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]!.word === '(') depth++;
    else if (tokens[i]!.word === ')' && --depth === 0) return i;
  }
  return tokens.length - 1;
}

function createIndex(statement: RawStatement, stmt: IndexStmt, ctx: StatementContext): Operation {
  const tokens = statement.tokens;
  const indexAt = keywordAt(tokens, 'INDEX');
  const onAt = keywordAt(tokens, 'ON', indexAt + 1);
  const onlyParent = tokens[onAt + 1]?.word === 'ONLY';
  const concurrent = stmt.concurrent === true;
  const ifNotExists = stmt.if_not_exists === true;

  // CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON ...
  let nameAt = indexAt + 1;
  if (tokens[nameAt]?.word === 'CONCURRENTLY') nameAt++;
  if (tokens[nameAt]?.word === 'IF') nameAt += 3;
  const hasName = stmt.idxname !== undefined && nameAt < onAt;

  // One pass over the rest: ... ON [ONLY] table [USING method] ( columns ) ... [WHERE predicate].
  let open = -1;
  let close = -1;
  let usingAt = -1;
  let whereAt = -1;
  let depth = 0;
  for (let i = onAt + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.word === '(') {
      if (depth++ === 0 && open === -1) open = i;
    } else if (t.word === ')') {
      if (--depth === 0 && close === -1) close = i;
    } else if (t.keyword && depth === 0) {
      if (t.word === 'USING' && open === -1) usingAt = i;
      else if (t.word === 'WHERE' && close !== -1 && whereAt === -1) whereAt = i;
    }
  }
  if (open !== -1 && close === -1) close = tokens.length - 1;

  const table = relationName(stmt.relation, ctx);
  const name = stmt.idxname && !ctx.isPlaceholder(stmt.idxname) ? stmt.idxname : null;
  if (name !== null) ctx.indexTables.set(name, table);

  const operation: CreateIndexOperation = {
    range: rangeOf(statement, ctx),
    direction: ctx.direction,
    table,
    inTransactionBlock: ctx.inTransactionBlock,
    safetyAssured: ctx.safetyAssured,
    syntax: syntaxOf(statement, ctx, {
      concurrentlyInsertAt: !concurrent && !onlyParent && indexAt !== -1 ? tokens[indexAt]!.end : undefined,
      // IF NOT EXISTS needs a name: `CREATE INDEX IF NOT EXISTS ON t` is a syntax error.
      ifExistsInsertAt: !ifNotExists && hasName ? tokens[nameAt]!.start : undefined,
      nameInsertAt: !ifNotExists && !hasName && stmt.idxname === undefined && onAt !== -1 ? tokens[onAt]!.start : undefined,
      table: relationRange(statement, stmt.relation),
    }),
    kind: 'createIndex',
    via: ctx.via,
    columns: open === -1 ? [] : indexColumns(stmt.indexParams ?? [], tokens, open, close, ctx.text),
    name,
    unique: stmt.unique === true,
    concurrent,
    ifNotExists,
    where: whereAt === -1 ? null : ctx.text.slice(tokens[whereAt + 1]?.start ?? statement.end, statement.end),
    using: usingAt !== -1 ? (stmt.accessMethod ?? null) : null,
  };
  // Set after the literal: a spread in it costs a copy for every index.
  if (onlyParent) operation.onlyParent = true;
  return operation;
}

/** Plain columns by name; expressions as written (`lower(email)`). */
function indexColumns(params: Node[], tokens: SqlToken[], open: number, close: number, text: string): string[] {
  const columns: string[] = [];
  let from = open + 1;
  for (let k = 0; k < params.length; k++) {
    // The element's tokens, from `from` to the next comma outside parentheses.
    let end = from;
    let depth = 0;
    for (; end < close; end++) {
      const w = tokens[end]!.word;
      if (w === '(') depth++;
      else if (w === ')') depth--;
      else if (w === ',' && depth === 0) break;
    }
    const name = nodeAs<IndexElem>(params[k], 'IndexElem')?.name;
    columns.push(name ? name : expressionText(tokens, from, end - 1, text));
    from = end + 1;
  }
  return columns;
}

/** The text of tokens `from`..`to` (none: `?`), without parentheses around all of them (`(lower(email))`). */
function expressionText(tokens: SqlToken[], from: number, to: number, text: string): string {
  if (to < from) return '?';
  if (tokens[from]!.word === '(' && closingParen(tokens, from) === to) {
    from++;
    to--;
  }
  return text.slice(tokens[from]!.start, tokens[to]!.end);
}

function dropIndex(statement: RawStatement, stmt: DropStmt, ctx: StatementContext): Operation {
  const tokens = statement.tokens;
  // Only the first name is read; the others are counted.
  const objects = stmt.objects ?? [];
  const firstName = objects.length > 0 ? dottedName(objects[0]) : '';
  const first = firstName && !ctx.isPlaceholder(firstName) ? firstName : null;
  const concurrent = stmt.concurrent === true;
  const ifExists = stmt.missing_ok === true;
  const indexAt = keywordAt(tokens, 'INDEX');
  let nameAt = indexAt + 1;
  if (tokens[nameAt]?.word === 'CONCURRENTLY') nameAt++;
  return {
    range: rangeOf(statement, ctx),
    direction: ctx.direction,
    table: first === null ? null : (ctx.indexTables.get(unqualified(first)) ?? null),
    inTransactionBlock: ctx.inTransactionBlock,
    safetyAssured: ctx.safetyAssured,
    syntax: syntaxOf(statement, ctx, {
      // DROP INDEX CONCURRENTLY takes exactly one index and no CASCADE.
      concurrentlyInsertAt:
        !concurrent && objects.length === 1 && stmt.behavior !== 'DROP_CASCADE' && indexAt !== -1 ? tokens[indexAt]!.end : undefined,
      ifExistsInsertAt: !ifExists && tokens[nameAt] ? tokens[nameAt]!.start : undefined,
    }),
    kind: 'dropIndex',
    via: ctx.via,
    name: first,
    columns: [],
    concurrent,
    ifExists,
  };
}

/** A List of String nodes as a dotted name (`public.index_name`). */
function dottedName(object: Node | undefined): string {
  const items = nodeAs<{ items?: Node[] }>(object, 'List')?.items ?? [];
  let name = '';
  for (let k = 0; k < items.length; k++) {
    if (k > 0) name += '.';
    name += nodeAs<{ sval?: string }>(items[k], 'String')?.sval ?? '';
  }
  return name;
}

const REINDEX_TARGETS: Record<string, ReindexOperation['target']> = {
  REINDEX_OBJECT_INDEX: 'index',
  REINDEX_OBJECT_TABLE: 'table',
  REINDEX_OBJECT_SCHEMA: 'schema',
  REINDEX_OBJECT_DATABASE: 'database',
  REINDEX_OBJECT_SYSTEM: 'system',
};

function reindexOperation(statement: RawStatement, stmt: ReindexStmt, ctx: StatementContext): Operation {
  const tokens = statement.tokens;
  const target = REINDEX_TARGETS[stmt.kind ?? ''] ?? 'index';
  const params = stmt.params ?? [];
  let concurrent = false;
  for (let k = 0; k < params.length && !concurrent; k++) {
    const option = nodeAs<DefElem>(params[k], 'DefElem');
    concurrent = option?.defname === 'concurrently' && optionIsOn(option);
  }
  const relation = relationName(stmt.relation, ctx);
  const name = relation ?? (stmt.name && !ctx.isPlaceholder(stmt.name) ? stmt.name : null);
  // REINDEX [(options)] {INDEX|TABLE|SCHEMA|DATABASE|SYSTEM} [CONCURRENTLY] name:
  // CONCURRENTLY after the target kind works from Postgres 12 on, options list or not.
  let kindAt = 1;
  if (tokens[1]?.word === '(') kindAt = closingParen(tokens, 1) + 1;
  const kindToken = tokens[kindAt];
  return {
    range: rangeOf(statement, ctx),
    direction: ctx.direction,
    table: target === 'table' ? relation : target === 'index' && relation ? (ctx.indexTables.get(unqualified(relation)) ?? null) : null,
    inTransactionBlock: ctx.inTransactionBlock,
    safetyAssured: ctx.safetyAssured,
    syntax: syntaxOf(statement, ctx, {
      // The system catalogs cannot be reindexed concurrently.
      concurrentlyInsertAt: !concurrent && target !== 'system' && kindToken?.keyword ? kindToken.end : undefined,
      table: target === 'table' ? relationRange(statement, stmt.relation) : null,
    }),
    kind: 'reindex',
    via: ctx.via,
    target,
    name,
    concurrent,
  };
}

function optionIsOn(option: DefElem): boolean {
  const arg = option.arg;
  if (!arg) return true;
  const bool = nodeAs<{ boolval?: boolean }>(arg, 'Boolean');
  if (bool) return bool.boolval === true;
  const text = nodeAs<{ sval?: string }>(arg, 'String')?.sval;
  if (text !== undefined) return !['false', 'off', '0', 'no'].includes(text.toLowerCase());
  const integer = nodeAs<{ ival?: number }>(arg, 'Integer');
  if (integer) return (integer.ival ?? 0) !== 0;
  return true;
}

/** `ADD [CONSTRAINT x] UNIQUE/PRIMARY KEY`, also as a column constraint of `ADD COLUMN`: both build an index under lock. */
function alterTable(statement: RawStatement, stmt: AlterTableStmt, ctx: StatementContext): Operation[] {
  if (stmt.objtype !== 'OBJECT_TABLE') return [];
  const table = relationName(stmt.relation, ctx);
  const tableRange = relationRange(statement, stmt.relation);
  const operations: Operation[] = [];
  // Indexed loops, each constraint modelled where it is found: for-of and a list of pairs cost an
  // iterator and objects for every command.
  const cmds = stmt.cmds ?? [];
  for (let k = 0; k < cmds.length; k++) {
    const cmd = nodeAs<AlterTableCmd>(cmds[k], 'AlterTableCmd');
    if (!cmd) continue;
    // Table constraints, and column constraints of ADD COLUMN (which name their column).
    if (cmd.subtype === 'AT_AddConstraint') {
      const constraint = nodeAs<Constraint>(cmd.def, 'Constraint');
      if (constraint) {
        addUniqueConstraint(statement, ctx, table, tableRange, constraint, null, operations);
        addForeignKey(statement, ctx, table, tableRange, constraint, null, operations);
      }
    } else if (cmd.subtype === 'AT_AddColumn') {
      const column = nodeAs<ColumnDef>(cmd.def, 'ColumnDef');
      const constraints = column?.constraints ?? [];
      for (let c = 0; c < constraints.length; c++) {
        const constraint = nodeAs<Constraint>(constraints[c], 'Constraint');
        if (!constraint) continue;
        addUniqueConstraint(statement, ctx, table, tableRange, constraint, column?.colname ?? null, operations);
        addForeignKey(statement, ctx, table, tableRange, constraint, column?.colname ?? null, operations);
      }
    } else if (cmd.subtype === 'AT_DropColumn' && cmd.name) {
      operations.push({
        range: rangeOf(statement, ctx),
        direction: ctx.direction,
        table,
        inTransactionBlock: ctx.inTransactionBlock,
        safetyAssured: ctx.safetyAssured,
        syntax: syntaxOf(statement, ctx, { table: tableRange }),
        kind: 'dropColumn',
        via: ctx.via,
        columns: [ctx.isPlaceholder(cmd.name) ? '?' : cmd.name],
      });
    }
  }
  return operations;
}

/** The operation of a UNIQUE or PRIMARY KEY constraint (`column`: of ADD COLUMN), into `operations`. */
function addUniqueConstraint(
  statement: RawStatement,
  ctx: StatementContext,
  table: string | null,
  tableRange: SourceRange | null,
  constraint: Constraint,
  column: string | null,
  operations: Operation[],
): void {
  if (constraint.contype !== 'CONSTR_UNIQUE' && constraint.contype !== 'CONSTR_PRIMARY') return;
  const keys: string[] = [];
  const keyNodes = constraint.keys ?? [];
  for (let k = 0; k < keyNodes.length; k++) keys.push(nodeAs<{ sval?: string }>(keyNodes[k], 'String')?.sval ?? '?');
  operations.push({
    range: rangeOf(statement, ctx),
    direction: ctx.direction,
    table,
    inTransactionBlock: ctx.inTransactionBlock,
    safetyAssured: ctx.safetyAssured,
    syntax: syntaxOf(statement, ctx, {
      table: tableRange,
      constraintColumns: column === null && !constraint.indexname ? constraintColumns(statement, constraint) : null,
    }),
    kind: 'addUniqueConstraint',
    via: ctx.via,
    primaryKey: constraint.contype === 'CONSTR_PRIMARY',
    usingIndex: constraint.indexname ?? null,
    columns: column !== null ? [column] : keys,
    name: constraint.conname ?? null,
  });
}

/** The operation of a FOREIGN KEY / REFERENCES constraint (`column`: of ADD COLUMN), into `operations`. */
function addForeignKey(
  statement: RawStatement,
  ctx: StatementContext,
  table: string | null,
  tableRange: SourceRange | null,
  constraint: Constraint,
  column: string | null,
  operations: Operation[],
): void {
  if (constraint.contype !== 'CONSTR_FOREIGN') return;
  const columns: string[] = [];
  if (column !== null) columns.push(column);
  else {
    const attributes = constraint.fk_attrs ?? [];
    for (let k = 0; k < attributes.length; k++) {
      const name = nodeAs<{ sval?: string }>(attributes[k], 'String')?.sval;
      columns.push(name === undefined || ctx.isPlaceholder(name) ? '?' : name);
    }
  }
  operations.push({
    range: rangeOf(statement, ctx),
    direction: ctx.direction,
    table,
    inTransactionBlock: ctx.inTransactionBlock,
    safetyAssured: ctx.safetyAssured,
    syntax: syntaxOf(statement, ctx, { table: tableRange }),
    kind: 'addForeignKey',
    via: ctx.via,
    columns,
    referencedTable: relationName(constraint.pktable, ctx),
  });
}

/**
 * `UNIQUE (a, b)` -> the range of `(a, b)`, when only constraint attributes (DEFERRABLE,
 * INITIALLY ...) follow it: INCLUDE, WITH or USING INDEX TABLESPACE describe the index and
 * have no place after USING INDEX, and NULLS NOT DISTINCT before the list neither.
 */
function constraintColumns(statement: RawStatement, constraint: Constraint): SourceRange | null {
  if (constraint.location === undefined || constraint.nulls_not_distinct) return null;
  const tokens = statement.tokens;
  const location = statement.at(constraint.location);
  let from = 0;
  while (from < tokens.length && tokens[from]!.start < location) from++;
  let open = from;
  while (open < tokens.length && tokens[open]!.word !== '(') open++;
  if (open === tokens.length) return null;
  const close = closingParen(tokens, open);
  for (let i = close + 1; i < tokens.length && tokens[i]!.word !== ','; i++) {
    const word = tokens[i]!.word;
    if (word === 'INCLUDE' || word === 'WITH' || word === 'USING' || word === 'WITHOUT') return null;
  }
  return { start: tokens[open]!.start, end: tokens[close]!.end };
}

/** A SET / RESET / set_config of lock_timeout or statement_timeout. */
function timeoutOperation(
  statement: RawStatement,
  ctx: StatementContext,
  setting: string,
  milliseconds: number | null,
  local: boolean,
  reset: boolean,
): SetTimeoutOperation {
  const operation: SetTimeoutOperation = {
    range: rangeOf(statement, ctx),
    direction: ctx.direction,
    table: null,
    inTransactionBlock: ctx.inTransactionBlock,
    safetyAssured: ctx.safetyAssured,
    syntax: syntaxOf(statement, ctx, NO_ANCHORS),
    kind: 'setTimeout',
    setting: setting as SetTimeoutOperation['setting'],
    milliseconds,
    local,
  };
  // Set after the literal: a spread in it costs a copy.
  if (reset) operation.reset = true;
  return operation;
}

function setTimeouts(statement: RawStatement, stmt: VariableSetStmt, ctx: StatementContext): Operation[] {
  const local = stmt.is_local === true;
  if (stmt.kind === 'VAR_RESET_ALL') {
    return [
      timeoutOperation(statement, ctx, 'lock_timeout', null, local, true),
      timeoutOperation(statement, ctx, 'statement_timeout', null, local, true),
    ];
  }
  const name = stmt.name?.toLowerCase() ?? '';
  if (!TIMEOUT_SETTINGS.has(name)) return [];
  if (stmt.kind === 'VAR_RESET' || stmt.kind === 'VAR_SET_DEFAULT') return [timeoutOperation(statement, ctx, name, null, local, true)];
  if (stmt.kind !== 'VAR_SET_VALUE') return [timeoutOperation(statement, ctx, name, null, local, false)];
  return [timeoutOperation(statement, ctx, name, constantMilliseconds(stmt.args?.[0]), local, false)];
}

/** `SELECT set_config('lock_timeout', '5s', false)`, and `SELECT ... INTO new_table`. */
function selectStatement(statement: RawStatement, stmt: SelectStmt, ctx: StatementContext): Operation[] {
  if (stmt.intoClause?.rel) {
    return [
      {
        range: rangeOf(statement, ctx),
        direction: ctx.direction,
        table: relationName(stmt.intoClause.rel, ctx),
        inTransactionBlock: ctx.inTransactionBlock,
        safetyAssured: ctx.safetyAssured,
        syntax: syntaxOf(statement, ctx, NO_ANCHORS),
        kind: 'createTable',
        via: 'sql',
      },
    ];
  }
  const operations: Operation[] = [];
  for (const target of stmt.targetList ?? []) {
    const call = nodeAs<FuncCall>(nodeAs<ResTarget>(target, 'ResTarget')?.val, 'FuncCall');
    const names = (call?.funcname ?? []).map((n) => nodeAs<{ sval?: string }>(n, 'String')?.sval);
    if (!call || names[names.length - 1] !== 'set_config' || call.args?.length !== 3) continue;
    const setting = constantString(call.args[0])?.toLowerCase();
    if (!setting || !TIMEOUT_SETTINGS.has(setting)) continue;
    const local = nodeAs<A_Const>(call.args[2], 'A_Const')?.boolval?.boolval === true;
    operations.push(timeoutOperation(statement, ctx, setting, constantMilliseconds(call.args[1]), local, false));
  }
  return operations;
}

function constantString(node: Node | undefined): string | undefined {
  return nodeAs<A_Const>(node, 'A_Const')?.sval?.sval;
}

function constantMilliseconds(node: Node | undefined): number | null {
  const constant = nodeAs<A_Const>(node, 'A_Const');
  if (!constant || constant.isnull) return null;
  // A zero integer is an empty object in libpg-query's JSON.
  if (constant.ival) return constant.ival.ival ?? 0;
  if (constant.fval?.fval !== undefined) return parseDuration(constant.fval.fval);
  if (constant.sval) return parseDuration(constant.sval.sval ?? '');
  return null;
}

const UNIT_MILLISECONDS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A Postgres time setting in milliseconds: `5000`, `'5s'`, `'1.5min'`, `'1h'`. A number
 * without a unit is in the setting's base unit, milliseconds. Units are case-sensitive in
 * Postgres, so `'5S'` is invalid there and null here.
 */
export function parseDuration(value: string): number | null {
  const match = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(us|ms|s|min|h|d)?\s*$/.exec(value);
  if (!match) return null;
  const milliseconds = Number(match[1]) * UNIT_MILLISECONDS[match[2] ?? 'ms']!;
  return Number.isFinite(milliseconds) ? Math.round(milliseconds) : null;
}

function transactionControl(statement: RawStatement, stmt: TransactionStmt, ctx: StatementContext): Operation[] {
  let action: TransactionControlOperation['action'];
  switch (stmt.kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START':
      action = 'begin';
      break;
    case 'TRANS_STMT_COMMIT':
    case 'TRANS_STMT_PREPARE':
      action = 'commit';
      break;
    case 'TRANS_STMT_ROLLBACK':
      action = 'rollback';
      break;
    default:
      return [];
  }
  return [
    {
      range: rangeOf(statement, ctx),
      direction: ctx.direction,
      table: null,
      inTransactionBlock: ctx.inTransactionBlock,
      safetyAssured: ctx.safetyAssured,
      syntax: syntaxOf(statement, ctx, NO_ANCHORS),
      kind: 'transactionControl',
      action,
    },
  ];
}

/** Whether a statement opens or closes an explicit transaction block, for the operations after it. */
export function transactionEffect(statement: RawStatement): 'begin' | 'end' | null {
  const stmt = nodeAs<TransactionStmt>(statement.node, 'TransactionStmt');
  switch (stmt?.kind) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START':
      return 'begin';
    case 'TRANS_STMT_COMMIT':
    case 'TRANS_STMT_ROLLBACK':
      // COMMIT AND CHAIN / ROLLBACK AND CHAIN open the next transaction at once.
      return stmt.chain ? 'begin' : 'end';
    case 'TRANS_STMT_PREPARE':
      return 'end';
    default:
      return null;
  }
}
