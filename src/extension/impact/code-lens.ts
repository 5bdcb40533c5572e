import * as vscode from 'vscode';
import { summaryLine } from '../../core/locks/describe';
import type { BuildHistory } from '../../core/locks/estimates';
import { explainMigration, summarizeByTable } from '../../core/locks/explain';
import type { LintService } from '../lint-service';
import { SECTION } from '../settings';

export const CODE_LENS_SETTING = 'impact.codeLens';

/**
 * One line per table at the top of a migration: the strongest blocking lock, the estimated build
 * time and index size, and how many statements run outside a transaction. Off with
 * pgIndexGuard.impact.codeLens.
 */
export class ImpactCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  /** `relinted`: fires after a document was linted again (new text, settings or database facts) or a build was measured. */
  constructor(
    private readonly lintService: LintService,
    relinted: (listener: (e: unknown) => unknown) => vscode.Disposable,
    private readonly history: () => BuildHistory | null,
  ) {
    this.subscriptions = [
      this.changed,
      relinted(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.${CODE_LENS_SETTING}`)) this.changed.fire();
      }),
    ];
  }

  async provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (vscode.workspace.getConfiguration(SECTION, document.uri).get<boolean>(CODE_LENS_SETTING) === false) return [];
    const file = (await this.lintService.lint(document))?.file;
    if (!file || token.isCancellationRequested) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    return summarizeByTable(explainMigration(file, { database: this.lintService.currentDatabaseFacts(), history: this.history() })).map(
      (summary) =>
        new vscode.CodeLens(top, {
          title: summaryLine(summary),
          tooltip: 'What this migration will do to production (PG Index Guard). Hover an index operation for details.',
          command: 'revealLine',
          arguments: [{ lineNumber: summary.line - 1, at: 'center' }],
        }),
    );
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
