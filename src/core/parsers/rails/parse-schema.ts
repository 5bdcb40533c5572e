import * as P from '@ruby/prism/src/nodes.js';
import type { SchemaIndex, SchemaInfo } from '../../lint-context';
import type { PrismParse } from './prism';
import { literalName, rubyValue } from './parse-rails-migration';

type Node = P.Node;

/** Column types schema.rb writes as `t.<type> "name"`; anything else in a block is not a column. */
const COLUMN_TYPES = new Set([
  'bigint', 'binary', 'boolean', 'cidr', 'citext', 'date', 'datetime', 'decimal', 'float', 'hstore', 'inet',
  'integer', 'interval', 'json', 'jsonb', 'ltree', 'macaddr', 'money', 'numeric', 'string', 'text', 'time',
  'timestamp', 'timestamptz', 'tsvector', 'uuid', 'virtual', 'xml', 'enum', 'serial', 'bigserial', 'bit',
  'bit_varying', 'daterange', 'int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'point', 'line',
  'lseg', 'box', 'path', 'polygon', 'circle', 'oid',
]);

/**
 * Reads db/schema.rb into tables, column types and indexes. Like the migration parser it
 * never throws: on broken Ruby it keeps whatever Prism recovered.
 */
export function parseRailsSchema(source: string, prismParse: PrismParse): SchemaInfo {
  const schema: SchemaInfo = { tables: new Map(), indexes: [] };
  const result = prismParse(source);
  const encoder = Buffer.from(source, 'utf8');
  // Values only, never offsets: slicing bytes is enough here.
  const text = (node: Node) =>
    encoder.subarray(node.location.startOffset, node.location.startOffset + node.location.length).toString('utf8');

  const addIndex = (table: string, columnsNode: Node | undefined, optionsNode: Node | undefined) => {
    const options = optionsNode instanceof P.KeywordHashNode || optionsNode instanceof P.HashNode ? rubyValue(optionsNode, text) : null;
    const entries = options?.type === 'hash' ? options.entries : {};
    const columns = columnsNode instanceof P.ArrayNode ? columnsNode.elements.map((e) => literalName(e) ?? '?') : [literalName(columnsNode) ?? '?'];
    const name = entries['name'];
    const where = entries['where'];
    const unique = entries['unique'];
    const index: SchemaIndex = {
      table,
      columns,
      name: name?.type === 'string' || name?.type === 'symbol' ? name.value : null,
      unique: unique?.type === 'boolean' && unique.value,
      where: where?.type === 'string' ? where.value : null,
    };
    schema.indexes.push(index);
  };

  const readCreateTable = (call: P.CallNode) => {
    const args = call.arguments_?.arguments_ ?? [];
    const table = literalName(args[0]);
    if (table === null) return;
    const columns = new Map<string, string>();
    schema.tables.set(table.toLowerCase(), columns);
    const options = args[1] ? rubyValue(args[1], text) : null;
    const id = options?.type === 'hash' ? options.entries['id'] : undefined;
    if (!(id?.type === 'boolean' && !id.value)) {
      columns.set('id', id?.type === 'symbol' || id?.type === 'string' ? id.value : 'bigint');
    }
    const block = call.block;
    if (!(block instanceof P.BlockNode) || !(block.body instanceof P.StatementsNode)) return;
    for (const statement of block.body.body) {
      if (!(statement instanceof P.CallNode) || !(statement.receiver instanceof P.LocalVariableReadNode)) continue;
      const callArgs = statement.arguments_?.arguments_ ?? [];
      if (statement.name === 'index') {
        addIndex(table, callArgs[0], callArgs[1]);
      } else if (statement.name === 'column') {
        const name = literalName(callArgs[0]);
        const type = literalName(callArgs[1]);
        if (name !== null && type !== null) columns.set(name, type);
      } else if (statement.name === 'timestamps') {
        columns.set('created_at', 'datetime');
        columns.set('updated_at', 'datetime');
      } else if (COLUMN_TYPES.has(statement.name)) {
        for (const arg of callArgs) {
          const name = literalName(arg);
          if (name !== null) columns.set(name, statement.name);
        }
      }
    }
  };

  const visit = (node: Node) => {
    if (node instanceof P.CallNode && node.receiver === null) {
      if (node.name === 'create_table') return readCreateTable(node);
      if (node.name === 'add_index') {
        const args = node.arguments_?.arguments_ ?? [];
        const table = literalName(args[0]);
        if (table !== null) addIndex(table, args[1], args[2]);
        return;
      }
    }
    for (const child of node.compactChildNodes()) visit(child);
  };
  visit(result.value);
  return schema;
}
