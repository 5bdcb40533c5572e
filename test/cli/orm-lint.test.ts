// `pg-index-guard lint` on folders of Django and Node ORM migrations: the walk takes the files in
// migration folders (not the project's other Python and JS), finds what is unsafe in them, and
// the bundled CLI reads its tree-sitter WASMs from beside itself.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildCliBundleInto, run, tempDir, writeOnlyRulesConfig } from './helpers';

const CONCURRENT = 'require-concurrent-index-creation';
const project = tempDir('pg-index-guard-orm-');
const bundle = tempDir('pg-index-guard-orm-bundle-');
let config: string;

const write = (path: string, text: string) => {
  mkdirSync(dirname(join(project.path, path)), { recursive: true });
  writeFileSync(join(project.path, path), text);
};

before(async () => {
  write('blog/migrations/__init__.py', '');
  write('blog/migrations/0001_initial.py', 'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    initial = True\n    operations = [migrations.CreateModel(name="Post", fields=[("slug", models.SlugField())])]\n');
  write('blog/migrations/0002_post_author.py', 'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    operations = [\n        migrations.AddIndex(model_name="post", index=models.Index(fields=["author"], name="i")),\n    ]\n');
  // Not migrations: a view with an add_index-looking call, a broken script, a test file.
  write('blog/views.py', 'def view(request):\n    return migrations.AddIndex(model_name="post"\n');
  write('web/app.js', 'export const x = <div/>;\n');
  write('db/migrations/20240101000000_messages.ts', "export async function up(knex) {\n  await knex.schema.alterTable('messages', (table) => {\n    table.index(['conversation_id']);\n  });\n}\n");
  write('db/migrations/messages.test.ts', "test('x', () => {});\n");
  config = writeOnlyRulesConfig(join(project.path, 'only-concurrent.json'), { [CONCURRENT]: 'default' });
  await buildCliBundleInto(bundle.path);
});
after(() => {
  project.remove();
  bundle.remove();
});

const expected = [
  { file: 'blog/migrations/0002_post_author.py', line: 6, message: 'Index built without CONCURRENTLY on "blog_post": writes to the table are blocked for the whole build.' },
  { file: 'db/migrations/20240101000000_messages.ts', line: 3, message: 'Index built without CONCURRENTLY on "messages": writes to the table are blocked for the whole build.' },
];

test('lint walks a project: Django and Knex migrations found, other Python and JS files left alone', async () => {
  const { code, stdout, stderr } = await run(['lint', '.', '--format', 'json', '--config', config], { cwd: project.path });
  assert.equal(stderr, '');
  const findings = JSON.parse(stdout).findings as Array<{ file: string; rule: string; line: number; message: string }>;
  assert.deepEqual(
    findings.map(({ file, line, message }) => ({ file, line, message })),
    expected,
  );
  assert.equal(code, 0, 'warnings alone do not fail the run');
});

test('the bundled CLI lints the same folder with the WASMs beside it', () => {
  const result = spawnSync(process.execPath, [join(bundle.path, 'cli.js'), 'lint', '.', '--format', 'json', '--config', config], { cwd: project.path, encoding: 'utf8' });
  assert.equal(result.stderr, '');
  const findings = JSON.parse(result.stdout).findings as Array<{ file: string; line: number; message: string }>;
  assert.deepEqual(
    findings.map(({ file, line, message }) => ({ file, line, message })),
    expected,
  );
});
