// Python and TypeScript/JavaScript migrations are read with tree-sitter (web-tree-sitter) and the
// grammars VS Code itself ships (@vscode/tree-sitter-wasm). Loaded on the first such file only:
// a run over Rails or SQL migrations never compiles them.
import { readFileSync } from 'node:fs';
import type { Node, Parser, Tree } from 'web-tree-sitter';
import { locateWasm } from '../wasm-assets';

export type SyntaxNode = Node;

export type TreeSitterGrammar = 'python' | 'typescript' | 'javascript';

/** Parses `source` and hands its root to `read`; the tree's WASM memory is freed after. */
export type TreeSitterParse = <T>(grammar: TreeSitterGrammar, source: string, read: (root: SyntaxNode) => T) => T;

const GRAMMAR_FILES: Record<TreeSitterGrammar, string> = {
  python: 'tree-sitter-python.wasm',
  typescript: 'tree-sitter-typescript.wasm',
  javascript: 'tree-sitter-javascript.wasm',
};

let runtime: Promise<typeof import('web-tree-sitter')> | undefined;
const parsers = new Map<TreeSitterGrammar, Parser>();
const loadingGrammars = new Map<TreeSitterGrammar, Promise<void>>();

/** Thrown by the parse for a grammar loadTreeSitter() was not asked for. */
export class GrammarNotLoaded extends Error {
  constructor(grammar: TreeSitterGrammar) {
    super(`the ${grammar} grammar (tree-sitter) is not loaded yet`);
  }
}

/** Parses with the grammars loaded so far. */
export const parseWithTreeSitter: TreeSitterParse = (grammar, source, read) => {
  const parser = parsers.get(grammar);
  if (!parser) throw new GrammarNotLoaded(grammar);
  const tree: Tree | null = parser.parse(source);
  if (!tree) throw new Error(`tree-sitter returned no tree for this ${grammar} file`);
  try {
    return read(tree.rootNode);
  } finally {
    tree.delete();
  }
};

export function isGrammarLoaded(grammar: TreeSitterGrammar): boolean {
  return parsers.has(grammar);
}

/**
 * Compiles tree-sitter's runtime and the given grammars, once per process (per thread); each
 * grammar only when first asked for (TypeScript's alone is some 200 ms). The WASMs are read from
 * beside the bundle (dist/) or from node_modules, and handed over as bytes: the package's own
 * lookup goes through `import.meta.url` / `__dirname`, which bundling changes.
 */
export async function loadTreeSitter(grammars: readonly TreeSitterGrammar[]): Promise<TreeSitterParse> {
  await Promise.all(grammars.map(loadGrammar));
  return parseWithTreeSitter;
}

function loadRuntime(): Promise<typeof import('web-tree-sitter')> {
  runtime ??= (async () => {
    // Required here, not imported at the top: the runtime is needed only on the first Python or JS file.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require('web-tree-sitter') as typeof import('web-tree-sitter');
    await module.Parser.init({ wasmBinary: readFileSync(locateWasm('tree-sitter.wasm', 'web-tree-sitter/tree-sitter.wasm')) });
    return module;
  })();
  runtime.catch(() => {
    runtime = undefined;
  });
  return runtime;
}

function loadGrammar(grammar: TreeSitterGrammar): Promise<void> {
  if (parsers.has(grammar)) return Promise.resolve();
  let loading = loadingGrammars.get(grammar);
  if (!loading) {
    loading = (async () => {
      const { Parser, Language } = await loadRuntime();
      const file = GRAMMAR_FILES[grammar];
      const language = await Language.load(readFileSync(locateWasm(file, `@vscode/tree-sitter-wasm/wasm/${file}`)));
      const parser = new Parser();
      parser.setLanguage(language);
      parsers.set(grammar, parser);
    })();
    loadingGrammars.set(grammar, loading);
    loading.catch(() => loadingGrammars.delete(grammar));
  }
  return loading;
}

/** The text of a string literal node without its quotes (Python or JS), or null when it is not a plain literal. */
export function stringValue(node: SyntaxNode | null | undefined): string | null {
  if (!node) return null;
  if (node.type === 'string') {
    // Python: string_start string_content? string_end; JS: quote string_fragment? quote.
    let value = '';
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'string_content') value += unescapedContent(child, node);
      else if (child.type === 'string_fragment') value += child.text;
      else if (child.type === 'escape_sequence') value += unescape(child.text);
      else if (child.type === 'interpolation') return null;
    }
    return value;
  }
  if (node.type === 'template_string') {
    let value = '';
    for (const child of node.namedChildren) {
      if (!child) continue;
      if (child.type === 'string_fragment') value += child.text;
      else if (child.type === 'escape_sequence') value += unescape(child.text);
      else return null;
    }
    return value;
  }
  if (node.type === 'concatenated_string') {
    let value = '';
    for (const child of node.namedChildren) {
      const part = stringValue(child);
      if (part === null) return null;
      value += part;
    }
    return value;
  }
  return null;
}

function unescape(escape: string): string {
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '`': '`', $: '$' };
  return simple[escape.slice(1)] ?? escape.slice(1);
}

/** A Python string_content's text with its escape sequences (children) read, unless the string is raw. */
function unescapedContent(content: SyntaxNode, string: SyntaxNode): string {
  const escapes = content.namedChildren.filter((c) => c?.type === 'escape_sequence');
  if (escapes.length === 0 || /^[a-zA-Z]*[rR]/.test(string.firstChild?.text ?? '')) return content.text;
  let value = '';
  let at = content.startIndex;
  const whole = content.text;
  for (const escape of escapes) {
    value += whole.slice(at - content.startIndex, escape!.startIndex - content.startIndex) + unescape(escape!.text);
    at = escape!.endIndex;
  }
  return value + whole.slice(at - content.startIndex);
}
