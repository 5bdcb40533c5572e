// Every database command ends by itself when the server stops answering: a port that accepts TCP
// and never answers, and a builder's backend frozen mid-build (SIGSTOP of the server process, as a
// hung host or disk does it). create-pending --max-duration holds then too (cancel, terminate,
// close, exit), and a second SIGTERM exits at once. The real CLI runs as a process (a bundle).
//
// The node:test timeouts below only keep a hanging command from hanging the suite; nothing here
// asserts how long anything took.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type pg from 'pg';
import { runCli } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { SUPERUSER_PASSWORD, useCluster, waitFor } from '../db/support/postgres';
import { buildCliBundleInto, tempDir } from './helpers';

const app = tempDir('pg-index-guard-bounded-app-');
const bundle = tempDir('pg-index-guard-bounded-bundle-');
after(() => {
  app.remove();
  bundle.remove();
});
const INDEX = 'index_slow_items_on_slow_id';
let admin: pg.Client;
let url: string;

useCluster({}, async (c) => {
  await c.createDatabase('bounded_dev');
  admin = await c.connect('bounded_dev');
  // slow_id sleeps a millisecond per row: the build runs far longer than any test waits for it
  await admin.query(`
    CREATE FUNCTION slow_id(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN PERFORM pg_sleep(0.001); RETURN i; END $$;
    CREATE TABLE slow_items (id int NOT NULL);
    INSERT INTO slow_items SELECT generate_series(1, 200000);
    CREATE TABLE schema_migrations (version varchar PRIMARY KEY);`);
  url = `postgres://postgres:${SUPERUSER_PASSWORD}@${c.host}:${c.port}/bounded_dev?sslmode=disable`;
  mkdirSync(join(app.path, 'db', 'migrate'), { recursive: true });
  writeFileSync(
    join(app.path, 'db', 'migrate', '20240301000000_add_slow_index_to_slow_items.rb'),
    `class AddSlowIndexToSlowItems < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def change\n    add_index :slow_items, "slow_id(id)", name: "${INDEX}", algorithm: :concurrently, if_not_exists: true\n  end\nend\n`,
  );
  await buildCliBundleInto(bundle.path);
});

interface Running {
  child: ChildProcess;
  stdout: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnCli(args: string[]): Running {
  const env: Record<string, string | undefined> = { ...process.env, PGPASSFILE: '/nonexistent', PG_INDEX_GUARD_CACHE_DIR: '' };
  delete env['DATABASE_URL'];
  delete env['RAILS_ENV'];
  const child = spawn(process.execPath, [join(bundle.path, 'cli.js'), ...args], { cwd: app.path, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  // a run that hangs is killed here so that the assertion on its exit fails instead of the suite hanging
  const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal });
    }),
  );
  return { child, stdout: () => out, exited };
}

/** The server process running the builder's CREATE INDEX, once it runs. */
async function builderBackend(): Promise<number> {
  return waitFor(
    'the build to run',
    async () => {
      const { rows } = await admin.query(
        `SELECT pid FROM pg_stat_activity WHERE application_name = 'pg-index-guard maintenance' AND state = 'active' AND query LIKE 'CREATE INDEX CONCURRENTLY%'`,
      );
      return rows[0] ? (rows[0].pid as number) : undefined;
    },
    60_000,
  );
}

/** Runs `work` with the backend `pid` stopped (SIGSTOP); it always goes on again, and its leftover is dropped. */
async function withFrozenBackend(pid: number, work: () => Promise<void>): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  try {
    await work();
  } finally {
    process.kill(pid, 'SIGCONT');
    // a CLI that quit at once may not have cancelled it: the build would go on for minutes
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await waitFor('the frozen backend to end', async () => ((await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0 ? true : undefined), 60_000);
    await admin.query(`DROP INDEX IF EXISTS ${INDEX}`);
  }
}

test('create-pending --max-duration holds when the build\'s backend stops answering: cancel, terminate, close, exit 5', { timeout: 180_000 }, async () => {
  const run = spawnCli(['create-pending', '--database-url', url, '--max-duration', '0.1']);
  const pid = await builderBackend();
  await withFrozenBackend(pid, async () => {
    const { code, signal } = await run.exited;
    const out = run.stdout();
    assert.equal(signal, null, out);
    assert.equal(code, 5, out);
    assert.match(out, new RegExp(`WARN  maximum duration exceeded: cancelling the running build \\(pg_cancel_backend\\(${pid}\\) from a second connection\\)`));
    assert.match(out, new RegExp(`ERROR the build did not stop within 5\\.0 s of the cancel: terminating it \\(pg_terminate_backend\\(${pid}\\) from a second connection\\) and closing its connection`));
    assert.match(
      out,
      /Result: failed \(exit 5\)\n {2}failed {16}index_slow_items_on_slow_id on public\.slow_items: the maximum duration was exceeded, and the server did not answer the cancel: its connection was closed; the next run drops the INVALID leftover\n {24}an INVALID index is left: DROP INDEX CONCURRENTLY IF EXISTS "public"\."index_slow_items_on_slow_id";\n$/,
    );
  });
});

test('create-pending: a first SIGTERM cancels and cleans up, a second one exits at once (143), even with the server frozen', { timeout: 180_000 }, async () => {
  const run = spawnCli(['create-pending', '--database-url', url]);
  const pid = await builderBackend();
  await withFrozenBackend(pid, async () => {
    run.child.kill('SIGTERM');
    await waitFor('the first SIGTERM to be logged', async () => (/SIGTERM: cancelling the running build/.test(run.stdout()) ? true : undefined), 30_000);
    run.child.kill('SIGTERM');
    const { code, signal } = await run.exited;
    const out = run.stdout();
    assert.equal(signal, null, out);
    assert.equal(code, 143, out);
    assert.match(out, /ERROR SIGTERM again: quitting now, without cleaning up\. A build cut off leaves an INVALID index: the next run drops it and builds it again \(check-missing lists it\)\.\n$/);
    // it did not wait for the clean stop's own way out (terminate after the grace)
    assert.doesNotMatch(out, /did not stop within/);
  });
});

test('a port that accepts TCP and never answers: every database command gives up with exit 2', { timeout: 120_000 }, async () => {
  const sockets = new Set<Socket>();
  const blackHole = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  const port = (blackHole.address() as { port: number }).port;
  // no sslmode: the default (prefer) would try SSL first, then plain; a server that does not answer gets one try
  const silent = `postgres://postgres:secret@127.0.0.1:${port}/bounded_dev`;
  try {
    const commands = [
      ['status', '--database-url', silent],
      ['check-missing', '--database-url', silent],
      ['create-pending', '--database-url', silent],
      ['monitor', '--once', '--database-url', silent],
      ['mark-as-run', '20240301000000', '--yes', '--database-url', silent],
    ];
    const outcomes = await Promise.all(commands.map((args) => cliInProcess(args)));
    for (const [i, outcome] of outcomes.entries()) {
      assert.equal(outcome.code, 2, `${commands[i]![0]}: ${outcome.stdout}${outcome.stderr}`);
      // (mark-as-run's writer connection names no host in its errors, the read-only session does)
      assert.match(outcome.stderr, new RegExp(`^pg-index-guard ${commands[i]![0]}: .*The server did not answer in time( \\(127\\.0\\.0\\.1:${port}\\))?\\.`), commands[i]![0]);
      assert.doesNotMatch(outcome.stderr, /secret/);
    }
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => blackHole.close(resolve));
  }
  assert.equal((await admin.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0].n, 0);
});

async function cliInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd: app.path,
    env: { PGPASSFILE: '/nonexistent' },
    stdoutIsTTY: false,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}
