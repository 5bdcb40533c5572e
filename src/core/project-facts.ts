// What the linter learns from a project's other files, read the same way by the CLI, the VS Code
// extension and the language server (each reads the files its own way and hands the texts here),
// so the three lint a project alike.
import type { LintSettings, SchemaInfo } from './lint-context';
import { readStructureSqlIndexes } from './parsers/declared-indexes';
import { detectProjectTimeouts, detectStrongMigrationsSafeByDefault } from './parsers/rails/detect-project-timeouts';
import { parseRailsSchema } from './parsers/rails/parse-schema';
import type { PrismParse } from './parsers/rails/prism';
import { readSettingsFile, SETTINGS_FILE_NAME, SettingsFileError } from './settings-keys';

/** The project files that change how migrations are linted, relative to the project's root. */
export const PROJECT_FILES = {
  settings: SETTINGS_FILE_NAME,
  /** Columns and indexes (prefer-partial-index, require-index-for-foreign-key, removed indexed columns). */
  schema: 'db/schema.rb',
  /** The schema of an app on `config.active_record.schema_format = :sql`, read when there is no schema.rb. */
  structure: 'db/structure.sql',
  /** strong_migrations: timeouts set for every migration, `safe_by_default`. */
  initializer: 'config/initializers/strong_migrations.rb',
} as const;

/** Each file's text; null when it is absent or unreadable. */
export type ProjectTexts = Record<keyof typeof PROJECT_FILES, string | null>;

export interface ProjectFacts {
  schema?: SchemaInfo;
  /** The strong_migrations initializer sets timeouts for every migration. */
  timeoutsConfigured: boolean;
  /** The initializer sets `StrongMigrations.safe_by_default = true`. */
  safeByDefault: boolean;
  /** The project's `.pg-index-guard.json`, when there is one and it is valid. */
  settings?: LintSettings;
  /** Why that file cannot be used; the caller decides what a bad file means (the CLI: a usage error). */
  settingsError?: SettingsFileError;
  /** Why db/schema.rb, db/structure.sql or the initializer could not be read. */
  readProblem?: string;
}

/** Reads the texts; Prism is asked for only when there is a db/schema.rb. */
export async function projectFactsFromTexts(texts: ProjectTexts, prism: () => PrismParse | Promise<PrismParse>): Promise<ProjectFacts> {
  const facts: ProjectFacts = { timeoutsConfigured: false, safeByDefault: false };
  if (texts.settings !== null) {
    try {
      facts.settings = readSettingsFile(texts.settings);
    } catch (error) {
      if (!(error instanceof SettingsFileError)) throw error;
      facts.settingsError = error;
    }
  }
  try {
    if (texts.schema !== null) facts.schema = parseRailsSchema(texts.schema, await prism());
    else if (texts.structure !== null) facts.schema = structureSqlSchema(texts.structure);
    if (texts.initializer !== null) Object.assign(facts, initializerFacts(texts.initializer));
  } catch (error) {
    facts.readProblem = `could not read ${PROJECT_FILES.schema}, ${PROJECT_FILES.structure} or ${PROJECT_FILES.initializer}: ${error instanceof Error ? error.message : String(error)}`;
  }
  return facts;
}

/** What the strong_migrations initializer tells the linter. */
export function initializerFacts(source: string): Pick<ProjectFacts, 'timeoutsConfigured' | 'safeByDefault'> {
  return { timeoutsConfigured: detectProjectTimeouts(source).configuresTimeouts, safeByDefault: detectStrongMigrationsSafeByDefault(source) };
}

/** The lint settings with what the project's files add; a new object, `settings` is left as it was. */
export function withProjectFacts(settings: LintSettings, facts: Pick<ProjectFacts, 'timeoutsConfigured' | 'safeByDefault'>): LintSettings {
  return {
    ...settings,
    ...(facts.timeoutsConfigured ? { timeoutsConfiguredElsewhere: true } : {}),
    ...(facts.safeByDefault ? { strongMigrationsSafeByDefault: true } : {}),
  };
}

/** db/structure.sql's indexes as the linter's schema (its column types are not read). */
export function structureSqlSchema(source: string): SchemaInfo {
  return {
    tables: new Map(),
    indexes: readStructureSqlIndexes(source).map((index) => ({
      table: index.schema === null || index.schema === 'public' ? index.table : `${index.schema}.${index.table}`,
      columns: index.columns,
      name: index.name,
      unique: index.unique,
      where: index.where,
    })),
  };
}
