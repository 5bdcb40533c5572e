import * as assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import * as vscode from 'vscode';
import { activateExtension, clickOnPage, codeOf, ourDiagnostics, screenshot, waitFor, workspaceFile } from './support';

/** One fixture migration per rule: each must show that rule's diagnostic. */
const RULE_FIXTURES: Array<{ rule: string; file: string; line: number }> = [
  { rule: 'require-concurrent-index-creation', file: 'db/migrate/20240318100000_add_index_to_conversations_on_status.rb', line: 3 },
  { rule: 'require-concurrent-index-deletion', file: 'db/migrate/20240310100000_remove_index_from_messages_on_user_id.rb', line: 5 },
  { rule: 'ban-concurrent-index-creation-in-transaction', file: 'db/migrate/20240311100000_add_index_to_messages_on_account_id.rb', line: 3 },
  { rule: 'prefer-robust-stmts', file: 'db/migrate/20240312100000_add_index_to_contacts_on_phone.rb', line: 5 },
  { rule: 'require-timeouts', file: 'db/migrate/20240312100000_add_index_to_contacts_on_phone.rb', line: 5 },
  { rule: 'one-large-table-per-migration', file: 'db/migrate/20240313100000_add_account_indexes.rb', line: 6 },
  { rule: 'prefer-partial-index', file: 'db/migrate/20240314100000_add_index_to_contacts_on_deleted_at.rb', line: 5 },
  { rule: 'disallowed-unique-constraint', file: 'db/migrate/20240315100000_add_unique_constraint_to_contacts_email.rb', line: 3 },
  { rule: 'require-concurrent-reindex', file: 'db/migrate/20240316100000_reindex_messages.rb', line: 5 },
  { rule: 'require-concurrent-index-creation', file: 'db/sql/20240401000000_add_index_to_messages_on_status.sql', line: 5 },
];

async function diagnosticFor(file: string, rule: string): Promise<{ document: vscode.TextDocument; diagnostic: vscode.Diagnostic }> {
  const uri = workspaceFile(file);
  const document = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(document);
  const diagnostic = await waitFor(`${rule} in ${file}`, () => ourDiagnostics(uri).find((d) => codeOf(d) === rule));
  return { document, diagnostic };
}

async function quickFixes(document: vscode.TextDocument, diagnostic: vscode.Diagnostic): Promise<vscode.CodeAction[]> {
  return vscode.commands.executeCommand<vscode.CodeAction[]>(
    'vscode.executeCodeActionProvider',
    document.uri,
    diagnostic.range,
    vscode.CodeActionKind.QuickFix.value,
  );
}

/** Applies the rule's own fix (the first action) and waits for its diagnostic to go. */
async function applyFirstFix(file: string, rule: string): Promise<{ document: vscode.TextDocument; action: vscode.CodeAction }> {
  const { document, diagnostic } = await diagnosticFor(file, rule);
  const actions = await quickFixes(document, diagnostic);
  const action = actions[0];
  assert.ok(action?.edit, `${rule}: no fix offered (actions: ${actions.map((a) => a.title).join(' | ')})`);
  assert.ok(await vscode.workspace.applyEdit(action.edit));
  await waitFor(`${rule} to go away after its fix`, () => (ourDiagnostics(document.uri).some((d) => codeOf(d) === rule) ? undefined : true));
  return { document, action };
}

describe('every rule in the fixture app', () => {
  before(async () => {
    await activateExtension();
  });

  for (const { rule, file, line } of RULE_FIXTURES) {
    it(`shows ${rule} in ${file.split('/').pop()}`, async () => {
      const { diagnostic } = await diagnosticFor(file, rule);
      assert.equal(diagnostic.range.start.line + 1, line);
      const target = (diagnostic.code as { target: vscode.Uri }).target;
      assert.deepEqual([target.scheme, target.path, JSON.parse(target.query)], ['command', 'pgIndexGuard.showRuleDocumentation', [rule]]);
    });
  }

  it('orders the actions of a finding: fix, the production-safe rewrite, disable for the line, disable for the file, documentation', async () => {
    const { document, diagnostic } = await diagnosticFor('db/migrate/20240312100000_add_index_to_contacts_on_phone.rb', 'prefer-robust-stmts');
    const titles = (await quickFixes(document, diagnostic)).filter((a) => a.diagnostics?.[0] === diagnostic || a.title.includes('prefer-robust-stmts') || a.title.startsWith('Add if_not_exists') || a.title === 'Make this migration production-safe').map((a) => a.title);
    assert.deepEqual(titles, [
      'Add if_not_exists: true',
      'Make this migration production-safe',
      'Disable prefer-robust-stmts for this line',
      'Disable prefer-robust-stmts for this file',
      'Show documentation for prefer-robust-stmts',
    ]);
  });
});

/** The tab in front: the rendered page of `rule` in the markdown preview, not its markdown source. */
async function renderedRulePageInFront(rule: string): Promise<void> {
  const tab = await waitFor(`the rendered page of ${rule}`, () => {
    const active = vscode.window.tabGroups.activeTabGroup.activeTab;
    return active?.input instanceof vscode.TabInputWebview && active.label.includes(`${rule}.md`) ? active : undefined;
  });
  assert.match((tab.input as vscode.TabInputWebview).viewType, /markdown\.preview/);
  const sources = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((t) => t.input instanceof vscode.TabInputText && /docs\/rules\//.test(t.input.uri.path));
  assert.deepEqual(sources.map((t) => t.label), [], 'no markdown source of a rule page is opened');
}

describe('rule links open the rendered documentation', () => {
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the rule link in the hover of a diagnostic', async () => {
    const { diagnostic } = await diagnosticFor('db/migrate/20240316100000_reindex_messages.rb', 'require-concurrent-reindex');
    const editor = vscode.window.activeTextEditor!;
    editor.selection = new vscode.Selection(diagnostic.range.start.translate(0, 2), diagnostic.range.start.translate(0, 2));
    // The editor may not show the marker in its hover yet right after the diagnostic is published: ask again.
    for (let attempt = 1; ; attempt++) {
      // The hover shows in a focused editor only.
      await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
      await vscode.commands.executeCommand('editor.action.showHover');
      try {
        await clickOnPage('hover-rule-link', '.monaco-hover a.code-link:has-text("require-concurrent-reindex")', 5_000);
        break;
      } catch (error) {
        if (attempt === 4) throw error;
      }
    }
    await renderedRulePageInFront('require-concurrent-reindex');
    await screenshot('rule-page-from-hover');
  });

  it('the rule link in the Problems panel', async () => {
    await diagnosticFor('db/migrate/20240316100000_reindex_messages.rb', 'require-concurrent-reindex');
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    // Only the active file's problems: the other files' rows could push this one out of the list's view.
    const activeFileOnly = 'workbench.actions.workbench.panel.markers.view.toggleActiveFile';
    await vscode.commands.executeCommand(activeFileOnly);
    try {
      await clickOnPage('problems-rule-link', '.markers-panel .monaco-link:has-text("require-concurrent-reindex")');
      await renderedRulePageInFront('require-concurrent-reindex');
    } finally {
      await vscode.commands.executeCommand('workbench.actions.view.problems');
      await vscode.commands.executeCommand(activeFileOnly);
      await vscode.commands.executeCommand('workbench.action.closePanel');
    }
  });
});

describe('quick fixes applied in the editor', () => {
  it('require-concurrent-index-deletion: adds algorithm: :concurrently', async () => {
    const { document } = await applyFirstFix('db/migrate/20240310100000_remove_index_from_messages_on_user_id.rb', 'require-concurrent-index-deletion');
    assert.match(document.getText(), /remove_index :messages, :user_id, if_exists: true, algorithm: :concurrently\n/);
  });

  it('ban-concurrent-index-creation-in-transaction: adds disable_ddl_transaction!', async () => {
    const { document } = await applyFirstFix('db/migrate/20240311100000_add_index_to_messages_on_account_id.rb', 'ban-concurrent-index-creation-in-transaction');
    assert.match(document.getText(), /^class AddIndexToMessagesOnAccountId < ActiveRecord::Migration\[7\.1\]\n  disable_ddl_transaction!\n\n  def change\n/);
  });

  it('prefer-robust-stmts: adds if_not_exists: true', async () => {
    const { document } = await applyFirstFix('db/migrate/20240312100000_add_index_to_contacts_on_phone.rb', 'prefer-robust-stmts');
    assert.match(document.getText(), /add_index :contacts, :phone, algorithm: :concurrently, if_not_exists: true\n/);
  });

  it('require-timeouts: sets and resets the timeouts around the operation', async () => {
    const { document } = await applyFirstFix('db/migrate/20240312100000_add_index_to_contacts_on_phone.rb', 'require-timeouts');
    const text = document.getText();
    assert.match(text, /execute "SET lock_timeout = '10s'"/);
    assert.match(text, /execute "RESET lock_timeout"/);
    assert.ok(text.indexOf('SET statement_timeout') < text.indexOf('add_index :contacts') && text.indexOf('add_index :contacts') < text.indexOf('RESET statement_timeout'));
  });

  it('one-large-table-per-migration: splits the migration into one file per table', async () => {
    const { document } = await applyFirstFix('db/migrate/20240313100000_add_account_indexes.rb', 'one-large-table-per-migration');
    assert.doesNotMatch(document.getText(), /add_index :contacts/);
    const created = await vscode.workspace.findFiles('db/migrate/*.rb');
    const newFile = created.find((u) => !u.path.endsWith('20240313100000_add_account_indexes.rb') && /20240313\d+_/.test(u.path));
    assert.ok(newFile, `no split file among ${created.map((u) => u.path.split('/').pop()).join(', ')}`);
    // The new file is open with its text, unsaved, like the edit to the original.
    const text = (await vscode.workspace.openTextDocument(newFile)).getText();
    assert.match(text, /^class AddAccountIndexesOnContacts < ActiveRecord::Migration\[7\.1\]\n  disable_ddl_transaction!\n/);
    assert.match(text, /add_index :contacts, \[:account_id, :created_at\]/);
  });

  it('one-large-table-per-migration: a Prisma split goes to a new migration folder, after the versions taken', async () => {
    const migrations = workspaceFile('prisma/migrations');
    const write = (path: string, text: string) => vscode.workspace.fs.writeFile(vscode.Uri.joinPath(migrations, path), new TextEncoder().encode(text));
    await write('20240501000000_add_indexes/migration.sql', 'CREATE INDEX a ON messages (x);\nCREATE INDEX b ON contacts (x);\n');
    await write('20240501000001_add_users/migration.sql', 'CREATE TABLE users (id bigint);\n');
    try {
      const { document } = await applyFirstFix('prisma/migrations/20240501000000_add_indexes/migration.sql', 'one-large-table-per-migration');
      assert.equal(document.getText(), 'CREATE INDEX a ON messages (x);\n');
      const created = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(migrations, '20240501000002_add_indexes_on_contacts/migration.sql'));
      assert.equal(created.getText(), 'CREATE INDEX b ON contacts (x);\n');
      assert.ok((await document.save()) && (await created.save()));
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      // VS Code keeps closed documents for minutes: deleting the files must still clear their findings.
      assert.ok(ourDiagnostics(document.uri).length > 0);
      await vscode.workspace.fs.delete(workspaceFile('prisma'), { recursive: true });
      await waitFor('the findings of the deleted migration to go', () => (ourDiagnostics(document.uri).length === 0 ? true : undefined));
    } finally {
      await vscode.workspace.fs.delete(workspaceFile('prisma'), { recursive: true }).then(undefined, () => undefined);
    }
  });

  it('prefer-partial-index: adds a where: clause', async () => {
    const { document } = await applyFirstFix('db/migrate/20240314100000_add_index_to_contacts_on_deleted_at.rb', 'prefer-partial-index');
    assert.match(document.getText(), /add_index :contacts, :deleted_at, .*where: "deleted_at IS NOT NULL"/);
  });

  it('disallowed-unique-constraint: builds the unique index concurrently first', async () => {
    const { document } = await applyFirstFix('db/migrate/20240315100000_add_unique_constraint_to_contacts_email.rb', 'disallowed-unique-constraint');
    assert.match(document.getText(), /using_index: /);
  });

  it('require-concurrent-reindex: inserts CONCURRENTLY', async () => {
    const { document } = await applyFirstFix('db/migrate/20240316100000_reindex_messages.rb', 'require-concurrent-reindex');
    assert.match(document.getText(), /execute "REINDEX INDEX CONCURRENTLY index_messages_on_conversation_id"/);
  });

  it('a .sql migration: inserts CONCURRENTLY', async () => {
    const { document } = await applyFirstFix('db/sql/20240401000000_add_index_to_messages_on_status.sql', 'require-concurrent-index-creation');
    assert.match(document.getText(), /\nCREATE INDEX CONCURRENTLY index_messages_on_status ON messages \(status\);\n/);
    await screenshot('sql-migration-fixed');
  });
});

describe('suppression and fix-all', () => {
  it('a disable-next-line comment silences the finding it names, and only that one', async () => {
    const uri = workspaceFile('db/migrate/20240317100000_add_index_to_notifications_on_read.rb');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    await waitFor('require-timeouts', () => ourDiagnostics(uri).find((d) => codeOf(d) === 'require-timeouts'));
    assert.deepEqual(ourDiagnostics(uri).map(codeOf), ['require-timeouts']);
    // Removing the comment brings the finding back.
    const editor = vscode.window.activeTextEditor!;
    await editor.edit((b) => b.delete(document.lineAt(2).rangeIncludingLineBreak));
    await waitFor('the finding to come back', () => ourDiagnostics(uri).find((d) => codeOf(d) === 'require-concurrent-index-creation'));
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  it('fix-all on save applies the safe fixes and leaves the unsafe ones', async () => {
    const onSave = { 'source.fixAll.pgIndexGuard': 'explicit' };
    await withWorkspaceSettings({ '[ruby]': { 'editor.codeActionsOnSave': onSave } }, () => isDeepStrictEqual(rubySetting('codeActionsOnSave'), onSave), async () => {
      const uri = workspaceFile('db/migrate/20240319100000_add_index_to_notifications_on_user_id_and_read.rb');
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      // Out of the transaction already, so "concurrently" and "if_not_exists" are safe; the timeouts fix is not.
      await waitFor('findings on the file', () => (ourDiagnostics(uri).length >= 2 ? true : undefined));
      // Typed, then saved: the save participants run on a dirty document.
      const editor = vscode.window.activeTextEditor!;
      await editor.edit((b) => b.insert(new vscode.Position(4, 0), '    # for the notifications page\n'));
      await vscode.commands.executeCommand('workbench.action.files.save');
      const text = document.getText();
      assert.equal(document.isDirty, false, 'the save did not happen');
      assert.match(text, /# for the notifications page\n    add_index :notifications, \[:user_id, :read\], algorithm: :concurrently, if_not_exists: true\n/);
      assert.doesNotMatch(text, /statement_timeout/, 'the unsafe timeouts fix must not be applied on save');
      await waitFor('only the unsafe finding left', () =>
        ourDiagnostics(uri).map(codeOf).join() === 'require-timeouts' ? true : undefined,
      );
    });
  });
});

function rubySetting(name: string): unknown {
  return vscode.workspace.getConfiguration('editor', { languageId: 'ruby' }).get(name);
}

/**
 * Runs `body` with `settings` in the workspace's .vscode/settings.json, then restores the file.
 * The file is written directly rather than through the configuration API: that API opens the file
 * as a jsonc document, which activates the built-in JSON and TypeScript extensions, and their code
 * action providers then register while the test saves. VS Code 1.100 drops every code-action-on-save
 * request in flight when the provider registry changes (getCodeActions compares the providers it
 * asked, filtered by kind, with all providers for the file, and the snippet providers for '*' always
 * differ), so fix-all on save was skipped now and then. `applied` says when VS Code has read them.
 */
async function withWorkspaceSettings(settings: Record<string, unknown>, applied: () => boolean, body: () => Promise<void>): Promise<void> {
  const file = workspaceFile('.vscode/settings.json');
  const before = await vscode.workspace.fs.readFile(file).then(
    (bytes) => bytes,
    () => undefined,
  );
  const current = before ? (JSON.parse(new TextDecoder().decode(before)) as Record<string, unknown>) : {};
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(JSON.stringify({ ...current, ...settings }, null, 2)));
  try {
    await waitFor('VS Code to read the workspace settings', () => applied() || undefined);
    await body();
  } finally {
    if (before) await vscode.workspace.fs.writeFile(file, before);
    else await vscode.workspace.fs.delete(file);
    await waitFor('VS Code to drop the workspace settings', () => !applied() || undefined);
  }
}
