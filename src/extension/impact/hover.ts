import * as vscode from 'vscode';
import { GUARDING_RULE, impactMarkdown } from '../../core/locks/describe';
import type { BuildHistory } from '../../core/locks/estimates';
import { impactAt } from '../../core/locks/explain';
import { SHOW_RULE_DOCS_COMMAND } from '../diagnostics';
import type { LintService } from '../lint-service';

/**
 * The hover over an index operation: its lock, what it blocks and, connected, the table's
 * figures and the estimates. Reads the lint result of the document's version and the database
 * facts the linter already holds: no query per hover.
 */
export class ImpactHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly lintService: LintService,
    private readonly history: () => BuildHistory | null,
  ) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | null> {
    const file = (await this.lintService.lint(document))?.file;
    if (!file || token.isCancellationRequested) return null;
    const impact = impactAt(file, document.offsetAt(position), { database: this.lintService.currentDatabaseFacts(), history: this.history() });
    if (!impact) return null;
    const ruleId = GUARDING_RULE[impact.operation.kind];
    const target = `command:${SHOW_RULE_DOCS_COMMAND}?${encodeURIComponent(JSON.stringify([ruleId]))}`;
    const markdown = new vscode.MarkdownString(impactMarkdown(impact, { ruleDocsLink: { ruleId, target } }));
    markdown.isTrusted = { enabledCommands: [SHOW_RULE_DOCS_COMMAND] };
    const range = new vscode.Range(document.positionAt(impact.operation.range.start), document.positionAt(impact.operation.range.end));
    return new vscode.Hover(markdown, range);
  }
}
