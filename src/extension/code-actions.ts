import * as vscode from 'vscode';
import type { Edit, Fix } from '../core/fixes/fix';
import { RULES } from '../core/rules';
import type { Finding } from '../core/rules/rule';
import { DIAGNOSTIC_SOURCE, ruleDocsUri } from './diagnostics';
import type { LintService } from './lint-service';

export const SHOW_RULE_DOCS_COMMAND = 'pgIndexGuard.showRuleDocumentation';

export function toWorkspaceEdit(document: vscode.TextDocument, edits: Edit[]): vscode.WorkspaceEdit {
  const workspaceEdit = new vscode.WorkspaceEdit();
  for (const edit of edits) {
    workspaceEdit.replace(
      document.uri,
      new vscode.Range(document.positionAt(edit.start), document.positionAt(edit.end)),
      edit.text,
    );
  }
  return workspaceEdit;
}

/** Quick fixes for our diagnostics: the fix itself first, then the documentation. */
export class FindingCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
  };

  constructor(
    private readonly lintService: LintService,
    private readonly extensionUri: vscode.Uri,
  ) {}

  async provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): Promise<vscode.CodeAction[]> {
    const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    if (ours.length === 0) return [];
    const result = await this.lintService.lint(document);
    if (!result) return [];
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of ours) {
      const finding = findingFor(document, result.findings, diagnostic);
      if (!finding) continue;
      for (const fix of finding.fixes) actions.push(this.fixAction(document, fix, diagnostic));
      if (RULES.has(finding.ruleId)) {
        const docs = new vscode.CodeAction(`Show documentation for ${finding.ruleId}`, vscode.CodeActionKind.QuickFix);
        docs.command = { title: docs.title, command: SHOW_RULE_DOCS_COMMAND, arguments: [finding.ruleId] };
        docs.diagnostics = [diagnostic];
        actions.push(docs);
      }
    }
    return actions;
  }

  private fixAction(document: vscode.TextDocument, fix: Fix, diagnostic: vscode.Diagnostic): vscode.CodeAction {
    const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
    action.edit = toWorkspaceEdit(document, fix.edits);
    action.diagnostics = [diagnostic];
    action.isPreferred = fix.safety === 'safe' && !fix.suggestion;
    return action;
  }

  docsUri(ruleId: string): vscode.Uri {
    return ruleDocsUri(this.extensionUri, ruleId);
  }
}

function findingFor(document: vscode.TextDocument, findings: Finding[], diagnostic: vscode.Diagnostic): Finding | undefined {
  const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
  const start = document.offsetAt(diagnostic.range.start);
  const end = document.offsetAt(diagnostic.range.end);
  return findings.find((f) => f.ruleId === code && f.range.start === start && f.range.end === end);
}
