// The monitoring session against a real server: read-only, visible under its name, and clear
// messages for the ways connecting goes wrong (password, database, privileges, host, port, SSL).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientConfig } from 'pg';
import { clientConfigsFor, type ConnectionCandidate } from '../../src/db/connection';
import { DbError } from '../../src/db/errors';
import type { NamedQuery } from '../../src/db/queries';
import { MONITOR_APPLICATION_NAME, MonitorSession, type SessionStateEvent } from '../../src/db/session';
import { CLIENT_CERT_USER, closeClient, useCluster } from './support/postgres';

const DB = 'session_test';
const MONITOR_PASSWORD = 'correct horse battery staple';
let base: ClientConfig & { host: string; port: number; database: string };

const cluster = useCluster(
  {
    ssl: true,
    // first match wins: this role may only come in over SSL; that one only with its certificate
    hbaLines: ['hostnossl all ssl_only 127.0.0.1/32 reject', `hostssl all ${CLIENT_CERT_USER} 127.0.0.1/32 cert`],
  },
  async (c) => {
    base = { ...(await c.createDatabase(DB)), ssl: false };
    const admin = await c.connect(DB);
    await admin.query(`CREATE ROLE monitor LOGIN PASSWORD '${MONITOR_PASSWORD}'`);
    await admin.query(`CREATE ROLE ssl_only LOGIN PASSWORD 'ssl-only-pw'`);
    await admin.query(`CREATE ROLE outsider LOGIN PASSWORD 'outsider-pw'`);
    await admin.query(`CREATE ROLE ${CLIENT_CERT_USER} LOGIN`);
    await admin.query(`REVOKE CONNECT ON DATABASE ${DB} FROM PUBLIC`);
    await admin.query(`GRANT CONNECT ON DATABASE ${DB} TO monitor, ssl_only, ${CLIENT_CERT_USER}`);
    await admin.query(`CREATE TABLE schema_migrations (version varchar PRIMARY KEY)`);
    await admin.query(`INSERT INTO schema_migrations VALUES ('20240101000000')`);
    await closeClient(admin);
  },
);

/** A session that records its state events and is closed by the test. */
function session(target: ConstructorParameters<typeof MonitorSession>[0]['target'], reconnect: false | { initialDelayMs: number } = false) {
  const events: SessionStateEvent[] = [];
  const s = new MonitorSession({ target, reconnect, connectTimeoutMs: 3000 });
  s.onState((e) => events.push(e));
  return { s, events };
}

const asMonitor = (overrides: Partial<ClientConfig> = {}): ClientConfig => ({ ...base, user: 'monitor', password: MONITOR_PASSWORD, ...overrides });

/** A statement outside the registry, to prove the session itself refuses writes. */
const createTable: NamedQuery<[], unknown> = { name: 'test_create_table', text: 'CREATE TABLE written_by_monitor (id int)', mapRow: (r) => r };
const show = (setting: string): NamedQuery<[], string> => ({ name: `test_show_${setting}`, text: `SHOW ${setting}`, mapRow: (r) => String(r[setting]) });

test('connects read-only, under its application name, with short timeouts', async () => {
  const { s, events } = session(asMonitor());
  try {
    assert.deepEqual(await s.connect(), { ok: true });
    assert.deepEqual(events.map((e) => e.state), ['connecting', 'connected']);

    await assert.rejects(s.run(createTable, []), (err: unknown) => {
      assert.ok(err instanceof DbError);
      assert.equal(err.description.code, '25006');
      assert.equal(err.description.kind, 'read-only');
      return true;
    });
    assert.deepEqual(await s.run(show('default_transaction_read_only'), []), ['on']);
    assert.deepEqual(await s.run(show('statement_timeout'), []), ['5s']);

    const admin = await cluster().connect(DB);
    const { rows } = await admin.query('SELECT application_name, usename FROM pg_stat_activity WHERE pid = $1', [s.backendPid]);
    await closeClient(admin);
    assert.deepEqual(rows, [{ application_name: MONITOR_APPLICATION_NAME, usename: 'monitor' }]);

    const [version] = await s.query('serverVersion');
    assert.ok(version!.serverVersionNum >= 180000, `server_version_num ${version!.serverVersionNum}`);
  } finally {
    await s.close();
  }
  assert.equal(events.at(-1)?.state, 'closed');
});

test('wrong password: a clear message without the password, and no retry loop', async () => {
  const { s, events } = session(asMonitor({ password: 'not-the-password' }), { initialDelayMs: 50 });
  try {
    const outcome = await s.connect();
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.kind, 'wrong-password');
    assert.equal(outcome.error.code, '28P01');
    assert.match(outcome.error.title, /Wrong password for "monitor"/);
    assert.match(outcome.error.advice, /password/i);
    assert.equal(outcome.error.retryable, false);
    const last = events.at(-1)!;
    assert.equal(last.state, 'disconnected');
    assert.equal(last.retryInMs, undefined);
    for (const text of [outcome.error.title, outcome.error.advice, outcome.error.detail]) assert.doesNotMatch(text, /not-the-password/);
  } finally {
    await s.close();
  }
});

test('no password at all when the server asks for one', async () => {
  const { s } = session({ ...base, user: 'monitor', password: undefined });
  try {
    const outcome = await s.connect();
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.kind, 'password-required');
    assert.match(outcome.error.advice, /pgpass|password/i);
  } finally {
    await s.close();
  }
});

test('a database that does not exist', async () => {
  const { s } = session(asMonitor({ database: 'no_such_db' }));
  try {
    const outcome = await s.connect();
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.code, '3D000');
    assert.equal(outcome.error.kind, 'database-missing');
    assert.match(outcome.error.title, /"no_such_db" does not exist/);
    assert.match(outcome.error.advice, /db:create/);
  } finally {
    await s.close();
  }
});

test('missing privileges: no CONNECT on the database, no SELECT on schema_migrations', async () => {
  const outsider = session({ ...base, user: 'outsider', password: 'outsider-pw' });
  try {
    const outcome = await outsider.s.connect();
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.code, '42501');
    assert.equal(outcome.error.kind, 'missing-privilege');
    assert.match(outcome.error.advice, /GRANT CONNECT ON DATABASE session_test TO outsider/);
  } finally {
    await outsider.s.close();
  }

  const { s } = session(asMonitor());
  try {
    assert.deepEqual(await s.connect(), { ok: true });
    assert.deepEqual(await s.query('schemaMigrationsTableExists'), [{ exists: true }]);
    await assert.rejects(s.query('schemaMigrationVersions'), (err: unknown) => {
      assert.ok(err instanceof DbError);
      assert.equal(err.description.code, '42501');
      assert.equal(err.description.kind, 'missing-privilege');
      assert.match(err.description.title, /may not read table schema_migrations/);
      assert.match(err.description.advice, /GRANT SELECT ON schema_migrations TO monitor/);
      return true;
    });
    // the session survives a failed query
    assert.equal((await s.query('serverVersion')).length, 1);
  } finally {
    await s.close();
  }
});

test('connection refused is retried by itself; close() stops the retries', async () => {
  const { s, events } = session({ ...base, port: 1, user: 'monitor' }, { initialDelayMs: 20 });
  const outcome = await s.connect();
  assert.ok(!outcome.ok);
  assert.equal(outcome.error.kind, 'connection-refused');
  assert.match(outcome.error.title, /Connection refused \(127\.0\.0\.1:1\)/);
  assert.match(outcome.error.advice, /Is Postgres running/);
  assert.ok(events.at(-1)!.retryInMs! > 0);
  // a second attempt happens by itself
  await new Promise((r) => setTimeout(r, 150));
  assert.ok(events.filter((e) => e.state === 'connecting').length >= 2);
  await s.close();
  const count = events.length;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(events.length, count, 'no attempts after close');
  await assert.rejects(s.query('serverVersion'), (err: unknown) => err instanceof DbError && err.description.kind === 'not-connected');
});

test('unknown host', async () => {
  const { s } = session({ ...base, host: 'no-such-host.invalid', user: 'monitor' });
  try {
    const outcome = await s.connect();
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.kind, 'unknown-host');
    assert.match(outcome.error.title, /no-such-host\.invalid/);
  } finally {
    await s.close();
  }
});

const candidate = (overrides: Partial<ConnectionCandidate['tls']>, user = 'ssl_only', password: string | null = 'ssl-only-pw', host = '127.0.0.1') => ({
  config: { host, port: base.port, database: DB, user, ...(password === null ? {} : { password }) },
  tls: { mode: 'prefer' as const, ...overrides },
});

const sslInUse: NamedQuery<[], boolean> = {
  name: 'test_ssl_in_use',
  text: 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
  mapRow: (r) => r['ssl'] === true,
};

test('SSL required by the server: a clear message for sslmode=disable', async () => {
  const { s } = session(clientConfigsFor(candidate({ mode: 'disable' })));
  try {
    const outcome = await s.connect();
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.kind, 'ssl-required');
    assert.match(outcome.error.advice, /sslmode/);
  } finally {
    await s.close();
  }
});

test('sslmode require, prefer and verify-full (with the CA file) connect encrypted', async () => {
  for (const tls of [{ mode: 'require' as const }, { mode: 'prefer' as const }, { mode: 'verify-full' as const, rootCertPath: cluster().tls!.caFile }]) {
    const { s } = session(() => clientConfigsFor(candidate(tls)));
    try {
      assert.deepEqual(await s.connect(), { ok: true }, tls.mode);
      assert.deepEqual(await s.run(sslInUse, []), [true], tls.mode);
    } finally {
      await s.close();
    }
  }
});

const currentUser: NamedQuery<[], string> = { name: 'test_current_user', text: 'SELECT current_user AS name', mapRow: (r) => String(r['name']) };

test('a client certificate logs in a role the server admits by certificate only; without one, the message says what to set', async () => {
  const tls = cluster().tls!;
  const withCertificate = session(() =>
    clientConfigsFor(candidate({ mode: 'verify-full', rootCertPath: tls.caFile, certPath: tls.clientCertFile, keyPath: tls.clientKeyFile }, CLIENT_CERT_USER, null)),
  );
  try {
    assert.deepEqual(await withCertificate.s.connect(), { ok: true });
    assert.deepEqual(await withCertificate.s.run(currentUser, []), [CLIENT_CERT_USER]);
    assert.deepEqual(await withCertificate.s.run(sslInUse, []), [true]);
  } finally {
    await withCertificate.s.close();
  }

  const without = session(() => clientConfigsFor(candidate({ mode: 'require' }, CLIENT_CERT_USER, null)));
  try {
    const outcome = await without.s.connect();
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.kind, 'client-certificate');
    assert.match(outcome.error.advice, /sslcert and sslkey/);
  } finally {
    await without.s.close();
  }
});

test('verify-full without the CA, and a CA file that does not exist', async () => {
  const unverified = session(clientConfigsFor(candidate({ mode: 'verify-full' })));
  try {
    const outcome = await unverified.s.connect();
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.kind, 'ssl-certificate');
    assert.match(outcome.error.advice, /sslrootcert/);
  } finally {
    await unverified.s.close();
  }

  const missingCa = session(() => clientConfigsFor(candidate({ mode: 'verify-ca', rootCertPath: '/nonexistent/root.crt' })));
  try {
    const outcome = await missingCa.s.connect();
    assert.ok(!outcome.ok);
    assert.equal(outcome.error.kind, 'ca-file');
    assert.match(outcome.error.title, /\/nonexistent\/root\.crt/);
  } finally {
    await missingCa.s.close();
  }
});

test('a backend that stops answering (SIGSTOP): the query gives up past its statement_timeout, the connection counts as lost, close() returns', async () => {
  const s = new MonitorSession({ target: asMonitor(), reconnect: false, statementTimeoutMs: 300 });
  const events: SessionStateEvent[] = [];
  s.onState((e) => events.push(e));
  assert.deepEqual(await s.connect(), { ok: true });
  const pid = s.backendPid!;
  process.kill(pid, 'SIGSTOP');
  try {
    // statement_timeout is the server's: a stopped backend never sends it
    await assert.rejects(s.run(show('server_version'), []), (err: unknown) => {
      assert.ok(err instanceof DbError);
      assert.equal(err.description.kind, 'timeout');
      assert.match(err.description.title, /^The server did not answer in time \(127\.0\.0\.1:\d+\)\.$/);
      return true;
    });
    assert.equal(s.state, 'disconnected');
    assert.equal(events.at(-1)?.reason?.kind, 'timeout');
    await s.close();
    assert.equal(s.state, 'closed');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
});
