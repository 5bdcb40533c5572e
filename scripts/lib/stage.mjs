// Shared by the packaging scripts: a production build of the bundles into a folder of its own
// (never dist/, which other suites use meanwhile), and the repo's root.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `node scripts/build.mjs --production --out <dist>`; exits on failure. */
export function buildProductionInto(dist) {
  const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--production', '--out', dist], { cwd: root, stdio: ['ignore', process.stderr, 'inherit'] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

/** The value after `--name` in argv, or `fallback`. */
export function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 && process.argv[index + 1] !== undefined ? process.argv[index + 1] : fallback;
}

/**
 * Packages the CLI require()s only when a file needs them (libpg-query for a statement the fast
 * reader does not take, web-tree-sitter for Python and TypeScript migrations): scripts/build.mjs
 * makes each a bundle of its own beside cli-main.js, under this name.
 */
export const CLI_LAZY_PACKAGES = { 'libpg-query': 'cli-libpg-query.js', 'web-tree-sitter': 'cli-tree-sitter.js' };

/** The tree-sitter grammars scripts/build.mjs copies into dist/ as tree-sitter-<grammar>.wasm. */
export const TREE_SITTER_GRAMMARS = ['python', 'typescript', 'javascript'];

/**
 * What the CLI runs, in dist/: cli.js loads cli-main.js, which loads cli-commands.js, the parsers'
 * packages it needs on demand (CLI_LAZY_PACKAGES) and their WASM. The CLI's npm package ships
 * these; a copy of them alone is a working CLI.
 */
export const CLI_FILES = [
  'cli.js', 'cli-main.js', 'cli-commands.js', ...Object.values(CLI_LAZY_PACKAGES),
  'prism.wasm', 'libpg-query.wasm', 'tree-sitter.wasm', ...TREE_SITTER_GRAMMARS.map((grammar) => `tree-sitter-${grammar}.wasm`),
];
