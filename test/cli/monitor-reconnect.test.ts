// `pg-index-guard monitor` while the server goes away and comes back, in a real process: it says
// it is reconnecting (not "not connected yet"), then shows the builds again. Own file: it stops
// its cluster.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { useCluster, waitFor, SUPERUSER_PASSWORD } from '../db/support/postgres';
import { ROOT } from './helpers';

let url = '';
const cluster = useCluster({}, async (c) => {
  await c.createDatabase('monitor_reconnect');
  url = `postgres://postgres:${SUPERUSER_PASSWORD}@${c.host}:${c.port}/monitor_reconnect?sslmode=disable`;
});

test('monitor: after the server goes away it says it is reconnecting, and carries on once the server is back', { timeout: 90_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'monitor', '--database-url', url], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  try {
    await waitFor('the first view', async () => (stdout.includes('No index build is running.') ? true : undefined), 20_000, 100);
    await cluster().stopServer();
    await waitFor('the reconnecting message', async () => (/reconnecting/i.test(stdout) ? true : undefined), 30_000, 100);
    const whileDown = stdout;
    assert.match(whileDown, /The connection to the database was lost; reconnecting\. The monitor carries on by itself once the server answers again\. \(retrying\)\n/);
    assert.doesNotMatch(whileDown, /not connected yet|Connect to a database first/i);

    await cluster().startServer();
    await waitFor('the view again', async () => (stdout.slice(whileDown.length).includes('No index build is running.') ? true : undefined), 30_000, 100);
  } finally {
    child.kill('SIGINT');
  }
  const code = await new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (c) => r(c))));
  assert.equal(code, 0, stderr);
});
