import * as vscode from 'vscode';
import { defaultContext, type DatabaseFacts, type LintContext } from '../core/lint-context';
import { isMigrationPath, languageOfPath, lintSource, loadGrammarsFor, loadParsers, type LintResult, type MigrationLanguage, type Parsers } from '../core/lint';
import type { Finding } from '../core/rules/rule';
import { ProjectFiles } from './project-files';
import { readLintSettings } from './settings';
import { withProjectFacts } from '../core/project-facts';

/** Which documents are migrations we lint. Cheap checks only: this runs on every keystroke. */
export function migrationLanguage(document: vscode.TextDocument): MigrationLanguage | null {
  if (document.uri.scheme === 'output' || document.uri.scheme === 'git') return null;
  if (document.languageId === 'ruby' || document.fileName.endsWith('.rb')) return 'ruby';
  if (document.languageId === 'sql' || document.fileName.endsWith('.sql')) return 'sql';
  // Python and JS/TS: only in the folders Django and the Node ORMs keep migrations in.
  const language = languageOfPath(document.fileName);
  if (language && isMigrationPath(document.uri.path, language)) return language;
  return null;
}

/** The path the core lints a document under (and derives a split's new file paths from). */
export function lintPathOf(document: vscode.TextDocument): string {
  return document.uri.fsPath || document.uri.path;
}

/**
 * Lints documents and remembers the result per document version, so code actions
 * build their edits from exactly the text the diagnostics were computed on.
 */
export class LintService {
  private parsers: Promise<Parsers> | undefined;
  private readonly cache = new Map<string, { version: number; result: LintResult }>();
  /** Files on disk linted without an editor (pending migrations), by modification time. */
  private readonly fileCache = new Map<string, { mtime: number; size: number; findings: Finding[] }>();
  private databaseFacts: DatabaseFacts | undefined;

  readonly projectFiles: ProjectFiles;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.projectFiles = new ProjectFiles(log);
    // Results hold split fixes numbered after the versions seen: lint again when files come or go.
    this.projectFiles.onDidChangeVersionFolders(() => this.clear());
  }

  /** Settings, plus what the project's files and the connected database tell. */
  async contextFor(document: vscode.TextDocument | vscode.Uri): Promise<LintContext> {
    const uri = document instanceof vscode.Uri ? document : document.uri;
    const context = defaultContext();
    const parsers = await this.loadParsers();
    const project = await this.projectFiles.factsFor(uri, parsers.ruby);
    if (project.settingsProblem) this.warnOnce(project.settingsProblem);
    // The folder's .pg-index-guard.json is what the CLI lints with: it wins over VS Code's settings.
    context.settings = withProjectFacts(project.settings ?? readLintSettings(uri, (problem) => this.logOnce(problem)), project);
    if (project.schema) context.schema = project.schema;
    if (this.databaseFacts) context.database = this.databaseFacts;
    const entries = await this.projectFiles.versionFolderEntries(uri);
    if (entries) context.versionFolderEntries = entries;
    return context;
  }

  /** What the connected database knows, as last collected (the hover and CodeLens read it); undefined when disconnected. */
  currentDatabaseFacts(): DatabaseFacts | undefined {
    return this.databaseFacts;
  }

  private readonly warned = new Set<string>();

  /** A broken settings file is said once per problem, not on every lint. */
  /** A bad VS Code setting: its settings UI already flags it (the schema), so only the log tells what was used. */
  private logOnce(problem: string): void {
    if (this.warned.has(problem)) return;
    this.warned.add(problem);
    this.log.warn(problem);
  }

  private warnOnce(problem: string): void {
    if (this.warned.has(problem)) return;
    this.warned.add(problem);
    this.log.warn(`${problem} VS Code's pgIndexGuard settings are used until it is fixed.`);
    void vscode.window.showWarningMessage(`PG Index Guard: ${problem} VS Code's settings are used until it is fixed.`);
  }

  /** What the connected database knows (row estimates, version); undefined when disconnected. */
  setDatabaseFacts(facts: DatabaseFacts | undefined): void {
    this.databaseFacts = facts;
    this.clear();
  }

  /** `languages`: also the tree-sitter grammars of these (Django, Node ORMs), compiled on first use. */
  async loadParsers(languages: readonly MigrationLanguage[] = []): Promise<Parsers> {
    this.parsers ??= loadParsers();
    try {
      const parsers = await this.parsers;
      await loadGrammarsFor(languages);
      return parsers;
    } catch (error) {
      this.parsers = undefined;
      throw error;
    }
  }

  /** Result for the document's current version (computed now if needed). */
  async lint(document: vscode.TextDocument): Promise<LintResult | null> {
    const language = migrationLanguage(document);
    if (!language) return null;
    const key = document.uri.toString();
    const cached = this.cache.get(key);
    if (cached && cached.version === document.version) return cached.result;
    const version = document.version;
    // Django / Node ORM migrations: their tree-sitter grammar too, compiled on the first such file.
    const parsers = await this.loadParsers([language]);
    const context = await this.contextFor(document);
    if (document.version !== version) return this.lint(document); // typed on meanwhile
    const started = performance.now();
    const result = lintSource(lintPathOf(document), document.getText(), language, context, parsers);
    this.log.debug(`linted ${vscode.workspace.asRelativePath(document.uri)} v${version}: ${result.findings.length} findings in ${(performance.now() - started).toFixed(1)} ms`);
    this.cache.set(key, { version, result });
    return result;
  }

  /** Findings of a file on disk (pending migrations that are not open). Empty when it cannot be read. */
  async lintFile(uri: vscode.Uri): Promise<Finding[]> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) return (await this.lint(open))?.findings ?? [];
    const language = languageOfPath(uri.path);
    if (!language) return [];
    try {
      // The status view asks again on every refresh: re-read and re-lint only what changed on disk.
      const { mtime, size } = await vscode.workspace.fs.stat(uri);
      const key = uri.toString();
      const cached = this.fileCache.get(key);
      if (cached && cached.mtime === mtime && cached.size === size) return cached.findings;
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      const parsers = await this.loadParsers([language]);
      const findings = lintSource(uri.fsPath, text, language, await this.contextFor(uri), parsers).findings;
      this.fileCache.set(key, { mtime, size, findings });
      return findings;
    } catch {
      return [];
    }
  }

  forget(document: vscode.TextDocument): void {
    this.cache.delete(document.uri.toString());
  }

  /** Forgets every result: settings, project files or database facts changed. */
  clear(): void {
    this.cache.clear();
    this.fileCache.clear();
  }

  dispose(): void {
    this.projectFiles.dispose();
  }
}
