import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

test('the language server imports neither vscode nor the extension (it runs outside VS Code)', () => {
  const problems: string[] = [];
  for (const name of readdirSync(__dirname).filter((n) => n.endsWith('.ts'))) {
    for (const { fileName } of ts.preProcessFile(readFileSync(join(__dirname, name), 'utf8'), true, true).importedFiles) {
      if (fileName === 'vscode' || fileName.startsWith('@vscode/') || /(^|\/)extension(\/|$)/.test(fileName)) problems.push(`${name}: ${fileName}`);
    }
  }
  assert.deepEqual(problems, []);
});
