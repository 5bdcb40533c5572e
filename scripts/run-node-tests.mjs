#!/usr/bin/env node
// Runs node's built-in test runner over every *.test.ts below the given folders
// (Node 20's --test does not expand globs itself).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const roots = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(path);
  }
};
for (const root of roots) walk(root);
files.sort();
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
// The builds the tests run are no measurements of the developer's servers: keep them out of
// ~/.local/state (CLIs the tests start as processes inherit this).
const scratch = mkdtempSync(join(tmpdir(), 'pgig-tests-'));
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--no-warnings=ExperimentalWarning', '--test', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, PG_INDEX_GUARD_BUILD_HISTORY: join(scratch, 'build-history.json') } },
);
rmSync(scratch, { recursive: true, force: true });
process.exit(result.status ?? 1);
