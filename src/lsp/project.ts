import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { versionFolderOf } from '../core/fixes/migration-versions';
import type { PrismParse } from '../core/parsers/rails/prism';
import { PROJECT_FILES, projectFactsFromTexts, type ProjectFacts as CoreProjectFacts, type ProjectTexts } from '../core/project-facts';
import { SETTINGS_FILE_NAME } from '../core/settings-keys';

/** What the linter learns from the project's other files (see core/project-facts), and the project's root. */
export type ProjectFacts = Omit<CoreProjectFacts, 'settingsError' | 'readProblem'> & {
  root: string | null;
  /** What is wrong with `.pg-index-guard.json`, when it cannot be used (the editor's settings apply then). */
  settingsProblem?: string;
};

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

  async factsFor(path: string, workspaceFolders: readonly string[], prism: PrismParse): Promise<ProjectFacts> {
    const root = isAbsolute(path) ? this.rootOf(path, workspaceFolders) : null;
    if (root === null) return { root: null, timeoutsConfigured: false, safeByDefault: false };
    const stamp = Object.values(PROJECT_FILES)
      .map((name) => modified(join(root, name)))
      .join(',');
    const cached = this.cache.get(root);
    if (cached && cached.stamp === stamp) return cached.facts;
    const facts = await this.read(root, prism);
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

  private async read(root: string, prism: PrismParse): Promise<ProjectFacts> {
    const text = (name: keyof typeof PROJECT_FILES) => readText(join(root, PROJECT_FILES[name]));
    const schema = text('schema');
    const texts: ProjectTexts = { settings: text('settings'), schema, structure: schema === null ? text('structure') : null, initializer: text('initializer') };
    const { settingsError, readProblem, ...facts } = await projectFactsFromTexts(texts, () => prism);
    if (readProblem) this.warn(`${readProblem} in ${root}`);
    if (!settingsError) return { root, ...facts };
    return { root, ...facts, settingsProblem: `${settingsError.describe(join(root, PROJECT_FILES.settings))} The editor's settings are used until it is fixed.` };
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
