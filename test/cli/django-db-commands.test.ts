// status and create-pending in a Django project on a real server: pending migrations are the
// files django_migrations (app, name) does not list, and create-pending builds their indexes.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import type pg from 'pg';
import { runCli } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { closeClient, useCluster, SUPERUSER_PASSWORD } from '../db/support/postgres';
import { tempDir } from './helpers';

const project = tempDir('pg-index-guard-django-');
let admin: pg.Client;
let url: string;
after(async () => {
  if (admin) await closeClient(admin);
  project.remove();
});

const write = (path: string, text: string) => {
  mkdirSync(dirname(join(project.path, path)), { recursive: true });
  writeFileSync(join(project.path, path), text);
};

useCluster({}, async (c) => {
  await c.createDatabase('django_dev');
  admin = await c.connect('django_dev');
  await admin.query(`
    CREATE TABLE blog_post (id bigint PRIMARY KEY, author_id bigint NOT NULL, title text);
    INSERT INTO blog_post SELECT g, g % 50, 'post ' || g FROM generate_series(1, 5000) g;
    CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255) NOT NULL, name varchar(255) NOT NULL, applied timestamptz NOT NULL DEFAULT now());
    INSERT INTO django_migrations (app, name) VALUES ('contenttypes', '0001_initial'), ('blog', '0001_initial');`);
  url = `postgres://postgres:${SUPERUSER_PASSWORD}@${c.host}:${c.port}/django_dev?sslmode=disable`;

  write('manage.py', '#!/usr/bin/env python\n');
  write('blog/migrations/__init__.py', '');
  write('blog/migrations/0001_initial.py', 'from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    initial = True\n    operations = [migrations.CreateModel(name="Post", fields=[("title", models.TextField())])]\n');
  write(
    'blog/migrations/0002_post_author_index.py',
    'from django.contrib.postgres.operations import AddIndexConcurrently\nfrom django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n    dependencies = [("blog", "0001_initial")]\n\n    operations = [\n        AddIndexConcurrently(model_name="post", index=models.Index(fields=["author_id"], name="blog_post_author_idx")),\n        migrations.AddField("post", "score", models.IntegerField(db_index=True, default=0)),\n    ]\n',
  );
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd: project.path,
    env: { DATABASE_URL: url, PGPASSFILE: '/nonexistent' },
    stdoutIsTTY: false,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

test('status: the Django migration django_migrations does not list is pending, with its index operations', async () => {
  const { code, stdout, stderr } = await cli(['status', '--json']);
  assert.equal(stderr, '');
  assert.ok(code === 0 || code === 1, `exit ${code}`);
  const pending = JSON.parse(stdout).pendingMigrations;
  assert.equal(pending.error, null);
  assert.equal(pending.note, undefined);
  assert.deepEqual(
    pending.items.map((m: { version: string; relativePath: string; indexOperations: Array<{ kind: string; table: string; name: string | null; columns: string[]; concurrent: boolean; statement: string; line: number }> }) => [
      m.version,
      m.relativePath,
      m.indexOperations.map((op) => [op.kind, op.table, op.name, op.columns, op.concurrent, op.statement, op.line]),
    ]),
    [
      [
        'blog.0002_post_author_index',
        'blog/migrations/0002_post_author_index.py',
        [
          ['createIndex', 'blog_post', 'blog_post_author_idx', ['author_id'], true, 'AddIndexConcurrently', 10],
          ['createIndex', 'blog_post', null, ['score'], false, 'AddField', 11],
        ],
      ],
    ],
  );
});

test('create-pending builds the named index of the pending Django migration and refuses the one Django names itself', async () => {
  const run = await cli(['create-pending', '--safe-hours', '0-24', '--lock-timeout', '2s', '--statement-timeout', '5min']);
  assert.equal(run.code, 6, run.stdout + run.stderr);
  assert.match(run.stdout, / {2}built {17}blog_post_author_idx on public\.blog_post\n/);
  assert.match(run.stdout, /refused .*the framework names it itself/);
  assert.match(run.stdout, /python manage\.py migrate blog 0002_post_author_index --fake/);
  const { rows } = await admin.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'blog_post' AND indexname <> 'blog_post_pkey' ORDER BY 1`);
  assert.deepEqual(rows.map((r) => r.indexname), ['blog_post_author_idx']);
});
