import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, codeOf, ourDiagnostics, waitFor, workspaceFile } from './support';

/** Every log file under a folder (the session's logs: the extension host writes its warnings there). */
function logFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return logFiles(path);
    return name.endsWith('.log') ? [path] : [];
  });
}

/** VS Code's warnings about this extension reading a setting with the wrong scope. */
function scopeWarnings(): string[] {
  const dir = process.env.PGIG_TEST_LOGS;
  if (!dir) throw new Error('the runner sets PGIG_TEST_LOGS');
  return logFiles(dir).flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => /scoped configuration/i.test(line) && line.includes('pgIndexGuard.')),
  );
}

describe('settings that may differ per folder', () => {
  const migration = workspaceFile('db/migrate/20240318100000_add_index_to_conversations_on_status.rb');

  after(async () => {
    const folder = vscode.workspace.workspaceFolders![0]!;
    await vscode.workspace.getConfiguration('pgIndexGuard', folder.uri).update('rules', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
  });

  it('are set for a folder and read for the document in it', async () => {
    await activateExtension();
    const folder = vscode.workspace.workspaceFolders![0]!;
    const document = await vscode.workspace.openTextDocument(migration);
    await vscode.window.showTextDocument(document);
    await waitFor('the finding', () => ourDiagnostics(migration).some((d) => codeOf(d) === 'require-concurrent-index-creation') || undefined);
    // A folder's own value (in a multi-root workspace, each folder's .vscode/settings.json):
    // VS Code refuses to write it for a setting that is not resource scoped.
    await vscode.workspace
      .getConfiguration('pgIndexGuard', folder.uri)
      .update('rules', { 'require-concurrent-index-creation': 'off' }, vscode.ConfigurationTarget.WorkspaceFolder);
    await waitFor('the rule to go quiet', () => (ourDiagnostics(migration).some((d) => codeOf(d) === 'require-concurrent-index-creation') ? undefined : true));
  });

  it('are read with their scope: VS Code logs no "scoped configuration" warning', async () => {
    const api = await activateExtension();
    api.connections.findCandidates();
    await api.connections.connectRemembered();
    await api.status.refresh();
    const document = await vscode.workspace.openTextDocument(workspaceFile('db/migrate/20240302090000_add_index_to_contacts_on_email.rb'));
    await api.lintService.lint(document);
    await new Promise((r) => setTimeout(r, 1500)); // the log is written asynchronously
    assert.deepEqual(scopeWarnings(), []);
  });
});
