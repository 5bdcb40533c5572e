// Django migrations (Python) into the neutral model, read with tree-sitter's Python grammar.
// The operations that build or drop indexes become createIndex / dropIndex / addUniqueConstraint;
// CreateModel becomes createTable, so indexes of a model created in the same migration are exempt
// like Rails' create_table; RunSQL's SQL goes through the SQL adapter.
import type { CreateIndexOperation, MigrationFile, Operation, OrmCallSyntax, OrmEdit } from '../../model/migration';
import type { SqlParser } from '../sql/libpg-query';
import { lineOf, sqlOperationsOf, treeSitterFile } from '../tree-sitter/syntax';
import { stringValue, type SyntaxNode, type TreeSitterParse } from '../tree-sitter/tree-sitter';

const POSTGRES_OPERATIONS = 'django.contrib.postgres.operations';

/** Positional parameters of the operations read (Django's signatures). */
const POSITIONAL: Record<string, string[]> = {
  AddIndex: ['model_name', 'index'],
  AddIndexConcurrently: ['model_name', 'index'],
  RemoveIndex: ['model_name', 'name'],
  RemoveIndexConcurrently: ['model_name', 'name'],
  AddField: ['model_name', 'name', 'field'],
  AlterField: ['model_name', 'name', 'field'],
  AddConstraint: ['model_name', 'constraint'],
  RunSQL: ['sql', 'reverse_sql'],
  CreateModel: ['name', 'fields', 'options'],
  SeparateDatabaseAndState: ['database_operations', 'state_operations'],
  AlterIndexTogether: ['name', 'index_together'],
  AlterUniqueTogether: ['name', 'unique_together'],
};

/** Field classes that Django indexes without being asked (db_index defaults to True). */
const INDEXED_BY_DEFAULT = new Set(['ForeignKey', 'SlugField']);
/** Field classes unique by default. */
const UNIQUE_BY_DEFAULT = new Set(['OneToOneField']);

export interface DjangoParseOptions {
  sqlParser: SqlParser;
}

interface Call {
  node: SyntaxNode;
  /** The operation's class name: `AddIndex` of `migrations.AddIndex(...)`. */
  name: string;
  /** The callee as written (`migrations.AddIndex`), which a fix renames. */
  callee: SyntaxNode;
  args: Map<string, SyntaxNode>;
}

export function parseDjangoMigration(path: string, source: string, parse: TreeSitterParse, options: DjangoParseOptions): MigrationFile {
  return parse('python', source, (root) => readMigration(path, source, root, options));
}

function readMigration(path: string, source: string, root: SyntaxNode, options: DjangoParseOptions): MigrationFile {
  const file = treeSitterFile(path, 'django', source, root);
  const migrationClass = root.namedChildren.find((node) => node?.type === 'class_definition' && isMigrationClass(node));
  if (!migrationClass) return file;
  file.isMigration = true;
  const body = migrationClass.childForFieldName('body');
  if (!body) return file;

  const app = appLabelOf(path);
  const reader = new OperationReader(source, app, options.sqlParser, postgresImports(root));
  let operationsList: SyntaxNode | null = null;
  for (const statement of body.namedChildren) {
    const assignment = statement?.type === 'expression_statement' ? statement.firstNamedChild : null;
    if (assignment?.type !== 'assignment') continue;
    const name = assignment.childForFieldName('left')?.text;
    const value = assignment.childForFieldName('right');
    if (name === 'atomic' && value?.type === 'false') {
      file.runsInTransaction = false;
      file.ddlTransactionDisabled = true;
    }
    if (name === 'operations' && value) operationsList = value;
  }
  if (operationsList) reader.readList(operationsList, false, true);
  const fileName = /(\d{4,}_\w+)\.py$/.exec(path)?.[1];
  const firstStatement = body.namedChildren.find((n) => n !== null);
  if (app && fileName && firstStatement) {
    const header = source.slice(migrationClass.startIndex, body.startIndex);
    file.djangoMigration = {
      app,
      name: fileName,
      preamble: source.slice(0, migrationClass.startIndex),
      classLine: header.trimEnd(),
      bodyIndent: lineOf(source, firstStatement.startIndex).indent || '    ',
      atomic: file.runsInTransaction,
    };
  }
  file.operations = reader.operations;

  // `atomic = False` goes first in the class body, indented as its first statement.
  const first = body.namedChildren.find((n) => n?.type !== 'comment') ?? body.firstNamedChild;
  if (first && file.runsInTransaction) {
    const { lineStart, indent } = lineOf(source, first.startIndex);
    const docstring = first.type === 'expression_statement' && first.firstNamedChild?.type === 'string';
    const at = docstring ? lineAfter(source, first.endIndex) : lineStart;
    file.leaveTransactionEdits = [{ start: at, end: at, text: `${indent}atomic = False\n\n` }];
  }
  return file;
}

/**
 * A name for models.Index, which takes at most 30 characters: `<table>_<column>_idx`, or its
 * first 23 characters and a hash of the whole (FNV-1a, 6 hex digits) when longer.
 */
function djangoIndexName(table: string, column: string): string {
  const name = `${table}_${column}_idx`;
  if (name.length <= 30) return name;
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return `${name.slice(0, 23).replace(/_+$/, '')}_${hash.toString(16).padStart(8, '0').slice(0, 6)}`;
}

/** The whole lines of a list item when nothing else shares them (a comma and a comment may follow it). */
function itemLines(source: string, item: SyntaxNode): { start: number; end: number } | null {
  const { lineStart } = lineOf(source, item.startIndex);
  if (source.slice(lineStart, item.startIndex).trim() !== '') return null;
  const end = lineAfter(source, item.endIndex);
  const rest = source.slice(item.endIndex, end).trim();
  if (rest !== '' && rest !== ',' && !/^,?\s*#/.test(rest)) return null;
  // Comment lines right above the item go with it.
  let start = lineStart;
  while (start > 0) {
    const above = source.lastIndexOf('\n', start - 2) + 1;
    if (!source.slice(above, start).trim().startsWith('#')) break;
    start = above;
  }
  return { start, end };
}

function lineAfter(source: string, offset: number): number {
  const newline = source.indexOf('\n', offset);
  return newline === -1 ? source.length : newline + 1;
}

function isMigrationClass(node: SyntaxNode): boolean {
  const superclasses = node.childForFieldName('superclasses');
  return superclasses?.namedChildren.some((s) => s?.text === 'migrations.Migration' || s?.text === 'Migration') ?? false;
}

/** `<app>/migrations/0001_x.py` -> `app`: Django names tables `<app label>_<model>` by default. */
function appLabelOf(path: string): string | null {
  const parts = path.split(/[\\/]/);
  const folder = parts.lastIndexOf('migrations');
  return folder > 0 ? parts[folder - 1]!.toLowerCase() : null;
}

/** Names imported from django.contrib.postgres.operations, and where a new import goes. */
function postgresImports(root: SyntaxNode): { names: Set<string>; insertAt: number; from: SyntaxNode | null } {
  const names = new Set<string>();
  let insertAt = 0;
  let from: SyntaxNode | null = null;
  for (const node of root.namedChildren) {
    if (!node) continue;
    if (node.type === 'import_from_statement' || node.type === 'import_statement' || node.type === 'future_import_statement') {
      insertAt = node.endIndex;
      if (node.type === 'import_from_statement' && node.childForFieldName('module_name')?.text === POSTGRES_OPERATIONS) {
        from = node;
        for (const name of node.childrenForFieldName('name')) if (name) names.add(name.text);
      }
    }
  }
  return { names, insertAt, from };
}

class OperationReader {
  readonly operations: Operation[] = [];
  private readonly imported: Set<string>;
  private readonly importEdit: (name: string) => OrmEdit;
  /** Models created in this migration and their table (`db_table` or the default name). */
  private readonly tables = new Map<string, string>();

  constructor(
    private readonly source: string,
    private readonly app: string | null,
    private readonly sqlParser: SqlParser,
    imports: { names: Set<string>; insertAt: number; from: SyntaxNode | null },
  ) {
    this.imported = imports.names;
    const from = imports.from;
    this.importEdit = from
      ? (name) => ({ start: from.endIndex, end: from.endIndex, text: `, ${name}` })
      : (name) => ({ start: imports.insertAt, end: imports.insertAt, text: `${imports.insertAt === 0 ? '' : '\n'}from ${POSTGRES_OPERATIONS} import ${name}${imports.insertAt === 0 ? '\n' : ''}` });
  }

  /** `topLevel`: the Migration's own `operations` list, whose items a split can move. */
  readList(list: SyntaxNode, stateOnly: boolean, topLevel = false): void {
    if (list.type !== 'list' && list.type !== 'tuple') return;
    for (const item of list.namedChildren) {
      if (item?.type !== 'call') continue;
      const call = this.callOf(item);
      if (!call) continue;
      const before = this.operations.length;
      this.read(call, stateOnly);
      const lines = topLevel ? itemLines(this.source, item) : null;
      for (const operation of this.operations.slice(before)) {
        if (operation.syntax?.kind !== 'ormCall') continue;
        operation.syntax.method ??= call.name;
        if (lines) operation.syntax.item = lines;
      }
    }
  }

  private callOf(node: SyntaxNode): Call | null {
    const callee = node.childForFieldName('function');
    if (!callee) return null;
    const name = callee.type === 'attribute' ? callee.childForFieldName('attribute')?.text : callee.type === 'identifier' ? callee.text : undefined;
    if (!name) return null;
    return { node, name, callee, args: argumentsOf(node, POSITIONAL[name] ?? []) };
  }

  private tableOf(model: SyntaxNode | undefined): string | null {
    const name = stringValue(model);
    if (name === null) return null;
    const key = name.toLowerCase();
    return this.tables.get(key) ?? (this.app ? `${this.app}_${key}` : key);
  }

  private base(call: Call, table: string | null) {
    return { range: { start: call.node.startIndex, end: call.node.endIndex }, direction: 'change' as const, table, inTransactionBlock: false, safetyAssured: false };
  }

  private read(call: Call, stateOnly: boolean): void {
    const { name, args } = call;
    if (name === 'SeparateDatabaseAndState') {
      const database = args.get('database_operations');
      if (database) this.readList(database, false);
      return;
    }
    // State-only operations change Django's picture of the models, not the database.
    if (stateOnly) return;
    switch (name) {
      case 'CreateModel':
        return this.readCreateModel(call);
      case 'AddIndex':
      case 'AddIndexConcurrently':
        return this.readAddIndex(call, name === 'AddIndexConcurrently');
      case 'RemoveIndex':
      case 'RemoveIndexConcurrently': {
        const concurrent = name === 'RemoveIndexConcurrently';
        this.operations.push({
          ...this.base(call, this.tableOf(args.get('model_name'))),
          kind: 'dropIndex',
          via: 'orm',
          name: stringValue(args.get('name')),
          columns: [],
          concurrent,
          ifExists: false,
          syntax: concurrent ? { kind: 'ormCall' } : { kind: 'ormCall', concurrent: this.rename(call, 'RemoveIndexConcurrently') },
        });
        return;
      }
      case 'AddField':
      case 'AlterField':
        return this.readField(call, this.tableOf(args.get('model_name')), stringValue(args.get('name')), args.get('field'), name === 'AlterField');
      case 'AddConstraint':
        return this.readConstraint(call, this.tableOf(args.get('model_name')), args.get('constraint'));
      case 'AlterIndexTogether':
      case 'AlterUniqueTogether':
        return this.readTogether(call, name === 'AlterUniqueTogether');
      case 'RunSQL': {
        const place = { sqlParser: this.sqlParser, source: this.source };
        for (const [key, direction] of [['sql', 'up'], ['reverse_sql', 'down']] as const) {
          for (const literal of sqlLiterals(args.get(key))) this.operations.push(...sqlOperationsOf(literal, { ...place, direction }));
        }
        return;
      }
    }
  }

  /** The edit that renames the callee (`migrations.AddIndex` -> `AddIndexConcurrently`). */
  /** The call renamed to the concurrent operation `to`, with the import of `to` when the file has none. */
  private rename(call: Call, to: string): OrmEdit[] {
    return this.withImport(to, { start: call.callee.startIndex, end: call.callee.endIndex, text: to });
  }

  /** `edit`, after the import of `name` from django.contrib.postgres.operations when the file does not import it yet. */
  private withImport(name: string, edit: OrmEdit): OrmEdit[] {
    return this.imported.has(name) ? [edit] : [this.importEdit(name), edit];
  }

  private readCreateModel(call: Call): void {
    const model = stringValue(call.args.get('name'));
    if (model === null) return;
    const options = call.args.get('options');
    const dbTable = options?.type === 'dictionary' ? stringValue(dictionaryEntries(options).get('db_table')) : null;
    const table = dbTable ?? (this.app ? `${this.app}_${model.toLowerCase()}` : model.toLowerCase());
    this.tables.set(model.toLowerCase(), table);
    this.operations.push({ ...this.base(call, table), kind: 'createTable', via: 'create_table' });
    // Fields' and Meta's indexes: on the new table, so exempt, but modelled like Rails' t.index.
    const fields = call.args.get('fields');
    for (const tuple of fields?.namedChildren ?? []) {
      if (tuple?.type !== 'tuple') continue;
      const [fieldName, field] = tuple.namedChildren;
      this.readField({ ...call, node: tuple }, table, stringValue(fieldName), field ?? undefined);
    }
    if (options?.type === 'dictionary') {
      const indexes = dictionaryEntries(options).get('indexes');
      for (const index of indexes?.namedChildren ?? []) if (index?.type === 'call') this.pushIndex({ ...call, node: index }, table, index, false, false);
    }
  }

  private readAddIndex(call: Call, concurrent: boolean): void {
    const index = call.args.get('index');
    if (index?.type !== 'call') return;
    const syntax: OrmCallSyntax = concurrent ? { kind: 'ormCall' } : { kind: 'ormCall', concurrent: this.rename(call, 'AddIndexConcurrently') };
    this.pushIndex(call, this.tableOf(call.args.get('model_name')), index, concurrent, true, syntax);
  }

  /** `models.Index(fields=[...], name=..., condition=Q(...))` or a UniqueConstraint given to AddIndex's sibling. */
  private pushIndex(call: Call, table: string | null, index: SyntaxNode, concurrent: boolean, _existing: boolean, syntax?: OrmCallSyntax): void {
    const args = argumentsOf(index, []);
    const operation: CreateIndexOperation = {
      ...this.base(call, table),
      kind: 'createIndex',
      via: 'orm',
      columns: stringList(args.get('fields')),
      name: stringValue(args.get('name')),
      unique: false,
      concurrent,
      ifNotExists: false,
      where: args.get('condition')?.text ?? null,
      using: null,
    };
    if (syntax) operation.syntax = syntax;
    this.operations.push(operation);
  }

  /**
   * `altering`: AlterField, which rebuilds an index only when the field's indexing changes: the
   * defaults (a ForeignKey's index) were there before, so only an explicit db_index / unique counts.
   */
  private readField(call: Call, table: string | null, column: string | null, field: SyntaxNode | undefined, altering = false): void {
    if (field?.type !== 'call') return;
    const fieldClass = field.childForFieldName('function')?.text.split('.').pop() ?? '';
    const args = argumentsOf(field, []);
    const flag = (name: string, byDefault: boolean) => {
      const value = args.get(name);
      return value ? value.type === 'true' : byDefault;
    };
    const columns = column === null ? [] : [fieldClass === 'ForeignKey' || fieldClass === 'OneToOneField' ? `${column}_id` : column];
    const unique = flag('unique', !altering && UNIQUE_BY_DEFAULT.has(fieldClass)) || flag('primary_key', false);
    if (unique) {
      this.operations.push({ ...this.base(call, table), kind: 'addUniqueConstraint', via: 'add_unique_constraint', primaryKey: flag('primary_key', false), usingIndex: null, columns, name: null, syntax: { kind: 'ormCall' } });
      return;
    }
    if (!flag('db_index', !altering && INDEXED_BY_DEFAULT.has(fieldClass))) return;
    const syntax: OrmCallSyntax = { kind: 'ormCall' };
    const concurrently = table !== null && column !== null ? this.fieldIndexConcurrently(call, field, table, column, columns[0]!) : null;
    if (concurrently) syntax.concurrent = concurrently;
    this.operations.push({
      ...this.base(call, table),
      kind: 'createIndex',
      via: 'orm',
      columns,
      name: null,
      unique: false,
      concurrent: false,
      ifNotExists: false,
      where: null,
      using: null,
      syntax,
    });
  }

  /**
   * The index of a field that AddField / AlterField adds, built concurrently: the call becomes a
   * SeparateDatabaseAndState whose state_operations keep it as it is (the model's picture does
   * not change) and whose database_operations add the field with db_index=False, then its index
   * with AddIndexConcurrently (and its import). Django names a models.Index itself only within 30
   * characters: `<table>_<column>_idx`, shortened with a hash when longer. Only for a call of the
   * migration's own operations list, written `migrations.AddField(...)` with its model and field
   * named by strings and the field by `models.<Field>(...)`; null otherwise.
   */
  private fieldIndexConcurrently(call: Call, field: SyntaxNode, table: string, fieldName: string, columnName: string): OrmEdit[] | null {
    if ((call.name !== 'AddField' && call.name !== 'AlterField') || call.callee.type !== 'attribute') return null;
    const list = call.node.parent;
    if (list?.type !== 'list' || list.parent?.type !== 'assignment') return null;
    const model = stringValue(call.args.get('model_name'));
    if (model === null || !field.childForFieldName('function')?.text.startsWith('models.')) return null;
    const fieldArgs = field.childForFieldName('arguments');
    if (!fieldArgs) return null;
    const present = fieldArgs.namedChildren.find((a) => a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'db_index');
    const value = present?.childForFieldName('value');
    const last = fieldArgs.namedChildren.filter((a): a is SyntaxNode => a !== null && a.type !== 'comment').at(-1);
    // db_index=False in the database's copy of the call: its value replaced, or one more argument.
    // Arguments one per line, the last with its comma: one more line, at their indentation.
    const afterLast = last ? this.source.slice(last.endIndex, fieldArgs.endIndex) : '';
    const ownLines = last !== undefined && /^,\s*\n/.test(afterLast) && this.source.slice(lineOf(this.source, last.startIndex).lineStart, last.startIndex).trim() === '';
    const edit = value
      ? { start: value.startIndex, end: value.endIndex, text: 'False' }
      : ownLines
        ? { start: last!.endIndex + 1, end: last!.endIndex + 1, text: `\n${lineOf(this.source, last!.startIndex).indent}db_index=False,` }
        : last
          ? { start: last.endIndex, end: last.endIndex, text: ', db_index=False' }
          : { start: fieldArgs.startIndex + 1, end: fieldArgs.startIndex + 1, text: 'db_index=False' };
    const start = call.node.startIndex;
    const original = this.source.slice(start, call.node.endIndex);
    const withoutIndex = original.slice(0, edit.start - start) + edit.text + original.slice(edit.end - start);
    const { indent } = lineOf(this.source, start);
    const inner = `${indent}        `;
    const nested = (text: string) => text.split('\n').join(`\n        `);
    const qualifier = call.callee.childForFieldName('object')?.text ?? 'migrations';
    const index = `AddIndexConcurrently(model_name=${JSON.stringify(model)}, index=models.Index(fields=[${JSON.stringify(fieldName)}], name=${JSON.stringify(djangoIndexName(table, columnName))}))`;
    const text =
      `${qualifier}.SeparateDatabaseAndState(\n` +
      `${indent}    state_operations=[\n${inner}${nested(original)},\n${indent}    ],\n` +
      `${indent}    database_operations=[\n${inner}${nested(withoutIndex)},\n${inner}${index},\n${indent}    ],\n` +
      `${indent})`;
    return this.withImport('AddIndexConcurrently', { start, end: call.node.endIndex, text });
  }

  private readConstraint(call: Call, table: string | null, constraint: SyntaxNode | undefined): void {
    if (constraint?.type !== 'call') return;
    const constraintClass = constraint.childForFieldName('function')?.text.split('.').pop();
    if (constraintClass !== 'UniqueConstraint') return;
    const args = argumentsOf(constraint, []);
    const columns = stringList(args.get('fields'));
    const name = stringValue(args.get('name'));
    // A conditional UniqueConstraint (or one over expressions) is a unique index in Postgres, not a constraint.
    if (args.has('condition') || columns.length === 0) {
      this.operations.push({ ...this.base(call, table), kind: 'createIndex', via: 'orm', columns, name, unique: true, concurrent: false, ifNotExists: false, where: args.get('condition')?.text ?? null, using: null, syntax: { kind: 'ormCall' } });
      return;
    }
    this.operations.push({ ...this.base(call, table), kind: 'addUniqueConstraint', via: 'add_unique_constraint', primaryKey: false, usingIndex: null, columns, name, syntax: { kind: 'ormCall' } });
  }

  /** index_together / unique_together: a set of field tuples, each an index or a unique constraint. */
  private readTogether(call: Call, unique: boolean): void {
    const table = this.tableOf(call.args.get('name'));
    const value = call.args.get(unique ? 'unique_together' : 'index_together');
    if (!value) return;
    const groups = value.namedChildren.some((c) => c?.type === 'tuple' || c?.type === 'list') ? value.namedChildren : [value];
    for (const group of groups) {
      if (!group) continue;
      const columns = stringList(group);
      if (columns.length === 0) continue;
      if (unique) this.operations.push({ ...this.base(call, table), kind: 'addUniqueConstraint', via: 'add_unique_constraint', primaryKey: false, usingIndex: null, columns, name: null, syntax: { kind: 'ormCall' } });
      else this.operations.push({ ...this.base(call, table), kind: 'createIndex', via: 'orm', columns, name: null, unique: false, concurrent: false, ifNotExists: false, where: null, using: null, syntax: { kind: 'ormCall' } });
    }
  }
}

/** A call's arguments by name: keywords, and positional ones named after `positional`. */
function argumentsOf(call: SyntaxNode, positional: string[]): Map<string, SyntaxNode> {
  const args = new Map<string, SyntaxNode>();
  let index = 0;
  for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
    if (!arg || arg.type === 'comment') continue;
    if (arg.type === 'keyword_argument') {
      const name = arg.childForFieldName('name')?.text;
      const value = arg.childForFieldName('value');
      if (name && value) args.set(name, value);
    } else if (arg.type !== 'list_splat' && arg.type !== 'dictionary_splat') {
      const name = positional[index++];
      if (name) args.set(name, arg);
    }
  }
  return args;
}

function dictionaryEntries(dictionary: SyntaxNode): Map<string, SyntaxNode> {
  const entries = new Map<string, SyntaxNode>();
  for (const pair of dictionary.namedChildren) {
    if (pair?.type !== 'pair') continue;
    const key = stringValue(pair.childForFieldName('key'));
    const value = pair.childForFieldName('value');
    if (key !== null && value) entries.set(key, value);
  }
  return entries;
}

/** A list of field names as written (`-created`: descending, which the index builder refuses rather than build ascending). */
function stringList(node: SyntaxNode | undefined): string[] {
  if (!node || (node.type !== 'list' && node.type !== 'tuple')) return [];
  const values: string[] = [];
  for (const item of node.namedChildren) {
    const value = stringValue(item);
    if (value !== null) values.push(value);
  }
  return values;
}

/** RunSQL's sql / reverse_sql: a string, or a list of strings and (sql, params) tuples. */
function sqlLiterals(node: SyntaxNode | undefined): SyntaxNode[] {
  if (!node) return [];
  if (node.type === 'list' || node.type === 'tuple') {
    const found: SyntaxNode[] = [];
    for (const item of node.namedChildren) {
      if (!item) continue;
      if (item.type === 'tuple' || item.type === 'list') {
        if (item.firstNamedChild) found.push(item.firstNamedChild);
      } else found.push(item);
    }
    return found;
  }
  return [node];
}
