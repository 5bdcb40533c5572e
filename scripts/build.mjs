#!/usr/bin/env node
// Bundles the three entries into dist/ (extension, CLI, webview) and the VS Code test
// suite into out/, and copies the parsers' WASM files beside the bundles that load them.
import { build } from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { CLI_LAZY_PACKAGES, TREE_SITTER_GRAMMARS } from './lib/stage.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// `--out <dir>`: the bundles go to <dir> instead of dist/, and the test suite is not built (the
// packaging scripts stage a package there while other suites use dist/).
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex >= 0 ? resolve(process.argv[outIndex + 1] ?? '') : null;
const dist = outDir ?? join(root, 'dist');

// The core-isolation check is part of the build: a bad import fails it here.
const check = spawnSync(process.execPath, [join(root, 'scripts/check-core-isolation.mjs')], { stdio: 'inherit' });
if (check.status !== 0) process.exit(check.status ?? 1);

/**
 * prism.wasm with its stack guarded (src/core/parsers/rails/prism-stack-guard.ts), done here once
 * rather than at every start: prism.ts takes a module that has the guard's exports as it is.
 */
async function guardedPrismWasm() {
  const dir = mkdtempSync(join(tmpdir(), 'pg-index-guard-build-'));
  try {
    const out = join(dir, 'prism-stack-guard.cjs');
    await build({ bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning', entryPoints: [join(root, 'src/core/parsers/rails/prism-stack-guard.ts')], outfile: out });
    const { guardWasmStack } = require(out);
    const guarded = guardWasmStack(readFileSync(require.resolve('@ruby/prism/src/prism.wasm')));
    if (!guarded.guard) console.warn("build: @ruby/prism's prism.wasm is not laid out as prism-stack-guard.ts expects: shipped unguarded");
    return guarded.bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, 'prism.wasm'), await guardedPrismWasm());
copyFileSync(join(dirname(require.resolve('libpg-query')), 'libpg-query.wasm'), join(dist, 'libpg-query.wasm'));
// tree-sitter's runtime and the grammars of Python and TypeScript/JavaScript migrations (src/core/parsers/tree-sitter).
copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), join(dist, 'tree-sitter.wasm'));
for (const grammar of TREE_SITTER_GRAMMARS) {
  const file = `tree-sitter-${grammar}.wasm`;
  copyFileSync(require.resolve(`@vscode/tree-sitter-wasm/wasm/${file}`), join(dist, file));
}

/**
 * The CLI loads the code of a subcommand (and what it needs: pg, yaml, the database code) only
 * when that subcommand runs, so `lint` starts without compiling or evaluating it. main.ts imports
 * every command module; for each one other than `lint` whose exports main.ts reads are Command
 * objects, the import is replaced by a stand-in holding the command's name, summary and help
 * (read from the module here, at build time) and a `run` that require()s the real module on
 * the first call. The real modules are bundled into a file of their own, dist/cli-commands.js
 * (`lazy.modules()` lists them once the CLI is built), which V8 never reads on a lint run. A
 * module with any other kind of export is imported as is.
 */
async function lazyCommandsPlugin(mainFile) {
  const commandsDir = join(dirname(mainFile), 'commands');
  const modules = new Map(); // module name -> Map(export name -> fields) | null
  const plugin = {
    name: 'lazy-commands',
    setup(b) {
      b.onResolve({ filter: /^\.\/commands\// }, async (args) => {
        if (args.importer !== mainFile || args.path === './commands/lint') return undefined;
        const file = resolve(dirname(args.importer), `${args.path}.ts`);
        if (dirname(file) !== commandsDir || !existsSync(file)) return undefined;
        const name = basename(file, '.ts');
        if (!modules.has(name)) modules.set(name, await commandExports(file, importedNames(readFileSync(mainFile, 'utf8'), args.path)));
        return modules.get(name) ? { path: name, namespace: 'lazy-command' } : undefined;
      });
      b.onResolve({ filter: /^\.\/cli-commands\.js$/ }, (args) => ({ path: args.path, external: true }));
      b.onLoad({ filter: /.*/, namespace: 'lazy-command' }, (args) => {
        const lines = [`const load = () => require('./cli-commands.js')[${JSON.stringify(exportName(args.path))}];`];
        for (const [name, fields] of modules.get(args.path)) {
          const properties = Object.entries(fields).map(([key, value]) =>
            value === 'function' ? `  ${JSON.stringify(key)}: (...args) => load()[${JSON.stringify(name)}][${JSON.stringify(key)}](...args),` : `  ${JSON.stringify(key)}: ${value},`,
          );
          lines.push(`export const ${name} = {\n${properties.join('\n')}\n};`);
        }
        return { contents: lines.join('\n'), loader: 'js', resolveDir: commandsDir };
      });
    },
  };
  return {
    plugin,
    /** The lazily loaded modules, as the entry of dist/cli-commands.js. */
    entry() {
      const names = [...modules].filter(([, exports]) => exports).map(([name]) => name);
      return names.map((name) => `export * as ${exportName(name)} from './${name}';`).join('\n');
    },
    commandsDir,
  };
}

/** `check-missing` -> `check_missing`: a command module's name as an export of dist/cli-commands.js. */
function exportName(moduleName) {
  return moduleName.replace(/[^A-Za-z0-9_$]/g, '_');
}

/** The names main.ts imports from `specifier` (`import { a, b as c } from '<specifier>'`), or null. */
function importedNames(source, specifier) {
  const escaped = specifier.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const imports = [...source.matchAll(new RegExp(`import\\s+(type\\s+)?([^;]*?)\\s+from\\s+['"]${escaped}['"]`, 'g'))];
  const names = [];
  for (const [, typeOnly, clause] of imports) {
    if (typeOnly) continue;
    const named = /^\{([^}]*)\}$/.exec(clause.trim());
    if (!named) return null; // a default or namespace import: keep the module as it is
    for (const part of named[1].split(',')) {
      const name = part.trim().replace(/^type\s+.*$/, '').split(/\s+as\s+/)[0];
      if (name) names.push(name);
    }
  }
  return names.length > 0 ? names : null;
}

/**
 * The named exports of a command module as `{ export: { field: JSON text | 'function' } }`,
 * when each is a command object (its data fields JSON, its methods functions); else null.
 */
async function commandExports(file, names) {
  if (!names) return null;
  const dir = mkdtempSync(join(tmpdir(), 'pg-index-guard-build-'));
  try {
    const out = join(dir, `${basename(file, '.ts')}.cjs`);
    await build({ ...node, entryPoints: [file], outfile: out, sourcemap: false, minify: false, logLevel: 'silent' });
    // In a process of its own: the module is evaluated (it only defines things), its command
    // objects described. A field that JSON cannot carry as it is makes the module ineligible.
    const probe = `
      process.on('unhandledRejection', () => {});
      const m = require(${JSON.stringify(out)});
      const plain = (v) => v === null || ['string', 'number', 'boolean'].includes(typeof v) ||
        (Array.isArray(v) ? v.every(plain) : typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && Object.values(v).every(plain));
      const result = {};
      for (const name of ${JSON.stringify(names)}) {
        const value = m[name];
        if (!value || typeof value !== 'object' || typeof value.name !== 'string' || typeof value.run !== 'function') { result[name] = null; continue; }
        const fields = {};
        for (const [key, field] of Object.entries(value)) {
          if (typeof field === 'function') fields[key] = 'function';
          else if (plain(field)) fields[key] = JSON.stringify(field);
          else { result[name] = null; break; }
        }
        if (result[name] !== null) result[name] = fields;
      }
      process.stdout.write(JSON.stringify(result));
      process.exit(0);`;
    const run = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', cwd: dir });
    if (run.status !== 0) return null;
    const entries = Object.entries(JSON.parse(run.stdout));
    if (entries.length === 0 || entries.some(([, fields]) => fields === null)) return null;
    return new Map(entries);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Prism's JS deserializer (generated code in @ruby/prism) spends more than it needs on every
 * parse: it reads each list of nodes through Array.from({ length }, fn) (slow in V8), and makes
 * a TextDecoder per constant and per parse, a copy of the bytes of every string and constant it
 * decodes, a DataView per float. These edits read lists with a loop and keep one decoder and one
 * view, which gives the same values (decoding without `stream` keeps no state between calls)
 * and takes 40 % off deserializing: some 6 % of a CLI run over Rails migrations. Each edit must
 * find its text (`all`: every occurrence): after an upgrade of the package that changed it, the
 * file is bundled as it is, with a warning.
 */
const PRISM_DESERIALIZER_EDITS = [
  ['class SerializationBuffer {', 'const SHARED_DECODERS = new Map();\nconst SHARED_DECODER_MAP = new Map([["ascii-8bit", "ascii"]]);\nconst UTF8_DECODER = new TextDecoder();\nconst DOUBLE_VIEW = new DataView(new ArrayBuffer(8));\nclass SerializationBuffer {'],
  ['  DECODER_MAP = new Map([\n    ["ascii-8bit", "ascii"]\n  ]);', '  DECODER_MAP = SHARED_DECODER_MAP;'],
  ['    this.decoders = new Map();', '    this.decoders = SHARED_DECODERS;'],
  [
    '    const bytes = this.array.slice(offset, offset + 4);\n    return bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24);',
    '    const bytes = this.array;\n    return bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24);',
  ],
  ['      return new TextDecoder().decode(this.array.slice(startOffset, startOffset + length));', '      return UTF8_DECODER.decode(this.array.subarray(startOffset, startOffset + length));'],
  ['      return new TextDecoder().decode(this.source.slice(startOffset, startOffset + length));', '      return UTF8_DECODER.decode(this.source.subarray(startOffset, startOffset + length));'],
  ['        return this.decodeString(this.source.slice(startOffset, startOffset + length), flags);', '        return this.decodeString(this.source.subarray(startOffset, startOffset + length), flags);'],
  ['    const view = new DataView(new ArrayBuffer(8));\n    for (let index = 0; index < 8; index++) {', '    const view = DOUBLE_VIEW;\n    for (let index = 0; index < 8; index++) {'],
  [
    '  function readOptionalNode() {',
    '  function readNodeList(length) {\n    const list = new Array(length);\n    for (let i = 0; i < length; i++) list[i] = readRequiredNode();\n    return list;\n  }\n\n' +
      '  function readConstantList(length) {\n    const list = new Array(length);\n    for (let i = 0; i < length; i++) list[i] = readRequiredConstant();\n    return list;\n  }\n\n' +
      '  function readOptionalNode() {',
  ],
  ['Array.from({ length: buffer.readVarInt() }, readRequiredNode)', 'readNodeList(buffer.readVarInt())', 'all'],
  ['Array.from({ length: buffer.readVarInt() }, readRequiredConstant)', 'readConstantList(buffer.readVarInt())', 'all'],
];

const prismDeserializerPlugin = {
  name: 'prism-deserializer',
  setup(b) {
    b.onLoad({ filter: /[\\/]@ruby[\\/]prism[\\/]src[\\/]deserialize\.js$/ }, (args) => {
      const original = readFileSync(args.path, 'utf8');
      let text = original;
      for (const [from, to, all] of PRISM_DESERIALIZER_EDITS) {
        if (!text.includes(from)) {
          console.warn(`build: @ruby/prism's deserialize.js changed (no "${from.trim().split('\n')[0]}"): bundled unedited`);
          return { contents: original, loader: 'js' };
        }
        text = all ? text.split(from).join(to) : text.replace(from, to);
      }
      return { contents: text, loader: 'js' };
    });
  },
};

const node = {
  plugins: [prismDeserializerPlugin],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  // pg's optional native binding is never used.
  external: ['vscode', 'pg-native'],
};

/**
 * The CLI's requires of CLI_LAZY_PACKAGES (scripts/lib/stage.mjs) point at their own bundles beside
 * cli-main.js, which V8 then neither reads nor compiles on a run that never needs them (some 5 ms
 * of every start-up, npm run bench -- sql).
 */
const cliLazyPackagesPlugin = {
  name: 'cli-lazy-packages',
  setup(b) {
    const names = Object.keys(CLI_LAZY_PACKAGES).map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    b.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({ path: `./${CLI_LAZY_PACKAGES[args.path]}`, external: true }));
  },
};

/**
 * dist/cli-main.js (the CLI: `lint` and the core), dist/cli-commands.js (the other subcommands,
 * loaded when one runs) and dist/cli.js, the executable: a launcher that loads cli-main.js
 * through V8's code cache (src/cli/launcher.ts), told the bundle's hash to key the cache by.
 */
async function buildCli() {
  const lazy = await lazyCommandsPlugin(join(root, 'src/cli/main.ts'));
  await build({
    ...node,
    entryPoints: [join(root, 'src/cli/main.ts')],
    outfile: join(dist, 'cli-main.js'),
    plugins: [prismDeserializerPlugin, lazy.plugin, cliLazyPackagesPlugin],
  });
  await Promise.all([
    build({
      ...node,
      stdin: { contents: lazy.entry(), resolveDir: lazy.commandsDir, sourcefile: 'cli-commands.ts', loader: 'ts' },
      outfile: join(dist, 'cli-commands.js'),
      plugins: [prismDeserializerPlugin, cliLazyPackagesPlugin],
    }),
    ...Object.entries(CLI_LAZY_PACKAGES).map(([name, file]) =>
      build({ ...node, stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root, loader: 'js' }, outfile: join(dist, file) }),
    ),
    build({
      ...node,
      entryPoints: [join(root, 'src/cli/launcher.ts')],
      outfile: join(dist, 'cli.js'),
      banner: { js: '#!/usr/bin/env node' },
    }),
  ]);
}

await Promise.all([
  build({ ...node, entryPoints: [join(root, 'src/extension/extension.ts')], outfile: join(dist, 'extension.js') }),
  buildCli(),
  build({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'esm',
    sourcemap: production ? false : 'linked',
    minify: production,
    logLevel: 'warning',
    entryPoints: [join(root, 'webview/main.ts')],
    outfile: join(dist, 'webview.js'),
  }),
  // Test suites that run inside the VS Code extension host; mocha stays a real require.
  outDir === null && build({
    ...node,
    sourcemap: 'inline',
    entryPoints: [join(root, 'test/vscode/index.ts')],
    outfile: join(root, 'out/test/vscode/index.js'),
    external: ['vscode', 'mocha', 'pg-native'],
  }),
  // The editor bench's measurements, run in the extension host by the same runner (scripts/bench/editor.ts).
  outDir === null && build({
    ...node,
    entryPoints: [join(root, 'scripts/bench/editor-host.ts')],
    outfile: join(root, 'out/bench/vscode/index.js'),
  }),
]);
chmodSync(join(dist, 'cli.js'), 0o755);
console.log(outDir === null ? 'build: dist/extension.js, dist/cli.js (+ cli-main.js, cli-commands.js), dist/webview.js, out/test/vscode/index.js, out/bench/vscode/index.js' : `build: ${outDir}`);
if (watch) console.log('(watch mode is not implemented; re-run npm run build)');
