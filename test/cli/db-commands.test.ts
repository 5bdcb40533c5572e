// The database commands against a real server: status, check-missing, create-pending (exit codes
// 0/2/3/4/5, --dry-run, the --environment guard) and mark-as-run, run in-process in a small Rails
// app, plus the real process (a bundle of the CLI) for exit codes and JSON on stdout.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type pg from 'pg';
import { runCli } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { closeClient, useCluster, waitFor, SUPERUSER_PASSWORD } from '../db/support/postgres';
import { RUBY_NESTINGS, buildCliBundleInto, nestedMigration, tempDir } from './helpers';

const app = tempDir('pg-index-guard-db-app-');
after(() => app.remove());
let admin: pg.Client;
let url: string;

const cluster = useCluster({}, async (c) => {
  await c.createDatabase('cli_dev');
  await c.createDatabase('cli_prod');
  admin = await c.connect('cli_dev');
  await admin.query(`
    CREATE TABLE messages (id bigint PRIMARY KEY, conversation_id bigint NOT NULL, status int NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO messages (id, conversation_id, status) SELECT g, g % 500, g % 3 FROM generate_series(1, 50000) g;
    CREATE TABLE contacts (id bigint PRIMARY KEY, account_id bigint NOT NULL, email text);
    INSERT INTO contacts SELECT g, g % 10, 'user' || g || '@example.com' FROM generate_series(1, 2000) g;
    CREATE TABLE schema_migrations (version varchar PRIMARY KEY);
    INSERT INTO schema_migrations VALUES ('20240101000000');`);
  url = `postgres://postgres:${SUPERUSER_PASSWORD}@${c.host}:${c.port}/cli_dev?sslmode=disable`;

  mkdirSync(join(app.path, 'db', 'migrate'), { recursive: true });
  mkdirSync(join(app.path, 'config'));
  writeFileSync(
    join(app.path, 'config', 'database.yml'),
    `default: &default
  adapter: postgresql
  host: ${c.host}
  port: ${c.port}
  username: postgres
  password: <%= ENV["TEST_DB_PASSWORD"] %>
  sslmode: disable

development:
  <<: *default
  database: cli_dev

production:
  <<: *default
  database: cli_prod
`,
  );
  migration('20240101000000_create_messages.rb', `class CreateMessages < ActiveRecord::Migration[7.1]\n  def change\n    create_table :messages do |t|\n      t.bigint :conversation_id\n    end\n  end\nend\n`);
  migration(
    '20240301000000_add_conversation_index_to_messages.rb',
    `class AddConversationIndexToMessages < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :conversation_id, algorithm: :concurrently, if_not_exists: true\n  end\nend\n`,
  );
  writeFileSync(
    join(app.path, 'db', 'schema.rb'),
    `ActiveRecord::Schema[7.1].define(version: 2024_03_01_000000) do
  create_table "contacts", force: :cascade do |t|
    t.bigint "account_id", null: false
    t.string "email"
    t.index ["email"], name: "index_contacts_on_email", unique: true
  end

  create_table "messages", force: :cascade do |t|
    t.bigint "conversation_id", null: false
    t.integer "status", null: false
    t.index ["conversation_id"], name: "index_messages_on_conversation_id"
    t.index ["status"], name: "index_messages_on_status_pending", where: "(status = 0)"
  end
end
`,
  );
});

function migration(name: string, source: string): void {
  writeFileSync(join(app.path, 'db', 'migrate', name), source);
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], options: { env?: Record<string, string>; stdinIsTTY?: boolean; answer?: string; cwd?: string } = {}): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const io: CliIO & { stdinIsTTY: boolean; prompt?: (q: string) => Promise<string> } = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd: options.cwd ?? app.path,
    env: { TEST_DB_PASSWORD: SUPERUSER_PASSWORD, PGPASSFILE: '/nonexistent', ...options.env },
    stdoutIsTTY: false,
    stdinIsTTY: options.stdinIsTTY ?? false,
    ...(options.answer !== undefined ? { prompt: async () => options.answer! } : {}),
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

async function indexes(): Promise<string[]> {
  const { rows } = await admin.query(`SELECT indexrelid::regclass::text AS name FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid WHERE c.relname IN ('messages', 'contacts') AND NOT x.indisprimary ORDER BY 1`);
  return rows.map((r) => r.name as string);
}

test('status --json and check-missing before anything is built', async () => {
  const status = await cli(['status', '--json', '--database-url', url]);
  assert.equal(status.code, 0, status.stderr);
  const json = JSON.parse(status.stdout);
  assert.equal(json.formatVersion, 1);
  assert.deepEqual(json.pendingMigrations.items.map((m: { version: string }) => m.version), ['20240301000000']);
  assert.deepEqual(json.missingIndexes.items.map((m: { name: string }) => m.name), ['index_contacts_on_email', 'index_messages_on_conversation_id', 'index_messages_on_status_pending']);

  // the same database through config/database.yml (password from ERB) and the text format
  const text = await cli(['status']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Pending migrations \(1\)\n {2}20240301000000 add_conversation_index_to_messages/);

  // Outside an app, status says so once, instead of empty pending-migrations and missing-indexes sections.
  const elsewhere = tempDir('pg-index-guard-no-app-');
  try {
    const outside = await cli(['status', '--database-url', url], { cwd: elsewhere.path });
    assert.equal(outside.code, 0, outside.stderr);
    assert.match(outside.stdout, /\n\nNo Rails app in .*pg-index-guard-no-app-\w+ \(no db\/migrate, db\/schema\.rb, db\/structure\.sql\): pending migrations and missing indexes are not shown\. Run this in the app's root directory\.\n\nInvalid indexes/);
    assert.doesNotMatch(outside.stdout, /Pending migrations|Missing indexes|Neither db\/schema\.rb/);
  } finally {
    elsewhere.remove();
  }

  const check = await cli(['check-missing']);
  assert.equal(check.code, 1, check.stderr);
  assert.match(check.stdout, /Missing indexes \(3\)/);
  assert.match(check.stdout, /Invalid indexes \(0\)\n {2}none/);
});

test('create-pending: usage errors, the --environment guard, and nothing touched when refused', async () => {
  const bad = await cli(['create-pending', '--safe-hours', 'night']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Safe hours "night" are not a range of hours/);
  assert.equal((await cli(['create-pending', '--lock-timeout', '5'])).code, 2);
  assert.equal((await cli(['create-pending'], { env: { INDEX_MAX_ACTIVE_CONNECTIONS: 'many' } })).code, 2);
  const unknown = await cli(['create-pending', '--only', 'no_such_index', '--dry-run']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--only no_such_index: not among the indexes/);

  const production = await cli(['create-pending', '--env', 'production']);
  assert.equal(production.code, 2);
  assert.match(production.stderr, /targets the production environment .*; pass --environment production to build indexes there\. Nothing was done\./);
  const wrong = await cli(['create-pending', '--database-url', url, '--environment', 'production'], { env: { RAILS_ENV: 'staging' } });
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /--environment production: this run targets the staging environment/);
  const unknownEnv = await cli(['create-pending', '--database-url', url, '--environment', 'production']);
  assert.equal(unknownEnv.code, 2);
  assert.match(unknownEnv.stderr, /is not known; set RAILS_ENV or --env/);
  // asked for, and it is production: acts (that database has none of the app's tables: nothing to build)
  const asked = await cli(['create-pending', '--env', 'production', '--environment', 'production']);
  assert.equal(asked.code, 0, asked.stdout + asked.stderr);
  assert.match(asked.stdout, /Nothing to build\./);
  assert.deepEqual(await indexes(), []);
});

test('create-pending --dry-run, outside the safe hours (exit 3), too busy (exit 4): nothing is built', async () => {
  const dry = await cli(['create-pending', '--dry-run', '--env', 'production', '--database-url', url]);
  assert.equal(dry.code, 0, dry.stdout + dry.stderr);
  assert.match(dry.stdout, /would-build +index_messages_on_conversation_id on public\.messages/);
  assert.match(dry.stdout, /WARN .*ignored for a dry run/);
  // The index's name once, then why it has that name.
  assert.match(dry.stdout, /INFO {2}index_messages_on_conversation_id: the migration names none: Rails' default name\n/);
  assert.deepEqual(await indexes(), []);

  const hour = new Date().getUTCHours();
  const outside = await cli(['create-pending', '--time-zone', 'UTC'], { env: { INDEX_SAFE_HOURS: `${(hour + 2) % 24}-${(hour + 3) % 24}` } });
  assert.equal(outside.code, 3, outside.stdout + outside.stderr);
  assert.match(outside.stdout, /Result: outside-safe-hours \(exit 3\)/);

  const sleeper = await cluster().connect('cli_dev');
  const sleeping = sleeper.query('SELECT pg_sleep(30)').catch(() => undefined);
  try {
    await waitFor('the sleeper to be active', async () => {
      const { rows } = await admin.query(`SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'`);
      return rows.length > 0 ? true : undefined;
    });
    const busy = await cli(['create-pending', '--max-active-connections', '0']);
    assert.equal(busy.code, 4, busy.stdout + busy.stderr);
    assert.match(busy.stdout, /The database is busy: \d+ active connections, more than the maximum of 0/);
  } finally {
    await admin.query(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'`);
    await sleeping;
    await closeClient(sleeper);
  }
  assert.deepEqual(await indexes(), []);
});

test('create-pending builds (exit 0), then check-missing passes; a failing build exits 5 and leaves nothing INVALID', async () => {
  const run = await cli(['create-pending', '--safe-hours', '0-24', '--max-duration', '10', '--lock-timeout', '2s', '--statement-timeout', '5min']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}pg-index-guard create-pending on postgres@127\.0\.0\.1:\d+\/cli_dev \(database\.yml: development\), environment development; safe hours 00:00-24:00 local time; max duration 10 min/m);
  assert.match(run.stdout, /SET lock_timeout = '2000ms', statement_timeout = '300000ms'/);
  assert.match(run.stdout, /Result: done \(exit 0\)\n {2}built {17}index_messages_on_conversation_id on public\.messages\n {2}built {17}index_contacts_on_email on public\.contacts\n {2}built {17}index_messages_on_status_pending on public\.messages\n$/);
  assert.deepEqual(await indexes(), ['index_contacts_on_email', 'index_messages_on_conversation_id', 'index_messages_on_status_pending']);

  const check = await cli(['check-missing', '--json']);
  assert.equal(check.code, 0, check.stdout);
  assert.deepEqual(JSON.parse(check.stdout).missingIndexes.items, []);

  // duplicates: the unique build fails (and leaves an INVALID index, which is dropped)
  migration(
    '20240401000000_add_unique_account_index_to_contacts.rb',
    `class AddUniqueAccountIndexToContacts < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :contacts, :account_id, unique: true, algorithm: :concurrently, if_not_exists: true\n  end\nend\n`,
  );
  const failed = await cli(['create-pending', '--only', 'index_contacts_on_account_id']);
  assert.equal(failed.code, 5, failed.stdout + failed.stderr);
  assert.match(failed.stdout, /Result: failed \(exit 5\)\n {2}failed {16}index_contacts_on_account_id on public\.contacts: could not create unique index/);
  assert.match(failed.stdout, /dropping the INVALID leftover/);
  const invalid = await admin.query(`SELECT 1 FROM pg_index WHERE NOT indisvalid`);
  assert.equal(invalid.rowCount, 0);
  const again = await cli(['check-missing']);
  assert.equal(again.code, 0, again.stdout);
});

test('create-pending: a pending index it refuses is a warning, a summary line and exit 6, also when the rest builds', async () => {
  const refusedFile = join(app.path, 'db', 'migrate', '20240410000000_add_sideways_index_to_messages.rb');
  migration(
    '20240410000000_add_sideways_index_to_messages.rb',
    `class AddSidewaysIndexToMessages < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :status, order: { status: "sideways" }, name: "index_messages_on_status_sideways", algorithm: :concurrently\n    add_index :messages, :created_at, name: "index_messages_on_created_at", algorithm: :concurrently\n  end\nend\n`,
  );
  try {
    const alone = await cli(['create-pending', '--only', 'index_messages_on_status_sideways']);
    assert.equal(alone.code, 6, alone.stdout + alone.stderr);
    assert.match(
      alone.stdout,
      /WARN {2}refused: index_messages_on_status_sideways \(db\/migrate\/20240410000000_add_sideways_index_to_messages\.rb:5\): Index index_messages_on_status_sideways: the order "sideways" is not ASC \/ DESC \[NULLS FIRST \/ LAST\]\. Build it by hand, or change its definition\./,
    );
    assert.match(alone.stdout, /Result: nothing to build, 1 refused \(exit 6\)\n {2}refused {15}index_messages_on_status_sideways on messages: Index index_messages_on_status_sideways: the order "sideways" is not ASC/);

    const dry = await cli(['create-pending', '--dry-run', '--only', 'index_messages_on_status_sideways', '--only', 'index_messages_on_created_at']);
    assert.equal(dry.code, 6, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /Result: done, 1 refused \(exit 6\), dry run\n {2}would-build {11}index_messages_on_created_at on public\.messages\n {2}refused {15}index_messages_on_status_sideways on messages: /);

    const both = await cli(['create-pending', '--only', 'index_messages_on_status_sideways', '--only', 'index_messages_on_created_at']);
    assert.equal(both.code, 6, both.stdout + both.stderr);
    assert.match(both.stdout, /Result: done, 1 refused \(exit 6\)\n {2}built {17}index_messages_on_created_at on public\.messages\n {2}refused {15}index_messages_on_status_sideways on messages: /);
    assert.deepEqual(await indexes(), ['index_contacts_on_email', 'index_messages_on_conversation_id', 'index_messages_on_created_at', 'index_messages_on_status_pending']);
  } finally {
    rmSync(refusedFile);
    await admin.query('DROP INDEX IF EXISTS index_messages_on_created_at');
  }
});

test('mark-as-run: refuses without --yes off a terminal, asks on one, is idempotent', async () => {
  migration('20240501000000_add_status_index_to_messages.rb', `class AddStatusIndexToMessages < ActiveRecord::Migration[7.1]\n  def change\n    add_index :messages, :status, name: "index_messages_on_status"\n  end\nend\n`);
  const refused = await cli(['mark-as-run', '20240501000000']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /stdin is not a terminal: pass --yes/);
  const declined = await cli(['mark-as-run', '20240501000000'], { stdinIsTTY: true, answer: 'n' });
  assert.equal(declined.code, 2);
  assert.match(declined.stderr, /Not confirmed; nothing was changed/);
  const unknown = await cli(['mark-as-run', '20990101000000', '--yes']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /No migration with version 20990101000000/);

  const asked = await cli(['mark-as-run', '20240501000000'], { stdinIsTTY: true, answer: 'y' });
  assert.equal(asked.code, 0, asked.stderr);
  assert.match(asked.stdout, /\n {2}line 3: add_index index_messages_on_status on messages \(status\)\n/);
  assert.match(asked.stdout, /Marked 20240501000000 as run\.\nBuild its indexes with: pg-index-guard create-pending --only index_messages_on_status\n/);
  const twice = await cli(['mark-as-run', '20240501000000', '--yes']);
  assert.equal(twice.code, 0);
  assert.match(twice.stdout, /20240501000000 was already marked as run; nothing changed\./);
  const { rows } = await admin.query(`SELECT count(*)::int AS n FROM schema_migrations WHERE version = '20240501000000'`);
  assert.equal(rows[0].n, 1);
});

test('a migration or a schema.rb the parser cannot read fails status, create-pending and check-missing (exit 2), and the rest is still done', async () => {
  const copy = tempDir('pg-index-guard-db-deep-');
  try {
    cpSync(app.path, copy.path, { recursive: true });
    const migrate = join(copy.path, 'db', 'migrate');
    const deep = nestedMigration('DeeplyNested', RUBY_NESTINGS['parentheses']!(5_000));
    writeFileSync(join(migrate, '20240601000000_deeply_nested.rb'), deep);
    writeFileSync(
      join(migrate, '20240602000000_add_created_at_index_to_messages.rb'),
      `class AddCreatedAtIndexToMessages < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :messages, :created_at, algorithm: :concurrently, if_not_exists: true\n  end\nend\n`,
    );
    const tooDeep = 'it nests blocks, brackets or calls more deeply than the Ruby parser can follow (some 400 levels)';

    const status = await cli(['status'], { cwd: copy.path });
    assert.equal(status.code, 2, status.stdout + status.stderr);
    assert.equal(status.stderr, `pg-index-guard status: db/migrate/20240601000000_deeply_nested.rb: could not be read (${tooDeep})\n`);
    assert.match(status.stdout, /20240601000000 deeply_nested .*\n {4}could not be read: it nests/);
    assert.match(status.stdout, /20240602000000 add_created_at_index_to_messages .*\n {4}line 5: creates index on messages \(created_at\), concurrently/);

    const dry = await cli(['create-pending', '--dry-run', '--from', 'pending'], { cwd: copy.path });
    assert.equal(dry.code, 2, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /ERROR db\/migrate\/20240601000000_deeply_nested\.rb: could not be read \(it nests .*\): its indexes are not known, and not built/);
    assert.match(dry.stdout, /Result: done, 1 not read \(exit 2\), dry run\n(.*\n)* {2}would-build +index_messages_on_created_at on public\.messages/);
    assert.equal(dry.stderr, `pg-index-guard create-pending: db/migrate/20240601000000_deeply_nested.rb: could not be read (${tooDeep})\n`);

    // Nothing else to build: still not "Nothing to build".
    const only = await cli(['create-pending', '--dry-run', '--from', 'pending', '--only', 'index_messages_on_created_at'], { cwd: copy.path });
    assert.equal(only.code, 2, only.stdout + only.stderr);

    writeFileSync(join(copy.path, 'db', 'schema.rb'), `ActiveRecord::Schema[7.1].define(version: 1) do\n  x = ${RUBY_NESTINGS['parentheses']!(5_000)}\n  add_index "messages", ["status"], name: "index_messages_on_status_x"\nend\n`);
    const check = await cli(['check-missing'], { cwd: copy.path });
    assert.equal(check.code, 2, check.stdout + check.stderr);
    assert.equal(check.stderr, `db/schema.rb could not be read: ${tooDeep}. The missing indexes are not known until it can be read: please report this with the file attached.\n`);
    const nothingMissing = await cli(['create-pending', '--dry-run', '--from', 'missing'], { cwd: copy.path });
    assert.equal(nothingMissing.code, 2, nothingMissing.stdout + nothingMissing.stderr);
    assert.doesNotMatch(nothingMissing.stdout, /Nothing to build\./);
  } finally {
    copy.remove();
  }
});

test('status and mark-as-run: an operation as the migration spells it; REINDEX INDEX names its table from the database', async () => {
  migration(
    '20240601000000_rework_contact_indexes.rb',
    `class ReworkContactIndexes < ActiveRecord::Migration[7.1]\n  def up\n    add_index :contacts, :email\n    execute "REINDEX INDEX index_contacts_on_email"\n  end\nend\n`,
  );
  const status = await cli(['status']);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /\n {4}line 4: reindexes index_contacts_on_email on contacts, NOT concurrently/);
  const marked = await cli(['mark-as-run', '20240601000000', '--yes']);
  assert.equal(marked.code, 0, marked.stderr);
  assert.match(marked.stdout, /\n {2}line 3: add_index on contacts \(email\)\n {2}line 4: REINDEX index_contacts_on_email\n/);
});

test('the bundled CLI as a process: exit codes and JSON on stdout', async () => {
  const dir = tempDir('pg-index-guard-db-bundle-');
  try {
    await buildCliBundleInto(dir.path);
    cpSync(join(app.path), join(dir.path, 'app'), { recursive: true });
    const spawn = (args: string[]) => {
      const env: Record<string, string | undefined> = { ...process.env, TEST_DB_PASSWORD: SUPERUSER_PASSWORD };
      delete env['DATABASE_URL'];
      delete env['RAILS_ENV'];
      return spawnSync(process.execPath, [join(dir.path, 'cli.js'), ...args], { cwd: join(dir.path, 'app'), env, encoding: 'utf8' });
    };
    const status = spawn(['status', '--json']);
    assert.equal(status.status, 0, status.stderr);
    assert.equal(status.stderr, '');
    assert.equal(JSON.parse(status.stdout).formatVersion, 1);
    const dry = spawn(['create-pending', '--dry-run']);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /Result: done \(exit 0\), dry run/);
    const hour = new Date().getUTCHours();
    const outside = spawn(['create-pending', '--safe-hours', `${(hour + 2) % 24}-${(hour + 3) % 24}`, '--time-zone', 'UTC', '--only', 'index_contacts_on_account_id']);
    assert.equal(outside.status, 3, outside.stdout + outside.stderr);
    const noServer = spawnSync(process.execPath, [join(dir.path, 'cli.js'), 'check-missing', '--database-url', 'postgres://nobody@127.0.0.1:1/none?sslmode=disable'], { encoding: 'utf8', cwd: dir.path });
    assert.equal(noServer.status, 2);
    assert.match(noServer.stderr, /Cannot connect to nobody@127\.0\.0\.1:1\/none/);
  } finally {
    dir.remove();
  }
});
