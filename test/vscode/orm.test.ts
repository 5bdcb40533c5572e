import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, codeOf, ourDiagnostics, waitFor, workspaceRoot } from './support';

const DJANGO = 'orm-fixtures/blog/migrations/0002_post_author.py';
const KNEX = 'orm-fixtures/db/migrations/20240101000000_messages.ts';
const DJANGO_FIELD = 'orm-fixtures/blog/migrations/0003_post_editor.py';
const KNEX_BUILDER = 'orm-fixtures/db/migrations/20240102000000_messages_account.js';
const TYPEORM = 'orm-fixtures/src/migrations/1700000000000-ContactsEmail.ts';

describe('linting Django and TypeScript migrations in the editor', () => {
  before(async () => {
    await activateExtension();
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(workspaceRoot().fsPath, path)), { recursive: true });
      writeFileSync(join(workspaceRoot().fsPath, path), text);
    };
    write(DJANGO, 'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.AddIndex(model_name="post", index=models.Index(fields=["author"], name="i")),\n    ]\n');
    write(KNEX, "exports.up = function (knex) {\n  return knex.raw('CREATE INDEX IF NOT EXISTS i ON messages (author_id)');\n};\n");
    write(DJANGO_FIELD, 'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.AddField(model_name="post", name="editor", field=models.ForeignKey("auth.User", on_delete=models.CASCADE, null=True)),\n    ]\n');
    write(KNEX_BUILDER, "exports.up = async (knex) => {\n  await knex.schema.alterTable('messages', (t) => {\n    t.index(['account_id']);\n  });\n};\n");
    write(TYPEORM, "import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';\n\nexport class ContactsEmail1700000000000 implements MigrationInterface {\n  async up(queryRunner: QueryRunner) {\n    await queryRunner.createIndex('contacts', new TableIndex({ name: 'contacts_email_idx', columnNames: ['email'] }));\n  }\n}\n");
  });
  after(() => rmSync(join(workspaceRoot().fsPath, 'orm-fixtures'), { recursive: true, force: true }));

  for (const [name, path, fixed] of [
    [
      'a Django migration: AddIndex -> AddIndexConcurrently',
      DJANGO,
      'from django.db import migrations, models\nfrom django.contrib.postgres.operations import AddIndexConcurrently\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n\n    operations = [\n        AddIndexConcurrently(model_name="post", index=models.Index(fields=["author"], name="i")),\n    ]\n',
    ],
    [
      'a TypeScript (Knex) migration: CONCURRENTLY and no transaction',
      KNEX,
      "exports.up = function (knex) {\n  return knex.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON messages (author_id)');\n};\n\nexports.config = { transaction: false };\n",
    ],
    [
      'a Django migration: AddField of a ForeignKey -> SeparateDatabaseAndState with AddIndexConcurrently',
      DJANGO_FIELD,
      'from django.db import migrations, models\nfrom django.contrib.postgres.operations import AddIndexConcurrently\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n\n    operations = [\n' +
        '        migrations.SeparateDatabaseAndState(\n            state_operations=[\n' +
        '                migrations.AddField(model_name="post", name="editor", field=models.ForeignKey("auth.User", on_delete=models.CASCADE, null=True)),\n            ],\n' +
        '            database_operations=[\n                migrations.AddField(model_name="post", name="editor", field=models.ForeignKey("auth.User", on_delete=models.CASCADE, null=True, db_index=False)),\n' +
        '                AddIndexConcurrently(model_name="post", index=models.Index(fields=["editor"], name="blog_post_editor_id_idx")),\n            ],\n        ),\n    ]\n',
    ],
    [
      'a Knex migration: table.index -> knex.raw CREATE INDEX CONCURRENTLY',
      KNEX_BUILDER,
      "exports.up = async (knex) => {\n  await knex.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS \"messages_account_id_index\" ON \"messages\" (\"account_id\")');\n};\n\nexports.config = { transaction: false };\n",
    ],
    [
      'a TypeORM migration: isConcurrent: true and transaction = false',
      TYPEORM,
      "import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';\n\nexport class ContactsEmail1700000000000 implements MigrationInterface {\n  transaction = false;\n\n  async up(queryRunner: QueryRunner) {\n    await queryRunner.createIndex('contacts', new TableIndex({ name: 'contacts_email_idx', columnNames: ['email'], isConcurrent: true }));\n  }\n}\n",
    ],
  ] as const) {
    it(`shows the diagnostic and applies the quick fix in ${name}`, async () => {
      const uri = vscode.Uri.file(join(workspaceRoot().fsPath, path));
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document);
      const diagnostic = await waitFor('the diagnostic', () => ourDiagnostics(uri).find((d) => codeOf(d) === 'require-concurrent-index-creation'));
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, diagnostic.range);
      const fix = actions.find((a) => a.title.includes('concurrently'));
      assert.ok(fix?.edit, `no fix among: ${actions.map((a) => a.title).join(' | ')}`);
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      assert.equal(document.getText(), fixed);
      await waitFor('the diagnostic to go away', () => (ourDiagnostics(uri).some((d) => codeOf(d) === 'require-concurrent-index-creation') ? undefined : true));
      await document.save();
    });
  }
});
