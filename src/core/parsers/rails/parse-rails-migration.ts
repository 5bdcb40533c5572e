import * as P from '@ruby/prism/src/nodes.js';
import pluralize from 'pluralize';
import type {
  AddForeignKeyOperation,
  AddUniqueConstraintOperation,
  CreateIndexOperation,
  Direction,
  DropColumnOperation,
  DropIndexOperation,
  MigrationFile,
  Operation,
  ParseProblem,
  RailsCallSyntax,
  RailsOption,
  RubyValue,
  SetTimeoutOperation,
  SourceRange,
  SuppressionComment,
} from '../../model/migration';
import { byteToUtf16Mapper, indentationAt, lineStartOf } from '../source-text';
import type { PrismParse } from './prism';
import { parseSuppressionComment } from '../suppressions';
import { railsVersionAtLeast } from './rails-version';

type Node = P.Node;
type PrismLocation = { startOffset: number; length: number };

/**
 * Reads the SQL of an `execute` call's string argument into operations whose ranges are
 * offsets into the migration file. `sql` is the literal as written when that is also its
 * value (always for heredocs, whose indentation SQL ignores), so `offsetInFile + i` is the
 * file offset of `sql[i]`; for a literal with escape sequences it is the unescaped value and
 * offsets past the first escape are approximate.
 * The Rails parser then sets `direction`, `inTransactionBlock` and `safetyAssured` from
 * where the call stands.
 */
export type EmbeddedSqlParser = (sql: string, offsetInFile: number) => Operation[];

export interface RailsParseOptions {
  /** Plugged in by the SQL parser; without it `execute` strings are not read. */
  parseEmbeddedSql?: EmbeddedSqlParser;
}

interface WalkContext {
  direction: Direction;
  inTransactionBlock: boolean;
  safetyAssured: boolean;
  /** Block variable of `change_table :x do |t|` / `create_table` -> table x. */
  tableVariables: Map<string, string | null>;
  /** Block variable of `reversible do |dir|`: `dir.up { }` / `dir.down { }` choose a direction. */
  reversibleVariables: Set<string>;
  /** The node is a statement directly in `change`/`up`/`down`, not nested in a block or condition. */
  directInMethod: boolean;
}

/** A copy of `ctx` with some fields changed (an object literal of fixed shape: cheaper than a spread). */
function withContext(ctx: WalkContext, changes: Partial<WalkContext>): WalkContext {
  return {
    direction: changes.direction ?? ctx.direction,
    inTransactionBlock: changes.inTransactionBlock ?? ctx.inTransactionBlock,
    safetyAssured: changes.safetyAssured ?? ctx.safetyAssured,
    tableVariables: changes.tableVariables ?? ctx.tableVariables,
    reversibleVariables: changes.reversibleVariables ?? ctx.reversibleVariables,
    directInMethod: changes.directInMethod ?? ctx.directInMethod,
  };
}

/** GitLab's migration helpers: concurrent and idempotent by construction. */
const CONCURRENT_CREATE_HELPERS = new Set(['add_concurrent_index']);
const CONCURRENT_DROP_HELPERS = new Set(['remove_concurrent_index', 'remove_concurrent_index_by_name']);
/**
 * Helpers that only schedule an index build, which a background job runs concurrently after the
 * migration: online_migrations' `add_index_in_background`, GitLab's `prepare_async_index`.
 */
const SCHEDULED_CREATE_HELPERS = new Set(['add_index_in_background', 'prepare_async_index']);

/**
 * Column types `t.<type> :name` defines in `change_table` / `create_table` (Rails' column methods and
 * the PostgreSQL adapter's). With `index:` such a definition also builds an index.
 */
export const COLUMN_TYPE_METHODS = new Set([
  'bigint', 'binary', 'boolean', 'cidr', 'citext', 'date', 'datetime', 'decimal', 'float', 'hstore', 'inet',
  'integer', 'interval', 'json', 'jsonb', 'ltree', 'macaddr', 'money', 'numeric', 'string', 'text', 'time',
  'timestamp', 'timestamptz', 'tsvector', 'uuid', 'virtual', 'xml', 'enum', 'serial', 'bigserial', 'bit',
  'bit_varying', 'daterange', 'int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'point', 'line',
  'lseg', 'box', 'path', 'polygon', 'circle', 'oid', 'column',
]);

/** The method names whose options and positional arguments visitCall reads. */
const CALLS_READING_ARGUMENTS = new Set([
  'add_index',
  'add_reference',
  'add_belongs_to',
  'remove_index',
  'add_unique_constraint',
  'add_unique_key',
  'create_table',
  'create_join_table',
  'index',
  'references',
  'belongs_to',
  'unique_constraint',
  'add_foreign_key',
  'add_concurrent_foreign_key',
  'add_reference_concurrently',
  'remove_column',
  'remove_columns',
  'remove_reference',
  'remove_belongs_to',
  'foreign_key',
  'remove',
  'remove_references',
  ...CONCURRENT_CREATE_HELPERS,
  ...CONCURRENT_DROP_HELPERS,
  ...SCHEDULED_CREATE_HELPERS,
]);
const NO_OPTIONS: Record<string, RubyValue> = Object.freeze({});

/**
 * Reads a Rails migration into the neutral model. Never throws on bad Ruby: Prism
 * recovers from syntax errors, and whatever it could read is still modelled.
 */
export function parseRailsMigration(
  path: string,
  source: string,
  prismParse: PrismParse,
  parseOptions: RailsParseOptions = {},
): MigrationFile {
  const result = prismParse(source);
  const toOffset = byteToUtf16Mapper(source);
  const range = (loc: PrismLocation): SourceRange => ({
    start: toOffset(loc.startOffset),
    end: toOffset(loc.startOffset + loc.length),
  });
  const text = (node: Node | PrismLocation): string => {
    const r = range('location' in node ? node.location : node);
    return source.slice(r.start, r.end);
  };

  const problems: ParseProblem[] = result.errors.map((error) => ({
    message: error.message,
    range: range(error.location),
  }));

  const suppressions: SuppressionComment[] = [];
  let lineNumber = 0;
  let lastOffset = 0;
  for (const comment of result.comments) {
    const r = range(comment.location);
    const commentText = source.slice(r.start, r.end);
    // Only these can be suppressions: the line is counted for them alone.
    if (!commentText.includes('pg-index-guard:') && !commentText.includes('squawk-ignore')) continue;
    for (let i = lastOffset; i < r.start; i++) if (source.charCodeAt(i) === 10) lineNumber++;
    lastOffset = r.start;
    const suppression = parseSuppressionComment(commentText, lineNumber);
    if (suppression) suppressions.push(suppression);
  }

  const file: MigrationFile = {
    path,
    dialect: 'rails',
    source,
    operations: [],
    runsInTransaction: true,
    ddlTransactionDisabled: false,
    frameworkVersion: null,
    className: null,
    suppressions,
    problems,
    isMigration: false,
  };

  const migrationClass = findMigrationClass(result.value, text);
  if (!migrationClass) return file;
  file.isMigration = true;
  file.className = migrationClass.node.name;
  file.frameworkVersion = migrationClass.version;

  const classNode = migrationClass.node;
  const classRange = range(classNode.location);
  const bodyStatements = classNode.body instanceof P.StatementsNode ? classNode.body.body : [];
  if (bodyStatements.length > 0) {
    const first = range(bodyStatements[0]!.location).start;
    const lineStart = lineStartOf(source, first);
    file.classBodyInsert = { offset: lineStart, indent: indentationAt(source, lineStart) };
  } else {
    const classLineStart = lineStartOf(source, classRange.start);
    const afterHeader = source.indexOf('\n', classRange.start);
    file.classBodyInsert = {
      offset: afterHeader === -1 ? source.length : afterHeader + 1,
      indent: indentationAt(source, classLineStart) + '  ',
    };
  }
  if (migrationClass.topLevel && classNode.superclass) {
    file.railsClass = {
      preamble: source.slice(0, lineStartOf(source, classRange.start)),
      superclass: text(classNode.superclass),
      classLevelStatements: bodyStatements.filter((s) => !(s instanceof P.DefNode)).map((s) => text(s)),
      bodyIndent: file.classBodyInsert.indent,
    };
  }

  const operations: Operation[] = file.operations;

  const optionEntries = (hash: P.HashNode | P.KeywordHashNode) => {
    const options: Record<string, { valueRange: SourceRange; pairRange: SourceRange }> = {};
    let style: 'label' | 'rocket' | 'none' = 'none';
    for (const element of hash.elements) {
      if (!(element instanceof P.AssocNode)) continue;
      const key = literalName(element.key);
      if (key === null) continue;
      if (style === 'none') style = element.operatorLoc ? 'rocket' : 'label';
      options[key] = { valueRange: range(element.value.location), pairRange: range(element.location) };
    }
    return { options, style };
  };

  const railsCallSyntax = (call: P.CallNode, ctx: WalkContext): RailsCallSyntax | undefined => {
    const args = call.arguments_?.arguments_ ?? [];
    if (args.length === 0) return undefined;
    const first = range(args[0]!.location);
    const last = args[args.length - 1]!;
    const lastRange = range(last.location);
    const options: RailsCallSyntax['options'] = {};
    let optionStyle: RailsCallSyntax['optionStyle'] = 'none';
    let bracedHashLastElementEnd: number | undefined;
    let lastItemStart = lastRange.start;
    if (last instanceof P.KeywordHashNode || last instanceof P.HashNode) {
      optionStyle = optionEntries(last).style;
      for (const element of last.elements) {
        if (!(element instanceof P.AssocNode)) continue;
        const key = literalName(element.key);
        if (key === null) continue;
        const option: RailsOption = {
          valueRange: range(element.value.location),
          pairRange: range(element.location),
          value: rubyValue(element.value, text),
        };
        if (element.value instanceof P.HashNode) {
          const nested = optionEntries(element.value);
          const lastNested = element.value.elements[element.value.elements.length - 1];
          option.hash = {
            lastElementEnd: lastNested ? range(lastNested.location).end : null,
            optionStyle: nested.style,
            options: nested.options,
          };
        }
        options[key] = option;
      }
      const lastElement = last.elements[last.elements.length - 1];
      if (lastElement) lastItemStart = range(lastElement.location).start;
      if (last instanceof P.HashNode && lastElement) bracedHashLastElementEnd = range(lastElement.location).end;
    }
    const callStart = range(call.location).start;
    const lineStart = lineStartOf(source, callStart);
    const lastItemLineStart = lineStartOf(source, lastItemStart);
    return {
      kind: 'railsCall',
      firstArgumentStart: first.start,
      lastArgumentStart: lastRange.start,
      lastArgumentEnd: lastRange.end,
      parenthesized: call.openingLoc !== null,
      optionStyle,
      bracedHashLastElementEnd,
      multiline: lastItemLineStart > lineStartOf(source, first.start),
      lastArgumentIndent: indentationAt(source, lastItemLineStart),
      options,
      lineStart,
      indent: indentationAt(source, lineStart),
      directInMethod: ctx.directInMethod,
    };
  };

  // Operations are built as whole object literals (the common fields written out in each): an
  // object spread of shared fields costs several times more, on every call of every migration.

  /** add_index / t.index / add_concurrent_index: the same options, a different construct. */
  const createIndex = (
    call: P.CallNode,
    ctx: WalkContext,
    table: string | null,
    columns: Node | undefined,
    options: Record<string, RubyValue>,
    via: CreateIndexOperation['via'],
  ): CreateIndexOperation => {
    const helper = via === 'helper';
    const operation: CreateIndexOperation = {
      range: range(call.location),
      direction: ctx.direction,
      table,
      inTransactionBlock: ctx.inTransactionBlock,
      safetyAssured: ctx.safetyAssured,
      syntax: railsCallSyntax(call, ctx),
      kind: 'createIndex',
      via,
      columns: columnList(columns),
      name: stringOption(options, 'name'),
      unique: isTrue(options['unique']),
      concurrent: helper || isConcurrentAlgorithm(options['algorithm']),
      // GitLab's helper checks index_exists? itself.
      ifNotExists: helper || isTrue(options['if_not_exists']),
      where: stringOption(options, 'where'),
      using: stringOption(options, 'using'),
    };
    if (helper && SCHEDULED_CREATE_HELPERS.has(call.name)) operation.runsLater = true;
    return operation;
  };

  const dropIndex = (
    call: P.CallNode,
    ctx: WalkContext,
    table: string | null,
    positional: Node | undefined,
    options: Record<string, RubyValue>,
    via: DropIndexOperation['via'],
  ): DropIndexOperation => {
    const helper = via === 'helper';
    const byName = call.name === 'remove_concurrent_index_by_name';
    return {
      range: range(call.location),
      direction: ctx.direction,
      table,
      inTransactionBlock: ctx.inTransactionBlock,
      safetyAssured: ctx.safetyAssured,
      syntax: railsCallSyntax(call, ctx),
      kind: 'dropIndex',
      via,
      name: stringOption(options, 'name') ?? (byName ? literalName(positional) : null),
      columns: byName ? [] : positional ? columnList(positional) : columnsOfValue(options['column']),
      concurrent: helper || isConcurrentAlgorithm(options['algorithm']),
      ifExists: helper || isTrue(options['if_exists']),
    };
  };

  /**
   * add_reference / t.references build an index unless told not to (since Rails 5.0;
   * before that only with `index: true`). One operation per reference name, and a foreign key
   * for each with `foreign_key:`. online_migrations' add_reference_concurrently builds the index
   * concurrently whatever its options say.
   */
  const referenceIndexes = (
    call: P.CallNode,
    ctx: WalkContext,
    table: string | null,
    references: Node[],
    options: Record<string, RubyValue>,
    via: 'add_reference' | 't.references',
  ): void => {
    const index = options['index'];
    const indexed =
      !(index === undefined && !railsVersionAtLeast(file.frameworkVersion, '5.0')) &&
      !(index?.type === 'nil' || (index?.type === 'boolean' && !index.value));
    const indexOptions = index?.type === 'hash' ? index.entries : {};
    const polymorphic = isEnabled(options['polymorphic']);
    const concurrentHelper = call.name === 'add_reference_concurrently';
    const foreignKey = options['foreign_key'];
    for (const reference of references) {
      const name = literalName(reference) ?? '?';
      if (indexed) {
        operations.push({
          range: range(call.location),
          direction: ctx.direction,
          table,
          inTransactionBlock: ctx.inTransactionBlock,
          safetyAssured: ctx.safetyAssured,
          syntax: railsCallSyntax(call, ctx),
          kind: 'createIndex',
          via,
          columns: polymorphic ? [`${name}_type`, `${name}_id`] : [`${name}_id`],
          name: stringOption(indexOptions, 'name'),
          unique: isTrue(indexOptions['unique']),
          concurrent: concurrentHelper || isConcurrentAlgorithm(indexOptions['algorithm']),
          ifNotExists: isTrue(indexOptions['if_not_exists']),
          where: stringOption(indexOptions, 'where'),
          using: stringOption(indexOptions, 'using'),
        });
      }
      // A polymorphic reference cannot have a foreign key (Rails refuses it).
      if (isEnabled(foreignKey) && !polymorphic) {
        const toTable = foreignKey?.type === 'hash' ? stringOption(foreignKey.entries, 'to_table') : null;
        operations.push(
          foreignKeyOperation(call, ctx, table, [`${name}_id`], toTable ?? (name === '?' ? null : pluralize.plural(name)), via),
        );
      }
    }
  };

  const foreignKeyOperation = (
    call: P.CallNode,
    ctx: WalkContext,
    table: string | null,
    columns: string[],
    referencedTable: string | null,
    via: AddForeignKeyOperation['via'],
  ): AddForeignKeyOperation => ({
    range: range(call.location),
    direction: ctx.direction,
    table,
    inTransactionBlock: ctx.inTransactionBlock,
    safetyAssured: ctx.safetyAssured,
    syntax: railsCallSyntax(call, ctx),
    kind: 'addForeignKey',
    via,
    columns,
    referencedTable,
  });

  /**
   * add_foreign_key :from, :to [, column: ...] (and GitLab's add_concurrent_foreign_key, whose
   * `column:` is required): the column defaults to the singular of `to` plus `_id`, as Rails names it.
   */
  const addForeignKey = (
    call: P.CallNode,
    ctx: WalkContext,
    table: string | null,
    toTableNode: Node | undefined,
    options: Record<string, RubyValue>,
    via: AddForeignKeyOperation['via'],
  ): AddForeignKeyOperation => {
    const toTable = literalName(toTableNode);
    const column = options['column'];
    const columns = column !== undefined ? columnsOfValue(column) : toTable === null ? ['?'] : [`${pluralize.singular(toTable.replace(/^.*\./, ''))}_id`];
    return foreignKeyOperation(call, ctx, table, columns, toTable, via);
  };

  const dropColumns = (
    call: P.CallNode,
    ctx: WalkContext,
    table: string | null,
    columns: string[],
    via: DropColumnOperation['via'],
  ): DropColumnOperation => ({
    range: range(call.location),
    direction: ctx.direction,
    table,
    inTransactionBlock: ctx.inTransactionBlock,
    safetyAssured: ctx.safetyAssured,
    syntax: railsCallSyntax(call, ctx),
    kind: 'dropColumn',
    via,
    columns,
  });

  /** remove_reference / t.remove_references: `<name>_id`, and `<name>_type` when polymorphic. */
  const referenceColumns = (references: Node[], options: Record<string, RubyValue>): string[] => {
    const polymorphic = isEnabled(options['polymorphic']);
    const columns: string[] = [];
    for (const reference of references) {
      const name = literalName(reference) ?? '?';
      if (polymorphic) columns.push(`${name}_type`);
      columns.push(`${name}_id`);
    }
    return columns;
  };

  /**
   * `t.string :key, index: true` (also `t.column :key, :string, index: { unique: true }`): Rails'
   * column definition builds an index on each column it defines when `index:` is given.
   */
  const columnDefinitionIndexes = (call: P.CallNode, ctx: WalkContext, table: string | null, args: Node[]): void => {
    const last = args[args.length - 1];
    // Most column definitions have no options at all, and most options no `index:`.
    if (!(last instanceof P.KeywordHashNode || last instanceof P.HashNode)) return;
    const options = optionsOf(args, text);
    const index = options['index'];
    if (index === undefined || !isEnabled(index)) return;
    const indexOptions = index.type === 'hash' ? index.entries : {};
    const names = args.filter((a) => !(a instanceof P.KeywordHashNode || a instanceof P.HashNode));
    // t.column :name, :type
    const columns = call.name === 'column' ? names.slice(0, 1) : names;
    for (const column of columns) {
      operations.push({
        range: range(call.location),
        direction: ctx.direction,
        table,
        inTransactionBlock: ctx.inTransactionBlock,
        safetyAssured: ctx.safetyAssured,
        syntax: railsCallSyntax(call, ctx),
        kind: 'createIndex',
        via: 't.column',
        columns: [literalName(column) ?? '?'],
        name: stringOption(indexOptions, 'name'),
        unique: isTrue(indexOptions['unique']),
        concurrent: isConcurrentAlgorithm(indexOptions['algorithm']),
        ifNotExists: isTrue(indexOptions['if_not_exists']),
        where: stringOption(indexOptions, 'where'),
        using: stringOption(indexOptions, 'using'),
      });
    }
  };

  const uniqueConstraint = (
    call: P.CallNode,
    ctx: WalkContext,
    table: string | null,
    columns: Node | undefined,
    options: Record<string, RubyValue>,
  ): AddUniqueConstraintOperation => ({
    range: range(call.location),
    direction: ctx.direction,
    table,
    inTransactionBlock: ctx.inTransactionBlock,
    safetyAssured: ctx.safetyAssured,
    syntax: railsCallSyntax(call, ctx),
    kind: 'addUniqueConstraint',
    via: 'add_unique_constraint',
    primaryKey: false,
    usingIndex: stringOption(options, 'using_index'),
    columns: columns ? columnList(columns) : [],
    name: stringOption(options, 'name'),
  });

  const setTimeout = (
    at: SourceRange,
    ctx: WalkContext,
    setting: SetTimeoutOperation['setting'],
    milliseconds: number | null,
    extra: Partial<Pick<SetTimeoutOperation, 'reset' | 'wholeMigration' | 'local'>> = {},
  ): SetTimeoutOperation => ({
    range: at,
    direction: ctx.direction,
    table: null,
    inTransactionBlock: ctx.inTransactionBlock,
    safetyAssured: ctx.safetyAssured,
    kind: 'setTimeout',
    setting,
    milliseconds,
    local: false,
    ...extra,
  });

  const embeddedSql = (call: P.CallNode, ctx: WalkContext): void => {
    const parseEmbeddedSql = parseOptions.parseEmbeddedSql;
    const literal = stringLiteralOf(call.arguments_?.arguments_[0]);
    if (!parseEmbeddedSql || !literal) return;
    const embedded = embeddedSqlText(literal);
    if (!embedded) return;
    for (const operation of parseEmbeddedSql(embedded.sql, embedded.offset)) {
      // Fresh objects from the SQL reader: set in place.
      operation.direction = ctx.direction;
      operation.inTransactionBlock = ctx.inTransactionBlock || operation.inTransactionBlock;
      operation.safetyAssured = ctx.safetyAssured;
      operations.push(operation);
    }
  };

  /**
   * The SQL of a string literal and the file offset it starts at. A heredoc's body is taken as
   * written (SQL ignores its indentation; a squiggly heredoc's value has it removed line by line,
   * which is why Prism makes a multi-line one an InterpolatedStringNode even without `#{}`).
   * A quoted string is its value, `#{...}` kept as written (parseEmbeddedSql turns it into a
   * placeholder of the same length), so escapes can be realigned over the source.
   */
  const embeddedSqlText = (literal: P.StringNode | P.InterpolatedStringNode): { sql: string; offset: number } | null => {
    const isHeredoc = literal.openingLoc !== null && text(literal.openingLoc).startsWith('<<');
    if (literal instanceof P.StringNode) {
      const content = range(literal.contentLoc);
      const raw = source.slice(content.start, content.end);
      return { sql: isHeredoc || raw === literal.unescaped.value ? raw : literal.unescaped.value, offset: content.start };
    }
    const parts = literal.parts;
    if (parts.length === 0) return null;
    const start = range(parts[0]!.location).start;
    const end = range(parts[parts.length - 1]!.location).end;
    if (isHeredoc) return { sql: source.slice(start, end), offset: start };
    let sql = '';
    for (const part of parts) {
      // `"a" "b"` (adjacent literals, each with its own quotes) is left alone.
      if (part instanceof P.StringNode && part.openingLoc === null) sql += part.unescaped.value;
      else if (part instanceof P.EmbeddedStatementsNode) sql += text(part);
      else return null;
    }
    return { sql, offset: start };
  };

  const walk = (node: Node | null, ctx: WalkContext): void => {
    if (!node) return;
    if (node instanceof P.CallNode && visitCall(node, ctx)) return;
    const inner = ctx.directInMethod ? withContext(ctx, { directInMethod: false }) : ctx;
    for (const child of node.compactChildNodes()) walk(child, inner);
  };

  /** Returns true when it walked the call's children itself. */
  const visitCall = (call: P.CallNode, ctx: WalkContext): boolean => {
    const args = call.arguments_?.arguments_ ?? [];
    // Only the calls read below need their arguments sorted out (most calls are `t.string` and the like).
    const readsArguments = CALLS_READING_ARGUMENTS.has(call.name);
    const options = readsArguments ? optionsOf(args, text) : NO_OPTIONS;
    const positional = readsArguments ? args.filter((a) => !(a instanceof P.KeywordHashNode || a instanceof P.HashNode)) : [];
    const receiverVariable = call.receiver instanceof P.LocalVariableReadNode ? call.receiver.name : null;
    const implicitReceiver = call.receiver === null || call.receiver instanceof P.SelfNode;

    // Any receiver: `transaction do`, `ActiveRecord::Base.transaction do`, `connection.execute`.
    if (call.name === 'transaction' && call.block instanceof P.BlockNode) {
      walkBlock(call, withContext(ctx, { inTransactionBlock: true }), undefined);
      return true;
    }
    if (call.name === 'execute' && (implicitReceiver || isConnection(call.receiver))) {
      embeddedSql(call, ctx);
      return false;
    }

    if (implicitReceiver) {
      switch (call.name) {
        case 'add_index':
          operations.push(createIndex(call, ctx, literalName(args[0]), positional[1], options, 'add_index'));
          return false;
        case 'add_reference':
        case 'add_belongs_to':
        case 'add_reference_concurrently':
          referenceIndexes(call, ctx, literalName(args[0]), positional.slice(1, 2), options, 'add_reference');
          return false;
        case 'add_foreign_key':
          operations.push(addForeignKey(call, ctx, literalName(args[0]), positional[1], options, 'add_foreign_key'));
          return false;
        case 'add_concurrent_foreign_key':
          operations.push(addForeignKey(call, ctx, literalName(args[0]), positional[1], options, 'helper'));
          return false;
        case 'remove_column':
          operations.push(dropColumns(call, ctx, literalName(args[0]), [literalName(positional[1]) ?? '?'], 'remove_column'));
          return false;
        case 'remove_columns':
          operations.push(dropColumns(call, ctx, literalName(args[0]), positional.slice(1).map((c) => literalName(c) ?? '?'), 'remove_columns'));
          return false;
        case 'remove_reference':
        case 'remove_belongs_to':
          operations.push(dropColumns(call, ctx, literalName(args[0]), referenceColumns(positional.slice(1, 2), options), 'remove_reference'));
          return false;
        case 'remove_index':
          operations.push(dropIndex(call, ctx, literalName(args[0]), positional[1], options, 'remove_index'));
          return false;
        case 'add_unique_constraint':
        case 'add_unique_key':
          operations.push(uniqueConstraint(call, ctx, literalName(args[0]), positional[1], options));
          return false;
        case 'create_table':
        case 'create_join_table': {
          const table =
            call.name === 'create_table'
              ? literalName(args[0])
              : (stringOption(options, 'table_name') ?? joinTableName(args[0], args[1]));
          operations.push({
            range: range(call.location),
            direction: ctx.direction,
            table,
            inTransactionBlock: ctx.inTransactionBlock,
            safetyAssured: ctx.safetyAssured,
            syntax: railsCallSyntax(call, ctx),
            kind: 'createTable',
            via: call.name,
          });
          walkBlock(call, ctx, table);
          return true;
        }
        case 'change_table':
          walkBlock(call, ctx, literalName(args[0]));
          return true;
        case 'safety_assured':
          walkBlock(call, withContext(ctx, { safetyAssured: true }), undefined);
          return true;
        case 'reversible': {
          const variable = call.block instanceof P.BlockNode ? firstBlockParameter(call.block) : null;
          const reversibleVariables = variable ? new Set(ctx.reversibleVariables).add(variable) : ctx.reversibleVariables;
          walkBlock(call, withContext(ctx, { reversibleVariables }), undefined);
          return true;
        }
        case 'up_only':
          walkBlock(call, withContext(ctx, { direction: 'up' }), undefined);
          return true;
        case 'disable_statement_timeout': {
          // GitLab: statement_timeout 0 for the block, or for the rest of the method without one.
          operations.push(setTimeout(range(call.location), ctx, 'statement_timeout', 0));
          if (call.block instanceof P.BlockNode) {
            walkBlock(call, ctx, undefined);
            operations.push(setTimeout(range(call.block.closingLoc), ctx, 'statement_timeout', null, { reset: true }));
            return true;
          }
          return false;
        }
        case 'with_lock_retries': {
          // GitLab: each attempt is a transaction with its own SET LOCAL lock_timeout.
          if (!(call.block instanceof P.BlockNode)) return false;
          const inner = withContext(ctx, { inTransactionBlock: true });
          operations.push(setTimeout(range(call.location), inner, 'lock_timeout', null, { local: true }));
          walkBlock(call, inner, undefined);
          operations.push(setTimeout(range(call.block.closingLoc), ctx, 'lock_timeout', null, { reset: true }));
          return true;
        }
      }
      if (CONCURRENT_CREATE_HELPERS.has(call.name) || SCHEDULED_CREATE_HELPERS.has(call.name)) {
        operations.push(createIndex(call, ctx, literalName(args[0]), positional[1], options, 'helper'));
        return false;
      }
      if (CONCURRENT_DROP_HELPERS.has(call.name)) {
        operations.push(dropIndex(call, ctx, literalName(args[0]), positional[1], options, 'helper'));
        return false;
      }
    }

    if (receiverVariable !== null && ctx.reversibleVariables.has(receiverVariable)) {
      if (call.name === 'up' || call.name === 'down') {
        walkBlock(call, withContext(ctx, { direction: call.name }), undefined);
        return true;
      }
    }

    if (receiverVariable !== null && ctx.tableVariables.has(receiverVariable)) {
      const table = ctx.tableVariables.get(receiverVariable) ?? null;
      switch (call.name) {
        case 'index':
          operations.push(createIndex(call, ctx, table, positional[0], options, 't.index'));
          return false;
        case 'references':
        case 'belongs_to':
          referenceIndexes(call, ctx, table, positional, options, 't.references');
          return false;
        case 'remove_index':
          operations.push(dropIndex(call, ctx, table, positional[0], options, 't.remove_index'));
          return false;
        case 'unique_constraint':
          operations.push(uniqueConstraint(call, ctx, table, positional[0], options));
          return false;
        case 'foreign_key':
          operations.push(addForeignKey(call, ctx, table, positional[0], options, 't.foreign_key'));
          return false;
        case 'remove':
          operations.push(dropColumns(call, ctx, table, positional.map((c) => literalName(c) ?? '?'), 't.remove'));
          return false;
        case 'remove_references':
        case 'remove_belongs_to':
          operations.push(dropColumns(call, ctx, table, referenceColumns(positional, options), 't.remove_references'));
          return false;
      }
      if (COLUMN_TYPE_METHODS.has(call.name)) {
        columnDefinitionIndexes(call, ctx, table, args);
        return false;
      }
    }
    return false;
  };

  /** Walks a call's block; a table-bound block (`create_table`, `change_table`) binds its parameter. */
  const walkBlock = (call: P.CallNode, ctx: WalkContext, table: string | null | undefined): void => {
    const inner: WalkContext = withContext(ctx, { directInMethod: false });
    for (const arg of call.arguments_?.arguments_ ?? []) walk(arg, inner);
    const block = call.block;
    if (!(block instanceof P.BlockNode)) return;
    if (table !== undefined) {
      const parameterName = firstBlockParameter(block);
      if (parameterName) inner.tableVariables = new Map(ctx.tableVariables).set(parameterName, table);
    }
    walk(block.body, inner);
  };

  const classContext: WalkContext = {
    direction: 'change',
    inTransactionBlock: false,
    safetyAssured: false,
    tableVariables: new Map(),
    reversibleVariables: new Set(),
    directInMethod: false,
  };
  for (const statement of bodyStatements) {
    if (statement instanceof P.CallNode && !statement.receiver) {
      if (statement.name === 'disable_ddl_transaction!') {
        file.ddlTransactionDisabled = true;
        file.runsInTransaction = false;
        continue;
      }
      // activerecord-safer_migrations: class-level, milliseconds, for every direction.
      if (statement.name === 'set_lock_timeout' || statement.name === 'set_statement_timeout') {
        const setting = statement.name === 'set_lock_timeout' ? 'lock_timeout' : 'statement_timeout';
        const value = statement.arguments_?.arguments_[0];
        const milliseconds = value ? durationMilliseconds(value) : null;
        operations.push(setTimeout(range(statement.location), classContext, setting, milliseconds, { wholeMigration: true }));
        continue;
      }
    }
    if (statement instanceof P.DefNode && ['change', 'up', 'down'].includes(statement.name)) {
      const ctx: WalkContext = withContext(classContext, { direction: statement.name as Direction });
      const body = statement.body;
      if (body instanceof P.StatementsNode) {
        for (const methodStatement of body.body) walk(methodStatement, withContext(ctx, { directInMethod: true }));
      } else {
        walk(body, ctx);
      }
    }
  }
  operations.sort((a, b) => a.range.start - b.range.start);
  return file;
}

function findMigrationClass(
  program: P.ProgramNode,
  text: (node: Node) => string,
): { node: P.ClassNode; version: string | null; topLevel: boolean } | null {
  const queue: Array<{ node: Node; topLevel: boolean }> = [{ node: program, topLevel: true }];
  while (queue.length > 0) {
    const { node, topLevel } = queue.shift()!;
    if (node instanceof P.ClassNode && node.superclass) {
      const superclass = node.superclass;
      let versionText: string | null = null;
      let parentText = text(superclass);
      if (superclass instanceof P.CallNode && superclass.name === '[]' && superclass.receiver) {
        parentText = text(superclass.receiver);
        const versionArg = superclass.arguments_?.arguments_[0];
        versionText = versionArg ? text(versionArg) : null;
      }
      if (/Migration$/.test(parentText)) return { node, version: versionText, topLevel };
    }
    if (node instanceof P.ProgramNode || node instanceof P.StatementsNode || node instanceof P.ModuleNode) {
      const childrenTopLevel = topLevel && !(node instanceof P.ModuleNode);
      queue.push(...node.compactChildNodes().map((child) => ({ node: child, topLevel: childrenTopLevel })));
    }
  }
  return null;
}

/** `t` in `do |t|`. */
export function firstBlockParameter(block: P.BlockNode): string | null {
  const params = block.parameters;
  if (params instanceof P.BlockParametersNode && params.parameters) {
    const first = params.parameters.requireds[0];
    if (first instanceof P.RequiredParameterNode) return first.name;
  }
  return null;
}

/** `connection` or `ActiveRecord::Base.connection`: `connection.execute` is `execute`. */
function isConnection(node: Node | null): boolean {
  return node instanceof P.CallNode && node.name === 'connection' && (node.arguments_?.arguments_.length ?? 0) === 0;
}

/** A string literal (interpolated or not), also behind `.squish` / `.strip` (common on heredocs). */
function stringLiteralOf(node: Node | undefined): P.StringNode | P.InterpolatedStringNode | null {
  let current: Node | undefined | null = node;
  while (current instanceof P.CallNode && ['squish', 'strip', 'strip_heredoc', 'chomp', 'freeze'].includes(current.name)) {
    if (current.arguments_) return null;
    current = current.receiver;
  }
  return current instanceof P.StringNode || current instanceof P.InterpolatedStringNode ? current : null;
}

/** The name a symbol or plain string stands for; null for anything computed. */
export function literalName(node: Node | undefined | null): string | null {
  if (node instanceof P.SymbolNode) return node.unescaped.value;
  if (node instanceof P.StringNode) return node.unescaped.value;
  return null;
}

function columnList(node: Node | undefined): string[] {
  if (!node) return [];
  const name = literalName(node);
  if (name !== null) return [name];
  if (node instanceof P.ArrayNode) return node.elements.map((e) => literalName(e) ?? '?');
  return ['?'];
}

function columnsOfValue(value: RubyValue | undefined): string[] {
  if (!value) return [];
  if (value.type === 'symbol' || value.type === 'string') return [value.value];
  if (value.type === 'array') return value.items.map((item) => (item.type === 'symbol' || item.type === 'string' ? item.value : '?'));
  return ['?'];
}

function joinTableName(a: Node | undefined, b: Node | undefined): string | null {
  const first = literalName(a);
  const second = literalName(b);
  if (first === null || second === null) return null;
  return [first, second].sort().join('_');
}

/** The keyword options of a call (`unique: true, where: "..."`): its last argument when it is a hash. */
export function optionsOf(args: Node[], text: (node: Node) => string): Record<string, RubyValue> {
  const last = args[args.length - 1];
  if (last instanceof P.KeywordHashNode || last instanceof P.HashNode) {
    const value = rubyValue(last, text);
    if (value.type === 'hash') return value.entries;
  }
  return {};
}

export function rubyValue(node: Node, text: (node: Node) => string): RubyValue {
  if (node instanceof P.SymbolNode) return { type: 'symbol', value: node.unescaped.value };
  if (node instanceof P.StringNode) return { type: 'string', value: node.unescaped.value };
  if (node instanceof P.IntegerNode) return { type: 'integer', value: Number(node.value) };
  if (node instanceof P.TrueNode) return { type: 'boolean', value: true };
  if (node instanceof P.FalseNode) return { type: 'boolean', value: false };
  if (node instanceof P.NilNode) return { type: 'nil' };
  if (node instanceof P.ArrayNode) return { type: 'array', items: node.elements.map((e) => rubyValue(e, text)) };
  if (node instanceof P.HashNode || node instanceof P.KeywordHashNode) {
    const entries: Record<string, RubyValue> = {};
    for (const element of node.elements) {
      if (!(element instanceof P.AssocNode)) continue;
      const key = literalName(element.key);
      if (key !== null) entries[key] = rubyValue(element.value, text);
    }
    return { type: 'hash', entries };
  }
  return { type: 'unknown', text: text(node) };
}

const DURATION_UNITS_MS: Record<string, number> = {
  millisecond: 1,
  milliseconds: 1,
  second: 1000,
  seconds: 1000,
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

/** `5000` (milliseconds, as activerecord-safer_migrations takes them) or `5.seconds`; null otherwise. */
function durationMilliseconds(node: Node): number | null {
  if (node instanceof P.IntegerNode) return Number(node.value);
  if (node instanceof P.CallNode && node.receiver instanceof P.IntegerNode && !node.arguments_) {
    const unit = DURATION_UNITS_MS[node.name];
    return unit === undefined ? null : Number(node.receiver.value) * unit;
  }
  return null;
}

function stringOption(options: Record<string, RubyValue>, key: string): string | null {
  const value = options[key];
  if (value?.type === 'string' || value?.type === 'symbol') return value.value;
  return null;
}

/** Given and not `false`/`nil` (`polymorphic: { default: "User" }` counts). */
function isEnabled(value: RubyValue | undefined): boolean {
  return value !== undefined && value.type !== 'nil' && !(value.type === 'boolean' && !value.value);
}

function isTrue(value: RubyValue | undefined): boolean {
  return value?.type === 'boolean' && value.value;
}

export function isConcurrentAlgorithm(value: RubyValue | undefined): boolean {
  return (value?.type === 'symbol' || value?.type === 'string') && value.value === 'concurrently';
}
