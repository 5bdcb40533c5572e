// The Get Started walkthrough ticks a step off on a context key (completionEvents `onContext:`):
// the workbench knows of no "a migration was opened" or "a fix was applied" event of its own, and
// commands run from the extension host (a tree row, a test) never reach its `onCommand:` events.
import * as vscode from 'vscode';
import type { LintService } from './lint-service';

export const WALKTHROUGH_STEPS = {
  migrationOpened: 'pgIndexGuard.walkthrough.migrationOpened',
  fixApplied: 'pgIndexGuard.walkthrough.fixApplied',
  monitorOpened: 'pgIndexGuard.walkthrough.monitorOpened',
} as const;

/** Attached to quick fixes: runs after VS Code applied the fix's edit. */
export const FIX_APPLIED_COMMAND = 'pgIndexGuard.fixApplied';

export function markWalkthroughStep(step: keyof typeof WALKTHROUGH_STEPS): void {
  void vscode.commands.executeCommand('setContext', WALKTHROUGH_STEPS[step], true);
}

/** A Rails or SQL migration: operations the linter understands, or a file in a migrations folder. */
async function showsMigration(lintService: LintService, editor: vscode.TextEditor | undefined): Promise<boolean> {
  if (!editor) return false;
  if (/[\\/](migrate|migrations)[\\/]/.test(editor.document.uri.path)) return true;
  const result = await lintService.lint(editor.document).catch(() => null);
  return (result?.file?.operations.length ?? 0) > 0;
}

export function trackWalkthroughSteps(lintService: LintService): vscode.Disposable[] {
  const check = (editor: vscode.TextEditor | undefined) =>
    void showsMigration(lintService, editor).then((shown) => shown && markWalkthroughStep('migrationOpened'));
  check(vscode.window.activeTextEditor);
  return [
    vscode.window.onDidChangeActiveTextEditor(check),
    vscode.commands.registerCommand(FIX_APPLIED_COMMAND, () => markWalkthroughStep('fixApplied')),
  ];
}

export const WALKTHROUGH_ID = 'getStarted';

/** `npm start`'s sandbox (PGIG_SANDBOX_WALKTHROUGH=1) opens the walkthrough beside the editor, as VS Code does after an install. */
export function openWalkthroughInSandbox(extensionId: string): void {
  if (process.env['PGIG_SANDBOX_WALKTHROUGH'] !== '1') return;
  void vscode.commands.executeCommand('workbench.action.openWalkthrough', `${extensionId}#${WALKTHROUGH_ID}`, false);
}
