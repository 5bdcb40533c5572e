// What the database commands say about the connection, against a real server (and a listener
// that is not one): sslmode checked wherever it is given, where a URL came from, the CLI's ways
// to give a password.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { useCluster, SUPERUSER_PASSWORD } from '../db/support/postgres';
import { tempDir } from './helpers';

const app = tempDir('pg-index-guard-connection-app-');
after(() => app.remove());

const cluster = useCluster({}, async (c) => {
  await c.createDatabase('messages_dev');
});

/** `url` with the cluster's address; `query` after `?`. */
function url(password: string, query = ''): string {
  const c = cluster();
  return `postgres://postgres:${password}@${c.host}:${c.port}/messages_dev${query ? `?${query}` : ''}`;
}

async function cli(args: string[], env: Record<string, string> = {}, cwd = app.path): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const io: CliIO = { stdout: () => {}, stderr: (text) => void (stderr += text), cwd, env, stdoutIsTTY: false };
  const code = await runCli(args, io);
  return { code, stderr };
}

const VALID = 'Use one of: disable, allow, prefer, require, verify-ca, verify-full.';

test('an sslmode libpq does not know is a usage error naming the valid ones: URL, DATABASE_URL, PGSSLMODE, database.yml', async () => {
  // The server has no SSL: each of these would connect in plain text if taken as "prefer".
  assert.equal((await cli(['status', '--database-url', url(SUPERUSER_PASSWORD, 'sslmode=disable')])).code, 0, 'the server is there');
  for (const mode of ['requre', 'verify_full', 'REQUIRE']) {
    assert.deepEqual(await cli(['status', '--database-url', url(SUPERUSER_PASSWORD, `sslmode=${mode}`)]), {
      code: 2,
      stderr: `pg-index-guard status: Unknown sslmode "${mode}" in --database-url. ${VALID}\n`,
    });
  }
  assert.deepEqual(await cli(['check-missing'], { DATABASE_URL: url(SUPERUSER_PASSWORD, 'sslmode=requre') }), {
    code: 2,
    stderr: `pg-index-guard check-missing: Unknown sslmode "requre" in DATABASE_URL (environment). ${VALID}\n`,
  });
  assert.deepEqual(await cli(['status', '--database-url', url(SUPERUSER_PASSWORD)], { PGSSLMODE: 'requre' }), {
    code: 2,
    stderr: `pg-index-guard status: Unknown sslmode "requre" in PGSSLMODE. ${VALID}\n`,
  });
  // The URL's own sslmode wins over PGSSLMODE, as in libpq.
  assert.equal((await cli(['status', '--database-url', url(SUPERUSER_PASSWORD, 'sslmode=disable')], { PGSSLMODE: 'requre' })).code, 0);

  const rails = tempDir('pg-index-guard-connection-rails-');
  try {
    mkdirSync(join(rails.path, 'config'));
    const c = cluster();
    writeFileSync(
      join(rails.path, 'config', 'database.yml'),
      `development:\n  adapter: postgresql\n  host: ${c.host}\n  port: ${c.port}\n  database: messages_dev\n  username: postgres\n  password: ${SUPERUSER_PASSWORD}\n  sslmode: verify_full\n`,
    );
    assert.deepEqual(await cli(['status'], {}, rails.path), {
      code: 2,
      stderr: `pg-index-guard status: Unknown sslmode "verify_full" in database.yml: development. ${VALID}\n`,
    });
  } finally {
    rails.remove();
  }
});

test('a wrong password: the URL given with --database-url is named as such, and the advice names the CLI\'s ways', async () => {
  const c = cluster();
  const wrong = await cli(['status', '--database-url', url('not-the-password', 'sslmode=disable')]);
  assert.equal(wrong.code, 2);
  assert.equal(
    wrong.stderr,
    `pg-index-guard status: Cannot connect to postgres@${c.host}:${c.port}/messages_dev (--database-url): ` +
      `Wrong password for "postgres" (${c.host}:${c.port}). Correct the password in the URL, or the user name.\n`,
  );
  const fromEnv = await cli(['status', '--database-url', `postgres://postgres@${c.host}:${c.port}/messages_dev?sslmode=disable`], { PGPASSWORD: 'not-the-password' });
  assert.match(fromEnv.stderr, /Wrong password for "postgres" .*\. Correct the password in PGPASSWORD, or the user name\.\n$/);
  const none = await cli(['status', '--database-url', `postgres://postgres@${c.host}:${c.port}/messages_dev?sslmode=disable`], { PGPASSFILE: join(app.path, 'none') });
  assert.match(none.stderr, /asks for a password for "postgres" .*\. Give it in the URL \(postgres:\/\/user:password@host\/database\), in PGPASSWORD or in ~\/\.pgpass\.\n$/);
  for (const { stderr } of [wrong, fromEnv, none]) assert.doesNotMatch(stderr, /VS Code|Set Database Password|DATABASE_URL \(environment\)/);
});

test('a listener that is not PostgreSQL: "not a PostgreSQL server", not an SSL error', async () => {
  // Answers every connection as a web server would, then hangs up.
  const server = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    for (const query of ['', 'sslmode=require']) {
      const { code, stderr } = await cli(['status', '--database-url', `postgres://app:pw@127.0.0.1:${port}/app${query ? `?${query}` : ''}`]);
      assert.equal(code, 2);
      assert.equal(
        stderr,
        `pg-index-guard status: Cannot connect to app@127.0.0.1:${port}/app (--database-url): The server (127.0.0.1:${port}) is not a PostgreSQL server: it does not answer as one. ` +
          'Check the host and port: another program listens there (PostgreSQL listens on 5432 by default).\n',
      );
    }
  } finally {
    server.close();
  }
});
