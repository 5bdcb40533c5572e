#!/usr/bin/env node
// Bundles the three entries into dist/ (extension, CLI, webview) and the VS Code test
// suite into out/, and copies the parsers' WASM files beside the bundles that load them.
import { build } from 'esbuild';
import { chmodSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// The core-isolation check is part of the build: a bad import fails it here.
const check = spawnSync(process.execPath, [join(root, 'scripts/check-core-isolation.mjs')], { stdio: 'inherit' });
if (check.status !== 0) process.exit(check.status ?? 1);

rmSync(join(root, 'dist'), { recursive: true, force: true });
mkdirSync(join(root, 'dist'), { recursive: true });
copyFileSync(require.resolve('@ruby/prism/src/prism.wasm'), join(root, 'dist/prism.wasm'));
copyFileSync(join(dirname(require.resolve('libpg-query')), 'libpg-query.wasm'), join(root, 'dist/libpg-query.wasm'));

const node = {
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

await Promise.all([
  build({ ...node, entryPoints: [join(root, 'src/extension/extension.ts')], outfile: join(root, 'dist/extension.js') }),
  build({
    ...node,
    entryPoints: [join(root, 'src/cli/main.ts')],
    outfile: join(root, 'dist/cli.js'),
    banner: { js: '#!/usr/bin/env node' },
  }),
  build({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'esm',
    sourcemap: production ? false : 'linked',
    minify: production,
    logLevel: 'warning',
    entryPoints: [join(root, 'webview/main.ts')],
    outfile: join(root, 'dist/webview.js'),
  }),
  // Test suites that run inside the VS Code extension host; mocha stays a real require.
  build({
    ...node,
    sourcemap: 'inline',
    entryPoints: [join(root, 'test/vscode/index.ts')],
    outfile: join(root, 'out/test/vscode/index.js'),
    external: ['vscode', 'mocha', 'pg-native'],
  }),
]);
chmodSync(join(root, 'dist/cli.js'), 0o755);
console.log('build: dist/extension.js, dist/cli.js, dist/webview.js, out/test/vscode/index.js');
if (watch) console.log('(watch mode is not implemented; re-run npm run build)');
