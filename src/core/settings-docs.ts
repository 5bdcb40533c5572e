// The files generated from the settings table (settings-schema.ts): the schema of
// `.pg-index-guard.json`, package.json's contributes.configuration and the README's settings
// table. Pure: scripts/generate-settings.ts does the file I/O, settings-schema.test.ts the drift check.
import type { ReadRepoFile } from './rules/rule-docs';
import {
  contributedConfiguration,
  README_SETTINGS_END,
  README_SETTINGS_START,
  readmeSettingsTable,
  replaceReadmeSettingsTable,
  SETTINGS_SCHEMA_PATH,
  settingsFileSchema,
} from './settings-schema';

/**
 * Where the value of `"key": ` at `indent` spaces ends in JSON text printed by JSON.stringify(…, 2):
 * the value's [start, end) offsets, or null when the key is not there at that indentation.
 */
export function jsonValueSpan(text: string, key: string, indent: number): [number, number] | null {
  const opening = `\n${' '.repeat(indent)}${JSON.stringify(key)}: `;
  const at = text.indexOf(opening);
  if (at < 0) return null;
  const start = at + opening.length;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      depth--;
      if (depth === 0) return [start, i + 1];
    }
  }
  return null;
}

/** package.json with its contributes.configuration replaced by the generated one, the rest of the text untouched. */
export function withContributedConfiguration(packageJson: string): string | null {
  const contributes = jsonValueSpan(packageJson, 'contributes', 2);
  if (!contributes) return null;
  const inside = packageJson.slice(contributes[0], contributes[1]);
  const span = jsonValueSpan(inside, 'configuration', 4);
  if (!span) return null;
  const generated = JSON.stringify(contributedConfiguration(), null, 2).replace(/\n/g, `\n${' '.repeat(4)}`);
  const start = contributes[0] + span[0];
  return packageJson.slice(0, start) + generated + packageJson.slice(contributes[0] + span[1]);
}

/** Every generated file's expected text, by its path from the repository's root. */
export function expectedSettingsFiles(read: ReadRepoFile): Map<string, string> {
  const files = new Map<string, string>();
  files.set(SETTINGS_SCHEMA_PATH, `${JSON.stringify(settingsFileSchema(), null, 2)}\n`);
  const packageJson = read('package.json');
  const updatedPackage = packageJson === null ? null : withContributedConfiguration(packageJson);
  if (updatedPackage === null) throw new Error('package.json has no contributes.configuration to replace');
  files.set('package.json', updatedPackage);
  const readme = read('README.md');
  const updatedReadme = readme === null ? null : replaceReadmeSettingsTable(readme, readmeSettingsTable());
  if (updatedReadme === null) throw new Error(`README.md has no ${README_SETTINGS_START} … ${README_SETTINGS_END} markers around its settings table`);
  files.set('README.md', updatedReadme);
  return files;
}

/** The generated files that differ from the settings table. */
export function settingsDrift(read: ReadRepoFile): string[] {
  return [...expectedSettingsFiles(read)].filter(([path, text]) => read(path) !== text).map(([path]) => path);
}
