// Writes schemas/pg-index-guard.schema.json, package.json's contributes.configuration and the
// README settings table (between its markers) from the settings table, src/core/settings-schema.ts.
//   node --import tsx scripts/generate-settings.ts          write the files   (npm run generate:settings)
//   node --import tsx scripts/generate-settings.ts --check  exit 1 when they drift
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expectedSettingsFiles, settingsDrift } from '../src/core/settings-docs';
import { repoReader } from './generate-rule-docs';

/** The files that drift from the settings table; unless `check`, rewrites them first. */
export function generateSettings(root: string, options: { check: boolean }): string[] {
  const read = repoReader(root);
  if (!options.check) {
    for (const [relativePath, text] of expectedSettingsFiles(read)) {
      if (read(relativePath) === text) continue;
      const path = join(root, relativePath);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      console.log(`wrote ${relativePath}`);
    }
  }
  return settingsDrift(read);
}

function main(): void {
  const check = process.argv.includes('--check');
  const drifted = generateSettings(resolve(__dirname, '..'), { check });
  if (drifted.length === 0) return;
  console.error(`Out of date with src/core/settings-schema.ts: ${drifted.join(', ')}.\nRun: npm run generate:settings`);
  process.exit(1);
}

if (process.argv[1] && /generate-settings\.ts$/.test(process.argv[1])) main();
