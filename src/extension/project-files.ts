import * as vscode from 'vscode';
import type { LintSettings, SchemaInfo } from '../core/lint-context';
import { detectProjectTimeouts, detectStrongMigrationsSafeByDefault } from '../core/parsers/rails/detect-project-timeouts';
import { readStructureSqlIndexes } from '../db/declared-indexes';
import { parseRailsSchema } from '../core/parsers/rails/parse-schema';
import type { PrismParse } from '../core/parsers/rails/prism';
import { versionFolderOf } from '../core/fixes/migration-versions';
import { readSettingsFile, SETTINGS_FILE_NAME, SettingsFileError } from '../core/settings-keys';

/** What the linter learns from a Rails app's other files, per workspace folder. */
export interface ProjectFacts {
  schema?: SchemaInfo;
  /** A strong_migrations initializer sets timeouts for every migration. */
  timeoutsConfigured: boolean;
  /** The initializer sets `StrongMigrations.safe_by_default = true`. */
  safeByDefault?: boolean;
  /**
   * The lint settings of the folder's `.pg-index-guard.json`, the file the CLI reads: when there
   * is one, it is the folder's lint settings, so the editor and CI agree.
   */
  settings?: LintSettings;
  /** What is wrong with that file, when it cannot be used (VS Code's settings apply then). */
  settingsProblem?: string;
}

const SCHEMA = 'db/schema.rb';
/** The schema of an app on `config.active_record.schema_format = :sql`: its indexes, when there is no schema.rb. */
const STRUCTURE = 'db/structure.sql';
const INITIALIZER = 'config/initializers/strong_migrations.rb';
const SETTINGS_FILE = SETTINGS_FILE_NAME;

/**
 * Reads db/schema.rb (columns for prefer-partial-index) and the strong_migrations
 * initializer (project-wide timeouts), re-reading when they change on disk; and lists the
 * folders migrations are numbered in, so a split picks versions no migration has.
 */
export class ProjectFiles implements vscode.Disposable {
  private readonly cache = new Map<string, Promise<ProjectFacts>>();
  private readonly watcher = vscode.workspace.createFileSystemWatcher(`{**/${SCHEMA},**/${STRUCTURE},**/${INITIALIZER},**/${SETTINGS_FILE}}`);
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly folderEntries = new Map<string, Promise<string[] | undefined>>();
  private readonly migrationWatcher = vscode.workspace.createFileSystemWatcher('**/*.{rb,sql}', true, true, false);
  private readonly foldersChanged = new vscode.EventEmitter<void>();
  /** A migration file appeared or went away: versions taken may have changed. */
  readonly onDidChangeVersionFolders = this.foldersChanged.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    const forget = () => {
      this.cache.clear();
      this.changed.fire();
    };
    this.watcher.onDidChange(forget);
    this.watcher.onDidCreate(forget);
    this.watcher.onDidDelete(forget);
    const forgetFolders = () => {
      this.folderEntries.clear();
      this.foldersChanged.fire();
    };
    this.migrationWatcher.onDidCreate(forgetFolders);
    this.migrationWatcher.onDidDelete(forgetFolders);
  }

  /** Names in the folder the migration at `uri` is numbered in; undefined when it cannot be listed. */
  versionFolderEntries(uri: vscode.Uri): Promise<string[] | undefined> {
    const folder = uri.with({ path: versionFolderOf(uri.path) || '/' });
    const key = folder.toString();
    let entries = this.folderEntries.get(key);
    if (!entries) {
      entries = Promise.resolve(vscode.workspace.fs.readDirectory(folder)).then(
        (listing) => listing.map(([name]) => name),
        () => undefined, // an untitled document, a folder gone: the split then counts from the file's own version
      );
      this.folderEntries.set(key, entries);
    }
    return entries;
  }

  factsFor(uri: vscode.Uri, prism: PrismParse): Promise<ProjectFacts> {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return Promise.resolve({ timeoutsConfigured: false });
    const key = folder.uri.toString();
    let facts = this.cache.get(key);
    if (!facts) {
      facts = this.read(folder.uri, prism);
      this.cache.set(key, facts);
    }
    return facts;
  }

  private async read(root: vscode.Uri, prism: PrismParse): Promise<ProjectFacts> {
    const text = async (path: string) => {
      try {
        return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, path)));
      } catch {
        return null;
      }
    };
    const [schemaText, initializerText, settingsText] = await Promise.all([text(SCHEMA), text(INITIALIZER), text(SETTINGS_FILE)]);
    const structureText = schemaText === null ? await text(STRUCTURE) : null;
    const facts: ProjectFacts = { timeoutsConfigured: false };
    if (settingsText !== null) {
      try {
        facts.settings = readSettingsFile(settingsText);
      } catch (error) {
        if (!(error instanceof SettingsFileError)) throw error;
        facts.settingsProblem = error.wholeFile ? `${SETTINGS_FILE} ${error.message}` : `${SETTINGS_FILE}: ${error.message}`;
      }
    }
    try {
      if (schemaText !== null) facts.schema = parseRailsSchema(schemaText, prism);
      else if (structureText !== null) facts.schema = structureSchema(structureText);
      if (initializerText !== null) {
        facts.timeoutsConfigured = detectProjectTimeouts(initializerText).configuresTimeouts;
        facts.safeByDefault = detectStrongMigrationsSafeByDefault(initializerText);
      }
    } catch (error) {
      this.log.warn(`could not read ${SCHEMA} or ${INITIALIZER}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return facts;
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
    this.migrationWatcher.dispose();
    this.foldersChanged.dispose();
  }
}

/** db/structure.sql's indexes as the linter's schema (its column types are not read). */
function structureSchema(source: string): SchemaInfo {
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
