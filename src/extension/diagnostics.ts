import * as vscode from 'vscode';
import { SYNTAX_ERROR } from '../core/lint';
import { RULES } from '../core/rules';
import type { Finding, Severity } from '../core/rules/rule';
import type { LintService } from './lint-service';
import { migrationLanguage } from './lint-service';
import { lintDelayMs } from './settings';

export const DIAGNOSTIC_SOURCE = 'pg-index-guard';

/**
 * How long an edited document must stay unchanged before our syntax error shows. While typing, a
 * class is unfinished most of the time, and saying so is the Ruby language server's job.
 */
export const SYNTAX_ERROR_SETTLE_MS = 2_000;

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** Opens a rule's page (docs/rules/<id>.md, shipped in the extension) rendered, in the markdown preview. */
export const SHOW_RULE_DOCS_COMMAND = 'pgIndexGuard.showRuleDocumentation';

/** The page of a rule, as the markdown file the extension ships. */
export function ruleDocsUri(extensionUri: vscode.Uri, ruleId: string): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'docs', 'rules', `${ruleId}.md`);
}

/**
 * Where the rule link of a diagnostic (in its hover and in the Problems panel) goes: the command
 * that shows the rule's page rendered. The page's file: URI would open its markdown source, and a
 * web page would need a network; this works offline and matches the installed version.
 */
export function ruleDocsLink(ruleId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: 'command', path: SHOW_RULE_DOCS_COMMAND, query: JSON.stringify([ruleId]) });
}

export function toDiagnostic(document: vscode.TextDocument, finding: Finding): vscode.Diagnostic {
  const range = new vscode.Range(document.positionAt(finding.range.start), document.positionAt(finding.range.end));
  // A hint: the language server of the file's language reports syntax errors as errors already.
  const severity = finding.ruleId === SYNTAX_ERROR ? vscode.DiagnosticSeverity.Hint : SEVERITY[finding.severity];
  const diagnostic = new vscode.Diagnostic(range, finding.message, severity);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = RULES.has(finding.ruleId)
    ? { value: finding.ruleId, target: ruleDocsLink(finding.ruleId) }
    : finding.ruleId;
  return diagnostic;
}

/** Re-lints open migrations on change, debounced; a result never lands on a newer document version. */
export class DiagnosticsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The version of each edited document that stayed unchanged long enough to show syntax errors. */
  private readonly settled = new Map<string, number>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  private readonly deletions = vscode.workspace.createFileSystemWatcher('**/*', true, true, false);
  /** Fires after diagnostics of a document were published (tests and the status bar listen). */
  readonly onDidPublish = this.changed.event;

  constructor(
    private readonly lintService: LintService,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      this.collection,
      this.changed,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      // No content change (the dirty flag flipped, as when the file is deleted on disk): nothing to lint again.
      vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length > 0 && this.schedule(e.document, lintDelayMs())),
      // Saved: a syntax error left in the file is shown now.
      vscode.workspace.onDidSaveTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        this.settled.delete(d.uri.toString());
        this.lintService.forget(d);
      }),
      // VS Code disposes a closed document minutes later, if ever: a migration deleted on disk
      // (or its folder) would keep its findings in the Problems view until then.
      this.deletions,
      this.deletions.onDidDelete((deleted) => this.forgetDeleted(deleted)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('pgIndexGuard')) this.relintAll();
      }),
    );
    this.relintAll();
  }

  private forgetDeleted(deleted: vscode.Uri): void {
    const folder = deleted.toString() + '/';
    const gone: vscode.Uri[] = [];
    this.collection.forEach((uri) => {
      const key = uri.toString();
      if (key === deleted.toString() || key.startsWith(folder)) gone.push(uri);
    });
    // An editor still showing it (marked deleted, can be saved again) keeps its findings. Its
    // document alone does not count: VS Code marks a deleted file's document dirty.
    for (const uri of gone) if (!inAnEditorTab(uri)) this.collection.delete(uri);
  }

  relintAll(): void {
    this.lintService.clear();
    for (const document of vscode.workspace.textDocuments) {
      if (document.isUntitled || inAnEditorTab(document.uri)) this.schedule(document, 0);
      // A closed document lingers after its file is deleted: do not bring its findings back.
      else if (migrationLanguage(document)) void vscode.workspace.fs.stat(document.uri).then(() => this.schedule(document, 0), () => undefined);
    }
  }

  private schedule(document: vscode.TextDocument, delay: number): void {
    if (!migrationLanguage(document)) return;
    this.later(document, delay, () => void this.run(document));
  }

  /** One timer per document: a new one replaces the one pending. */
  private later(document: vscode.TextDocument, delay: number, action: () => void): void {
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        action();
      }, delay),
    );
  }

  private async run(document: vscode.TextDocument): Promise<void> {
    const version = document.version;
    try {
      const result = await this.lintService.lint(document);
      // The document may have changed while the parsers loaded: drop stale results.
      if (document.isClosed || document.version !== version) return;
      const findings = result?.findings ?? [];
      // Saved, or left alone for a while: the document says what its author meant.
      const settled = !document.isDirty || this.settled.get(document.uri.toString()) === version;
      const shown = settled ? findings : findings.filter((f) => f.ruleId !== SYNTAX_ERROR);
      if (shown.length < findings.length) this.showSyntaxErrorLater(document, version);
      const diagnostics = shown.map((f) => toDiagnostic(document, f));
      this.collection.set(document.uri, diagnostics);
      this.changed.fire(document.uri);
    } catch (error) {
      this.log.error(`could not lint ${document.uri.toString()}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    }
  }

  /** Publishes the withheld syntax error once the document has stayed at `version` for SYNTAX_ERROR_SETTLE_MS. */
  private showSyntaxErrorLater(document: vscode.TextDocument, version: number): void {
    // A change before then schedules a lint, which replaces this timer (same document).
    this.later(document, SYNTAX_ERROR_SETTLE_MS, () => {
      if (document.isClosed || document.version !== version) return;
      this.settled.set(document.uri.toString(), version);
      void this.run(document);
    });
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const d of this.disposables) d.dispose();
  }
}

function inAnEditorTab(uri: vscode.Uri): boolean {
  const key = uri.toString();
  return vscode.window.tabGroups.all.some((group) =>
    group.tabs.some(
      ({ input }) =>
        (input instanceof vscode.TabInputText && input.uri.toString() === key) ||
        (input instanceof vscode.TabInputTextDiff && input.modified.toString() === key),
    ),
  );
}
