// `pg-index-guard monitor` against a real server: --once prints the build a writer holds in its
// waiting phase; --json streams events, in a real process that leaves on SIGINT.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { runCli } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { closeClient, useCluster, waitFor, SUPERUSER_PASSWORD } from '../db/support/postgres';
import { ROOT } from './helpers';

let url = '';
const cluster = useCluster({}, async (c) => {
  await c.createDatabase('monitor_cli');
  const admin = await c.connect('monitor_cli');
  await admin.query(`CREATE TABLE contacts (id bigint PRIMARY KEY, email text);
    INSERT INTO contacts SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 5000) g;`);
  url = `postgres://postgres:${SUPERUSER_PASSWORD}@${c.host}:${c.port}/monitor_cli?sslmode=disable`;
});

function io(): CliIO & { out: string; err: string } {
  const captured = { out: '', err: '' };
  return Object.assign(captured, {
    stdout: (text: string) => void (captured.out += text),
    stderr: (text: string) => void (captured.err += text),
    cwd: ROOT,
    env: { NO_COLOR: '1' },
    stdoutIsTTY: false,
  });
}

/** Holds CREATE INDEX CONCURRENTLY in "waiting for writers before build" until release(). */
async function heldBuild(): Promise<{ writerPid: number; release: () => Promise<void>; cleanUp: () => Promise<void> }> {
  const writer = new pg.Client({ connectionString: url });
  const builder = new pg.Client({ connectionString: url });
  await writer.connect();
  await builder.connect();
  const writerPid = (await writer.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  await writer.query('BEGIN');
  await writer.query('UPDATE contacts SET email = email WHERE id = 1');
  const build = builder.query('CREATE INDEX CONCURRENTLY index_contacts_on_email ON contacts (email)').catch((e: unknown) => e);
  const admin = await cluster().connect('monitor_cli');
  await waitFor('the build to wait', async () => ((await admin.query('SELECT 1 FROM pg_stat_progress_create_index')).rowCount ? true : undefined));
  return {
    writerPid,
    release: async () => {
      await writer.query('COMMIT');
      await build;
      await closeClient(writer);
      await closeClient(builder);
    },
    cleanUp: () => admin.query('DROP INDEX IF EXISTS index_contacts_on_email').then(() => undefined),
  };
}

test('monitor --help prints its usage; an unknown option is a usage error (exit 2)', async () => {
  const help = io();
  assert.equal(await runCli(['monitor', '--help'], help), 0);
  assert.match(help.out, /^Usage: pg-index-guard monitor/);
  const bad = io();
  assert.equal(await runCli(['monitor', '--bogus'], bad), 2);
  assert.match(bad.err, /Unknown option '--bogus'/);
});

test('monitor --once shows the waiting build, its phase and who it waits for', async () => {
  const held = await heldBuild();
  try {
    const out = io();
    const code = await runCli(['monitor', '--once', '--database-url', url], out);
    assert.equal(code, 0, out.err);
    assert.match(out.out, /index_contacts_on_email/);
    assert.match(out.out, /contacts/);
    assert.match(out.out, /CREATE INDEX CONCURRENTLY/);
    assert.match(out.out, new RegExp(`PID ${held.writerPid}`));
  } finally {
    await held.release();
    await held.cleanUp();
  }
});

test('monitor --json streams build events and leaves cleanly on SIGINT', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'monitor', '--json', '--database-url', url], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const events = () =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { type: string; build?: { index: string | null }; outcome?: string });
  // The monitor polls slowly while idle: give it a moment to connect before the build starts.
  await new Promise((r) => setTimeout(r, 1500));
  const held = await heldBuild();
  await waitFor('build-started', async () => (events().some((e) => e.type === 'build-started') ? true : undefined), 20_000, 100);
  await held.release();
  await waitFor('build-finished', async () => (events().some((e) => e.type === 'build-finished') ? true : undefined), 30_000, 100);
  await held.cleanUp();
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  assert.equal(code, 0, stderr);
  const started = events().find((e) => e.type === 'build-started')!;
  assert.equal(started.build?.index, 'index_contacts_on_email');
  const finished = events().find((e) => e.type === 'build-finished') as { outcome?: string };
  assert.equal(finished.outcome, 'valid');
});
