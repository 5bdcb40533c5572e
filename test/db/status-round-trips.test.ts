// Issue 15, one round trip per view: the statements a status refresh sends through a real
// session (what the session logs for each query it runs), and the combined statements checked
// against the separate ones they replace: pending migrations with and without schema_migrations,
// for a role that may not read it, for Django's django_migrations; no server ERROR when a table is
// missing or unreadable (the Pending view is polled every few seconds).

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { loadParsers, type Parsers } from '../../src/core/lint';
import { DbError } from '../../src/db/errors';
import type { PendingMigrationFactsRow } from '../../src/db/queries';
import {
  collectStatus,
  DatabaseFactsReader,
  readPendingMigrationFacts,
  readPendingMigrationFactsSeparately,
  readStatusWorkspace,
  type StatusWorkspace,
} from '../../src/db/status';
import { tempDir } from '../cli/helpers';
import { closeClient, seedTables, sessionRecordingQueries, useCluster, waitFor } from './support/postgres';

const RAILS_APP = join(__dirname, '..', 'fixtures', 'db', 'rails-app');
const django = tempDir('pgig-trips-django-');
after(() => django.remove());
let parsers: Parsers;

const cluster = useCluster({}, async (c) => {
  parsers = await loadParsers();
  for (const db of ['trips_rails', 'trips_fresh', 'trips_django']) {
    await c.createDatabase(db);
    const admin = await c.connect(db);
    await seedTables(admin, { messages: 3_000, contacts: 200 });
    await admin.query('CREATE INDEX index_messages_on_status_pending ON messages (status) WHERE status = 0');
    if (db === 'trips_rails') {
      await admin.query(`
        CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
        INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240201000000');`);
    }
    if (db === 'trips_django') {
      await admin.query(`
        CREATE TABLE blog_post (id bigint PRIMARY KEY, author_id bigint NOT NULL);
        INSERT INTO blog_post SELECT g, g % 50 FROM generate_series(1, 700) g;
        ANALYZE blog_post;
        CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255) NOT NULL, name varchar(255) NOT NULL, applied timestamptz NOT NULL DEFAULT now());
        INSERT INTO django_migrations (app, name) VALUES ('contenttypes', '0001_initial'), ('blog', '0001_initial');`);
    }
    await closeClient(admin);
  }
  const admin = await c.connect('trips_rails');
  // No privilege on schema_migrations; another role may read its version column only.
  await admin.query(`
    CREATE ROLE no_history LOGIN PASSWORD 'no-history-pw';
    CREATE ROLE version_only LOGIN PASSWORD 'version-only-pw';
    GRANT SELECT (version) ON schema_migrations TO version_only;`);
  await closeClient(admin);

  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(django.path, path)), { recursive: true });
    writeFileSync(join(django.path, path), text);
  };
  write('manage.py', '#!/usr/bin/env python\n');
  write('blog/migrations/__init__.py', '');
  write('blog/migrations/0001_initial.py', 'from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n    initial = True\n    operations = []\n');
  write(
    'blog/migrations/0002_post_author_index.py',
    'from django.contrib.postgres.operations import AddIndexConcurrently\nfrom django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    atomic = False\n    dependencies = [("blog", "0001_initial")]\n\n    operations = [\n        AddIndexConcurrently(model_name="post", index=models.Index(fields=["author_id"], name="blog_post_author_idx")),\n    ]\n',
  );
});

/** A connected session that writes down the name of every statement it sends (the log it keeps of each query). */
async function recordingSession(database: string, user?: { user: string; password: string }) {
  const sent: string[] = [];
  const session = await sessionRecordingQueries({ ...cluster().config(database), ...(user ?? {}) }, sent);
  return {
    session,
    /** What `run` sent, sorted (the session runs them one at a time, in no promised order). */
    async sends<T>(run: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
      sent.length = 0;
      const result = await run();
      return { result, sent: [...sent].sort() };
    },
  };
}

const railsWorkspace = (): StatusWorkspace => readStatusWorkspace(RAILS_APP, { parsers });

/** A Rails app with one more migration: a REINDEX INDEX, which names no table (the database knows it). */
function withReindexMigration(workspace: StatusWorkspace): StatusWorkspace {
  const path = join(RAILS_APP, 'db', 'migrate', '20240401000000_reindex_pending_status.rb');
  const source = 'class ReindexPendingStatus < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def up\n    execute "REINDEX INDEX CONCURRENTLY index_messages_on_status_pending"\n  end\nend\n';
  return {
    ...workspace,
    migrations: [...workspace.migrations, { path, relativePath: 'db/migrate/20240401000000_reindex_pending_status.rb', version: '20240401000000', name: 'reindex_pending_status' }],
    readFile: (file) => (file === path ? Promise.resolve(source) : workspace.readFile(file)),
  };
}

const ONE_PER_VIEW = [
  'pgig_blocked_queries_v2', // Blocked Queries
  'pgig_builds_in_progress_v2', // Builds in Progress
  'pgig_invalid_indexes_v2', // Invalid Indexes
  'pgig_large_tables_v3', // Large Tables
  'pgig_missing_declared_indexes_v1', // Missing Indexes
  'pgig_pending_migration_facts_v1', // Pending Migrations
];

test('a refresh sends one statement per view, and the server version is known from connecting', async () => {
  const { session, sends } = await recordingSession('trips_rails');
  try {
    for (const refresh of ['first', 'second', 'third']) {
      const read: string[] = [];
      const workspace = withReindexMigration(railsWorkspace());
      const readFile = workspace.readFile;
      workspace.readFile = (file) => (read.push(file.slice(file.lastIndexOf('/') + 1, file.indexOf('_', file.lastIndexOf('/')))), readFile(file));
      const { result: status, sent } = await sends(() => collectStatus(session, workspace));
      // The first refresh does not know the pending migrations' tables yet: it asks again once it does.
      const expected = refresh === 'first' ? [...ONE_PER_VIEW, 'pgig_pending_migration_facts_v1'].sort() : ONE_PER_VIEW;
      assert.deepEqual(sent, expected, `${refresh} refresh`);
      assert.deepEqual(read.sort(), ['20240301000000', '20240302000000', '20240401000000'], 'only the pending migrations are read');
      for (const section of ['buildsInProgress', 'pendingMigrations', 'missingIndexes', 'invalidIndexes', 'largeTables', 'blockedQueries'] as const) {
        assert.equal(status[section].error, null, `${section}: ${JSON.stringify(status[section].error)}`);
      }
      assert.equal(status.serverVersionNum, (await session.query('serverVersion'))[0]!.serverVersionNum);
      assert.deepEqual(
        status.pendingMigrations.items.map((m) => [m.version, m.indexOperations.map((op) => [op.kind, op.table, op.rowEstimate])]),
        [
          ['20240301000000', [['createIndex', 'messages', 3000], ['createIndex', 'messages', 3000]]],
          ['20240302000000', [['createIndex', 'contacts', 200]]],
          // the REINDEX's table comes from the same statement, with its estimate
          ['20240401000000', [['reindex', 'messages', 3000]]],
        ],
      );
    }

    const { sent: withoutWorkspace } = await sends(() => collectStatus(session, null));
    assert.deepEqual(withoutWorkspace, ['pgig_blocked_queries_v2', 'pgig_builds_in_progress_v2', 'pgig_invalid_indexes_v2', 'pgig_large_tables_v3']);

    // The extension's refresh: the views and the lint's facts, a poll with the catalog unchanged.
    const reader = new DatabaseFactsReader();
    await reader.read(session, 100_000);
    // As status-controller does it: the facts take the builds the views just read.
    const { sent: extension } = await sends(async () => {
      const status = await collectStatus(session, railsWorkspace());
      return reader.read(session, 100_000, { builds: status.buildsInProgress.items });
    });
    assert.deepEqual(extension, [...ONE_PER_VIEW, 'pgig_catalog_stamp_v1'].sort());
    const { sent: fullRead } = await sends(() => reader.read(session, 100_000, { force: true }));
    assert.equal(fullRead.includes('pgig_server_version_v1'), false, 'a full read of the facts takes the version from the session too');
  } finally {
    await session.close();
  }
});

test('a Django app: its pending migrations come from the same one statement', async () => {
  const { session, sends } = await recordingSession('trips_django');
  try {
    await collectStatus(session, readStatusWorkspace(django.path, { parsers }));
    const { result: status, sent } = await sends(() => collectStatus(session, readStatusWorkspace(django.path, { parsers })));
    assert.deepEqual(sent, ONE_PER_VIEW.filter((name) => name !== 'pgig_missing_declared_indexes_v1'), 'a refresh after the first');
    assert.equal(status.pendingMigrations.error, null);
    // an app of Django migrations only: no word about schema_migrations
    assert.equal(status.pendingMigrations.note, undefined);
    assert.deepEqual(
      status.pendingMigrations.items.map((m) => [m.version, m.indexOperations.map((op) => [op.kind, op.table, op.name, op.rowEstimate])]),
      [['blog.0002_post_author_index', [['createIndex', 'blog_post', 'blog_post_author_idx', 700]]]],
    );
  } finally {
    await session.close();
  }
});

/** Sorted copies, for comparing two reads that need not order their rows alike. */
function comparable(facts: PendingMigrationFactsRow) {
  const sorted = (v: PendingMigrationFactsRow['rails']) => (Array.isArray(v) ? [...v].sort() : v);
  const byKey = <T>(rows: T[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return { rails: sorted(facts.rails), django: sorted(facts.django), estimates: byKey(facts.estimates), indexTables: byKey(facts.indexTables) };
}

test('the one statement reads what the separate ones did: with and without schema_migrations, Django, a column grant', async () => {
  const cases: Array<{ database: string; django: boolean; user?: { user: string; password: string }; rails: string[] | 'missing'; djangoVersions: string[] | 'missing' }> = [
    { database: 'trips_rails', django: false, rails: ['20240101000000', '20240201000000'], djangoVersions: 'missing' },
    { database: 'trips_rails', django: true, rails: ['20240101000000', '20240201000000'], djangoVersions: 'missing' },
    { database: 'trips_fresh', django: false, rails: 'missing', djangoVersions: 'missing' },
    { database: 'trips_django', django: true, rails: 'missing', djangoVersions: ['blog.0001_initial', 'contenttypes.0001_initial'] },
    // not asked for: an app without Django migrations never reads django_migrations
    { database: 'trips_django', django: false, rails: 'missing', djangoVersions: 'missing' },
    { database: 'trips_rails', django: false, user: { user: 'version_only', password: 'version-only-pw' }, rails: ['20240101000000', '20240201000000'], djangoVersions: 'missing' },
  ];
  for (const c of cases) {
    const { session, sends } = await recordingSession(c.database, c.user);
    try {
      const tables = ['messages', 'contacts', 'blog_post', 'no_such_table'];
      const indexes = ['index_messages_on_status_pending', 'no_such_index'];
      const { result: combined, sent } = await sends(() => readPendingMigrationFacts(session, tables, indexes, c.django));
      assert.deepEqual(sent, ['pgig_pending_migration_facts_v1']);
      const separate = await readPendingMigrationFactsSeparately(session, tables, indexes, c.django);
      const label = `${c.database}${c.django ? ' (Django)' : ''}${c.user ? ` as ${c.user.user}` : ''}`;
      assert.deepEqual(comparable(combined), comparable(separate), label);
      assert.deepEqual(comparable(combined).rails, c.rails, label);
      assert.deepEqual(comparable(combined).django, c.djangoVersions, label);
      assert.deepEqual(combined.indexTables, [{ schema: 'public', table: 'messages', index: 'index_messages_on_status_pending' }], label);
      assert.deepEqual(
        comparable(combined).estimates.map((e) => e.table),
        ['contacts', 'messages', ...(c.database === 'trips_django' ? ['blog_post'] : [])].sort(),
        label,
      );
    } finally {
      await session.close();
    }
  }
});

test('a role that may not read schema_migrations: the same advice as the server refusing it, the other views unharmed', async () => {
  const { session, sends } = await recordingSession('trips_rails', { user: 'no_history', password: 'no-history-pw' });
  try {
    const { result: status, sent } = await sends(() => collectStatus(session, railsWorkspace()));
    assert.deepEqual(sent, ONE_PER_VIEW);
    const error = status.pendingMigrations.error;
    assert.equal(error?.kind, 'missing-privilege');
    assert.equal(error?.title, '"no_history" may not read table schema_migrations.');
    assert.match(error?.advice ?? '', /GRANT SELECT ON schema_migrations TO no_history/);
    assert.equal(status.missingIndexes.error, null);
    assert.equal(status.largeTables.error, null);
    // What the separate statements get: the server's refusal, described alike.
    const refused = await readPendingMigrationFactsSeparately(session, [], [], false).then(
      () => null,
      (err: unknown) => err,
    );
    assert.ok(refused instanceof DbError);
    assert.deepEqual(
      { kind: error?.kind, title: error?.title, advice: error?.advice, code: error?.code },
      { kind: refused.description.kind, title: refused.description.title, advice: refused.description.advice, code: refused.description.code },
    );
  } finally {
    await session.close();
  }
});

test('no server ERROR each poll when schema_migrations is missing or unreadable', async () => {
  const log = cluster().log;
  /** Runs a statement that fails with a marker, and waits until the server's log has it: lines logged before it are in. */
  const mark = async (marker: string) => {
    const admin = await cluster().connect('trips_fresh');
    await admin.query(`SELECT 1 FROM ${marker}`).catch(() => undefined);
    await closeClient(admin);
    return waitFor(`the log line of ${marker}`, async () => {
      const at = log.findIndex((line) => line.includes(marker));
      return at === -1 ? undefined : at;
    });
  };
  const startedAt = await mark('pgig_trips_marker_start');
  for (const [database, user] of [['trips_fresh', undefined], ['trips_rails', { user: 'no_history', password: 'no-history-pw' }]] as const) {
    const { session } = await recordingSession(database, user);
    try {
      for (let poll = 0; poll < 3; poll++) await collectStatus(session, railsWorkspace());
    } finally {
      await session.close();
    }
  }
  const endedAt = await mark('pgig_trips_marker_end');
  const logged = log.slice(startedAt + 1, endedAt).join('').split('\n');
  assert.deepEqual(logged.filter((line) => /\bERROR\b/.test(line) && !line.includes('pgig_trips_marker')), []);
  assert.ok(log.slice(startedAt).join('').includes('ERROR'), 'the markers\' own errors are logged: the log would show ours');
});

test('when the statement for new pending migrations\' tables fails, the pending migrations are still shown, and the next refresh gets their sizes', async () => {
  const { session } = await recordingSession('trips_fresh');
  try {
    let facts = 0;
    // The server answers the first Pending statement and fails the second (the connection drops, a statement timeout).
    const failing = new Proxy(session, {
      get(target, key, receiver) {
        if (key !== 'query') return Reflect.get(target, key, receiver);
        return (name: string, ...args: unknown[]) => {
          if (name === 'pendingMigrationFacts' && ++facts === 2) return Promise.reject(new DbError({ kind: 'timeout', title: 'The query timed out', advice: '', detail: 'canceling statement due to statement timeout', code: '57014', retryable: true }));
          return (target.query as (name: string, ...args: unknown[]) => Promise<unknown>)(name, ...args);
        };
      },
    });
    const first = await collectStatus(failing, railsWorkspace());
    assert.equal(first.pendingMigrations.error, null);
    const operations = (status: typeof first) => status.pendingMigrations.items.flatMap((m) => m.indexOperations.map((op) => [m.version, op.table, op.rowEstimate]));
    assert.ok(operations(first).length > 0);
    assert.ok(operations(first).every(([, , estimate]) => estimate === undefined), JSON.stringify(operations(first)));
    assert.match(first.pendingMigrations.note ?? '', /Table sizes could not be read \(The query timed out\)/);
    const next = await collectStatus(failing, railsWorkspace());
    assert.equal(next.pendingMigrations.error, null);
    assert.doesNotMatch(next.pendingMigrations.note ?? '', /Table sizes/);
    assert.deepEqual(
      operations(next).map(([version, table]) => [version, table]),
      operations(first).map(([version, table]) => [version, table]),
      'the same migrations and operations',
    );
    for (const [, table, estimate] of operations(next)) assert.equal(estimate, { messages: 3000, contacts: 200 }[table as string], `${table}`);
  } finally {
    await session.close();
  }
});
