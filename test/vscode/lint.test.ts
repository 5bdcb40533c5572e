import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, codeOf, EXTENSION_ID, notificationsText, ourDiagnostics, screenshot, waitFor, workspaceFile, workspaceRoot } from './support';

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
    assert.equal(target.scheme, 'command');
    assert.deepEqual(JSON.parse(target.query), ['require-concurrent-index-creation']);
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

  it('"Make this migration production-safe" gives a plain add_index the whole production pattern in one step', async () => {
    // Outside db/migrate: the database views' suites count the fixture's migrations.
    const uri = workspaceFile('tmp/production-safe/20240401000000_add_index_to_messages_on_source_id.rb');
    const plain = 'class AddIndexToMessagesOnSourceId < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :source_id\n  end\nend\n';
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(plain));
    try {
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      const diagnostic = await waitFor('the diagnostic', () => ourDiagnostics(uri).find((d) => codeOf(d) === 'require-concurrent-index-creation'));
      const quickFixes = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        uri,
        diagnostic.range,
        vscode.CodeActionKind.QuickFix.value,
      );
      const titles = quickFixes.map((a) => a.title);
      const action = quickFixes.find((a) => a.title === 'Make this migration production-safe');
      assert.ok(action?.edit, `no production-safe quick fix among: ${titles.join(' | ')}`);
      // Right after the finding's own fix.
      assert.equal(titles.indexOf('Make this migration production-safe'), 1, titles.join(' | '));
      const sourceActions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        uri,
        diagnostic.range,
        'source.pgIndexGuard.productionSafe',
      );
      assert.deepEqual(sourceActions.map((a) => [a.title, a.kind?.value]), [['Make this migration production-safe', 'source.pgIndexGuard.productionSafe']]);
      // Fix-all (on save) stays safe-only: it never takes the migration out of its transaction.
      const fixAll = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range, 'source.fixAll');
      assert.deepEqual(fixAll.map((a) => a.title), []);

      assert.ok(await vscode.workspace.applyEdit(action.edit));
      assert.equal(
        document.getText(),
        [
          'class AddIndexToMessagesOnSourceId < ActiveRecord::Migration[7.1]',
          '  disable_ddl_transaction!',
          '',
          '  def change',
          `    up_only { execute "SET statement_timeout = '30min'" }`,
          `    up_only { execute "SET lock_timeout = '10s'" }`,
          '    add_index :messages, :source_id, algorithm: :concurrently, if_not_exists: true',
          '    up_only { execute "RESET statement_timeout" }',
          '    up_only { execute "RESET lock_timeout" }',
          '  end',
          'end',
          '',
        ].join('\n'),
      );
      await waitFor('every finding to go away', () => (ourDiagnostics(uri).length === 0 ? true : undefined));
      await document.save();
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    } finally {
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(uri, '..', '..'), { recursive: true });
    }
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

describe('syntax errors while typing', () => {
  const file = 'db/migrate/20240601000000_add_index_while_typing.rb';
  const complete = 'class AddIndexWhileTyping < ActiveRecord::Migration[7.1]\n  def change\n  end\nend\n';
  const unfinished = 'class AddIndexWhileTyping < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :user_id\n';
  const syntaxErrors = (uri: vscode.Uri) => ourDiagnostics(uri).filter((d) => codeOf(d) === 'syntax-error');

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(workspaceFile(file));
  });

  it('shows no syntax error of ours right after an edit, then one at hint level once the text stays unchanged; at once on save', async () => {
    const api = await activateExtension();
    const uri = workspaceFile(file);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(complete));
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document);
    await waitFor('the first lint', () => api.lintService.lint(document).then((r) => r !== null || undefined));

    // The edit's own lint: published, with its other findings, but without the syntax error.
    const published = new Promise<void>((resolve) => {
      const listener = api.diagnostics.onDidPublish((published) => {
        if (published.toString() === uri.toString() && ourDiagnostics(uri).some((d) => codeOf(d) === 'require-concurrent-index-creation')) {
          listener.dispose();
          resolve();
        }
      });
    });
    await editor.edit((b) => b.replace(new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), unfinished));
    await published;
    assert.deepEqual(syntaxErrors(uri).map((d) => d.message), [], 'no syntax error while the text is being typed');

    const later = await waitFor('the syntax error once the text stays unchanged', () => syntaxErrors(uri)[0]);
    assert.equal(later.severity, vscode.DiagnosticSeverity.Hint);

    // Typing again withholds it; saving shows it without waiting.
    await editor.edit((b) => b.insert(document.positionAt(document.getText().length), '    # more\n'));
    await waitFor('the syntax error to go while typing', () => (syntaxErrors(uri).length === 0 ? true : undefined));
    const saving = Date.now();
    await document.save();
    const saved = await waitFor('the syntax error after saving', () => syntaxErrors(uri)[0]);
    assert.equal(saved.severity, vscode.DiagnosticSeverity.Hint);
    console.log(`syntax error shown ${Date.now() - saving} ms after the save (withheld for ${2_000} ms after an edit)`);
  });
});

describe('the editor and the CLI agree', () => {
  const settingsFile = '.pg-index-guard.json';
  const files = ['db/migrate/20240312100000_add_index_to_contacts_on_phone.rb', 'db/migrate/20240310100000_remove_index_from_messages_on_user_id.rb'];
  const SEVERITY_NAMES = ['error', 'warning', 'info', 'hint'];

  after(async () => {
    await vscode.workspace.fs.delete(workspaceFile(settingsFile));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it("on every finding and severity, with the project's .pg-index-guard.json (which wins over VS Code's settings)", async () => {
    // Not what the fixture's VS Code settings say: contacts alone is large here, and prefer-robust-stmts is an error.
    await vscode.workspace.fs.writeFile(
      workspaceFile(settingsFile),
      new TextEncoder().encode(JSON.stringify({ largeTables: ['contacts'], rules: { 'prefer-robust-stmts': 'error' } })),
    );
    for (const file of files) await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(workspaceFile(file)), { preview: false });
    const inEditor = await waitFor('the editor to lint with the settings file', () => {
      const found = files.map((file) =>
        ourDiagnostics(workspaceFile(file))
          .map((d) => `${file}:${d.range.start.line + 1} ${codeOf(d)} ${SEVERITY_NAMES[d.severity]}`)
          .sort(),
      );
      return found.flat().some((f) => f.includes('prefer-robust-stmts error')) ? found.flat() : undefined;
    });

    const extensionRoot = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath;
    const cli = spawnSync(process.execPath, [join(extensionRoot, 'dist', 'cli.js'), 'lint', '--format', 'json', ...files], {
      cwd: workspaceRoot().fsPath,
      encoding: 'utf8',
    });
    assert.equal(cli.status, 1, cli.stderr);
    const fromCli = (JSON.parse(cli.stdout).findings as Array<{ file: string; line: number; rule: string; severity: string }>)
      .map((f) => `${f.file}:${f.line} ${f.rule} ${f.severity}`)
      .sort();
    assert.deepEqual([...inEditor].sort(), fromCli);
    assert.ok(fromCli.some((f) => /contacts_on_phone.*require-timeouts warning/.test(f)), 'contacts is large: require-timeouts raised to a warning');
    assert.ok(fromCli.some((f) => /messages_on_user_id.*require-concurrent-index-deletion warning/.test(f)), 'messages is not large in the file');
  });
});

describe('the settings file in the editor', () => {
  const settingsFile = '.pg-index-guard.json';

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('notifications.clearAll');
    await vscode.workspace.fs.delete(workspaceFile(settingsFile));
  });

  it('is checked and completed from schemas/pg-index-guard.schema.json (contributes.jsonValidation)', async () => {
    const uri = workspaceFile(settingsFile);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('{\n  "lintDelay": 100,\n  "rules": { "prefer-partial-index": "fatal" }\n}\n'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
    const problems = await waitFor('the JSON language service to check the file against the schema', () => {
      const messages = vscode.languages.getDiagnostics(uri).map((d) => `${d.range.start.line + 1}: ${d.message}`);
      return messages.some((m) => /^2: .*lintDelay/.test(m)) && messages.some((m) => /^3: /.test(m)) ? messages : undefined;
    }, 60_000);
    assert.ok(problems.some((m) => /^3: Value is not accepted\. Valid values: .*"off"/.test(m)), problems.join('\n'));

    const completions = await waitFor('completion of the settings and rule ids', async () => {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, new vscode.Position(2, 13));
      const labels = list.items.map((item) => (typeof item.label === 'string' ? item.label : item.label.label));
      return labels.some((label) => label.includes('require-concurrent-index-creation')) ? labels : undefined;
    }, 60_000);
    assert.ok(completions.some((label) => label.includes('require-timeouts')), completions.join(', '));

    // The extension refuses the file as the CLI does, says why, and lints with VS Code's settings meanwhile.
    const migration = workspaceFile('db/migrate/20240312100000_add_index_to_contacts_on_phone.rb');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(migration), { preview: false });
    await waitFor('the migration linted with VS Code\'s settings', () => (ourDiagnostics(migration).length > 0 ? true : undefined), 60_000);
    const text = await waitFor(
      'the warning about the settings file',
      async () => {
        const shown = await notificationsText('settings-file-warning');
        return shown.includes('is an editor setting') ? shown : undefined;
      },
      60_000,
    );
    assert.match(text, /\.pg-index-guard\.json: "lintDelay" is an editor setting, not a lint setting: set pgIndexGuard\.lintDelay in VS Code's settings/);
  });
});
