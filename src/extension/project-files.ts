import * as vscode from 'vscode';
import type { PrismParse } from '../core/parsers/rails/prism';
import { versionFolderOf } from '../core/fixes/migration-versions';
import { PROJECT_FILES, projectFactsFromTexts, type ProjectFacts as CoreProjectFacts } from '../core/project-facts';

/** What the linter learns from a folder's other files (see core/project-facts), with a bad settings file as a message to show. */
export type ProjectFacts = Omit<CoreProjectFacts, 'settingsError' | 'readProblem'> & {
  /** What is wrong with `.pg-index-guard.json`, when it cannot be used (VS Code's settings apply then). */
  settingsProblem?: string;
};

const WATCHED = `{${Object.values(PROJECT_FILES)
  .map((path) => `**/${path}`)
  .join(',')}}`;

/**
 * Reads db/schema.rb (columns for prefer-partial-index) and the strong_migrations
 * initializer (project-wide timeouts), re-reading when they change on disk; and lists the
 * folders migrations are numbered in, so a split picks versions no migration has.
 */
export class ProjectFiles implements vscode.Disposable {
  private readonly cache = new Map<string, Promise<ProjectFacts>>();
  private readonly watcher = vscode.workspace.createFileSystemWatcher(WATCHED);
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
    if (!folder) return Promise.resolve({ timeoutsConfigured: false, safeByDefault: false });
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
    const [settings, schema, initializer] = await Promise.all([text(PROJECT_FILES.settings), text(PROJECT_FILES.schema), text(PROJECT_FILES.initializer)]);
    const structure = schema === null ? await text(PROJECT_FILES.structure) : null;
    const { settingsError, readProblem, ...facts } = await projectFactsFromTexts({ settings, schema, structure, initializer }, () => prism);
    if (readProblem) this.log.warn(readProblem);
    if (!settingsError) return facts;
    return { ...facts, settingsProblem: settingsError.describe(PROJECT_FILES.settings) };
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
    this.migrationWatcher.dispose();
    this.foldersChanged.dispose();
  }
}
