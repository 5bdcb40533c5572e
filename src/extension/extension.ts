import * as vscode from 'vscode';
import { FindingCodeActions, SHOW_RULE_DOCS_COMMAND } from './code-actions';
import { DiagnosticsController, ruleDocsUri } from './diagnostics';
import { LintService } from './lint-service';

/** What activate() hands back: the test suite reaches the running extension through it. */
export interface PgIndexGuardApi {
  diagnostics: DiagnosticsController;
  lintService: LintService;
}

const MIGRATION_SELECTOR: vscode.DocumentSelector = [
  { language: 'ruby' },
  { language: 'sql' },
  { pattern: '**/*.rb' },
  { pattern: '**/*.sql' },
];

export function activate(context: vscode.ExtensionContext): PgIndexGuardApi {
  const log = vscode.window.createOutputChannel('PG Index Guard', { log: true });
  context.subscriptions.push(log);
  log.info(`PG Index Guard ${context.extension.packageJSON.version} activated`);

  const lintService = new LintService(log);
  const diagnostics = new DiagnosticsController(lintService, context.extensionUri, log);
  const codeActions = new FindingCodeActions(lintService, context.extensionUri);
  context.subscriptions.push(
    diagnostics,
    vscode.languages.registerCodeActionsProvider(MIGRATION_SELECTOR, codeActions, FindingCodeActions.metadata),
    vscode.commands.registerCommand(SHOW_RULE_DOCS_COMMAND, async (ruleId: unknown) => {
      if (typeof ruleId !== 'string') return;
      await vscode.commands.executeCommand('markdown.showPreview', ruleDocsUri(context.extensionUri, ruleId));
    }),
  );
  return { diagnostics, lintService };
}

export function deactivate(): void {}
