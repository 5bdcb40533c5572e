// Knex, TypeORM, node-pg-migrate and Sequelize migrations (TypeScript or JavaScript) into the
// neutral model, read with tree-sitter. The `up` / `down` functions are found wherever they are
// defined (exports, a class, an exported object) and the calls inside them read by method name.
import type { Direction, MigrationFile, Operation, OrmCallSyntax, OrmEdit, OrmFramework } from '../../model/migration';
import type { SqlParser } from '../sql/libpg-query';
import { lineOf, sqlOperationsOf, treeSitterFile } from '../tree-sitter/syntax';
import { stringValue, type SyntaxNode, type TreeSitterParse } from '../tree-sitter/tree-sitter';

export interface JsParseOptions {
  sqlParser: SqlParser;
  typescript: boolean;
}

const FUNCTION_TYPES = new Set(['function_declaration', 'function_expression', 'function', 'arrow_function', 'method_definition', 'generator_function_declaration']);

interface Context {
  direction: Direction;
  /** Knex table builders in scope: the callback parameter -> its table, and whether the table is new. */
  builders: Map<string, string | null>;
  inTransactionBlock: boolean;
}

export function parseJsMigration(path: string, source: string, parse: TreeSitterParse, options: JsParseOptions): MigrationFile {
  return parse(options.typescript ? 'typescript' : 'javascript', source, (root) => readMigration(path, source, root, options));
}

function readMigration(path: string, source: string, root: SyntaxNode, options: JsParseOptions): MigrationFile {
  const file = treeSitterFile(path, 'js', source, root);
  const functions = migrationFunctions(root);
  if (functions.length === 0) return file;
  const framework = detectFramework(source, functions);
  if (!framework) return file;
  file.isMigration = true;
  file.framework = framework;
  const reader = new CallReader(source, framework, options.sqlParser);
  for (const { node, direction } of functions) {
    const body = node.childForFieldName('body');
    if (body) reader.visit(body, { direction, builders: new Map(), inTransactionBlock: false });
  }
  file.operations = reader.operations;
  applyTransactionMode(file, root, framework, functions, reader);
  return file;
}

interface MigrationFunction {
  node: SyntaxNode;
  direction: Direction;
}

/** `up` / `down` functions: declarations, methods, object properties, `exports.up = ...`, `const up = ...`. */
function migrationFunctions(root: SyntaxNode): MigrationFunction[] {
  const found: MigrationFunction[] = [];
  const visit = (node: SyntaxNode): void => {
    let name: string | undefined;
    let fn: SyntaxNode | null = null;
    if (node.type === 'function_declaration' || node.type === 'method_definition') {
      name = node.childForFieldName('name')?.text;
      fn = node;
    } else if (node.type === 'pair') {
      name = node.childForFieldName('key')?.text.replace(/['"]/g, '');
      fn = node.childForFieldName('value');
    } else if (node.type === 'variable_declarator') {
      name = node.childForFieldName('name')?.text;
      fn = node.childForFieldName('value');
    } else if (node.type === 'assignment_expression') {
      const left = node.childForFieldName('left');
      name = left?.type === 'member_expression' ? left.childForFieldName('property')?.text : undefined;
      fn = node.childForFieldName('right');
    }
    if ((name === 'up' || name === 'down') && fn && FUNCTION_TYPES.has(fn.type)) {
      found.push({ node: fn, direction: name });
      return;
    }
    for (const child of node.namedChildren) if (child) visit(child);
  };
  visit(root);
  return found;
}

function firstParameter(fn: SyntaxNode): string | null {
  const parameters = fn.childForFieldName('parameters') ?? fn.childForFieldName('parameter');
  if (!parameters) return null;
  if (parameters.type === 'identifier') return parameters.text;
  const first = parameters.namedChildren.find((p) => p?.type !== 'comment');
  const pattern = first?.childForFieldName('pattern') ?? first;
  return pattern?.type === 'identifier' ? pattern.text : null;
}

/** Which ORM the file is written for, from what its up/down functions call on their parameter. */
function detectFramework(source: string, functions: MigrationFunction[]): OrmFramework | null {
  if (/\bMigrationInterface\b|\bQueryRunner\b/.test(source)) return 'typeorm';
  const parameters = new Set(functions.map((f) => firstParameter(f.node)).filter((p): p is string => p !== null));
  // The names each framework's docs and generators give the parameter.
  const named: Record<string, OrmFramework> = { knex: 'knex', pgm: 'node-pg-migrate', queryInterface: 'sequelize', queryRunner: 'typeorm' };
  for (const parameter of parameters) if (named[parameter]) return named[parameter]!;
  for (const parameter of parameters) {
    const uses = (method: string) => new RegExp(`\\b${parameter}\\s*\\.\\s*${method}\\b`).test(source);
    if (uses('schema') || uses('raw')) return 'knex';
    if (uses('addIndex') || uses('removeIndex') || uses('sequelize') || uses('addColumn') || uses('addConstraint')) return 'sequelize';
    if (uses('sql') || uses('noTransaction') || uses('createIndex') || uses('dropIndex') || uses('addColumns') || uses('createTable')) return 'node-pg-migrate';
    if (uses('query')) return 'typeorm';
  }
  return null;
}

/** The member chain of a callee: `knex.schema.alterTable` -> ['knex', 'schema', 'alterTable']; a call inside ends it. */
function chainOf(node: SyntaxNode | null): string[] {
  const chain: string[] = [];
  let current = node;
  while (current?.type === 'member_expression') {
    chain.unshift(current.childForFieldName('property')?.text ?? '');
    current = current.childForFieldName('object');
  }
  if (current?.type === 'identifier' || current?.type === 'this') chain.unshift(current.text);
  else if (current) chain.unshift('()');
  return chain;
}

function argumentsOf(call: SyntaxNode): SyntaxNode[] {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is SyntaxNode => a !== null && a.type !== 'comment');
}

/** An object literal's properties: key -> value node. */
function propertiesOf(node: SyntaxNode | undefined): Map<string, SyntaxNode> | null {
  if (node?.type !== 'object') return null;
  const properties = new Map<string, SyntaxNode>();
  for (const pair of node.namedChildren) {
    if (pair?.type === 'pair') {
      const key = pair.childForFieldName('key');
      const value = pair.childForFieldName('value');
      const name = key?.type === 'string' ? stringValue(key) : key?.text;
      if (name && value) properties.set(name, value);
    } else if (pair?.type === 'shorthand_property_identifier') properties.set(pair.text, pair);
  }
  return properties;
}

function isTrue(node: SyntaxNode | undefined): boolean {
  return node?.type === 'true';
}

function columnsOf(node: SyntaxNode | undefined): string[] {
  if (!node) return [];
  const single = stringValue(node);
  if (single !== null) return [single];
  if (node.type !== 'array') return [];
  const columns: string[] = [];
  for (const item of node.namedChildren) {
    const value = stringValue(item) ?? stringValue(propertiesOf(item ?? undefined)?.get('name')) ?? stringValue(propertiesOf(item ?? undefined)?.get('attribute'));
    if (value !== null) columns.push(value);
  }
  return columns;
}

/** A table argument: `'t'`, `{ schema, name }` (node-pg-migrate), `new Table({ name })` (TypeORM). */
function tableOf(node: SyntaxNode | undefined): string | null {
  if (!node) return null;
  const name = stringValue(node);
  if (name !== null) return name;
  const object = node.type === 'new_expression' ? argumentsOf(node)[0] : node;
  const properties = propertiesOf(object);
  const table = stringValue(properties?.get('name') ?? properties?.get('tableName'));
  const schema = stringValue(properties?.get('schema'));
  return table === null ? null : schema ? `${schema}.${table}` : table;
}

/**
 * The edit that sets `key: true` in the options object at `index` of the call's arguments
 * (adding the object when there is none); null when the options are not an object literal.
 */
function setOption(call: SyntaxNode, index: number, key: string): OrmEdit | null {
  const args = argumentsOf(call);
  const options = args[index];
  if (!options) {
    const previous = args[index - 1];
    if (!previous || args.length !== index) return null;
    return { start: previous.endIndex, end: previous.endIndex, text: `, { ${key}: true }` };
  }
  return setProperty(options, key);
}

/** `key: true` in an object literal: the value of the key when it has one (`key: false`), else a new last property. */
function setProperty(object: SyntaxNode, key: string): OrmEdit | null {
  if (object.type !== 'object') return null;
  const value = propertiesOf(object)?.get(key);
  if (value) return value.type === 'shorthand_property_identifier' ? null : { start: value.startIndex, end: value.endIndex, text: 'true' };
  const pairs = object.namedChildren.filter((p) => p !== null && p.type !== 'comment');
  const last = pairs.at(-1);
  if (!last) return { start: object.startIndex, end: object.endIndex, text: `{ ${key}: true }` };
  return { start: last.endIndex, end: last.endIndex, text: `, ${key}: true` };
}

class CallReader {
  readonly operations: Operation[] = [];
  /** node-pg-migrate: the functions that call `pgm.noTransaction()`. */
  noTransaction = false;

  constructor(
    private readonly source: string,
    private readonly framework: OrmFramework,
    private readonly sqlParser: SqlParser,
  ) {}

  visit(node: SyntaxNode, context: Context): void {
    if (node.type === 'call_expression') {
      const before = this.operations.length;
      const handled = this.read(node, context);
      const method = chainOf(node.childForFieldName('function')).filter((part) => part !== '()').join('.');
      for (const operation of this.operations.slice(before)) if (operation.syntax?.kind === 'ormCall') operation.syntax.method ??= method;
      if (handled) return;
    }
    for (const child of node.namedChildren) if (child) this.visit(child, context);
  }

  private base(call: SyntaxNode, table: string | null, context: Context) {
    return { range: { start: call.startIndex, end: call.endIndex }, direction: context.direction, table, inTransactionBlock: context.inTransactionBlock, safetyAssured: false };
  }

  /** Reads one call; true when its arguments were visited here (callbacks with their own context). */
  private read(call: SyntaxNode, context: Context): boolean {
    const callee = call.childForFieldName('function');
    const chain = chainOf(callee);
    const method = chain.at(-1) ?? '';
    const args = argumentsOf(call);
    const callback = args.find((a) => FUNCTION_TYPES.has(a.type));

    // Knex column builders: table.string('email').unique() / .index()
    if ((method === 'unique' || method === 'index') && chain[0] === '()' && callee?.type === 'member_expression') {
      const inner = innerBuilderCall(callee.childForFieldName('object'), context);
      if (inner) {
        const column = stringValue(argumentsOf(inner.call)[0]);
        this.pushBuilderIndex(call, inner.table, column === null ? [] : [column], method === 'unique', context);
        this.visit(callee, context);
        return true;
      }
    }

    // Knex table builder methods.
    if (chain.length === 2 && context.builders.has(chain[0]!)) {
      const table = context.builders.get(chain[0]!)!;
      if (method === 'index' || method === 'unique') {
        this.pushBuilderIndex(call, table, columnsOf(args[0]), method === 'unique', context, stringValue(args[1]));
        if (method === 'index') {
          const index = this.operations.at(-1)!;
          const concurrently = knexConcurrentIndexEdits(this.source, call, args, table, 'create');
          if (concurrently && index.syntax?.kind === 'ormCall') index.syntax.concurrent = concurrently;
        }
        return false;
      }
      if (method === 'dropIndex' || method === 'dropUnique') {
        const syntax: OrmCallSyntax = { kind: 'ormCall' };
        const concurrently = method === 'dropIndex' ? knexConcurrentIndexEdits(this.source, call, args, table, 'drop') : null;
        if (concurrently) syntax.concurrent = concurrently;
        this.operations.push({ ...this.base(call, table, context), kind: 'dropIndex', via: 'orm', name: stringValue(args[1]), columns: columnsOf(args[0]), concurrent: false, ifExists: false, syntax });
        return false;
      }
    }

    switch (method) {
      case 'createTable':
      case 'createTableIfNotExists': {
        const table = tableOf(args[0]);
        this.operations.push({ ...this.base(call, table, context), kind: 'createTable', via: 'create_table' });
        if (callback) this.visitBuilder(callback, table, context);
        return Boolean(callback);
      }
      case 'alterTable':
      case 'table':
        if (this.framework === 'knex' && callback) {
          this.visitBuilder(callback, stringValue(args[0]), context);
          return true;
        }
        return false;
      case 'raw':
      case 'query':
      case 'sql':
        for (const operation of sqlOperationsOf(args[0], { sqlParser: this.sqlParser, source: this.source, direction: context.direction })) {
          operation.inTransactionBlock ||= context.inTransactionBlock;
          this.operations.push(operation);
        }
        return false;
      case 'transaction':
        if (callback) {
          this.visit(callback, { ...context, inTransactionBlock: true });
          return true;
        }
        return false;
      case 'noTransaction':
        if (this.framework === 'node-pg-migrate') this.noTransaction = true;
        return false;
      case 'createIndex':
        if (this.framework === 'typeorm') this.readTypeormIndex(call, args, context, true);
        else if (this.framework === 'node-pg-migrate') this.readPgmIndex(call, args, context, true);
        return false;
      case 'dropIndex':
        if (this.framework === 'typeorm') this.readTypeormIndex(call, args, context, false);
        else if (this.framework === 'node-pg-migrate') this.readPgmIndex(call, args, context, false);
        return false;
      case 'addIndex':
        if (this.framework === 'sequelize') this.readSequelizeIndex(call, args, context, true);
        return false;
      case 'removeIndex':
        if (this.framework === 'sequelize') this.readSequelizeIndex(call, args, context, false);
        return false;
      case 'addColumn':
      case 'changeColumn': {
        // Sequelize: a column declared `unique: true` gets a UNIQUE constraint (its index built under lock).
        const attributes = propertiesOf(args[2]);
        const column = stringValue(args[1]);
        if (this.framework === 'sequelize' && attributes && isTrue(attributes.get('unique'))) {
          this.operations.push({ ...this.base(call, tableOf(args[0]), context), kind: 'addUniqueConstraint', via: 'add_unique_constraint', primaryKey: false, usingIndex: null, columns: column === null ? [] : [column], name: null, syntax: { kind: 'ormCall' } });
        }
        return false;
      }
            case 'addConstraint': {
        const options = propertiesOf(args[1]);
        const type = stringValue(options?.get('type'))?.toLowerCase();
        if (this.framework === 'sequelize' && (type === 'unique' || type === 'primary key')) {
          this.operations.push({ ...this.base(call, tableOf(args[0]), context), kind: 'addUniqueConstraint', via: 'add_unique_constraint', primaryKey: type === 'primary key', usingIndex: null, columns: columnsOf(options?.get('fields')), name: stringValue(options?.get('name')), syntax: { kind: 'ormCall' } });
        }
        return false;
      }
    }
    return false;
  }

  private visitBuilder(callback: SyntaxNode, table: string | null, context: Context): void {
    const parameter = firstParameter(callback);
    const body = callback.childForFieldName('body');
    if (!body) return;
    const builders = new Map(context.builders);
    if (parameter) builders.set(parameter, table);
    this.visit(body, { ...context, builders });
  }

  private pushBuilderIndex(call: SyntaxNode, table: string | null, columns: string[], unique: boolean, context: Context, name: string | null = null): void {
    if (unique) {
      this.operations.push({ ...this.base(call, table, context), kind: 'addUniqueConstraint', via: 'add_unique_constraint', primaryKey: false, usingIndex: null, columns, name, syntax: { kind: 'ormCall' } });
      return;
    }
    this.operations.push({ ...this.base(call, table, context), kind: 'createIndex', via: 'orm', columns, name, unique: false, concurrent: false, ifNotExists: false, where: null, using: null, syntax: { kind: 'ormCall' } });
  }

  /**
   * queryRunner.createIndex('t', new TableIndex({ name, columnNames, isUnique, isConcurrent, where })),
   * and dropIndex('t', 'name' | new TableIndex({ ... })). TypeORM (0.3.18 and later) builds and
   * drops an index CONCURRENTLY when its TableIndex says `isConcurrent: true`: the fix sets it.
   * A drop by name alone cannot say it (no fix).
   */
  private readTypeormIndex(call: SyntaxNode, args: SyntaxNode[], context: Context, creates: boolean): void {
    const index = args[1];
    const options = index?.type === 'new_expression' ? argumentsOf(index)[0] : index;
    const properties = propertiesOf(options) ?? new Map<string, SyntaxNode>();
    const concurrent = isTrue(properties.get('isConcurrent'));
    const syntax: OrmCallSyntax = { kind: 'ormCall' };
    const concurrently = concurrent || !options ? null : setProperty(options, 'isConcurrent');
    if (concurrently) syntax.concurrent = [concurrently];
    const base = this.base(call, tableOf(args[0]), context);
    const name = stringValue(properties.get('name'));
    if (!creates) {
      this.operations.push({ ...base, kind: 'dropIndex', via: 'orm', name: stringValue(index) ?? name, columns: [], concurrent, ifExists: false, syntax });
      return;
    }
    this.operations.push({
      ...base,
      kind: 'createIndex',
      via: 'orm',
      columns: columnsOf(properties.get('columnNames')),
      name,
      unique: isTrue(properties.get('isUnique')),
      concurrent,
      ifNotExists: false,
      where: stringValue(properties.get('where')),
      using: null,
      syntax,
    });
  }

  /** pgm.createIndex(table, columns, { concurrently, ifNotExists, unique, name, where }) and pgm.dropIndex(...). */
  private readPgmIndex(call: SyntaxNode, args: SyntaxNode[], context: Context, creates: boolean): void {
    const options = propertiesOf(args[2]) ?? new Map<string, SyntaxNode>();
    const concurrent = isTrue(options.get('concurrently'));
    const guarded = isTrue(options.get(creates ? 'ifNotExists' : 'ifExists'));
    const syntax: OrmCallSyntax = { kind: 'ormCall' };
    const concurrently = concurrent ? null : setOption(call, 2, 'concurrently');
    if (concurrently) syntax.concurrent = [concurrently];
    const guard = guarded ? null : setOption(call, 2, creates ? 'ifNotExists' : 'ifExists');
    if (guard) syntax.ifExists = [guard];
    const base = this.base(call, tableOf(args[0]), context);
    const name = stringValue(options.get('name'));
    const columns = columnsOf(args[1]);
    if (creates) {
      this.operations.push({ ...base, kind: 'createIndex', via: 'orm', columns, name, unique: isTrue(options.get('unique')), concurrent, ifNotExists: guarded, where: stringValue(options.get('where')), using: stringValue(options.get('method')), syntax });
    } else {
      this.operations.push({ ...base, kind: 'dropIndex', via: 'orm', name, columns, concurrent, ifExists: guarded, syntax });
    }
  }

  /** queryInterface.addIndex(table, fields, { concurrently, unique, name, where }) / (table, { fields, ... }); removeIndex(table, nameOrFields, options). */
  private readSequelizeIndex(call: SyntaxNode, args: SyntaxNode[], context: Context, creates: boolean): void {
    const optionsInSecond = args[1]?.type === 'object';
    const optionsIndex = optionsInSecond ? 1 : 2;
    const options = propertiesOf(args[optionsIndex]) ?? new Map<string, SyntaxNode>();
    const concurrent = isTrue(options.get('concurrently'));
    const syntax: OrmCallSyntax = { kind: 'ormCall' };
    const concurrently = concurrent ? null : setOption(call, optionsIndex, 'concurrently');
    if (concurrently) syntax.concurrent = [concurrently];
    const base = this.base(call, tableOf(args[0]), context);
    if (creates) {
      const columns = columnsOf(optionsInSecond ? options.get('fields') : args[1]);
      // Sequelize has no IF NOT EXISTS for indexes: nothing a fix could add.
      this.operations.push({ ...base, kind: 'createIndex', via: 'orm', columns, name: stringValue(options.get('name')), unique: isTrue(options.get('unique')), concurrent, ifNotExists: true, where: null, using: stringValue(options.get('using')), syntax });
    } else {
      const name = stringValue(args[1]);
      this.operations.push({ ...base, kind: 'dropIndex', via: 'orm', name, columns: name === null ? columnsOf(args[1]) : [], concurrent, ifExists: true, syntax });
    }
  }
}

/**
 * Knex builds and drops no index CONCURRENTLY: `table.index(columns[, name])` (`table.dropIndex`)
 * in `await knex.schema.alterTable('table', (table) => { ... })` becomes `await knex.raw('CREATE
 * INDEX CONCURRENTLY IF NOT EXISTS ...')` (`DROP INDEX CONCURRENTLY IF EXISTS ...`) after that
 * statement (instead of it, when the index was all the callback did), with the name Knex gives
 * the index when it has none (`<table>_<columns>_index`, as Knex's table compiler does, so the
 * down migration's `table.dropIndex(columns)` still finds it). Null when the call is not of that
 * plain form (options, a column that is not a string, `withSchema`, a chain returned, not awaited).
 */
function knexConcurrentIndexEdits(source: string, call: SyntaxNode, args: SyntaxNode[], table: string | null, kind: 'create' | 'drop'): OrmEdit[] | null {
  if (table === null || args.length === 0 || args.length > 2 || (args[1] && stringValue(args[1]) === null)) return null;
  const columnNodes = args[0]!.type === 'array' ? args[0]!.namedChildren.filter((c): c is SyntaxNode => c !== null && c.type !== 'comment') : [args[0]!];
  const columns = columnNodes.map((c) => stringValue(c));
  if (columns.length === 0 || columns.some((c) => c === null)) return null;
  // table.index(...); -> the builder's body -> the callback -> its arguments -> alterTable(...) -> await -> the statement.
  const statement = call.parent;
  const body = statement?.parent;
  const callback = body?.parent;
  const outerCall = callback?.parent?.parent;
  const awaited = outerCall?.parent;
  const outer = awaited?.parent;
  if (statement?.type !== 'expression_statement' || body?.type !== 'statement_block' || !callback || !FUNCTION_TYPES.has(callback.type)) return null;
  if (outerCall?.type !== 'call_expression' || awaited?.type !== 'await_expression' || outer?.type !== 'expression_statement') return null;
  const chain = chainOf(outerCall.childForFieldName('function'));
  if (chain.length !== 3 || chain[1] !== 'schema' || !['alterTable', 'table'].includes(chain[2]!)) return null;
  const name = stringValue(args[1]) ?? `${table.replace(/\.|-/g, '_')}_${columns.join('_')}_index`.toLowerCase();
  const quoted = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
  const tableParts = table.split('.');
  // An index is in its table's schema.
  const indexName = [...tableParts.slice(0, -1), name].map(quoted).join('.');
  const sql =
    kind === 'create'
      ? `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${quoted(name)} ON ${tableParts.map(quoted).join('.')} (${columns.map((c) => quoted(c!)).join(', ')})`
      : `DROP INDEX CONCURRENTLY IF EXISTS ${indexName}`;
  const raw = `await ${chain[0]}.raw('${sql.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}');`;
  const statements = body.namedChildren.filter((n) => n !== null && n.type !== 'comment');
  if (statements.length === 1) return [{ start: outer.startIndex, end: outer.endIndex, text: raw }];
  // The index's own lines go. The raw statement, at the alterTable one's indentation, follows it
  // for a build (the callback may add the column) and comes before it for a drop (the callback
  // may drop the column, and the index with it, under the table's lock).
  const { lineStart } = lineOf(source, statement.startIndex);
  if (source.slice(lineStart, statement.startIndex).trim() !== '') return null;
  const lineEnd = source.indexOf('\n', statement.endIndex);
  if (lineEnd === -1 || source.slice(statement.endIndex, lineEnd).trim() !== '') return null;
  const { indent } = lineOf(source, outer.startIndex);
  const removed = { start: lineStart, end: lineEnd + 1, text: '' };
  if (kind === 'drop') return [{ start: outer.startIndex, end: outer.startIndex, text: `${raw}\n${indent}` }, removed];
  return [removed, { start: outer.endIndex, end: outer.endIndex, text: `\n${indent}${raw}` }];
}

/** `table.string('email')` inside a builder callback: the call and its table. */
function innerBuilderCall(node: SyntaxNode | null, context: Context): { call: SyntaxNode; table: string | null } | null {
  let current = node;
  while (current?.type === 'call_expression') {
    const callee = current.childForFieldName('function');
    if (callee?.type !== 'member_expression') return null;
    const object = callee.childForFieldName('object');
    if (object?.type === 'identifier' && context.builders.has(object.text)) return { call: current, table: context.builders.get(object.text)! };
    current = object;
  }
  return null;
}

/** Whether the migration runs in a transaction, and the edit that takes it out, in each framework's idiom. */
function applyTransactionMode(file: MigrationFile, root: SyntaxNode, framework: OrmFramework, functions: MigrationFunction[], reader: CallReader): void {
  const source = file.source;
  if (framework === 'sequelize') {
    // Sequelize runs a migration without a transaction unless the migration opens one.
    file.runsInTransaction = false;
    file.ddlTransactionDisabled = true;
    return;
  }
  if (framework === 'knex') {
    if (/\bconfig\s*=\s*\{[^}]*\btransaction\s*:\s*false/.test(source)) {
      file.runsInTransaction = false;
      file.ddlTransactionDisabled = true;
      return;
    }
    const commonJs = /\b(?:module\.)?exports\b/.test(source);
    const text = commonJs ? 'exports.config = { transaction: false };\n' : 'export const config = { transaction: false };\n';
    const end = source.length;
    file.leaveTransactionEdits = [{ start: end, end, text: source.endsWith('\n') ? `\n${text}` : `\n\n${text}` }];
    return;
  }
  if (framework === 'node-pg-migrate') {
    if (reader.noTransaction) {
      file.runsInTransaction = false;
      file.ddlTransactionDisabled = true;
      return;
    }
    const up = functions.find((f) => f.direction === 'up');
    const body = up?.node.childForFieldName('body');
    const parameter = up ? firstParameter(up.node) : null;
    const first = body?.type === 'statement_block' ? body.namedChildren.find((n) => n?.type !== 'comment') : null;
    if (first && parameter) {
      const { lineStart, indent } = lineOf(source, first.startIndex);
      if (source.slice(lineStart, first.startIndex).trim() === '') file.leaveTransactionEdits = [{ start: lineStart, end: lineStart, text: `${indent}${parameter}.noTransaction();\n` }];
    }
    return;
  }
  // TypeORM: `transaction = false` on the class (the data source's migrationsTransactionMode aside).
  const migrationClass = root.descendantsOfType(['class_declaration', 'class']).find((c) => c && functions.some((f) => f.node.startIndex > c.startIndex && f.node.endIndex <= c.endIndex));
  const body = migrationClass?.childForFieldName('body');
  if (!body) return;
  for (const member of body.namedChildren) {
    if (member?.type === 'public_field_definition' || member?.type === 'field_definition') {
      const name = member.childForFieldName('name') ?? member.childForFieldName('property');
      if (name?.text === 'transaction' && member.childForFieldName('value')?.type === 'false') {
        file.runsInTransaction = false;
        file.ddlTransactionDisabled = true;
        return;
      }
    }
  }
  const first = body.namedChildren.find((n) => n?.type !== 'comment');
  if (first) {
    const { lineStart, indent } = lineOf(source, first.startIndex);
    if (source.slice(lineStart, first.startIndex).trim() === '') file.leaveTransactionEdits = [{ start: lineStart, end: lineStart, text: `${indent}transaction = false;\n\n` }];
  }
}
