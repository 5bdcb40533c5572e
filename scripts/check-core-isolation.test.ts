import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const script = join(__dirname, 'check-core-isolation.mjs');

function checkTree(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'pgig-core-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, 'core', name, '..'), { recursive: true });
      writeFileSync(join(dir, 'core', name), text);
    }
    return spawnSync(process.execPath, [script, join(dir, 'core')], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the real src/core passes the isolation check', () => {
  const result = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});

for (const [name, text] of [
  ['vscode', "import * as vscode from 'vscode';\n"],
  ['pg', "import { Client } from 'pg';\n"],
  ['a relative import out of the core', "import { x } from '../../extension/thing';\n"],
  ['the DOM', 'export const el = document.createElement("div");\n'],
  ['a require of vscode', "const vscode = require('vscode');\n"],
] as const) {
  test(`the isolation check fails on ${name}`, () => {
    const result = checkTree({ 'rules/bad.ts': text, 'ok.ts': 'export const ok = 1;\n' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /core isolation: .*bad\.ts/);
  });
}
