// What the Django and Node migration parsers share: syntax errors, suppression comments and the
// SQL inside string literals, read from tree-sitter's trees.
import type { Direction, MigrationFile, Operation, ParseProblem, SuppressionComment } from '../../model/migration';
import type { SqlParser } from '../sql/libpg-query';
import { parseEmbeddedSql } from '../sql/embedded';
import { parseSuppressionComment } from '../suppressions';
import { stringValue, type SyntaxNode } from './tree-sitter';

/** A file read with tree-sitter, before its reader finds operations: no migration until the reader says so. */
export function treeSitterFile(path: string, dialect: 'django' | 'js', source: string, root: SyntaxNode): MigrationFile {
  return {
    path,
    dialect,
    ...(dialect === 'django' ? { framework: 'django' as const } : {}),
    source,
    operations: [],
    runsInTransaction: true,
    ddlTransactionDisabled: false,
    frameworkVersion: null,
    suppressions: suppressionsOf(root, source),
    problems: syntaxProblems(root),
    isMigration: false,
  };
}

/** The first ERROR or missing node, as the file's one parse problem. */
export function syntaxProblems(root: SyntaxNode): ParseProblem[] {
  if (!root.hasError) return [];
  const bad = firstBadNode(root);
  if (!bad) return [{ message: 'the file does not parse', range: { start: 0, end: 0 } }];
  const message = bad.isMissing ? `"${bad.type}" expected here` : `unexpected "${bad.text.slice(0, 40).split('\n')[0]}"`;
  return [{ message, range: { start: bad.startIndex, end: bad.isMissing ? bad.startIndex : bad.endIndex } }];
}

function firstBadNode(node: SyntaxNode): SyntaxNode | null {
  if (node.isError || node.isMissing) return node;
  if (!node.hasError) return null;
  for (const child of node.children) {
    if (!child) continue;
    const found = firstBadNode(child);
    if (found) return found;
  }
  return null;
}

/** `# pg-index-guard:...` / `// pg-index-guard:...` comments anywhere in the tree. */
export function suppressionsOf(root: SyntaxNode, source: string): SuppressionComment[] {
  if (!source.includes('pg-index-guard:') && !source.includes('squawk-ignore')) return [];
  const found: SuppressionComment[] = [];
  for (const comment of root.descendantsOfType('comment')) {
    if (!comment) continue;
    const suppression = parseSuppressionComment(comment.text, comment.startPosition.row);
    if (suppression) found.push(suppression);
  }
  return found;
}

export interface EmbeddedSqlPlace {
  sqlParser: SqlParser;
  source: string;
  direction: Direction;
}

/**
 * Operations of the SQL in a string literal (Python `'...'` / `"""..."""` / f-string, JS `'...'`
 * / template literal). Interpolations (`{x}`, `${x}`) become placeholders as Ruby's `#{}` do:
 * no table is named after them, and a statement they make unparsable is skipped. Empty for
 * anything that is not a string literal (a variable: its SQL cannot be known here).
 */
export function sqlOperationsOf(node: SyntaxNode | null | undefined, place: EmbeddedSqlPlace): Operation[] {
  if (!node) return [];
  let operations: Operation[];
  if (node.type === 'concatenated_string' || node.type === 'binary_expression') {
    const value = node.type === 'concatenated_string' ? stringValue(node) : concatenation(node);
    if (value === null) return [];
    operations = parseEmbeddedSql(value, node.startIndex, { parser: place.sqlParser, source: place.source });
  } else if (node.type === 'string' || node.type === 'template_string') {
    const inner = innerRange(node);
    if (!inner) return [];
    const interpolations: Array<{ start: number; end: number }> = [];
    let escaped = false;
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'interpolation' || child.type === 'template_substitution') {
        interpolations.push({ start: child.startIndex - inner.start, end: child.endIndex - inner.start });
      }
      if (child.type === 'escape_sequence' || child.namedChildren.some((c) => c?.type === 'escape_sequence')) escaped = true;
    }
    if (escaped && interpolations.length === 0) {
      const value = stringValue(node);
      if (value === null) return [];
      operations = parseEmbeddedSql(value, inner.start, { parser: place.sqlParser, source: place.source });
    } else {
      operations = parseEmbeddedSql(place.source.slice(inner.start, inner.end), inner.start, {
        parser: place.sqlParser,
        source: place.source,
        interpolations,
      });
    }
  } else return [];
  for (const operation of operations) operation.direction = place.direction;
  return operations;
}

/** `'a' + 'b'` in JS: the joined value when every part is a plain string. */
function concatenation(node: SyntaxNode): string | null {
  if (node.type !== 'binary_expression') return stringValue(node);
  if (node.childForFieldName('operator')?.type !== '+') return null;
  const left = concatenation(node.childForFieldName('left')!);
  const right = concatenation(node.childForFieldName('right')!);
  return left === null || right === null ? null : left + right;
}

/** Where a string literal's text starts and ends (inside its quotes and prefix). */
function innerRange(node: SyntaxNode): { start: number; end: number } | null {
  if (node.type === 'template_string') return { start: node.startIndex + 1, end: node.endIndex - 1 };
  const first = node.firstChild;
  const last = node.lastChild;
  if (first?.type === 'string_start' && last?.type === 'string_end') return { start: first.endIndex, end: last.startIndex };
  // JS: the quotes are anonymous children.
  return { start: node.startIndex + 1, end: node.endIndex - 1 };
}

/** Start of the line holding `offset`, and that line's indentation. */
export function lineOf(source: string, offset: number): { lineStart: number; indent: string } {
  const lineStart = source.lastIndexOf('\n', offset - 1) + 1;
  const indent = /^[ \t]*/.exec(source.slice(lineStart, offset))![0];
  return { lineStart, indent };
}

/** Keyword arguments (`name=value` / object properties) and positional ones of a call. */
export interface CallArguments {
  positional: SyntaxNode[];
  keywords: Map<string, SyntaxNode>;
  node: SyntaxNode;
}
