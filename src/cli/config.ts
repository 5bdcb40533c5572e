import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LintSettings, SchemaInfo } from '../core/lint-context';
import { parseRailsSchema } from '../core/parsers/rails/parse-schema';
import { loadPrismParser } from '../core/parsers/rails/prism';
import { initializerFacts, PROJECT_FILES, structureSqlSchema, withProjectFacts } from '../core/project-facts';
import { defaultLintSettings, readSettingsFile, SETTINGS_FILE_NAME, SettingsFileError } from '../core/settings-keys';
import { UsageError } from './io';

/** Looked for in the current directory when no --config is given (the editor reads the same file). */
export const CONFIG_FILE_NAME = SETTINGS_FILE_NAME;

export interface LoadedConfig {
  settings: LintSettings;
  /** The file the settings came from; null for built-in defaults. */
  path: string | null;
}

/**
 * Reads `--config <file>`, or `.pg-index-guard.json` in `cwd` when there is one, and
 * validates it (the keys are the VS Code settings' names, read by the same code as the editor's).
 * A strong_migrations initializer in `cwd` that sets a lock_timeout counts as timeouts set
 * elsewhere, as it does in the editor, and its `safe_by_default = true` is read too. Every problem is a UsageError (exit 2) that names the
 * file and the key.
 */
export function loadConfig(explicitPath: string | undefined, cwd: string): LoadedConfig {
  const loaded = readConfigFile(explicitPath, cwd);
  const initializer = readText(cwd, PROJECT_FILES.initializer);
  if (initializer === null) return loaded;
  return { ...loaded, settings: withProjectFacts(loaded.settings, initializerFacts(initializer)) };
}

function readConfigFile(explicitPath: string | undefined, cwd: string): LoadedConfig {
  let path: string;
  if (explicitPath !== undefined) {
    path = resolve(cwd, explicitPath);
  } else {
    path = resolve(cwd, CONFIG_FILE_NAME);
    if (!existsSync(path)) return { settings: defaultLintSettings(), path: null };
  }
  const where = explicitPath ?? CONFIG_FILE_NAME;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read config file ${where}: ${errorMessage(error)}`);
  }
  try {
    return { settings: readSettingsFile(text), path };
  } catch (error) {
    if (!(error instanceof SettingsFileError)) throw error;
    throw new UsageError(error.wholeFile ? `Config file ${where} ${error.message}` : `${where}: ${error.message}`);
  }
}

function readText(cwd: string, path: string): string | null {
  try {
    return readFileSync(join(cwd, path), 'utf8');
  } catch {
    return null; // absent
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file or directory';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    if (code === 'EISDIR') return 'is a directory';
    return error.message;
  }
  return String(error);
}

/**
 * The indexes the project declares, as the editor reads them: db/schema.rb (with Prism), else
 * db/structure.sql; undefined when there is neither or it cannot be read (rules then know less).
 */
export async function loadProjectSchema(cwd: string): Promise<SchemaInfo | undefined> {
  const schemaRb = readText(cwd, PROJECT_FILES.schema);
  if (schemaRb !== null) return parseRailsSchema(schemaRb, await loadPrismParser());
  const structure = readText(cwd, PROJECT_FILES.structure);
  return structure === null ? undefined : structureSqlSchema(structure);
}
