#!/usr/bin/env node
// `npm run package`: the .vsix for the VS Code Marketplace and Open VSX. The extension's files
// are staged in a temporary folder (production bundles, docs, media) and `vsce package` runs
// there; any warning vsce prints fails the run, so what is published never needs a "y" typed.
//   node scripts/package.mjs [--vsix <file>]   (default: pg-index-guard.vsix at the root)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildProductionInto, option, root } from './lib/stage.mjs';

const vsix = resolve(option('--vsix', join(root, 'pg-index-guard.vsix')));
/** What .vscodeignore may take from; everything else in the repo is never looked at. */
const STAGED = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', '.vscodeignore', 'docs', 'media', 'schemas'];

const stage = mkdtempSync(join(tmpdir(), 'pg-index-guard-vsix-'));
try {
  for (const name of STAGED) cpSync(join(root, name), join(stage, name), { recursive: true });
  buildProductionInto(join(stage, 'dist'));
  const vsce = createRequire(import.meta.url).resolve('@vscode/vsce/vsce');
  // The bundles hold every dependency: no node_modules in the package.
  const run = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--out', vsix], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  if (run.status !== 0) process.exit(run.status ?? 1);
  if (/\bWARNING\b/i.test(run.stdout + run.stderr)) {
    console.error('package: vsce warned (above): fix it before publishing');
    process.exit(1);
  }
} finally {
  rmSync(stage, { recursive: true, force: true });
}
