// Writes docs/rules/<id>.md and the README rule table (between its markers) from each
// rule's metadata; the text itself comes from src/core/rules/rule-docs.ts.
//   node --import tsx scripts/generate-rule-docs.ts          write the files
//   node --import tsx scripts/generate-rule-docs.ts --check  exit 1 when they drift (CI)
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expectedRuleDocs, ruleDocsDrift, type ReadRepoFile } from '../src/core/rules/rule-docs';

export function repoReader(root: string): ReadRepoFile {
  return (relativePath) => {
    const path = join(root, relativePath);
    return existsSync(path) ? readFileSync(path, 'utf8') : null;
  };
}

export function rulePageNames(root: string): string[] {
  const dir = join(root, 'docs', 'rules');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** The files that drift from the rules' metadata; unless `check`, rewrites them first (stale pages are only reported). */
export function generateRuleDocs(root: string, options: { check: boolean }): string[] {
  const read = repoReader(root);
  if (!options.check) {
    for (const [relativePath, text] of expectedRuleDocs(read)) {
      if (read(relativePath) === text) continue;
      const path = join(root, relativePath);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      console.log(`wrote ${relativePath}`);
    }
  }
  return ruleDocsDrift(read, rulePageNames(root));
}

function main(): void {
  const check = process.argv.includes('--check');
  const drifted = generateRuleDocs(resolve(__dirname, '..'), { check });
  if (drifted.length === 0) return;
  console.error(
    check
      ? `Rule docs are out of date: ${drifted.join(', ')}.\nRun: node --import tsx scripts/generate-rule-docs.ts`
      : `Pages of rules that no longer exist, delete them: ${drifted.join(', ')}`,
  );
  process.exit(1);
}

if (process.argv[1] && /generate-rule-docs\.ts$/.test(process.argv[1])) main();
