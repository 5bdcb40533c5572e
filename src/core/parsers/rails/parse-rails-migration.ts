import * as P from '@ruby/prism/src/nodes.js';
import type {
  Direction,
  MigrationFile,
  Operation,
  ParseProblem,
  RailsCallSyntax,
  RubyValue,
  SourceRange,
  SuppressionComment,
} from '../../model/migration';
import { byteToUtf16Mapper, indentationAt, lineStartOf } from '../source-text';
import type { PrismParse } from './prism';
import { parseSuppressionComment } from '../suppressions';

type Node = P.Node;

interface WalkContext {
  direction: Direction;
  inTransactionBlock: boolean;
  safetyAssured: boolean;
  /** Block variable of `change_table :x do |t|` -> table x. */
  tableVariables: Map<string, string | null>;
  /** Inside `create_table` for this table: `t.index` there builds on an empty table. */
}

/**
 * Reads a Rails migration into the neutral model. Never throws on bad Ruby: Prism
 * recovers from syntax errors, and whatever it could read is still modelled.
 */
export function parseRailsMigration(path: string, source: string, prismParse: PrismParse): MigrationFile {
  const result = prismParse(source);
  const toOffset = byteToUtf16Mapper(source);
  const range = (loc: { startOffset: number; length: number }): SourceRange => ({
    start: toOffset(loc.startOffset),
    end: toOffset(loc.startOffset + loc.length),
  });
  const text = (node: Node | { startOffset: number; length: number }): string => {
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
    for (let i = lastOffset; i < r.start; i++) if (source.charCodeAt(i) === 10) lineNumber++;
    lastOffset = r.start;
    const suppression = parseSuppressionComment(source.slice(r.start, r.end), lineNumber);
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
  const bodyStatements = classNode.body instanceof P.StatementsNode ? classNode.body.body : [];
  if (bodyStatements.length > 0) {
    const first = range(bodyStatements[0]!.location).start;
    const lineStart = lineStartOf(source, first);
    file.classBodyInsert = { offset: lineStart, indent: indentationAt(source, lineStart) };
  } else {
    const classLineStart = lineStartOf(source, range(classNode.location).start);
    const afterHeader = source.indexOf('\n', range(classNode.location).start);
    file.classBodyInsert = {
      offset: afterHeader === -1 ? source.length : afterHeader + 1,
      indent: indentationAt(source, classLineStart) + '  ',
    };
  }

  const operations: Operation[] = file.operations;

  const railsCallSyntax = (call: P.CallNode): RailsCallSyntax | undefined => {
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
      for (const element of last.elements) {
        if (!(element instanceof P.AssocNode)) continue;
        const key = literalName(element.key);
        if (key === null) continue;
        if (optionStyle === 'none') optionStyle = element.operatorLoc ? 'rocket' : 'label';
        options[key] = {
          valueRange: range(element.value.location),
          pairRange: range(element.location),
          value: rubyValue(element.value, text),
        };
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
    };
  };

  const base = (call: P.CallNode, ctx: WalkContext, table: string | null) => ({
    range: range(call.location),
    direction: ctx.direction,
    table,
    inTransactionBlock: ctx.inTransactionBlock,
    safetyAssured: ctx.safetyAssured,
    syntax: railsCallSyntax(call),
  });

  const walk = (node: Node | null, ctx: WalkContext): void => {
    if (!node) return;
    if (node instanceof P.CallNode) {
      if (visitCall(node, ctx)) return;
    }
    for (const child of node.compactChildNodes()) walk(child, ctx);
  };

  /** Returns true when it walked the call's children itself. */
  const visitCall = (call: P.CallNode, ctx: WalkContext): boolean => {
    const args = call.arguments_?.arguments_ ?? [];
    const options = optionsOf(args, text);
    const receiverVariable = call.receiver instanceof P.LocalVariableReadNode ? call.receiver.name : null;
    const implicitReceiver = call.receiver === null || call.receiver instanceof P.SelfNode;

    if (implicitReceiver) {
      switch (call.name) {
        case 'add_index': {
          operations.push({
            ...base(call, ctx, literalName(args[0])),
            kind: 'createIndex',
            via: 'add_index',
            columns: columnList(args[1]),
            name: stringOption(options, 'name'),
            unique: options['unique']?.type === 'boolean' && options['unique'].value,
            concurrent: isConcurrentAlgorithm(options['algorithm']),
            ifNotExists: options['if_not_exists']?.type === 'boolean' && options['if_not_exists'].value,
            where: stringOption(options, 'where'),
            using: stringOption(options, 'using'),
          });
          return false;
        }
        case 'create_table':
        case 'create_join_table': {
          const table =
            call.name === 'create_table'
              ? literalName(args[0])
              : (stringOption(options, 'table_name') ?? joinTableName(args[0], args[1]));
          operations.push({ ...base(call, ctx, table), kind: 'createTable', via: call.name });
          walkBlock(call, ctx, table);
          return true;
        }
        case 'change_table': {
          walkBlock(call, ctx, literalName(args[0]));
          return true;
        }
        case 'transaction': {
          walkBlock(call, { ...ctx, inTransactionBlock: true }, undefined);
          return true;
        }
        case 'safety_assured': {
          walkBlock(call, { ...ctx, safetyAssured: true }, undefined);
          return true;
        }
      }
    }

    if (receiverVariable !== null && ctx.tableVariables.has(receiverVariable)) {
      const table = ctx.tableVariables.get(receiverVariable) ?? null;
      if (call.name === 'index') {
        operations.push({
          ...base(call, ctx, table),
          kind: 'createIndex',
          via: 't.index',
          columns: columnList(args[0]),
          name: stringOption(options, 'name'),
          unique: options['unique']?.type === 'boolean' && options['unique'].value,
          concurrent: isConcurrentAlgorithm(options['algorithm']),
          ifNotExists: options['if_not_exists']?.type === 'boolean' && options['if_not_exists'].value,
          where: stringOption(options, 'where'),
          using: stringOption(options, 'using'),
        });
        return false;
      }
    }
    return false;
  };

  /** Walks a call's block; a table-bound block (`create_table`, `change_table`) binds its parameter. */
  const walkBlock = (call: P.CallNode, ctx: WalkContext, table: string | null | undefined): void => {
    for (const arg of call.arguments_?.arguments_ ?? []) walk(arg, ctx);
    const block = call.block;
    if (!(block instanceof P.BlockNode)) return;
    let inner = ctx;
    if (table !== undefined) {
      const parameterName = firstBlockParameter(block);
      if (parameterName) {
        inner = { ...ctx, tableVariables: new Map(ctx.tableVariables).set(parameterName, table) };
      }
    }
    walk(block.body, inner);
  };

  for (const statement of bodyStatements) {
    if (statement instanceof P.CallNode && statement.name === 'disable_ddl_transaction!' && !statement.receiver) {
      file.ddlTransactionDisabled = true;
      file.runsInTransaction = false;
      continue;
    }
    if (statement instanceof P.DefNode && ['change', 'up', 'down'].includes(statement.name)) {
      walk(statement.body, {
        direction: statement.name as Direction,
        inTransactionBlock: false,
        safetyAssured: false,
        tableVariables: new Map(),
      });
    }
  }
  return file;
}

function findMigrationClass(
  program: P.ProgramNode,
  text: (node: Node) => string,
): { node: P.ClassNode; version: string | null } | null {
  const queue: Node[] = [program];
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (node instanceof P.ClassNode && node.superclass) {
      const superclass = node.superclass;
      let versionText: string | null = null;
      let parentText = text(superclass);
      if (superclass instanceof P.CallNode && superclass.name === '[]' && superclass.receiver) {
        parentText = text(superclass.receiver);
        const versionArg = superclass.arguments_?.arguments_[0];
        versionText = versionArg ? text(versionArg) : null;
      }
      if (/Migration$/.test(parentText)) return { node, version: versionText };
    }
    if (node instanceof P.ProgramNode || node instanceof P.StatementsNode || node instanceof P.ModuleNode) {
      queue.push(...node.compactChildNodes());
    }
  }
  return null;
}

function firstBlockParameter(block: P.BlockNode): string | null {
  const params = block.parameters;
  if (params instanceof P.BlockParametersNode && params.parameters) {
    const first = params.parameters.requireds[0];
    if (first instanceof P.RequiredParameterNode) return first.name;
  }
  return null;
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

function joinTableName(a: Node | undefined, b: Node | undefined): string | null {
  const first = literalName(a);
  const second = literalName(b);
  if (first === null || second === null) return null;
  return [first, second].sort().join('_');
}

function optionsOf(args: Node[], text: (node: Node) => string): Record<string, RubyValue> {
  const last = args[args.length - 1];
  const options: Record<string, RubyValue> = {};
  if (last instanceof P.KeywordHashNode || last instanceof P.HashNode) {
    for (const element of last.elements) {
      if (!(element instanceof P.AssocNode)) continue;
      const key = literalName(element.key);
      if (key !== null) options[key] = rubyValue(element.value, text);
    }
  }
  return options;
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

function stringOption(options: Record<string, RubyValue>, key: string): string | null {
  const value = options[key];
  if (value?.type === 'string' || value?.type === 'symbol') return value.value;
  return null;
}

export function isConcurrentAlgorithm(value: RubyValue | undefined): boolean {
  return (value?.type === 'symbol' || value?.type === 'string') && value.value === 'concurrently';
}
