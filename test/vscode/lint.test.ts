import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, codeOf, ourDiagnostics, screenshot, waitFor, workspaceFile } from './support';

const MESSAGES_MIGRATION = 'db/migrate/20240301120000_add_index_to_messages_on_conversation_id.rb';

describe('linting Rails migrations in the editor', () => {
  before(async () => {
    await activateExtension();
  });

  it('shows require-concurrent-index-creation on add_index with a link to the rule docs', async () => {
    const uri = workspaceFile(MESSAGES_MIGRATION);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const diagnostics = await waitFor('the diagnostic', () => {
      const found = ourDiagnostics(uri).filter((d) => codeOf(d) === 'require-concurrent-index-creation');
      return found.length > 0 ? found : undefined;
    });
    assert.equal(diagnostics.length, 1);
    const [diagnostic] = diagnostics;
    // messages is a large table in the fixture's settings: one step up from warning.
    assert.equal(diagnostic!.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diagnostic!.range.start.line, 2);
    assert.equal(document.getText(diagnostic!.range), 'add_index :messages, :conversation_id');
    const target = (diagnostic!.code as { target: vscode.Uri }).target;
    assert.match(target.path, /docs\/rules\/require-concurrent-index-creation\.md$/);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await screenshot('editor-with-diagnostic');
  });

  it('applies the quick fix through the code-action API', async () => {
    const uri = workspaceFile(MESSAGES_MIGRATION);
    const document = await vscode.workspace.openTextDocument(uri);
    const diagnostic = ourDiagnostics(uri).find((d) => codeOf(d) === 'require-concurrent-index-creation');
    assert.ok(diagnostic);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      diagnostic.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fix = actions.find((a) => a.title.startsWith('Build the index concurrently'));
    assert.ok(fix?.edit, `no fix among: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(
      document.getText(),
      [
        'class AddIndexToMessagesOnConversationId < ActiveRecord::Migration[7.1]',
        '  disable_ddl_transaction!',
        '',
        '  def change',
        '    add_index :messages, :conversation_id, algorithm: :concurrently',
        '  end',
        'end',
        '',
      ].join('\n'),
    );
    await waitFor('the diagnostic to go away', () =>
      ourDiagnostics(uri).some((d) => codeOf(d) === 'require-concurrent-index-creation') ? undefined : true,
    );
    await document.save();
  });

  it('keeps the hash-rocket style of a call when fixing it', async () => {
    const uri = workspaceFile('db/migrate/20240303080000_add_index_to_notifications_on_user_id.rb');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const [diagnostic] = await waitFor('the diagnostic', () => {
      const found = ourDiagnostics(uri).filter((d) => codeOf(d) === 'require-concurrent-index-creation');
      return found.length > 0 ? found : undefined;
    });
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      diagnostic!.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fix = actions.find((a) => a.title.startsWith('Build the index concurrently'));
    assert.ok(fix?.edit);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(document.getText(), /:name => "index_notifications_on_user_and_time", :algorithm => :concurrently\)?\n/);
  });

  it('stays silent on a safe migration and on an index of a table created in the same file', async () => {
    for (const path of ['db/migrate/20240302090000_add_index_to_contacts_on_email.rb', 'db/migrate/20240101000000_create_conversations.rb']) {
      const uri = workspaceFile(path);
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      const api = await activateExtension();
      await waitFor('the lint result', async () => (await api.lintService.lint(document)) ?? undefined);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(ourDiagnostics(uri).map((d) => d.message), []);
    }
  });

  it('never lands results of an old version on a newer one while typing', async () => {
    const uri = workspaceFile('db/migrate/20240302090000_add_index_to_contacts_on_email.rb');
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document);
    // Type a new call inside `change`, one character at a time, faster than the debounce.
    const insertAt = document.getText().indexOf('if_not_exists: true') + 'if_not_exists: true\n'.length;
    const typed = '    add_index :contacts, :phone\n';
    for (let i = 0; i < typed.length; i++) {
      await editor.edit((b) => b.insert(document.positionAt(insertAt + i), typed[i]!), { undoStopBefore: false, undoStopAfter: false });
    }
    const finalVersion = document.version;
    const diagnostics = await waitFor('diagnostics for the final text', () => {
      const found = ourDiagnostics(uri);
      return found.some((d) => document.getText(d.range) === 'add_index :contacts, :phone') ? found : undefined;
    });
    assert.equal(document.version, finalVersion);
    for (const d of diagnostics) assert.ok(d.range.end.line < document.lineCount);
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
});
