// The language server: the core's lint, fixes and lock facts for any editor that speaks LSP.
// Everything editor-specific stays in the client; this file only converts types and keeps
// results per document version, as the VS Code adapters do.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  MarkupKind,
  TextDocuments,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeActionParams,
  type Connection,
  type Diagnostic,
  type Hover,
  type HoverParams,
  type InitializeParams,
  type InitializeResult,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { disableEdits, fixAll } from '../core/fix-all';
import { writableFixes, type Edit, type Fix } from '../core/fixes/fix';
import { segmentsFromFolderOf } from '../core/fixes/migration-versions';
import { defaultContext, type LintContext } from '../core/lint-context';
import { isMigrationPath, languageOfPath, lintSource, loadGrammarsFor, loadParsers, SYNTAX_ERROR, type LintResult, type MigrationLanguage, type Parsers } from '../core/lint';
import { GUARDING_RULE, impactMarkdown } from '../core/locks/describe';
import { withProjectFacts } from '../core/project-facts';
import { impactAt } from '../core/locks/explain';
import type { MigrationFile } from '../core/model/migration';
import { productionSafeFix } from '../core/production-safe';
import { RULES } from '../core/rules';
import type { Finding, Severity } from '../core/rules/rule';
import { DatabaseFactsSource } from './database';
import { ProjectFiles } from './project';
import { ruleDocsUrl } from './rule-links';
import { readClientSettings, SETTINGS_SECTION, type ClientSettings } from './settings';

export const DIAGNOSTIC_SOURCE = 'pg-index-guard';
/** `source.fixAll.pgIndexGuard`: every safe fix at once (editors run it on save when asked to). */
export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.pgIndexGuard`;
/**
 * How long an edited document must stay unchanged before our syntax error shows (as in VS Code):
 * while typing, a class is unfinished most of the time, and saying so is the Ruby server's job.
 */
export const SYNTAX_ERROR_SETTLE_MS = 2_000;

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/**
 * Code actions that act on the whole migration rather than on one finding. Each gets the parsed
 * file, its findings and the context, and returns fixes for it (empty when nothing applies); they
 * are offered after the per-finding fixes whenever the file has findings of ours. This is where a
 * core action such as "Make this migration production-safe" joins the server.
 */
export type MigrationAction = (file: MigrationFile, findings: readonly Finding[], context: LintContext) => Fix[];
export const MIGRATION_ACTIONS: MigrationAction[] = [
  // The production guide's pattern for every index operation at once (unsafe, never in fix-all).
  (file, findings, context) => {
    const fix = productionSafeFix(file, context, findings);
    return fix ? [fix] : [];
  },
];

interface LintedVersion {
  version: number;
  result: LintResult;
  context: LintContext;
  path: string;
  language: MigrationLanguage;
}

/** Which documents are migrations we lint: by language id first, by file name otherwise. */
export function migrationLanguage(document: TextDocument): MigrationLanguage | null {
  const id = document.languageId;
  if (id === 'ruby' || document.uri.endsWith('.rb')) return 'ruby';
  if (id === 'sql' || id === 'pgsql' || id === 'postgres' || id === 'plpgsql' || document.uri.endsWith('.sql')) return 'sql';
  // Python and JS/TS: only in the folders Django and the Node ORMs keep migrations in.
  const path = lintPathOf(document.uri);
  const language = languageOfPath(path);
  return language && isMigrationPath(path.replace(/\\/g, '/'), language) ? language : null;
}

/** The path the core lints a document under: the file's path for file: URIs, else the URI's path. */
export function lintPathOf(uri: string): string {
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri);
    } catch {
      // an odd file URI (a host name): use its path as it is
    }
  }
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return uri;
  }
}

/** Wires the server's handlers onto `connection` and starts listening. */
export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const project = new ProjectFiles((message) => warnOnce(message));
  const database = new DatabaseFactsSource(
    () => relintAll(),
    (message) => warnOnce(message),
  );
  let parsers: Promise<Parsers> | undefined;
  let initializationSettings: unknown = {};
  /** Settings pushed in workspace/didChangeConfiguration, for clients that are not asked. */
  let pushedSettings: unknown = undefined;
  let canAskConfiguration = false;
  let canRegisterConfiguration = false;
  let tellsWorkspaceFolders = false;
  let versionedEdits = false;
  let canCreateFiles = false;
  let workspaceFolders: string[] = [];
  const configurationCache = new Map<string, Promise<ClientSettings>>();
  const cache = new Map<string, LintedVersion>();
  const timers = new Map<string, NodeJS.Timeout>();
  /** The version of each edited document that stayed unchanged long enough to show syntax errors. */
  const settled = new Map<string, number>();
  const warned = new Set<string>();

  function warnOnce(message: string): void {
    if (warned.has(message)) return;
    warned.add(message);
    connection.console.warn(message);
    void connection.window.showWarningMessage(`PG Index Guard: ${message}`);
  }

  function loadParsersOnce(): Promise<Parsers> {
    parsers ??= loadParsers().catch((error: unknown) => {
      parsers = undefined;
      throw error;
    });
    return parsers;
  }

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    initializationSettings = params.initializationOptions ?? {};
    const capabilities = params.capabilities;
    canAskConfiguration = capabilities.workspace?.configuration === true;
    canRegisterConfiguration = capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true;
    tellsWorkspaceFolders = capabilities.workspace?.workspaceFolders === true;
    versionedEdits = capabilities.workspace?.workspaceEdit?.documentChanges === true;
    canCreateFiles = versionedEdits && (capabilities.workspace?.workspaceEdit?.resourceOperations ?? []).includes('create');
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : params.rootPath ? [pathToFileURL(params.rootPath).href] : []);
    workspaceFolders = folders.filter((uri) => uri.startsWith('file:')).map(lintPathOf);
    // Compile the parsers while the editor opens its first file.
    void loadParsersOnce().catch((error: unknown) => connection.console.error(`could not load the parsers: ${errorText(error)}`));
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND] },
        hoverProvider: true,
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'pg-index-guard' },
    };
  });

  connection.onInitialized(() => {
    if (canRegisterConfiguration) void connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
    if (tellsWorkspaceFolders) {
      connection.workspace.onDidChangeWorkspaceFolders((event) => {
        const removed = new Set(event.removed.map((f) => lintPathOf(f.uri)));
        workspaceFolders = [...workspaceFolders.filter((f) => !removed.has(f)), ...event.added.map((f) => lintPathOf(f.uri))];
        relintAll();
      });
    }
  });

  connection.onDidChangeConfiguration((change) => {
    pushedSettings = change.settings ?? undefined;
    relintAll();
  });

  // Editors that watch files for us: a changed settings file or schema is re-read on the next lint anyway.
  connection.onDidChangeWatchedFiles(() => relintAll());

  /** The editor's settings for a document: initializationOptions, then what it pushes or answers. */
  function settingsFor(uri: string): Promise<ClientSettings> {
    const merged = (answer: unknown) => readClientSettings(initializationSettings, answer);
    if (!canAskConfiguration) return Promise.resolve(merged(pushedSettings));
    let settings = configurationCache.get(uri);
    if (!settings) {
      settings = connection.workspace.getConfiguration({ scopeUri: uri, section: SETTINGS_SECTION }).then(merged, (error: unknown) => {
        connection.console.warn(`workspace/configuration failed (${errorText(error)}): using initializationOptions`);
        return merged(pushedSettings);
      });
      configurationCache.set(uri, settings);
    }
    return settings;
  }

  async function contextFor(uri: string, path: string, prism: Parsers['ruby']): Promise<{ context: LintContext; settings: ClientSettings }> {
    const settings = await settingsFor(uri);
    for (const problem of settings.problems) warnOnce(`settings: ${problem}`);
    const facts = await project.factsFor(path, workspaceFolders, prism);
    const context = defaultContext();
    // The project's .pg-index-guard.json is what the CLI lints with: it wins over the editor's settings.
    context.settings = withProjectFacts(facts.settings ?? settings.lint, facts);
    if (facts.schema) context.schema = facts.schema;
    const databaseFacts = database.factsFor(settings.databaseUrl, facts.root, context.settings.largeTableRowThreshold);
    if (databaseFacts) context.database = databaseFacts;
    const entries = project.versionFolderEntries(path);
    if (entries) context.versionFolderEntries = entries;
    return { context, settings };
  }

  /** The lint result of the document's current version, computed now if needed; null for other documents. */
  async function lint(uri: string): Promise<LintedVersion | null> {
    for (;;) {
      const document = documents.get(uri);
      if (!document) return null;
      const language = migrationLanguage(document);
      if (!language) return null;
      const cached = cache.get(uri);
      if (cached && cached.version === document.version) return cached;
      const version = document.version;
      const loaded = await loadParsersOnce();
      // tree-sitter's grammar of this language, compiled on its first file.
      if (language !== 'ruby' && language !== 'sql') await loadGrammarsFor([language]);
      const path = lintPathOf(uri);
      const { context } = await contextFor(uri, path, loaded.ruby);
      const current = documents.get(uri);
      // Typed on while the settings were read: lint the newer text instead.
      if (!current || current.version !== version) continue;
      const result = lintSource(path, current.getText(), language, context, loaded);
      const linted = { version, result, context, path, language };
      cache.set(uri, linted);
      return linted;
    }
  }

  function schedule(uri: string, delay: number, action: () => void): void {
    clearTimeout(timers.get(uri));
    timers.set(
      uri,
      setTimeout(() => {
        timers.delete(uri);
        action();
      }, delay),
    );
  }

  /** Lints and publishes, unless the document changed meanwhile (its newer version has a lint scheduled). */
  async function publish(uri: string): Promise<void> {
    try {
      const linted = await lint(uri);
      const document = documents.get(uri);
      if (!linted || !document || document.version !== linted.version) return;
      const findings = linted.result.findings;
      const showSyntaxErrors = settled.get(uri) === linted.version;
      const shown = showSyntaxErrors ? findings : findings.filter((f) => f.ruleId !== SYNTAX_ERROR);
      if (shown.length < findings.length) {
        const version = linted.version;
        // A change before then schedules a lint, which replaces this timer.
        schedule(uri, SYNTAX_ERROR_SETTLE_MS, () => {
          if (documents.get(uri)?.version !== version) return;
          settled.set(uri, version);
          void publish(uri);
        });
      }
      await connection.sendDiagnostics({ uri, version: linted.version, diagnostics: shown.map((f) => toDiagnostic(document, f)) });
    } catch (error) {
      connection.console.error(`could not lint ${uri}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }

  function lintNow(document: TextDocument): void {
    if (!migrationLanguage(document)) return;
    // Just opened or saved: the document says what its author meant, syntax errors included.
    settled.set(document.uri, document.version);
    schedule(document.uri, 0, () => void publish(document.uri));
  }

  function relintAll(): void {
    configurationCache.clear();
    cache.clear();
    for (const document of documents.all()) lintNow(document);
  }

  documents.onDidOpen((event) => lintNow(event.document));
  documents.onDidChangeContent((event) => {
    const document = event.document;
    // didOpen fires this too, for the version just scheduled.
    if (!migrationLanguage(document) || settled.get(document.uri) === document.version) return;
    void settingsFor(document.uri).then((settings) => {
      if (documents.get(document.uri)?.version !== document.version) return; // a newer change scheduled its own
      schedule(document.uri, settings.lintDelayMs, () => void publish(document.uri));
    });
  });
  documents.onDidSave((event) => lintNow(event.document));
  documents.onDidClose((event) => {
    const uri = event.document.uri;
    clearTimeout(timers.get(uri));
    timers.delete(uri);
    cache.delete(uri);
    settled.delete(uri);
    configurationCache.delete(uri);
    void connection.sendDiagnostics({ uri, diagnostics: [] });
  });

  connection.onCodeAction(async (params) => {
    try {
      return await codeActions(params);
    } catch (error) {
      connection.console.error(`code actions failed for ${params.textDocument.uri}: ${errorText(error)}`);
      return [];
    }
  });

  async function codeActions(params: CodeActionParams): Promise<CodeAction[]> {
    const uri = params.textDocument.uri;
    const only = params.context.only;
    const wantsFixAll = only?.some((kind) => FIX_ALL_KIND === kind || FIX_ALL_KIND.startsWith(`${kind}.`)) ?? false;
    const wantsQuickFixes = !only || only.some((kind) => kind === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${kind}.`) || kind === '');
    const linted = await lint(uri);
    const document = documents.get(uri);
    if (!linted || !document || document.version !== linted.version) return [];
    if (wantsFixAll && !wantsQuickFixes) {
      const action = await fixAllAction(document, linted);
      return action ? [action] : [];
    }
    if (!wantsQuickFixes) return [];
    const ours = params.context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    const file = linted.result.file;
    if (ours.length === 0 || !file) return [];
    const actions: CodeAction[] = [];
    const disables: CodeAction[] = [];
    for (const diagnostic of ours) {
      const finding = findingFor(document, linted.result.findings, diagnostic);
      if (!finding || !RULES.has(finding.ruleId)) continue;
      const fixes = writableFixes(finding.fixes, (fix, error) => connection.console.error(`${finding.ruleId}: ${fix.title}: could not be written and was left out: ${errorText(error)}`));
      for (const fix of fixes) {
        const edit = fixEdit(document, linted.path, fix);
        if (!edit) continue;
        actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: fix.safety === 'safe' && !fix.suggestion, edit });
      }
      for (const scope of ['line', 'file'] as const) {
        disables.push({
          title: scope === 'line' ? `Disable ${finding.ruleId} for this line` : `Disable ${finding.ruleId} for this file`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          edit: workspaceEdit(document, disableEdits(file, finding, scope)),
        });
      }
    }
    // Whole-migration actions (see MIGRATION_ACTIONS), after the fixes of single findings.
    for (const action of MIGRATION_ACTIONS) {
      for (const fix of action(file, linted.result.findings, linted.context)) {
        const edit = fixEdit(document, linted.path, fix);
        if (edit) actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, edit });
      }
    }
    const all = await fixAllAction(document, linted);
    if (all && ours.length > 1) actions.push({ ...all, title: 'Fix all safe PG Index Guard findings in this file' });
    return [...actions, ...disables];
  }

  async function fixAllAction(document: TextDocument, linted: LintedVersion): Promise<CodeAction | null> {
    const source = document.getText();
    const result = fixAll(linted.path, source, linted.language, linted.context, await loadParsersOnce());
    for (const failure of result.failed) connection.console.error(`a fix could not be written and was left out: ${failure}`);
    if (result.applied === 0 || result.text === source) return null;
    return { title: 'PG Index Guard: fix all safe findings', kind: FIX_ALL_KIND, edit: workspaceEdit(document, [{ start: 0, end: source.length, text: result.text }]) };
  }

  /** Edits of the document, versioned when the client takes versions (a stale edit is then refused). */
  function workspaceEdit(document: TextDocument, edits: Edit[]): WorkspaceEdit {
    const textEdits = edits.map((edit) => toTextEdit(document, edit));
    if (versionedEdits) return { documentChanges: [{ textDocument: { uri: document.uri, version: document.version }, edits: textEdits }] };
    return { changes: { [document.uri]: textEdits } };
  }

  /** A fix as a workspace edit; null when it creates files and the client cannot (a split). */
  function fixEdit(document: TextDocument, path: string, fix: Fix): WorkspaceEdit | null {
    const newFiles = fix.newFiles ?? [];
    if (newFiles.length === 0) return workspaceEdit(document, fix.edits);
    if (!canCreateFiles || !document.uri.startsWith('file:')) return null;
    const edit = workspaceEdit(document, fix.edits);
    for (const file of newFiles) {
      const uri = pathToFileURL(join(dirname(path), ...segmentsFromFolderOf(path, file.path))).href;
      edit.documentChanges!.push({ kind: 'create', uri, options: { overwrite: false, ignoreIfExists: false } });
      edit.documentChanges!.push({ textDocument: { uri, version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: file.text }] });
    }
    return edit;
  }

  connection.onHover(async (params: HoverParams): Promise<Hover | null> => {
    try {
      return await hover(params);
    } catch (error) {
      connection.console.error(`hover failed for ${params.textDocument.uri}: ${errorText(error)}`);
      return null;
    }
  });

  async function hover(params: HoverParams): Promise<Hover | null> {
    const linted = await lint(params.textDocument.uri);
    const document = documents.get(params.textDocument.uri);
    if (!linted || !document || document.version !== linted.version) return null;
    const offset = document.offsetAt(params.position);
    const sections: string[] = [];
    let start = Number.POSITIVE_INFINITY;
    let end = Number.NEGATIVE_INFINITY;
    for (const finding of linted.result.findings) {
      if (!RULES.has(finding.ruleId) || offset < finding.range.start || offset > finding.range.end) continue;
      sections.push(findingMarkdown(finding));
      start = Math.min(start, finding.range.start);
      end = Math.max(end, finding.range.end);
    }
    const file = linted.result.file;
    const impact = file ? impactAt(file, offset, { database: linted.context.database, history: database.history }) : null;
    if (impact) {
      const ruleId = GUARDING_RULE[impact.operation.kind];
      sections.push(impactMarkdown(impact, { ruleDocsLink: { ruleId, target: ruleDocsUrl(ruleId)! } }).replace(/Connect to a database/, 'Set `databaseUrl`'));
      start = Math.min(start, impact.operation.range.start);
      end = Math.max(end, impact.operation.range.end);
    }
    if (sections.length === 0) return null;
    return {
      contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') },
      range: { start: document.positionAt(start), end: document.positionAt(end) },
    };
  }

  connection.onShutdown(() => {
    for (const timer of timers.values()) clearTimeout(timer);
    database.dispose();
  });

  documents.listen(connection);
  connection.listen();
}

function toDiagnostic(document: TextDocument, finding: Finding): Diagnostic {
  const href = ruleDocsUrl(finding.ruleId);
  return {
    range: { start: document.positionAt(finding.range.start), end: document.positionAt(finding.range.end) },
    // A hint: the language server of the file's language reports syntax errors as errors already.
    severity: finding.ruleId === SYNTAX_ERROR ? DiagnosticSeverity.Hint : SEVERITY[finding.severity],
    source: DIAGNOSTIC_SOURCE,
    code: finding.ruleId,
    ...(href ? { codeDescription: { href } } : {}),
    message: finding.message,
  };
}

function findingMarkdown(finding: Finding): string {
  const rule = RULES.get(finding.ruleId)!;
  const href = ruleDocsUrl(finding.ruleId)!;
  return `**${finding.ruleId}**: ${rule.meta.summary}\n\n${finding.message}\n\n[Rule documentation](${href})`;
}

function toTextEdit(document: TextDocument, edit: Edit): TextEdit {
  return { range: { start: document.positionAt(edit.start), end: document.positionAt(edit.end) }, newText: edit.text };
}

function findingFor(document: TextDocument, findings: readonly Finding[], diagnostic: Diagnostic): Finding | undefined {
  const start = document.offsetAt(diagnostic.range.start);
  const end = document.offsetAt(diagnostic.range.end);
  return findings.find((f) => f.ruleId === diagnostic.code && f.range.start === start && f.range.end === end);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
