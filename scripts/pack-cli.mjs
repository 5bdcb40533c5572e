#!/usr/bin/env node
// `npm run pack:cli`: the CLI (and its language server) as an npm package of its own,
// `pg-index-guard`, without the extension: the production bundles (every dependency inside
// them, so the package has none), the parsers' WASM, README, LICENSE and CHANGELOG. No sources,
// tests or fixtures. Prints `npm pack --json`'s report; the tarball goes to --out.
//   node scripts/pack-cli.mjs [--out <dir>]   (default: the repo's root)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLI_FILES, buildProductionInto, option, root } from './lib/stage.mjs';

const out = resolve(option('--out', root));

const extension = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const manifest = {
  name: extension.name,
  version: extension.version,
  description: 'Lints Postgres index migrations (Rails and SQL) for CI, fixes them, watches index builds, and serves the same checks to any editor as a language server (pg-index-guard lsp --stdio).',
  license: extension.license,
  repository: extension.repository,
  bugs: extension.bugs,
  homepage: extension.homepage,
  keywords: [...extension.keywords, 'cli', 'lsp', 'language-server'],
  engines: { node: extension.engines.node },
  bin: { 'pg-index-guard': 'dist/cli.js' },
  files: [...CLI_FILES.map((name) => `dist/${name}`), 'CHANGELOG.md'],
};

const stage = mkdtempSync(join(tmpdir(), 'pg-index-guard-npm-'));
try {
  const built = join(stage, 'build');
  buildProductionInto(built);
  mkdirSync(join(stage, 'package', 'dist'), { recursive: true });
  for (const name of CLI_FILES) copyFileSync(join(built, name), join(stage, 'package', 'dist', name));
  for (const name of ['README.md', 'LICENSE', 'CHANGELOG.md']) copyFileSync(join(root, name), join(stage, 'package', name));
  writeFileSync(join(stage, 'package', 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  mkdirSync(out, { recursive: true });
  const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: join(stage, 'package'), encoding: 'utf8' });
  if (pack.status !== 0) {
    process.stderr.write(pack.stderr);
    process.exit(pack.status ?? 1);
  }
  process.stdout.write(pack.stdout);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
