// Indexes the application declares: db/schema.rb (read with Prism, never executed) or
// db/structure.sql (scanned statement by statement). The status view compares them with the
// database to find missing ones.

import * as P from '@ruby/prism/src/nodes.js';
import { firstBlockParameter, literalName, optionsOf } from './rails/parse-rails-migration';
import type { PrismParse } from './rails/prism';
import type { RubyValue } from '../model/migration';
import { byteToUtf16Mapper, lineStarts, positionAt } from './source-text';

export interface DeclaredIndex {
  schema: string | null;
  table: string;
  name: string;
  /** The name was not written: Rails' default `index_<table>_on_<columns>` is assumed. */
  nameIsDefault: boolean;
  /** Column names, or one expression (`lower((email)::text)`). */
  columns: string[];
  unique: boolean;
  /** Partial index predicate as written. */
  where: string | null;
  using: string | null;
  /** Workspace-relative file, e.g. `db/schema.rb`. */
  file: string;
  /** 1-based line of the declaration. */
  line: number;
}

/** Rails' default index name for `add_index table, columns`. */
export function railsDefaultIndexName(table: string, columns: readonly string[]): string {
  return `index_${table}_on_${columns.join('_and_')}`;
}

/** Reads `add_index` and `t.index` (inside `create_table`) declarations from db/schema.rb. */
export function readSchemaRbIndexes(source: string, prismParse: PrismParse, file = 'db/schema.rb'): DeclaredIndex[] {
  const result = prismParse(source);
  const toOffset = byteToUtf16Mapper(source);
  const starts = lineStarts(source);
  const lineOf = (node: P.Node) => positionAt(starts, toOffset(node.location.startOffset)).line + 1;
  const text = (node: P.Node) => source.slice(toOffset(node.location.startOffset), toOffset(node.location.startOffset + node.location.length));
  const found: DeclaredIndex[] = [];

  const declare = (call: P.CallNode, qualifiedTable: string | null, columnsNode: P.Node | undefined, options: Record<string, RubyValue>) => {
    if (qualifiedTable === null) return;
    const { schema, table } = splitQualified(qualifiedTable);
    const columns = columnList(columnsNode);
    if (columns.length === 0) return;
    const explicitName = stringValue(options['name']);
    found.push({
      schema,
      table,
      name: explicitName ?? railsDefaultIndexName(table, columns),
      nameIsDefault: explicitName === null,
      columns,
      unique: options['unique']?.type === 'boolean' && options['unique'].value,
      where: stringValue(options['where']),
      using: stringValue(options['using']),
      file,
      line: lineOf(call),
    });
  };

  const walk = (node: P.Node | null, tableVariables: Map<string, string | null>): void => {
    if (!node) return;
    if (node instanceof P.CallNode) {
      const args = node.arguments_?.arguments_ ?? [];
      const options = optionsOf(args, text);
      if (node.receiver === null && node.name === 'add_index') {
        declare(node, literalName(args[0]), args[1], options);
      } else if (node.receiver === null && node.name === 'create_table' && node.block instanceof P.BlockNode) {
        const table = literalName(args[0]);
        const parameter = firstBlockParameter(node.block);
        const inner = parameter ? new Map(tableVariables).set(parameter, table) : tableVariables;
        walk(node.block.body, inner);
        return;
      } else if (
        node.name === 'index' &&
        node.receiver instanceof P.LocalVariableReadNode &&
        tableVariables.has(node.receiver.name)
      ) {
        declare(node, tableVariables.get(node.receiver.name) ?? null, args[0], options);
      }
    }
    for (const child of node.compactChildNodes()) walk(child, tableVariables);
  };
  walk(result.value, new Map());
  return found;
}

/**
 * Reads `CREATE [UNIQUE] INDEX` statements from a structure.sql (pg_dump output). Comments and
 * string literals are skipped; unquoted identifiers are folded to lower case like Postgres does.
 */
export function readStructureSqlIndexes(source: string, file = 'db/structure.sql'): DeclaredIndex[] {
  const starts = lineStarts(source);
  const found: DeclaredIndex[] = [];
  for (const statement of splitStatements(source)) {
    const parsed = parseCreateIndex(statement.text);
    if (!parsed) continue;
    found.push({ ...parsed, file, line: positionAt(starts, statement.start).line + 1 });
  }
  return found;
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const CREATE_INDEX = new RegExp(
  String.raw`^CREATE\s+(UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(${IDENT})?\s*ON\s+(?:ONLY\s+)?(${IDENT}(?:\s*\.\s*${IDENT})?)\s*(?:USING\s+(${IDENT})\s*)?\(`,
  'i',
);

function parseCreateIndex(statement: string): Omit<DeclaredIndex, 'file' | 'line'> | null {
  const match = CREATE_INDEX.exec(statement);
  if (!match) return null;
  const open = match[0].length - 1;
  const close = matchingParen(statement, open);
  if (close === -1) return null;
  const columns = splitTopLevel(statement.slice(open + 1, close)).map((c) => {
    const plain = new RegExp(`^(${IDENT})(\\s+(ASC|DESC|NULLS\\s+(FIRST|LAST)|[a-z_]+_ops))*$`, 'i').exec(c);
    return plain ? unquote(plain[1]!) : c;
  });
  const where = /\bWHERE\s+([\s\S]+)$/i.exec(statement.slice(close + 1))?.[1]?.trim() ?? null;
  const tableParts = splitQualifiedSql(match[3]!);
  const table = tableParts[tableParts.length - 1]!;
  const schema = tableParts.length > 1 ? tableParts[0]! : null;
  const name = match[2] ? unquote(match[2]) : `${table}_${columns.join('_')}_idx`;
  return {
    schema,
    table,
    name,
    nameIsDefault: !match[2],
    columns,
    unique: Boolean(match[1]),
    where: where === null ? null : stripOuterParens(where),
    using: match[4] ? unquote(match[4]).toLowerCase() : null,
  };
}

/** Splits SQL text into statements at top-level semicolons, skipping comments, strings, dollar quotes. */
function splitStatements(source: string): { text: string; start: number }[] {
  const statements: { text: string; start: number }[] = [];
  let current = '';
  let start = -1;
  let i = 0;
  const push = () => {
    if (current.trim()) statements.push({ text: current.trim(), start });
    current = '';
    start = -1;
  };
  while (i < source.length) {
    const c = source[i]!;
    if (c === '-' && source[i + 1] === '-') {
      const end = source.indexOf('\n', i);
      i = end === -1 ? source.length : end;
      continue;
    }
    if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end === -1 ? source.length : end + 2;
      current += ' ';
      continue;
    }
    if (start === -1 && !/\s/.test(c)) start = i;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < source.length) {
        if (source[j] === c) {
          if (source[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      current += source.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '$') {
      const tag = /^\$[A-Za-z_0-9]*\$/.exec(source.slice(i))?.[0];
      if (tag) {
        const end = source.indexOf(tag, i + tag.length);
        const stop = end === -1 ? source.length : end + tag.length;
        current += source.slice(i, stop);
        i = stop;
        continue;
      }
    }
    if (c === ';') {
      push();
      i++;
      continue;
    }
    current += c;
    i++;
  }
  push();
  return statements;
}

function matchingParen(text: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = '';
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

function stripOuterParens(text: string): string {
  let t = text.trim();
  while (t.startsWith('(') && matchingParen(t, 0) === t.length - 1) t = t.slice(1, -1).trim();
  return t;
}

function unquote(identifier: string): string {
  return identifier.startsWith('"') ? identifier.slice(1, -1).replace(/""/g, '"') : identifier.toLowerCase();
}

function splitQualifiedSql(text: string): string[] {
  return (text.match(new RegExp(IDENT, 'g')) ?? []).map(unquote);
}

function splitQualified(name: string): { schema: string | null; table: string } {
  const dot = name.indexOf('.');
  return dot === -1 ? { schema: null, table: name } : { schema: name.slice(0, dot), table: name.slice(dot + 1) };
}

function columnList(node: P.Node | undefined): string[] {
  if (!node) return [];
  const name = literalName(node);
  if (name !== null) return [name];
  if (node instanceof P.ArrayNode) return node.elements.map((e) => literalName(e)).filter((n): n is string => n !== null);
  return [];
}

function stringValue(value: RubyValue | undefined): string | null {
  return value?.type === 'string' || value?.type === 'symbol' ? value.value : null;
}

