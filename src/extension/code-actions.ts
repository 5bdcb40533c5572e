import * as vscode from 'vscode';
import { disableEdits, fixAll } from '../core/fix-all';
import type { MigrationFile } from '../core/model/migration';
import { PRODUCTION_SAFE_RULES, PRODUCTION_SAFE_TITLE, productionSafeRewrite } from '../core/production-safe';
import { writableFixes, type Edit, type Fix } from '../core/fixes/fix';
import { RULES } from '../core/rules';
import type { Finding } from '../core/rules/rule';
import { DIAGNOSTIC_SOURCE, SHOW_RULE_DOCS_COMMAND } from './diagnostics';
import { lintPathOf, migrationLanguage, type LintService } from './lint-service';
import { segmentsFromFolderOf } from '../core/fixes/migration-versions';
import { FIX_APPLIED_COMMAND } from './walkthrough';

export const FIX_ALL_KIND = vscode.CodeActionKind.SourceFixAll.append('pgIndexGuard');
/** "Make this migration production-safe": a source action (never part of fix-all: it is unsafe). */
export const PRODUCTION_SAFE_KIND = vscode.CodeActionKind.Source.append('pgIndexGuard.productionSafe');

export function toWorkspaceEdit(document: vscode.TextDocument, edits: Edit[], workspaceEdit = new vscode.WorkspaceEdit()): vscode.WorkspaceEdit {
  for (const edit of edits) {
    workspaceEdit.replace(document.uri, new vscode.Range(document.positionAt(edit.start), document.positionAt(edit.end)), edit.text);
  }
  return workspaceEdit;
}

/**
 * Per finding, in this order: the fix (preferred when safe), "Make this migration
 * production-safe" (on the findings of the production pattern), disable for this line, disable
 * for the file, the rule's documentation. Plus `source.fixAll.pgIndexGuard`, which applies only
 * safe fixes (usable from editor.codeActionsOnSave), and `source.pgIndexGuard.productionSafe`.
 */
export class FindingCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = {
    providedCodeActionKinds: [vscode.CodeActionKind.QuickFix, FIX_ALL_KIND, PRODUCTION_SAFE_KIND],
  };

  constructor(
    private readonly lintService: LintService,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** A fix whose edits could not be written is left out; the log keeps what a bug report needs. */
  private logUnwritable(document: vscode.TextDocument, description: string): void {
    this.log.error(`a fix for ${vscode.workspace.asRelativePath(document.uri)} could not be written and was left out: ${description}`);
  }

  async provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): Promise<vscode.CodeAction[]> {
    const only = context.only;
    if (only && !only.intersects(vscode.CodeActionKind.QuickFix)) {
      // Source actions: fix-all (safe fixes only) and the production-safe rewrite, each when asked for.
      const sourceActions: vscode.CodeAction[] = [];
      if (FIX_ALL_KIND.intersects(only)) {
        const action = await this.fixAllAction(document);
        if (action) sourceActions.push(action);
      }
      if (PRODUCTION_SAFE_KIND.intersects(only)) {
        const result = await this.lintService.lint(document);
        const action = result?.file ? await this.productionSafeAction(document, result.file, result.findings, PRODUCTION_SAFE_KIND) : null;
        if (action) sourceActions.push(action);
      }
      return sourceActions;
    }
    const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE);
    if (ours.length === 0) return [];
    const result = await this.lintService.lint(document);
    if (!result?.file) return [];
    const actions: vscode.CodeAction[] = [];
    const disables: vscode.CodeAction[] = [];
    const docs: vscode.CodeAction[] = [];
    // Worked out once for the request, offered on each finding of the production pattern.
    let productionSafe: vscode.CodeAction | null | undefined;
    for (const diagnostic of ours) {
      const finding = findingFor(document, result.findings, diagnostic);
      if (!finding || !RULES.has(finding.ruleId)) continue;
      const writable = writableFixes(finding.fixes, (fix, error) =>
        this.logUnwritable(document, `${finding.ruleId}: ${fix.title}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
      );
      for (const fix of writable) actions.push(fixAction(document, fix, diagnostic));
      if (PRODUCTION_SAFE_RULES.has(finding.ruleId)) {
        // Once in the menu, after the first such finding's own fix, for all of them.
        if (productionSafe === undefined) {
          productionSafe = await this.productionSafeAction(document, result.file, result.findings, vscode.CodeActionKind.QuickFix);
          if (productionSafe) actions.push(productionSafe);
        }
        if (productionSafe) productionSafe.diagnostics = [...(productionSafe.diagnostics ?? []), diagnostic];
      }
      const leftover = finding.databaseIndex;
      // An index being built is INVALID until its build ends: never invite a drop of it.
      if (finding.ruleId === 'invalid-index-exists' && leftover && !leftover.building) {
        // No text fix: the leftover lives in the database. The command looks again and asks before it drops.
        const drop = new vscode.CodeAction('Drop the INVALID index concurrently…', vscode.CodeActionKind.QuickFix);
        drop.command = {
          title: drop.title,
          command: 'pgIndexGuard.dropInvalidIndexNamed',
          arguments: [{ schema: leftover.schema, table: leftover.table, name: leftover.name }],
        };
        drop.diagnostics = [diagnostic];
        drop.isPreferred = true;
        actions.push(drop);
      }
      for (const scope of ['line', 'file'] as const) {
        const action = new vscode.CodeAction(
          scope === 'line' ? `Disable ${finding.ruleId} for this line` : `Disable ${finding.ruleId} for this file`,
          vscode.CodeActionKind.QuickFix,
        );
        action.edit = toWorkspaceEdit(document, disableEdits(result.file, finding, scope));
        action.diagnostics = [diagnostic];
        disables.push(action);
      }
      const show = new vscode.CodeAction(`Show documentation for ${finding.ruleId}`, vscode.CodeActionKind.QuickFix);
      show.command = { title: show.title, command: SHOW_RULE_DOCS_COMMAND, arguments: [finding.ruleId] };
      show.diagnostics = [diagnostic];
      docs.push(show);
    }
    const fixAllAction = await this.fixAllAction(document);
    if (fixAllAction && ours.length > 1) {
      fixAllAction.title = 'Fix all safe PG Index Guard findings in this file';
      actions.push(fixAllAction);
    }
    return [...actions, ...disables, ...docs];
  }

  /**
   * The production guide's pattern for every index operation of the file at once (unsafe: it
   * takes the migration out of its transaction), or null when there is nothing to do.
   */
  private async productionSafeAction(
    document: vscode.TextDocument,
    file: MigrationFile,
    findings: readonly Finding[],
    kind: vscode.CodeActionKind,
  ): Promise<vscode.CodeAction | null> {
    let rewrite;
    try {
      rewrite = productionSafeRewrite(file, await this.lintService.contextFor(document), findings);
    } catch (error) {
      this.logUnwritable(document, `${PRODUCTION_SAFE_TITLE}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return null;
    }
    if (!rewrite) return null;
    const action = new vscode.CodeAction(PRODUCTION_SAFE_TITLE, kind);
    action.edit = toWorkspaceEdit(document, rewrite.edits);
    action.command = { title: PRODUCTION_SAFE_TITLE, command: FIX_APPLIED_COMMAND };
    return action;
  }

  private async fixAllAction(document: vscode.TextDocument): Promise<vscode.CodeAction | null> {
    const language = migrationLanguage(document);
    if (!language) return null;
    const parsers = await this.lintService.loadParsers([language]);
    const source = document.getText();
    const result = fixAll(lintPathOf(document), source, language, await this.lintService.contextFor(document), parsers);
    for (const failure of result.failed) this.logUnwritable(document, failure);
    if (result.applied === 0 || result.text === source) return null;
    const action = new vscode.CodeAction('PG Index Guard: fix all safe findings', FIX_ALL_KIND);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(source.length)), result.text);
    action.edit = edit;
    return action;
  }
}

function fixAction(document: vscode.TextDocument, fix: Fix, diagnostic: vscode.Diagnostic): vscode.CodeAction {
  const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
  const edit = toWorkspaceEdit(document, fix.edits);
  // A split writes new migration files next to this one (Prisma: in a sibling folder).
  for (const file of fix.newFiles ?? []) {
    const uri = vscode.Uri.joinPath(document.uri, '..', ...segmentsFromFolderOf(lintPathOf(document), file.path));
    // createFile's `contents` option fails in the web workbench; create empty, then insert.
    edit.createFile(uri, { ignoreIfExists: false, overwrite: false });
    edit.insert(uri, new vscode.Position(0, 0), file.text);
  }
  action.edit = edit;
  // Runs once the edit is applied: ticks off the walkthrough's "Fix a finding".
  action.command = { title: fix.title, command: FIX_APPLIED_COMMAND };
  action.diagnostics = [diagnostic];
  action.isPreferred = fix.safety === 'safe' && !fix.suggestion;
  return action;
}

function findingFor(document: vscode.TextDocument, findings: Finding[], diagnostic: vscode.Diagnostic): Finding | undefined {
  const code = typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code;
  const start = document.offsetAt(diagnostic.range.start);
  const end = document.offsetAt(diagnostic.range.end);
  return findings.find((f) => f.ruleId === code && f.range.start === start && f.range.end === end);
}
