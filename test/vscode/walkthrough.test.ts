// The Get Started walkthrough, as the workbench shows it: each step is ticked off once done.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, codeOf, ourDiagnostics, pageElements, screenshot, waitFor, workspaceFile } from './support';

/** Step id → ticked off, read from the walkthrough page on screen. */
async function stepsOnScreen(name: string): Promise<Record<string, boolean>> {
  const steps = await pageElements(name, '.getting-started-step[data-step-id]');
  return Object.fromEntries(steps.map((s) => [s.text.split('\n')[0]!.trim(), s.checked === 'true']));
}

async function waitForStep(step: string, name: string): Promise<Record<string, boolean>> {
  return waitFor(`step ${step} ticked off`, async () => {
    const steps = await stepsOnScreen(name);
    return steps[step] ? steps : undefined;
  });
}

describe('the Get Started walkthrough', () => {
  const migration = workspaceFile('db/migrate/20240318100000_add_index_to_conversations_on_status.rb');

  let original: Uint8Array;

  before(async () => {
    original = await vscode.workspace.fs.readFile(migration);
  });

  after(async () => {
    // The fix was applied (and, the web's files.autoSave, maybe saved): the suites that follow need the file as it was.
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === migration.toString());
    if (document?.isDirty) {
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
    await vscode.workspace.fs.writeFile(migration, original);
    await waitFor('the file restored', () => (document === undefined || document.getText() === new TextDecoder().decode(original) ? true : undefined));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('ticks its steps off as the user connects, opens a migration, applies a fix and opens the monitor', async () => {
    const api = await activateExtension();
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', 'pg-index-guard.pg-index-guard#getStarted', true);
    const titles = await waitFor('the walkthrough on screen', async () => {
      const steps = await pageElements('walkthrough-open', '.getting-started-step[data-step-id]');
      return steps.length === 4 ? steps.map((s) => s.text.split('\n')[0]!.trim()) : undefined;
    });
    assert.deepEqual(titles, ['Connect to your database', 'Open a migration', 'Fix a finding', 'Watch an index build']);
    assert.deepEqual(Object.values(await stepsOnScreen('walkthrough-fresh')), [false, false, false, false], 'a fresh profile has done nothing yet');

    if (api.connections.state !== 'connected') {
      const candidate = api.connections.findCandidates().candidates.find((c) => c.source === 'DATABASE_URL')!;
      assert.ok(await api.connections.connect(candidate, { interactive: false }));
    }
    await waitForStep('Connect to your database', 'walkthrough-connected');

    const editor = await vscode.window.showTextDocument(migration, { viewColumn: vscode.ViewColumn.One });
    await waitForStep('Open a migration', 'walkthrough-opened');

    // The fix applied by the workbench, as from the light bulb: its edit, then its command.
    const diagnostic = await waitFor('the finding', () => ourDiagnostics(migration).find((d) => codeOf(d) === 'require-concurrent-index-creation'));
    editor.selection = new vscode.Selection(diagnostic.range.start, diagnostic.range.start);
    const before = editor.document.getText();
    await vscode.commands.executeCommand('editor.action.codeAction', { kind: 'quickfix', apply: 'first' });
    await waitFor('the fix applied', () => (editor.document.getText() !== before ? true : undefined));
    await waitForStep('Fix a finding', 'walkthrough-fixed');

    await vscode.commands.executeCommand('pgIndexGuard.openBuildMonitor');
    const steps = await waitForStep('Watch an index build', 'walkthrough-done');
    assert.deepEqual(steps, { 'Connect to your database': true, 'Open a migration': true, 'Fix a finding': true, 'Watch an index build': true });
    await screenshot('walkthrough');
  });
});
