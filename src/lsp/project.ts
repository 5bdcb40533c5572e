import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, isAbsolute } from 'node:path';
import type { LintSettings, SchemaInfo } from '../core/lint-context';
import { versionFolderOf } from '../core/fixes/migration-versions';
import { detectProjectTimeouts } from '../core/parsers/rails/detect-project-timeouts';
import { parseRailsSchema } from '../core/parsers/rails/parse-schema';
import type { PrismParse } from '../core/parsers/rails/prism';
import { readSettingsFile, SETTINGS_FILE_NAME, SettingsFileError } from '../core/settings-keys';

/** What the linter learns from the project's other files, as the VS Code extension reads them (ProjectFiles). */
export interface ProjectFacts {
  root: string | null;
  schema?: SchemaInfo;
  /** A strong_migrations initializer sets timeouts for every migration. */
  timeoutsConfigured: boolean;
  /** The project's `.pg-index-guard.json` (what the CLI lints with): when there is one, it wins over the editor's settings. */
  settings?: LintSettings;
  /** What is wrong with that file, when it cannot be used (the editor's settings apply then). */
  settingsProblem?: string;
}

const SCHEMA = join('db', 'schema.rb');
const INITIALIZER = join('config', 'initializers', 'strong_migrations.rb');
/** Besides the settings file, what marks a project's root when the editor named no workspace folder. */
const ROOT_MARKERS = [SETTINGS_FILE_NAME, 'Gemfile', '.git'];

/**
 * Project facts read from disk, per root. Editors do not all send file-change events, so each
 * lint compares the files' modification times (three stat calls) and reads again what changed.
 */
export class ProjectFiles {
  private readonly cache = new Map<string, { stamp: string; facts: ProjectFacts }>();
  private readonly folders = new Map<string, { stamp: number; entries: string[] }>();

  constructor(private readonly warn: (message: string) => void) {}

  /** The workspace folder holding `path` (the deepest), else the nearest folder above it with a root marker. */
  rootOf(path: string, workspaceFolders: readonly string[]): string | null {
    const inFolder = workspaceFolders.filter((folder) => contains(folder, path)).sort((a, b) => b.length - a.length)[0];
    if (inFolder) return inFolder;
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      if (ROOT_MARKERS.some((marker) => existsSync(join(dir, marker)))) return dir;
      if (dirname(dir) === dir) return null;
    }
  }

  factsFor(path: string, workspaceFolders: readonly string[], prism: PrismParse): ProjectFacts {
    const root = isAbsolute(path) ? this.rootOf(path, workspaceFolders) : null;
    if (root === null) return { root: null, timeoutsConfigured: false };
    const files = [SETTINGS_FILE_NAME, SCHEMA, INITIALIZER].map((name) => join(root, name));
    const stamp = files.map(modified).join(',');
    const cached = this.cache.get(root);
    if (cached && cached.stamp === stamp) return cached.facts;
    const facts = this.read(root, files, prism);
    this.cache.set(root, { stamp, facts });
    if (facts.settingsProblem) this.warn(facts.settingsProblem);
    return facts;
  }

  /** Names in the folder a split of `path` numbers its new migrations in; undefined when it cannot be listed. */
  versionFolderEntries(path: string): string[] | undefined {
    const folder = versionFolderOf(path);
    if (!folder) return undefined;
    const stamp = modified(folder);
    const cached = this.folders.get(folder);
    if (cached && cached.stamp === stamp) return cached.entries;
    try {
      const entries = readdirSync(folder);
      this.folders.set(folder, { stamp, entries });
      return entries;
    } catch {
      return undefined;
    }
  }

  clear(): void {
    this.cache.clear();
    this.folders.clear();
  }

  private read(root: string, [settingsPath, schemaPath, initializerPath]: string[], prism: PrismParse): ProjectFacts {
    const facts: ProjectFacts = { root, timeoutsConfigured: false };
    const settingsText = readText(settingsPath!);
    if (settingsText !== null) {
      try {
        facts.settings = readSettingsFile(settingsText);
      } catch (error) {
        if (!(error instanceof SettingsFileError)) throw error;
        const where = join(root, SETTINGS_FILE_NAME);
        facts.settingsProblem = `${error.wholeFile ? `${where} ${error.message}` : `${where}: ${error.message}`} The editor's settings are used until it is fixed.`;
      }
    }
    try {
      const schemaText = readText(schemaPath!);
      if (schemaText !== null) facts.schema = parseRailsSchema(schemaText, prism);
      const initializerText = readText(initializerPath!);
      if (initializerText !== null) facts.timeoutsConfigured = detectProjectTimeouts(initializerText).configuresTimeouts;
    } catch (error) {
      this.warn(`could not read ${SCHEMA} or ${INITIALIZER} in ${root}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return facts;
  }
}

function contains(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function modified(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
